//! The correlation-robust tweakable hash used by garbling and OT, in two forms
//! (see DESIGN.md "Garbling" and Guo–Katz–Wang–Weng–Yu, ePrint 2019/1168):
//! - `Mitccrh`: `H(x, j) = AES_{s⊕j}(σ(x)) ⊕ σ(x)`, one AES per hash plus one
//!   key schedule per tweak; σ(a‖b) = (a⊕b)‖a.
//! - `Tccr`: `H(x, j) = π(π(x) ⊕ j) ⊕ π(x)` with one fixed key, 2 AES per hash.
//!
//! SKELETON: a plain reference implementation; the API is final.

use crate::aes::{Aes128, Backend};
use crate::block::Block;

/// Which construction the hash uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum HashKind {
    /// Multi-instance tweakable CCR hash with re-keyed AES (1 AES per hash).
    #[default]
    Mitccrh,
    /// Fixed-key tweakable CCR hash (2 AES per hash).
    Tccr,
}

/// σ(a‖b) = (a⊕b)‖a on the two 64-bit halves (high‖low).
#[inline(always)]
pub fn sigma(x: Block) -> Block {
    Block::from_halves(x.high(), x.high() ^ x.low())
}

/// A tweakable hash bound to a public seed (MITCCRH start point or TCCR key)
/// and an AES backend.
#[derive(Clone, Debug)]
pub struct TweakableHash {
    kind: HashKind,
    backend: Backend,
    seed: Block,
    fixed: Aes128,
}

impl TweakableHash {
    /// A hash of `kind` on `backend` (which must be available) with public `seed`.
    pub fn new(kind: HashKind, backend: Backend, seed: Block) -> TweakableHash {
        TweakableHash {
            kind,
            backend,
            seed,
            fixed: Aes128::new(seed),
        }
    }

    /// The construction in use.
    pub fn kind(&self) -> HashKind {
        self.kind
    }

    /// The AES backend in use.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// `H(x, tweak)`.
    pub fn hash(&self, x: Block, tweak: u64) -> Block {
        match self.kind {
            HashKind::Mitccrh => {
                let s = sigma(x);
                Aes128::new(self.seed ^ Block(tweak as u128)).encrypt_block(s) ^ s
            }
            HashKind::Tccr => {
                let p = self.fixed.encrypt_block(x);
                self.fixed.encrypt_block(p ^ Block(tweak as u128)) ^ p
            }
        }
    }

    /// In place, `blocks[i] = H(blocks[i], tweaks[i / 2])`: two blocks per tweak
    /// (the garbler's `A0, A1, B0, B1` with tweaks `2g, 2g+1`).
    pub fn hash_pairs(&self, tweaks: &[u64], blocks: &mut [Block]) {
        assert_eq!(blocks.len(), 2 * tweaks.len());
        for (i, block) in blocks.iter_mut().enumerate() {
            *block = self.hash(*block, tweaks[i / 2]);
        }
    }

    /// In place, `blocks[i] = H(blocks[i], tweaks[i])`.
    pub fn hash_singles(&self, tweaks: &[u64], blocks: &mut [Block]) {
        assert_eq!(blocks.len(), tweaks.len());
        for (block, &tweak) in blocks.iter_mut().zip(tweaks) {
            *block = self.hash(*block, tweak);
        }
    }
}
