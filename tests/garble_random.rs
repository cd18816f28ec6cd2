//! Random circuits (every gate kind, random wiring and output placement)
//! garbled and evaluated must agree with plaintext evaluation.

mod common;

use gc2pc::aes::Engine;
use gc2pc::block::Block;
use gc2pc::circuit::{Circuit, Format, Gate, Plan};
use gc2pc::garble::Scheme;
use gc2pc::hash::HashKind;
use gc2pc::prg::Prg;
use proptest::prelude::*;

/// A random valid circuit: `inputs` groups, `gates` random gates reading any
/// defined wire, and outputs copied (EQW) to the last wires from random wires.
fn random_circuit(seed: u64, input_sizes: Vec<u32>, gates: usize, outputs: u32) -> Circuit {
    let mut prg = Prg::new(Block::new(seed as u128 + 1));
    let mut pick = |bound: u32| (prg.random_block().low() % bound as u64) as u32;
    let mut list = Vec::new();
    let mut next: u32 = input_sizes.iter().sum();
    for _ in 0..gates {
        let (a, b) = (pick(next), pick(next));
        list.push(match pick(10) {
            0..=3 => Gate::And { a, b, out: next },
            4..=6 => Gate::Xor { a, b, out: next },
            7 => Gate::Inv { a, out: next },
            8 => Gate::Eq {
                value: b % 2 == 1,
                out: next,
            },
            _ => Gate::EqW { a, out: next },
        });
        next += 1;
    }
    for _ in 0..outputs {
        let a = pick(next);
        list.push(Gate::EqW { a, out: next });
        next += 1;
    }
    Circuit::new(
        next as u64,
        input_sizes,
        vec![outputs],
        list,
        Format::BristolFashion,
    )
    .expect("generated circuits are valid")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn garbled_equals_plaintext(
        seed in any::<u64>(),
        sizes in prop::collection::vec(0u32..10, 1..4),
        gates in 0usize..400,
        outputs in 1u32..20,
        input_seed in any::<u128>(),
    ) {
        prop_assume!(sizes.iter().sum::<u32>() > 0);
        let circuit = random_circuit(seed, sizes.clone(), gates, outputs);
        let plan = Plan::new(&circuit);
        let mut prg = Prg::new(Block::new(input_seed));
        let inputs: Vec<Vec<bool>> = sizes
            .iter()
            .map(|&n| (0..n).map(|_| prg.random_block().lsb()).collect())
            .collect();
        let expected = circuit.eval(&inputs).unwrap();
        let bits = inputs.concat();
        prop_assert_eq!(plan.eval_bits(&bits), expected[0].clone());
        for backend in Engine::all() {
            for (kind, scheme) in [HashKind::Mitccrh, HashKind::Tccr]
                .into_iter()
                .flat_map(|k| Scheme::ALL.map(|s| (k, s)))
            {
                let out = common::garble_and_evaluate(&plan, (scheme, kind, backend), &bits, &mut prg);
                prop_assert_eq!(out, expected[0].clone(), "{} {:?} {}", backend.name(), kind, scheme);
            }
        }
    }
}
