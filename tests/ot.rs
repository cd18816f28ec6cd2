//! OT: transposes against the reference on every backend, base OT, IKNP
//! correlated OT (`m_b = m0 ⊕ b·Δ`) for many counts over `mem` and TCP,
//! random and chosen-message OT, and byte counts.

use gc2pc::cpu::Checked;
use gc2pc::net::{Channel, mem, tcp};
use gc2pc::ot::iknp::{IknpReceiver, IknpSender};
use gc2pc::ot::transpose::{self, Backend};
use gc2pc::ot::{CotReceiver, CotSender, base};
use gc2pc::prg::Prg;
use gc2pc::{Block, Delta};
use std::thread;
use std::time::Duration;

const T: Duration = Duration::from_secs(10);

fn tcp_pair() -> (Channel, Channel) {
    tcp::loopback_pair(T).expect("a loopback TCP pair")
}

fn mem_pair() -> (Channel, Channel) {
    let (mut a, mut b) = mem::pair();
    a.set_timeout(T).unwrap();
    b.set_timeout(T).unwrap();
    (a, b)
}

fn choices(n: usize, seed: u128) -> Vec<bool> {
    let mut prg = Prg::new(Block::new(seed));
    let mut bytes = vec![0u8; n];
    prg.fill_bytes(&mut bytes);
    bytes.iter().map(|b| b & 1 == 1).collect()
}

// ---- transpose ----

#[test]
fn every_transpose_backend_matches_the_reference() {
    let backends = Checked::<Backend>::all();
    assert_eq!(backends[0].get(), Backend::Portable);
    #[cfg(target_arch = "x86_64")]
    assert!(backends.contains(&Checked::new(Backend::Sse2).unwrap()));
    #[cfg(target_arch = "aarch64")]
    assert_eq!(Checked::<Backend>::best().get(), Backend::Neon);
    // A backend this CPU lacks cannot be had at all.
    #[cfg(target_arch = "x86_64")]
    assert!(Checked::new(Backend::Neon).is_err());
    let mut prg = Prg::new(Block::new(1));
    for w in [1usize, 2, 3, 8, 33] {
        let mut input = vec![Block::ZERO; 128 * w];
        prg.fill_blocks(&mut input);
        let mut want = vec![Block::ZERO; 128 * w];
        transpose::transpose_reference(&input, &mut want);
        for &b in &backends {
            let mut got = vec![Block::ZERO; 128 * w];
            transpose::transpose_with(b, &input, &mut got);
            assert_eq!(got, want, "backend {b:?}, w = {w}");
        }
        let mut got = vec![Block::ZERO; 128 * w];
        transpose::transpose(&input, &mut got);
        assert_eq!(got, want);
    }
}

#[test]
fn transpose_single_bits() {
    // One set bit at (row i, column j) lands at bit i of output j.
    for &b in &Checked::<Backend>::all() {
        for (i, j) in [(0, 0), (127, 0), (0, 255), (5, 130), (127, 255), (64, 63)] {
            let w = 2;
            let mut input = vec![Block::ZERO; 128 * w];
            input[i * w + j / 128] = Block::new(1u128 << (j % 128));
            let mut out = vec![Block::ZERO; 128 * w];
            transpose::transpose_with(b, &input, &mut out);
            for (k, o) in out.iter().enumerate() {
                let want = if k == j {
                    Block::new(1u128 << i)
                } else {
                    Block::ZERO
                };
                assert_eq!(*o, want, "backend {b:?} ({i},{j}) row {k}");
            }
        }
    }
}

#[test]
fn transpose_is_an_involution_on_square_tiles() {
    let mut prg = Prg::new(Block::new(9));
    let mut m = vec![Block::ZERO; 128];
    prg.fill_blocks(&mut m);
    let mut t = vec![Block::ZERO; 128];
    let mut tt = vec![Block::ZERO; 128];
    transpose::transpose(&m, &mut t);
    transpose::transpose(&t, &mut tt);
    assert_eq!(m, tt);
    assert_ne!(m, t);
}

// ---- base OT ----

fn base_ot(n: usize, (mut a, mut b): (Channel, Channel)) {
    let ch = choices(n, 77);
    let ch2 = ch.clone();
    let h = thread::spawn(move || {
        let mut prg = Prg::new(Block::new(2));
        base::receive(&mut b, &ch2, &mut prg).unwrap()
    });
    let mut prg = Prg::new(Block::new(3));
    let keys = base::send(&mut a, n, &mut prg).unwrap();
    let got = h.join().unwrap();
    assert_eq!(keys.len(), n);
    assert_eq!(got.len(), n);
    for j in 0..n {
        assert_eq!(got[j], keys[j][ch[j] as usize], "OT {j}");
        assert_ne!(got[j], keys[j][!ch[j] as usize], "OT {j}");
        assert_ne!(keys[j][0], keys[j][1]);
    }
    // all keys distinct
    let mut all: Vec<u128> = keys
        .iter()
        .flat_map(|k| [k[0].to_u128(), k[1].to_u128()])
        .collect();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 2 * n);
    assert_eq!(a.bytes_sent(), 4 + 32);
    assert_eq!(a.bytes_received(), 4 + 64 * n as u64);
}

#[test]
fn base_ot_128_mem() {
    base_ot(128, mem_pair());
}

#[test]
fn base_ot_small_counts_tcp() {
    base_ot(1, tcp_pair());
    base_ot(3, tcp_pair());
    base_ot(128, tcp_pair());
}

// ---- IKNP ----

const COUNTS: [usize; 6] = [1, 127, 128, 129, 10_000, 1 << 20];

/// Runs every count in COUNTS in one session (base OTs once), checking the
/// correlation and the bytes of each call on both sides.
fn iknp_counts((mut a, mut b): (Channel, Channel)) {
    let mut prg = Prg::new(Block::new(11));
    let delta = prg.random_delta();
    let d = delta.clone();
    let h = thread::spawn(move || {
        let mut prg = Prg::new(Block::new(12));
        let mut s = IknpSender::setup(&mut a, &d, &mut prg).unwrap();
        let mut outs = Vec::new();
        for n in COUNTS {
            let before = a.bytes_received();
            outs.push(s.send_cot(&mut a, n).unwrap());
            let frames = n.div_ceil(gc2pc::ot::iknp::CHUNK) as u64;
            // The KOS check adds a frame of EXTRA_ROWS more columns' bits
            // and the receiver's (x, t): 2 blocks in one frame.
            let kos = 16 * gc2pc::ot::kos::EXTRA_ROWS as u64 + 4 + 32 + 4;
            assert_eq!(
                a.bytes_received() - before,
                16 * (n.div_ceil(128) * 128) as u64 + 4 * frames + kos,
                "n = {n}"
            );
        }
        assert_eq!(s.cots_done(), COUNTS.iter().sum::<usize>() as u64);
        (outs, a)
    });
    let mut r = IknpReceiver::setup(&mut b, &mut prg).unwrap();
    let mut all = Vec::new();
    for (k, n) in COUNTS.into_iter().enumerate() {
        let c = choices(n, k as u128);
        let got = r.recv_cot(&mut b, &c).unwrap();
        all.push((c, got));
    }
    let (outs, a) = h.join().unwrap();
    for ((c, got), m0) in all.iter().zip(&outs) {
        assert_eq!(m0.len(), c.len());
        for j in 0..c.len() {
            assert_eq!(
                got[j],
                m0[j] ^ delta.block().select(c[j]),
                "n = {}, OT {j}",
                c.len()
            );
        }
        // m0 are not all equal / zero
        if c.len() > 1 {
            assert_ne!(m0[0], m0[1]);
        }
    }
    assert_eq!(a.bytes_sent(), b.bytes_received());
    assert_eq!(a.bytes_received(), b.bytes_sent());
}

#[test]
fn iknp_cot_all_counts_mem() {
    iknp_counts(mem_pair());
}

#[test]
fn iknp_cot_all_counts_tcp() {
    iknp_counts(tcp_pair());
}

#[test]
fn iknp_fresh_session_per_count_mem() {
    for n in [1usize, 127, 128, 129] {
        let (mut a, mut b) = mem_pair();
        let delta = Delta::new(Block::new(0xdead_beef_u128 << 64 | n as u128));
        let d = delta.clone();
        let h = thread::spawn(move || {
            let mut prg = Prg::new(Block::new(5));
            let mut s = IknpSender::setup(&mut a, &d, &mut prg).unwrap();
            s.send_cot(&mut a, n).unwrap()
        });
        let mut prg = Prg::new(Block::new(6));
        let mut r = IknpReceiver::setup(&mut b, &mut prg).unwrap();
        let c = choices(n, 99);
        let got = r.recv_cot(&mut b, &c).unwrap();
        let m0 = h.join().unwrap();
        for j in 0..n {
            assert_eq!(got[j], m0[j] ^ delta.block().select(c[j]));
        }
    }
}

#[test]
fn random_and_chosen_ot_mem() {
    let (mut a, mut b) = mem_pair();
    let mut prg = Prg::new(Block::new(21));
    let delta = prg.random_delta();
    let n = 1000;
    let msgs: Vec<[Block; 2]> = (0..n as u128)
        .map(|i| [Block::new(i * 2 + 1000), Block::new(i * 2 + 1001)])
        .collect();
    let m2 = msgs.clone();
    let d = delta.clone();
    let h = thread::spawn(move || {
        let mut prg = Prg::new(Block::new(22));
        let mut s = IknpSender::setup(&mut a, &d, &mut prg).unwrap();
        let rot = s.send_rot(&mut a, 300).unwrap();
        s.send_chosen(&mut a, &m2).unwrap();
        let rot2 = s.send_rot(&mut a, 300).unwrap();
        (rot, rot2)
    });
    let mut r = IknpReceiver::setup(&mut b, &mut prg).unwrap();
    let c1 = choices(300, 1);
    let got1 = r.recv_rot(&mut b, &c1).unwrap();
    let c2 = choices(n, 2);
    let chosen = r.recv_chosen(&mut b, &c2).unwrap();
    let c3 = choices(300, 3);
    let got3 = r.recv_rot(&mut b, &c3).unwrap();
    let (rot, rot2) = h.join().unwrap();
    for j in 0..300 {
        assert_eq!(got1[j], rot[j][c1[j] as usize]);
        assert_ne!(got1[j], rot[j][!c1[j] as usize]);
        // random OT keys are not the raw correlation
        assert_ne!(rot[j][0] ^ rot[j][1], delta.block());
        assert_eq!(got3[j], rot2[j][c3[j] as usize]);
        assert_ne!(rot[j][0], rot2[j][0]);
    }
    for j in 0..n {
        assert_eq!(chosen[j], msgs[j][c2[j] as usize], "chosen OT {j}");
    }
}

#[test]
fn chosen_ot_tcp() {
    let (mut a, mut b) = tcp_pair();
    let n = 70_000; // more than one chosen-message frame
    let msgs: Vec<[Block; 2]> = (0..n as u128)
        .map(|i| [Block::new(i), Block::new(!i)])
        .collect();
    let m2 = msgs.clone();
    let h = thread::spawn(move || {
        let mut prg = Prg::new(Block::new(31));
        let delta = prg.random_delta();
        let mut s = IknpSender::setup(&mut a, &delta, &mut prg).unwrap();
        s.send_chosen(&mut a, &m2).unwrap();
    });
    let mut prg = Prg::new(Block::new(32));
    let mut r = IknpReceiver::setup(&mut b, &mut prg).unwrap();
    let c = choices(n, 4);
    let got = r.recv_chosen(&mut b, &c).unwrap();
    h.join().unwrap();
    for j in 0..n {
        assert_eq!(got[j], msgs[j][c[j] as usize]);
    }
}

#[test]
fn debug_shows_no_secrets() {
    let (mut a, mut b) = mem_pair();
    let delta = Delta::new(Block::new(0x1234_5678_9abc_def1));
    let d = delta.clone();
    let h = thread::spawn(move || {
        let mut prg = Prg::new(Block::new(1));
        IknpSender::setup(&mut a, &d, &mut prg).unwrap()
    });
    let mut prg = Prg::new(Block::new(2));
    let r = IknpReceiver::setup(&mut b, &mut prg).unwrap();
    let s = h.join().unwrap();
    let text = format!("{s:?} {r:?}");
    assert!(!text.contains("123456789abcdef"), "{text}");
    assert!(text.contains("<secret>"));
}

// ---- the layers without I/O ----

/// Random and chosen-message OT on top of the ideal COT: the layer above
/// COT tested alone (the ideal COT sends nothing; the masked messages of
/// chosen OT go over the channel).
#[test]
fn random_and_chosen_ot_over_the_ideal_cot() {
    use gc2pc::ot::ideal::ideal_cot;
    let delta = Delta::new(Block::new(0x1234_5678_9abc_def1));
    for n in [0usize, 1, 127, 300] {
        let (mut sender, mut receiver) = ideal_cot(Block::new(77), delta.clone());
        let (mut cs, mut cr) = mem_pair();
        let c = choices(n, 5 + n as u128);
        let mut prg = Prg::new(Block::new(9));
        let msgs: Vec<[Block; 2]> = (0..n)
            .map(|_| [prg.random_block(), prg.random_block()])
            .collect();
        let c2 = c.clone();
        let t = thread::spawn(move || {
            let rot = receiver.recv_rot(&mut cr, &c2).unwrap();
            let chosen = receiver.recv_chosen(&mut cr, &c2).unwrap();
            (rot, chosen, receiver.cots_done())
        });
        let rot = sender.send_rot(&mut cs, n).unwrap();
        sender.send_chosen(&mut cs, &msgs).unwrap();
        let (got_rot, chosen, done) = t.join().unwrap();
        for j in 0..n {
            assert_eq!(got_rot[j], rot[j][c[j] as usize], "random OT {j}");
            assert_ne!(rot[j][0], rot[j][1]);
            assert_eq!(chosen[j], msgs[j][c[j] as usize], "chosen OT {j}");
        }
        assert_eq!((sender.cots_done(), done), (2 * n as u64, 2 * n as u64));
        // Only the masked messages crossed the channel: 32 bytes per OT.
        assert_eq!(cs.bytes_sent(), if n == 0 { 0 } else { 32 * n as u64 + 4 });
    }
}

/// The sender's and receiver's outputs, the transcript's digest and length.
type ByHand = (Vec<Block>, Vec<Block>, Vec<u8>, usize);

/// Runs one IKNP call between the I/O-free state machines in this thread
/// from fixed base-OT seeds, passing each message by hand; returns both
/// sides' outputs, the SHA-256 of the transcript (every message in order)
/// and its length in bytes, or the sender's error. `tamper` flips a bit of
/// the first column message.
fn iknp_by_hand(
    delta: &Delta,
    rng_seed: Block,
    c: &[bool],
    tamper: bool,
) -> Result<ByHand, gc2pc::ot::OtError> {
    use gc2pc::ot::iknp::{COLUMNS, ReceiverMessage, SenderNeeds};
    use sha2::{Digest, Sha256};
    let pairs: Vec<[Block; 2]> = (0..COLUMNS as u128)
        .map(|i| [Block::new(1000 + 2 * i), Block::new(1001 + 2 * i)])
        .collect();
    let chosen: Vec<Block> = (0..COLUMNS)
        .map(|i| pairs[i][delta.bit(i) as usize])
        .collect();
    let mut sender = IknpSender::from_base(delta.clone(), &chosen);
    let mut receiver = IknpReceiver::from_base(&pairs, rng_seed);
    let (mut out_s, mut out_r) = (vec![Block::ZERO; c.len()], vec![Block::ZERO; c.len()]);
    let mut scall = sender.begin(&mut out_s);
    let mut rcall = receiver.begin(c, &mut out_r);
    let (mut transcript, mut bytes, mut first) = (Sha256::new(), 0, true);
    while let Some(message) = rcall.next_message() {
        match message {
            ReceiverMessage::Columns(u) => {
                assert_eq!(scall.needs(), SenderNeeds::Columns(u.len()));
                for b in u {
                    transcript.update(b.to_bytes());
                }
                bytes += 16 * u.len();
                scall.columns_buffer().copy_from_slice(u);
                if tamper && first {
                    scall.columns_buffer()[0] ^= Block::new(1);
                }
                first = false;
                scall.columns_received();
            }
            ReceiverMessage::Check(check) => {
                assert_eq!(scall.needs(), SenderNeeds::Check);
                transcript.update(check.x.to_bytes());
                transcript.update(check.t.to_bytes());
                bytes += 32;
                if let Err(e) = scall.check_received(check) {
                    // One try only: the call is over and its outputs cleared.
                    assert_eq!(scall.needs(), SenderNeeds::Failed);
                    assert!(out_s.iter().all(|&b| b == Block::ZERO));
                    return Err(e);
                }
            }
            _ => unreachable!("IKNP sends columns and a check"),
        }
    }
    assert_eq!(scall.needs(), SenderNeeds::Done);
    drop((scall, rcall));
    assert_eq!(
        (sender.cots_done(), receiver.cots_done()),
        (c.len() as u64, c.len() as u64)
    );
    Ok((out_s, out_r, transcript.finalize().to_vec(), bytes))
}

/// The IKNP state machines from fixed seeds, without any I/O: the outputs
/// are correlated OTs; the first column message is the IKNP definition
/// `u_i = G(k_i^0) ⊕ G(k_i^1) ⊕ r` recomputed here from the seeds; the
/// transcript is exactly 16 bytes per (padded) OT plus the KOS rows and
/// check, the same on a rerun and different for other choices; a flipped
/// column bit is caught by the check.
#[test]
fn iknp_state_machines_from_fixed_seeds() {
    use gc2pc::ot::iknp::{COLUMNS, ReceiverMessage};
    use gc2pc::ot::kos::EXTRA_ROWS;
    let delta = Delta::new(Block::new(0x0bad_cafe_f00d_d00d_1234_5678_9abc_def1));
    for n in [1usize, 128, 1000, gc2pc::ot::iknp::CHUNK + 5] {
        let c = choices(n, 40 + n as u128);
        let (s, r, digest, bytes) = iknp_by_hand(&delta, Block::new(3), &c, false).unwrap();
        for j in 0..n {
            assert_eq!(r[j], s[j] ^ delta.block().select(c[j]), "OT {j} of {n}");
        }
        let padded = |m: usize| m.div_ceil(128) * 128;
        assert_eq!(bytes, 16 * padded(n) + 16 * EXTRA_ROWS + 32, "{n} OTs");
        let (_, _, again, _) = iknp_by_hand(&delta, Block::new(3), &c, false).unwrap();
        assert_eq!(digest, again, "same seeds, same transcript");
        let mut other = c.clone();
        other[0] = !other[0];
        let (_, _, differs, _) = iknp_by_hand(&delta, Block::new(3), &other, false).unwrap();
        assert_ne!(digest, differs);
        assert!(matches!(
            iknp_by_hand(&delta, Block::new(3), &c, true),
            Err(gc2pc::ot::OtError::Inconsistent)
        ));
    }
    // The first chunk's columns by the definition, for 256 OTs (w = 2).
    let c = choices(256, 8);
    let pairs: Vec<[Block; 2]> = (0..COLUMNS as u128)
        .map(|i| [Block::new(1000 + 2 * i), Block::new(1001 + 2 * i)])
        .collect();
    let mut receiver = IknpReceiver::from_base(&pairs, Block::new(3));
    let mut out = vec![Block::ZERO; 256];
    let mut call = receiver.begin(&c, &mut out);
    let Some(ReceiverMessage::Columns(u)) = call.next_message() else {
        panic!("IKNP starts with columns");
    };
    let r: Vec<u128> = c
        .chunks(128)
        .map(|bits| {
            bits.iter()
                .enumerate()
                .fold(0u128, |v, (j, &b)| v | (b as u128) << j)
        })
        .collect();
    for i in 0..COLUMNS {
        let (mut g0, mut g1) = ([Block::ZERO; 2], [Block::ZERO; 2]);
        Prg::new(pairs[i][0]).fill_blocks(&mut g0);
        Prg::new(pairs[i][1]).fill_blocks(&mut g1);
        for k in 0..2 {
            assert_eq!(u[2 * i + k], g0[k] ^ g1[k] ^ Block::new(r[k]), "column {i}");
        }
    }
}
