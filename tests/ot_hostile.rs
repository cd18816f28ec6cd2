//! OT against a hostile or broken peer: invalid Ristretto encodings, wrong
//! message sizes, truncated and oversized frames, early close and silence
//! must each give the honest side the right typed error within the timeout.

use gc2pc::net::{Channel, NetError, mem, tcp};
use gc2pc::ot::iknp::{CHUNK, IknpReceiver, IknpSender};
use gc2pc::ot::{CotReceiver, CotSender, OtError, base};
use gc2pc::prg::Prg;
use gc2pc::{Block, Delta};
use std::io::Write;
use std::net::TcpStream;
use std::thread;
use std::time::{Duration, Instant};

const T: Duration = Duration::from_secs(2);

fn frame(payload: &[u8]) -> Vec<u8> {
    let mut v = (payload.len() as u32).to_le_bytes().to_vec();
    v.extend_from_slice(payload);
    v
}

/// Runs `f` on a mem channel whose peer wrote `bytes` (then keeps the peer
/// open, or closes it), and checks the time taken.
fn against_raw_mem<R>(bytes: &[u8], close: bool, f: impl FnOnce(&mut Channel) -> R) -> R {
    let (mut ch, r, mut w) = mem::raw_pair();
    ch.set_timeout(T).unwrap();
    w.write_all(bytes).unwrap();
    let keep = if close {
        drop((r, w));
        None
    } else {
        Some((r, w))
    };
    let start = Instant::now();
    let out = f(&mut ch);
    assert!(start.elapsed() < T + Duration::from_millis(500));
    drop(keep);
    out
}

fn prg() -> Prg {
    Prg::new(Block(1))
}

#[test]
fn base_sender_rejects_non_canonical_point() {
    // 0xff…ff is not a canonical field element encoding.
    let mut msg = vec![0u8; 64 * 4];
    msg[64 * 2 + 32..64 * 3].fill(0xff);
    let r = against_raw_mem(&frame(&msg), false, |ch| base::send(ch, 4, &mut prg()));
    // The identity (all zero) is a valid encoding, so OT 0 and 1 pass and
    // OT 2 fails on its second point.
    assert!(
        matches!(r, Err(OtError::InvalidPoint { index: Some(2) })),
        "{r:?}"
    );
}

#[test]
fn base_sender_rejects_point_off_the_group() {
    // A canonical field element that is not a valid Ristretto encoding
    // (odd "negative" values are rejected by decompression).
    let mut msg = vec![0u8; 64];
    msg[0] = 1;
    let r = against_raw_mem(&frame(&msg), false, |ch| base::send(ch, 1, &mut prg()));
    assert!(
        matches!(r, Err(OtError::InvalidPoint { index: Some(0) })),
        "{r:?}"
    );
}

#[test]
fn base_receiver_rejects_invalid_and_identity_b() {
    let r = against_raw_mem(&frame(&[0xff; 32]), false, |ch| {
        base::receive(ch, &[true, false], &mut prg())
    });
    assert!(
        matches!(r, Err(OtError::InvalidPoint { index: None })),
        "{r:?}"
    );
    let r = against_raw_mem(&frame(&[0; 32]), false, |ch| {
        base::receive(ch, &[true, false], &mut prg())
    });
    assert!(
        matches!(r, Err(OtError::InvalidPoint { index: None })),
        "{r:?}"
    );
}

#[test]
fn base_ot_wrong_sizes_are_unexpected_length() {
    let r = against_raw_mem(&frame(&[0u8; 64 * 3]), false, |ch| {
        base::send(ch, 4, &mut prg())
    });
    assert!(
        matches!(
            r,
            Err(OtError::Net(NetError::UnexpectedLength {
                expected: 256,
                got: 192
            }))
        ),
        "{r:?}"
    );
    let r = against_raw_mem(&frame(&[0u8; 33]), false, |ch| {
        base::receive(ch, &[true], &mut prg())
    });
    assert!(
        matches!(
            r,
            Err(OtError::Net(NetError::UnexpectedLength {
                expected: 32,
                ..
            }))
        ),
        "{r:?}"
    );
    // An absurd length prefix is refused before any allocation.
    let r = against_raw_mem(&u32::MAX.to_le_bytes(), false, |ch| {
        base::send(ch, 128, &mut prg())
    });
    assert!(
        matches!(r, Err(OtError::Net(NetError::UnexpectedLength { .. }))),
        "{r:?}"
    );
}

#[test]
fn base_ot_peer_closes_early_or_stays_silent() {
    let r = against_raw_mem(&[], true, |ch| base::send(ch, 128, &mut prg()));
    assert!(matches!(r, Err(OtError::Net(NetError::Closed))), "{r:?}");
    // Truncated message then close.
    let mut bytes = frame(&[0u8; 64 * 128]);
    bytes.truncate(1000);
    let r = against_raw_mem(&bytes, true, |ch| base::send(ch, 128, &mut prg()));
    assert!(matches!(r, Err(OtError::Net(NetError::Closed))), "{r:?}");
    let r = against_raw_mem(&bytes, false, |ch| base::send(ch, 128, &mut prg()));
    assert!(matches!(r, Err(OtError::Net(NetError::Timeout))), "{r:?}");
    let r = against_raw_mem(&[], false, |ch| base::receive(ch, &[true; 128], &mut prg()));
    assert!(matches!(r, Err(OtError::Net(NetError::Timeout))), "{r:?}");
}

/// An IKNP sender over TCP whose receiver does an honest setup, then writes
/// `after` raw bytes on the socket and either closes or stays silent.
fn iknp_sender_vs(after: Vec<u8>, close: bool, n: usize) -> Result<Vec<Block>, OtError> {
    let listener = tcp::listen("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let peer = thread::spawn(move || {
        let mut raw = TcpStream::connect(addr).unwrap();
        let mut ch = tcp::from_stream(raw.try_clone().unwrap()).unwrap();
        ch.set_timeout(T).unwrap();
        let r = IknpReceiver::setup(&mut ch, &mut Prg::new(Block(2))).unwrap();
        raw.write_all(&after).unwrap();
        raw.flush().unwrap();
        if close {
            drop((r, ch, raw));
            None
        } else {
            thread::sleep(T + Duration::from_secs(1));
            Some((r, ch, raw))
        }
    });
    let mut ch = listener.accept(T).unwrap();
    ch.set_timeout(T).unwrap();
    let delta = Delta::new(Block(0x55));
    let mut s = IknpSender::setup(&mut ch, &delta, &mut Prg::new(Block(3))).unwrap();
    let start = Instant::now();
    let r = s.send_cot(&mut ch, n);
    assert!(start.elapsed() < T + Duration::from_millis(500));
    drop(peer);
    r
}

#[test]
fn iknp_receiver_closes_early() {
    let r = iknp_sender_vs(vec![], true, 1000);
    assert!(matches!(r, Err(OtError::Net(NetError::Closed))), "{r:?}");
}

#[test]
fn iknp_truncated_chunk() {
    let mut bytes = ((CHUNK * 16) as u32).to_le_bytes().to_vec();
    bytes.extend(vec![7u8; 5000]);
    let r = iknp_sender_vs(bytes.clone(), true, 2 * CHUNK);
    assert!(matches!(r, Err(OtError::Net(NetError::Closed))), "{r:?}");
    let r = iknp_sender_vs(bytes, false, 2 * CHUNK);
    assert!(matches!(r, Err(OtError::Net(NetError::Timeout))), "{r:?}");
}

#[test]
fn iknp_oversized_frame() {
    // 256 OTs need 4096 bytes; the peer announces more.
    let r = iknp_sender_vs(4097u32.to_le_bytes().to_vec(), false, 256);
    assert!(
        matches!(
            r,
            Err(OtError::Net(NetError::UnexpectedLength {
                expected: 4096,
                got: 4097
            }))
        ),
        "{r:?}"
    );
    let r = iknp_sender_vs(u32::MAX.to_le_bytes().to_vec(), false, 256);
    assert!(
        matches!(r, Err(OtError::Net(NetError::UnexpectedLength { .. }))),
        "{r:?}"
    );
}

#[test]
fn iknp_receiver_sees_sender_vanish() {
    // The receiver only sends in IKNP; a vanished sender shows up as a
    // closed connection once its writes or the next read fail.
    let (mut a, mut b) = mem::pair();
    a.set_timeout(T).unwrap();
    b.set_timeout(T).unwrap();
    let h = thread::spawn(move || {
        let d = Delta::new(Block(3));
        let s = IknpSender::setup(&mut a, &d, &mut Prg::new(Block(4))).unwrap();
        drop((s, a));
    });
    let mut r = IknpReceiver::setup(&mut b, &mut Prg::new(Block(5))).unwrap();
    h.join().unwrap();
    let start = Instant::now();
    let res = r.recv_cot(&mut b, &[true; 300]);
    assert!(
        matches!(res, Err(OtError::Net(NetError::Closed))),
        "{res:?}"
    );
    assert!(start.elapsed() < T);
}
