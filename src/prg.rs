//! The AES-CTR pseudorandom generator, seeded from the OS (`getrandom::SysRng`,
//! through `rand_core`) or from a given seed for reproducible tests.
//!
//! SKELETON: a plain reference implementation; the API is final.

use crate::aes::Aes128;
use crate::block::{Block, Delta};
use rand_core::TryRng;

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
    /// A deterministic generator from `seed` (tests, OT seed expansion).
    pub fn new(seed: Block) -> Prg {
        Prg {
            aes: Aes128::new(seed),
            counter: 0,
        }
    }

    /// A generator seeded by the operating system.
    pub fn from_os_rng() -> Result<Prg, RngError> {
        Ok(Prg::new(os_random_block()?))
    }

    /// The next pseudorandom block.
    pub fn random_block(&mut self) -> Block {
        let mut block = [Block::ZERO];
        self.fill_blocks(&mut block);
        block[0]
    }

    /// A random Δ (lsb forced to 1).
    pub fn random_delta(&mut self) -> Delta {
        Delta::new(self.random_block())
    }

    /// Fills `out` with pseudorandom blocks.
    pub fn fill_blocks(&mut self, out: &mut [Block]) {
        for block in out.iter_mut() {
            *block = Block(self.counter);
            self.counter = self.counter.wrapping_add(1);
        }
        self.aes.encrypt_blocks(out);
    }

    /// Fills `out` with pseudorandom bytes.
    pub fn fill_bytes(&mut self, out: &mut [u8]) {
        for chunk in out.chunks_mut(16) {
            let bytes = self.random_block().to_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
    }
}

impl core::fmt::Debug for Prg {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Prg(<secret>)")
    }
}
