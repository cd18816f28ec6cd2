//! Fused half-gates and three-halves kernels for x86-64 under the TCCR hash,
//! each written once over the register width ([`Width`]: AES-NI on 128
//! bits, VAES on 256, and for three-halves VAES on 512 as well): one pass
//! over a run of independent AND gates that
//! loads the input labels, hashes them, and writes the tables and output
//! labels, with no intermediate arrays. The out-of-order core then overlaps one group's combining with the
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
use crate::aes::x86::{GROUP, W128, W256, W512, Width, kernel, load, store, xor128};
use crate::block::Block;
use crate::circuit::plan::AndGate;
use crate::hash::x86::tccr;
use core::arch::x86_64::*;

use super::three_halves;

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

// Three-halves (Rosulek–Roy 2021; the formulas and tables are those of
// `super::three_halves`, whose scalar gates these kernels compute register
// for register): per gate, the garbler hashes `A0, A0⊕Δ, B0, B0⊕Δ, A0⊕B0,
// A0⊕B0⊕Δ` with tweaks `t + 3i + k/2`, the evaluator `a, b, a⊕b` with
// `t + 3i + k`. The linear parts are pairs of 64-bit rows in one register:
// four `and`s against the rule's masks (`three_halves::pair_masks`).

/// Registers in flight per group in the three-halves kernels: 12 (on VAES
/// 4 gates garbled or 8 evaluated, on AES-NI 2 or 4): six or three blocks
/// per gate do not divide [`GROUP`].
const GROUP_3H: usize = 12;

/// The `R` registers whose lanes are the first `R · LANES` of `blocks`, in
/// order.
#[inline(always)]
fn registers<W: Width, const R: usize>(w: W, blocks: &[__m128i]) -> [W::R; R] {
    let mut x = [w.gather(|_| blocks[0]); R];
    for r in 0..R {
        x[r] = w.gather(|lane| blocks[r * W::LANES + lane]);
    }
    x
}

/// Words `k, k + 1` of a chunk's halves (`three_halves::word`) into a
/// register's low and high half.
///
/// # Panics
/// If the words are not inside `blocks`.
#[inline(always)]
fn load_words(blocks: &[Block], k: usize) -> __m128i {
    assert!(k + 2 <= 2 * blocks.len(), "halves inside the chunk");
    // SAFETY: the 16 bytes from word k lie inside `blocks` (asserted, a block
    // is two words); `loadu` needs no alignment; SSE2 is baseline.
    unsafe { _mm_loadu_si128(blocks.as_ptr().cast::<u64>().add(k).cast()) }
}

/// A register's low and high half into words `k, k + 1` of a chunk's halves.
///
/// # Panics
/// If the words are not inside `blocks`.
#[inline(always)]
fn store_words(blocks: &mut [Block], k: usize, v: __m128i) {
    assert!(k + 2 <= 2 * blocks.len(), "halves inside the chunk");
    // SAFETY: the 16 bytes from word k lie inside `blocks` (asserted) and are
    // writable; `storeu` needs no alignment; SSE2 is baseline.
    unsafe { _mm_storeu_si128(blocks.as_mut_ptr().cast::<u64>().add(k).cast(), v) }
}

/// A register's low half into word `k` of a chunk's halves.
///
/// # Panics
/// If the word is not inside `blocks`.
#[inline(always)]
fn store_word(blocks: &mut [Block], k: usize, v: __m128i) {
    assert!(k < 2 * blocks.len(), "halves inside the chunk");
    // SAFETY: the 8 bytes of word k lie inside `blocks` (asserted) and are
    // writable; `storel` needs no alignment; SSE2 is baseline.
    unsafe { _mm_storel_epi64(blocks.as_mut_ptr().cast::<u64>().add(k).cast(), v) }
}

/// Word `k` of a chunk's halves into a register's low half (the high half
/// zero).
///
/// # Panics
/// If the word is not inside `blocks`.
#[inline(always)]
fn load_word(blocks: &[Block], k: usize) -> __m128i {
    assert!(k < 2 * blocks.len(), "halves inside the chunk");
    // SAFETY: the 8 bytes of word k lie inside `blocks` (asserted); `loadl`
    // needs no alignment; SSE2 is baseline.
    unsafe { _mm_loadl_epi64(blocks.as_ptr().cast::<u64>().add(k).cast()) }
}

/// `m·(a, b)` for a pair of rows given as masks: `m0·a ⊕ m1·swap(a) ⊕
/// m2·b ⊕ m3·swap(b)`.
#[target_feature(enable = "sse2")]
#[inline]
fn linear_3h(m: &[Block; 4], a: __m128i, b: __m128i) -> __m128i {
    let (sa, sb) = (_mm_shuffle_epi32::<0x4e>(a), _mm_shuffle_epi32::<0x4e>(b));
    _mm_xor_si128(
        _mm_xor_si128(
            _mm_and_si128(load(&m[0]), a),
            _mm_and_si128(load(&m[1]), sa),
        ),
        _mm_xor_si128(
            _mm_and_si128(load(&m[2]), b),
            _mm_and_si128(load(&m[3]), sb),
        ),
    )
}

/// Bit 0 of each half of `x`: the low half's as bit 0, the high's as bit 1.
#[target_feature(enable = "sse2")]
#[inline]
fn lsbs(x: __m128i) -> usize {
    _mm_movemask_pd(_mm_castsi128_pd(_mm_slli_epi64::<63>(x))) as usize
}

/// The garbler's three-halves gate (`three_halves::garble_gate`) from its
/// zero labels `a`, `b`, two random bits (the low two of `rand`), Δ's share
/// of the rules and the six hashes: returns the output zero label,
/// `(G0, G1)`, `G2` (low half) and the control bits.
#[target_feature(enable = "sse2")]
#[inline]
fn garble_combine_3h(
    deltas: &[[Block; 3]; 16],
    a: __m128i,
    b: __m128i,
    rand: u8,
    [h0, h1, h2, h3, h4, h5]: [__m128i; 6],
) -> ([__m128i; 3], u8) {
    let rule = lsbs(_mm_unpacklo_epi64(a, b)) | (rand as usize & 3) << 2;
    let (g, d) = (&three_halves::GARBLE_RULES[rule], &deltas[rule]);
    let (xa, xb, xab) = (
        _mm_xor_si128(h0, h1),
        _mm_xor_si128(h2, h3),
        _mm_xor_si128(h4, h5),
    );
    let (colour, colour_ab) = (load(&g.colour[0]), load(&g.colour[1]));
    let x_low = _mm_unpacklo_epi64(xa, xb);
    let h_low = _mm_xor_si128(_mm_unpacklo_epi64(h0, h2), _mm_and_si128(x_low, colour));
    let x_high = _mm_unpackhi_epi64(xa, xb);
    let h_high = _mm_xor_si128(_mm_unpackhi_epi64(h0, h2), _mm_and_si128(x_high, colour));
    let hab = _mm_xor_si128(h4, _mm_and_si128(xab, colour_ab));
    let c = _mm_xor_si128(load(&d[0]), linear_3h(&g.pairs[0], a, b));
    let c = _mm_xor_si128(c, _mm_xor_si128(h_low, _mm_unpacklo_epi64(hab, hab)));
    let g01 = _mm_xor_si128(load(&d[1]), linear_3h(&g.pairs[1], a, b));
    let g01 = _mm_xor_si128(g01, x_low);
    let g2 = _mm_xor_si128(load(&d[2]), linear_3h(&g.pairs[2], a, b));
    let g2 = _mm_xor_si128(g2, xab);
    let bits = lsbs(_mm_xor_si128(h_high, _mm_unpackhi_epi64(hab, hab)))
        | lsbs(x_high) << 2
        | (lsbs(xab) & 2) << 3;
    ([c, g01, g2], bits as u8 ^ g.z)
}

/// The evaluator's three-halves gate (`three_halves::evaluate_gate`) from
/// its active labels `a`, `b`, the hashes `H(a), H(b), H(a⊕b)`, the gate's
/// halves (`(G0, G1)`, `G2` in the low half) and control bits: returns the
/// output's active label.
#[target_feature(enable = "sse2")]
#[inline]
fn eval_combine_3h(
    a: __m128i,
    b: __m128i,
    [h0, h1, h2]: [__m128i; 3],
    [g01, g2]: [__m128i; 2],
    z: u8,
) -> __m128i {
    let s = lsbs(_mm_unpacklo_epi64(a, b));
    let hb = lsbs(_mm_unpackhi_epi64(
        _mm_xor_si128(h0, h2),
        _mm_xor_si128(h1, h2),
    ));
    let index = three_halves::EVAL_INDEX[(z & 31) as usize | s << 5 | hb << 7];
    let e = &three_halves::EVAL_RULES[index as usize];
    let c = _mm_xor_si128(_mm_unpacklo_epi64(h0, h1), _mm_unpacklo_epi64(h2, h2));
    let g = _mm_xor_si128(
        _mm_and_si128(g01, load(&e.g[0])),
        _mm_and_si128(_mm_unpacklo_epi64(g2, g2), load(&e.g[1])),
    );
    _mm_xor_si128(_mm_xor_si128(c, g), linear_3h(&e.r, a, b))
}

/// Garbles the three-halves gates of `R` registers (`R · LANES / 6` gates):
/// block `k` of the group is gate `k / 6`'s `A, A⊕Δ, B, B⊕Δ, A⊕B, A⊕B⊕Δ`,
/// hashed with tweak `t + k / 2`. The halves go to `halves` from word
/// `word` on; each gate's byte of `bits` holds its random bits on entry and
/// its control bits on return.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn garble_group_3h<W: Width, const R: usize>(
    w: W,
    rk: &[W::R; 11],
    d: __m128i,
    deltas: &[[Block; 3]; 16],
    t: u64,
    labels: &mut [Block],
    gates: &[AndGate],
    (halves, word, bits): (&mut [Block], usize, &mut [u8]),
) {
    let n = R * W::LANES / 6;
    debug_assert!(n <= MAX_GROUP_GATES && gates.len() == n && bits.len() == n);
    // Every input of the group is read before any output is written.
    let zero = xor128(d, d);
    let mut a = [zero; MAX_GROUP_GATES];
    let mut b = [zero; MAX_GROUP_GATES];
    for j in 0..n {
        a[j] = load(&labels[gates[j].a as usize]);
        b[j] = load(&labels[gates[j].b as usize]);
    }
    let mut blocks = [zero; 6 * MAX_GROUP_GATES];
    for j in 0..n {
        let ab = xor128(a[j], b[j]);
        blocks[6 * j..6 * j + 6].copy_from_slice(&[
            a[j],
            xor128(a[j], d),
            b[j],
            xor128(b[j], d),
            ab,
            xor128(ab, d),
        ]);
    }
    let h = tccr(w, rk, registers(w, &blocks), w.tweaks::<R>(t, 2));
    for j in 0..n {
        let hashes =
            core::array::from_fn(|i| w.lane(h[(6 * j + i) / W::LANES], (6 * j + i) % W::LANES));
        // SAFETY: SSE2 is part of the x86-64 baseline.
        let ([c, g01, g2], z) = unsafe { garble_combine_3h(deltas, a[j], b[j], bits[j], hashes) };
        store_words(halves, word + 3 * j, g01);
        store_word(halves, word + 3 * j + 2, g2);
        bits[j] = z;
        store(&mut labels[gates[j].out as usize], c);
    }
}

/// The three-halves garbler's full group per register width: by default
/// (128 bits) [`garble_group_3h`], a gate's step at a time; on 256 bits four
/// gates at once, one gate per 64-bit lane ([`garble_four_3h`]).
trait Garble3h: Width {
    /// Garbles the [`GROUP_3H`] registers' gates as [`garble_group_3h`] does.
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn garble_full_group(
        self,
        rk: &[Self::R; 11],
        d: __m128i,
        deltas: &[[Block; 3]; 16],
        t: u64,
        labels: &mut [Block],
        gates: &[AndGate],
        out: (&mut [Block], usize, &mut [u8]),
    ) {
        garble_group_3h::<Self, GROUP_3H>(self, rk, d, deltas, t, labels, gates, out);
    }

    /// Garbles the gates after the full groups (fewer than a group) as
    /// [`garble_gates_3h`] does, from word `3 · from` of `halves`: one gate
    /// at a time (three registers on 256 bits, six on 128).
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn garble_rest(
        self,
        rk: &[Self::R; 11],
        _keys: &RoundKeys,
        delta: Block,
        deltas: &[[Block; 3]; 16],
        t0: u64,
        labels: &mut [Block],
        gates: &[AndGate],
        (halves, from, bits): (&mut [Block], usize, &mut [u8]),
    ) {
        let d = load(&delta);
        let (mut t, mut word) = (t0, 3 * from);
        for (gate, bits) in gates.chunks(1).zip(bits.chunks_exact_mut(1)) {
            let out = (&mut *halves, word, bits);
            if Self::LANES == 2 {
                garble_group_3h::<Self, 3>(self, rk, d, deltas, t, labels, gate, out);
            } else {
                garble_group_3h::<Self, 6>(self, rk, d, deltas, t, labels, gate, out);
            }
            t = t.wrapping_add(3);
            word += 3;
        }
    }
}

impl Garble3h for W128 {}

impl Garble3h for W512 {
    #[inline(always)]
    fn garble_full_group(
        self,
        rk: &[__m512i; 11],
        d: __m128i,
        _deltas: &[[Block; 3]; 16],
        t: u64,
        labels: &mut [Block],
        gates: &[AndGate],
        out: (&mut [Block], usize, &mut [u8]),
    ) {
        garble_eight_3h(self, rk, d, t, labels, gates, out);
    }

    /// Fewer than eight gates: on 256 bits.
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn garble_rest(
        self,
        _rk: &[__m512i; 11],
        keys: &RoundKeys,
        delta: Block,
        deltas: &[[Block; 3]; 16],
        t0: u64,
        labels: &mut [Block],
        gates: &[AndGate],
        (halves, from, bits): (&mut [Block], usize, &mut [u8]),
    ) {
        garble_gates_3h(
            self.half(),
            keys,
            delta,
            deltas,
            t0,
            labels,
            gates,
            halves,
            from,
            bits,
        );
    }
}

impl Garble3h for W256 {
    #[inline(always)]
    fn garble_full_group(
        self,
        rk: &[__m256i; 11],
        d: __m128i,
        _deltas: &[[Block; 3]; 16],
        t: u64,
        labels: &mut [Block],
        gates: &[AndGate],
        out: (&mut [Block], usize, &mut [u8]),
    ) {
        garble_four_3h(self, rk, d, t, labels, gates, out);
    }
}

/// A register of 64-bit lanes holding one three-halves gate per lane: the
/// operations of the transposed gate steps ([`garble_step_3h`],
/// [`evaluate_step_3h`]), so that each step is written once for 256 and 512
/// bits. Only called in code that holds a [`W256`] or a [`W512`] (a CPU
/// with AVX2, or with AVX-512F).
trait Lanes: Copy {
    fn xor(self, v: Self) -> Self;
    fn and(self, v: Self) -> Self;
    /// `¬self ∧ v`.
    fn andn(self, v: Self) -> Self;
    /// Each lane shifted right by `K` bits.
    fn shr<const K: u32>(self) -> Self;
    /// Each lane shifted left by `K` bits.
    fn shl<const K: u32>(self) -> Self;
    /// All ones in a lane whose bit 0 is set, else zero.
    fn mask0(self) -> Self;
    /// `x` in every lane.
    fn splat(x: i64) -> Self;
    /// From registers `u`, `v` whose 128-bit lanes are blocks: the blocks'
    /// low halves and their high halves, `u`'s and `v`'s alternating.
    fn halves(u: Self, v: Self) -> (Self, Self);
}

impl Lanes for __m256i {
    #[inline(always)]
    fn xor(self, v: Self) -> Self {
        // SAFETY: see the trait: the CPU has AVX2.
        unsafe { _mm256_xor_si256(self, v) }
    }
    #[inline(always)]
    fn and(self, v: Self) -> Self {
        // SAFETY: see the trait: the CPU has AVX2.
        unsafe { _mm256_and_si256(self, v) }
    }
    #[inline(always)]
    fn andn(self, v: Self) -> Self {
        // SAFETY: see the trait: the CPU has AVX2.
        unsafe { _mm256_andnot_si256(self, v) }
    }
    #[inline(always)]
    fn shr<const K: u32>(self) -> Self {
        // SAFETY: see the trait: the CPU has AVX2. (The shifts by an
        // immediate take an `i32`: `K` picks one at compile time.)
        unsafe {
            match K {
                0 => self,
                1 => _mm256_srli_epi64::<1>(self),
                2 => _mm256_srli_epi64::<2>(self),
                3 => _mm256_srli_epi64::<3>(self),
                4 => _mm256_srli_epi64::<4>(self),
                _ => _mm256_srl_epi64(self, _mm_cvtsi32_si128(K as i32)),
            }
        }
    }
    #[inline(always)]
    fn shl<const K: u32>(self) -> Self {
        // SAFETY: as in `shr`.
        unsafe {
            match K {
                0 => self,
                1 => _mm256_slli_epi64::<1>(self),
                2 => _mm256_slli_epi64::<2>(self),
                3 => _mm256_slli_epi64::<3>(self),
                4 => _mm256_slli_epi64::<4>(self),
                _ => _mm256_sll_epi64(self, _mm_cvtsi32_si128(K as i32)),
            }
        }
    }
    #[inline(always)]
    fn mask0(self) -> Self {
        // SAFETY: see the trait: the CPU has AVX2.
        unsafe { _mm256_cmpgt_epi64(_mm256_setzero_si256(), _mm256_slli_epi64::<63>(self)) }
    }
    #[inline(always)]
    fn splat(x: i64) -> Self {
        // SAFETY: see the trait: the CPU has AVX.
        unsafe { _mm256_set1_epi64x(x) }
    }
    #[inline(always)]
    fn halves(u: Self, v: Self) -> (Self, Self) {
        halves_of_four(u, v)
    }
}

impl Lanes for __m512i {
    #[inline(always)]
    fn xor(self, v: Self) -> Self {
        // SAFETY: see the trait: the CPU has AVX-512F.
        unsafe { _mm512_xor_si512(self, v) }
    }
    #[inline(always)]
    fn and(self, v: Self) -> Self {
        // SAFETY: see the trait: the CPU has AVX-512F.
        unsafe { _mm512_and_si512(self, v) }
    }
    #[inline(always)]
    fn andn(self, v: Self) -> Self {
        // SAFETY: see the trait: the CPU has AVX-512F.
        unsafe { _mm512_andnot_si512(self, v) }
    }
    #[inline(always)]
    fn shr<const K: u32>(self) -> Self {
        // SAFETY: see the trait: the CPU has AVX-512F.
        unsafe { _mm512_srli_epi64::<K>(self) }
    }
    #[inline(always)]
    fn shl<const K: u32>(self) -> Self {
        // SAFETY: see the trait: the CPU has AVX-512F.
        unsafe { _mm512_slli_epi64::<K>(self) }
    }
    #[inline(always)]
    fn mask0(self) -> Self {
        // SAFETY: see the trait: the CPU has AVX-512F.
        unsafe { _mm512_srai_epi64::<63>(_mm512_slli_epi64::<63>(self)) }
    }
    #[inline(always)]
    fn splat(x: i64) -> Self {
        // SAFETY: see the trait: the CPU has AVX-512F.
        unsafe { _mm512_set1_epi64(x) }
    }
    #[inline(always)]
    fn halves(u: Self, v: Self) -> (Self, Self) {
        // SAFETY: see the trait: the CPU has AVX-512F.
        unsafe { (_mm512_unpacklo_epi64(u, v), _mm512_unpackhi_epi64(u, v)) }
    }
}

/// Bit `K` of each lane of `v`, in place.
#[inline(always)]
fn bit<V: Lanes, const K: u32>(v: V) -> V {
    v.shl::<K>().and(V::splat(1 << K))
}

/// The garbler's transposed three-halves gate step, one gate per lane, from
/// its zero labels' halves `a = (A_L, A_R)`, `b`, the hashes' halves
/// `hl`, `hh` (low and high halves of `H(A0), H(A1), H(B0), H(B1), H(AB0),
/// H(AB1)`), the random bits (bits 0 and 1 of each lane) and Δ's halves:
/// returns the control bits (bits 0..5 of each lane), the rows
/// `G0, G1, G2` and the output zero label's halves. The rules become bit
/// masks: over the label halves, every row of the solved rules
/// ([`three_halves`]'s `RULES`) is affine in the permute bits `pa`, `pb`
/// (the rows of `G`) or in the random bits `r1`, `r2` (those of `C`), and
/// over the colour-0 labels Δ's share is affine too, but for `C`'s
/// `pa·pb·Δ` (the algebraic normal form of the sixteen rules;
/// `rules_in_closed_form` checks it against them, and
/// `every_backend_garbles_and_evaluates_the_same_bytes` the kernels against
/// the table-driven scalar gate byte for byte).
#[inline(always)]
fn garble_step_3h<V: Lanes>(
    (al, ar): (V, V),
    (bl, br): (V, V),
    hl: [V; 6],
    hh: [V; 6],
    random: V,
    (dl, dr): (V, V),
) -> (V, [V; 3], (V, V)) {
    let (mpa, mpb) = (al.mask0(), bl.mask0());
    let (mr1, mr2) = (random.mask0(), random.shr::<1>().mask0());
    let mpab = mpa.xor(mpb);
    // The differences H(X⁰) ⊕ H(X¹) of each pair's hashes.
    let (xa, xb, xab) = (hl[0].xor(hl[1]), hl[2].xor(hl[3]), hl[4].xor(hl[5]));
    let (xah, xbh, xabh) = (hh[0].xor(hh[1]), hh[2].xor(hh[3]), hh[4].xor(hh[5]));

    // Control bits: z0 = bit(hA ⊕ hAB) ⊕ r1, z1 = bit(hB ⊕ hAB) ⊕ r2,
    // z2 = bit(xA) ⊕ w0, z3 = bit(xB) ⊕ w1, z4 = bit(xAB) ⊕ w2, with the
    // rule's offsets w = (1 ⊕ pa, 1 ⊕ pb, pa ⊕ pb); hX is the hash of the
    // colour-0 label.
    let habh = hh[4].xor(mpab.and(xabh));
    let z = bit::<V, 0>(hh[0].xor(mpa.and(xah)).xor(habh.xor(mr1)))
        .xor(bit::<V, 1>(hh[2].xor(mpb.and(xbh)).xor(habh.xor(mr2))))
        .xor(bit::<V, 2>(xah.xor(mpa)).xor(bit::<V, 3>(xbh.xor(mpb))))
        .xor(bit::<V, 4>(xabh.xor(mpab)).xor(V::splat(0b01100)));

    // The linear part, over the colour-0 labels α = A0 ⊕ pa·Δ and
    // β = B0 ⊕ pb·Δ, where Δ's share is simplest: with X = α_L ⊕ α_R ⊕
    // β_L, Y = α_L ⊕ β_R, Z = X ⊕ Y,
    //   G0 = α_R ⊕ β_R ⊕ pa·X ⊕ pb·Y ⊕ (pa ⊕ r2)·Δ_L ⊕ s·Δ_R,
    //   G1 = α_L ⊕ β_L ⊕ pa·Y ⊕ pb·Z ⊕ s·Δ_L ⊕ (pb ⊕ r1)·Δ_R,
    //   G2 = Y ⊕ pa·Z ⊕ pb·X ⊕ ¬(pb ⊕ r1)·Δ_L ⊕ ¬(pa ⊕ r2)·Δ_R,
    //   C  = (β_L, α_R) ⊕ r1·(X, Y) ⊕ r2·(Y, Z) ⊕ pa·pb·Δ,
    // with s = pa ⊕ pb ⊕ r1 ⊕ r2, plus the hash halves.
    let (al, ar) = (al.xor(mpa.and(dl)), ar.xor(mpa.and(dr)));
    let (bl, br) = (bl.xor(mpb.and(dl)), br.xor(mpb.and(dr)));
    let xx = al.xor(ar).xor(bl);
    let yy = al.xor(br);
    let zz = xx.xor(yy);
    let (m1, m2) = (mpa.xor(mr2), mpb.xor(mr1));
    let s = m1.xor(m2);
    let g0 = ar.xor(br).xor(mpa.and(xx)).xor(mpb.and(yy).xor(xa));
    let g0 = g0.xor(m1.and(dl).xor(s.and(dr)));
    let g1 = al.xor(bl).xor(mpa.and(yy)).xor(mpb.and(zz).xor(xb));
    let g1 = g1.xor(s.and(dl).xor(m2.and(dr)));
    let g2 = yy.xor(mpa.and(zz)).xor(mpb.and(xx).xor(xab));
    let g2 = g2.xor(m2.andn(dl).xor(m1.andn(dr)));

    let hab = hl[4].xor(mpab.and(xab));
    let ha = hl[0].xor(mpa.and(xa)).xor(hab);
    let hb = hl[2].xor(mpb.and(xb)).xor(hab);
    let mpp = mpa.and(mpb);
    let cl = bl.xor(mr1.and(xx)).xor(mr2.and(yy).xor(ha));
    let cr = ar.xor(mr1.and(yy)).xor(mr2.and(zz).xor(hb));
    (z, [g0, g1, g2], (cl.xor(mpp.and(dl)), cr.xor(mpp.and(dr))))
}

/// The evaluator's transposed three-halves gate step, one gate per lane,
/// from its active labels' halves `a`, `b`, the halves `(low, high)` of
/// `H(a), H(b), H(a⊕b)`, the rows `G0, G1, G2` and the control bits (bits
/// 0..5 of each lane): returns the output's active label's halves. The
/// rule's lookups become bit masks: `R = Rp[sa,sb] ⊕ r1·S1 ⊕ r2·S2`, where
/// `Rp` keeps `B_L` in row 0 when `sa = 0` and `A_R` in row 1 when
/// `sb = 0`, and `S1 = (X, Y)`, `S2 = (Y, Z)` for `X = A_L ⊕ A_R ⊕ B_L`,
/// `Y = A_L ⊕ B_R`, `Z = X ⊕ Y` (the module doc of [`three_halves`]).
#[inline(always)]
fn evaluate_step_3h<V: Lanes>(
    (al, ar): (V, V),
    (bl, br): (V, V),
    [(ha, ha_high), (hb, hb_high), (hab, hab_high)]: [(V, V); 3],
    [g0, g1, g2]: [V; 3],
    z: V,
) -> (V, V) {
    let (msa, msb) = (al.mask0(), bl.mask0());
    let msab = msa.xor(msb);
    // r1 = z0 ⊕ sa·z2 ⊕ (sa⊕sb)·z4 ⊕ bit(hA ⊕ hAB), r2 likewise
    // (`three_halves::EVAL_INDEX`), in bit 0 and then as masks.
    let hbits = msab.and(z.shr::<4>()).xor(hab_high);
    let r1 = z.xor(msa.and(z.shr::<2>())).xor(hbits.xor(ha_high));
    let r2 = z
        .shr::<1>()
        .xor(msb.and(z.shr::<3>()))
        .xor(hbits.xor(hb_high));
    let (mr1, mr2) = (r1.mask0(), r2.mask0());
    let xx = al.xor(ar).xor(bl);
    let yy = al.xor(br);
    let zz = xx.xor(yy);
    let g2 = msab.and(g2).xor(hab);
    let cl = ha.xor(g2).xor(msa.and(g0).xor(msa.andn(bl)));
    let cr = hb.xor(g2).xor(msb.and(g1).xor(msb.andn(ar)));
    (
        cl.xor(mr1.and(xx).xor(mr2.and(yy))),
        cr.xor(mr1.and(yy).xor(mr2.and(zz))),
    )
}

/// `[lo | hi]`.
#[inline(always)]
fn join(lo: __m128i, hi: __m128i) -> __m256i {
    // SAFETY: only called in code that holds a `W256` (a CPU with AVX2).
    unsafe { _mm256_inserti128_si256::<1>(_mm256_castsi128_si256(lo), hi) }
}

/// From registers `u = [X0 | X2]`, `v = [X1 | X3]` of four blocks: the low
/// halves `(X0_L, X1_L, X2_L, X3_L)` and the high halves, one per lane.
#[inline(always)]
fn halves_of_four(u: __m256i, v: __m256i) -> (__m256i, __m256i) {
    // SAFETY: only called in code that holds a `W256` (a CPU with AVX2).
    unsafe { (_mm256_unpacklo_epi64(u, v), _mm256_unpackhi_epi64(u, v)) }
}

/// Four three-halves gates garbled at once on 256 bits: the six blocks of
/// each gate are hashed as in [`garble_group_3h`] (with the same tweaks, in
/// another order: register `2k + p` holds block `k` of gates `p` and `p + 2`),
/// and then the gate step ([`garble_step_3h`]) runs with one gate per 64-bit
/// lane, so that no step is per gate.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn garble_four_3h(
    w: W256,
    rk: &[__m256i; 11],
    d: __m128i,
    t: u64,
    labels: &mut [Block],
    gates: &[AndGate],
    (halves, word, bits): (&mut [Block], usize, &mut [u8]),
) {
    assert!(gates.len() == 4 && bits.len() == 4 && word + 12 <= 2 * halves.len());
    // Every input of the group is read before any output is written.
    let a = |i: usize| load(&labels[gates[i].a as usize]);
    let b = |i: usize| load(&labels[gates[i].b as usize]);
    let (a02, a13) = (join(a(0), a(2)), join(a(1), a(3)));
    let (b02, b13) = (join(b(0), b(2)), join(b(1), b(3)));
    let random = u32::from_le_bytes([bits[0], bits[1], bits[2], bits[3]]);
    // SAFETY: a `W256` exists only on a CPU with AVX2.
    unsafe {
        let dd = _mm256_broadcastsi128_si256(d);
        let (ab02, ab13) = (w.xor(a02, b02), w.xor(a13, b13));
        let x = [
            a02,
            a13,
            w.xor(a02, dd),
            w.xor(a13, dd),
            b02,
            b13,
            w.xor(b02, dd),
            w.xor(b13, dd),
            ab02,
            ab13,
            w.xor(ab02, dd),
            w.xor(ab13, dd),
        ];
        // Block k of gate g has tweak t + 3g + k/2; register 2k + p holds
        // gates p and p + 2.
        let base = _mm256_set_epi64x(0, t.wrapping_add(6) as i64, 0, t as i64);
        let mut tw = [base; 12];
        for r in 0..12 {
            let o = (3 * (r % 2) + r / 4) as i64;
            tw[r] = _mm256_add_epi64(base, _mm256_set_epi64x(0, o, 0, o));
        }
        let h = tccr(w, rk, x, tw);

        // One gate per lane from here on, in gate order.
        let mut hl = [dd; 6];
        let mut hh = [dd; 6];
        for k in 0..6 {
            (hl[k], hh[k]) = halves_of_four(h[2 * k], h[2 * k + 1]);
        }
        let random = _mm256_cvtepu8_epi64(_mm_cvtsi32_si128(random as i32));
        let d = (_mm256_unpacklo_epi64(dd, dd), _mm256_unpackhi_epi64(dd, dd));
        let (a, b) = (halves_of_four(a02, a13), halves_of_four(b02, b13));
        let (z, [g0, g1, g2], (cl, cr)) = garble_step_3h(a, b, hl, hh, random, d);
        // Byte 0 of each lane to bytes 0..4, in gate order.
        let z = _mm256_shuffle_epi8(
            z,
            _mm256_set_epi64x(-1, -1 << 16 | 0x0800, -1, -1 << 16 | 0x0800),
        );
        let z = _mm_unpacklo_epi16(_mm256_castsi256_si128(z), _mm256_extracti128_si256::<1>(z));
        bits.copy_from_slice(&_mm_cvtsi128_si32(z).to_le_bytes());

        let (g01_02, g01_13) = halves_of_four(g0, g1);
        let (g2_01, g2_23) = (
            _mm256_castsi256_si128(g2),
            _mm256_extracti128_si256::<1>(g2),
        );
        let high = |v: __m128i| _mm_unpackhi_epi64(v, v);
        store_words(halves, word, _mm256_castsi256_si128(g01_02));
        store_word(halves, word + 2, g2_01);
        store_words(halves, word + 3, _mm256_castsi256_si128(g01_13));
        store_word(halves, word + 5, high(g2_01));
        store_words(halves, word + 6, _mm256_extracti128_si256::<1>(g01_02));
        store_word(halves, word + 8, g2_23);
        store_words(halves, word + 9, _mm256_extracti128_si256::<1>(g01_13));
        store_word(halves, word + 11, high(g2_23));

        let (c02, c13) = halves_of_four(cl, cr);
        store(
            &mut labels[gates[0].out as usize],
            _mm256_castsi256_si128(c02),
        );
        store(
            &mut labels[gates[1].out as usize],
            _mm256_castsi256_si128(c13),
        );
        store(
            &mut labels[gates[2].out as usize],
            _mm256_extracti128_si256::<1>(c02),
        );
        store(
            &mut labels[gates[3].out as usize],
            _mm256_extracti128_si256::<1>(c13),
        );
    }
}

/// How to make eight 64-bit lanes from three registers `v` with two
/// permutes: lane `q` takes lane `from[q].1` of `v[from[q].0]`. Returns the
/// lanes to pick from `v[0]`, `v[1]` (`+ 8` for `v[1]`), those to pick from
/// `v[2]`, and the mask of the lanes `v[2]` fills ([`select_3`]).
const fn selection(from: [(usize, usize); 8]) -> Selection {
    let (mut pair, mut third, mut mask) = ([0i64; 8], [0i64; 8], 0u8);
    let mut q = 0;
    while q < 8 {
        let (source, lane) = from[q];
        match source {
            0 | 1 => pair[q] = (lane + 8 * source) as i64,
            _ => {
                third[q] = lane as i64;
                mask |= 1 << q;
            }
        }
        q += 1;
    }
    (pair, third, mask)
}

/// A [`selection`]: lanes from the first two registers, from the third, and
/// the mask of the third's.
type Selection = ([i64; 8], [i64; 8], u8);

/// The eight lanes that `selection` describes, from `v`.
#[inline(always)]
fn select_3(v: [__m512i; 3], (pair, third, mask): &Selection) -> __m512i {
    // SAFETY: only called in code that holds a `W512` (a CPU with
    // AVX-512F); the loads read the eight `i64` of each array.
    unsafe {
        let r = _mm512_permutex2var_epi64(v[0], _mm512_loadu_epi64(pair.as_ptr()), v[1]);
        _mm512_mask_permutexvar_epi64(r, *mask, _mm512_loadu_epi64(third.as_ptr()), v[2])
    }
}

/// Eight gates' halves as a chunk holds them (`G0, G1, G2` of gate 0, then
/// of gate 1, …: 24 words, word `i` is lane `i / 3` of row `i % 3`) from
/// the rows (register `c` is `Gc` of the eight gates): [`garble_eight_3h`]'s
/// stores.
const ROWS_TO_WORDS: [Selection; 3] = {
    let mut out = [([0i64; 8], [0i64; 8], 0u8); 3];
    let mut m = 0;
    while m < 3 {
        let mut from = [(0, 0); 8];
        let mut q = 0;
        while q < 8 {
            let i = 8 * m + q;
            from[q] = (i % 3, i / 3);
            q += 1;
        }
        out[m] = selection(from);
        m += 1;
    }
    out
};

/// The rows from the three registers of 24 words in chunk order (the
/// inverse of [`ROWS_TO_WORDS`]): [`evaluate_sixteen_3h`]'s loads.
const WORDS_TO_ROWS: [Selection; 3] = {
    let mut out = [([0i64; 8], [0i64; 8], 0u8); 3];
    let mut c = 0;
    while c < 3 {
        let mut from = [(0, 0); 8];
        let mut g = 0;
        while g < 8 {
            let i = 3 * g + c;
            from[g] = (i / 8, i % 8);
            g += 1;
        }
        out[c] = selection(from);
        c += 1;
    }
    out
};

/// Eight three-halves gates garbled at once on 512 bits: as
/// [`garble_four_3h`], with register `2k + p` holding block `k` of gates
/// `p, p + 2, p + 4, p + 6` and one gate per 64-bit lane in the gate step.
/// On AVX-512 an `aesenc` on 512 bits runs four blocks and leaves ports free
/// for the gate step, which runs eight gates per instruction.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn garble_eight_3h(
    w: W512,
    rk: &[__m512i; 11],
    d: __m128i,
    t: u64,
    labels: &mut [Block],
    gates: &[AndGate],
    (halves, word, bits): (&mut [Block], usize, &mut [u8]),
) {
    assert!(gates.len() == 8 && bits.len() == 8 && word + 24 <= 2 * halves.len());
    // Every input of the group is read before any output is written.
    let a = |i: usize| load(&labels[gates[i].a as usize]);
    let b = |i: usize| load(&labels[gates[i].b as usize]);
    // Gates p, p + 2, p + 4, p + 6 in a register.
    let (ae, ao) = (w.gather(|j| a(2 * j)), w.gather(|j| a(2 * j + 1)));
    let (be, bo) = (w.gather(|j| b(2 * j)), w.gather(|j| b(2 * j + 1)));
    let random = u64::from_le_bytes(bits[..8].try_into().expect("eight gates"));
    // SAFETY: a `W512` exists only on a CPU with AVX-512F (and AVX2).
    unsafe {
        let dd = _mm512_broadcast_i32x4(d);
        let (abe, abo) = (w.xor(ae, be), w.xor(ao, bo));
        let x = [
            ae,
            ao,
            w.xor(ae, dd),
            w.xor(ao, dd),
            be,
            bo,
            w.xor(be, dd),
            w.xor(bo, dd),
            abe,
            abo,
            w.xor(abe, dd),
            w.xor(abo, dd),
        ];
        // Block k of gate g has tweak t + 3g + k/2; register 2k + p holds
        // gates p, p + 2, p + 4, p + 6.
        let at = |j: u64| t.wrapping_add(6 * j) as i64;
        let base = _mm512_set_epi64(0, at(3), 0, at(2), 0, at(1), 0, at(0));
        let mut tw = [base; 12];
        for r in 0..12 {
            let o = (3 * (r % 2) + r / 4) as i64;
            tw[r] = _mm512_add_epi64(base, _mm512_set_epi64(0, o, 0, o, 0, o, 0, o));
        }
        let h = tccr(w, rk, x, tw);

        // One gate per lane from here on, in gate order.
        let halves8 = |u, v| <__m512i as Lanes>::halves(u, v);
        let mut hl = [dd; 6];
        let mut hh = [dd; 6];
        for k in 0..6 {
            (hl[k], hh[k]) = halves8(h[2 * k], h[2 * k + 1]);
        }
        let random = _mm512_cvtepu8_epi64(_mm_cvtsi64_si128(random as i64));
        let d = halves8(dd, dd);
        let (a, b) = (halves8(ae, ao), halves8(be, bo));
        let (z, [g0, g1, g2], (cl, cr)) = garble_step_3h(a, b, hl, hh, random, d);
        // Byte 0 of each lane to bytes 0..8, in gate order.
        let z = _mm512_cvtepi64_epi8(z);
        bits.copy_from_slice(&_mm_cvtsi128_si64(z).to_le_bytes());

        // The 24 words G0, G1, G2 of gate 0, then of gate 1, …: three
        // stores of eight words, each gathered from the three rows.
        let out = halves.as_mut_ptr().cast::<u64>().add(word);
        for (m, selection) in ROWS_TO_WORDS.iter().enumerate() {
            // SAFETY (of the store): words `word..word + 24` lie inside
            // `halves` (asserted above); `storeu` needs no alignment.
            _mm512_storeu_epi64(out.add(8 * m).cast(), select_3([g0, g1, g2], selection));
        }

        // Lane j of `even` is gate 2j's label, of `odd` gate 2j + 1's.
        let (even, odd) = halves8(cl, cr);
        for j in 0..4 {
            store(&mut labels[gates[2 * j].out as usize], w.lane(even, j));
            store(&mut labels[gates[2 * j + 1].out as usize], w.lane(odd, j));
        }
    }
}

/// Garbles three-halves `gates` with hash tweaks from `t0`, as the gates
/// `from..` of a chunk whose blocks are `halves` (three words each,
/// `three_halves::word`) and whose control bytes are `bits` (one per gate:
/// the random bits on entry, the control bits on return): groups of
/// [`GROUP_3H`] registers, then one gate at a time.
///
/// # Panics
/// If the lengths disagree or a slot is out of `labels`.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn garble_gates_3h<W: Garble3h>(
    w: W,
    keys: &RoundKeys,
    delta: Block,
    deltas: &[[Block; 3]; 16],
    t0: u64,
    labels: &mut [Block],
    gates: &[AndGate],
    halves: &mut [Block],
    from: usize,
    bits: &mut [u8],
) {
    assert!(2 * halves.len() >= 3 * (from + gates.len()) && bits.len() == gates.len());
    let rk = w.round_keys(keys);
    let d = load(&delta);
    let per = GROUP_3H * W::LANES / 6;
    let (mut t, mut word) = (t0, 3 * from);
    let mut groups = gates.chunks_exact(per);
    let mut group_bits = bits.chunks_exact_mut(per);
    for (group, bits) in (&mut groups).zip(&mut group_bits) {
        let out = (&mut *halves, word, bits);
        w.garble_full_group(&rk, d, deltas, t, labels, group, out);
        t = t.wrapping_add(3 * per as u64);
        word += 3 * per;
    }
    // Then the rest.
    let done = gates.len() - groups.remainder().len();
    let out = (halves, from + done, group_bits.into_remainder());
    w.garble_rest(&rk, keys, delta, deltas, t, labels, groups.remainder(), out);
}

kernel! {
    @wide512
    /// Garbles three-halves `gates` with hash tweaks from `t0` (8 gates = 48
    /// blocks in flight on VAES-512, 4 gates on VAES, 2 on AES-NI).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn garble_3h = garble_gates_3h; (
        keys: &RoundKeys,
        delta: Block,
        deltas: &[[Block; 3]; 16],
        t0: u64,
        labels: &mut [Block],
        gates: &[AndGate],
        halves: &mut [Block],
        from: usize,
        bits: &mut [u8],
    )
}

/// Evaluates the three-halves gates of `R` registers (`R · LANES / 3`
/// gates): block `k` of the group is gate `k / 3`'s `a, b, a⊕b`, hashed with
/// tweak `t + k`, with its halves in `halves` from word `word` on.
#[inline(always)]
fn evaluate_group_3h<W: Width, const R: usize>(
    w: W,
    rk: &[W::R; 11],
    t: u64,
    labels: &mut [Block],
    gates: &[AndGate],
    (halves, word, bits): (&[Block], usize, &[u8]),
) {
    let n = R * W::LANES / 3;
    debug_assert!(n <= 2 * MAX_GROUP_GATES && gates.len() == n && bits.len() == n);
    // All inputs are read before any output is written.
    let zero = load(&Block::ZERO);
    let mut blocks = [zero; 6 * MAX_GROUP_GATES];
    for j in 0..n {
        let (a, b) = (
            load(&labels[gates[j].a as usize]),
            load(&labels[gates[j].b as usize]),
        );
        blocks[3 * j..3 * j + 3].copy_from_slice(&[a, b, xor128(a, b)]);
    }
    let h = tccr(w, rk, registers(w, &blocks), w.tweaks::<R>(t, 1));
    // Gates by threes of registers (`LANES` gates each), so that each
    // gate's lanes are known at compile time.
    debug_assert!(n.is_multiple_of(W::LANES));
    for t in 0..n / W::LANES {
        for e in 0..W::LANES {
            let hashes = core::array::from_fn(|i| {
                w.lane(h[3 * t + (3 * e + i) / W::LANES], (3 * e + i) % W::LANES)
            });
            let j = t * W::LANES + e;
            let (a, b) = (blocks[3 * j], blocks[3 * j + 1]);
            let k = word + 3 * j;
            // G2 is read with the word after it (the next gate's G0, or
            // padding).
            let g = [load_words(halves, k), load_words(halves, k + 2)];
            // SAFETY: SSE2 is part of the x86-64 baseline.
            let c = unsafe { eval_combine_3h(a, b, hashes, g, bits[j]) };
            store(&mut labels[gates[j].out as usize], c);
        }
    }
}

/// The three-halves evaluator's full group per register width: by default
/// (128 bits) [`evaluate_group_3h`], a gate's step at a time; on 256 bits
/// eight gates, four at once with one gate per 64-bit lane
/// ([`evaluate_eight_3h`]).
trait Evaluate3h: Width {
    /// Evaluates the [`GROUP_3H`] registers' gates as [`evaluate_group_3h`] does.
    #[inline(always)]
    fn evaluate_full_group(
        self,
        rk: &[Self::R; 11],
        t: u64,
        labels: &mut [Block],
        gates: &[AndGate],
        tables: (&[Block], usize, &[u8]),
    ) {
        evaluate_group_3h::<Self, GROUP_3H>(self, rk, t, labels, gates, tables);
    }

    /// Evaluates the gates after the full groups (fewer than a group) as
    /// [`evaluate_gates_3h`] does, from word `3 · from` of the chunk: a
    /// register's worth of gates at a time (two gates in three registers on
    /// 256 bits, one on 128), then a last odd gate on 128 bits.
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn evaluate_rest(
        self,
        rk: &[Self::R; 11],
        keys: &RoundKeys,
        t0: u64,
        labels: &mut [Block],
        gates: &[AndGate],
        (chunk, from, bits): (&[Block], usize, &[u8]),
    ) {
        let (mut t, mut word) = (t0, 3 * from);
        let mut rest = gates.chunks_exact(Self::LANES);
        let mut rest_bits = bits.chunks_exact(Self::LANES);
        for (gates, bits) in (&mut rest).zip(&mut rest_bits) {
            evaluate_group_3h::<Self, 3>(self, rk, t, labels, gates, (chunk, word, bits));
            t = t.wrapping_add(3 * Self::LANES as u64);
            word += 3 * Self::LANES;
        }
        if let ([gate], bits) = (rest.remainder(), rest_bits.remainder()) {
            let n = self.narrow();
            let gate = core::slice::from_ref(gate);
            let tables = (chunk, word, bits);
            evaluate_group_3h::<W128, 3>(n, &n.round_keys(keys), t, labels, gate, tables);
        }
    }
}

impl Evaluate3h for W128 {}

impl Evaluate3h for W512 {
    #[inline(always)]
    fn evaluate_full_group(
        self,
        rk: &[__m512i; 11],
        t: u64,
        labels: &mut [Block],
        gates: &[AndGate],
        tables: (&[Block], usize, &[u8]),
    ) {
        evaluate_sixteen_3h(self, rk, t, labels, gates, tables);
    }

    /// Fewer than sixteen gates: on 256 bits.
    #[inline(always)]
    fn evaluate_rest(
        self,
        _rk: &[__m512i; 11],
        keys: &RoundKeys,
        t0: u64,
        labels: &mut [Block],
        gates: &[AndGate],
        (chunk, from, bits): (&[Block], usize, &[u8]),
    ) {
        evaluate_gates_3h(self.half(), keys, t0, labels, gates, chunk, from, bits);
    }
}

impl Evaluate3h for W256 {
    #[inline(always)]
    fn evaluate_full_group(
        self,
        rk: &[__m256i; 11],
        t: u64,
        labels: &mut [Block],
        gates: &[AndGate],
        tables: (&[Block], usize, &[u8]),
    ) {
        evaluate_eight_3h(self, rk, t, labels, gates, tables);
    }
}

/// Eight three-halves gates evaluated on 256 bits: the three blocks of each
/// gate are hashed as in [`evaluate_group_3h`] (the same tweaks, in another
/// order: register `6q + 2k + p` holds block `k` of gates `4q + p` and
/// `4q + p + 2`), and then the gate step ([`evaluate_step_3h`]) runs for
/// four gates at once, one per 64-bit lane.
#[inline(always)]
fn evaluate_eight_3h(
    w: W256,
    rk: &[__m256i; 11],
    t: u64,
    labels: &mut [Block],
    gates: &[AndGate],
    (halves, word, bits): (&[Block], usize, &[u8]),
) {
    assert!(gates.len() == 8 && bits.len() == 8);
    // All inputs are read before any output is written.
    let a = |j: usize| load(&labels[gates[j].a as usize]);
    let b = |j: usize| load(&labels[gates[j].b as usize]);
    let mut x = [join(a(0), a(2)); 12];
    for q in 0..2 {
        let g = 4 * q;
        let (a02, a13) = (join(a(g), a(g + 2)), join(a(g + 1), a(g + 3)));
        let (b02, b13) = (join(b(g), b(g + 2)), join(b(g + 1), b(g + 3)));
        x[6 * q..6 * q + 6].copy_from_slice(&[
            a02,
            a13,
            b02,
            b13,
            w.xor(a02, b02),
            w.xor(a13, b13),
        ]);
    }
    // SAFETY: a `W256` exists only on a CPU with AVX2.
    unsafe {
        // Block k of gate g has tweak t + 3g + k.
        let base = _mm256_set_epi64x(0, t.wrapping_add(6) as i64, 0, t as i64);
        let mut tw = [base; 12];
        for r in 0..12 {
            let o = (12 * (r / 6) + 3 * (r % 2) + (r % 6) / 2) as i64;
            tw[r] = _mm256_add_epi64(base, _mm256_set_epi64x(0, o, 0, o));
        }
        let h = tccr(w, rk, x, tw);
        let mut out = [[_mm_setzero_si128(); 4]; 2];
        for q in 0..2 {
            let (x, h) = (&x[6 * q..6 * q + 6], &h[6 * q..6 * q + 6]);
            // One gate per lane, in gate order.
            let (al, ar) = halves_of_four(x[0], x[1]);
            let (bl, br) = halves_of_four(x[2], x[3]);
            let (ha, ha_high) = halves_of_four(h[0], h[1]);
            let (hb, hb_high) = halves_of_four(h[2], h[3]);
            let (hab, hab_high) = halves_of_four(h[4], h[5]);
            let k = word + 12 * q;
            let (g0, g1) = halves_of_four(
                join(load_words(halves, k), load_words(halves, k + 6)),
                join(load_words(halves, k + 3), load_words(halves, k + 9)),
            );
            let g2 = join(
                _mm_unpacklo_epi64(load_word(halves, k + 2), load_word(halves, k + 5)),
                _mm_unpacklo_epi64(load_word(halves, k + 8), load_word(halves, k + 11)),
            );
            let z = &bits[4 * q..4 * q + 4];
            let z = u32::from_le_bytes([z[0], z[1], z[2], z[3]]);
            let z = _mm256_cvtepu8_epi64(_mm_cvtsi32_si128(z as i32));
            let hashes = [(ha, ha_high), (hb, hb_high), (hab, hab_high)];
            let (cl, cr) = evaluate_step_3h((al, ar), (bl, br), hashes, [g0, g1, g2], z);
            let (c02, c13) = halves_of_four(cl, cr);
            out[q] = [
                _mm256_castsi256_si128(c02),
                _mm256_castsi256_si128(c13),
                _mm256_extracti128_si256::<1>(c02),
                _mm256_extracti128_si256::<1>(c13),
            ];
        }
        for j in 0..8 {
            store(&mut labels[gates[j].out as usize], out[j / 4][j % 4]);
        }
    }
}

/// Sixteen three-halves gates evaluated on 512 bits: as
/// [`evaluate_eight_3h`], with register `6q + 2k + p` holding block `k` of
/// gates `8q + p, 8q + p + 2, 8q + p + 4, 8q + p + 6`, and the gate step
/// run for eight gates at once, one per 64-bit lane.
#[inline(always)]
fn evaluate_sixteen_3h(
    w: W512,
    rk: &[__m512i; 11],
    t: u64,
    labels: &mut [Block],
    gates: &[AndGate],
    (halves, word, bits): (&[Block], usize, &[u8]),
) {
    assert!(gates.len() == 16 && bits.len() == 16 && word + 48 <= 2 * halves.len());
    // All inputs are read before any output is written.
    let a = |j: usize| load(&labels[gates[j].a as usize]);
    let b = |j: usize| load(&labels[gates[j].b as usize]);
    // SAFETY: a `W512` exists only on a CPU with AVX-512F.
    let mut x = [unsafe { _mm512_setzero_si512() }; 12];
    for q in 0..2 {
        // Gates 8q + p, 8q + p + 2, 8q + p + 4, 8q + p + 6 in a register.
        let (even, odd) = (|j| 8 * q + 2 * j, |j| 8 * q + 2 * j + 1);
        let (ae, ao) = (w.gather(|j| a(even(j))), w.gather(|j| a(odd(j))));
        let (be, bo) = (w.gather(|j| b(even(j))), w.gather(|j| b(odd(j))));
        x[6 * q..6 * q + 6].copy_from_slice(&[ae, ao, be, bo, w.xor(ae, be), w.xor(ao, bo)]);
    }
    // SAFETY: a `W512` exists only on a CPU with AVX-512F (and AVX2).
    unsafe {
        // Block k of gate g has tweak t + 3g + k.
        let at = |j: u64| t.wrapping_add(6 * j) as i64;
        let base = _mm512_set_epi64(0, at(3), 0, at(2), 0, at(1), 0, at(0));
        let mut tw = [base; 12];
        for r in 0..12 {
            let o = (24 * (r / 6) + 3 * (r % 2) + (r % 6) / 2) as i64;
            tw[r] = _mm512_add_epi64(base, _mm512_set_epi64(0, o, 0, o, 0, o, 0, o));
        }
        let h = tccr(w, rk, x, tw);
        let halves8 = |u, v| <__m512i as Lanes>::halves(u, v);
        let mut out = [(x[0], x[0]); 2];
        for q in 0..2 {
            let (x, h) = (&x[6 * q..6 * q + 6], &h[6 * q..6 * q + 6]);
            // One gate per lane, in gate order.
            let (al, ar) = halves8(x[0], x[1]);
            let (bl, br) = halves8(x[2], x[3]);
            let (ha, ha_high) = halves8(h[0], h[1]);
            let (hb, hb_high) = halves8(h[2], h[3]);
            let (hab, hab_high) = halves8(h[4], h[5]);
            // The 24 words of the eight gates' halves (inside `halves`, as
            // asserted above; `loadu` needs no alignment), split into rows.
            let from = halves.as_ptr().cast::<u64>().add(word + 24 * q);
            let v = [0, 1, 2].map(|m| _mm512_loadu_epi64(from.add(8 * m).cast()));
            let [g0, g1, g2] = WORDS_TO_ROWS
                .each_ref()
                .map(|selection| select_3(v, selection));
            let z = u64::from_le_bytes(bits[8 * q..8 * q + 8].try_into().expect("eight gates"));
            let z = _mm512_cvtepu8_epi64(_mm_cvtsi64_si128(z as i64));
            let hashes = [(ha, ha_high), (hb, hb_high), (hab, hab_high)];
            let (cl, cr) = evaluate_step_3h((al, ar), (bl, br), hashes, [g0, g1, g2], z);
            out[q] = halves8(cl, cr);
        }
        // Lane j of `even` is gate 8q + 2j's label, of `odd` gate 8q + 2j + 1's.
        for (q, (even, odd)) in out.into_iter().enumerate() {
            for j in 0..4 {
                store(
                    &mut labels[gates[8 * q + 2 * j].out as usize],
                    w.lane(even, j),
                );
                store(
                    &mut labels[gates[8 * q + 2 * j + 1].out as usize],
                    w.lane(odd, j),
                );
            }
        }
    }
}

/// Evaluates three-halves `gates` with hash tweaks from `t0`, as the gates
/// `from..` of the chunk `chunk` (halves read in place) with one byte of
/// control `bits` per gate: groups of [`GROUP_3H`] registers, prefetching the
/// chunk ahead, then a register's worth of gates at a time (two gates in
/// three registers on VAES, one on AES-NI), then a last odd gate on 128 bits.
///
/// # Panics
/// If the lengths disagree or a slot is out of `labels`.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn evaluate_gates_3h<W: Evaluate3h>(
    w: W,
    keys: &RoundKeys,
    t0: u64,
    labels: &mut [Block],
    gates: &[AndGate],
    chunk: &[Block],
    from: usize,
    bits: &[u8],
) {
    assert!(bits.len() == gates.len());
    let rk = w.round_keys(keys);
    let per = GROUP_3H * W::LANES / 3;
    let (mut t, mut word) = (t0, 3 * from);
    let mut groups = gates.chunks_exact(per);
    let mut group_bits = bits.chunks_exact(per);
    for (group, bits) in (&mut groups).zip(&mut group_bits) {
        // A group's halves are 3·per words, 4 blocks per cache line.
        for line in 0..3 * per / 8 {
            super::prefetch(chunk, (word / 2 + PREFETCH_TABLE_BLOCKS + 4 * line) as u32);
        }
        w.evaluate_full_group(&rk, t, labels, group, (chunk, word, bits));
        t = t.wrapping_add(3 * per as u64);
        word += 3 * per;
    }
    let done = gates.len() - groups.remainder().len();
    let tables = (chunk, from + done, group_bits.remainder());
    w.evaluate_rest(&rk, keys, t, labels, groups.remainder(), tables);
}

kernel! {
    @wide512
    /// Evaluates three-halves `gates` with hash tweaks from `t0` (16 gates =
    /// 48 blocks in flight on VAES-512, 8 gates on VAES, 4 on AES-NI).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn evaluate_3h = evaluate_gates_3h; (
        keys: &RoundKeys,
        t0: u64,
        labels: &mut [Block],
        gates: &[AndGate],
        chunk: &[Block],
        from: usize,
        bits: &[u8],
    )
}
