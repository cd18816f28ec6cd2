//! The correlation-robust tweakable hash used by garbling and OT, in two forms
//! (see DESIGN.md "Garbling" and Guo–Katz–Wang–Weng–Yu, "Better Concrete
//! Security for Half-Gates Garbling (in the Multi-Instance Setting)",
//! CRYPTO 2020, ePrint 2019/1168, "GKWY20"):
//! - `Mitccrh`: `H(x, j) = AES_{s⊕j}(σ(x)) ⊕ σ(x)`, one AES per hash plus one
//!   key schedule per tweak; σ(a‖b) = (a⊕b)‖a (GKWY20 §7.3);
//! - `Tccr`: `H(x, j) = π(π(x) ⊕ j) ⊕ π(x)` with π = AES under the fixed key
//!   `s`, 2 AES per hash (GKWY20 §7.4).
//!
//! In both, the tweak `j` is the block `Block(j as u128)` (low 64 bits).
//! This module is the hash's one home: TCCR with its fused x86 kernels
//! (`tccr`, `x86`), MITCCRH as keys for the multi-key AES kernels of
//! [`crate::aes`]. Batch calls allocate nothing.

use crate::aes::{Engine, KeySource};
use crate::block::Block;

mod tccr;
#[cfg(target_arch = "x86_64")]
pub(crate) mod x86;

use tccr::Tccr;

/// Which construction the hash uses. Both parties must use the same one.
///
/// The default is **TCCR**: with its fused garbling kernels it garbles and
/// evaluates about twice as fast as MITCCRH on AES-NI and VAES, and far faster
/// on the portable backend, whose key schedule is expensive. The measurements
/// behind this choice are in `benches/results/hash-choice.md`; `gc2pc bench`
/// reports both on any CPU.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum HashKind {
    /// Multi-instance tweakable CCR hash with re-keyed AES (1 AES per hash
    /// plus 1 key schedule per tweak).
    Mitccrh,
    /// Fixed-key tweakable CCR hash (2 AES per hash); the default.
    #[default]
    Tccr,
}

/// σ(a‖b) = (a⊕b)‖a on the two 64-bit halves (high‖low).
#[inline(always)]
pub fn sigma(x: Block) -> Block {
    crate::aes::sigma(x)
}

/// A tweakable hash bound to a public seed (MITCCRH start point or TCCR key)
/// and an AES backend.
#[derive(Clone, Debug)]
pub struct TweakableHash {
    kind: HashKind,
    engine: Engine,
    seed: Block,
    tccr: Tccr,
}

impl TweakableHash {
    /// A hash of `kind` on `engine` with public `seed`.
    pub fn new(kind: HashKind, engine: Engine, seed: Block) -> TweakableHash {
        TweakableHash {
            kind,
            engine,
            seed,
            tccr: Tccr::new(seed, engine),
        }
    }

    /// The construction in use.
    pub fn kind(&self) -> HashKind {
        self.kind
    }

    /// The AES backend in use.
    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// For TCCR on AES-NI or VAES: the register width and π's round keys,
    /// for the fused garbling kernels.
    #[cfg(target_arch = "x86_64")]
    pub(crate) fn tccr_x86_keys(&self) -> Option<(crate::aes::x86::X86, &crate::aes::RoundKeys)> {
        match self.kind {
            HashKind::Tccr => self.tccr.x86(),
            HashKind::Mitccrh => None,
        }
    }

    /// `H(x, tweak)`.
    pub fn hash(&self, x: Block, tweak: u64) -> Block {
        let mut one = [x];
        self.hash_singles(&[tweak], &mut one);
        one[0]
    }

    /// In place, `blocks[i] = H(blocks[i], tweaks[i / 2])`: two blocks per tweak
    /// (the garbler's `A0, A1, B0, B1` with tweaks `2g, 2g+1`).
    ///
    /// # Panics
    /// If `blocks.len() != 2 * tweaks.len()`.
    pub fn hash_pairs(&self, tweaks: &[u64], blocks: &mut [Block]) {
        assert_eq!(blocks.len(), 2 * tweaks.len());
        match self.kind {
            HashKind::Mitccrh => self.engine.multi_key::<_, 2, true>(
                Tweaked {
                    seed: self.seed,
                    tweaks,
                },
                blocks,
            ),
            HashKind::Tccr => self.tccr.batched(blocks, |i| tweaks[i / 2]),
        }
    }

    /// In place, `blocks[i] = H(blocks[i], tweaks[i])`.
    ///
    /// # Panics
    /// If `blocks.len() != tweaks.len()`.
    pub fn hash_singles(&self, tweaks: &[u64], blocks: &mut [Block]) {
        assert_eq!(blocks.len(), tweaks.len());
        match self.kind {
            HashKind::Mitccrh => self.engine.multi_key::<_, 1, true>(
                Tweaked {
                    seed: self.seed,
                    tweaks,
                },
                blocks,
            ),
            HashKind::Tccr => self.tccr.batched(blocks, |i| tweaks[i]),
        }
    }

    /// In place, `blocks[i] = H(blocks[i], t0 + i)` (tweaks wrapping): the
    /// evaluator's batch `a, b` per gate with tweaks `2g, 2g+1` is one call with
    /// `t0 = 2g`. Same outputs as [`TweakableHash::hash_singles`] with those
    /// tweaks, without a tweak array (fused kernels for TCCR on AES-NI/VAES).
    pub fn hash_consecutive(&self, t0: u64, blocks: &mut [Block]) {
        match self.kind {
            HashKind::Mitccrh => self.engine.multi_key::<_, 1, true>(
                Consecutive {
                    seed: self.seed,
                    t0,
                    len: blocks.len(),
                },
                blocks,
            ),
            HashKind::Tccr => self.tccr.consecutive(t0, blocks),
        }
    }

    /// The garbler's batch: `out[2i] = H(x_i, t0 + i)` and
    /// `out[2i+1] = H(x_i ⊕ Δ, t0 + i)` for `x = inputs` (tweaks wrapping).
    /// With `inputs = A, B` per gate and `t0 = 2g` this is
    /// [`TweakableHash::hash_pairs`] on `A, A⊕Δ, B, B⊕Δ` with tweaks
    /// `2g, 2g+1`, with the ⊕Δ and the tweaks made inside the kernel.
    ///
    /// # Panics
    /// If `out.len() != 2 * inputs.len()`.
    pub fn hash_pairs_delta(&self, t0: u64, delta: Block, inputs: &[Block], out: &mut [Block]) {
        assert_eq!(out.len(), 2 * inputs.len());
        match self.kind {
            HashKind::Mitccrh => {
                for (x, o) in inputs.iter().zip(out.chunks_exact_mut(2)) {
                    o[0] = *x;
                    o[1] = *x ^ delta;
                }
                self.engine.multi_key::<_, 2, true>(
                    Consecutive {
                        seed: self.seed,
                        t0,
                        len: inputs.len(),
                    },
                    out,
                )
            }
            HashKind::Tccr => self.tccr.pairs_delta(t0, delta, inputs, out),
        }
    }
}

/// The MITCCRH keys `seed ⊕ tweak_i` (tweak in the low 64 bits).
#[derive(Clone, Copy)]
pub(crate) struct Tweaked<'a> {
    pub(crate) seed: Block,
    pub(crate) tweaks: &'a [u64],
}

impl KeySource for Tweaked<'_> {
    #[inline(always)]
    fn len(&self) -> usize {
        self.tweaks.len()
    }
    #[inline(always)]
    fn key(&self, i: usize) -> Block {
        self.seed ^ Block(self.tweaks[i] as u128)
    }
}

/// The MITCCRH keys `seed ⊕ (t0 + i)` for `i < len` (wrapping, low 64 bits):
/// the consecutive tweaks of garbling, made without a tweak array.
#[derive(Clone, Copy)]
pub(crate) struct Consecutive {
    pub(crate) seed: Block,
    pub(crate) t0: u64,
    pub(crate) len: usize,
}

impl KeySource for Consecutive {
    #[inline(always)]
    fn len(&self) -> usize {
        self.len
    }
    #[inline(always)]
    fn key(&self, i: usize) -> Block {
        self.seed ^ Block(self.t0.wrapping_add(i as u64) as u128)
    }
}
