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
struct Rule {
    rows: [u8; 5],
    w: u8,
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
const fn derive_rule(pa: u8, pb: u8, rand: u8) -> Option<Rule> {
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
static RULES: [Rule; 16] = {
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

/// All ones if bit `i` of `mask` is set, else zero.
const fn ones(mask: u8, i: usize) -> u64 {
    0u64.wrapping_sub(((mask >> i) & 1) as u64)
}

/// The garbler's linear part as masks, per rule: `COLUMNS[rule][i][k]` is
/// all ones where row `k` of the rule (`C_L, C_R, G0, G1, G2`) takes label
/// half `i` (`A0_L, A0_R, B0_L, B0_R`). Δ's share is per garbler
/// ([`delta_rows`]).
static COLUMNS: [[[u64; 5]; 4]; 16] = {
    let mut table = [[[0u64; 5]; 4]; 16];
    let mut rule = 0;
    while rule < 16 {
        let mut i = 0;
        while i < 4 {
            let mut k = 0;
            while k < 5 {
                table[rule][i][k] = ones(RULES[rule].rows[k], i);
                k += 1;
            }
            i += 1;
        }
        rule += 1;
    }
    table
};

/// Δ's share of every rule's rows, for a garbler whose Δ is `delta` (a
/// secret: the garbler zeroizes it with Δ).
pub(crate) fn delta_rows(delta: Block) -> [[u64; 5]; 16] {
    let mut out = [[0u64; 5]; 16];
    for (rows, rule) in out.iter_mut().zip(RULES.iter()) {
        for (row, &mask) in rows.iter_mut().zip(&rule.rows) {
            *row = (ones(mask, 4) & delta.low()) ^ (ones(mask, 5) & delta.high());
        }
    }
    out
}

/// The evaluator's `R` as masks, for every `s | r1 << 2 | r2 << 3`:
/// `EVAL_COLUMNS[..][k][i]` is all ones where row `k` of `R` takes half `i`
/// of `(A_L, A_R, B_L, B_R)`.
static EVAL_COLUMNS: [[[u64; 4]; 2]; 16] = {
    let mut table = [[[0u64; 4]; 2]; 16];
    let mut j = 0;
    while j < 16 {
        let r = r_matrix(j & 3, ((j >> 2) & 1) as u8, (j >> 3) as u8);
        let mut k = 0;
        while k < 2 {
            let mut i = 0;
            while i < 4 {
                table[j][k][i] = ones(r[k], i);
                i += 1;
            }
            k += 1;
        }
        j += 1;
    }
    table
};

/// The hash half and control bit of a hash output.
#[inline(always)]
fn half(h: Block) -> u64 {
    h.low()
}

#[inline(always)]
fn bit(h: Block) -> u8 {
    (h.high() & 1) as u8
}

/// The tables of a chunk of gates: gate `i`'s halves at `halves[3i..3i+3]`,
/// its five control bits in `bits[i]` (bit `k` = `z_k`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Tables {
    pub(crate) halves: Vec<u64>,
    pub(crate) bits: Vec<u8>,
}

impl Tables {
    /// Room for `gates` gates.
    pub(crate) fn new(gates: usize) -> Tables {
        Tables {
            halves: vec![0; 3 * gates],
            bits: vec![0; gates],
        }
    }

    /// Packs the first `n` gates into `out` (exactly [`table_blocks`]`(n)`
    /// long), as the module doc lays out; padding is zero.
    pub(crate) fn pack(&self, n: usize, out: &mut [Block]) {
        assert!(n <= crate::garble::TABLE_CHUNK_GATES && out.len() == table_blocks(n));
        let (halves, bits) = out.split_at_mut(half_blocks(n));
        let words = &self.halves[..3 * n];
        let pairs = words.chunks_exact(2);
        let odd = pairs.remainder().first().copied();
        for (block, pair) in halves.iter_mut().zip(pairs) {
            *block = Block::from_halves(pair[0], pair[1]);
        }
        if let (Some(low), Some(last)) = (odd, halves.last_mut()) {
            *last = Block::from_halves(low, 0);
        }
        // The control bits as a little-endian bit string: eight gates'
        // 40 bits are five bytes.
        let mut bytes = [0u8; 16 * CONTROL_BLOCKS_MAX];
        let bytes = &mut bytes[..16 * bits.len()];
        for (group, out) in self.bits[..n].chunks(8).zip(bytes.chunks_mut(5)) {
            let mut word = 0u64;
            for (j, &z) in group.iter().enumerate() {
                word |= ((z & 0x1f) as u64) << (5 * j);
            }
            out.copy_from_slice(&word.to_le_bytes()[..out.len()]);
        }
        for (block, chunk) in bits.iter_mut().zip(bytes.chunks_exact(16)) {
            *block = Block::from_bytes(chunk.try_into().expect("16 bytes"));
        }
    }

    /// Unpacks `n` gates from `blocks` (exactly [`table_blocks`]`(n)` long).
    pub(crate) fn unpack(&mut self, blocks: &[Block], n: usize) {
        assert!(n <= crate::garble::TABLE_CHUNK_GATES && blocks.len() == table_blocks(n));
        let (halves, bits) = blocks.split_at(half_blocks(n));
        let words = &mut self.halves[..3 * n];
        let mut pairs = words.chunks_exact_mut(2);
        for (pair, block) in (&mut pairs).zip(halves) {
            pair[0] = block.low();
            pair[1] = block.high();
        }
        if let (Some(low), Some(last)) = (pairs.into_remainder().first_mut(), halves.last()) {
            *low = last.low();
        }
        let mut bytes = [0u8; 16 * CONTROL_BLOCKS_MAX];
        for (chunk, block) in bytes.chunks_exact_mut(16).zip(bits) {
            chunk.copy_from_slice(&block.to_bytes());
        }
        for (group, input) in self.bits[..n].chunks_mut(8).zip(bytes.chunks(5)) {
            let mut word = [0u8; 8];
            word[..5].copy_from_slice(input);
            let word = u64::from_le_bytes(word);
            for (j, z) in group.iter_mut().enumerate() {
                *z = (word >> (5 * j)) as u8 & 0x1f;
            }
        }
    }
}

/// Garbles one AND gate. `a0`, `b0` are the zero labels, `rand` two fresh
/// secret random bits, `deltas` the garbler's [`delta_rows`], and `h` the six
/// hashes `H(A0,3g), H(A0⊕Δ,3g), H(B0,3g+1), H(B0⊕Δ,3g+1), H(A0⊕B0,3g+2),
/// H(A0⊕B0⊕Δ,3g+2)` (the order [`crate::hash::TweakableHash::hash_pairs_delta`]
/// gives for inputs `A0, B0, A0⊕B0`). Returns the output zero label.
#[inline(always)]
pub(crate) fn garble_gate(
    a0: Block,
    b0: Block,
    rand: u8,
    deltas: &[[u64; 5]; 16],
    h: &[Block],
    halves: &mut [u64],
    bits: &mut u8,
) -> Block {
    let (pa, pb) = (a0.lsb() as u8, b0.lsb() as u8);
    // The hash of colour 0 of each pair: the first if the zero label has
    // colour 0, else the second.
    let (xa, xb, xab) = (h[0] ^ h[1], h[2] ^ h[3], h[4] ^ h[5]);
    let ha = h[0] ^ xa.select(pa == 1);
    let hb = h[2] ^ xb.select(pb == 1);
    let hab = h[4] ^ xab.select(pa != pb);
    let rule = (pa | pb << 1 | (rand & 3) << 2) as usize;
    // The linear part: Δ's share, then each label half's column.
    let d = &deltas[rule];
    let c = &COLUMNS[rule];
    let (x0, x1, x2, x3) = (a0.low(), a0.high(), b0.low(), b0.high());
    let row = |k: usize| d[k] ^ (c[0][k] & x0) ^ (c[1][k] & x1) ^ (c[2][k] & x2) ^ (c[3][k] & x3);
    halves[0] = row(2) ^ half(xa);
    halves[1] = row(3) ^ half(xb);
    halves[2] = row(4) ^ half(xab);
    // Control bits: the hash bits, then the random bits and the offsets.
    let hbits = (bit(ha) ^ bit(hab))
        | (bit(hb) ^ bit(hab)) << 1
        | bit(xa) << 2
        | bit(xb) << 3
        | bit(xab) << 4;
    *bits = hbits ^ (rand & 3) ^ (RULES[rule].w << 2);
    Block::from_halves(row(0) ^ half(ha) ^ half(hab), row(1) ^ half(hb) ^ half(hab))
}

/// Evaluates one AND gate on active labels `a`, `b` with `h` the hashes
/// `H(A,3g), H(B,3g+1), H(A⊕B,3g+2)`, the gate's three `halves` and its
/// control bits `z`. Returns the output's active label.
#[inline(always)]
pub(crate) fn evaluate_gate(a: Block, b: Block, h: &[Block], halves: &[u64], z: u8) -> Block {
    let (sa, sb) = (a.lsb() as u8, b.lsb() as u8);
    let r1 = (z ^ (sa & (z >> 2)) ^ ((sa ^ sb) & (z >> 4)) ^ bit(h[0]) ^ bit(h[2])) & 1;
    let r2 = ((z >> 1) ^ (sb & (z >> 3)) ^ ((sa ^ sb) & (z >> 4)) ^ bit(h[1]) ^ bit(h[2])) & 1;
    let [m0, m1] = &EVAL_COLUMNS[(sa | sb << 1 | r1 << 2 | r2 << 3) as usize];
    let x = [a.low(), a.high(), b.low(), b.high()];
    let (g0, g1, g2) = (halves[0], halves[1], halves[2]);
    let h2 = half(h[2]) ^ (g2 & ones(sa ^ sb, 0));
    let c_l = half(h[0]) ^ h2 ^ (g0 & ones(sa, 0));
    let c_r = half(h[1]) ^ h2 ^ (g1 & ones(sb, 0));
    let c_l = c_l ^ (m0[0] & x[0]) ^ (m0[1] & x[1]) ^ (m0[2] & x[2]) ^ (m0[3] & x[3]);
    let c_r = c_r ^ (m1[0] & x[0]) ^ (m1[1] & x[1]) ^ (m1[2] & x[2]) ^ (m1[3] & x[3]);
    Block::from_halves(c_l, c_r)
}

/// The most blocks of control bits in a chunk.
const CONTROL_BLOCKS_MAX: usize = (5 * crate::garble::TABLE_CHUNK_GATES).div_ceil(128);

/// Blocks that carry `gates` gates' halves (two halves a block).
const fn half_blocks(gates: usize) -> usize {
    (3 * gates).div_ceil(2)
}

/// Blocks that carry `gates` gates' tables: the halves, then the control
/// bits.
pub(crate) const fn table_blocks(gates: usize) -> usize {
    half_blocks(gates) + (5 * gates).div_ceil(128)
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
                let r = r_matrix(s, r1, r2);
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
            let (mut halves, mut z) = ([0u64; 3], 0u8);
            let c0 = garble_gate(a0, b0, rand, &delta_rows(delta), &h, &mut halves, &mut z);
            for a in [false, true] {
                for b in [false, true] {
                    let (x, y) = (a0 ^ delta.select(a), b0 ^ delta.select(b));
                    let he = [hash(x, 0), hash(y, 1), hash(x ^ y, 2)];
                    let c = evaluate_gate(x, y, &he, &halves, z);
                    assert_eq!(c, c0 ^ delta.select(a && b), "trial {trial} a {a} b {b}");
                }
            }
        }
    }

    #[test]
    fn pack_round_trips_every_length() {
        let mut prg = Prg::new(Block(3));
        for n in [0, 1, 2, 3, 24, 25, 26, 51, 52, 100, 1023, 1024] {
            let mut tables = Tables::new(n);
            for (i, z) in tables.bits.iter_mut().enumerate() {
                let r = prg.random_block();
                let s = prg.random_block();
                tables.halves[3 * i..3 * i + 3].copy_from_slice(&[r.low(), r.high(), s.low()]);
                *z = (s.high() & 0x1f) as u8;
            }
            let mut blocks = vec![Block::ONES; table_blocks(n)];
            tables.pack(n, &mut blocks);
            // Each gate's halves are where the module doc puts them.
            for k in 0..3 * n {
                let b = blocks[k / 2];
                let word = if k % 2 == 0 { b.low() } else { b.high() };
                assert_eq!(word, tables.halves[k]);
            }
            let mut back = Tables::new(n + 5);
            back.unpack(&blocks, n);
            assert_eq!(back.halves[..3 * n], tables.halves[..], "{n} gates");
            assert_eq!(back.bits[..n], tables.bits[..], "{n} gates");
        }
        assert_eq!(table_blocks(1024), 1536 + 40);
    }
}
