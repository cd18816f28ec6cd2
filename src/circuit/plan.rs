//! The circuit compiled for garbling: a flat list of operations in which the
//! AND gates come in runs of mutually independent gates, over a compact array
//! of label slots.
//!
//! Scheduling: every wire gets an AND level (inputs 0; an AND gate's output is
//! one more than its deepest input; a free gate's output is as deep as its
//! deepest input). Gates are then ordered free(0), AND(1), free(1), AND(2), …
//! (a stable counting sort, so the order stays topological). All AND gates of
//! one level are independent, so the garbler can hash many of them per call and
//! keep dozens of AES blocks in flight, where EMP garbles one gate at a time.
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
    Xor { a: u32, b: u32, out: u32 },
    /// `out = ¬a` (free: the garbler flips the zero label by Δ).
    Inv { a: u32, out: u32 },
    /// `out = value` (a public constant).
    Const { value: bool, out: u32 },
    /// `out = a`.
    Copy { a: u32, out: u32 },
    /// The independent AND gates `ands()[start..end]`.
    Ands { start: u32, end: u32 },
}

/// A circuit compiled for garbling and evaluation.
#[derive(Clone, Debug)]
pub struct Plan {
    ops: Vec<Op>,
    ands: Vec<AndGate>,
    num_slots: u32,
    num_inputs: u32,
    output_slots: Vec<u32>,
    and_levels: u32,
}

/// Marks a wire that no gate reads after it is written.
const NEVER: u32 = u32::MAX;

impl Plan {
    /// Compiles `circuit` (already validated by `Circuit::new`).
    pub fn new(circuit: &Circuit) -> Plan {
        let gates = circuit.gates();
        let num_wires = circuit.num_wires();
        let num_inputs = circuit.total_inputs();

        // AND level of every wire and the bucket of every gate.
        let mut level = vec![0u32; num_wires];
        let mut bucket = Vec::with_capacity(gates.len());
        let mut and_levels = 0;
        for gate in gates {
            let deepest = gate.inputs().map(|w| level[w as usize]).max().unwrap_or(0);
            let is_and = matches!(gate, Gate::And { .. });
            let l = deepest + is_and as u32;
            level[gate.output() as usize] = l;
            and_levels = and_levels.max(l);
            // free(0)=0, AND(1)=1, free(1)=2, AND(2)=3, …
            bucket.push(if is_and { 2 * l - 1 } else { 2 * l });
        }
        drop(level);

        // Stable counting sort of the gate indices by bucket.
        let mut start = vec![0u32; 2 * and_levels as usize + 2];
        for &b in &bucket {
            start[b as usize + 1] += 1;
        }
        for i in 1..start.len() {
            start[i] += start[i - 1];
        }
        let mut order = vec![0u32; gates.len()];
        for (index, &b) in bucket.iter().enumerate() {
            order[start[b as usize] as usize] = index as u32;
            start[b as usize] += 1;
        }

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
            and_levels,
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

    /// Number of AND levels scheduled (the AND depth over all wires, dead
    /// ones included; `Circuit::and_depth` counts only paths to outputs).
    #[inline]
    pub fn and_levels(&self) -> u32 {
        self.and_levels
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
                    let run = &self.ands[start as usize..end as usize];
                    let results: Vec<bool> = run
                        .iter()
                        .map(|g| value[g.a as usize] & value[g.b as usize])
                        .collect();
                    for (g, r) in run.iter().zip(results) {
                        value[g.out as usize] = r;
                    }
                }
            }
        }
        self.output_slots
            .iter()
            .map(|&s| value[s as usize])
            .collect()
    }
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
        assert_eq!(plan.and_levels(), 2);
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
}
