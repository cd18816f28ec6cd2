//! The AES-CTR pseudorandom generator, seeded from the OS (`getrandom::SysRng`,
//! through `rand_core`) or from a given seed for reproducible tests.
//!
//! Stream block `i` is `AES_seed(Block(i))` (counter `i` as a little-endian
//! 128-bit integer, i.e. the AES state bytes of `Block(i)`). This module owns
//! the generator; bulk output runs through the batched kernels of
//! [`crate::aes`] on the best backend (or one chosen with
//! [`Prg::with_engine`]). The expanded seed is zeroized on drop and `Debug`
//! never shows it.

use crate::aes::{Aes128, Engine};
use crate::block::{Block, Delta};
use rand_core::TryRng;

/// Counter blocks written and encrypted per step (stays in L1).
const CTR_BATCH: usize = 128;

/// The OS random source failed.
#[derive(Debug, thiserror::Error)]
#[error("the operating system's random number generator failed: {0}")]
pub struct RngError(String);

/// A fresh block from the operating system's RNG.
pub fn os_random_block() -> Result<Block, RngError> {
    let mut bytes = [0u8; 16];
    getrandom::SysRng
        .try_fill_bytes(&mut bytes)
        .map_err(|e| RngError(e.to_string()))?;
    Ok(Block::from_bytes(bytes))
}

/// AES-128 in counter mode: block i of the stream is `AES_seed(i)`.
pub struct Prg {
    aes: Aes128,
    counter: u128,
}

impl Prg {
    /// A deterministic generator from `seed` (tests, OT seed expansion), on the
    /// best AES backend.
    pub fn new(seed: Block) -> Prg {
        Prg {
            aes: Aes128::new(seed),
            counter: 0,
        }
    }

    /// A deterministic generator from `seed` on `engine` (the same stream on
    /// every backend).
    pub fn with_engine(seed: Block, engine: Engine) -> Prg {
        Prg {
            aes: Aes128::with_engine(seed, engine),
            counter: 0,
        }
    }

    /// A generator seeded by the operating system.
    pub fn from_os_rng() -> Result<Prg, RngError> {
        Ok(Prg::new(os_random_block()?))
    }

    /// The AES backend in use.
    pub fn engine(&self) -> Engine {
        self.aes.engine()
    }

    /// The next pseudorandom block.
    pub fn random_block(&mut self) -> Block {
        let block = self.aes.encrypt_block(Block(self.counter));
        self.counter = self.counter.wrapping_add(1);
        block
    }

    /// A random Δ (lsb forced to 1).
    pub fn random_delta(&mut self) -> Delta {
        Delta::new(self.random_block())
    }

    /// Fills `out` with the next `out.len()` stream blocks: counters are
    /// written and encrypted in place in L1-sized batches, so large slices
    /// run at the backend's bulk AES speed.
    pub fn fill_blocks(&mut self, out: &mut [Block]) {
        for chunk in out.chunks_mut(CTR_BATCH) {
            for block in chunk.iter_mut() {
                *block = Block(self.counter);
                self.counter = self.counter.wrapping_add(1);
            }
            self.aes.encrypt_blocks(chunk);
        }
    }

    /// Fills `out` with pseudorandom bytes: the bytes of the next
    /// `ceil(out.len() / 16)` stream blocks, the unused tail of the last block
    /// discarded.
    pub fn fill_bytes(&mut self, out: &mut [u8]) {
        let mut buf = [Block::ZERO; CTR_BATCH];
        for chunk in out.chunks_mut(16 * CTR_BATCH) {
            let buf = &mut buf[..chunk.len().div_ceil(16)];
            self.fill_blocks(buf);
            for (bytes, block) in chunk.chunks_mut(16).zip(buf.iter()) {
                bytes.copy_from_slice(&block.to_bytes()[..bytes.len()]);
            }
        }
        zeroize::Zeroize::zeroize(&mut buf);
    }
}

impl core::fmt::Debug for Prg {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Prg(<secret>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_is_aes_of_the_counter() {
        let seed = Block(0x0123_4567_89ab_cdef_fedc_ba98_7654_3210);
        let aes = Aes128::with_engine(seed, Engine::new(crate::aes::Backend::Portable).unwrap());
        let mut prg = Prg::new(seed);
        let mut out = vec![Block::ZERO; 300];
        prg.fill_blocks(&mut out);
        for (i, b) in out.iter().enumerate() {
            assert_eq!(*b, aes.encrypt_block(Block(i as u128)));
        }
        assert_eq!(prg.random_block(), aes.encrypt_block(Block(300)));
        let mut bytes = [0u8; 20];
        prg.fill_bytes(&mut bytes);
        assert_eq!(bytes[..16], aes.encrypt_block(Block(301)).to_bytes());
        assert_eq!(bytes[16..], aes.encrypt_block(Block(302)).to_bytes()[..4]);
        assert_eq!(prg.random_block(), aes.encrypt_block(Block(303)));
        assert_eq!(format!("{prg:?}"), "Prg(<secret>)");
    }
}
