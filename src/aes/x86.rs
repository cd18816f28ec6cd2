//! x86-64 kernels: AES-NI on 128-bit registers and VAES on 256-bit registers.
//!
//! Every kernel is a `#[target_feature]` function; `super::Engine` calls them
//! only after run-time detection. The structure follows S. Gueron's Intel AES-NI
//! white paper (323641): the key expansion with `aeskeygenassist` (AES-NI), the
//! `aesenclast`+`pshufb` form of the same expansion (VAES: 2 keys per register,
//! since `aeskeygenassist` has no 256-bit form), and many independent blocks in
//! flight to hide the `aesenc` latency (8 on AES-NI, 8 registers = 16 blocks on
//! VAES). Multi-key kernels expand the round keys on the fly, interleaved with
//! the encryption, so the keys never go through memory.

// The kernels index parallel arrays of registers (keys, states) with one
// index; iterator chains would only obscure the round structure.
#![allow(clippy::needless_range_loop)]
// VAES intrinsics (`_mm256_aesenc_epi128`, …) and `as_chunks_mut` are stable
// since Rust 1.89, safe `#[target_feature]` functions since 1.86: the crate's
// `rust-version` must be at least 1.89 (the toolchain here is 1.95).
#![allow(clippy::incompatible_msrv)]

use super::{KeySource, RoundKeys};
use crate::block::Block;
use core::arch::x86_64::*;

/// A block into an SSE register (byte i of the block = byte i of the register).
#[target_feature(enable = "sse2")]
#[inline]
fn xmm(b: Block) -> __m128i {
    _mm_set_epi64x(b.high() as i64, b.low() as i64)
}

/// A block into an SSE register by an unaligned load.
#[inline(always)]
pub(crate) fn load(b: &Block) -> __m128i {
    // SAFETY: `b` is a valid 16-byte location; `loadu` needs no alignment.
    unsafe { _mm_loadu_si128((b as *const Block).cast()) }
}

/// An SSE register into a block by an unaligned store.
#[inline(always)]
pub(crate) fn store(b: &mut Block, v: __m128i) {
    // SAFETY: `b` is a valid, writable 16-byte location; `storeu` needs no alignment.
    unsafe { _mm_storeu_si128((b as *mut Block).cast(), v) }
}

/// σ(a‖b) = (a⊕b)‖a: swap the halves, then xor the old high half into the new
/// high half.
#[target_feature(enable = "sse2")]
#[inline]
fn sigma128(x: __m128i) -> __m128i {
    let high = _mm_set_epi64x(-1, 0);
    _mm_xor_si128(_mm_shuffle_epi32::<0x4e>(x), _mm_and_si128(x, high))
}

/// The AES-128 round constants (FIPS-197 §5.2) for rounds 1..=10.
const RCON: [i32; 10] = [0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0x1b, 0x36];

/// Runs `$body` once per round r = 1..=10 with `$rc` the round constant as a
/// const generic argument (AES-NI needs it as an immediate).
macro_rules! for_each_round {
    ($rc:ident, $last:ident, $body:block) => {{
        {
            const $rc: i32 = RCON[0];
            const $last: bool = false;
            $body
        }
        {
            const $rc: i32 = RCON[1];
            const $last: bool = false;
            $body
        }
        {
            const $rc: i32 = RCON[2];
            const $last: bool = false;
            $body
        }
        {
            const $rc: i32 = RCON[3];
            const $last: bool = false;
            $body
        }
        {
            const $rc: i32 = RCON[4];
            const $last: bool = false;
            $body
        }
        {
            const $rc: i32 = RCON[5];
            const $last: bool = false;
            $body
        }
        {
            const $rc: i32 = RCON[6];
            const $last: bool = false;
            $body
        }
        {
            const $rc: i32 = RCON[7];
            const $last: bool = false;
            $body
        }
        {
            const $rc: i32 = RCON[8];
            const $last: bool = false;
            $body
        }
        {
            const $rc: i32 = RCON[9];
            const $last: bool = true;
            $body
        }
    }};
}

/// Both TCCR passes on an array of registers `$x` with tweaks `$tw`, round
/// keys `$rk`, in the caller's body (a macro, so that it is always inlined
/// into the `#[target_feature]` kernel): `π(π(x) ⊕ tw) ⊕ π(x)`.
///
/// Two things keep all the states in flight at once. The middle rounds are
/// a loop over an opaque slice of round keys, which LLVM cannot unroll:
/// unrolled, its scheduler hoists every round key into a register and, out
/// of registers, serializes the states into a few long dependency chains
/// (measured: half the AES throughput); as a loop, each round loads its
/// key once and runs every state. And π(x) waits for the final ⊕ in
/// memory (behind `black_box`), not in 8 more registers.
macro_rules! rounds {
    ($rk:expr, $x:expr, $tw:expr, $xor:ident, $enc:ident, $last:ident) => {{
        let rk = $rk;
        let tw = $tw;
        let middle = core::hint::black_box(&rk[1..10]);
        let mut s = $x.map(|x| $xor(x, rk[0]));
        for k in middle {
            for s in s.iter_mut() {
                *s = $enc(*s, *k);
            }
        }
        let mut p = s.map(|s| $last(s, rk[10]));
        for i in 0..p.len() {
            s[i] = $xor($xor(p[i], tw[i]), rk[0]);
        }
        let p = core::hint::black_box(&mut p);
        for k in middle {
            for s in s.iter_mut() {
                *s = $enc(*s, *k);
            }
        }
        // aesenclast ends with ⊕ round key, so ⊕ p folds into it.
        for i in 0..p.len() {
            s[i] = $last(s[i], $xor(rk[10], p[i]));
        }
        s
    }};
}

macro_rules! rounds2 {
    ($rk:expr, $x:expr, $tw:expr) => {
        $crate::aes::x86::rounds!(
            $rk,
            $x,
            $tw,
            _mm256_xor_si256,
            _mm256_aesenc_epi128,
            _mm256_aesenclast_epi128
        )
    };
}

macro_rules! rounds1 {
    ($rk:expr, $x:expr, $tw:expr) => {
        $crate::aes::x86::rounds!(
            $rk,
            $x,
            $tw,
            _mm_xor_si128,
            _mm_aesenc_si128,
            _mm_aesenclast_si128
        )
    };
}

pub(crate) use {rounds, rounds1, rounds2};

/// Kernels on 128-bit registers (`aes`, `sse2`).
pub(super) mod aesni {
    use super::*;

    /// One step of the key expansion (Gueron, Fig. 24): `k` is round key r-1.
    #[target_feature(enable = "aes,sse2")]
    #[inline]
    fn expand_step<const RC: i32>(k: __m128i) -> __m128i {
        let t = _mm_shuffle_epi32::<0xff>(_mm_aeskeygenassist_si128::<RC>(k));
        let k = _mm_xor_si128(k, _mm_slli_si128::<4>(k));
        let k = _mm_xor_si128(k, _mm_slli_si128::<8>(k));
        _mm_xor_si128(k, t)
    }

    /// The 11 round keys of `key`.
    #[target_feature(enable = "aes,sse2")]
    pub(crate) fn expand(key: Block) -> RoundKeys {
        let mut out = RoundKeys([key; 11]);
        let mut k = xmm(key);
        let mut r = 1;
        for_each_round!(RC, _LAST, {
            k = expand_step::<RC>(k);
            store(&mut out.0[r], k);
            r += 1;
        });
        out
    }

    /// Encrypts `N` blocks at once.
    #[target_feature(enable = "aes,sse2")]
    #[inline]
    fn encrypt_n<const N: usize>(rk: &[__m128i; 11], blocks: &mut [Block]) {
        assert_eq!(blocks.len(), N);
        let mut s = [_mm_setzero_si128(); N];
        for (s, b) in s.iter_mut().zip(blocks.iter()) {
            *s = _mm_xor_si128(load(b), rk[0]);
        }
        for k in &rk[1..10] {
            for s in s.iter_mut() {
                *s = _mm_aesenc_si128(*s, *k);
            }
        }
        for (s, b) in s.iter().zip(blocks.iter_mut()) {
            store(b, _mm_aesenclast_si128(*s, rk[10]));
        }
    }

    /// Encrypts `blocks` in place, 8 at a time, then 4, 2, 1 for the tail.
    #[target_feature(enable = "aes,sse2")]
    pub(crate) fn encrypt(keys: &RoundKeys, blocks: &mut [Block]) {
        let mut rk = [_mm_setzero_si128(); 11];
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

    /// `N` keys, `P` blocks per key: round keys computed on the fly.
    #[target_feature(enable = "aes,sse2")]
    #[inline]
    pub(in crate::aes) fn multi_key_n<
        K: KeySource,
        const N: usize,
        const P: usize,
        const SIGMA: bool,
    >(
        keys: &K,
        first: usize,
        blocks: &mut [Block],
    ) {
        assert_eq!(blocks.len(), N * P);
        let mut k = [_mm_setzero_si128(); N];
        let mut s = [[_mm_setzero_si128(); P]; N];
        for i in 0..N {
            k[i] = xmm(keys.key(first + i));
            for p in 0..P {
                let x = load(&blocks[i * P + p]);
                let x = if SIGMA { sigma128(x) } else { x };
                s[i][p] = _mm_xor_si128(x, k[i]);
            }
        }
        for_each_round!(RC, LAST, {
            for i in 0..N {
                k[i] = expand_step::<RC>(k[i]);
                for p in 0..P {
                    s[i][p] = if LAST {
                        _mm_aesenclast_si128(s[i][p], k[i])
                    } else {
                        _mm_aesenc_si128(s[i][p], k[i])
                    };
                }
            }
        });
        for i in 0..N {
            for p in 0..P {
                let out = &mut blocks[i * P + p];
                let y = if SIGMA {
                    _mm_xor_si128(s[i][p], sigma128(load(out)))
                } else {
                    s[i][p]
                };
                store(out, y);
            }
        }
    }

    /// See `Engine::multi_key`: 8 keys at a time for `P` = 1, 4 for `P` = 2
    /// (8 blocks in flight either way), then a tail ladder.
    #[target_feature(enable = "aes,sse2")]
    pub(crate) fn multi_key<K: KeySource, const P: usize, const SIGMA: bool>(
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
}

/// Kernels on 256-bit registers (`vaes`, `avx2`, `aes`): lane 0 and lane 1 of
/// a register are two independent AES states.
pub(crate) mod vaes {
    use super::*;

    #[target_feature(enable = "aes,avx2,vaes")]
    #[inline]
    pub(crate) fn load2(b: &[Block; 2]) -> __m256i {
        // SAFETY: `b` is a valid 32-byte location; `loadu` needs no alignment.
        unsafe { _mm256_loadu_si256((b as *const [Block; 2]).cast()) }
    }

    #[target_feature(enable = "aes,avx2,vaes")]
    #[inline]
    pub(super) fn store2(b: &mut [Block; 2], v: __m256i) {
        // SAFETY: `b` is a valid, writable 32-byte location; `storeu` needs no alignment.
        unsafe { _mm256_storeu_si256((b as *mut [Block; 2]).cast(), v) }
    }

    /// Two blocks into one register (`a` in lane 0).
    #[target_feature(enable = "aes,avx2,vaes")]
    #[inline]
    fn ymm(a: Block, b: Block) -> __m256i {
        _mm256_set_epi64x(
            b.high() as i64,
            b.low() as i64,
            a.high() as i64,
            a.low() as i64,
        )
    }

    #[target_feature(enable = "aes,avx2,vaes")]
    #[inline]
    fn sigma256(x: __m256i) -> __m256i {
        let high = _mm256_set_epi64x(-1, 0, -1, 0);
        _mm256_xor_si256(_mm256_shuffle_epi32::<0x4e>(x), _mm256_and_si256(x, high))
    }

    /// One key-expansion step for two keys (one per lane), without
    /// `aeskeygenassist`: `pshufb` broadcasts RotWord(w3) to every column, so
    /// `aesenclast`'s ShiftRows is the identity and it computes
    /// SubWord(RotWord(w3)) ⊕ rcon (Gueron, §"key expansion using AESENCLAST").
    #[target_feature(enable = "aes,avx2,vaes")]
    #[inline]
    fn expand_step2(k: __m256i, rc: i32) -> __m256i {
        let rot = _mm256_set1_epi32(0x0c0f_0e0d);
        let t = _mm256_aesenclast_epi128(_mm256_shuffle_epi8(k, rot), _mm256_set1_epi32(rc));
        let k = _mm256_xor_si256(k, _mm256_bslli_epi128::<4>(k));
        let k = _mm256_xor_si256(k, _mm256_bslli_epi128::<8>(k));
        _mm256_xor_si256(k, t)
    }

    /// Encrypts `2M` blocks (`M` registers) at once.
    #[target_feature(enable = "aes,avx2,vaes")]
    #[inline]
    fn encrypt_n<const M: usize>(rk: &[__m256i; 11], blocks: &mut [[Block; 2]]) {
        assert_eq!(blocks.len(), M);
        let mut s = [_mm256_setzero_si256(); M];
        for (s, b) in s.iter_mut().zip(blocks.iter()) {
            *s = _mm256_xor_si256(load2(b), rk[0]);
        }
        for k in &rk[1..10] {
            for s in s.iter_mut() {
                *s = _mm256_aesenc_epi128(*s, *k);
            }
        }
        for (s, b) in s.iter().zip(blocks.iter_mut()) {
            store2(b, _mm256_aesenclast_epi128(*s, rk[10]));
        }
    }

    /// Encrypts `blocks` in place, 16 at a time, then 8, 4, 2 and a last
    /// single block on AES-NI.
    #[target_feature(enable = "aes,avx2,vaes")]
    pub(crate) fn encrypt(keys: &RoundKeys, blocks: &mut [Block]) {
        let mut rk = [_mm256_setzero_si256(); 11];
        for (r, k) in rk.iter_mut().zip(keys.0.iter()) {
            *r = _mm256_broadcastsi128_si256(load(k));
        }
        let (pairs, last) = blocks.as_chunks_mut::<2>();
        let mut chunks = pairs.chunks_exact_mut(8);
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
        if let [x] = last {
            let k = _mm256_castsi256_si128;
            let mut s = _mm_xor_si128(load(x), k(rk[0]));
            for r in &rk[1..10] {
                s = _mm_aesenc_si128(s, k(*r));
            }
            store(x, _mm_aesenclast_si128(s, k(rk[10])));
        }
    }

    /// `2M` keys (`M` registers), `P` blocks per key. For `P` = 2 the blocks
    /// of keys 2m and 2m+1 are regrouped so that lane j of block register 0
    /// (1) holds the first (second) block of key 2m+j.
    #[target_feature(enable = "aes,avx2,vaes")]
    #[inline]
    fn multi_key_n<K: KeySource, const M: usize, const P: usize, const SIGMA: bool>(
        keys: &K,
        first: usize,
        blocks: &mut [[Block; 2]],
    ) {
        assert_eq!(blocks.len(), M * P);
        let mut k = [_mm256_setzero_si256(); M];
        let mut s = [[_mm256_setzero_si256(); P]; M];
        for m in 0..M {
            k[m] = ymm(keys.key(first + 2 * m), keys.key(first + 2 * m + 1));
            let mut x = [_mm256_setzero_si256(); P];
            for p in 0..P {
                x[p] = load2(&blocks[m * P + p]);
                if SIGMA {
                    x[p] = sigma256(x[p]);
                }
            }
            if P == 2 {
                let (a, b) = (x[0], x[P - 1]);
                x[0] = _mm256_permute2x128_si256::<0x20>(a, b);
                x[P - 1] = _mm256_permute2x128_si256::<0x31>(a, b);
            }
            for p in 0..P {
                s[m][p] = _mm256_xor_si256(x[p], k[m]);
            }
        }
        for &rc in &RCON[..9] {
            for m in 0..M {
                k[m] = expand_step2(k[m], rc);
                for p in 0..P {
                    s[m][p] = _mm256_aesenc_epi128(s[m][p], k[m]);
                }
            }
        }
        for m in 0..M {
            k[m] = expand_step2(k[m], RCON[9]);
            for p in 0..P {
                s[m][p] = _mm256_aesenclast_epi128(s[m][p], k[m]);
            }
        }
        for m in 0..M {
            let mut y = s[m];
            if P == 2 {
                let (a, b) = (y[0], y[P - 1]);
                y[0] = _mm256_permute2x128_si256::<0x20>(a, b);
                y[P - 1] = _mm256_permute2x128_si256::<0x31>(a, b);
            }
            for p in 0..P {
                let out = &mut blocks[m * P + p];
                let v = if SIGMA {
                    _mm256_xor_si256(y[p], sigma256(load2(out)))
                } else {
                    y[p]
                };
                store2(out, v);
            }
        }
    }

    /// See `Engine::multi_key`: 8 keys (4 registers) at a time, a tail ladder,
    /// and a last odd key on AES-NI.
    #[target_feature(enable = "aes,avx2,vaes")]
    pub(crate) fn multi_key<K: KeySource, const P: usize, const SIGMA: bool>(
        keys: &K,
        blocks: &mut [Block],
    ) {
        let n = keys.len();
        let (pairs, _) = blocks.as_chunks_mut::<2>();
        // Per key pair, P block pairs.
        let mut i = 0;
        while i + 8 <= n {
            multi_key_n::<K, 4, P, SIGMA>(keys, i, &mut pairs[i / 2 * P..(i + 8) / 2 * P]);
            i += 8;
        }
        if i + 4 <= n {
            multi_key_n::<K, 2, P, SIGMA>(keys, i, &mut pairs[i / 2 * P..(i + 4) / 2 * P]);
            i += 4;
        }
        if i + 2 <= n {
            multi_key_n::<K, 1, P, SIGMA>(keys, i, &mut pairs[i / 2 * P..(i + 2) / 2 * P]);
            i += 2;
        }
        if i < n {
            aesni::multi_key_n::<K, 1, P, SIGMA>(keys, i, &mut blocks[i * P..(i + 1) * P]);
        }
    }
}

/// Fused fixed-key TCCR kernels, `H(x, j) = π(π(x) ⊕ j) ⊕ π(x)`, with both AES
/// passes in one kernel, round keys loaded once per call and the tweaks of
/// consecutive blocks made in registers (`j` in the low 64 bits, wrapping).
pub(crate) mod tccr {
    use super::*;

    #[target_feature(enable = "aes,sse2")]
    #[inline]
    pub(crate) fn keys128(keys: &RoundKeys) -> [__m128i; 11] {
        let mut rk = [_mm_setzero_si128(); 11];
        for (r, k) in rk.iter_mut().zip(keys.0.iter()) {
            *r = load(k);
        }
        rk
    }

    #[target_feature(enable = "aes,avx2,vaes")]
    #[inline]
    pub(crate) fn keys256(keys: &RoundKeys) -> [__m256i; 11] {
        let mut rk = [_mm256_setzero_si256(); 11];
        for (r, k) in rk.iter_mut().zip(keys.0.iter()) {
            *r = _mm256_broadcastsi128_si256(load(k));
        }
        rk
    }

    /// `blocks[i] = H(blocks[i], t0 + i)` on AES-NI, 8 blocks in flight.
    #[target_feature(enable = "aes,sse2")]
    pub(crate) fn aesni_consecutive(keys: &RoundKeys, t0: u64, blocks: &mut [Block]) {
        let rk = keys128(keys);
        let mut t = t0;
        let mut chunks = blocks.chunks_exact_mut(8);
        for chunk in &mut chunks {
            let chunk: &mut [Block; 8] = chunk.try_into().expect("8 blocks");
            let x: [__m128i; 8] = core::array::from_fn(|i| load(&chunk[i]));
            let tw: [__m128i; 8] =
                core::array::from_fn(|i| _mm_cvtsi64_si128(t.wrapping_add(i as u64) as i64));
            let y = rounds1!(&rk, x, tw);
            for (b, y) in chunk.iter_mut().zip(y) {
                store(b, y);
            }
            t = t.wrapping_add(8);
        }
        for b in chunks.into_remainder() {
            let [y] = rounds1!(&rk, [load(b)], [_mm_cvtsi64_si128(t as i64)]);
            store(b, y);
            t = t.wrapping_add(1);
        }
    }

    /// `out[2i] = H(x_i, t0 + i)`, `out[2i+1] = H(x_i ⊕ Δ, t0 + i)` with
    /// `x = inputs` on AES-NI, 8 blocks in flight.
    #[target_feature(enable = "aes,sse2")]
    pub(crate) fn aesni_pairs_delta(
        keys: &RoundKeys,
        t0: u64,
        delta: Block,
        inputs: &[Block],
        out: &mut [Block],
    ) {
        assert_eq!(out.len(), 2 * inputs.len());
        let rk = keys128(keys);
        let d = load(&delta);
        let mut t = t0;
        let mut ins = inputs.chunks_exact(4);
        let mut outs = out.chunks_exact_mut(8);
        for (chunk, o) in (&mut ins).zip(&mut outs) {
            let x: [__m128i; 8] = core::array::from_fn(|i| {
                let v = load(&chunk[i / 2]);
                if i % 2 == 1 { _mm_xor_si128(v, d) } else { v }
            });
            let tw: [__m128i; 8] =
                core::array::from_fn(|i| _mm_cvtsi64_si128(t.wrapping_add((i / 2) as u64) as i64));
            let y = rounds1!(&rk, x, tw);
            for (b, y) in o.iter_mut().zip(y) {
                store(b, y);
            }
            t = t.wrapping_add(4);
        }
        for (x, o) in ins
            .remainder()
            .iter()
            .zip(outs.into_remainder().chunks_exact_mut(2))
        {
            let v = load(x);
            let tw = _mm_cvtsi64_si128(t as i64);
            let y = rounds1!(&rk, [v, _mm_xor_si128(v, d)], [tw, tw]);
            store(&mut o[0], y[0]);
            store(&mut o[1], y[1]);
            t = t.wrapping_add(1);
        }
    }

    /// `(t0, 0, t1, 0)` as a 256-bit tweak register for lanes 0 and 1.
    #[target_feature(enable = "aes,avx2,vaes")]
    #[inline]
    pub(crate) fn tweak2(t0: u64, t1: u64) -> __m256i {
        _mm256_set_epi64x(0, t1 as i64, 0, t0 as i64)
    }

    /// The tweak registers of `N` consecutive states: `first`, `first + step`,
    /// `first + 2 step`, … (64-bit lane adds, wrapping like the tweaks).
    #[target_feature(enable = "aes,avx2,vaes")]
    #[inline]
    pub(crate) fn tweak_ladder<const N: usize>(first: __m256i, step: __m256i) -> [__m256i; N] {
        let mut tws = [first; N];
        for i in 1..N {
            tws[i] = _mm256_add_epi64(tws[i - 1], step);
        }
        tws
    }

    /// `blocks[i] = H(blocks[i], t0 + i)` on VAES, 16 blocks in flight.
    #[target_feature(enable = "aes,avx2,vaes")]
    pub(crate) fn vaes_consecutive(keys: &RoundKeys, t0: u64, blocks: &mut [Block]) {
        let rk = keys256(keys);
        let (pairs, last) = blocks.as_chunks_mut::<2>();
        let mut tw = tweak2(t0, t0.wrapping_add(1));
        let step = _mm256_set_epi64x(0, 2, 0, 2);
        let mut chunks = pairs.chunks_exact_mut(G);
        for chunk in &mut chunks {
            let chunk: &mut [[Block; 2]; G] = chunk.try_into().expect("G pairs");
            let x: [__m256i; G] = core::array::from_fn(|i| vaes::load2(&chunk[i]));
            let tws = tweak_ladder::<G>(tw, step);
            tw = _mm256_add_epi64(tws[G - 1], step);
            let y = rounds2!(&rk, x, tws);
            for (b, y) in chunk.iter_mut().zip(y) {
                vaes::store2(b, y);
            }
        }
        for pair in chunks.into_remainder() {
            let x = vaes::load2(pair);
            let [y] = rounds2!(&rk, [x], [tw]);
            vaes::store2(pair, y);
            tw = _mm256_add_epi64(tw, step);
        }
        if let [x] = last {
            let rk1: [__m128i; 11] = core::array::from_fn(|r| _mm256_castsi256_si128(rk[r]));
            let [y] = rounds1!(&rk1, [load(x)], [_mm256_castsi256_si128(tw)]);
            store(x, y);
        }
    }

    /// Registers per group in the VAES kernels: 8 registers = 16 blocks in
    /// flight, enough to cover `vaesenc`'s latency at 2 per cycle.
    const G: usize = 8;

    /// `out[2i] = H(x_i, t0 + i)`, `out[2i+1] = H(x_i ⊕ Δ, t0 + i)` with
    /// `x = inputs` on VAES (lane 0: `x_i`, lane 1: `x_i ⊕ Δ`), 16 blocks in
    /// flight.
    #[target_feature(enable = "aes,avx2,vaes")]
    pub(crate) fn vaes_pairs_delta(
        keys: &RoundKeys,
        t0: u64,
        delta: Block,
        inputs: &[Block],
        out: &mut [Block],
    ) {
        assert_eq!(out.len(), 2 * inputs.len());
        let rk = keys256(keys);
        let d = _mm256_inserti128_si256::<1>(_mm256_setzero_si256(), load(&delta));
        let one = _mm256_set_epi64x(0, 1, 0, 1);
        let mut tw = tweak2(t0, t0);
        let (out, _) = out.as_chunks_mut::<2>();
        let mut ins = inputs.chunks_exact(G);
        let mut outs = out.chunks_exact_mut(G);
        for (chunk, o) in (&mut ins).zip(&mut outs) {
            let o: &mut [[Block; 2]; G] = o.try_into().expect("G pairs");
            let x: [__m256i; G] = core::array::from_fn(|i| {
                _mm256_xor_si256(_mm256_broadcastsi128_si256(load(&chunk[i])), d)
            });
            let tws = tweak_ladder::<G>(tw, one);
            tw = _mm256_add_epi64(tws[G - 1], one);
            let y = rounds2!(&rk, x, tws);
            for (b, y) in o.iter_mut().zip(y) {
                vaes::store2(b, y);
            }
        }
        for (x, o) in ins.remainder().iter().zip(outs.into_remainder()) {
            let x = _mm256_xor_si256(_mm256_broadcastsi128_si256(load(x)), d);
            let [y] = rounds2!(&rk, [x], [tw]);
            vaes::store2(o, y);
            tw = _mm256_add_epi64(tw, one);
        }
    }
}
