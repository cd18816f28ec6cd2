//! The consistency check of Keller–Orsini–Scholl ("Actively Secure OT
//! Extension with Optimal Overhead", CRYPTO 2015, ePrint 2015/546, Fig. 7)
//! that makes IKNP correlated OT secure against a malicious receiver, and the
//! GF(2^128) arithmetic it needs.
//!
//! # The check
//! Per extension call of `n` OTs the receiver runs [`EXTRA_ROWS`] more OTs
//! with random choice bits. The rows come in chunks (one frame of columns
//! `u` each). Each chunk's χ_j ∈ GF(2^128) (one per row) expand (AES-CTR) a
//! seed that both sides derive by Fiat–Shamir ([`Transcript`]): SHA-256 over
//! a domain label, a fresh session nonce the sender chose and every column
//! the receiver has sent so far, this chunk's included. So every χ_j is a
//! function of columns the receiver had already committed to, as KOS
//! requires, and no seed travels: the check costs no round trip. After the
//! last chunk the receiver sends `x = Σ r_j·χ_j` (its choice bits) and
//! `t = Σ t_j·χ_j` (its rows), summed over the call, right behind its
//! columns; the sender checks `t = Σ q_j·χ_j ⊕ x·Δ` before it uses any of
//! the OTs. (Per-chunk seeds over a running transcript: a chunk's error terms
//! are fixed before its χ is known, so later chunks cannot be chosen to
//! cancel them except with probability 2^-128 per try; a receiver that
//! grinds through 2^t transcripts (hash evaluations) gains a factor 2^t,
//! the usual price of Fiat–Shamir in the random-oracle model, still
//! 2^-(128−t).)
//!
//! An honest receiver always passes (`q_j = t_j ⊕ r_j·Δ` row by row). A
//! receiver that sent inconsistent columns (a different choice vector in
//! some column, to learn that bit of Δ from the outcome) passes only by
//! guessing those bits of Δ: learning k bits costs a 2^-k chance of being
//! caught first, and any other inconsistency passes with probability at most
//! 2^-128 over χ. The extra rows, with uniformly random choices, hide the
//! real choice bits in `x` (κ + s = 128 + 128 of them, so s = 128 ≥ 40).
//! Cost: no round trip; 4 KiB + 36 bytes per call on the wire; per OT 16
//! bytes of SHA-256 (the transcript), one χ (AES) and one carry-less
//! 128 × 128 multiplication on each side.
//!
//! # Field and backends
//! GF(2^128) = GF(2)\[X\] / (X^128 + X^7 + X^2 + X + 1), bit `i` of a
//! [`Block`] the coefficient of X^i. Sums of products are kept unreduced (256
//! bits) and reduced once. The carry-less multiplication runs on PCLMULQDQ
//! (x86-64) or PMULL (aarch64, part of the `aes` extension) when the CPU has
//! it, checked once ([`Clmul::best`]), else on portable constant-time code;
//! tests run the same vectors on every backend.

use crate::block::Block;
use crate::cpu::{Checked, Feature};

/// OTs with random choices added to every checked extension call (κ + s).
pub const EXTRA_ROWS: usize = 256;

/// The Fiat–Shamir transcript of the KOS check: the sender's session nonce,
/// then every column block the receiver sends, in order; each chunk's χ seed
/// is a hash of the transcript so far. Both sides keep one, the receiver
/// over the columns it sends, the sender over those it receives.
#[derive(Clone)]
pub struct Transcript(sha2::Sha256);

impl core::fmt::Debug for Transcript {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Transcript(..)")
    }
}

impl Transcript {
    /// A transcript bound to `nonce` (fresh per session, chosen by the
    /// sender, so that no receiver work can be done before the session).
    pub fn new(nonce: Block) -> Transcript {
        use sha2::Digest;
        let mut hash = sha2::Sha256::new();
        hash.update(b"gc2pc KOS Fiat-Shamir v1\0");
        hash.update(nonce.to_bytes());
        Transcript(hash)
    }

    /// Adds one chunk's columns `u` and returns the chunk's χ seed.
    pub fn chunk_seed(&mut self, u: &[Block]) -> Block {
        use sha2::Digest;
        self.0.update((u.len() as u64).to_le_bytes());
        // The blocks' wire bytes (the same on every CPU), 64 at a time.
        let mut buf = [0u8; 64 * 16];
        for blocks in u.chunks(64) {
            for (out, b) in buf.chunks_exact_mut(16).zip(blocks) {
                out.copy_from_slice(&b.to_bytes());
            }
            self.0.update(&buf[..16 * blocks.len()]);
        }
        let digest = self.0.clone().finalize();
        let mut seed = [0u8; 16];
        seed.copy_from_slice(&digest[..16]);
        Block(u128::from_le_bytes(seed))
    }
}

/// Statistical security of the check (see the module documentation).
pub const STATISTICAL_SECURITY: u32 = 128;

/// A carry-less multiplication implementation the CPU may have.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ClmulBackend {
    /// Constant-time portable code; runs everywhere.
    Portable,
    /// x86-64 PCLMULQDQ.
    Pclmul,
    /// x86-64 VPCLMULQDQ on 256-bit registers.
    Vpclmul,
    /// aarch64 PMULL (part of the AES extension).
    Pmull,
}

/// A carry-less multiplication backend this CPU has ([`crate::cpu`]):
/// holding one means the instructions exist.
pub type Clmul = Checked<ClmulBackend>;

#[cfg(target_arch = "x86_64")]
cpufeatures::new!(cpuid_pclmul, "pclmulqdq", "sse2");
#[cfg(target_arch = "x86_64")]
cpufeatures::new!(cpuid_vpclmul, "vpclmulqdq", "avx2", "pclmulqdq", "sse2");
#[cfg(target_arch = "aarch64")]
cpufeatures::new!(cpuid_pmull, "aes");

/// Slowest first.
impl Feature for ClmulBackend {
    const FAMILY: &'static str = "carry-less multiplication";
    const ALL: &'static [ClmulBackend] = &[
        ClmulBackend::Portable,
        ClmulBackend::Pclmul,
        ClmulBackend::Vpclmul,
        ClmulBackend::Pmull,
    ];

    fn name(self) -> &'static str {
        match self {
            ClmulBackend::Portable => "portable",
            ClmulBackend::Pclmul => "pclmulqdq",
            ClmulBackend::Vpclmul => "vpclmulqdq",
            ClmulBackend::Pmull => "pmull",
        }
    }

    fn is_available(self) -> bool {
        match self {
            ClmulBackend::Portable => true,
            #[cfg(target_arch = "x86_64")]
            ClmulBackend::Pclmul => cpuid_pclmul::get(),
            #[cfg(target_arch = "x86_64")]
            ClmulBackend::Vpclmul => cpuid_vpclmul::get(),
            #[cfg(target_arch = "aarch64")]
            ClmulBackend::Pmull => cpuid_pmull::get(),
            #[allow(unreachable_patterns)]
            _ => false,
        }
    }
}

impl Clmul {
    /// `Σ a_i·b_i` (unreduced, 256 bits as `(low, high)`) over the pairs of
    /// `a` and `b` (equal lengths).
    pub fn dot(self, a: &[Block], b: &[Block]) -> Wide {
        assert_eq!(a.len(), b.len(), "one multiplier per row");
        match self.get() {
            ClmulBackend::Portable => portable_dot(a, b),
            // SAFETY: a `Checked` Pclmul exists only if the CPU has
            // PCLMULQDQ and SSE2 (`is_available`).
            #[cfg(target_arch = "x86_64")]
            ClmulBackend::Pclmul => unsafe { x86::dot(a, b) },
            // SAFETY: a `Checked` Vpclmul exists only if the CPU has
            // VPCLMULQDQ, AVX2, PCLMULQDQ and SSE2 (`is_available`).
            #[cfg(target_arch = "x86_64")]
            ClmulBackend::Vpclmul => unsafe { x86::dot_wide(a, b) },
            // SAFETY: a `Checked` Pmull exists only if the CPU has the aes
            // extension, which includes PMULL (`is_available`).
            #[cfg(target_arch = "aarch64")]
            ClmulBackend::Pmull => unsafe { aarch64::dot(a, b) },
            #[allow(unreachable_patterns)]
            _ => unreachable!("a Checked backend is available"),
        }
    }

    /// `a·b` in GF(2^128).
    pub fn mul(self, a: Block, b: Block) -> Block {
        self.dot(&[a], &[b]).reduce()
    }
}

/// An unreduced product or sum of products: 255 bits as `(low, high)`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Wide(pub u128, pub u128);

impl core::ops::BitXor for Wide {
    type Output = Wide;
    fn bitxor(self, rhs: Wide) -> Wide {
        Wide(self.0 ^ rhs.0, self.1 ^ rhs.1)
    }
}

impl Wide {
    /// Reduces modulo X^128 + X^7 + X^2 + X + 1.
    pub fn reduce(self) -> Block {
        let Wide(lo, hi) = self;
        // hi·X^128 = hi·(X^7 + X^2 + X + 1); the bits of hi·(X^7 + X^2 + X)
        // past X^127 (at most 7) fold once more the same way.
        let folded = hi ^ (hi << 1) ^ (hi << 2) ^ (hi << 7);
        let over = (hi >> 127) ^ (hi >> 126) ^ (hi >> 121);
        Block(lo ^ folded ^ over ^ (over << 1) ^ (over << 2) ^ (over << 7))
    }
}

/// Carry-less 64 × 64 → 128 multiplication without secret-dependent branches
/// or memory accesses.
fn clmul64(a: u64, b: u64) -> u128 {
    let (a, mut out) = (a as u128, 0u128);
    for i in 0..64 {
        let mask = 0u128.wrapping_sub(((b >> i) & 1) as u128);
        out ^= (a << i) & mask;
    }
    out
}

fn portable_dot(a: &[Block], b: &[Block]) -> Wide {
    let (mut lo, mut mid, mut hi) = (0u128, 0u128, 0u128);
    for (x, y) in a.iter().zip(b) {
        let (x0, x1) = (x.0 as u64, (x.0 >> 64) as u64);
        let (y0, y1) = (y.0 as u64, (y.0 >> 64) as u64);
        lo ^= clmul64(x0, y0);
        hi ^= clmul64(x1, y1);
        mid ^= clmul64(x0, y1) ^ clmul64(x1, y0);
    }
    Wide(lo ^ (mid << 64), hi ^ (mid >> 64))
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::Wide;
    use crate::block::Block;
    use core::arch::x86_64::*;

    /// A register's 128 bits.
    #[inline]
    #[target_feature(enable = "sse2")]
    fn get(v: __m128i) -> u128 {
        let l = _mm_cvtsi128_si64(v) as u64;
        let h = _mm_cvtsi128_si64(_mm_unpackhi_epi64(v, v)) as u64;
        (l as u128) | ((h as u128) << 64)
    }

    /// # Safety
    /// The CPU must have PCLMULQDQ and SSE2.
    #[target_feature(enable = "pclmulqdq,sse2")]
    pub(super) unsafe fn dot(a: &[Block], b: &[Block]) -> Wide {
        // SAFETY: a `Block` is 16 readable bytes; unaligned loads.
        let load = |v: &Block| unsafe { _mm_loadu_si128((v as *const Block).cast::<__m128i>()) };
        let zero = _mm_setzero_si128();
        // Two rows per iteration, each into its own accumulators, so the
        // multiplications of both are in flight at once.
        let (mut lo, mut mid, mut hi) = ([zero; 2], [zero; 2], [zero; 2]);
        let (pairs_a, rest_a) = a.as_chunks::<2>();
        let (pairs_b, rest_b) = b.as_chunks::<2>();
        for (x, y) in pairs_a.iter().zip(pairs_b) {
            for k in 0..2 {
                let (x, y) = (load(&x[k]), load(&y[k]));
                lo[k] = _mm_xor_si128(lo[k], _mm_clmulepi64_si128(x, y, 0x00));
                hi[k] = _mm_xor_si128(hi[k], _mm_clmulepi64_si128(x, y, 0x11));
                mid[k] = _mm_xor_si128(
                    mid[k],
                    _mm_xor_si128(
                        _mm_clmulepi64_si128(x, y, 0x01),
                        _mm_clmulepi64_si128(x, y, 0x10),
                    ),
                );
            }
        }
        for (x, y) in rest_a.iter().zip(rest_b) {
            let (x, y) = (load(x), load(y));
            lo[0] = _mm_xor_si128(lo[0], _mm_clmulepi64_si128(x, y, 0x00));
            hi[0] = _mm_xor_si128(hi[0], _mm_clmulepi64_si128(x, y, 0x11));
            mid[0] = _mm_xor_si128(mid[0], _mm_clmulepi64_si128(x, y, 0x01));
            mid[0] = _mm_xor_si128(mid[0], _mm_clmulepi64_si128(x, y, 0x10));
        }
        let lo = get(_mm_xor_si128(lo[0], lo[1]));
        let mid = get(_mm_xor_si128(mid[0], mid[1]));
        let hi = get(_mm_xor_si128(hi[0], hi[1]));
        Wide(lo ^ (mid << 64), hi ^ (mid >> 64))
    }

    /// The same with 256-bit VPCLMULQDQ: two rows per instruction, four
    /// rows per iteration; a leftover row goes through [`dot`].
    ///
    /// # Safety
    /// The CPU must have VPCLMULQDQ, AVX2, PCLMULQDQ and SSE2.
    #[target_feature(enable = "vpclmulqdq,avx2,pclmulqdq,sse2")]
    pub(super) unsafe fn dot_wide(a: &[Block], b: &[Block]) -> Wide {
        // SAFETY: two consecutive `Block`s are 32 readable bytes.
        let load = |v: &[Block; 2]| unsafe { _mm256_loadu_si256(v.as_ptr().cast::<__m256i>()) };
        let zero = _mm256_setzero_si256();
        let (mut lo, mut mid, mut hi) = ([zero; 2], [zero; 2], [zero; 2]);
        let (quads_a, rest_a) = a.as_chunks::<4>();
        let (quads_b, rest_b) = b.as_chunks::<4>();
        for (x, y) in quads_a.iter().zip(quads_b) {
            let (xs, _) = x.as_chunks::<2>();
            let (ys, _) = y.as_chunks::<2>();
            for k in 0..2 {
                let (x, y) = (load(&xs[k]), load(&ys[k]));
                lo[k] = _mm256_xor_si256(lo[k], _mm256_clmulepi64_epi128(x, y, 0x00));
                hi[k] = _mm256_xor_si256(hi[k], _mm256_clmulepi64_epi128(x, y, 0x11));
                mid[k] = _mm256_xor_si256(
                    mid[k],
                    _mm256_xor_si256(
                        _mm256_clmulepi64_epi128(x, y, 0x01),
                        _mm256_clmulepi64_epi128(x, y, 0x10),
                    ),
                );
            }
        }
        // Both accumulators, then both 128-bit lanes, into one.
        let fold = |v: [__m256i; 2]| {
            let v = _mm256_xor_si256(v[0], v[1]);
            _mm_xor_si128(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1))
        };
        let (lo, mid, hi) = (get(fold(lo)), get(fold(mid)), get(fold(hi)));
        // SAFETY: the caller's guarantee covers `dot`'s.
        let rest = unsafe { dot(rest_a, rest_b) };
        Wide(lo ^ (mid << 64), hi ^ (mid >> 64)) ^ rest
    }
}

#[cfg(target_arch = "aarch64")]
mod aarch64 {
    use super::Wide;
    use crate::block::Block;
    use core::arch::aarch64::*;

    /// # Safety
    /// The CPU must have the aes extension (PMULL).
    #[target_feature(enable = "aes,neon")]
    pub(super) unsafe fn dot(a: &[Block], b: &[Block]) -> Wide {
        let (mut lo, mut mid, mut hi) = (0u128, 0u128, 0u128);
        for (x, y) in a.iter().zip(b) {
            let (x0, x1) = (x.0 as u64, (x.0 >> 64) as u64);
            let (y0, y1) = (y.0 as u64, (y.0 >> 64) as u64);
            lo ^= vmull_p64(x0, y0);
            hi ^= vmull_p64(x1, y1);
            mid ^= vmull_p64(x0, y1) ^ vmull_p64(x1, y0);
        }
        Wide(lo ^ (mid << 64), hi ^ (mid >> 64))
    }
}

/// `Σ_j χ_j` over the rows whose choice bit is set, branch-free.
pub fn choice_sum(choices: &[bool], chis: &[Block]) -> Block {
    choices
        .iter()
        .zip(chis)
        .fold(Block::ZERO, |acc, (&c, &x)| acc ^ x.select(c))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prg::Prg;

    /// Bit-by-bit multiplication modulo the field polynomial: the reference.
    fn reference_mul(a: u128, b: u128) -> u128 {
        let (mut a, mut out) = (a, 0u128);
        for i in 0..128 {
            if (b >> i) & 1 == 1 {
                out ^= a;
            }
            let carry = a >> 127;
            a <<= 1;
            if carry == 1 {
                a ^= 0x87;
            }
        }
        out
    }

    #[test]
    fn every_backend_multiplies_like_the_reference() {
        let mut prg = Prg::new(Block(7));
        let mut values: Vec<u128> = (0..200).map(|_| prg.random_block().0).collect();
        values.extend([0, 1, 2, u128::MAX, 1 << 127, 0x87, u64::MAX as u128]);
        for clmul in Clmul::all() {
            for pair in values.windows(2) {
                let (a, b) = (pair[0], pair[1]);
                assert_eq!(
                    clmul.mul(Block(a), Block(b)).0,
                    reference_mul(a, b),
                    "{} on {a:#x} × {b:#x}",
                    clmul.name()
                );
            }
            // X^127 · X = X^128 = X^7 + X^2 + X + 1.
            assert_eq!(clmul.mul(Block(1 << 127), Block(2)).0, 0x87);
        }
    }

    #[test]
    fn dot_products_agree_across_backends_and_with_reduced_sums() {
        let mut prg = Prg::new(Block(9));
        for len in [0, 1, 2, 3, 17, 1000] {
            let mut a = vec![Block::ZERO; len];
            let mut b = vec![Block::ZERO; len];
            prg.fill_blocks(&mut a);
            prg.fill_blocks(&mut b);
            let want = a
                .iter()
                .zip(&b)
                .fold(0u128, |acc, (x, y)| acc ^ reference_mul(x.0, y.0));
            for clmul in Clmul::all() {
                assert_eq!(clmul.dot(&a, &b).reduce().0, want, "{}", clmul.name());
            }
        }
    }

    #[test]
    fn every_backend_the_cpu_has_is_offered() {
        let names: Vec<&str> = Clmul::all().iter().map(|c| c.name()).collect();
        eprintln!("carry-less multiplication backends: {names:?}");
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("pclmulqdq") {
                assert!(names.contains(&"pclmulqdq"), "{names:?}");
            }
            if std::arch::is_x86_feature_detected!("vpclmulqdq")
                && std::arch::is_x86_feature_detected!("avx2")
            {
                assert!(names.contains(&"vpclmulqdq"), "{names:?}");
            }
        }
        #[cfg(target_arch = "aarch64")]
        if std::arch::is_aarch64_feature_detected!("aes") {
            assert!(names.contains(&"pmull"), "{names:?}");
        }
        assert_eq!(Clmul::best().name(), *names.last().unwrap());
    }

    #[test]
    fn choice_sum_selects_the_set_rows() {
        let chis = [Block(1), Block(2), Block(4), Block(8)];
        assert_eq!(choice_sum(&[true, false, true, true], &chis), Block(13));
    }
}
