//! A small circuit builder and the generators behind `gc2pc circuit gen`
//! (comparison, equality, addition, private set intersection, and an
//! AND-heavy benchmark circuit).
//!
//! [`Builder`] hands out [`Wire`]s, emits Bristol gates and ends in a
//! validated [`Circuit`] (Bristol Fashion). Words are `Vec<Wire>` ([`Word`]),
//! least significant bit first, which is the convention of every Bristol
//! Fashion file (`circuits/reference/README.md` §4): wire j of a group
//! holds bit j of the integer.
//!
//! Every generator here is one definition that the rest of the crate runs in
//! plaintext ([`Circuit::eval`]), garbled, and counts ([`Circuit::and_count`]).
//! [`Builder::finish`] drops gates whose results are unused; the AND counts
//! quoted in the docs are those of the finished circuits, and exact.
//!
//! Cost model: XOR, INV, EQ and EQW are free under free-XOR; only AND gates
//! cost anything. The word operations (in `arith`) use the cheapest circuits
//! known for free-XOR garbling (Kolesnikov–Sadeghi–Schneider 2009): one AND
//! per bit for addition, subtraction, comparison and multiplexing.
//!
//! Ownership convention (DESIGN.md, "Circuit conventions"): input group 0
//! belongs to the garbler, group 1 to the evaluator.

mod arith;
mod psi;

pub use psi::{PSI_PAIRWISE_MAX_N, PsiVariant, psi, psi_pairwise, psi_sort};

use super::{Circuit, Format, Gate, WireId};

/// A wire of a circuit under construction. Only meaningful for the
/// [`Builder`] that made it: [`Builder::finish`] renumbers wires.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Wire(WireId);

/// A word: wires least significant bit first (wire j = bit j).
pub type Word = Vec<Wire>;

/// Builds a circuit gate by gate.
///
/// Call [`input`](Builder::input) once per input group before emitting any
/// gate, combine wires with the gate methods and the word operations, and
/// end with [`finish`](Builder::finish). Misuse (an input after a gate, words
/// of different widths where equal widths are required) is a programming
/// error and panics.
#[derive(Debug, Default)]
pub struct Builder {
    gates: Vec<Gate>,
    next: WireId,
    input_sizes: Vec<u32>,
    constants: [Option<Wire>; 2],
    ands: usize,
}

impl Builder {
    /// An empty builder.
    pub fn new() -> Builder {
        Builder::default()
    }

    /// An empty builder with room for `gates` gates.
    pub fn with_capacity(gates: usize) -> Builder {
        Builder {
            gates: Vec::with_capacity(gates),
            ..Builder::default()
        }
    }

    /// Declares the next input group of `width` bits and returns its wires
    /// (wire j = bit j of the group's value).
    ///
    /// # Panics
    /// If a gate was emitted already (inputs are the first wires).
    pub fn input(&mut self, width: usize) -> Word {
        assert!(
            self.gates.is_empty(),
            "declare every input group before emitting gates"
        );
        let width = u32::try_from(width).expect("input group too wide");
        self.input_sizes.push(width);
        (0..width).map(|_| self.fresh()).collect()
    }

    /// Number of AND gates emitted so far.
    pub fn and_count(&self) -> usize {
        self.ands
    }

    /// Number of gates emitted so far (copies added by `finish` not included).
    pub fn gate_count(&self) -> usize {
        self.gates.len()
    }

    fn fresh(&mut self) -> Wire {
        let wire = Wire(self.next);
        self.next = self.next.checked_add(1).expect("too many wires");
        wire
    }

    fn emit(&mut self, make: impl FnOnce(WireId) -> Gate) -> Wire {
        let out = self.fresh();
        self.gates.push(make(out.0));
        out
    }

    /// `a ⊕ b` (free).
    pub fn xor(&mut self, a: Wire, b: Wire) -> Wire {
        self.emit(|out| Gate::Xor {
            a: a.0,
            b: b.0,
            out,
        })
    }

    /// `a ∧ b` (one AND gate).
    pub fn and(&mut self, a: Wire, b: Wire) -> Wire {
        self.ands += 1;
        self.emit(|out| Gate::And {
            a: a.0,
            b: b.0,
            out,
        })
    }

    /// `¬a` (free: Bristol `INV`).
    pub fn not(&mut self, a: Wire) -> Wire {
        self.emit(|out| Gate::Inv { a: a.0, out })
    }

    /// `a ∨ b = a ⊕ b ⊕ (a ∧ b)` (one AND gate).
    pub fn or(&mut self, a: Wire, b: Wire) -> Wire {
        let both = self.and(a, b);
        let either = self.xor(a, b);
        self.xor(either, both)
    }

    /// The constant `value`. One `EQ` gate per constant value, shared by
    /// every use.
    pub fn constant(&mut self, value: bool) -> Wire {
        if let Some(wire) = self.constants[value as usize] {
            return wire;
        }
        let wire = self.emit(|out| Gate::Eq { value, out });
        self.constants[value as usize] = Some(wire);
        wire
    }

    /// The `width`-bit constant `value` (bits above 127 are zero), LSB first.
    pub fn constant_word(&mut self, value: u128, width: usize) -> Word {
        (0..width)
            .map(|i| self.constant(i < 128 && (value >> i) & 1 == 1))
            .collect()
    }

    /// Ends the circuit. `outputs` are the output groups in order; the
    /// circuit's last wires become these wires, in group order.
    ///
    /// Gates whose results are never used are dropped (so
    /// [`and_count`](Builder::and_count) may be larger than the circuit's).
    /// Wires are renumbered so that a gate whose result is an output writes
    /// its output wire directly. An `EQW` copy is added only where that is
    /// impossible: an output that is an input wire, or a wire that appears in
    /// more than one output position.
    ///
    /// # Panics
    /// If a wire does not belong to this builder (the circuit fails
    /// validation), which is a bug in the generator.
    pub fn finish(self, outputs: Vec<Word>) -> Circuit {
        let total_in: u32 = self.input_sizes.iter().sum();
        let flat: Vec<Wire> = outputs.iter().flatten().copied().collect();
        let output_sizes: Vec<u32> = outputs
            .iter()
            .map(|group| u32::try_from(group.len()).expect("output group too wide"))
            .collect();
        let total_out = u32::try_from(flat.len()).expect("too many outputs");

        // Drop gates whose results nothing reads (a generator may compute a
        // value that turns out to be unused, e.g. a distance bit in the PSI
        // compaction that no later level consumes).
        let mut live = vec![false; self.next as usize];
        for wire in &flat {
            assert!(wire.0 < self.next, "output wire {} is not defined", wire.0);
            live[wire.0 as usize] = true;
        }
        let mut keep = vec![false; self.gates.len()];
        for (i, gate) in self.gates.iter().enumerate().rev() {
            if live[gate.output() as usize] {
                keep[i] = true;
                for input in gate.inputs() {
                    live[input as usize] = true;
                }
            }
        }
        let gates: Vec<Gate> = self
            .gates
            .iter()
            .zip(&keep)
            .filter_map(|(gate, &keep)| keep.then_some(*gate))
            .collect();
        let live_gates = gates.len() as u32;

        // The output slot each gate-written wire fills directly, if any.
        const NONE: u32 = u32::MAX;
        let mut slot_of = vec![NONE; self.next as usize];
        let mut claimed = 0u32;
        let mut needs_copy = Vec::new();
        for (slot, wire) in flat.iter().enumerate() {
            let slot = slot as u32;
            if wire.0 >= total_in && slot_of[wire.0 as usize] == NONE {
                slot_of[wire.0 as usize] = slot;
                claimed += 1;
            } else {
                needs_copy.push((slot, *wire));
            }
        }
        let internal = live_gates - claimed;
        let num_wires = u64::from(total_in) + u64::from(internal) + u64::from(total_out);
        let first_out = total_in + internal;

        let mut new_id: Vec<WireId> = (0..self.next).collect();
        let mut next_internal = total_in;
        for gate in &gates {
            let out = gate.output() as usize;
            new_id[out] = if slot_of[out] != NONE {
                first_out + slot_of[out]
            } else {
                next_internal += 1;
                next_internal - 1
            };
        }
        let map = |w: WireId| new_id[w as usize];
        let mut gates: Vec<Gate> = gates
            .iter()
            .map(|gate| match *gate {
                Gate::Xor { a, b, out } => Gate::Xor {
                    a: map(a),
                    b: map(b),
                    out: map(out),
                },
                Gate::And { a, b, out } => Gate::And {
                    a: map(a),
                    b: map(b),
                    out: map(out),
                },
                Gate::Inv { a, out } => Gate::Inv {
                    a: map(a),
                    out: map(out),
                },
                Gate::Eq { value, out } => Gate::Eq {
                    value,
                    out: map(out),
                },
                Gate::EqW { a, out } => Gate::EqW {
                    a: map(a),
                    out: map(out),
                },
            })
            .collect();
        gates.extend(needs_copy.into_iter().map(|(slot, wire)| Gate::EqW {
            a: map(wire.0),
            out: first_out + slot,
        }));
        Circuit::new(
            num_wires,
            self.input_sizes,
            output_sizes,
            gates,
            Format::BristolFashion,
        )
        .expect("the builder produced an invalid circuit")
    }
}

/// Which comparison a comparison circuit computes.
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

/// A comparison of two `width`-bit integers, two's complement when `signed`.
///
/// Inputs: group 0 = the garbler's `a`, group 1 = the evaluator's `b`, both
/// `width` bits, LSB first. Output: one group of 1 bit, the comparison's
/// truth value. Cost: exactly `width` AND gates (the borrow out of `a − b`),
/// AND-depth `width`.
///
/// `compare(Comparison::Lt, 32, false)` is Yao's millionaires' problem
/// (`circuits/cmp32.txt`): with a = 5 and b = 7 the output is 1.
///
/// # Panics
/// If `width` is 0.
pub fn compare(cmp: Comparison, width: usize, signed: bool) -> Circuit {
    assert!(width > 0, "width must be at least 1");
    let mut b = Builder::new();
    let x = b.input(width);
    let y = b.input(width);
    let out = match cmp {
        Comparison::Lt => b.lt(&x, &y, signed),
        Comparison::Gt => b.lt(&y, &x, signed),
        Comparison::Le => {
            let gt = b.lt(&y, &x, signed);
            b.not(gt)
        }
        Comparison::Ge => {
            let lt = b.lt(&x, &y, signed);
            b.not(lt)
        }
    };
    b.finish(vec![vec![out]])
}

/// `a < b` on `width` bits; see [`compare`].
pub fn lt(width: usize, signed: bool) -> Circuit {
    compare(Comparison::Lt, width, signed)
}

/// `a > b` on `width` bits; see [`compare`].
pub fn gt(width: usize, signed: bool) -> Circuit {
    compare(Comparison::Gt, width, signed)
}

/// `a ≤ b` on `width` bits; see [`compare`].
pub fn le(width: usize, signed: bool) -> Circuit {
    compare(Comparison::Le, width, signed)
}

/// `a == b` on `width` bits.
///
/// Inputs: group 0 = the garbler's `a`, group 1 = the evaluator's `b`, both
/// `width` bits. Output: one bit, 1 iff a = b. Cost: `width − 1` AND gates in
/// a balanced tree (AND-depth ⌈log₂ width⌉).
///
/// # Panics
/// If `width` is 0.
pub fn eq(width: usize) -> Circuit {
    assert!(width > 0, "width must be at least 1");
    let mut b = Builder::new();
    let x = b.input(width);
    let y = b.input(width);
    let out = b.eq(&x, &y);
    b.finish(vec![vec![out]])
}

/// `a + b mod 2^width`.
///
/// Inputs: group 0 = the garbler's `a`, group 1 = the evaluator's `b`, both
/// `width` bits. Output: one group of `width` bits, the sum modulo 2^width
/// (for two's-complement values this is also the signed sum, wrapping).
/// Cost: `width − 1` AND gates (ripple carry), AND-depth `width − 1`.
///
/// # Panics
/// If `width` is 0.
pub fn add(width: usize) -> Circuit {
    assert!(width > 0, "width must be at least 1");
    let mut b = Builder::new();
    let x = b.input(width);
    let y = b.input(width);
    let sum = b.add(&x, &y);
    b.finish(vec![sum])
}

/// AND gates of one lane of [`and_heavy_with_width`]: a `width`-bit truncated
/// multiplication, `width² − width + 1` ANDs (993 for 32 bits).
pub fn and_heavy_lane_ands(width: usize) -> usize {
    width * width - width + 1
}

/// The default lane width of [`and_heavy`].
pub const AND_HEAVY_WIDTH: usize = 32;

/// [`and_heavy_with_width`] with 32-bit lanes: at least `and_gates` AND
/// gates, e.g. `and_heavy(1 << 20)` for the garbling benchmark.
pub fn and_heavy(and_gates: usize) -> Circuit {
    and_heavy_with_width(and_gates, AND_HEAVY_WIDTH)
}

/// A benchmark circuit with at least `and_gates` AND gates and plenty of
/// independent work: `L = ⌈and_gates / (width² − width + 1)⌉` independent
/// lanes, each a `width`-bit multiplication modulo 2^width, whose products
/// are XOR-ed together into one output word. Meant for garbling throughput
/// measurements; it is built in memory (tens of milliseconds for 1 M ANDs),
/// not stored in `circuits/`.
///
/// Inputs: group 0 = the garbler's `a`, group 1 = the evaluator's `b`, both
/// `width` bits. Output: one `width`-bit group,
/// `⊕_{k<L} (x_k · b mod 2^width)` with `x_k = a ⊕ rotl(b, k mod width) ⊕
/// (k mod 2^width)`. Cost: exactly `L · (width² − width + 1)` AND gates;
/// AND-depth `width − 1` (31 for 32-bit lanes), so each AND level holds tens
/// of thousands of independent ANDs. `and_heavy(1_000_000)` has 1 008 lanes,
/// 1 000 944 ANDs and 3.35 M gates.
///
/// # Panics
/// If `width` is 0 or greater than 64 (lanes index constants as `u64`).
pub fn and_heavy_with_width(and_gates: usize, width: usize) -> Circuit {
    assert!((1..=64).contains(&width), "width must be 1..=64");
    let lanes = and_gates.div_ceil(and_heavy_lane_ands(width)).max(1);
    // About 3.4 gates per AND (the adders' XORs) plus the lane inputs.
    let mut b = Builder::with_capacity(lanes * (4 * width * width + 2 * width));
    let a = b.input(width);
    let y = b.input(width);
    let mut acc: Option<Word> = None;
    for k in 0..lanes {
        let x = and_heavy_lane_input(&mut b, &a, &y, k, width);
        let product = b.mul(&x, &y);
        acc = Some(match acc {
            None => product,
            Some(acc) => b.xor_words(&acc, &product),
        });
    }
    b.finish(vec![acc.expect("at least one lane")])
}

/// Lane `k` of [`and_heavy_with_width`] on its own: inputs `a` and `y`
/// (`width` bits each), output the lane's product
/// `(a ⊕ rotl(y, k mod width) ⊕ (k mod 2^width)) · y mod 2^width`.
pub fn and_heavy_lane(k: usize, width: usize) -> Circuit {
    assert!((1..=64).contains(&width), "width must be 1..=64");
    let mut b = Builder::new();
    let a = b.input(width);
    let y = b.input(width);
    let x = and_heavy_lane_input(&mut b, &a, &y, k, width);
    let product = b.mul(&x, &y);
    b.finish(vec![product])
}

fn and_heavy_lane_input(b: &mut Builder, a: &[Wire], y: &[Wire], k: usize, width: usize) -> Word {
    let rot = k % width;
    (0..width)
        .map(|i| {
            let mixed = b.xor(a[i], y[(i + width - rot) % width]);
            let bit = i < 64 && ((k as u64) >> i) & 1 == 1;
            if bit { b.not(mixed) } else { mixed }
        })
        .collect()
}

/// The gates of [`and_heavy_with_width`] lane by lane, numbered exactly as
/// the whole circuit numbers them, without holding it: for writing circuits
/// of any size (`gc2pc circuit gen and-heavy`). Needs at least two lanes
/// (then the output is the last lane's accumulation, the last gates).
#[derive(Debug)]
pub struct AndHeavyGates {
    width: usize,
    lanes: usize,
    next_lane: usize,
    next_wire: u32,
    acc: Vec<u32>,
    lane_gates: u64,
}

impl AndHeavyGates {
    /// The lanes of `and_heavy_with_width(and_gates, width)`; `None` when
    /// that circuit has a single lane (build it whole instead).
    pub fn new(and_gates: usize, width: usize) -> Option<AndHeavyGates> {
        assert!((1..=64).contains(&width), "width must be 1..=64");
        let lanes = and_gates.div_ceil(and_heavy_lane_ands(width)).max(1);
        (lanes >= 2).then(|| AndHeavyGates {
            width,
            lanes,
            next_lane: 0,
            next_wire: 2 * width as u32,
            acc: Vec::new(),
            lane_gates: and_heavy_lane(0, width).gates().len() as u64,
        })
    }

    fn not_gates(&self, k: usize) -> u64 {
        (0..self.width.min(64))
            .filter(|&i| ((k as u64) >> i) & 1 == 1)
            .count() as u64
    }

    /// Gates in the whole circuit.
    pub fn num_gates(&self) -> u64 {
        let nots: u64 = (0..self.lanes).map(|k| self.not_gates(k)).sum();
        self.lanes as u64 * self.lane_gates + nots + (self.lanes as u64 - 1) * self.width as u64
    }

    /// Wires in the whole circuit (two inputs, one per gate).
    pub fn num_wires(&self) -> u64 {
        2 * self.width as u64 + self.num_gates()
    }

    /// AND gates in the whole circuit.
    pub fn and_gates(&self) -> u64 {
        (self.lanes * and_heavy_lane_ands(self.width)) as u64
    }

    /// Input group widths.
    pub fn input_sizes(&self) -> Vec<u32> {
        vec![self.width as u32; 2]
    }

    /// Output group widths.
    pub fn output_sizes(&self) -> Vec<u32> {
        vec![self.width as u32]
    }

    /// The next lane's gates (and its accumulation) into `out`; false when
    /// every lane is out.
    pub fn next_lane(&mut self, out: &mut Vec<Gate>) -> bool {
        out.clear();
        if self.next_lane == self.lanes {
            return false;
        }
        let k = self.next_lane;
        self.next_lane += 1;
        let lane = and_heavy_lane(k, self.width);
        let inputs = 2 * self.width as u32;
        let mut map = vec![0u32; lane.num_wires()];
        for (w, m) in map.iter_mut().enumerate().take(inputs as usize) {
            *m = w as u32;
        }
        for gate in lane.gates() {
            let o = self.next_wire;
            self.next_wire += 1;
            map[gate.output() as usize] = o;
            let m = |w: WireId| map[w as usize];
            out.push(match *gate {
                Gate::Xor { a, b, .. } => Gate::Xor {
                    a: m(a),
                    b: m(b),
                    out: o,
                },
                Gate::And { a, b, .. } => Gate::And {
                    a: m(a),
                    b: m(b),
                    out: o,
                },
                Gate::Inv { a, .. } => Gate::Inv { a: m(a), out: o },
                Gate::EqW { a, .. } => Gate::EqW { a: m(a), out: o },
                Gate::Eq { value, .. } => Gate::Eq { value, out: o },
            });
        }
        let first_out = lane.first_output_wire();
        let product: Vec<u32> = (first_out..lane.num_wires()).map(|w| map[w]).collect();
        if k == 0 {
            self.acc = product;
        } else {
            for (acc, p) in self.acc.iter_mut().zip(product) {
                let o = self.next_wire;
                self.next_wire += 1;
                out.push(Gate::Xor {
                    a: *acc,
                    b: p,
                    out: o,
                });
                *acc = o;
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn and_heavy_lane_by_lane_is_the_whole_circuit() {
        for (ands, width) in [(3000, 8), (5000, 32), (20_000, 13)] {
            let whole = and_heavy_with_width(ands, width);
            let mut lanes = AndHeavyGates::new(ands, width).expect("several lanes");
            assert_eq!(lanes.num_gates(), whole.gates().len() as u64);
            assert_eq!(lanes.num_wires(), whole.num_wires() as u64);
            assert_eq!(lanes.and_gates(), whole.and_count() as u64);
            assert_eq!(whole.and_depth(), width as u32 - 1);
            let mut gates = Vec::new();
            let mut lane = Vec::new();
            while lanes.next_lane(&mut lane) {
                gates.extend_from_slice(&lane);
            }
            assert_eq!(gates, whole.gates(), "{ands} ANDs, width {width}");
        }
    }

    #[test]
    fn finish_places_outputs_last_and_copies_only_when_needed() {
        // Output 0: an input wire (needs a copy); output 1: a gate result
        // (in place); output 2: the same gate result again (copy).
        let mut b = Builder::new();
        let x = b.input(2);
        let y = b.and(x[0], x[1]);
        let c = b.finish(vec![vec![x[0]], vec![y], vec![y]]);
        assert_eq!(c.num_wires(), 2 + 3);
        let copies = c
            .gates()
            .iter()
            .filter(|g| matches!(g, Gate::EqW { .. }))
            .count();
        assert_eq!(copies, 2);
        assert_eq!(c.gates()[0], Gate::And { a: 0, b: 1, out: 3 });
        assert_eq!(c.first_output_wire(), 2);
    }

    #[test]
    fn constants_are_shared() {
        let mut b = Builder::new();
        let _ = b.input(1);
        let k = b.constant_word(0b1010, 4);
        assert_eq!(b.gate_count(), 2);
        assert_eq!(k[0], k[2]);
        assert_eq!(k[1], k[3]);
        let c = b.finish(vec![k]);
        assert_eq!(c.gates().len(), 4);
    }

    #[test]
    #[should_panic(expected = "before emitting gates")]
    fn inputs_come_first() {
        let mut b = Builder::new();
        let x = b.input(1);
        b.not(x[0]);
        b.input(1);
    }
}
