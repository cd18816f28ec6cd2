//! Transposing the 128 × n bit matrix of IKNP.
//!
//! The input holds 128 rows of `w` blocks each, row-major (`input[i*w + k]`,
//! row `i` bit `j` = bit `j % 128` of block `j / 128`): row `i` is the column
//! that base OT `i` seeds. The output holds `n = 128 w` blocks: bit `i` of
//! `output[j]` is bit `j` of row `i`, i.e. OT `j`'s 128-bit string.
//!
//! The matrix is cut into 128 × 128 tiles. Backends, detected at run time
//! with `cpufeatures` and carried as a [`Checked`] value ([`crate::cpu`]):
//! - `Avx2`, `Sse2` (x86-64): a 16 × 16 byte transpose of 16 rows (32 with
//!   AVX2, one 16-row group per 128-bit lane) with `unpack` instructions, then
//!   8 `movemask` + shift rounds per vector yield 16 (32) output bits of 8
//!   output rows at a time.
//! - `Neon` (aarch64): the same byte transpose with `zip`, and `movemask`
//!   emulated with a weighted horizontal add.
//! - `Portable`: Eklundh's recursive block swap on `u128` rows, 7 rounds.
//!
//! `unsafe` is used only to call SIMD intrinsics, each block behind the
//! backend's run-time detection and with a `SAFETY:` note.

use crate::block::Block;
use crate::cpu::{Checked, Feature};

/// A transpose implementation the CPU may have.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Backend {
    /// Plain `u128` code; runs everywhere.
    Portable,
    /// x86-64 SSE2 `movemask`.
    Sse2,
    /// x86-64 AVX2 `movemask` on 256-bit vectors.
    Avx2,
    /// aarch64 NEON.
    Neon,
}

#[cfg(target_arch = "x86_64")]
cpufeatures::new!(cpuid_avx2, "avx2");

impl Backend {
    /// Every backend, available or not.
    pub const ALL: [Backend; 4] = [
        Backend::Portable,
        Backend::Sse2,
        Backend::Avx2,
        Backend::Neon,
    ];

    /// The name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Portable => "portable",
            Backend::Sse2 => "sse2",
            Backend::Avx2 => "avx2",
            Backend::Neon => "neon",
        }
    }

    /// Whether this CPU can run the backend.
    pub fn is_available(self) -> bool {
        match self {
            Backend::Portable => true,
            // SSE2 is part of the x86-64 baseline.
            Backend::Sse2 => cfg!(target_arch = "x86_64"),
            #[cfg(target_arch = "x86_64")]
            Backend::Avx2 => cpuid_avx2::get(),
            #[cfg(not(target_arch = "x86_64"))]
            Backend::Avx2 => false,
            // NEON is part of the aarch64 baseline.
            Backend::Neon => cfg!(target_arch = "aarch64"),
        }
    }
}

/// Slowest first (portable, SSE2, AVX2, NEON): the best is AVX2, then SSE2
/// on x86-64, NEON on aarch64.
impl Feature for Backend {
    const FAMILY: &'static str = "transpose";
    const ALL: &'static [Backend] = &Backend::ALL;
    fn name(self) -> &'static str {
        Backend::name(self)
    }
    fn is_available(self) -> bool {
        Backend::is_available(self)
    }
}

/// Transposes with the best backend; see the module docs for the layout.
/// Panics unless `input.len() == output.len()` and it is a multiple of 128.
pub fn transpose(input: &[Block], output: &mut [Block]) {
    transpose_with(Checked::best(), input, output)
}

/// Transposes with `backend` (checked: this CPU has it). Panics unless
/// `input.len() == output.len()` and it is a multiple of 128.
pub fn transpose_with(backend: Checked<Backend>, input: &[Block], output: &mut [Block]) {
    assert_eq!(input.len(), output.len());
    assert_eq!(input.len() % 128, 0);
    let w = input.len() / 128;
    // Gather up to 4 tiles at a time: one 64-byte line of each row, so rows
    // whose stride aliases in the L1 cache are each fetched once.
    let mut tiles = [[Block::ZERO; 128]; 4];
    for (g, outs) in output.chunks_mut(4 * 128).enumerate() {
        let k_tiles = outs.len() / 128;
        let t0 = 4 * g;
        for i in 0..128 {
            let row = &input[i * w + t0..i * w + t0 + k_tiles];
            for (tile, &b) in tiles.iter_mut().zip(row) {
                tile[i] = b;
            }
        }
        for (tile, out) in tiles.iter().zip(outs.chunks_exact_mut(128)) {
            let out: &mut [Block; 128] = out.try_into().expect("128 blocks");
            match backend.get() {
                Backend::Portable => tile_portable(tile, out),
                #[cfg(target_arch = "x86_64")]
                Backend::Sse2 => x86::tile_sse2(tile, out),
                #[cfg(target_arch = "x86_64")]
                Backend::Avx2 => x86::tile_avx2_checked(tile, out),
                #[cfg(target_arch = "aarch64")]
                Backend::Neon => neon::tile_neon(tile, out),
                #[allow(unreachable_patterns)]
                _ => unreachable!("a Checked backend is available"),
            }
        }
    }
    // The tiles held IKNP matrix rows (secret): clear the stack copy.
    zeroize::Zeroize::zeroize(tiles.as_flattened_mut());
}

/// The plain bit-by-bit definition, for tests.
pub fn transpose_reference(input: &[Block], output: &mut [Block]) {
    assert_eq!(input.len(), output.len());
    assert_eq!(input.len() % 128, 0);
    let w = input.len() / 128;
    for (j, out) in output.iter_mut().enumerate() {
        let mut v = 0u128;
        for i in 0..128 {
            v |= ((input[i * w + j / 128].0 >> (j % 128)) & 1) << i;
        }
        *out = Block(v);
    }
}

/// Eklundh: swap off-diagonal s × s sub-blocks for s = 64, 32, …, 1.
fn tile_portable(tile: &[Block; 128], out: &mut [Block; 128]) {
    const MASKS: [(usize, u128); 7] = [
        (64, 0x0000_0000_0000_0000_ffff_ffff_ffff_ffff),
        (32, 0x0000_0000_ffff_ffff_0000_0000_ffff_ffff),
        (16, 0x0000_ffff_0000_ffff_0000_ffff_0000_ffff),
        (8, 0x00ff_00ff_00ff_00ff_00ff_00ff_00ff_00ff),
        (4, 0x0f0f_0f0f_0f0f_0f0f_0f0f_0f0f_0f0f_0f0f),
        (2, 0x3333_3333_3333_3333_3333_3333_3333_3333),
        (1, 0x5555_5555_5555_5555_5555_5555_5555_5555),
    ];
    let mut m = [0u128; 128];
    for (d, s) in m.iter_mut().zip(tile) {
        *d = s.0;
    }
    for (s, mask) in MASKS {
        for i in 0..128 {
            if i & s == 0 {
                let t = ((m[i] >> s) ^ m[i + s]) & mask;
                m[i + s] ^= t;
                m[i] ^= t << s;
            }
        }
    }
    for (d, s) in out.iter_mut().zip(m) {
        *d = Block(s);
    }
    zeroize::Zeroize::zeroize(&mut m);
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use crate::block::Block;
    use core::arch::x86_64::*;

    /// One stage of the 16 × 16 byte transpose: within groups of `g` vectors,
    /// `y[base + k] = lo(x[base+2k], x[base+2k+1])`,
    /// `y[base + g/2 + k] = hi(…)`.
    macro_rules! stage {
        ($x:ident, $g:expr, $lo:ident, $hi:ident) => {{
            let mut y = $x;
            let mut base = 0;
            while base < 16 {
                for k in 0..$g / 2 {
                    y[base + k] = $lo($x[base + 2 * k], $x[base + 2 * k + 1]);
                    y[base + $g / 2 + k] = $hi($x[base + 2 * k], $x[base + 2 * k + 1]);
                }
                base += $g;
            }
            y
        }};
    }

    /// SSE2 tile transpose. SSE2 is in the x86-64 baseline, so this needs no
    /// detection. Each `movemask` is 16 bits of one output row, stored
    /// straight into it (x86-64 is little-endian: 16-bit piece `g` of a
    /// block's memory is bits `16g..16g+16` of its value).
    pub(super) fn tile_sse2(tile: &[Block; 128], out: &mut [Block; 128]) {
        let pieces: &mut [u16; 1024] = bytemuck::cast_mut(out);
        for rg in 0..8 {
            // SAFETY: SSE2 is always available on x86-64; the loads read from
            // references to 16-byte `Block`s (unaligned loads).
            unsafe {
                let mut v = [_mm_setzero_si128(); 16];
                for (k, vk) in v.iter_mut().enumerate() {
                    *vk = _mm_loadu_si128((&tile[16 * rg + k] as *const Block).cast());
                }
                let v = stage!(v, 16, _mm_unpacklo_epi8, _mm_unpackhi_epi8);
                let v = stage!(v, 8, _mm_unpacklo_epi16, _mm_unpackhi_epi16);
                let v = stage!(v, 4, _mm_unpacklo_epi32, _mm_unpackhi_epi32);
                let v = stage!(v, 2, _mm_unpacklo_epi64, _mm_unpackhi_epi64);
                // v[cb] byte k = byte cb of row 16 rg + k.
                for (cb, &vc) in v.iter().enumerate() {
                    let mut x = vc;
                    for bit in (0..8).rev() {
                        pieces[8 * (8 * cb + bit) + rg] = _mm_movemask_epi8(x) as u16;
                        x = _mm_slli_epi64(x, 1);
                    }
                }
            }
        }
    }

    /// AVX2 tile transpose; the caller checked that AVX2 is available.
    pub(super) fn tile_avx2_checked(tile: &[Block; 128], out: &mut [Block; 128]) {
        debug_assert!(super::Backend::Avx2.is_available());
        // SAFETY: `transpose_with` only dispatches here for a
        // `Checked<Backend::Avx2>`, which only exists after run-time CPUID
        // detection found AVX2.
        unsafe { tile_avx2(tile, out) }
    }

    /// As [`tile_sse2`], 32 rows per register (16 per 128-bit lane), so each
    /// `movemask` is 32 bits of one output row.
    #[target_feature(enable = "avx2")]
    fn tile_avx2(tile: &[Block; 128], out: &mut [Block; 128]) {
        let pieces: &mut [u32; 512] = bytemuck::cast_mut(out);
        for rg in 0..4 {
            // SAFETY: AVX2 is enabled for this function (the caller checked
            // the CPU); loads read from references to 16-byte `Block`s.
            unsafe {
                let mut v = [_mm256_setzero_si256(); 16];
                for (k, vk) in v.iter_mut().enumerate() {
                    let lo = _mm_loadu_si128((&tile[32 * rg + k] as *const Block).cast());
                    let hi = _mm_loadu_si128((&tile[32 * rg + 16 + k] as *const Block).cast());
                    *vk = _mm256_set_m128i(hi, lo);
                }
                let v = stage!(v, 16, _mm256_unpacklo_epi8, _mm256_unpackhi_epi8);
                let v = stage!(v, 8, _mm256_unpacklo_epi16, _mm256_unpackhi_epi16);
                let v = stage!(v, 4, _mm256_unpacklo_epi32, _mm256_unpackhi_epi32);
                let v = stage!(v, 2, _mm256_unpacklo_epi64, _mm256_unpackhi_epi64);
                for (cb, &vc) in v.iter().enumerate() {
                    let mut x = vc;
                    for bit in (0..8).rev() {
                        pieces[4 * (8 * cb + bit) + rg] = _mm256_movemask_epi8(x) as u32;
                        x = _mm256_slli_epi64(x, 1);
                    }
                }
            }
        }
    }
}

#[cfg(target_arch = "aarch64")]
mod neon {
    use crate::block::Block;
    use core::arch::aarch64::*;

    /// Assembles output rows from 16-bit pieces: `parts[j][g]` is bits
    /// `16g..16g+16` of row `j`.
    fn assemble16(parts: &[[u16; 8]; 128], out: &mut [Block; 128]) {
        for (o, p) in out.iter_mut().zip(parts) {
            let mut v = 0u128;
            for (g, &x) in p.iter().enumerate() {
                v |= (x as u128) << (16 * g);
            }
            *o = Block(v);
        }
    }

    macro_rules! stage {
        ($x:ident, $g:expr, $lo:expr, $hi:expr) => {{
            let mut y = $x;
            let mut base = 0;
            while base < 16 {
                for k in 0..$g / 2 {
                    y[base + k] = $lo($x[base + 2 * k], $x[base + 2 * k + 1]);
                    y[base + $g / 2 + k] = $hi($x[base + 2 * k], $x[base + 2 * k + 1]);
                }
                base += $g;
            }
            y
        }};
    }

    /// The 16 most significant bits of the bytes of `x`, like x86 `movemask`.
    #[inline(always)]
    unsafe fn movemask(x: uint8x16_t) -> u16 {
        // SAFETY: NEON is in the aarch64 baseline.
        unsafe {
            const W: [u8; 16] = [1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128];
            let weights = vld1q_u8(W.as_ptr());
            let bits = vandq_u8(vshrq_n_u8::<7>(x), vdupq_n_u8(1));
            let bits = vmulq_u8(bits, weights);
            let lo = vaddv_u8(vget_low_u8(bits)) as u16;
            let hi = vaddv_u8(vget_high_u8(bits)) as u16;
            lo | hi << 8
        }
    }

    pub(super) fn tile_neon(tile: &[Block; 128], out: &mut [Block; 128]) {
        let mut parts = [[0u16; 8]; 128];
        for rg in 0..8 {
            // SAFETY: NEON is in the aarch64 baseline; loads read from
            // references to 16-byte `Block`s.
            unsafe {
                let mut v = [vdupq_n_u8(0); 16];
                for (k, vk) in v.iter_mut().enumerate() {
                    *vk = vld1q_u8((&tile[16 * rg + k] as *const Block).cast());
                }
                let z8lo = |a: uint8x16_t, b: uint8x16_t| vzip1q_u8(a, b);
                let z8hi = |a: uint8x16_t, b: uint8x16_t| vzip2q_u8(a, b);
                let z16lo = |a: uint8x16_t, b: uint8x16_t| {
                    vreinterpretq_u8_u16(vzip1q_u16(
                        vreinterpretq_u16_u8(a),
                        vreinterpretq_u16_u8(b),
                    ))
                };
                let z16hi = |a: uint8x16_t, b: uint8x16_t| {
                    vreinterpretq_u8_u16(vzip2q_u16(
                        vreinterpretq_u16_u8(a),
                        vreinterpretq_u16_u8(b),
                    ))
                };
                let z32lo = |a: uint8x16_t, b: uint8x16_t| {
                    vreinterpretq_u8_u32(vzip1q_u32(
                        vreinterpretq_u32_u8(a),
                        vreinterpretq_u32_u8(b),
                    ))
                };
                let z32hi = |a: uint8x16_t, b: uint8x16_t| {
                    vreinterpretq_u8_u32(vzip2q_u32(
                        vreinterpretq_u32_u8(a),
                        vreinterpretq_u32_u8(b),
                    ))
                };
                let z64lo = |a: uint8x16_t, b: uint8x16_t| {
                    vreinterpretq_u8_u64(vzip1q_u64(
                        vreinterpretq_u64_u8(a),
                        vreinterpretq_u64_u8(b),
                    ))
                };
                let z64hi = |a: uint8x16_t, b: uint8x16_t| {
                    vreinterpretq_u8_u64(vzip2q_u64(
                        vreinterpretq_u64_u8(a),
                        vreinterpretq_u64_u8(b),
                    ))
                };
                let v = stage!(v, 16, z8lo, z8hi);
                let v = stage!(v, 8, z16lo, z16hi);
                let v = stage!(v, 4, z32lo, z32hi);
                let v = stage!(v, 2, z64lo, z64hi);
                for (cb, &vc) in v.iter().enumerate() {
                    let mut x = vc;
                    for bit in (0..8).rev() {
                        parts[8 * cb + bit][rg] = movemask(x);
                        x = vshlq_n_u8::<1>(x);
                    }
                }
            }
        }
        assemble16(&parts, out);
    }
}
