//! Oblivious transfer.
//!
//! This module owns everything OT:
//! - [`base`]: random 1-out-of-2 base OTs on Ristretto (Masny–Rindal, CCS 2019,
//!   ePrint 2019/706), one round trip;
//! - [`iknp`]: correlated-OT extension (Ishai–Kilian–Nissim–Petrank, CRYPTO
//!   2003), in the correlated-OT form of Keller–Orsini–Scholl (CRYPTO 2015),
//!   where the extension sender's base-OT choice bits are the garbler's Δ;
//!   as I/O-free state machines over typed messages ([`iknp::SenderCall`],
//!   [`iknp::ReceiverCall`]) that the [`CotSender`] / [`CotReceiver`]
//!   implementations drive over a channel;
//! - [`kos`]: the KOS consistency check run on every IKNP call (secure
//!   against a malicious receiver) and its GF(2^128) arithmetic;
//! - [`transpose`]: the SIMD bit-matrix transpose IKNP needs;
//! - [`ideal`]: an ideal COT (no security) for testing the layers above;
//! - the traits [`CotSender`] / [`CotReceiver`], with random OT and
//!   chosen-message OT built on top of any correlated OT by hashing with the
//!   tweakable correlation-robust hash ([`crate::hash`], fixed-key TCCR of
//!   Guo–Katz–Wang–Weng–Yu, ePrint 2019/1168) and a distinct tweak per OT.
//!
//! A correlated OT (COT) gives the sender `m0` and the receiver with choice
//! bit `b` the block `m_b = m0 ⊕ b·Δ`: with the garbler as sender these are
//! exactly the evaluator's input labels, with no further message.

pub mod base;
pub mod ideal;
pub mod iknp;
pub mod kos;
pub mod transpose;

use crate::aes::Engine;
use crate::block::{Block, Delta};
use crate::hash::{HashKind, TweakableHash};
use crate::net::{Channel, NetError};

/// Why an OT failed.
#[derive(Debug, thiserror::Error)]
pub enum OtError {
    /// The channel failed (closed, timed out, wrong frame length, …).
    #[error("OT channel error: {0}")]
    Net(NetError),
    /// The peer sent bytes that are not a valid (canonical, non-identity)
    /// Ristretto point: in the receiver message of OT `index`, or (`None`) as
    /// the sender's `B`.
    #[error("the peer sent an invalid group element{}", match .index { Some(i) => format!(" in base OT {i}"), None => String::new() })]
    InvalidPoint {
        /// The base OT whose message was malformed (`None`: the sender's `B`).
        index: Option<usize>,
    },
    /// The OT extension receiver failed the KOS consistency check: its
    /// messages were inconsistent, as a cheating receiver's would be. The
    /// call's OTs must not be used.
    #[error(
        "the OT receiver failed the consistency check (KOS): its OT extension messages are inconsistent, so it is not running gc2pc honestly; nothing secret was sent"
    )]
    Inconsistent,
    /// The OS random generator failed.
    #[error(transparent)]
    Rng(#[from] crate::prg::RngError),
}

/// The cause is in the message, not a `source`, so an error chain prints it once.
impl From<NetError> for OtError {
    fn from(error: NetError) -> OtError {
        OtError::Net(error)
    }
}

/// Fixed public key of the TCCR hash that turns COTs into random OTs.
const ROT_HASH_SEED: Block = Block(0x6763_3270_632f_6f74_2f72_6f74_2f76_3031);

/// OTs per frame in chosen-message OT (2 blocks each: 2 MiB frames).
const CHOSEN_FRAME_OTS: usize = 1 << 16;

fn rot_hash() -> TweakableHash {
    TweakableHash::new(HashKind::Tccr, Engine::best(), ROT_HASH_SEED)
}

/// The sender side of correlated OT (the garbler).
pub trait CotSender {
    /// The global correlation Δ.
    fn delta(&self) -> &Delta;

    /// How many COTs this session has produced so far (requested counts, not
    /// padding); random and chosen OT use it to number their tweaks.
    fn cots_done(&self) -> u64;

    /// Binds the OT's transcript to `nonce`, a fresh value of the session
    /// that both parties know before any OT (IKNP's KOS check starts its
    /// Fiat–Shamir transcript from it); nothing by default.
    fn bind(&mut self, nonce: Block) {
        let _ = nonce;
    }

    /// Runs `out.len()` correlated OTs, writing `m0` of each into `out`.
    fn send_cot_into(&mut self, ch: &mut Channel, out: &mut [Block]) -> Result<(), OtError>;

    /// Runs `n` correlated OTs and returns `m0` of each.
    fn send_cot(&mut self, ch: &mut Channel, n: usize) -> Result<Vec<Block>, OtError> {
        let mut out = vec![Block::ZERO; n];
        self.send_cot_into(ch, &mut out)?;
        Ok(out)
    }

    /// `n` random OTs: returns `(H(m0, t), H(m0 ⊕ Δ, t))` for each, `t` being
    /// the OT's unique number in the session.
    fn send_rot(&mut self, ch: &mut Channel, n: usize) -> Result<Vec<[Block; 2]>, OtError> {
        let first = self.cots_done();
        let m0 = self.send_cot(ch, n)?;
        let delta = self.delta().block();
        let tweaks: Vec<u64> = (first..first + n as u64).collect();
        let mut pairs: Vec<Block> = m0.iter().flat_map(|&m| [m, m ^ delta]).collect();
        rot_hash().hash_pairs(&tweaks, &mut pairs);
        Ok(pairs.chunks_exact(2).map(|p| [p[0], p[1]]).collect())
    }

    /// Chosen-message OT: the receiver learns `msgs[j][b_j]` and nothing else.
    /// Sends `2 · 16` bytes per OT on top of the COTs.
    fn send_chosen(&mut self, ch: &mut Channel, msgs: &[[Block; 2]]) -> Result<(), OtError> {
        let keys = self.send_rot(ch, msgs.len())?;
        let mut masked = Vec::with_capacity(2 * CHOSEN_FRAME_OTS.min(msgs.len()));
        for (m, k) in msgs
            .chunks(CHOSEN_FRAME_OTS)
            .zip(keys.chunks(CHOSEN_FRAME_OTS))
        {
            masked.clear();
            masked.extend(
                m.iter()
                    .zip(k)
                    .flat_map(|(m, k)| [m[0] ^ k[0], m[1] ^ k[1]]),
            );
            ch.send_blocks(&masked)?;
        }
        ch.flush()?;
        Ok(())
    }
}

/// The receiver side of correlated OT (the evaluator).
pub trait CotReceiver {
    /// How many COTs this session has produced so far (see
    /// [`CotSender::cots_done`]).
    fn cots_done(&self) -> u64;

    /// See [`CotSender::bind`].
    fn bind(&mut self, nonce: Block) {
        let _ = nonce;
    }

    /// Runs `choices.len()` correlated OTs, writing `m_b = m0 ⊕ b·Δ` for each
    /// choice `b` into `out` (same length).
    fn recv_cot_into(
        &mut self,
        ch: &mut Channel,
        choices: &[bool],
        out: &mut [Block],
    ) -> Result<(), OtError>;

    /// Runs correlated OTs and returns `m_b = m0 ⊕ b·Δ` for each choice `b`.
    fn recv_cot(&mut self, ch: &mut Channel, choices: &[bool]) -> Result<Vec<Block>, OtError> {
        let mut out = vec![Block::ZERO; choices.len()];
        self.recv_cot_into(ch, choices, &mut out)?;
        Ok(out)
    }

    /// Random OTs: returns `H(m_b, t)` for each choice `b`, matching
    /// [`CotSender::send_rot`].
    fn recv_rot(&mut self, ch: &mut Channel, choices: &[bool]) -> Result<Vec<Block>, OtError> {
        let first = self.cots_done();
        let mut out = self.recv_cot(ch, choices)?;
        let tweaks: Vec<u64> = (first..first + choices.len() as u64).collect();
        rot_hash().hash_singles(&tweaks, &mut out);
        Ok(out)
    }

    /// Chosen-message OT: returns `msgs[j][choices[j]]` of the sender's
    /// [`CotSender::send_chosen`].
    fn recv_chosen(&mut self, ch: &mut Channel, choices: &[bool]) -> Result<Vec<Block>, OtError> {
        let mut keys = self.recv_rot(ch, choices)?;
        let mut masked = vec![Block::ZERO; 2 * CHOSEN_FRAME_OTS.min(choices.len())];
        for (k, c) in keys
            .chunks_mut(CHOSEN_FRAME_OTS)
            .zip(choices.chunks(CHOSEN_FRAME_OTS))
        {
            let masked = &mut masked[..2 * k.len()];
            ch.recv_blocks(masked)?;
            for ((k, &c), m) in k.iter_mut().zip(c).zip(masked.chunks_exact(2)) {
                *k ^= m[0] ^ (m[0] ^ m[1]).select(c);
            }
        }
        Ok(keys)
    }
}
