//! Fused half-gates kernels for x86-64 under the TCCR hash, each written once
//! over the register width ([`Width`]: AES-NI on 128 bits, VAES on 256):
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

// Parallel arrays of registers are indexed with one index.
#![allow(clippy::needless_range_loop)]

use crate::aes::RoundKeys;
use crate::aes::x86::{GROUP, W128, W256, Width, kernel, load, store, xor128};
use crate::block::Block;
use crate::circuit::plan::AndGate;
use crate::hash::x86::tccr;
use core::arch::x86_64::*;

/// How many table blocks (16 KiB) ahead of the gates being evaluated the
/// kernel prefetches: tables read in place from a large buffer otherwise
/// wait on memory (9 % of evaluation time on the 1 M-AND benchmark, measured
/// in the same process against no prefetch).
const PREFETCH_TABLE_BLOCKS: usize = 1024;

/// The most gates in one group (garbling on VAES: 16 blocks, 4 per gate).
const MAX_GROUP_GATES: usize = 8;

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
fn eval_combine(a: __m128i, b: __m128i, ha: __m128i, hb: __m128i, t: &[Block]) -> __m128i {
    let (sa, sb) = (lsb_mask(a), lsb_mask(b));
    let te_a = _mm_xor_si128(load(&t[1]), a);
    _mm_xor_si128(
        _mm_xor_si128(ha, _mm_and_si128(load(&t[0]), sa)),
        _mm_xor_si128(hb, _mm_and_si128(te_a, sb)),
    )
}

/// The evaluator's half-gates combination per register width: the kernels
/// are written once, the last step of a gate is not, because on 256 bits
/// one register holds a gate's `[a | b]` and both halves of the formula run
/// in it at once (measured: 7 % of evaluation time against extracting the
/// lanes).
trait EvalGate: Width {
    /// `W` for the gate whose active labels `a, b` are the blocks of `x`
    /// (the gate's registers: two on 128 bits, one on 256) and whose hashes
    /// are the blocks of `h`, with tables `t = [TG, TE]`.
    fn eval_gate(self, x: &[Self::R], h: &[Self::R], t: &[Block]) -> __m128i;
}

impl EvalGate for W128 {
    #[inline(always)]
    fn eval_gate(self, x: &[__m128i], h: &[__m128i], t: &[Block]) -> __m128i {
        // SAFETY: SSE2 is part of the x86-64 baseline.
        unsafe { eval_combine(x[0], x[1], h[0], h[1], t) }
    }
}

impl EvalGate for W256 {
    #[inline(always)]
    fn eval_gate(self, x: &[__m256i], h: &[__m256i], t: &[Block]) -> __m128i {
        let (x, h) = (x[0], h[0]);
        // SAFETY: a `W256` exists only on a CPU with AVX2.
        unsafe {
            // Both lanes at once: [H(a) ⊕ sa·TG | H(b) ⊕ sb·(TE ⊕ a)], then
            // the two halves xored. The lsb mask per lane gives [sa | sb].
            let masks =
                _mm256_shuffle_epi32::<0>(_mm256_srai_epi32::<31>(_mm256_slli_epi32::<31>(x)));
            let a_high = _mm256_permute2x128_si256::<0x08>(x, x); // [0 | a]
            let t = self.load(t);
            let v = _mm256_xor_si256(h, _mm256_and_si256(_mm256_xor_si256(t, a_high), masks));
            _mm_xor_si128(_mm256_castsi256_si128(v), _mm256_extracti128_si256::<1>(v))
        }
    }
}

/// Garbles the gates of `R` registers (`R · LANES / 4` gates): block `k` of
/// the group is gate `k / 4`'s `A, A⊕Δ, B, B⊕Δ`, hashed with tweak `t + k / 2`.
#[inline(always)]
fn garble_group<W: Width, const R: usize>(
    w: W,
    rk: &[W::R; 11],
    d: __m128i,
    t: u64,
    labels: &mut [Block],
    gates: &[AndGate],
    out: &mut [Block],
) {
    let n = R * W::LANES / 4;
    debug_assert!(n <= MAX_GROUP_GATES && gates.len() == n && out.len() == 2 * n);
    // Every input of the group is read before any output is written (the
    // plan reuses slots).
    let zero = xor128(d, d);
    let mut a = [zero; MAX_GROUP_GATES];
    let mut b = [zero; MAX_GROUP_GATES];
    for j in 0..n {
        a[j] = load(&labels[gates[j].a as usize]);
        b[j] = load(&labels[gates[j].b as usize]);
    }
    let x: [W::R; R] = core::array::from_fn(|r| {
        w.gather(|lane| {
            let k = r * W::LANES + lane;
            let v = if k % 4 < 2 { a[k / 4] } else { b[k / 4] };
            if k % 2 == 1 { xor128(v, d) } else { v }
        })
    });
    let h = tccr(w, rk, x, w.tweaks::<R>(t, 2));
    for j in 0..n {
        let hashes =
            core::array::from_fn(|i| w.lane(h[(4 * j + i) / W::LANES], (4 * j + i) % W::LANES));
        // SAFETY: SSE2 is part of the x86-64 baseline.
        let [tg, te, wire] = unsafe { garble_combine(d, a[j], b[j], hashes) };
        store(&mut out[2 * j], tg);
        store(&mut out[2 * j + 1], te);
        store(&mut labels[gates[j].out as usize], wire);
    }
}

/// Garbles `gates` (one AND run, or part of one) with hash tweaks from `t0`,
/// writing two table blocks per gate to `tables`: groups of [`GROUP`]
/// registers, then one gate at a time.
///
/// # Panics
/// If `tables.len() != 2 * gates.len()` or a slot is out of `labels`.
#[inline(always)]
fn garble_gates<W: Width>(
    w: W,
    keys: &RoundKeys,
    delta: Block,
    t0: u64,
    labels: &mut [Block],
    gates: &[AndGate],
    tables: &mut [Block],
) {
    assert_eq!(tables.len(), 2 * gates.len(), "two table blocks per gate");
    let rk = w.round_keys(keys);
    let d = load(&delta);
    let per = GROUP * W::LANES / 4;
    let mut t = t0;
    let mut groups = gates.chunks_exact(per);
    let mut outs = tables.chunks_exact_mut(2 * per);
    for (group, out) in (&mut groups).zip(&mut outs) {
        garble_group::<W, GROUP>(w, &rk, d, t, labels, group, out);
        t = t.wrapping_add(2 * per as u64);
    }
    // Then one gate at a time: two registers on 256 bits, four on 128.
    for (gate, out) in groups
        .remainder()
        .chunks(1)
        .zip(outs.into_remainder().chunks_exact_mut(2))
    {
        if W::LANES == 2 {
            garble_group::<W, 2>(w, &rk, d, t, labels, gate, out);
        } else {
            garble_group::<W, 4>(w, &rk, d, t, labels, gate, out);
        }
        t = t.wrapping_add(2);
    }
}

kernel! {
    /// Garbles `gates` with hash tweaks from `t0` (4 gates = 16 blocks in
    /// flight on VAES, 2 on AES-NI).
    pub(super) fn garble = garble_gates; (
        keys: &RoundKeys,
        delta: Block,
        t0: u64,
        labels: &mut [Block],
        gates: &[AndGate],
        tables: &mut [Block],
    )
}

/// Evaluates the gates of `R` registers (`R · LANES / 2` gates): block `k`
/// of the group is gate `k / 2`'s `a` or `b`, hashed with tweak `t + k`.
#[inline(always)]
fn evaluate_group<W: EvalGate, const R: usize>(
    w: W,
    rk: &[W::R; 11],
    t: u64,
    labels: &mut [Block],
    gates: &[AndGate],
    tables: &[Block],
) {
    let n = R * W::LANES / 2;
    debug_assert!(gates.len() == n && tables.len() == 2 * n);
    // All inputs are in `x` before any output is written.
    let x: [W::R; R] = core::array::from_fn(|r| {
        w.gather(|lane| {
            let k = r * W::LANES + lane;
            let gate = &gates[k / 2];
            load(&labels[if k % 2 == 0 { gate.a } else { gate.b } as usize])
        })
    });
    let h = tccr(w, rk, x, w.tweaks::<R>(t, 1));
    let per = 2 / W::LANES;
    for j in 0..n {
        let regs = j * per..(j + 1) * per;
        let wire = w.eval_gate(&x[regs.clone()], &h[regs], &tables[2 * j..2 * j + 2]);
        store(&mut labels[gates[j].out as usize], wire);
    }
}

/// Evaluates `gates` with hash tweaks from `t0`, reading two table blocks per
/// gate from `tables`: groups of [`GROUP`] registers, prefetching tables
/// ahead, then one gate at a time.
///
/// # Panics
/// If `tables.len() != 2 * gates.len()` or a slot is out of `labels`.
#[inline(always)]
fn evaluate_gates<W: EvalGate>(
    w: W,
    keys: &RoundKeys,
    t0: u64,
    labels: &mut [Block],
    gates: &[AndGate],
    tables: &[Block],
) {
    assert_eq!(tables.len(), 2 * gates.len(), "two table blocks per gate");
    let rk = w.round_keys(keys);
    let per = GROUP * W::LANES / 2;
    let mut t = t0;
    let mut groups = gates.chunks_exact(per);
    let mut ins = tables.chunks_exact(2 * per);
    let mut ahead = PREFETCH_TABLE_BLOCKS;
    for (group, group_tables) in (&mut groups).zip(&mut ins) {
        // 4 blocks per cache line.
        for line in 0..2 * per / 4 {
            super::prefetch(tables, (ahead + 4 * line) as u32);
        }
        ahead += 2 * per;
        evaluate_group::<W, GROUP>(w, &rk, t, labels, group, group_tables);
        t = t.wrapping_add(2 * per as u64);
    }
    // Then one gate at a time: one register on 256 bits, two on 128.
    for (gate, gate_tables) in groups
        .remainder()
        .chunks(1)
        .zip(ins.remainder().chunks_exact(2))
    {
        if W::LANES == 2 {
            evaluate_group::<W, 1>(w, &rk, t, labels, gate, gate_tables);
        } else {
            evaluate_group::<W, 2>(w, &rk, t, labels, gate, gate_tables);
        }
        t = t.wrapping_add(2);
    }
}

kernel! {
    /// Evaluates `gates` with hash tweaks from `t0` (8 gates = 16 blocks in
    /// flight on VAES, 4 on AES-NI).
    pub(super) fn evaluate = evaluate_gates; (
        keys: &RoundKeys,
        t0: u64,
        labels: &mut [Block],
        gates: &[AndGate],
        tables: &[Block],
    )
}
