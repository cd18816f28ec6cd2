//! Base oblivious transfer: any number of random 1-out-of-2 OTs on the
//! Ristretto group (`curve25519-dalek`) in one round trip, with keys derived by
//! SHA-256.
//!
//! # Protocol
//! The Diffie–Hellman-based endemic OT of Masny and Rindal, "Endemic Oblivious
//! Transfer", ACM CCS 2019, ePrint 2019/706 (the "OT from key agreement with a
//! random oracle into the group" construction). Additively, with generator `G`,
//! a hash into the group `H_j` per OT index `j` and choice `c`:
//!
//! ```text
//! sender                                         receiver (choice c per OT)
//! b ← Z_ℓ, B = b·G            ── B ──►
//!                                                 a ← Z_ℓ, A = a·G
//!                                                 r_{1-c} ← random point
//!                                                 r_c = A − H_j(r_{1-c})
//!                             ◄── (r_0, r_1) ──
//! A_i = r_i + H_j(r_{1-i})
//! k_i = KDF(j, i, transcript, b·A_i)              k_c = KDF(j, c, transcript, a·B)
//! ```
//! Both messages are independent of each other, so they cross in a single
//! round trip (each side sends first, then reads), and the receiver can
//! compute its message before it is even connected ([`PreparedReceiver`]:
//! the listening garbler does, see `protocol::GarblerPrep`). The random oracle into the
//! group is `H_j(x) = 2·Elligator²(SHA-512(tag ‖ j ‖ x))` (Ristretto's
//! `from_uniform_bytes`, which is uniform on the group); the factor 2 (a
//! bijection on the prime-order group) lets the receiver encode all its points
//! with dalek's batched double-and-compress. Keys are the first 16 bytes of
//! SHA-256 over a domain tag, `j`, `i`, the encodings of `B`, `r_0`, `r_1` and
//! of `2·(shared point)`.
//!
//! # Why this protocol, and what it guarantees
//! Chou–Orlandi's "simplest OT" reuses the sender's `B` inside the receiver's
//! message (`A` or `A + B`), which makes the receiver's choice unextractable
//! and lets a malicious sender correlate the two keys; it does not realise the
//! OT functionality as is. Masny–Rindal's receiver message is a pair of points
//! that is uniformly distributed whatever `c` is (perfect receiver privacy,
//! even against a malicious sender), and each sender key is a CDH value of an
//! independent random-oracle point, so in the random-oracle model under CDH
//! the protocol is an *endemic* OT, UC-secure against malicious parties: a
//! corrupt party may choose its own outputs but learns nothing of the other
//! party's (the receiver learns one key, the sender learns nothing about `c`).
//! This is what IKNP's base OTs need (random keys used as PRG seeds). The
//! cost: the sender does two scalar multiplications per OT, the receiver two
//! (one fixed-base) plus one hash into the group; the receiver sends 64 bytes
//! per OT, the sender 32 bytes in all.
//!
//! Malformed encodings (not canonical Ristretto points) or an identity `B` are
//! [`OtError::InvalidPoint`]; a message of the wrong size is a
//! [`NetError::UnexpectedLength`](crate::net::NetError::UnexpectedLength).

use super::OtError;
use crate::block::Block;
use crate::net::Channel;
use crate::prg::Prg;
use curve25519_dalek::constants::RISTRETTO_BASEPOINT_TABLE;
use curve25519_dalek::ristretto::{CompressedRistretto, RistrettoBasepointTable, RistrettoPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::IsIdentity;
use sha2::{Digest, Sha256, Sha512};
use zeroize::{Zeroize, Zeroizing};

const HASH_TAG: &[u8] = b"gc2pc/base-ot/MR19/hash-to-group/v1";
const KEY_TAG: &[u8] = b"gc2pc/base-ot/MR19/key/v1";

/// Bytes the receiver sends per OT.
pub const RECEIVER_BYTES_PER_OT: usize = 64;

/// A uniformly random scalar from `prg` (64 bytes reduced mod ℓ).
fn random_scalar(prg: &mut Prg) -> Scalar {
    let mut wide = Zeroizing::new([0u8; 64]);
    prg.fill_bytes(&mut wide[..]);
    Scalar::from_bytes_mod_order_wide(&wide)
}

/// `Elligator²(SHA-512(tag ‖ j ‖ x))`, half of the random oracle `H_j`.
fn hash_to_point(j: u64, x: &[u8; 32]) -> RistrettoPoint {
    let mut h = Sha512::new();
    h.update(HASH_TAG);
    h.update(j.to_le_bytes());
    h.update(x);
    let wide: [u8; 64] = h.finalize().into();
    RistrettoPoint::from_uniform_bytes(&wide)
}

/// The 16-byte key of OT `j`, side `i`.
fn kdf(j: u64, i: u8, b: &[u8; 32], r: &[u8], shared2: &CompressedRistretto) -> Block {
    let mut h = Sha256::new();
    h.update(KEY_TAG);
    h.update(j.to_le_bytes());
    h.update([i]);
    h.update(b);
    h.update(r);
    h.update(shared2.as_bytes());
    let mut out: [u8; 32] = h.finalize().into();
    let mut key = [0u8; 16];
    key.copy_from_slice(&out[..16]);
    out.zeroize();
    let block = Block::from_bytes(key);
    key.zeroize();
    block
}

/// `f(0), …, f(n-1)`, computed on up to `available_parallelism` scoped
/// threads (at least 16 items each) when there are enough items.
fn par_map<T: Send>(n: usize, f: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let avail = std::thread::available_parallelism().map_or(1, |p| p.get());
    let threads = avail.min(n / 16).max(1);
    if threads == 1 {
        return (0..n).map(f).collect();
    }
    let per = n.div_ceil(threads);
    let f = &f;
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| s.spawn(move || (t * per..n.min((t + 1) * per)).map(f).collect::<Vec<T>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("base OT worker panicked"))
            .collect()
    })
}

fn decompress(bytes: &[u8], index: Option<usize>) -> Result<RistrettoPoint, OtError> {
    CompressedRistretto::from_slice(bytes)
        .ok()
        .and_then(|c| c.decompress())
        .ok_or(OtError::InvalidPoint { index })
}

/// The sender of `n` random OTs: returns the key pairs `(k0, k1)`.
///
/// Sends 32 bytes, receives `64 n`; `n` must match the receiver's count.
pub fn send(
    ch: &mut Channel,
    n: usize,
    prg: &mut Prg,
) -> Result<Zeroizing<Vec<[Block; 2]>>, OtError> {
    let mut b = random_scalar(prg);
    let big_b = RistrettoPoint::mul_base(&b).compress();
    ch.send_bytes(big_b.as_bytes())?;
    ch.flush()?;

    let mut msg = vec![0u8; RECEIVER_BYTES_PER_OT * n];
    ch.recv_bytes_exact(&mut msg)?;

    // A_i = r_i + H_j(r_{1-i}), then b·A_i, one OT per task: a single
    // parallel pass, so that neither thread waits for the other between steps.
    let mut results = par_map(n, |j| -> Result<[RistrettoPoint; 2], OtError> {
        let r = &msg[64 * j..64 * (j + 1)];
        let (r0, r1) = (&r[..32], &r[32..]);
        let p0 = decompress(r0, Some(j))?;
        let p1 = decompress(r1, Some(j))?;
        let h0 = hash_to_point(j as u64, r1.try_into().expect("32 bytes"));
        let h1 = hash_to_point(j as u64, r0.try_into().expect("32 bytes"));
        Ok([(p0 + h0 + h0) * b, (p1 + h1 + h1) * b])
    });
    b.zeroize();
    let failed = results.iter().position(Result::is_err);
    let shared: Zeroizing<Vec<[RistrettoPoint; 2]>> = Zeroizing::new(
        results
            .iter()
            .map_while(|r| r.as_ref().ok().copied())
            .collect(),
    );
    for pair in results.iter_mut().flatten() {
        pair.zeroize();
    }
    if let Some(j) = failed {
        return Err(results.swap_remove(j).expect_err("position of an error"));
    }
    let mut enc = Zeroizing::new(RistrettoPoint::double_and_compress_batch(
        shared.iter().flatten(),
    ));
    let mut keys = Zeroizing::new(Vec::with_capacity(n));
    for (j, r) in msg.chunks_exact(64).enumerate() {
        keys.push([
            kdf(j as u64, 0, big_b.as_bytes(), r, &enc[2 * j]),
            kdf(j as u64, 1, big_b.as_bytes(), r, &enc[2 * j + 1]),
        ]);
    }
    enc.zeroize();
    Ok(keys)
}

/// The receiver's side of a batch of base OTs, with its message computed
/// before any connection: the message does not depend on the sender's, so a
/// party that waits for its peer (the listening garbler) prepares it while
/// waiting and, once connected, only sends it and derives the keys.
pub struct PreparedReceiver {
    choices: Zeroizing<Vec<bool>>,
    /// `a'` per OT (the receiver's shared point is `(2a')·B`).
    a: Zeroizing<Vec<Scalar>>,
    /// The message `(r_0, r_1)` per OT.
    msg: Vec<u8>,
}

impl core::fmt::Debug for PreparedReceiver {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "PreparedReceiver(<secret>, {} OTs)", self.choices.len())
    }
}

impl PreparedReceiver {
    /// Computes the receiver message for `choices` (the group work of the
    /// receiver, but for the final multiplication by the sender's point).
    pub fn new(choices: &[bool], prg: &mut Prg) -> PreparedReceiver {
        let n = choices.len();
        // Randomness first (the PRG is sequential), then the group work in
        // parallel. r_{1-c} = 2·X with X uniform.
        let mut wide = Zeroizing::new(vec![0u8; 64 * n]);
        prg.fill_bytes(&mut wide);
        let a: Zeroizing<Vec<Scalar>> =
            Zeroizing::new((0..n).map(|_| random_scalar(prg)).collect());
        let xs: Vec<RistrettoPoint> = par_map(n, |j| {
            let u: &[u8; 64] = wide[64 * j..64 * (j + 1)].try_into().expect("64 bytes");
            RistrettoPoint::from_uniform_bytes(u)
        });
        wide.zeroize();
        let other = RistrettoPoint::double_and_compress_batch(&xs);
        // r_c = 2·(a'·G − h) where H = 2h, so that r_c + H = (2a')·G.
        let ys: Zeroizing<Vec<RistrettoPoint>> = Zeroizing::new(par_map(n, |j| {
            let h = hash_to_point(j as u64, other[j].as_bytes());
            &a[j] * RISTRETTO_BASEPOINT_TABLE - h
        }));
        let mine = RistrettoPoint::double_and_compress_batch(ys.iter());
        let mut msg = vec![0u8; RECEIVER_BYTES_PER_OT * n];
        for (j, r) in msg.chunks_exact_mut(64).enumerate() {
            // (r_0, r_1) = (mine, other), swapped when the choice bit (a bit
            // of Δ for IKNP's base OTs) is 1: a constant-time swap, no branch.
            let choice = subtle::Choice::from(u8::from(choices[j]));
            let (r0, r1) = r.split_at_mut(32);
            r0.copy_from_slice(mine[j].as_bytes());
            r1.copy_from_slice(other[j].as_bytes());
            for (x, y) in r0.iter_mut().zip(r1.iter_mut()) {
                subtle::ConditionallySelectable::conditional_swap(x, y, choice);
            }
        }
        PreparedReceiver {
            choices: Zeroizing::new(choices.to_vec()),
            a,
            msg,
        }
    }

    /// Sends the prepared message, reads the sender's `B` and returns `k_c`
    /// for each OT.
    ///
    /// Sends `64 n` bytes, receives 32.
    pub fn run(self, ch: &mut Channel) -> Result<Zeroizing<Vec<Block>>, OtError> {
        let PreparedReceiver { choices, a, msg } = self;
        let n = choices.len();
        ch.send_bytes(&msg)?;
        ch.flush()?;

        let mut b_bytes = [0u8; 32];
        ch.recv_bytes_exact(&mut b_bytes)?;
        let big_b = decompress(&b_bytes, None)?;
        if big_b.is_identity() {
            return Err(OtError::InvalidPoint { index: None });
        }
        // shared = (2a')·B; use a table for B when that is cheaper.
        let shared: Zeroizing<Vec<RistrettoPoint>> = if n >= 48 {
            let table = RistrettoBasepointTable::create(&(big_b + big_b));
            Zeroizing::new(par_map(n, |j| &a[j] * &table))
        } else {
            let b2 = big_b + big_b;
            Zeroizing::new(par_map(n, |j| b2 * a[j]))
        };
        drop(a);
        let mut enc = Zeroizing::new(RistrettoPoint::double_and_compress_batch(shared.iter()));
        let keys = msg
            .chunks_exact(64)
            .enumerate()
            .map(|(j, r)| kdf(j as u64, choices[j] as u8, &b_bytes, r, &enc[j]))
            .collect();
        enc.zeroize();
        Ok(Zeroizing::new(keys))
    }
}

/// The receiver of random OTs with the given choice bits: returns `k_c` for
/// each ([`PreparedReceiver::new`] then [`PreparedReceiver::run`]).
///
/// Sends `64 n` bytes, receives 32.
pub fn receive(
    ch: &mut Channel,
    choices: &[bool],
    prg: &mut Prg,
) -> Result<Zeroizing<Vec<Block>>, OtError> {
    PreparedReceiver::new(choices, prg).run(ch)
}
