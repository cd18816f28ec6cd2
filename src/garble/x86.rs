//! Fused half-gates kernels for x86-64 (AES-NI and VAES) under the TCCR hash:
//! one pass over a run of independent AND gates that loads the input labels,
//! hashes them, and writes the tables and output labels, with no intermediate
//! arrays. The out-of-order core then overlaps one group's combining with the
//! next group's AES rounds, where the generic path (gather, hash call,
//! combine) runs them one after the other.
//!
//! The formulas are those of the parent module (Zahur–Rosulek–Evans 2015,
//! Fig. 2) with `H` = TCCR ([`crate::hash`]): for gate `i` of a run hashed
//! from tweak `t`, `A` gets tweak `t + 2i` and `B` gets `t + 2i + 1`, exactly
//! as in the generic path, so both produce the same bytes (tested in
//! `garble::tests`).
//!
//! Each group of gates reads all its inputs before it writes any output,
//! which is what the plan's slot reuse requires (see `circuit::plan`).
//! Label indices are bounds-checked like any slice index.

// Parallel arrays of registers are indexed with one index (see aes::x86).
#![allow(clippy::needless_range_loop)]
// VAES intrinsics and `as_chunks` need Rust 1.89 (the crate's rust-version).
#![allow(clippy::incompatible_msrv)]

use crate::aes::RoundKeys;
use crate::aes::x86::tccr::{keys128, keys256, tweak_ladder, tweak2};
use crate::aes::x86::{load, rounds1, rounds2, store, vaes};
use crate::block::Block;
use crate::circuit::plan::AndGate;
use core::arch::x86_64::*;

/// How many table blocks (16 KiB) ahead of the gates being evaluated the
/// VAES kernel prefetches: tables read in place from a large buffer otherwise
/// wait on memory (9 % of evaluation time on the 1 M-AND benchmark, measured
/// in the same process against no prefetch).
const PREFETCH_TABLE_BLOCKS: usize = 1024;

/// All ones if the lowest bit of `x` (the permute bit) is set, else zero.
#[target_feature(enable = "sse2")]
#[inline]
fn lsb_mask(x: __m128i) -> __m128i {
    _mm_shuffle_epi32::<0>(_mm_srai_epi32::<31>(_mm_slli_epi32::<31>(x)))
}

/// The garbler's half-gates combination for one gate from its zero labels
/// `a`, `b` and `H(A), H(A⊕Δ), H(B), H(B⊕Δ)`: returns `(TG, TE, W)`.
#[target_feature(enable = "sse2")]
#[inline]
fn garble_combine(
    d: __m128i,
    a: __m128i,
    b: __m128i,
    [ha0, ha1, hb0, hb1]: [__m128i; 4],
) -> [__m128i; 3] {
    let (pa, pb) = (lsb_mask(a), lsb_mask(b));
    let tg = _mm_xor_si128(_mm_xor_si128(ha0, ha1), _mm_and_si128(d, pb));
    let hb = _mm_xor_si128(hb0, hb1); // = TE ⊕ A
    let te = _mm_xor_si128(hb, a);
    let w = _mm_xor_si128(
        _mm_xor_si128(ha0, _mm_and_si128(tg, pa)),
        _mm_xor_si128(hb0, _mm_and_si128(hb, pb)),
    );
    [tg, te, w]
}

/// The evaluator's half-gates combination for one gate from its active
/// labels `a`, `b`, `H(a), H(b)` and the gate's tables: returns `W`.
#[target_feature(enable = "sse2")]
#[inline]
fn eval_combine(a: __m128i, b: __m128i, ha: __m128i, hb: __m128i, t: &[Block; 2]) -> __m128i {
    let (sa, sb) = (lsb_mask(a), lsb_mask(b));
    let te_a = _mm_xor_si128(load(&t[1]), a);
    _mm_xor_si128(
        _mm_xor_si128(ha, _mm_and_si128(load(&t[0]), sa)),
        _mm_xor_si128(hb, _mm_and_si128(te_a, sb)),
    )
}

/// Garbles `gates` (one AND run, or part of one) on VAES with hash tweaks
/// from `t0`, writing two table blocks per gate to `tables`.
///
/// # Panics
/// If `tables.len() != 2 * gates.len()` or a slot is out of `labels`.
#[target_feature(enable = "aes,avx2,vaes")]
pub(crate) fn vaes_garble(
    keys: &RoundKeys,
    delta: Block,
    t0: u64,
    labels: &mut [Block],
    gates: &[AndGate],
    tables: &mut [Block],
) {
    assert_eq!(tables.len(), 2 * gates.len(), "two table blocks per gate");
    let rk = keys256(keys);
    let d = load(&delta);
    // Lane 0 hashes the label, lane 1 the label ⊕ Δ.
    let d2 = _mm256_inserti128_si256::<1>(_mm256_setzero_si256(), d);
    let (tables, _) = tables.as_chunks_mut::<2>();
    let mut t = t0;
    let mut groups = gates.chunks_exact(4);
    let mut outs = tables.chunks_exact_mut(4);
    for (group, out) in (&mut groups).zip(&mut outs) {
        vaes_garble_group::<4, 8>(&rk, d, d2, t, labels, group, out);
        t = t.wrapping_add(8);
    }
    for (gate, out) in groups.remainder().iter().zip(outs.into_remainder()) {
        let (gate, out) = (core::slice::from_ref(gate), core::slice::from_mut(out));
        vaes_garble_group::<1, 2>(&rk, d, d2, t, labels, gate, out);
        t = t.wrapping_add(2);
    }
}

/// `N` gates in `R = 2N` registers: `[A | A⊕Δ]`, `[B | B⊕Δ]` per gate.
#[target_feature(enable = "aes,avx2,vaes")]
#[inline]
fn vaes_garble_group<const N: usize, const R: usize>(
    rk: &[__m256i; 11],
    d: __m128i,
    d2: __m256i,
    t: u64,
    labels: &mut [Block],
    gates: &[AndGate],
    out: &mut [[Block; 2]],
) {
    debug_assert!(R == 2 * N && gates.len() == N && out.len() == N);
    let a: [__m128i; N] = core::array::from_fn(|j| load(&labels[gates[j].a as usize]));
    let b: [__m128i; N] = core::array::from_fn(|j| load(&labels[gates[j].b as usize]));
    let x: [__m256i; R] = core::array::from_fn(|i| {
        let v = if i % 2 == 0 { a[i / 2] } else { b[i / 2] };
        _mm256_xor_si256(_mm256_broadcastsi128_si256(v), d2)
    });
    let tw = tweak_ladder::<R>(tweak2(t, t), tweak2(1, 1));
    let h = rounds2!(rk, x, tw);
    for j in 0..N {
        let hashes = [
            _mm256_castsi256_si128(h[2 * j]),
            _mm256_extracti128_si256::<1>(h[2 * j]),
            _mm256_castsi256_si128(h[2 * j + 1]),
            _mm256_extracti128_si256::<1>(h[2 * j + 1]),
        ];
        let [tg, te, w] = garble_combine(d, a[j], b[j], hashes);
        store(&mut out[j][0], tg);
        store(&mut out[j][1], te);
        store(&mut labels[gates[j].out as usize], w);
    }
}

/// Evaluates `gates` on VAES with hash tweaks from `t0`, reading two table
/// blocks per gate from `tables`.
///
/// # Panics
/// If `tables.len() != 2 * gates.len()` or a slot is out of `labels`.
#[target_feature(enable = "aes,avx2,vaes")]
pub(crate) fn vaes_evaluate(
    keys: &RoundKeys,
    t0: u64,
    labels: &mut [Block],
    gates: &[AndGate],
    tables: &[Block],
) {
    assert_eq!(tables.len(), 2 * gates.len(), "two table blocks per gate");
    let rk = keys256(keys);
    let flat = tables;
    let (tables, _) = tables.as_chunks::<2>();
    let mut t = t0;
    let mut groups = gates.chunks_exact(8);
    let mut ins = tables.chunks_exact(8);
    let mut ahead = PREFETCH_TABLE_BLOCKS;
    for (group, tables) in (&mut groups).zip(&mut ins) {
        // The group's 16 table blocks fill 4 cache lines.
        for line in 0..4 {
            super::prefetch(flat, (ahead + 4 * line) as u32);
        }
        ahead += 16;
        vaes_evaluate_group::<8>(&rk, t, labels, group, tables);
        t = t.wrapping_add(16);
    }
    for (gate, tables) in groups.remainder().iter().zip(ins.remainder()) {
        let (gate, tables) = (core::slice::from_ref(gate), core::slice::from_ref(tables));
        vaes_evaluate_group::<1>(&rk, t, labels, gate, tables);
        t = t.wrapping_add(2);
    }
}

/// `N` gates in `N` registers: `[a | b]` per gate, tweaks `[t + 2j | t + 2j + 1]`.
#[target_feature(enable = "aes,avx2,vaes")]
#[inline]
fn vaes_evaluate_group<const N: usize>(
    rk: &[__m256i; 11],
    t: u64,
    labels: &mut [Block],
    gates: &[AndGate],
    tables: &[[Block; 2]],
) {
    debug_assert!(gates.len() == N && tables.len() == N);
    let x: [__m256i; N] = core::array::from_fn(|j| {
        let gate = &gates[j];
        _mm256_set_m128i(
            load(&labels[gate.b as usize]),
            load(&labels[gate.a as usize]),
        )
    });
    let tw = tweak_ladder::<N>(tweak2(t, t.wrapping_add(1)), tweak2(2, 2));
    let h = rounds2!(rk, x, tw);
    for j in 0..N {
        // Both lanes at once: [H(a) ⊕ sa·TG | H(b) ⊕ sb·(TE ⊕ a)], then the
        // two halves xored. `lsb_mask` per lane gives [sa | sb].
        let masks =
            _mm256_shuffle_epi32::<0>(_mm256_srai_epi32::<31>(_mm256_slli_epi32::<31>(x[j])));
        let a_high = _mm256_permute2x128_si256::<0x08>(x[j], x[j]); // [0 | a]
        let t = vaes::load2(&tables[j]);
        let v = _mm256_xor_si256(h[j], _mm256_and_si256(_mm256_xor_si256(t, a_high), masks));
        let w = _mm_xor_si128(_mm256_castsi256_si128(v), _mm256_extracti128_si256::<1>(v));
        store(&mut labels[gates[j].out as usize], w);
    }
}

/// [`vaes_garble`] on AES-NI: 2 gates (8 blocks) per group.
#[target_feature(enable = "aes,sse2")]
pub(crate) fn aesni_garble(
    keys: &RoundKeys,
    delta: Block,
    t0: u64,
    labels: &mut [Block],
    gates: &[AndGate],
    tables: &mut [Block],
) {
    assert_eq!(tables.len(), 2 * gates.len(), "two table blocks per gate");
    let rk = keys128(keys);
    let d = load(&delta);
    let (tables, _) = tables.as_chunks_mut::<2>();
    let mut t = t0;
    let mut groups = gates.chunks_exact(2);
    let mut outs = tables.chunks_exact_mut(2);
    for (group, out) in (&mut groups).zip(&mut outs) {
        aesni_garble_group::<2, 8>(&rk, d, t, labels, group, out);
        t = t.wrapping_add(4);
    }
    for (gate, out) in groups.remainder().iter().zip(outs.into_remainder()) {
        let (gate, out) = (core::slice::from_ref(gate), core::slice::from_mut(out));
        aesni_garble_group::<1, 4>(&rk, d, t, labels, gate, out);
        t = t.wrapping_add(2);
    }
}

/// `N` gates in `R = 4N` registers: `A, A⊕Δ, B, B⊕Δ` per gate.
#[target_feature(enable = "aes,sse2")]
#[inline]
fn aesni_garble_group<const N: usize, const R: usize>(
    rk: &[__m128i; 11],
    d: __m128i,
    t: u64,
    labels: &mut [Block],
    gates: &[AndGate],
    out: &mut [[Block; 2]],
) {
    debug_assert!(R == 4 * N && gates.len() == N && out.len() == N);
    let a: [__m128i; N] = core::array::from_fn(|j| load(&labels[gates[j].a as usize]));
    let b: [__m128i; N] = core::array::from_fn(|j| load(&labels[gates[j].b as usize]));
    let x: [__m128i; R] = core::array::from_fn(|i| {
        let v = if i % 4 < 2 { a[i / 4] } else { b[i / 4] };
        if i % 2 == 1 { _mm_xor_si128(v, d) } else { v }
    });
    let tw: [__m128i; R] =
        core::array::from_fn(|i| _mm_cvtsi64_si128(t.wrapping_add((i / 2) as u64) as i64));
    let h = rounds1!(rk, x, tw);
    for j in 0..N {
        let hashes = [h[4 * j], h[4 * j + 1], h[4 * j + 2], h[4 * j + 3]];
        let [tg, te, w] = garble_combine(d, a[j], b[j], hashes);
        store(&mut out[j][0], tg);
        store(&mut out[j][1], te);
        store(&mut labels[gates[j].out as usize], w);
    }
}

/// [`vaes_evaluate`] on AES-NI: 4 gates (8 blocks) per group.
#[target_feature(enable = "aes,sse2")]
pub(crate) fn aesni_evaluate(
    keys: &RoundKeys,
    t0: u64,
    labels: &mut [Block],
    gates: &[AndGate],
    tables: &[Block],
) {
    assert_eq!(tables.len(), 2 * gates.len(), "two table blocks per gate");
    let rk = keys128(keys);
    let (tables, _) = tables.as_chunks::<2>();
    let mut t = t0;
    let mut groups = gates.chunks_exact(4);
    let mut ins = tables.chunks_exact(4);
    for (group, tables) in (&mut groups).zip(&mut ins) {
        aesni_evaluate_group::<4, 8>(&rk, t, labels, group, tables);
        t = t.wrapping_add(8);
    }
    for (gate, tables) in groups.remainder().iter().zip(ins.remainder()) {
        let (gate, tables) = (core::slice::from_ref(gate), core::slice::from_ref(tables));
        aesni_evaluate_group::<1, 2>(&rk, t, labels, gate, tables);
        t = t.wrapping_add(2);
    }
}

/// `N` gates in `R = 2N` registers: `a, b` per gate.
#[target_feature(enable = "aes,sse2")]
#[inline]
fn aesni_evaluate_group<const N: usize, const R: usize>(
    rk: &[__m128i; 11],
    t: u64,
    labels: &mut [Block],
    gates: &[AndGate],
    tables: &[[Block; 2]],
) {
    debug_assert!(R == 2 * N && gates.len() == N && tables.len() == N);
    let x: [__m128i; R] = core::array::from_fn(|i| {
        let gate = &gates[i / 2];
        load(&labels[if i % 2 == 0 { gate.a } else { gate.b } as usize])
    });
    let tw: [__m128i; R] =
        core::array::from_fn(|i| _mm_cvtsi64_si128(t.wrapping_add(i as u64) as i64));
    let h = rounds1!(rk, x, tw);
    for j in 0..N {
        let w = eval_combine(x[2 * j], x[2 * j + 1], h[2 * j], h[2 * j + 1], &tables[j]);
        store(&mut labels[gates[j].out as usize], w);
    }
}
