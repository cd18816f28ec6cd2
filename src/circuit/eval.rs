//! Plaintext evaluation: the reference every garbled result is checked against.
//!
//! One flat `Vec<bool>` indexed by wire number and a single pass over the gates
//! (they are in topological order and validated by [`Circuit::new`], so every
//! index is in range and every read wire is already set).

use super::{Circuit, CircuitError, Gate, ValueError};

impl Circuit {
    /// Evaluates the circuit on one bit vector per input group (wire j of a
    /// group = element j) and returns one bit vector per output group.
    ///
    /// Every input group needs a vector of exactly its width, groups of width 0
    /// included (an empty vector); anything else is a [`CircuitError::Value`].
    pub fn eval(&self, inputs: &[Vec<bool>]) -> Result<Vec<Vec<bool>>, CircuitError> {
        let sizes = self.input_sizes();
        if inputs.len() != sizes.len() {
            return Err(ValueError::InputGroups {
                expected: sizes.len(),
                got: inputs.len(),
            }
            .into());
        }
        for (group, (bits, &size)) in inputs.iter().zip(sizes).enumerate() {
            if bits.len() != size as usize {
                return Err(ValueError::InputWidth {
                    group,
                    width: size as usize,
                    got: bits.len(),
                }
                .into());
            }
        }

        let mut wires = vec![false; self.num_wires()];
        let mut offset = 0;
        for bits in inputs {
            wires[offset..offset + bits.len()].copy_from_slice(bits);
            offset += bits.len();
        }
        for gate in self.gates() {
            let (out, value) = match *gate {
                Gate::Xor { a, b, out } => (out, wires[a as usize] ^ wires[b as usize]),
                Gate::And { a, b, out } => (out, wires[a as usize] & wires[b as usize]),
                Gate::Inv { a, out } => (out, !wires[a as usize]),
                Gate::Eq { value, out } => (out, value),
                Gate::EqW { a, out } => (out, wires[a as usize]),
            };
            wires[out as usize] = value;
        }

        let mut start = self.first_output_wire();
        Ok(self
            .output_sizes()
            .iter()
            .map(|&size| {
                let group = wires[start..start + size as usize].to_vec();
                start += size as usize;
                group
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use crate::circuit::{Circuit, Format, Gate};

    #[test]
    fn evaluates_every_gate_kind() {
        let gates = vec![
            Gate::And { a: 0, b: 1, out: 2 },
            Gate::Xor { a: 0, b: 1, out: 3 },
            Gate::Inv { a: 0, out: 4 },
            Gate::Eq {
                value: true,
                out: 5,
            },
            Gate::EqW { a: 1, out: 6 },
        ];
        let c = Circuit::new(7, vec![1, 1], vec![5], gates, Format::BristolFashion).unwrap();
        for (x, y) in [(false, false), (false, true), (true, false), (true, true)] {
            let out = c.eval(&[vec![x], vec![y]]).unwrap();
            assert_eq!(out, vec![vec![x & y, x ^ y, !x, true, y]]);
        }
        assert!(c.eval(&[vec![true]]).is_err());
        assert!(c.eval(&[vec![true], vec![true, false]]).is_err());
    }
}
