//! aarch64 kernels on the ARMv8 cryptography extension (`AESE` = AddRoundKey,
//! SubBytes, ShiftRows; `AESMC` = MixColumns), 8 blocks in flight.
//!
//! AES-128 as FIPS-197 defines it, with the round structure shifted for
//! `AESE`: rounds 1..=9 are `AESMC(AESE(s, rk[r-1]))`, the last is
//! `AESE(s, rk[9]) ⊕ rk[10]`. The key expansion uses `AESE` with a zero key on
//! a vector holding RotWord(w3) in every column (`TBL`), where ShiftRows is the
//! identity, so it yields SubWord(RotWord(w3)). Every kernel is a
//! `#[target_feature(enable = "aes")]` function that `super::Engine` calls only
//! after run-time detection.

// The kernels index parallel arrays of registers (keys, states) with one
// index; iterator chains would only obscure the round structure.
#![allow(clippy::needless_range_loop)]

use super::{KeySource, RoundKeys};
use crate::block::Block;
use core::arch::aarch64::*;

/// The AES-128 round constants (FIPS-197 §5.2) for rounds 1..=10.
const RCON: [u32; 10] = [0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0x1b, 0x36];

#[inline(always)]
fn load(b: &Block) -> uint8x16_t {
    // SAFETY: `b` is a valid 16-byte location; `vld1q_u8` needs no alignment.
    unsafe { vld1q_u8((b as *const Block).cast()) }
}

#[inline(always)]
fn store(b: &mut Block, v: uint8x16_t) {
    // SAFETY: `b` is a valid, writable 16-byte location; `vst1q_u8` needs no alignment.
    unsafe { vst1q_u8((b as *mut Block).cast(), v) }
}

/// A block into a NEON register (byte i of the block = lane i).
#[target_feature(enable = "aes")]
#[inline]
fn vec(b: Block) -> uint8x16_t {
    vreinterpretq_u8_u64(vcombine_u64(vcreate_u64(b.low()), vcreate_u64(b.high())))
}

/// σ(a‖b) = (a⊕b)‖a: swap the halves, xor the old high half into the new high.
#[target_feature(enable = "aes")]
#[inline]
fn sigma(x: uint8x16_t) -> uint8x16_t {
    let x64 = vreinterpretq_u64_u8(x);
    let high = vgetq_lane_u64::<1>(x64);
    let low = vgetq_lane_u64::<0>(x64);
    vreinterpretq_u8_u64(vcombine_u64(vcreate_u64(high), vcreate_u64(high ^ low)))
}

/// One key-expansion step: round key r from round key r-1.
#[target_feature(enable = "aes")]
#[inline]
fn expand_step(k: uint8x16_t, rc: u32) -> uint8x16_t {
    // Bytes 13, 14, 15, 12 of the key (RotWord(w3)) in every column.
    let rot = vreinterpretq_u8_u32(vdupq_n_u32(0x0c0f_0e0d));
    let zero = vdupq_n_u8(0);
    let t = vaeseq_u8(vqtbl1q_u8(k, rot), zero);
    let t = veorq_u8(t, vreinterpretq_u8_u32(vdupq_n_u32(rc)));
    let k = veorq_u8(k, vextq_u8::<12>(zero, k));
    let k = veorq_u8(k, vextq_u8::<8>(zero, k));
    veorq_u8(k, t)
}

/// The 11 round keys of `key`.
#[target_feature(enable = "aes")]
pub(super) fn expand(key: Block) -> RoundKeys {
    let mut out = RoundKeys([key; 11]);
    let mut k = vec(key);
    for (rc, slot) in RCON.iter().zip(out.0[1..].iter_mut()) {
        k = expand_step(k, *rc);
        store(slot, k);
    }
    out
}

/// Encrypts `N` blocks at once.
#[target_feature(enable = "aes")]
#[inline]
fn encrypt_n<const N: usize>(rk: &[uint8x16_t; 11], blocks: &mut [Block]) {
    assert_eq!(blocks.len(), N);
    let mut s = [vdupq_n_u8(0); N];
    for (s, b) in s.iter_mut().zip(blocks.iter()) {
        *s = load(b);
    }
    for k in &rk[..9] {
        for s in s.iter_mut() {
            *s = vaesmcq_u8(vaeseq_u8(*s, *k));
        }
    }
    for (s, b) in s.iter().zip(blocks.iter_mut()) {
        store(b, veorq_u8(vaeseq_u8(*s, rk[9]), rk[10]));
    }
}

/// Encrypts `blocks` in place, 8 at a time, then 4, 2, 1 for the tail.
#[target_feature(enable = "aes")]
pub(super) fn encrypt(keys: &RoundKeys, blocks: &mut [Block]) {
    let mut rk = [vdupq_n_u8(0); 11];
    for (r, k) in rk.iter_mut().zip(keys.0.iter()) {
        *r = load(k);
    }
    let mut chunks = blocks.chunks_exact_mut(8);
    for chunk in &mut chunks {
        encrypt_n::<8>(&rk, chunk);
    }
    let mut rest = chunks.into_remainder();
    if rest.len() >= 4 {
        let (a, b) = rest.split_at_mut(4);
        encrypt_n::<4>(&rk, a);
        rest = b;
    }
    if rest.len() >= 2 {
        let (a, b) = rest.split_at_mut(2);
        encrypt_n::<2>(&rk, a);
        rest = b;
    }
    if rest.len() == 1 {
        encrypt_n::<1>(&rk, rest);
    }
}

/// `N` keys, `P` blocks per key, round keys computed on the fly.
#[target_feature(enable = "aes")]
#[inline]
fn multi_key_n<K: KeySource, const N: usize, const P: usize, const SIGMA: bool>(
    keys: &K,
    first: usize,
    blocks: &mut [Block],
) {
    assert_eq!(blocks.len(), N * P);
    let mut k = [vdupq_n_u8(0); N];
    let mut s = [[vdupq_n_u8(0); P]; N];
    for i in 0..N {
        k[i] = vec(keys.key(first + i));
        for p in 0..P {
            let x = load(&blocks[i * P + p]);
            s[i][p] = if SIGMA { sigma(x) } else { x };
        }
    }
    // Round r uses rk[r-1] inside AESE; rk[r] is expanded one step ahead.
    for &rc in &RCON[..9] {
        for i in 0..N {
            for p in 0..P {
                s[i][p] = vaesmcq_u8(vaeseq_u8(s[i][p], k[i]));
            }
            k[i] = expand_step(k[i], rc);
        }
    }
    for i in 0..N {
        let last = expand_step(k[i], RCON[9]);
        for p in 0..P {
            let y = veorq_u8(vaeseq_u8(s[i][p], k[i]), last);
            let out = &mut blocks[i * P + p];
            let y = if SIGMA {
                veorq_u8(y, sigma(load(out)))
            } else {
                y
            };
            store(out, y);
        }
    }
}

/// See `Engine::multi_key`: 8 keys at a time for `P` = 1, 4 for `P` = 2, then
/// a tail ladder.
#[target_feature(enable = "aes")]
pub(super) fn multi_key<K: KeySource, const P: usize, const SIGMA: bool>(
    keys: &K,
    blocks: &mut [Block],
) {
    let n = keys.len();
    let mut i = 0;
    if P == 1 {
        while i + 8 <= n {
            multi_key_n::<K, 8, P, SIGMA>(keys, i, &mut blocks[i * P..(i + 8) * P]);
            i += 8;
        }
    }
    while i + 4 <= n {
        multi_key_n::<K, 4, P, SIGMA>(keys, i, &mut blocks[i * P..(i + 4) * P]);
        i += 4;
    }
    if i + 2 <= n {
        multi_key_n::<K, 2, P, SIGMA>(keys, i, &mut blocks[i * P..(i + 2) * P]);
        i += 2;
    }
    if i < n {
        multi_key_n::<K, 1, P, SIGMA>(keys, i, &mut blocks[i * P..(i + 1) * P]);
    }
}
