//! The circuit compiled for garbling: a flat list of operations in which the
//! AND gates come in runs of mutually independent gates, over a compact array
//! of label slots.
//!
//! Scheduling: the gate list is cut into windows of [`WINDOW_GATES`] gates,
//! and each window is level-sorted on its own: every wire gets an AND level
//! (wires from before the window 0; an AND gate's output is one more than its
//! deepest input; a free gate's output is as deep as its deepest input), and
//! the window's gates are ordered free(0), AND(1), free(1), AND(2), … (a
//! stable counting sort, so the order stays topological). All AND gates of
//! one level of a window are independent, so the garbler can hash many of
//! them per call and keep dozens of AES blocks in flight, where EMP garbles
//! one gate at a time. Windows keep the wires alive at once, and so the label
//! array, small: level-sorting the whole 1 M-AND benchmark circuit kept
//! 586 085 labels (9 MB) alive, windows of 2^15 gates keep 5 688 (91 KB)
//! with runs of ~310 ANDs still; circuits of up to 2^15 gates are one
//! window. Within free(l), gates are ordered by free depth too (see
//! `schedule_window`).
//!
//! Slots: wires are mapped onto reusable slots by liveness in the new order, so
//! the label array holds only the wires alive at once (the inputs sit in slots
//! `0..num_inputs` so input labels can be copied in directly). A slot freed by
//! a gate's last read may be written by the same or a later gate of the same
//! AND run: garbling reads all inputs of a batch before writing its outputs,
//! and gates of one level never read each other.
//!
//! Both parties compute the same plan from the same circuit, so AND gate `i`
//! of `ands()` has the same tweak on both sides.

use super::{Circuit, Gate};

/// One AND gate over label slots.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AndGate {
    /// Slot of the first input.
    pub a: u32,
    /// Slot of the second input.
    pub b: u32,
    /// Slot written with the output.
    pub out: u32,
}

/// One step of the compiled circuit, over label slots.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// `out = a ⊕ b`.
    Xor {
        /// First input slot.
        a: u32,
        /// Second input slot.
        b: u32,
        /// Output slot.
        out: u32,
    },
    /// `out = ¬a` (free: the garbler flips the zero label by Δ).
    Inv {
        /// Input slot.
        a: u32,
        /// Output slot.
        out: u32,
    },
    /// `out = value` (a public constant).
    Const {
        /// The constant.
        value: bool,
        /// Output slot.
        out: u32,
    },
    /// `out = a`.
    Copy {
        /// Input slot.
        a: u32,
        /// Output slot.
        out: u32,
    },
    /// The independent AND gates `ands()[start..end]`.
    Ands {
        /// First AND gate of the run.
        start: u32,
        /// One past the last.
        end: u32,
    },
}

/// A circuit compiled for garbling and evaluation.
#[derive(Clone, Debug)]
pub struct Plan {
    ops: Vec<Op>,
    ands: Vec<AndGate>,
    num_slots: u32,
    num_inputs: u32,
    output_slots: Vec<u32>,
    and_runs: u32,
}

impl Plan {
    /// The plan of no circuit at all (what a streaming garbler or evaluator
    /// holds; its windows come from a stream instead).
    pub const EMPTY: Plan = Plan {
        ops: Vec::new(),
        ands: Vec::new(),
        num_slots: 0,
        num_inputs: 0,
        output_slots: Vec::new(),
        and_runs: 0,
    };
}

/// Runs the independent AND gates `run` on plaintext bits (all inputs read
/// before any output is written, as the garbler does): the reference
/// evaluation of [`Plan`] and of a streamed window.
pub(crate) fn and_run_bits(run: &[AndGate], values: &mut [bool]) {
    let results: Vec<bool> = run
        .iter()
        .map(|g| values[g.a as usize] & values[g.b as usize])
        .collect();
    for (g, r) in run.iter().zip(results) {
        values[g.out as usize] = r;
    }
}

/// Marks a wire that no gate reads after it is written.
const NEVER: u32 = u32::MAX;

impl Plan {
    /// Compiles `circuit` (already validated by `Circuit::new`).
    pub fn new(circuit: &Circuit) -> Plan {
        let gates = circuit.gates();
        let num_wires = circuit.num_wires();
        let num_inputs = circuit.total_inputs();

        // Level-sort each window of the gate list on its own.
        let mut order = Vec::with_capacity(gates.len());
        let mut level = vec![0u32; num_wires];
        let mut depth = vec![0u32; num_wires];
        let mut bucket = vec![0u32; gates.len()];
        let mut next_bucket = 0;
        for (w, window) in gates.chunks(WINDOW_GATES).enumerate() {
            let base = w * WINDOW_GATES;
            next_bucket = schedule_window(
                window,
                base,
                next_bucket,
                &mut level,
                &mut depth,
                &mut bucket[base..base + window.len()],
                &mut order,
            );
        }
        drop((level, depth));

        // Last read of every wire, in the new order; outputs live to the end.
        let mut last_use = vec![NEVER; num_wires];
        for (position, &index) in order.iter().enumerate() {
            for wire in gates[index as usize].inputs() {
                last_use[wire as usize] = position as u32;
            }
        }
        let first_output = circuit.first_output_wire();
        last_use[first_output..].fill(NEVER - 1);

        // Slot allocation by liveness; inputs keep slots 0..num_inputs.
        let mut slot = vec![0u32; num_wires];
        for (wire, s) in slot.iter_mut().enumerate().take(num_inputs) {
            *s = wire as u32;
        }
        let mut free: Vec<u32> = Vec::new();
        let mut num_slots = num_inputs as u32;
        let mut ops = Vec::with_capacity(gates.len() - circuit.and_count());
        let mut ands = Vec::with_capacity(circuit.and_count());
        let mut run_bucket = None;
        let mut and_runs = 0;
        for (position, &index) in order.iter().enumerate() {
            let gate = gates[index as usize];
            let mut inputs = gate.inputs();
            let a = inputs.next();
            let b = inputs.next();
            let slot_a = a.map(|w| slot[w as usize]).unwrap_or(0);
            let slot_b = b.map(|w| slot[w as usize]).unwrap_or(0);
            for wire in a.into_iter().chain(b.filter(|&b| Some(b) != a)) {
                if last_use[wire as usize] == position as u32 {
                    free.push(slot[wire as usize]);
                }
            }
            let out_wire = gate.output() as usize;
            let out = free.pop().unwrap_or_else(|| {
                num_slots += 1;
                num_slots - 1
            });
            slot[out_wire] = out;
            if last_use[out_wire] == NEVER {
                free.push(out); // nothing reads it: the slot is free again
            }
            match gate {
                Gate::And { .. } => {
                    let b_index = bucket[index as usize];
                    if run_bucket != Some(b_index) {
                        let at = ands.len() as u32;
                        ops.push(Op::Ands { start: at, end: at });
                        run_bucket = Some(b_index);
                        and_runs += 1;
                    }
                    ands.push(AndGate {
                        a: slot_a,
                        b: slot_b,
                        out,
                    });
                    if let Some(Op::Ands { end, .. }) = ops.last_mut() {
                        *end = ands.len() as u32;
                    }
                }
                Gate::Xor { .. } => ops.push(Op::Xor {
                    a: slot_a,
                    b: slot_b,
                    out,
                }),
                Gate::Inv { .. } => ops.push(Op::Inv { a: slot_a, out }),
                Gate::Eq { value, .. } => ops.push(Op::Const { value, out }),
                Gate::EqW { .. } => ops.push(Op::Copy { a: slot_a, out }),
            }
        }
        let output_slots = (first_output..num_wires).map(|w| slot[w]).collect();
        Plan {
            ops,
            ands,
            num_slots,
            num_inputs: num_inputs as u32,
            output_slots,
            and_runs,
        }
    }

    /// The operations in execution order.
    #[inline]
    pub fn ops(&self) -> &[Op] {
        &self.ops
    }

    /// The AND gates; `Op::Ands` ranges index into this, and gate `i` here is
    /// AND gate `i` for the hash tweaks on both sides.
    #[inline]
    pub fn ands(&self) -> &[AndGate] {
        &self.ands
    }

    /// Size of the label array (the most wires alive at once, inputs included).
    #[inline]
    pub fn num_slots(&self) -> usize {
        self.num_slots as usize
    }

    /// Number of input wires (all groups); their labels go in slots `0..n`.
    #[inline]
    pub fn num_inputs(&self) -> usize {
        self.num_inputs as usize
    }

    /// Slot of each output wire, in output order.
    #[inline]
    pub fn output_slots(&self) -> &[u32] {
        &self.output_slots
    }

    /// Number of AND gates (each costs two table blocks).
    #[inline]
    pub fn and_count(&self) -> usize {
        self.ands.len()
    }

    /// Number of AND runs (`Op::Ands`): the AND levels of each scheduling
    /// window, summed over the windows. `and_count() / and_runs()` is the
    /// average run length, which bounds how many gates share a hash call.
    #[inline]
    pub fn and_runs(&self) -> u32 {
        self.and_runs
    }

    /// Evaluates the plan on plaintext bits (one per input wire, all groups
    /// concatenated) and returns the output bits; used to test the schedule
    /// and slot reuse against `Circuit::eval`.
    pub fn eval_bits(&self, inputs: &[bool]) -> Vec<bool> {
        assert_eq!(inputs.len(), self.num_inputs(), "one bit per input wire");
        let mut value = vec![false; self.num_slots()];
        value[..inputs.len()].copy_from_slice(inputs);
        for op in &self.ops {
            match *op {
                Op::Xor { a, b, out } => {
                    value[out as usize] = value[a as usize] ^ value[b as usize]
                }
                Op::Inv { a, out } => value[out as usize] = !value[a as usize],
                Op::Const { value: v, out } => value[out as usize] = v,
                Op::Copy { a, out } => value[out as usize] = value[a as usize],
                Op::Ands { start, end } => {
                    and_run_bits(&self.ands[start as usize..end as usize], &mut value)
                }
            }
        }
        self.output_slots
            .iter()
            .map(|&s| value[s as usize])
            .collect()
    }
}

/// Gates per scheduling window: the gate list is cut into windows of this
/// many gates and each window is level-sorted on its own (see the module doc).
/// On the 1 M-AND benchmark circuit, 2^15 garbled and evaluated 6 % faster
/// than 2^16 (live labels 5 688 instead of 11 173, most reads from L1) and
/// 2^14 no faster still; on AES-128 (two windows instead of one) the
/// difference was within the noise (in-process A/B, medians of 40 pairs).
/// Part of the wire format: the order of the AND gates gives their tweaks and
/// the order of the tables, so changing it changes
/// [`crate::protocol::handshake::VERSION`].
pub const WINDOW_GATES: usize = 1 << 15;

/// Level-sorts one window of gates (`window[i]` is gate `base + i`) and
/// appends their indices to `order`: free(0), AND(1), free(1), AND(2), … where
/// a wire written before the window counts as level 0. Within free(l) the
/// gates are further sorted by their free depth (1 + the deepest free depth
/// among their inputs of the same level), so that a free gate rarely follows
/// the gate it reads right away: the label it reads has long been stored, and
/// the CPU is not stalled by (or flushed for) a store it had to forward.
///
/// Writes each gate's bucket (`first_bucket` + its rank in this order, one
/// bucket per AND level and per free depth) to `bucket` and returns the first
/// bucket number of the next window, so buckets never repeat across windows.
/// `level` and `depth` must be 0 for every wire not written in this window;
/// they are left so.
fn schedule_window(
    window: &[Gate],
    base: usize,
    first_bucket: u32,
    level: &mut [u32],
    depth: &mut [u32],
    bucket: &mut [u32],
    order: &mut Vec<u32>,
) -> u32 {
    // AND level and free depth of every gate; the deepest free depth per level.
    let mut deepest_free: Vec<u32> = vec![0];
    for (gate, b) in window.iter().zip(bucket.iter_mut()) {
        let l = gate.inputs().map(|w| level[w as usize]).max().unwrap_or(0);
        let (l, f) = if matches!(gate, Gate::And { .. }) {
            (l + 1, 0)
        } else {
            let f = gate
                .inputs()
                .filter(|&w| level[w as usize] == l)
                .map(|w| depth[w as usize])
                .max()
                .unwrap_or(0);
            (l, f + 1)
        };
        level[gate.output() as usize] = l;
        depth[gate.output() as usize] = f;
        if deepest_free.len() <= l as usize {
            deepest_free.resize(l as usize + 1, 0);
        }
        deepest_free[l as usize] = deepest_free[l as usize].max(f);
        *b = f; // the level is looked up again below
    }
    // Bucket of (level l, depth f): offset[l] + f, the AND gates of level l
    // (depth 0) first, then its free gates by depth.
    let mut offset = Vec::with_capacity(deepest_free.len() + 1);
    let mut total = 0u32;
    for &f in &deepest_free {
        offset.push(total);
        total += f + 1;
    }
    for (gate, b) in window.iter().zip(bucket.iter_mut()) {
        let out = gate.output() as usize;
        *b += offset[level[out] as usize];
        level[out] = 0;
        depth[out] = 0;
    }
    // Stable counting sort of the window's gates by bucket.
    let mut start = vec![0u32; total as usize + 1];
    for &b in bucket.iter() {
        start[b as usize + 1] += 1;
    }
    for i in 1..start.len() {
        start[i] += start[i - 1];
    }
    let at = order.len();
    order.resize(at + window.len(), 0);
    for (i, b) in bucket.iter_mut().enumerate() {
        order[at + start[*b as usize] as usize] = (base + i) as u32;
        start[*b as usize] += 1;
        *b += first_bucket;
    }
    first_bucket + total
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::circuit::Format;

    /// ((x0 ∧ x1) ⊕ x2 ⊕ (x2 ∧ x3)) ∧ x0: two ANDs at level 1, one at level 2.
    fn two_levels() -> Circuit {
        let gates = vec![
            Gate::And { a: 0, b: 1, out: 4 },
            Gate::Xor { a: 4, b: 2, out: 5 },
            Gate::And { a: 2, b: 3, out: 6 },
            Gate::Xor { a: 5, b: 6, out: 7 },
            Gate::And { a: 7, b: 0, out: 8 },
        ];
        Circuit::new(9, vec![2, 2], vec![1], gates, Format::BristolFashion).unwrap()
    }

    #[test]
    fn independent_ands_share_a_run_and_levels_order_runs() {
        let plan = Plan::new(&two_levels());
        assert_eq!(plan.and_count(), 3);
        assert_eq!(plan.and_runs(), 2);
        let runs: Vec<(u32, u32)> = plan
            .ops()
            .iter()
            .filter_map(|op| match *op {
                Op::Ands { start, end } => Some((start, end)),
                _ => None,
            })
            .collect();
        assert_eq!(runs, vec![(0, 2), (2, 3)]);
        assert!(plan.num_slots() <= 9);
    }

    #[test]
    fn plan_evaluation_matches_the_formula_on_all_inputs() {
        let plan = Plan::new(&two_levels());
        for x in 0..16u32 {
            let bits: Vec<bool> = (0..4).map(|i| x >> i & 1 == 1).collect();
            let expected = ((bits[0] & bits[1]) ^ bits[2] ^ (bits[2] & bits[3])) & bits[0];
            assert_eq!(plan.eval_bits(&bits), vec![expected], "x = {x}");
        }
    }

    #[test]
    fn dead_wires_and_constants_and_copies() {
        // wire 2 is dead; 3 = const 1; 4 = copy of 0; outputs: 5 = 3 ∧ 4, 6 = ¬1
        let gates = vec![
            Gate::And { a: 0, b: 1, out: 2 },
            Gate::Eq {
                value: true,
                out: 3,
            },
            Gate::EqW { a: 0, out: 4 },
            Gate::And { a: 3, b: 4, out: 5 },
            Gate::Inv { a: 1, out: 6 },
        ];
        let c = Circuit::new(7, vec![1, 1], vec![2], gates, Format::BristolFashion).unwrap();
        let plan = Plan::new(&c);
        for x in 0..4u32 {
            let bits = vec![x & 1 == 1, x & 2 == 2];
            assert_eq!(plan.eval_bits(&bits), vec![bits[0], !bits[1]]);
        }
    }

    #[test]
    fn runs_never_span_two_windows() {
        // Window 0 is n ANDs of the inputs (all level 1, bucket 1); window 1
        // opens with an AND that reads the last of them, level 1 in its own
        // window. Were bucket numbers reused across windows, both would land
        // in one run, and the second would be hashed before its input exists.
        let n = WINDOW_GATES as u32;
        let mut gates = Vec::new();
        for i in 0..n {
            gates.push(Gate::And {
                a: 0,
                b: 1,
                out: 3 + i,
            });
        }
        let first = 3 + n - 1;
        gates.push(Gate::And {
            a: first,
            b: 2,
            out: first + 1,
        });
        gates.push(Gate::Xor {
            a: first + 1,
            b: 0,
            out: first + 2,
        });
        let c = Circuit::new(
            (first + 3) as u64,
            vec![3],
            vec![1],
            gates,
            Format::BristolFashion,
        )
        .unwrap();
        let plan = Plan::new(&c);
        assert_eq!(plan.and_runs(), 2, "one run per window");
        for x in 0..8u32 {
            let bits: Vec<bool> = (0..3).map(|i| x >> i & 1 == 1).collect();
            let expected = c.eval(std::slice::from_ref(&bits)).unwrap().concat();
            assert_eq!(plan.eval_bits(&bits), expected, "x = {x}");
        }
    }
}
