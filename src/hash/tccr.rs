//! The fixed-key TCCR hash `H(x, j) = π(π(x) ⊕ j) ⊕ π(x)`, π = AES-128 under
//! a public key (GKWY20 §7.4): its one home. Batched passes on any backend,
//! and fused kernels on AES-NI and VAES (`super::x86`, written once over the
//! register width) that run both AES passes with the tweaks made in
//! registers. The tweak `j` is `Block(j as u128)`.

use crate::aes::{Aes128, Engine};
use crate::block::Block;

/// Blocks per pass of the batched (non-fused) path, on the stack.
const BATCH: usize = 64;

/// TCCR with the permutation π.
#[derive(Clone, Debug)]
pub(crate) struct Tccr {
    pi: Aes128,
}

impl Tccr {
    /// TCCR with π = AES under `key` on `engine`.
    pub(crate) fn new(key: Block, engine: Engine) -> Tccr {
        Tccr {
            pi: Aes128::with_engine(key, engine),
        }
    }

    /// For AES-NI or VAES: the register width and π's round keys, for the
    /// fused kernels (the garbling kernels use them too).
    #[cfg(target_arch = "x86_64")]
    pub(crate) fn x86(&self) -> Option<(crate::aes::x86::X86, &crate::aes::RoundKeys)> {
        self.pi.x86_round_keys()
    }

    /// In place, `blocks[i] = H(blocks[i], tweak(i))`, in two batched passes
    /// of up to [`BATCH`] blocks: `p = π(x)`, then `π(p ⊕ j) ⊕ p`.
    pub(crate) fn batched(&self, blocks: &mut [Block], tweak: impl Fn(usize) -> u64) {
        let mut p = [Block::ZERO; BATCH];
        for (c, chunk) in blocks.chunks_mut(BATCH).enumerate() {
            let p = &mut p[..chunk.len()];
            self.pi.encrypt_blocks(chunk);
            p.copy_from_slice(chunk);
            for (i, x) in chunk.iter_mut().enumerate() {
                *x ^= Block(tweak(c * BATCH + i) as u128);
            }
            self.pi.encrypt_blocks(chunk);
            for (x, p) in chunk.iter_mut().zip(p.iter()) {
                *x ^= *p;
            }
        }
    }

    /// In place, `blocks[i] = H(blocks[i], t0 + i)` (wrapping).
    pub(crate) fn consecutive(&self, t0: u64, blocks: &mut [Block]) {
        #[cfg(target_arch = "x86_64")]
        if let Some((isa, rk)) = self.x86() {
            return super::x86::consecutive(isa, rk, t0, blocks);
        }
        self.batched(blocks, |i| t0.wrapping_add(i as u64))
    }

    /// `out[2i] = H(x_i, t0 + i)` and `out[2i+1] = H(x_i ⊕ Δ, t0 + i)` for
    /// `x = inputs` (wrapping).
    ///
    /// # Panics
    /// If `out.len() != 2 * inputs.len()`.
    pub(crate) fn pairs_delta(&self, t0: u64, delta: Block, inputs: &[Block], out: &mut [Block]) {
        assert_eq!(out.len(), 2 * inputs.len(), "two outputs per input");
        #[cfg(target_arch = "x86_64")]
        if let Some((isa, rk)) = self.x86() {
            return super::x86::pairs_delta(isa, rk, t0, delta, inputs, out);
        }
        for (x, o) in inputs.iter().zip(out.chunks_exact_mut(2)) {
            o[0] = *x;
            o[1] = *x ^ delta;
        }
        self.batched(out, |i| t0.wrapping_add((i / 2) as u64))
    }
}
