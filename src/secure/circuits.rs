//! The circuits of `gc2pc circuit gen`, written as programs on the secure
//! integers: one definition is the Bristol file ([`super::write_bristol`],
//! streamed, any size), the in-memory circuit of the tests and benchmarks
//! ([`Generator::circuit`]), the plaintext reference and a garbled session
//! without a file ([`Generator::run`]).
//!
//! Every kind takes the garbler's value as input group 0 and the
//! evaluator's as group 1, least significant bit first, and reveals its
//! output groups to the evaluator.

use super::{Bit, Ctx, Error, Party, RevealTo, Secure, Word};
use crate::circuit::Circuit;

/// Which comparison [`Generator::Compare`] computes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Comparison {
    /// `a < b`
    Lt,
    /// `a > b`
    Gt,
    /// `a ≤ b`
    Le,
    /// `a ≥ b`
    Ge,
}

/// Which PSI circuit [`Generator::Psi`] builds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PsiVariant {
    /// [`psi_pairwise`]: O(n²·w) ANDs, one output bit per evaluator element.
    Pairwise,
    /// [`psi_sort`]: O(n log n · w) ANDs, the sorted intersection.
    Sort,
}

/// The largest `n` for which [`PsiVariant::default_for`] picks the pairwise
/// variant. At 32-bit elements the sort variant has fewer ANDs from n = 28 on
/// (24 891 vs 25 060); below that, pairwise is cheaper, much shallower, and
/// accepts sets in any order.
pub const PSI_PAIRWISE_MAX_N: usize = 24;

impl PsiVariant {
    /// Pairwise for `n ≤` [`PSI_PAIRWISE_MAX_N`], sort above.
    pub fn default_for(n: usize) -> PsiVariant {
        if n <= PSI_PAIRWISE_MAX_N {
            PsiVariant::Pairwise
        } else {
            PsiVariant::Sort
        }
    }
}

/// The default lane width of the and-heavy circuit.
pub const AND_HEAVY_WIDTH: usize = 32;

/// AND gates of one lane of [`Generator::AndHeavy`]: a `width`-bit truncated
/// multiplication, `width² − width + 1` ANDs (993 for 32 bits).
pub fn and_heavy_lane_ands(width: usize) -> usize {
    width * width - width + 1
}

/// A generated circuit: its kind and size.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Generator {
    /// A comparison of two `width`-bit integers, two's complement when
    /// `signed`. Output: one bit. Cost: exactly `width` AND gates, AND-depth
    /// `width`. `Lt` on 32 bits is Yao's millionaires' problem
    /// (`circuits/cmp32.txt`).
    Compare {
        /// Which comparison.
        cmp: Comparison,
        /// Bits per operand.
        width: usize,
        /// Two's complement.
        signed: bool,
    },
    /// `a == b` on `width` bits. Output: one bit. Cost: `width − 1` AND
    /// gates in a balanced tree (AND-depth ⌈log₂ width⌉).
    Eq {
        /// Bits per operand.
        width: usize,
    },
    /// `a + b mod 2^width`. Output: `width` bits (also the wrapping
    /// two's-complement sum). Cost: `width − 1` AND gates, AND-depth
    /// `width − 1`.
    Add {
        /// Bits per operand.
        width: usize,
    },
    /// Private set intersection of two sets of `n` elements of `width` bits:
    /// see [`psi_pairwise`] and [`psi_sort`].
    Psi {
        /// Elements per set.
        n: usize,
        /// Bits per element.
        width: usize,
        /// The design.
        variant: PsiVariant,
    },
    /// A benchmark circuit with at least `ands` AND gates and plenty of
    /// independent work: `L = ⌈ands / (width² − width + 1)⌉` independent
    /// lanes, lane k the product `x_k · b mod 2^width` with
    /// `x_k = a ⊕ rotl(b, k mod width) ⊕ (k mod 2^width)`, XOR-ed together
    /// into one `width`-bit output. Exactly `L · (width² − width + 1)` ANDs,
    /// AND-depth `width − 1`, so every AND level holds many independent ANDs.
    /// `and_heavy(1_000_000)` has 1 008 lanes and 1 000 944 ANDs.
    AndHeavy {
        /// At least this many AND gates.
        ands: usize,
        /// Bits per lane (1 to 64).
        width: usize,
    },
}

/// [`Generator::AndHeavy`] with 32-bit lanes, in memory: at least
/// `and_gates` AND gates (the benchmarks' circuit).
pub fn and_heavy(and_gates: usize) -> Circuit {
    Generator::AndHeavy {
        ands: and_gates,
        width: AND_HEAVY_WIDTH,
    }
    .circuit()
    .expect("the and-heavy circuit is well formed")
}

impl Generator {
    /// The input group widths (garbler's, evaluator's).
    pub fn input_sizes(&self) -> [usize; 2] {
        match *self {
            Generator::Compare { width, .. }
            | Generator::Eq { width }
            | Generator::Add { width }
            | Generator::AndHeavy { width, .. } => [width, width],
            Generator::Psi { n, width, .. } => [n.saturating_mul(width); 2],
        }
    }

    fn check(&self) -> Result<(), Error> {
        let (n, width) = match *self {
            Generator::Psi { n, width, .. } => (n, width),
            Generator::AndHeavy { width, .. } if width > 64 => {
                return Err(Error::Shape(format!(
                    "and-heavy lanes are at most 64 bits wide, not {width}"
                )));
            }
            Generator::Compare { width, .. }
            | Generator::Eq { width }
            | Generator::Add { width }
            | Generator::AndHeavy { width, .. } => (1, width),
        };
        if width == 0 || n == 0 {
            return Err(Error::Shape(
                "widths and set sizes must be at least 1".into(),
            ));
        }
        if n.checked_mul(width).is_none_or(|bits| bits > 1 << 30) {
            return Err(Error::Shape("more than 2^30 input bits per party".into()));
        }
        Ok(())
    }

    /// Runs the circuit as a program in `ctx`: `a` is the garbler's input
    /// group and `b` the evaluator's (bits, least significant first; each
    /// needed where that party runs it); returns each output group where
    /// this party learns it (the evaluator, and a plaintext run).
    pub fn run(
        &self,
        ctx: &Ctx,
        a: Option<&[bool]>,
        b: Option<&[bool]>,
    ) -> Result<Vec<Option<Vec<bool>>>, Error> {
        self.check()?;
        let [wa, wb] = self.input_sizes();
        let x = Word::input(ctx, Party::Garbler, wa, a)?;
        let y = Word::input(ctx, Party::Evaluator, wb, b)?;
        let reveal = |w: &Word| w.reveal(RevealTo::Evaluator);
        let bit = |b: Bit| -> Result<Vec<Option<Vec<bool>>>, Error> {
            Ok(vec![b.reveal(RevealTo::Evaluator)?.map(|b| vec![b])])
        };
        match *self {
            Generator::Compare { cmp, signed, .. } => {
                let (x, y) = if signed {
                    (x.as_signed(), y.as_signed())
                } else {
                    (x, y)
                };
                bit(match cmp {
                    Comparison::Lt => x.lt(&y),
                    Comparison::Gt => x.gt(&y),
                    Comparison::Le => x.le(&y),
                    Comparison::Ge => x.ge(&y),
                })
            }
            Generator::Eq { .. } => bit(x.eq(&y)),
            Generator::Add { .. } => Ok(vec![reveal(&(&x + &y))?]),
            Generator::Psi {
                n, width, variant, ..
            } => {
                let split = |w: &Word| -> Vec<Word> {
                    (0..n)
                        .map(|i| w.slice(i * width..(i + 1) * width))
                        .collect()
                };
                let (xs, ys) = (split(&x), split(&y));
                drop((x, y));
                match variant {
                    PsiVariant::Pairwise => Ok(vec![reveal(&psi_pairwise(&xs, &ys)?)?]),
                    PsiVariant::Sort => psi_sort(ctx, xs, ys)?.iter().map(reveal).collect(),
                }
            }
            Generator::AndHeavy { ands, width } => {
                let lanes = ands.div_ceil(and_heavy_lane_ands(width)).max(1);
                let mut acc: Option<Word> = None;
                for k in 0..lanes {
                    let product = &and_heavy_lane_input(ctx, &x, &y, k) * &y;
                    acc = Some(match acc {
                        None => product,
                        Some(acc) => &acc ^ &product,
                    });
                }
                Ok(vec![reveal(&acc.expect("at least one lane"))?])
            }
        }
    }

    /// Writes the circuit as Bristol Fashion to `out`, streamed (any size).
    pub fn write_bristol(
        &self,
        out: impl std::io::Write + 'static,
    ) -> Result<super::Counts, Error> {
        self.check()?;
        super::write_bristol(out, |ctx| self.run(ctx, None, None))
    }

    /// The circuit in memory.
    pub fn circuit(&self) -> Result<Circuit, Error> {
        self.check()?;
        super::circuit(|ctx| self.run(ctx, None, None))
    }
}

/// `a ⊕ rotl(b, k mod width) ⊕ (k mod 2^width)`: lane k's multiplicand.
fn and_heavy_lane_input(ctx: &Ctx, a: &Word, b: &Word, k: usize) -> Word {
    let width = a.width();
    let k_word = Word::constant(ctx, width, k as u128);
    &(a ^ &b.rotl(k % width)) ^ &k_word
}

/// The AND of `bits` as a balanced tree: `len − 1` ANDs, depth ⌈log₂ len⌉.
fn all(bits: Vec<Bit>, ctx: &Ctx) -> Bit {
    reduce(bits, ctx, true, |x, y| x & y)
}

/// The OR of `bits` as a balanced tree: `len − 1` ANDs.
fn any(bits: Vec<Bit>, ctx: &Ctx) -> Bit {
    reduce(bits, ctx, false, |x, y| x | y)
}

fn reduce(mut level: Vec<Bit>, ctx: &Ctx, empty: bool, op: fn(Bit, Bit) -> Bit) -> Bit {
    if level.is_empty() {
        return Bit::constant(ctx, empty);
    }
    while level.len() > 1 {
        let mut next = Vec::with_capacity(level.len().div_ceil(2));
        let mut it = level.into_iter();
        while let Some(x) = it.next() {
            next.push(match it.next() {
                Some(y) => op(x, y),
                None => x,
            });
        }
        level = next;
    }
    level.pop().expect("one bit left")
}

/// PSI by comparing every pair of elements, for small sets: the evaluator's
/// element j is in the intersection iff some garbler element equals it.
/// Output: one group of `n` bits (bit j for the evaluator's element j); any
/// order and repeated elements are fine. Cost: `n·(n·(w − 1) + n − 1) =
/// n²·w − n` AND gates for n elements of w bits.
pub fn psi_pairwise(a: &[Word], b: &[Word]) -> Result<Word, Error> {
    let (Some(first), false) = (a.first(), b.is_empty()) else {
        return Err(Error::Shape("PSI needs two non-empty sets".into()));
    };
    let ctx = first.ctx().clone();
    let found: Vec<Bit> = b
        .iter()
        .map(|y| any(a.iter().map(|x| x.eq(y)).collect(), &ctx))
        .collect();
    Ok(Word::from_bits(&found))
}

/// A candidate record in the compaction network, one word: the element
/// (`w` bits), its valid bit, then the bits of its remaining shift distance
/// (the first is the bit of the current level). A record that is not valid
/// is all zero, so two records of which at most one is valid combine by XOR.
#[derive(Clone)]
struct Rec(Word);

impl Rec {
    fn new(value: &Word, valid: &Bit, d: &Word) -> Rec {
        Rec(value
            .concat(&Word::from_bits(std::slice::from_ref(valid)))
            .concat(d))
    }
}

fn bit_length(x: usize) -> usize {
    (usize::BITS - x.leading_zeros()) as usize
}

/// `w` where `s`, else zero: one AND per bit.
fn mask(w: &Word, s: &Bit) -> Word {
    s.select(w, &Word::constant(w.ctx(), w.width(), 0))
}

/// A record staying at its slot for one level of the compaction, its XORs
/// not yet emitted: only the parts that the next level reads are computed.
enum Stay {
    /// The record as it was (its distance shortened).
    Plain(Rec),
    /// The record less the part that moved away: `value ⊕ moved_value`,
    /// `valid ⊕ bit`, `rest ⊕ moved_d`.
    Split {
        value: Word,
        valid: Bit,
        rest: Word,
        bit: Bit,
        moved_value: Word,
        moved_d: Word,
    },
}

impl Stay {
    /// Bits of distance it keeps.
    fn dist(&self, width: usize) -> usize {
        match self {
            Stay::Plain(rec) => rec.0.width() - width - 1,
            Stay::Split { rest, .. } => rest.width(),
        }
    }

    /// The record; its valid bit a constant 0 unless `valid` is read.
    fn realize(self, ctx: &Ctx, width: usize, valid: bool) -> Rec {
        let zero = || Bit::constant(ctx, false);
        match self {
            Stay::Plain(rec) if valid => rec,
            Stay::Plain(rec) => Rec::new(
                &rec.0.slice(0..width),
                &zero(),
                &rec.0.slice(width + 1..rec.0.width()),
            ),
            Stay::Split {
                value,
                valid: v,
                rest,
                bit,
                moved_value,
                moved_d,
            } => Rec::new(
                &(&value ^ &moved_value),
                &if valid { &v ^ &bit } else { zero() },
                &(&rest ^ &moved_d),
            ),
        }
    }
}

/// XOR of two records of which at most one is non-zero at run time; bits
/// missing from the shorter distance are zero.
fn combine(x: Option<Rec>, y: Option<Rec>) -> Option<Rec> {
    match (x, y) {
        (Some(Rec(x)), Some(Rec(y))) => {
            let (long, short) = if x.width() >= y.width() {
                (&x, &y)
            } else {
                (&y, &x)
            };
            let low = &long.slice(0..short.width()) ^ short;
            Some(Rec(low.concat(&long.slice(short.width()..long.width()))))
        }
        (x, None) => x,
        (None, y) => y,
    }
}

/// `c + x` for a one-bit `x`, `out_width` bits (`c`'s width or one more):
/// `out_width − 1` ANDs.
fn add_bit(c: &Word, x: Bit, out_width: usize) -> Word {
    let mut out = Vec::with_capacity(out_width);
    let mut carry = x;
    for i in 0..c.width() {
        let bit = c.bit(i);
        out.push(&bit ^ &carry);
        if i + 1 < out_width {
            carry = &bit & &carry;
        }
    }
    if out_width > c.width() {
        out.push(carry);
    }
    Word::from_bits(&out)
}

/// PSI by sort–compare–compact, for large sets: the sort–compare–shuffle
/// design of Huang, Evans and Katz ("Private Set Intersection: Are Garbled
/// Circuits Better than Custom Protocols?", NDSS 2012, HEK12) with a
/// deterministic last step.
///
/// Inputs: each party's `n` elements **sorted strictly ascending** as
/// unsigned `w`-bit integers (the parties sort their own sets locally, for
/// free). Output: `n` words ("slots") of `w + 1` bits: bits `0 … w−1` hold an
/// element, bit `w` is its valid bit, so a slot read as an integer is
/// `2^w + x` for an element x of the intersection and 0 for an empty slot.
/// If both inputs are strictly ascending, slots `0 … k−1` hold the k
/// elements of the intersection in ascending order and the rest are 0; if
/// either is not, every slot is 0 (such a list counts as the empty set). It
/// reveals the intersection as a sorted list and nothing else.
///
/// The circuit:
/// 1. checks that both lists are strictly ascending (`2(n−1)` comparisons);
/// 2. merges them with Batcher's bitonic merger (K. E. Batcher, "Sorting
///    networks and their applications", AFIPS 1968): the garbler's list
///    followed by the evaluator's reversed is bitonic; the length is padded to
///    a power of two with +∞ placeholders that exist only at generation time,
///    since every comparator that touches one has a known outcome (so any n
///    works, and padding costs nothing);
/// 3. compares neighbours: an element equal to its successor in the merged
///    list is in both sets (the "compare" of HEK12);
/// 4. instead of HEK12's random shuffle (a Waksman network, A. Waksman, JACM
///    1968), which would hide the matches' positions in the merged list
///    (they leak the ranks of the other party's elements), moves the
///    matches to the front in order: each candidate's distance is the
///    number of non-matches before it, and level j of a logarithmic shifter
///    moves each candidate left by 2^j if bit j of its distance is set.
///    Matches never collide (for matches i < i′, the distances satisfy
///    d_i ≤ d_i′ and i′ − i > d_i′ − d_i, so after any prefix of the levels
///    they still sit in distinct, ordered positions). The result is a
///    deterministic function of the intersection.
///
/// Cost: `2(n−1)·w` (checks) + `2w` per comparator of the merger (at most
/// `n·log₂(2n)`) + `(2n−1)·(2w)` (neighbour equality and masking) + about
/// `(2n−1)·log₂(2n)·(w+1)` (compaction): `O(n log n · w)` AND gates, against
/// `n²·w − n` for [`psi_pairwise`]. At 32-bit elements: 5 041 for n = 8,
/// 68 764 for n = 64 (pairwise: 131 008), 350 281 for n = 256.
pub fn psi_sort(ctx: &Ctx, a: Vec<Word>, e: Vec<Word>) -> Result<Vec<Word>, Error> {
    let n = a.len();
    if n == 0 || e.len() != n {
        return Err(Error::Shape(
            "PSI needs two non-empty sets of one size".into(),
        ));
    }
    let width = a[0].width();

    // 1. Well-formedness: both lists strictly ascending.
    let mut checks = Vec::new();
    for list in [&a, &e] {
        for pair in list.windows(2) {
            checks.push(pair[0].lt(&pair[1]));
        }
    }
    let ok = (!checks.is_empty()).then(|| all(checks, ctx));

    // 2. Bitonic merge of a ‖ +∞… ‖ reverse(e).
    let m = (2 * n).next_power_of_two();
    let mut seq: Vec<Option<Word>> = a.into_iter().map(Some).collect();
    seq.resize(m - n, None);
    seq.extend(e.into_iter().rev().map(Some));
    let mut size = m;
    while size >= 2 {
        let half = size / 2;
        for start in (0..m).step_by(size) {
            for i in start..start + half {
                let j = i + half;
                match (&seq[i], &seq[j]) {
                    (Some(x), Some(y)) => {
                        let (lo, hi) = y.lt(x).swap(x, y);
                        seq[i] = Some(lo);
                        seq[j] = Some(hi);
                    }
                    // +∞ at i and a real element at j: always swapped.
                    (None, Some(_)) => seq.swap(i, j),
                    // Already in order, or both placeholders.
                    _ => {}
                }
            }
        }
        size = half;
    }
    let merged: Vec<Word> = seq
        .into_iter()
        .take(2 * n)
        .map(|x| x.expect("the placeholders sort to the end"))
        .collect();

    // 3. Neighbour equality: candidate k is merged[k], valid iff it equals
    // merged[k + 1] (and the inputs are well-formed); invalid ones are zeroed.
    // Each merged element is dropped once used, so the merged list and the
    // candidates are not both alive (the peak memory of a large set).
    let len = 2 * n - 1;
    let mut valid = Vec::with_capacity(len);
    let mut values = Vec::with_capacity(len);
    let mut merged = merged.into_iter();
    let mut current = merged.next().expect("2n elements");
    for next in merged {
        let mut f = current.eq(&next);
        if let Some(ok) = &ok {
            f = &f & ok;
        }
        values.push(mask(&current, &f));
        valid.push(f);
        current = next;
    }
    drop(current);

    // 4. Compaction: candidate p moves left by d_p = #invalid before p.
    // need[j] = how many slots level j must produce for the n outputs.
    let levels = bit_length(len - 1);
    let mut need = vec![n; levels + 1];
    for j in (0..levels).rev() {
        need[j] = len.min(need[j + 1] + (1 << j));
    }
    let mut slots: Vec<Option<Rec>> = Vec::with_capacity(need[0]);
    let mut counter = Word::constant(ctx, 0, 0);
    for p in 0..need[0] {
        // counter = #invalid among 0..p, which fits in bit_length(p) bits.
        let d = mask(&counter, &valid[p]);
        slots.push(Some(Rec::new(&values[p], &valid[p], &d)));
        if p + 1 < need[0] {
            counter = add_bit(&counter, !&valid[p], bit_length(p + 1));
        }
    }
    drop((counter, valid, values));
    for j in 0..levels {
        let shift = 1 << j;
        let out_len = need[j + 1];
        // Distance bits a record still needs at slot q after this level: the
        // bits j+1 … with 2^bit ≤ q (records only move left).
        let keep = |q: usize| bit_length(q).saturating_sub(j + 1);
        // Slot q of the next level is complete once record q + 2^j is done,
        // and is combined then, so that the level's records are not all
        // alive twice and at most 2^j wait.
        // The stays of slots next.len() … p, waiting for their moves.
        // What the later levels read of the record at slot q with a
        // distance of dw bits: (anything, its valid bit). A record or bit
        // they do not read is not computed, so the circuit has no dead gates.
        // A move carries the distance bit as its valid bit, so a valid bit
        // is read only where it stays to the end: in the first n slots.
        let reads = |q: usize, dw: usize| -> (bool, bool) {
            if j + 1 == levels {
                return (true, true);
            }
            let (shift2, out2) = (shift << 1, need[j + 2]);
            let stay2 = q < out2;
            let move2 = dw > 0 && q >= shift2 && q - shift2 < out2;
            (stay2 || move2, q < n)
        };
        let mut stays: std::collections::VecDeque<Option<Stay>> =
            std::collections::VecDeque::with_capacity(shift + 1);
        let mut next: Vec<Option<Rec>> = Vec::with_capacity(out_len);
        let combine_into = |next: &mut Vec<Option<Rec>>, stay: Option<Stay>, moved: Option<Rec>| {
            let q = next.len();
            let dw = stay
                .as_ref()
                .map_or(0, |s| s.dist(width))
                .max(moved.as_ref().map_or(0, |m| m.0.width() - width - 1));
            let (read, read_valid) = reads(q, dw);
            next.push(if read {
                combine(stay.map(|s| s.realize(ctx, width, read_valid)), moved)
            } else {
                None
            });
        };
        for (p, slot) in slots.into_iter().enumerate() {
            let stay_needed = p < out_len;
            let move_needed = p >= shift && p - shift < out_len;
            let mut stay = None;
            let mut moved = None;
            // The distance bits start at bit w + 1 of a record.
            if let Some(rec) = slot {
                let len = rec.0.width() - width - 1;
                if len == 0 || p < shift {
                    // Cannot move at this level (statically, or because a
                    // record at p < 2^j has bit j of its distance clear).
                    if stay_needed {
                        let from = width + 1 + len.min(1);
                        let to = width + 1 + len.min(len.min(1) + keep(p));
                        stay = Some(Stay::Plain(Rec(rec
                            .0
                            .slice(0..width + 1)
                            .concat(&rec.0.slice(from..to)))));
                    }
                } else if stay_needed || move_needed {
                    let bit = rec.0.bit(width + 1);
                    let value = rec.0.slice(0..width);
                    let moved_value = mask(&value, &bit);
                    let moved_keep = if move_needed { keep(p - shift) } else { 0 };
                    let stay_keep = if stay_needed { keep(p) } else { 0 };
                    let rest_len = (len - 1).min(moved_keep.max(stay_keep));
                    let rest = rec.0.slice(width + 2..width + 2 + rest_len);
                    let moved_d = mask(&rest, &bit);
                    if move_needed {
                        let d = moved_d.slice(0..moved_keep.min(rest_len));
                        moved = Some(Rec::new(&moved_value, &bit, &d));
                    }
                    if stay_needed {
                        let n_keep = stay_keep.min(rest_len);
                        stay = Some(Stay::Split {
                            value,
                            valid: rec.0.bit(width),
                            rest: rest.slice(0..n_keep),
                            bit,
                            moved_value,
                            moved_d: moved_d.slice(0..n_keep),
                        });
                    }
                }
            }
            if stay_needed {
                stays.push_back(stay);
            }
            if move_needed {
                // Slot p − 2^j: its stay is the oldest waiting.
                let stay = stays.pop_front().flatten();
                combine_into(&mut next, stay, moved);
            }
        }
        while next.len() < out_len {
            let stay = stays.pop_front().flatten();
            combine_into(&mut next, stay, None);
        }
        slots = next;
    }

    Ok(slots
        .into_iter()
        .map(|slot| match slot {
            Some(rec) => rec.0.slice(0..width + 1),
            None => Word::constant(ctx, width + 1, 0),
        })
        .collect())
}
