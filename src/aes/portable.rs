//! The portable backend: the RustCrypto `aes` crate (fixsliced, constant-time
//! software AES; the crate switches to AES-NI / ARMv8 on its own where the CPU
//! has them). Blocks are copied through small stack buffers, since the crate
//! works on byte arrays and we use no `unsafe` casts.

use super::{KeySource, sigma};
use crate::block::Block;
use aes::cipher::{BlockCipherEncrypt, KeyInit};

/// Blocks per call into the `aes` crate: enough for its 8-way (or VAES) path
/// and to amortise its per-call dispatch.
const BATCH: usize = 64;

/// An expanded key of the `aes` crate.
#[derive(Clone)]
pub(super) struct Cipher(aes::Aes128);

impl Cipher {
    pub(super) fn new(key: Block) -> Cipher {
        Cipher(aes::Aes128::new(&key.to_bytes().into()))
    }

    pub(super) fn encrypt_blocks(&self, blocks: &mut [Block]) {
        let mut buf = [aes::Block::default(); BATCH];
        for chunk in blocks.chunks_mut(BATCH) {
            let buf = &mut buf[..chunk.len()];
            for (b, x) in buf.iter_mut().zip(chunk.iter()) {
                *b = x.to_bytes().into();
            }
            self.0.encrypt_blocks(buf);
            for (x, b) in chunk.iter_mut().zip(buf.iter()) {
                *x = Block::from_bytes((*b).into());
            }
        }
    }
}

/// See `Engine::multi_key`: one key schedule per key, `P` blocks each.
pub(super) fn multi_key<K: KeySource, const P: usize, const SIGMA: bool>(
    keys: &K,
    blocks: &mut [Block],
) {
    for (i, run) in blocks.chunks_exact_mut(P).enumerate() {
        let cipher = aes::Aes128::new(&keys.key(i).to_bytes().into());
        for x in run {
            let s = if SIGMA { sigma(*x) } else { *x };
            let mut b: aes::Block = s.to_bytes().into();
            cipher.encrypt_block(&mut b);
            let e = Block::from_bytes(b.into());
            *x = if SIGMA { e ^ s } else { e };
        }
    }
}
