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

/// Two rows over `(A_L, A_R, B_L, B_R)` (masks `lo`, `hi`, as in a [`Rule`]
/// or `R`) as the four block masks that [`linear`] applies: the pair's value
/// on labels `A`, `B` is `m0·A ⊕ m1·swap(A) ⊕ m2·B ⊕ m3·swap(B)` (`·` bitwise
/// and, `swap` exchanging a block's halves), the low half being row `lo`'s.
/// Kept as blocks so that a SIMD kernel applies them with four `and`s.
const fn pair_masks(lo: u8, hi: u8) -> [Block; 4] {
    [
        Block::from_halves(ones(lo, 0), ones(hi, 1)),
        Block::from_halves(ones(lo, 1), ones(hi, 0)),
        Block::from_halves(ones(lo, 2), ones(hi, 3)),
        Block::from_halves(ones(lo, 3), ones(hi, 2)),
    ]
}

/// `m·(a, b)` for [`pair_masks`] `m`.
#[inline(always)]
fn linear(m: &[Block; 4], a: Block, b: Block) -> Block {
    (m[0] & a) ^ (m[1] & a.swap_halves()) ^ (m[2] & b) ^ (m[3] & b.swap_halves())
}

/// Two lane masks: all ones in the low half if `lo`, in the high half if `hi`.
const fn lanes(lo: bool, hi: bool) -> Block {
    Block::from_halves(0u64.wrapping_sub(lo as u64), 0u64.wrapping_sub(hi as u64))
}

/// What the garbler looks up per gate, by rule `pa | pb << 1 | rand << 2`
/// (the permute bits and the two random bits). Δ's share of the linear
/// part is per garbler ([`delta_rows`]).
#[derive(Clone, Copy, Debug)]
pub(crate) struct GarbleRule {
    /// The linear parts of the row pairs `(C_L, C_R)`, `(G0, G1)` and
    /// `(G2, 0)` over the zero labels `A0, B0` ([`pair_masks`]).
    pub(crate) pairs: [[Block; 4]; 3],
    /// Which hash of each pair is of the colour-0 label: `(pa, pb)` and
    /// `(pa ⊕ pb, pa ⊕ pb)` as lane masks.
    pub(crate) colour: [Block; 2],
    /// What the control bits add to the hash bits: the random bits, and the
    /// offsets `w` in `z2, z3, z4`.
    pub(crate) z: u8,
}

/// [`GarbleRule`] for every rule, from [`RULES`].
pub(crate) static GARBLE_RULES: [GarbleRule; 16] = {
    let empty = GarbleRule {
        pairs: [[Block::ZERO; 4]; 3],
        colour: [Block::ZERO; 2],
        z: 0,
    };
    let mut table = [empty; 16];
    let mut rule = 0;
    while rule < 16 {
        let rows = RULES[rule].rows;
        let (pa, pb) = (rule & 1 == 1, rule & 2 == 2);
        table[rule] = GarbleRule {
            pairs: [
                pair_masks(rows[0], rows[1]),
                pair_masks(rows[2], rows[3]),
                pair_masks(rows[4], 0),
            ],
            colour: [lanes(pa, pb), lanes(pa != pb, pa != pb)],
            z: (rule >> 2) as u8 ^ RULES[rule].w << 2,
        };
        rule += 1;
    }
    table
};

/// Δ's share of every rule's row pairs (as in [`GarbleRule::pairs`]), for a
/// garbler whose Δ is `delta` (a secret: the garbler zeroizes it with Δ).
pub(crate) fn delta_rows(delta: Block) -> [[Block; 3]; 16] {
    let row = |mask: u8| (ones(mask, 4) & delta.low()) ^ (ones(mask, 5) & delta.high());
    let mut out = [[Block::ZERO; 3]; 16];
    for (pairs, rule) in out.iter_mut().zip(RULES.iter()) {
        let r = rule.rows;
        *pairs = [
            Block::from_halves(row(r[0]), row(r[1])),
            Block::from_halves(row(r[2]), row(r[3])),
            Block::from_halves(row(r[4]), 0),
        ];
    }
    out
}

/// What the evaluator looks up per gate, by `sa | sb << 1 | r1 << 2 | r2 << 3`
/// (the colours and the decoded `r1`, `r2`; see [`EVAL_INDEX`]).
#[derive(Clone, Copy, Debug)]
pub(crate) struct EvalRule {
    /// `R` as [`pair_masks`] (rows `R₀`, `R₁`).
    pub(crate) r: [Block; 4],
    /// Which halves count: `(sa, sb)` for `(G0, G1)` and `(sa ⊕ sb, sa ⊕ sb)`
    /// for `G2`, as lane masks.
    pub(crate) g: [Block; 2],
}

/// [`EvalRule`] for every `sa | sb << 1 | r1 << 2 | r2 << 3`.
pub(crate) static EVAL_RULES: [EvalRule; 16] = {
    let empty = EvalRule {
        r: [Block::ZERO; 4],
        g: [Block::ZERO; 2],
    };
    let mut table = [empty; 16];
    let mut j = 0;
    while j < 16 {
        let r = r_matrix(j & 3, ((j >> 2) & 1) as u8, (j >> 3) as u8);
        let (sa, sb) = (j & 1 == 1, j & 2 == 2);
        table[j] = EvalRule {
            r: pair_masks(r[0], r[1]),
            g: [lanes(sa, sb), lanes(sa != sb, sa != sb)],
        };
        j += 1;
    }
    table
};

/// The evaluator's rule index ([`EVAL_RULES`]) for every `z | s << 5 | hb << 7`:
/// the gate's five control bits `z`, its colours `s = sa | sb << 1`, and
/// `hb = bit(hA) ⊕ bit(hAB) | (bit(hB) ⊕ bit(hAB)) << 1`. It decodes
/// `r1 = z0 ⊕ sa·z2 ⊕ (sa⊕sb)·z4 ⊕ bit(hA) ⊕ bit(hAB)` and
/// `r2 = z1 ⊕ sb·z3 ⊕ (sa⊕sb)·z4 ⊕ bit(hB) ⊕ bit(hAB)` (the module doc).
pub(crate) static EVAL_INDEX: [u8; 512] = {
    let mut table = [0u8; 512];
    let mut i = 0;
    while i < 512 {
        let (z, s, hb) = ((i & 31) as u8, ((i >> 5) & 3) as u8, (i >> 7) as u8);
        let (sa, sb) = (s & 1, s >> 1);
        let z4 = (sa ^ sb) & (z >> 4);
        let r1 = (z ^ (sa & (z >> 2)) ^ z4 ^ hb) & 1;
        let r2 = ((z >> 1) ^ (sb & (z >> 3)) ^ z4 ^ (hb >> 1)) & 1;
        table[i] = s | r1 << 2 | r2 << 3;
        i += 1;
    }
    table
};

/// `(x_L, y_L)`: the low halves of two blocks.
#[inline(always)]
fn low_halves(x: Block, y: Block) -> Block {
    Block::from_halves(x.low(), y.low())
}

/// `(x_H, y_H)`: the high halves of two blocks.
#[inline(always)]
fn high_halves(x: Block, y: Block) -> Block {
    Block::from_halves(x.high(), y.high())
}

/// The control bit of a hash output (bit 64).
#[inline(always)]
fn bit(h: Block) -> u8 {
    (h.high() & 1) as u8
}

/// Bit 0 of each half of `x`: the low half's as bit 0, the high's as bit 1.
#[inline(always)]
fn lsbs(x: Block) -> u8 {
    (x.low() & 1) as u8 | ((x.high() & 1) as u8) << 1
}

/// Word `k` of a chunk's halves: the halves are 64-bit words, a block's low
/// half first, gate `i`'s `G0, G1, G2` at words `3i..3i+3`.
#[inline(always)]
pub(crate) fn word(blocks: &[Block], k: usize) -> u64 {
    let b = blocks[k / 2];
    if k.is_multiple_of(2) {
        b.low()
    } else {
        b.high()
    }
}

/// Sets word `k` of a chunk's halves ([`word`]).
#[inline(always)]
pub(crate) fn set_word(blocks: &mut [Block], k: usize, v: u64) {
    let b = &mut blocks[k / 2];
    *b = if k.is_multiple_of(2) {
        Block::from_halves(v, b.high())
    } else {
        Block::from_halves(b.low(), v)
    };
}

/// The control bits of a chunk of gates, one byte per gate (bit `k` =
/// `z_k`); the halves are written and read in place in the chunk's blocks
/// ([`word`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct ControlBits {
    pub(crate) bits: Vec<u8>,
}

/// Eight 5-bit fields, one in the low bits of each byte of `x`, as one
/// 40-bit string (field `j` at bits `5j..5j + 5`); the top three bytes zero.
#[inline(always)]
fn squeeze(x: u64) -> u64 {
    let x = x & 0x1f1f_1f1f_1f1f_1f1f;
    let x = (x & 0x001f_001f_001f_001f) | ((x & 0x1f00_1f00_1f00_1f00) >> 3);
    let x = (x & 0x0000_03ff_0000_03ff) | ((x & 0x03ff_0000_03ff_0000) >> 6);
    (x & 0x0000_0000_000f_ffff) | ((x & 0x000f_ffff_0000_0000) >> 12)
}

/// The inverse of [`squeeze`]: the low 40 bits of `x` as eight 5-bit
/// fields, one per byte.
#[inline(always)]
fn spread(x: u64) -> u64 {
    let x = (x & 0x0000_0000_000f_ffff) | ((x << 12) & 0x000f_ffff_0000_0000);
    let x = (x & 0x0000_03ff_0000_03ff) | ((x << 6) & 0x03ff_0000_03ff_0000);
    (x & 0x001f_001f_001f_001f) | ((x << 3) & 0x1f00_1f00_1f00_1f00)
}

impl ControlBits {
    /// Room for `gates` gates.
    pub(crate) fn new(gates: usize) -> ControlBits {
        ControlBits {
            bits: vec![0; gates],
        }
    }

    /// Completes the tables of a chunk of `n` gates whose halves are already
    /// in `out` (exactly [`table_blocks`]`(n)` long): the padding half, if
    /// any, set to zero, then the control bits, as the module doc lays out.
    pub(crate) fn pack(&self, n: usize, out: &mut [Block]) {
        assert!(n <= crate::garble::TABLE_CHUNK_GATES && out.len() == table_blocks(n));
        let (halves, bits) = out.split_at_mut(half_blocks(n));
        if n % 2 == 1 {
            set_word(halves, 3 * n, 0);
        }
        // The control bits as a little-endian bit string: eight gates'
        // 40 bits are five bytes, written as a word whose top three bytes
        // (zero) the next group overwrites.
        let mut bytes = [0u8; 16 * CONTROL_BLOCKS_MAX + 8];
        for (k, group) in self.bits[..n].chunks(8).enumerate() {
            let mut z = [0u8; 8];
            z[..group.len()].copy_from_slice(group);
            let word = squeeze(u64::from_le_bytes(z));
            bytes[5 * k..5 * k + 8].copy_from_slice(&word.to_le_bytes());
        }
        let bytes = &bytes[..16 * bits.len()];
        for (block, chunk) in bits.iter_mut().zip(bytes.chunks_exact(16)) {
            *block = Block::from_bytes(chunk.try_into().expect("16 bytes"));
        }
    }

    /// Unpacks the control bits of `n` gates from `blocks` (a whole chunk's
    /// tables, exactly [`table_blocks`]`(n)` long).
    pub(crate) fn unpack(&mut self, blocks: &[Block], n: usize) {
        assert!(n <= crate::garble::TABLE_CHUNK_GATES && blocks.len() == table_blocks(n));
        let bits = &blocks[half_blocks(n)..];
        let mut bytes = [0u8; 16 * CONTROL_BLOCKS_MAX + 8];
        for (chunk, block) in bytes.chunks_exact_mut(16).zip(bits) {
            chunk.copy_from_slice(&block.to_bytes());
        }
        for (k, group) in self.bits[..n].chunks_mut(8).enumerate() {
            let word: [u8; 8] = bytes[5 * k..5 * k + 8].try_into().expect("8 bytes");
            let z = spread(u64::from_le_bytes(word)).to_le_bytes();
            group.copy_from_slice(&z[..group.len()]);
        }
    }
}

/// Garbles one AND gate. `a0`, `b0` are the zero labels, `rand` two fresh
/// secret random bits (the low two), `deltas` the garbler's [`delta_rows`],
/// and `h` the six hashes `H(A0,3g), H(A0⊕Δ,3g), H(B0,3g+1), H(B0⊕Δ,3g+1),
/// H(A0⊕B0,3g+2), H(A0⊕B0⊕Δ,3g+2)` (the order
/// [`crate::hash::TweakableHash::hash_pairs_delta`] gives for inputs `A0, B0,
/// A0⊕B0`). Returns the output zero label, the gate's halves `G0, G1, G2`
/// and its control bits. The SIMD kernels (`garble::x86`) compute the same,
/// register for register.
#[inline(always)]
pub(crate) fn garble_gate(
    a0: Block,
    b0: Block,
    rand: u8,
    deltas: &[[Block; 3]; 16],
    h: &[Block],
) -> (Block, [u64; 3], u8) {
    let rule = a0.lsb() as usize | (b0.lsb() as usize) << 1 | (rand as usize & 3) << 2;
    let (g, d) = (&GARBLE_RULES[rule], &deltas[rule]);
    // Each pair's two hashes differ by x; the one of colour 0 is the first
    // if the zero label has colour 0, else the second.
    let (xa, xb, xab) = (h[0] ^ h[1], h[2] ^ h[3], h[4] ^ h[5]);
    let x_low = low_halves(xa, xb);
    let h_low = low_halves(h[0], h[2]) ^ (x_low & g.colour[0]);
    let h_high = high_halves(h[0], h[2]) ^ (high_halves(xa, xb) & g.colour[0]);
    let hab = h[4] ^ (xab & g.colour[1]);
    // The linear part (Δ's share, then the labels'), then the hash halves.
    let c = d[0] ^ linear(&g.pairs[0], a0, b0) ^ h_low ^ low_halves(hab, hab);
    let g01 = d[1] ^ linear(&g.pairs[1], a0, b0) ^ x_low;
    let g2 = d[2] ^ linear(&g.pairs[2], a0, b0) ^ xab;
    // Control bits: bit(hA) ⊕ bit(hAB), bit(hB) ⊕ bit(hAB), bit(xA), bit(xB),
    // bit(xAB), then the random bits and the offsets.
    let bits =
        lsbs(h_high ^ high_halves(hab, hab)) | lsbs(high_halves(xa, xb)) << 2 | bit(xab) << 4;
    (c, [g01.low(), g01.high(), g2.low()], bits ^ g.z)
}

/// Evaluates one AND gate on active labels `a`, `b` with `h` the hashes
/// `H(A,3g), H(B,3g+1), H(A⊕B,3g+2)`, the gate's three `halves` and its
/// control bits `z`. Returns the output's active label.
#[inline(always)]
pub(crate) fn evaluate_gate(a: Block, b: Block, h: &[Block], halves: [u64; 3], z: u8) -> Block {
    let s = a.lsb() as usize | (b.lsb() as usize) << 1;
    let hb = lsbs(high_halves(h[0] ^ h[2], h[1] ^ h[2])) as usize;
    let e = &EVAL_RULES[EVAL_INDEX[(z & 31) as usize | s << 5 | hb << 7] as usize];
    let g01 = Block::from_halves(halves[0], halves[1]);
    let g2 = Block::from_halves(halves[2], halves[2]);
    let c = low_halves(h[0], h[1]) ^ low_halves(h[2], h[2]);
    c ^ (g01 & e.g[0]) ^ (g2 & e.g[1]) ^ linear(&e.r, a, b)
}

/// The most blocks of control bits in a chunk.
const CONTROL_BLOCKS_MAX: usize = (5 * crate::garble::TABLE_CHUNK_GATES).div_ceil(128);

/// Blocks that carry `gates` gates' halves (two halves a block).
pub(crate) const fn half_blocks(gates: usize) -> usize {
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
    /// The closed forms the VAES kernels compute instead of looking the
    /// rules up (`garble::x86::garble_four_3h`, `evaluate_eight_3h`), against
    /// every solved rule: with X = A_L ⊕ A_R ⊕ B_L, Y = A_L ⊕ B_R, Z = X ⊕ Y
    /// over the colour-0 labels α = A0 ⊕ pa·Δ, β = B0 ⊕ pb·Δ.
    #[test]
    fn rules_in_closed_form() {
        let (x, y) = (AL ^ AR ^ BL, AL ^ BR);
        let z = x ^ y;
        let pick = |bit: u8, mask: u8| if bit == 1 { mask } else { 0 };
        // A row over (α, β) and Δ as a row over (A0, B0) and Δ.
        let over_zero_labels = |lin: u8, dl: u8, dr: u8, pa: u8, pb: u8| {
            let dl = dl ^ (pa & lin & 1) ^ (pb & (lin >> 2) & 1);
            let dr = dr ^ (pa & (lin >> 1) & 1) ^ (pb & (lin >> 3) & 1);
            lin | dl << 4 | dr << 5
        };
        for (i, rule) in RULES.iter().enumerate() {
            let (pa, pb) = ((i & 1) as u8, ((i >> 1) & 1) as u8);
            let (r1, r2) = (((i >> 2) & 1) as u8, (i >> 3) as u8);
            let s = pa ^ pb ^ r1 ^ r2;
            let rows = [
                (BL ^ pick(r1, x) ^ pick(r2, y), pa & pb, 0),
                (AR ^ pick(r1, y) ^ pick(r2, z), 0, pa & pb),
                (AR ^ BR ^ pick(pa, x) ^ pick(pb, y), pa ^ r2, s),
                (AL ^ BL ^ pick(pa, y) ^ pick(pb, z), s, pb ^ r1),
                (y ^ pick(pa, z) ^ pick(pb, x), 1 ^ pb ^ r1, 1 ^ pa ^ r2),
            ];
            let expected = rows.map(|(lin, dl, dr)| over_zero_labels(lin, dl, dr, pa, pb));
            assert_eq!(rule.rows, expected, "rule {i}");
            assert_eq!(
                rule.w,
                (1 ^ pa) | (1 ^ pb) << 1 | (pa ^ pb) << 2,
                "rule {i}"
            );
        }
        // The evaluator's R = Rp[sa, sb] ⊕ r1·S1 ⊕ r2·S2.
        assert_eq!((S1, S2), ([x, y], [y, z]));
        for (s, rp) in RP.iter().enumerate() {
            let (sa, sb) = ((s & 1) as u8, (s >> 1) as u8);
            assert_eq!(*rp, [pick(1 ^ sa, BL), pick(1 ^ sb, AR)]);
        }
    }

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
            let (c0, halves, z) = garble_gate(a0, b0, rand, &delta_rows(delta), &h);
            for a in [false, true] {
                for b in [false, true] {
                    let (x, y) = (a0 ^ delta.select(a), b0 ^ delta.select(b));
                    let he = [hash(x, 0), hash(y, 1), hash(x ^ y, 2)];
                    let c = evaluate_gate(x, y, &he, halves, z);
                    assert_eq!(c, c0 ^ delta.select(a && b), "trial {trial} a {a} b {b}");
                }
            }
        }
    }

    #[test]
    fn pack_round_trips_every_length() {
        let mut prg = Prg::new(Block(3));
        for n in [0, 1, 2, 3, 24, 25, 26, 51, 52, 100, 1023, 1024] {
            // Stale blocks, as in a reused chunk buffer.
            let mut blocks = vec![Block::ONES; table_blocks(n)];
            let mut halves = vec![0u64; 3 * n];
            let mut control = ControlBits::new(n);
            for (i, z) in control.bits.iter_mut().enumerate() {
                let r = prg.random_block();
                let s = prg.random_block();
                halves[3 * i..3 * i + 3].copy_from_slice(&[r.low(), r.high(), s.low()]);
                *z = (s.high() & 0x1f) as u8;
            }
            for (k, &h) in halves.iter().enumerate() {
                set_word(&mut blocks, k, h);
            }
            control.pack(n, &mut blocks);
            // Each gate's halves are where the module doc puts them, the
            // padding half is zero, and gate i's control bits are bits
            // 5i..5i+5 of the bit blocks.
            for (k, &h) in halves.iter().enumerate() {
                let b = blocks[k / 2];
                assert_eq!(if k % 2 == 0 { b.low() } else { b.high() }, h);
            }
            if n % 2 == 1 {
                assert_eq!(blocks[half_blocks(n) - 1].high(), 0, "{n} gates");
            }
            let bits = &blocks[half_blocks(n)..];
            for (i, &z) in control.bits.iter().enumerate() {
                let got = (0..5).fold(0u8, |acc, j| {
                    let p = 5 * i + j;
                    acc | (((bits[p / 128].0 >> (p % 128)) & 1) as u8) << j
                });
                assert_eq!(got, z, "{n} gates, gate {i}");
            }
            let mut back = ControlBits::new(n + 5);
            back.unpack(&blocks, n);
            assert_eq!(back.bits[..n], control.bits[..], "{n} gates");
            for (k, &h) in halves.iter().enumerate() {
                assert_eq!(word(&blocks, k), h);
            }
        }
        assert_eq!(table_blocks(1024), 1536 + 40);
    }
}
