//! Three-halves garbling: 1.5κ + 5 bits per AND gate, free XOR kept
//! (Rosulek–Roy, "Three Halves Make a Whole? Beating the Half-Gates Lower
//! Bound for Garbled Circuits", CRYPTO 2021, ePrint 2021/749, §5 "slicing
//! and dicing").
//!
//! **Slicing.** A label is two 64-bit halves, `X = (X_L, X_R)` (`X_L` the low
//! half, whose lsb is the colour bit). The hash `h(x, t)` is the low half of
//! the tweakable hash `H(x, t)` ([`crate::hash`]) and its *control bit* is bit
//! 64 of it. For AND gate `g` the tweaks are `3g`, `3g+1`, `3g+2`.
//!
//! **Evaluating** with labels `A`, `B` of colours `sa`, `sb`, the gate's three
//! halves `G0, G1, G2` and five control bits `z`: with `hA = h(A, 3g)`,
//! `hB = h(B, 3g+1)`, `hAB = h(A⊕B, 3g+2)` and their control bits,
//! ```text
//! r1 = z0 ⊕ sa·z2 ⊕ (sa⊕sb)·z4 ⊕ bit(hA) ⊕ bit(hAB)
//! r2 = z1 ⊕ sb·z3 ⊕ (sa⊕sb)·z4 ⊕ bit(hB) ⊕ bit(hAB)
//! R  = Rp[sa,sb] ⊕ r1·S1 ⊕ r2·S2                       (a 2×4 bit matrix)
//! C_L = hA ⊕ hAB ⊕ sa·G0 ⊕ (sa⊕sb)·G2 ⊕ R₀·(A_L, A_R, B_L, B_R)
//! C_R = hB ⊕ hAB ⊕ sb·G1 ⊕ (sa⊕sb)·G2 ⊕ R₁·(A_L, A_R, B_L, B_R)
//! ```
//! The 2×3 matrix that multiplies `G` (and `z2..z4`) is the paper's public
//! `V[sa,sb]`; `Rp`, `S1`, `S2` are its "dicing" matrices: the evaluator's
//! `R` is uniform over the coset `Rp[sa,sb] + span(S1, S2)` whatever the
//! truth values, because the garbler picks two fresh random bits per gate.
//!
//! **Garbling.** The garbler knows both labels of each input, so it knows
//! what every colour pair must yield (`C0 ⊕ ab·Δ`), and solves the four
//! pairs' equations for `C0` and `G`. The linear part of that solution is a
//! 5×6 bit matrix over `(A0_L, A0_R, B0_L, B0_R, Δ_L, Δ_R)` that depends only
//! on the permute bits and the two random bits: [`RULES`] holds all sixteen,
//! derived at compile time from `V`, `Rp`, `S1`, `S2` by
//! [`derive_rule`] (a failed derivation stops the build). The hash part is
//! the same for every gate: `C_L ⊕= h(A⁰) ⊕ h(AB⁰)`, `C_R ⊕= h(B⁰) ⊕ h(AB⁰)`,
//! `G0 ⊕= h(A⁰) ⊕ h(A¹)` and so on, where `X^c` is the label of colour `c`.
//!
//! Cost: the garbler hashes six blocks per gate (half-gates: four), the
//! evaluator three (half-gates: two); the tables are 24 bytes and 5 bits per
//! gate (half-gates: 32 bytes). A chunk of `n` gates is `⌈3n/2⌉` blocks of
//! halves (gate `i`'s `G0, G1, G2` are halves `3i..3i+3`, a block's low half
//! first) and `⌈5n/128⌉` blocks of control bits (gate `i`'s at bits
//! `5i..5i+5`): 24.625 bytes per AND gate in a full chunk.

use crate::block::Block;

/// Masks over the evaluator's four label halves (a row of `R`); a row of a
/// [`Rule`] adds Δ's halves as bits 4 and 5.
const AL: u8 = 1;
const AR: u8 = 2;
const BL: u8 = 4;
const BR: u8 = 8;

/// `Rp[s]` for colours `s = sa | sb << 1`, as rows `[R₀, R₁]`.
const RP: [[u8; 2]; 4] = [[BL, AR], [0, AR], [BL, 0], [0, 0]];
/// The two dicing directions.
const S1: [u8; 2] = [AL | AR | BL, AL | BR];
const S2: [u8; 2] = [AL | BR, AR | BL | BR];

/// The rows of `V[sa, sb]` over `(G0, G1, G2)` (bit `k` = `G_k`).
const fn v_rows(sa: u8, sb: u8) -> [u8; 2] {
    [sa | ((sa ^ sb) << 2), (sb << 1) | ((sa ^ sb) << 2)]
}

const fn parity(x: u8) -> u8 {
    (x.count_ones() & 1) as u8
}

/// `Rp[s] ⊕ r1·S1 ⊕ r2·S2`.
const fn r_matrix(s: usize, r1: u8, r2: u8) -> [u8; 2] {
    let m1 = 0u8.wrapping_sub(r1);
    let m2 = 0u8.wrapping_sub(r2);
    [
        RP[s][0] ^ (m1 & S1[0]) ^ (m2 & S2[0]),
        RP[s][1] ^ (m1 & S1[1]) ^ (m2 & S2[1]),
    ]
}

/// What the garbler computes for one gate, given its permute bits and two
/// random bits: the linear part of `C_L, C_R, G0, G1, G2` (masks over
/// `AL..DR` of the zero labels and Δ) and the offsets `w` of `z2, z3, z4`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Rule {
    pub(crate) rows: [u8; 5],
    pub(crate) w: u8,
}

/// Row `k` of what colour pair `s` must add to `[I | V_s]·(C0, G)` in the
/// linear inputs, for truth values `a`, `b`: the evaluator's `R_k·(A, B)` is
/// `R_k·(A0, B0) ⊕ (a·R_k[A] ⊕ b·R_k[B])·Δ`, and the pair must reach
/// `C0 ⊕ ab·Δ`.
const fn target_row(r: u8, a: u8, b: u8, k: usize) -> u8 {
    let dl = (a & r & 1) ^ (b & (r >> 2) & 1);
    let dr = (a & (r >> 1) & 1) ^ (b & (r >> 3) & 1);
    ((r & 0xf) | (dl << 4) | (dr << 5)) ^ ((a & b) << (4 + k))
}

/// Solves the gate for permute bits `pa`, `pb` and random bits `rand`
/// (`r1 | r2 << 1` of colour pair 00). For each choice of `w` (which sets the
/// other pairs' control bits, `r_s = rand ⊕ V_s·w`) the four pairs give eight
/// row equations in the five unknown rows of `(C0, G)`; `[I | V_00]` fixes
/// `C0`, pair 11 fixes `G0`, `G1`, pair 01 `G2`, and the other three rows
/// must agree. Returns the first `w` for which they do.
pub(crate) const fn derive_rule(pa: u8, pb: u8, rand: u8) -> Option<Rule> {
    let mut w = 0u8;
    while w < 8 {
        // t[s] = the two target rows of colour pair s.
        let mut t = [[0u8; 2]; 4];
        let mut s = 0;
        while s < 4 {
            let (sa, sb) = ((s & 1) as u8, (s >> 1) as u8);
            let v = v_rows(sa, sb);
            let r1 = (rand & 1) ^ parity(v[0] & w);
            let r2 = ((rand >> 1) & 1) ^ parity(v[1] & w);
            let r = r_matrix(s, r1, r2);
            let (a, b) = (sa ^ pa, sb ^ pb);
            t[s] = [target_row(r[0], a, b, 0), target_row(r[1], a, b, 1)];
            s += 1;
        }
        let c = t[0];
        let g0 = t[3][0] ^ c[0];
        let g1 = t[3][1] ^ c[1];
        let g2 = t[2][0] ^ c[0];
        // s = 2 is (sa, sb) = (0, 1): rows G2 and G1 ⊕ G2;
        // s = 1 is (1, 0): rows G0 ⊕ G2 and G2.
        if t[2][1] ^ c[1] == g1 ^ g2 && t[1][0] ^ c[0] == g0 ^ g2 && t[1][1] ^ c[1] == g2 {
            return Some(Rule {
                rows: [c[0], c[1], g0, g1, g2],
                w,
            });
        }
        w += 1;
    }
    None
}

/// [`derive_rule`] for every `pa | pb << 1 | rand << 2`.
pub(crate) const RULES: [Rule; 16] = {
    let mut rules = [Rule { rows: [0; 5], w: 0 }; 16];
    let mut i = 0;
    while i < 16 {
        let (pa, pb, rand) = ((i & 1) as u8, ((i >> 1) & 1) as u8, (i >> 2) as u8);
        rules[i] = match derive_rule(pa, pb, rand) {
            Some(rule) => rule,
            None => panic!("three-halves: no consistent garbling rule"),
        };
        i += 1;
    }
    rules
};

/// The evaluator's `R` rows for every `s | r1 << 2 | r2 << 3`.
const EVAL_R: [[u8; 2]; 16] = {
    let mut table = [[0u8; 2]; 16];
    let mut i = 0;
    while i < 16 {
        table[i] = r_matrix(i & 3, ((i >> 2) & 1) as u8, (i >> 3) as u8);
        i += 1;
    }
    table
};

/// All ones if bit `i` of `mask` is set, else zero.
#[inline(always)]
fn ones(mask: u8, i: u32) -> u64 {
    0u64.wrapping_sub(((mask >> i) & 1) as u64)
}

/// `row · inputs` over GF(2): the XOR of the inputs whose bit is set.
#[inline(always)]
fn dot<const N: usize>(row: u8, inputs: &[u64; N]) -> u64 {
    let mut acc = 0;
    for (i, x) in inputs.iter().enumerate() {
        acc ^= ones(row, i as u32) & x;
    }
    acc
}

/// The hash half and control bit of a hash output.
#[inline(always)]
fn half(h: Block) -> u64 {
    h.low()
}

#[inline(always)]
fn bit(h: Block) -> u8 {
    (h.high() & 1) as u8
}

/// One garbled gate: its three halves and five control bits (bit `k` = `z_k`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct GateTable {
    pub(crate) halves: [u64; 3],
    pub(crate) z: u8,
}

/// Garbles one AND gate. `a0`, `b0` are the zero labels, `rand` two fresh
/// secret random bits, and `h` the six hashes
/// `H(A0,3g), H(A0⊕Δ,3g), H(B0,3g+1), H(B0⊕Δ,3g+1), H(A0⊕B0,3g+2),
/// H(A0⊕B0⊕Δ,3g+2)` (the order [`crate::hash::TweakableHash::hash_pairs_delta`]
/// gives for inputs `A0, B0, A0⊕B0`). Returns the output zero label.
#[inline(always)]
pub(crate) fn garble_gate(
    a0: Block,
    b0: Block,
    delta: Block,
    rand: u8,
    h: &[Block],
    table: &mut GateTable,
) -> Block {
    let (pa, pb) = (a0.lsb() as u8, b0.lsb() as u8);
    // The hash of colour 0 of each pair: the first if the zero label has
    // colour 0, else the second.
    let (xa, xb, xab) = (h[0] ^ h[1], h[2] ^ h[3], h[4] ^ h[5]);
    let ha = h[0] ^ xa.select(pa == 1);
    let hb = h[2] ^ xb.select(pb == 1);
    let hab = h[4] ^ xab.select(pa != pb);
    let rule = &RULES[(pa | pb << 1 | (rand & 3) << 2) as usize];
    let inputs = [
        a0.low(),
        a0.high(),
        b0.low(),
        b0.high(),
        delta.low(),
        delta.high(),
    ];
    let c_l = dot(rule.rows[0], &inputs) ^ half(ha) ^ half(hab);
    let c_r = dot(rule.rows[1], &inputs) ^ half(hb) ^ half(hab);
    table.halves = [
        dot(rule.rows[2], &inputs) ^ half(xa),
        dot(rule.rows[3], &inputs) ^ half(xb),
        dot(rule.rows[4], &inputs) ^ half(xab),
    ];
    let z0 = (rand & 1) ^ bit(ha) ^ bit(hab);
    let z1 = ((rand >> 1) & 1) ^ bit(hb) ^ bit(hab);
    let z2 = (rule.w & 1) ^ bit(xa);
    let z3 = ((rule.w >> 1) & 1) ^ bit(xb);
    let z4 = ((rule.w >> 2) & 1) ^ bit(xab);
    table.z = z0 | z1 << 1 | z2 << 2 | z3 << 3 | z4 << 4;
    Block::from_halves(c_l, c_r)
}

/// Evaluates one AND gate on active labels `a`, `b` with `h` the hashes
/// `H(A,3g), H(B,3g+1), H(A⊕B,3g+2)`. Returns the output's active label.
#[inline(always)]
pub(crate) fn evaluate_gate(a: Block, b: Block, h: &[Block], table: &GateTable) -> Block {
    let (sa, sb) = (a.lsb() as u8, b.lsb() as u8);
    let z = table.z;
    let zb = |k: u8| (z >> k) & 1;
    let r1 = zb(0) ^ (sa & zb(2)) ^ ((sa ^ sb) & zb(4)) ^ bit(h[0]) ^ bit(h[2]);
    let r2 = zb(1) ^ (sb & zb(3)) ^ ((sa ^ sb) & zb(4)) ^ bit(h[1]) ^ bit(h[2]);
    let r = &EVAL_R[(sa | sb << 1 | r1 << 2 | r2 << 3) as usize];
    let inputs = [a.low(), a.high(), b.low(), b.high()];
    let [g0, g1, g2] = table.halves;
    let g2 = g2 & ones(sa ^ sb, 0);
    let c_l = half(h[0]) ^ half(h[2]) ^ (g0 & ones(sa, 0)) ^ g2 ^ dot(r[0], &inputs);
    let c_r = half(h[1]) ^ half(h[2]) ^ (g1 & ones(sb, 0)) ^ g2 ^ dot(r[1], &inputs);
    Block::from_halves(c_l, c_r)
}

/// Blocks that carry `gates` gates' tables.
pub const fn table_blocks(gates: usize) -> usize {
    (3 * gates).div_ceil(2) + (5 * gates).div_ceil(128)
}

/// Packs `tables` into `out` (exactly [`table_blocks`] long), as the module
/// doc lays out; padding is zero.
pub(crate) fn pack(tables: &[GateTable], out: &mut [Block]) {
    let n = tables.len();
    debug_assert_eq!(out.len(), table_blocks(n));
    let (halves, bits) = out.split_at_mut((3 * n).div_ceil(2));
    let mut flat = tables.iter().flat_map(|t| t.halves);
    for block in halves.iter_mut() {
        let low = flat.next().unwrap_or(0);
        let high = flat.next().unwrap_or(0);
        *block = Block::from_halves(low, high);
    }
    bits.fill(Block::ZERO);
    for (i, t) in tables.iter().enumerate() {
        let at = 5 * i;
        let z = (t.z & 0x1f) as u128;
        bits[at / 128].0 |= z << (at % 128);
        if at % 128 > 123 {
            bits[at / 128 + 1].0 |= z >> (128 - at % 128);
        }
    }
}

/// Unpacks `blocks` (exactly [`table_blocks`]`(out.len())` long) into `out`.
pub(crate) fn unpack(blocks: &[Block], out: &mut [GateTable]) {
    let n = out.len();
    debug_assert_eq!(blocks.len(), table_blocks(n));
    let (halves, bits) = blocks.split_at((3 * n).div_ceil(2));
    let half_at = |k: usize| {
        let b = halves[k / 2];
        if k.is_multiple_of(2) {
            b.low()
        } else {
            b.high()
        }
    };
    for (i, t) in out.iter_mut().enumerate() {
        t.halves = [half_at(3 * i), half_at(3 * i + 1), half_at(3 * i + 2)];
        let at = 5 * i;
        let mut z = bits[at / 128].0 >> (at % 128);
        if at % 128 > 123 {
            z |= bits[at / 128 + 1].0 << (128 - at % 128);
        }
        t.z = (z & 0x1f) as u8;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prg::Prg;

    /// Every rule solves all four colour pairs exactly (not just the three
    /// consistency checks): replaying the evaluator's equations on the
    /// rule's rows gives `C0 ⊕ ab·Δ` for every pair, with the symbolic
    /// inputs as bit masks.
    #[test]
    fn every_rule_solves_every_colour_pair() {
        for (i, rule) in RULES.iter().enumerate() {
            let (pa, pb, rand) = ((i & 1) as u8, ((i >> 1) & 1) as u8, (i >> 2) as u8);
            assert!(solves(rule, pa, pb, rand), "rule {i}");
        }
    }

    /// Whether `rule` gives every colour pair `C0 ⊕ ab·Δ` in the linear
    /// inputs (bit masks over `A0_L..B0_R, Δ_L, Δ_R`).
    fn solves(rule: &Rule, pa: u8, pb: u8, rand: u8) -> bool {
        {
            for s in 0..4usize {
                let (sa, sb) = ((s & 1) as u8, (s >> 1) as u8);
                let (a, b) = (sa ^ pa, sb ^ pb);
                let v = v_rows(sa, sb);
                let r1 = (rand & 1) ^ parity(v[0] & rule.w);
                let r2 = ((rand >> 1) & 1) ^ parity(v[1] & rule.w);
                let r = EVAL_R[s | (r1 as usize) << 2 | (r2 as usize) << 3];
                for k in 0..2 {
                    // The evaluator's row k over (A0_L..B0_R, Δ_L, Δ_R):
                    // V_s·G, then R_k·(A, B) with A = A0 ⊕ aΔ, B = B0 ⊕ bΔ.
                    let mut row = 0;
                    for g in 0..3 {
                        if v[k] >> g & 1 == 1 {
                            row ^= rule.rows[2 + g];
                        }
                    }
                    let dl = (a & r[k] & 1) ^ (b & (r[k] >> 2) & 1);
                    let dr = (a & (r[k] >> 1) & 1) ^ (b & (r[k] >> 3) & 1);
                    row ^= r[k] | dl << 4 | dr << 5;
                    // It must be C0's row plus ab·Δ_k.
                    if row != rule.rows[k] ^ ((a & b) << (4 + k)) {
                        return false;
                    }
                }
            }
        }
        true
    }

    /// Dicing: for each colour pair, whatever the permute bits (so whatever
    /// the truth values behind the colours), the `R` the evaluator decodes
    /// takes each of the four matrices of the coset `Rp[s] + span(S1, S2)`
    /// for exactly one of the four random bit pairs. And the control-bit
    /// offsets are the paper's `w = (¬pa, ¬pb, pa⊕pb)`, one per gate whatever
    /// its random bits, and the only ones that solve it.
    #[test]
    fn dicing_hides_the_truth_values() {
        let coset = |s: usize| {
            let mut all: Vec<[u8; 2]> = (0..4).map(|i| r_matrix(s, i & 1, i >> 1)).collect();
            all.sort();
            all
        };
        for s in 0..4usize {
            let (sa, sb) = ((s & 1) as u8, (s >> 1) as u8);
            assert_eq!(coset(s).windows(2).filter(|w| w[0] == w[1]).count(), 0);
            for p in 0..4usize {
                let mut seen: Vec<[u8; 2]> = (0..4usize)
                    .map(|rand| {
                        let rule = RULES[p | rand << 2];
                        let v = v_rows(sa, sb);
                        let r1 = (rand as u8 & 1) ^ parity(v[0] & rule.w);
                        let r2 = ((rand as u8 >> 1) & 1) ^ parity(v[1] & rule.w);
                        r_matrix(s, r1, r2)
                    })
                    .collect();
                seen.sort();
                assert_eq!(seen, coset(s), "pair {s}, permute bits {p}");
            }
        }
        for (i, found) in RULES.iter().enumerate() {
            let (pa, pb) = ((i & 1) as u8, ((i >> 1) & 1) as u8);
            assert_eq!(found.w, (1 ^ pa) | (1 ^ pb) << 1 | (pa ^ pb) << 2);
            let solutions = (0..8u8)
                .filter(|&w| {
                    let mut rule = *found;
                    rule.w = w;
                    solves(&rule, pa, pb, (i >> 2) as u8)
                })
                .count();
            assert_eq!(solutions, 1, "rule {i}");
        }
    }

    /// Garbling then evaluating one gate yields `C0 ⊕ ab·Δ` for every input
    /// pair, permute bits and random bits, with real hash outputs (random
    /// blocks stand in for the hash: correctness holds for any function).
    #[test]
    fn gate_truth_table_all_cases() {
        let mut prg = Prg::new(Block(7));
        for trial in 0..200 {
            let delta = prg.random_delta().block();
            let mut a0 = prg.random_block();
            let mut b0 = prg.random_block();
            // Force every permute-bit combination.
            a0 = Block(a0.0 & !1 | (trial & 1) as u128);
            b0 = Block(b0.0 & !1 | ((trial >> 1) & 1) as u128);
            let rand = ((trial >> 2) & 3) as u8;
            // A "hash": a fixed random function of (label, tweak).
            let key = prg.random_block();
            let hash =
                |x: Block, t: u64| crate::aes::Aes128::new(key).encrypt_block(x ^ Block(t as u128));
            let inputs = [a0, b0, a0 ^ b0];
            let mut h = [Block::ZERO; 6];
            for (j, x) in inputs.iter().enumerate() {
                h[2 * j] = hash(*x, j as u64);
                h[2 * j + 1] = hash(*x ^ delta, j as u64);
            }
            let mut table = GateTable::default();
            let c0 = garble_gate(a0, b0, delta, rand, &h, &mut table);
            for a in [false, true] {
                for b in [false, true] {
                    let (x, y) = (a0 ^ delta.select(a), b0 ^ delta.select(b));
                    let he = [hash(x, 0), hash(y, 1), hash(x ^ y, 2)];
                    let c = evaluate_gate(x, y, &he, &table);
                    assert_eq!(c, c0 ^ delta.select(a && b), "trial {trial} a {a} b {b}");
                }
            }
        }
    }

    #[test]
    fn pack_round_trips_every_length() {
        let mut prg = Prg::new(Block(3));
        for n in [0, 1, 2, 3, 24, 25, 26, 51, 52, 100, 1023, 1024] {
            let tables: Vec<GateTable> = (0..n)
                .map(|_| {
                    let r = prg.random_block();
                    let s = prg.random_block();
                    GateTable {
                        halves: [r.low(), r.high(), s.low()],
                        z: (s.high() & 0x1f) as u8,
                    }
                })
                .collect();
            let mut blocks = vec![Block::ONES; table_blocks(n)];
            pack(&tables, &mut blocks);
            let mut back = vec![GateTable::default(); n];
            unpack(&blocks, &mut back);
            assert_eq!(back, tables, "{n} gates");
        }
        assert_eq!(table_blocks(1024), 1536 + 40);
    }
}
