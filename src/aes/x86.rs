//! x86-64 kernels: AES-NI on 128-bit registers, VAES on 256-bit registers,
//! and VAES on 512-bit registers (AVX-512) where that pays.
//!
//! Every kernel is a `#[target_feature]` function; `super::Engine` calls them
//! only after run-time detection. The structure follows S. Gueron's Intel AES-NI
//! white paper (323641): the key expansion with `aeskeygenassist` (AES-NI), the
//! `aesenclast`+`pshufb` form of the same expansion (VAES: 2 keys per register,
//! since `aeskeygenassist` has no 256-bit form), and many independent blocks in
//! flight to hide the `aesenc` latency (8 on AES-NI, 8 registers = 16 blocks on
//! VAES). Multi-key kernels expand the round keys on the fly, interleaved with
//! the encryption, so the keys never go through memory.
//!
//! Kernels that differ only in register width (encryption here, TCCR in
//! `crate::hash::x86`, half-gates in `crate::garble`) are written once over
//! [`Width`] and instantiated for AES-NI and VAES by [`kernel!`]; the
//! multi-key kernels stay one per width, since their key schedules differ.
//! The `vaes512` backend runs the 256-bit kernels, except those that
//! [`kernel!`] is asked to compile for [`W512`] too (the three-halves
//! garbler, where it was measured faster).

// The kernels index parallel arrays of registers (keys, states) with one
// index; iterator chains would only obscure the round structure.
#![allow(clippy::needless_range_loop)]
// VAES intrinsics (`_mm256_aesenc_epi128`, …) and `as_chunks_mut` are stable
// since Rust 1.89, safe `#[target_feature]` functions since 1.86: this code
// needs Rust 1.89 or later (the toolchain here is 1.95).
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

/// `a ⊕ b` on 128 bits, callable outside `#[target_feature]` functions.
#[inline(always)]
pub(crate) fn xor128(a: __m128i, b: __m128i) -> __m128i {
    // SAFETY: SSE2 is part of the x86-64 baseline.
    unsafe { _mm_xor_si128(a, b) }
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

/// A register width, so that each kernel is written once: [`W128`] (AES-NI,
/// one block per `__m128i`) and [`W256`] (VAES, two blocks per `__m256i`,
/// lane 0 the lower-addressed block). A value of either type exists only
/// once the CPU has been checked for its instructions ([`X86::of`], from a
/// checked [`Engine`](super::Engine)), which is what makes the methods' use
/// of those instructions sound. The methods are `#[inline(always)]`: they
/// melt into the `#[target_feature]` function that [`kernel!`] makes for
/// each width, where the intrinsics inline too.
pub(crate) trait Width: Copy {
    /// A register.
    type R: Copy;
    /// Blocks per register.
    const LANES: usize;
    /// The 128-bit width of the same CPU (VAES implies AES-NI), for tails.
    fn narrow(self) -> W128;
    /// The 11 round keys, each in every lane.
    fn round_keys(self, keys: &RoundKeys) -> [Self::R; 11];
    /// `a ⊕ b`.
    fn xor(self, a: Self::R, b: Self::R) -> Self::R;
    /// One AES round per lane (`aesenc`).
    fn enc(self, s: Self::R, k: Self::R) -> Self::R;
    /// The last AES round per lane (`aesenclast`).
    fn enc_last(self, s: Self::R, k: Self::R) -> Self::R;
    /// The first `LANES` blocks of `b`.
    fn load(self, b: &[Block]) -> Self::R;
    /// `v` into the first `LANES` blocks of `b`.
    fn store(self, b: &mut [Block], v: Self::R);
    /// Gathers the register whose lane `j` is `f(j)` (called for j = 0, 1, … in order).
    fn gather(self, f: impl FnMut(usize) -> __m128i) -> Self::R;
    /// Lane `j` of `v`.
    fn lane(self, v: Self::R, j: usize) -> __m128i;
    /// The tweak registers of `G` registers of consecutive blocks: block `k`
    /// (lane `j` of register `r`, `k = r·LANES + j`) gets the tweak
    /// `t + k / per_tweak` (wrapping) in its low 64 bits; `per_tweak` is 1 or 2.
    fn tweaks<const G: usize>(self, t: u64, per_tweak: usize) -> [Self::R; G];
}

/// 128-bit registers: proof that this CPU has AES-NI (and SSE2).
#[derive(Clone, Copy, Debug)]
pub(crate) struct W128(());

/// 256-bit registers: proof that this CPU has VAES, AVX2 and AES-NI.
#[derive(Clone, Copy, Debug)]
pub(crate) struct W256(());

/// 512-bit registers: proof that this CPU has VAES, AVX-512F, AVX2 and
/// AES-NI.
#[derive(Clone, Copy, Debug)]
pub(crate) struct W512(());

impl W512 {
    /// The 256-bit width of the same CPU, for the kernels that stay on it.
    #[inline(always)]
    pub(crate) fn half(self) -> W256 {
        W256(())
    }
}

/// The register width of a checked x86 engine.
#[derive(Clone, Copy, Debug)]
pub(crate) enum X86 {
    /// AES-NI.
    AesNi(W128),
    /// VAES.
    Vaes(W256),
    /// VAES on AVX-512.
    Vaes512(W512),
}

impl X86 {
    /// The width of `engine`, if it is an x86 hardware backend.
    pub(crate) fn of(engine: super::Engine) -> Option<X86> {
        match engine.get() {
            // The engine was checked (`Checked::new`): the CPU has AES-NI.
            super::Backend::AesNi => Some(X86::AesNi(W128(()))),
            // The engine was checked: the CPU has VAES, AVX2 and AES-NI.
            super::Backend::Vaes => Some(X86::Vaes(W256(()))),
            // The engine was checked: the CPU has VAES, AVX-512F, AVX2 and AES-NI.
            super::Backend::Vaes512 => Some(X86::Vaes512(W512(()))),
            _ => None,
        }
    }
}

impl Width for W128 {
    type R = __m128i;
    const LANES: usize = 1;
    #[inline(always)]
    fn narrow(self) -> W128 {
        self
    }
    #[inline(always)]
    fn round_keys(self, keys: &RoundKeys) -> [__m128i; 11] {
        core::array::from_fn(|r| load(&keys.0[r]))
    }
    #[inline(always)]
    fn xor(self, a: __m128i, b: __m128i) -> __m128i {
        xor128(a, b)
    }
    #[inline(always)]
    fn enc(self, s: __m128i, k: __m128i) -> __m128i {
        // SAFETY: a `W128` exists only on a CPU with AES-NI.
        unsafe { _mm_aesenc_si128(s, k) }
    }
    #[inline(always)]
    fn enc_last(self, s: __m128i, k: __m128i) -> __m128i {
        // SAFETY: a `W128` exists only on a CPU with AES-NI.
        unsafe { _mm_aesenclast_si128(s, k) }
    }
    #[inline(always)]
    fn load(self, b: &[Block]) -> __m128i {
        load(&b[0])
    }
    #[inline(always)]
    fn store(self, b: &mut [Block], v: __m128i) {
        store(&mut b[0], v)
    }
    #[inline(always)]
    fn gather(self, mut f: impl FnMut(usize) -> __m128i) -> __m128i {
        f(0)
    }
    #[inline(always)]
    fn lane(self, v: __m128i, _j: usize) -> __m128i {
        v
    }
    #[inline(always)]
    fn tweaks<const G: usize>(self, t: u64, per_tweak: usize) -> [__m128i; G] {
        core::array::from_fn(|r| {
            let t = t.wrapping_add((r / per_tweak) as u64) as i64;
            // SAFETY: SSE2 is part of the x86-64 baseline.
            unsafe { _mm_cvtsi64_si128(t) }
        })
    }
}

impl Width for W256 {
    type R = __m256i;
    const LANES: usize = 2;
    #[inline(always)]
    fn narrow(self) -> W128 {
        // VAES was detected together with AES-NI (`cpuid_avx2` checks "aes").
        W128(())
    }
    #[inline(always)]
    fn round_keys(self, keys: &RoundKeys) -> [__m256i; 11] {
        // SAFETY: a `W256` exists only on a CPU with AVX2.
        core::array::from_fn(|r| unsafe { _mm256_broadcastsi128_si256(load(&keys.0[r])) })
    }
    #[inline(always)]
    fn xor(self, a: __m256i, b: __m256i) -> __m256i {
        // SAFETY: a `W256` exists only on a CPU with AVX2.
        unsafe { _mm256_xor_si256(a, b) }
    }
    #[inline(always)]
    fn enc(self, s: __m256i, k: __m256i) -> __m256i {
        // SAFETY: a `W256` exists only on a CPU with VAES.
        unsafe { _mm256_aesenc_epi128(s, k) }
    }
    #[inline(always)]
    fn enc_last(self, s: __m256i, k: __m256i) -> __m256i {
        // SAFETY: a `W256` exists only on a CPU with VAES.
        unsafe { _mm256_aesenclast_epi128(s, k) }
    }
    #[inline(always)]
    fn load(self, b: &[Block]) -> __m256i {
        let b = &b[..2];
        // SAFETY: `b` is 32 valid bytes (two blocks); `loadu` needs no
        // alignment; a `W256` exists only on a CPU with AVX.
        unsafe { _mm256_loadu_si256(b.as_ptr().cast()) }
    }
    #[inline(always)]
    fn store(self, b: &mut [Block], v: __m256i) {
        let b = &mut b[..2];
        // SAFETY: `b` is 32 valid, writable bytes; `storeu` needs no
        // alignment; a `W256` exists only on a CPU with AVX.
        unsafe { _mm256_storeu_si256(b.as_mut_ptr().cast(), v) }
    }
    #[inline(always)]
    fn gather(self, mut f: impl FnMut(usize) -> __m128i) -> __m256i {
        let low = f(0);
        let high = f(1);
        // SAFETY: a `W256` exists only on a CPU with AVX.
        unsafe { _mm256_set_m128i(high, low) }
    }
    #[inline(always)]
    fn lane(self, v: __m256i, j: usize) -> __m128i {
        if j == 0 {
            // SAFETY: a `W256` exists only on a CPU with AVX.
            unsafe { _mm256_castsi256_si128(v) }
        } else {
            // SAFETY: a `W256` exists only on a CPU with AVX2.
            unsafe { _mm256_extracti128_si256::<1>(v) }
        }
    }
    #[inline(always)]
    fn tweaks<const G: usize>(self, t: u64, per_tweak: usize) -> [__m256i; G] {
        let (t0, t1) = (t, t.wrapping_add((1 / per_tweak) as u64));
        let step = (2 / per_tweak) as i64;
        // SAFETY: a `W256` exists only on a CPU with AVX2.
        unsafe {
            let mut tws = [_mm256_set_epi64x(0, t1 as i64, 0, t0 as i64); G];
            let step = _mm256_set_epi64x(0, step, 0, step);
            for r in 1..G {
                tws[r] = _mm256_add_epi64(tws[r - 1], step);
            }
            tws
        }
    }
}

impl Width for W512 {
    type R = __m512i;
    const LANES: usize = 4;
    #[inline(always)]
    fn narrow(self) -> W128 {
        W128(())
    }
    #[inline(always)]
    fn round_keys(self, keys: &RoundKeys) -> [__m512i; 11] {
        // SAFETY: a `W512` exists only on a CPU with AVX-512F.
        core::array::from_fn(|r| unsafe { _mm512_broadcast_i32x4(load(&keys.0[r])) })
    }
    #[inline(always)]
    fn xor(self, a: __m512i, b: __m512i) -> __m512i {
        // SAFETY: a `W512` exists only on a CPU with AVX-512F.
        unsafe { _mm512_xor_si512(a, b) }
    }
    #[inline(always)]
    fn enc(self, s: __m512i, k: __m512i) -> __m512i {
        // SAFETY: a `W512` exists only on a CPU with VAES and AVX-512F.
        unsafe { _mm512_aesenc_epi128(s, k) }
    }
    #[inline(always)]
    fn enc_last(self, s: __m512i, k: __m512i) -> __m512i {
        // SAFETY: a `W512` exists only on a CPU with VAES and AVX-512F.
        unsafe { _mm512_aesenclast_epi128(s, k) }
    }
    #[inline(always)]
    fn load(self, b: &[Block]) -> __m512i {
        let b = &b[..4];
        // SAFETY: `b` is 64 valid bytes (four blocks); `loadu` needs no
        // alignment; a `W512` exists only on a CPU with AVX-512F.
        unsafe { _mm512_loadu_si512(b.as_ptr().cast()) }
    }
    #[inline(always)]
    fn store(self, b: &mut [Block], v: __m512i) {
        let b = &mut b[..4];
        // SAFETY: `b` is 64 valid, writable bytes; `storeu` needs no
        // alignment; a `W512` exists only on a CPU with AVX-512F.
        unsafe { _mm512_storeu_si512(b.as_mut_ptr().cast(), v) }
    }
    #[inline(always)]
    fn gather(self, mut f: impl FnMut(usize) -> __m128i) -> __m512i {
        let (l0, l1, l2, l3) = (f(0), f(1), f(2), f(3));
        // SAFETY: a `W512` exists only on a CPU with AVX-512F and AVX.
        unsafe {
            let low = _mm256_set_m128i(l1, l0);
            let high = _mm256_set_m128i(l3, l2);
            _mm512_inserti64x4::<1>(_mm512_castsi256_si512(low), high)
        }
    }
    #[inline(always)]
    fn lane(self, v: __m512i, j: usize) -> __m128i {
        // SAFETY: a `W512` exists only on a CPU with AVX-512F.
        unsafe {
            match j {
                0 => _mm512_castsi512_si128(v),
                1 => _mm512_extracti32x4_epi32::<1>(v),
                2 => _mm512_extracti32x4_epi32::<2>(v),
                _ => _mm512_extracti32x4_epi32::<3>(v),
            }
        }
    }
    #[inline(always)]
    fn tweaks<const G: usize>(self, t: u64, per_tweak: usize) -> [__m512i; G] {
        let o = |k: u64| t.wrapping_add(k / per_tweak as u64) as i64;
        let step = (4 / per_tweak) as i64;
        // SAFETY: a `W512` exists only on a CPU with AVX-512F.
        unsafe {
            let mut tws = [_mm512_set_epi64(0, o(3), 0, o(2), 0, o(1), 0, o(0)); G];
            let step = _mm512_set_epi64(0, step, 0, step, 0, step, 0, step);
            for r in 1..G {
                tws[r] = _mm512_add_epi64(tws[r - 1], step);
            }
            tws
        }
    }
}

/// Defines `$name(isa: X86, args…)`, which runs the kernel `$generic`
/// (written once over [`Width`], `#[inline(always)]`) compiled for the
/// instructions of `isa`'s width: one `#[target_feature]` function per width,
/// into which the generic body and its intrinsics inline. On a
/// [`X86::Vaes512`] CPU it runs the 256-bit function, or, when the kernel is
/// marked `@wide512` (and `$generic` holds for [`W512`]), a third one
/// compiled for 512-bit registers.
macro_rules! kernel {
    ($(#[$meta:meta])* $vis:vis fn $name:ident = $generic:path; ($($arg:ident: $ty:ty),* $(,)?)) => {
        $crate::aes::x86::kernel!(@wide256 $(#[$meta])* $vis fn $name = $generic; ($($arg: $ty),*));
    };
    (@$on512:ident $(#[$meta:meta])* $vis:vis fn $name:ident = $generic:path; ($($arg:ident: $ty:ty),* $(,)?)) => {
        $(#[$meta])*
        $vis fn $name(isa: $crate::aes::x86::X86, $($arg: $ty),*) {
            #[allow(clippy::too_many_arguments)]
            #[target_feature(enable = "aes,sse2")]
            fn narrow(w: $crate::aes::x86::W128, $($arg: $ty),*) {
                $generic(w, $($arg),*)
            }
            #[allow(clippy::too_many_arguments)]
            #[target_feature(enable = "aes,avx2,vaes")]
            fn wide(w: $crate::aes::x86::W256, $($arg: $ty),*) {
                $generic(w, $($arg),*)
            }
            match isa {
                // SAFETY: a `W128` exists only on a CPU with AES-NI and SSE2.
                $crate::aes::x86::X86::AesNi(w) => unsafe { narrow(w, $($arg),*) },
                // SAFETY: a `W256` exists only on a CPU with VAES, AVX2 and AES-NI.
                $crate::aes::x86::X86::Vaes(w) => unsafe { wide(w, $($arg),*) },
                $crate::aes::x86::X86::Vaes512(w) => {
                    $crate::aes::x86::kernel!(@$on512 w, wide, $generic, ($($arg: $ty),*))
                }
            }
        }
    };
    // The 256-bit kernel on a CPU with AVX-512.
    (@wide256 $w:ident, $wide:ident, $generic:path, ($($arg:ident: $ty:ty),*)) => {
        // SAFETY: a `W512` exists only on a CPU with VAES, AVX-512F, AVX2 and
        // AES-NI, so `half` (a `W256`) holds.
        unsafe { $wide($w.half(), $($arg),*) }
    };
    // The kernel compiled for 512-bit registers.
    (@wide512 $w:ident, $wide:ident, $generic:path, ($($arg:ident: $ty:ty),*)) => {{
        #[allow(clippy::too_many_arguments)]
        #[target_feature(enable = "aes,avx2,vaes,avx512f")]
        fn wide512(w: $crate::aes::x86::W512, $($arg: $ty),*) {
            $generic(w, $($arg),*)
        }
        // SAFETY: a `W512` exists only on a CPU with VAES, AVX-512F, AVX2 and AES-NI.
        unsafe { wide512($w, $($arg),*) }
    }};
}

pub(crate) use kernel;

/// Registers in flight per group in the kernels: 8 (8 blocks on AES-NI, 16 on
/// VAES), enough to cover `aesenc`'s latency.
pub(crate) const GROUP: usize = 8;

/// Encrypts `G` registers of blocks at the front of `blocks` in place.
#[inline(always)]
fn encrypt_group<W: Width, const G: usize>(w: W, rk: &[W::R; 11], blocks: &mut [Block]) {
    let mut s: [W::R; G] = core::array::from_fn(|i| w.xor(w.load(&blocks[i * W::LANES..]), rk[0]));
    for k in &rk[1..10] {
        for s in s.iter_mut() {
            *s = w.enc(*s, *k);
        }
    }
    for (i, s) in s.into_iter().enumerate() {
        w.store(&mut blocks[i * W::LANES..], w.enc_last(s, rk[10]));
    }
}

/// Encrypts `blocks` in place: groups of [`GROUP`] registers, then one
/// register at a time, then a last odd block on 128 bits.
#[inline(always)]
fn encrypt_blocks<W: Width>(w: W, keys: &RoundKeys, blocks: &mut [Block]) {
    let rk = w.round_keys(keys);
    let mut groups = blocks.chunks_exact_mut(GROUP * W::LANES);
    for group in &mut groups {
        encrypt_group::<W, GROUP>(w, &rk, group);
    }
    let mut registers = groups.into_remainder().chunks_exact_mut(W::LANES);
    for register in &mut registers {
        encrypt_group::<W, 1>(w, &rk, register);
    }
    let last = registers.into_remainder();
    if !last.is_empty() {
        let n = w.narrow();
        encrypt_group::<W128, 1>(n, &n.round_keys(keys), last);
    }
}

kernel! {
    /// Encrypts `blocks` in place under `keys` (16 blocks in flight on VAES,
    /// 8 on AES-NI).
    pub(crate) fn encrypt = encrypt_blocks; (keys: &RoundKeys, blocks: &mut [Block])
}

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
pub(super) mod vaes {
    use super::*;

    #[target_feature(enable = "aes,avx2,vaes")]
    #[inline]
    fn load2(b: &[Block; 2]) -> __m256i {
        // SAFETY: `b` is a valid 32-byte location; `loadu` needs no alignment.
        unsafe { _mm256_loadu_si256((b as *const [Block; 2]).cast()) }
    }

    #[target_feature(enable = "aes,avx2,vaes")]
    #[inline]
    fn store2(b: &mut [Block; 2], v: __m256i) {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn blk(v: __m128i) -> Block {
        let mut b = Block::ZERO;
        store(&mut b, v);
        b
    }

    /// Every [`Width`] method of [`W512`] against the same on [`W256`], lane
    /// by lane (the garbling kernels check the 512-bit ones end to end, byte
    /// for byte against the portable path).
    #[target_feature(enable = "aes,avx2,vaes,avx512f")]
    fn w512_agrees_with_w256(w: W512) {
        let h = w.half();
        let blocks: Vec<Block> = (0..8u128)
            .map(|i| Block::new(i.wrapping_mul(0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c835) ^ i))
            .collect();
        let keys = RoundKeys(core::array::from_fn(|r| {
            blocks[r % 8] ^ Block::new(r as u128)
        }));
        let (rk, rk2) = (w.round_keys(&keys), h.round_keys(&keys));
        let x = w.load(&blocks);
        let pair = |v: __m256i, j: usize| h.lane(v, j);
        for t in [0u64, u64::MAX - 2] {
            for per_tweak in [1, 2] {
                let tw: [__m512i; 2] = w.tweaks::<2>(t, per_tweak);
                let tw2: [__m256i; 4] = h.tweaks::<4>(t, per_tweak);
                for j in 0..8 {
                    let want = pair(tw2[j / 2], j % 2);
                    assert_eq!(blk(w.lane(tw[j / 4], j % 4)), blk(want), "tweak {j}");
                }
            }
        }
        let enc = w.enc_last(w.enc(w.xor(x, rk[0]), rk[1]), rk[10]);
        let gathered = w.gather(|j| load(&blocks[3 - j]));
        let mut stored = [Block::ZERO; 4];
        w.store(&mut stored, enc);
        for j in 0..4 {
            let x2 = h.load(&blocks[j / 2 * 2..]);
            let enc2 = h.enc_last(h.enc(h.xor(x2, rk2[0]), rk2[1]), rk2[10]);
            assert_eq!(blk(w.lane(enc, j)), blk(pair(enc2, j % 2)));
            assert_eq!(stored[j], blk(pair(enc2, j % 2)));
            assert_eq!(blk(w.lane(gathered, j)), blocks[3 - j]);
            assert_eq!(blk(w.lane(x, j)), blocks[j]);
        }
    }

    #[test]
    fn the_512_bit_width_agrees_with_the_256_bit_one() {
        match super::super::Engine::new(super::super::Backend::Vaes512)
            .ok()
            .and_then(X86::of)
        {
            // SAFETY: a `W512` exists only on a CPU with its features.
            Some(X86::Vaes512(w)) => unsafe { w512_agrees_with_w256(w) },
            _ => eprintln!("no AVX-512 with VAES on this CPU: the 512-bit width is not run"),
        }
    }
}
