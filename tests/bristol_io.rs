//! Writing and reading back: every reference file round-trips through both
//! dialects where the dialect can express it, the written text is canonical
//! and deterministic, and random valid circuits survive write → read with the
//! same gates and the same evaluation results.
mod common;

use gc2pc::circuit::{Circuit, Format, Gate, bristol};
use proptest::prelude::*;

fn reread(c: &Circuit) -> Circuit {
    let text = bristol::to_string(c);
    bristol::parse(text.as_bytes()).unwrap_or_else(|e| panic!("re-reading failed: {e}\n{text}"))
}

#[test]
fn reference_files_round_trip_in_their_own_dialect() {
    for rc in common::reference_circuits() {
        let c = rc.load();
        let back = reread(&c);
        assert_eq!(back.gates(), c.gates(), "{}", rc.name);
        assert_eq!(back.num_wires(), c.num_wires(), "{}", rc.name);
        assert_eq!(back.input_sizes(), c.input_sizes(), "{}", rc.name);
        assert_eq!(back.output_sizes(), c.output_sizes(), "{}", rc.name);
        let expected = match c.format() {
            Format::BristolFashionMand => Format::BristolFashion,
            other => other,
        };
        assert_eq!(back.format(), expected, "{}", rc.name);
        if c.format() != Format::BristolFashionMand {
            assert_eq!(back, c, "{}", rc.name);
        }
        // Canonical: writing again gives the same bytes.
        assert_eq!(
            bristol::to_string(&back),
            bristol::to_string(&c),
            "{}",
            rc.name
        );
    }
}

#[test]
fn reference_files_round_trip_through_both_dialects() {
    for rc in common::reference_circuits() {
        let c = rc.load();
        let fashion = c.clone().with_format(Format::BristolFashion).unwrap();
        let back = reread(&fashion);
        assert_eq!(back, fashion, "{} as Fashion", rc.name);

        let old = c.clone().with_format(Format::Bristol);
        if c.input_sizes().len() > 2 || c.output_sizes().len() != 1 {
            assert!(old.is_err(), "{}", rc.name);
            continue;
        }
        let old = old.unwrap();
        let back = reread(&old);
        assert_eq!(back.format(), Format::Bristol, "{}", rc.name);
        assert_eq!(back.gates(), c.gates(), "{}", rc.name);
        assert_eq!(back.output_sizes(), c.output_sizes(), "{}", rc.name);
        // The old header always has two inputs: n2 = 0 for a one-input circuit.
        let mut sizes = c.input_sizes().to_vec();
        sizes.resize(2, 0);
        assert_eq!(back.input_sizes(), sizes.as_slice(), "{}", rc.name);
        if c.input_sizes().len() == 2 {
            assert_eq!(back, old, "{}", rc.name);
        }
        // And the vectors still hold on the converted circuit.
        for v in &rc.vectors {
            let mut inputs = v.inputs.clone();
            inputs.resize(2, Vec::new());
            assert_eq!(
                back.eval(&inputs).unwrap(),
                v.outputs,
                "{} {}",
                rc.name,
                v.name
            );
        }
    }
}

#[test]
fn fashion_text_is_canonical() {
    // Irregular spacing, tabs, CRLF, blank lines, lower-case opcodes, NOT.
    let messy = b"3   6 \r\n\t2 2 1\r\n 1 2\n\n\n2 1 0 1 3 and\n  \n1 1 2 4 NOT\n1 1 1 5 eq \n";
    let c = bristol::parse(messy).unwrap();
    let text = "3 6\n2 2 1\n1 2\n\n2 1 0 1 3 AND\n1 1 2 4 INV\n1 1 1 5 EQ\n";
    assert_eq!(bristol::to_string(&c), text);
    let mut written = Vec::new();
    bristol::write(&c, &mut written).unwrap();
    assert_eq!(written, text.as_bytes());
    assert_eq!(bristol::parse(text.as_bytes()).unwrap(), c);
}

#[test]
fn mand_is_written_as_single_and_gates() {
    let c = bristol::parse(b"1 6\n1 4\n1 2\n\n4 2 0 2 1 3 4 5 MAND\n").unwrap();
    assert_eq!(c.format(), Format::BristolFashionMand);
    assert_eq!(
        bristol::to_string(&c),
        "2 6\n1 4\n1 2\n\n2 1 0 1 4 AND\n2 1 2 3 5 AND\n"
    );
}

#[test]
fn old_format_text() {
    let c = bristol::parse(b"2 5\n2 1 2\n2 1 0 2 3 XOR\n1 1 1 4 INV\n").unwrap();
    assert_eq!(c.format(), Format::Bristol);
    assert_eq!(c.input_sizes(), &[2, 1]);
    assert_eq!(
        bristol::to_string(&c),
        "2 5\n2 1 2\n\n2 1 0 2 3 XOR\n1 1 1 4 INV\n"
    );
    let fashion = c.with_format(Format::BristolFashion).unwrap();
    assert_eq!(
        bristol::to_string(&fashion),
        "2 5\n2 2 1\n1 2\n\n2 1 0 2 3 XOR\n1 1 1 4 INV\n"
    );
}

#[test]
fn circuits_without_gates_or_groups() {
    for text in ["0 0\n0\n0\n\n", "0 4\n1 4\n1 4\n\n", "0 2\n1 1 2\n\n"] {
        let c = bristol::parse(text.as_bytes()).unwrap();
        assert_eq!(bristol::to_string(&c), text);
    }
    let identity = bristol::parse(b"0 4\n1 4\n1 4\n\n").unwrap();
    let bits = vec![true, false, false, true];
    assert_eq!(
        identity.eval(std::slice::from_ref(&bits)).unwrap(),
        vec![bits]
    );
}

/// A tiny deterministic generator for permutations.
fn shuffle(n: usize, mut seed: u64) -> Vec<usize> {
    let mut v: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        v.swap(i, (seed >> 33) as usize % (i + 1));
    }
    v
}

/// A random valid circuit: gate i writes a permuted fresh wire and reads
/// wires already defined; the outputs are the last wires.
fn build(
    input_sizes: Vec<u32>,
    specs: &[(u8, u32, u32, bool)],
    output_sizes: Vec<u32>,
    seed: u64,
) -> Circuit {
    let total_in: u32 = input_sizes.iter().sum();
    let perm = shuffle(specs.len(), seed);
    let mut defined: Vec<u32> = (0..total_in).collect();
    let mut gates = Vec::new();
    for (i, &(kind, x, y, value)) in specs.iter().enumerate() {
        let out = total_in + perm[i] as u32;
        let gate = if defined.is_empty() {
            Gate::Eq { value, out }
        } else {
            let a = defined[x as usize % defined.len()];
            let b = defined[y as usize % defined.len()];
            match kind % 5 {
                0 => Gate::Xor { a, b, out },
                1 => Gate::And { a, b, out },
                2 => Gate::Inv { a, out },
                3 => Gate::Eq { value, out },
                _ => Gate::EqW { a, out },
            }
        };
        gates.push(gate);
        defined.push(out);
    }
    let num_wires = total_in as u64 + specs.len() as u64;
    // Keep the output groups within the wires there are.
    let mut left = num_wires as u32;
    let outputs: Vec<u32> = output_sizes
        .into_iter()
        .map(|n| {
            let n = n.min(left);
            left -= n;
            n
        })
        .collect();
    Circuit::new(
        num_wires,
        input_sizes,
        outputs,
        gates,
        Format::BristolFashion,
    )
    .unwrap()
}

fn random_inputs(c: &Circuit, seed: u64) -> Vec<Vec<bool>> {
    let mut s = seed | 1;
    c.input_sizes()
        .iter()
        .map(|&n| {
            (0..n)
                .map(|_| {
                    s ^= s << 13;
                    s ^= s >> 7;
                    s ^= s << 17;
                    s & 1 == 1
                })
                .collect()
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_circuits_round_trip(
        input_sizes in prop::collection::vec(0u32..6, 0..4),
        specs in prop::collection::vec((any::<u8>(), any::<u32>(), any::<u32>(), any::<bool>()), 0..60),
        output_sizes in prop::collection::vec(0u32..8, 0..4),
        seed in any::<u64>(),
        input_seed in any::<u64>(),
    ) {
        let c = build(input_sizes, &specs, output_sizes, seed);
        let inputs = random_inputs(&c, input_seed);
        let expected = c.eval(&inputs).unwrap();

        let back = reread(&c);
        prop_assert_eq!(&back, &c);
        prop_assert_eq!(back.eval(&inputs).unwrap(), expected.clone());

        if let Ok(old) = c.clone().with_format(Format::Bristol) {
            let back = reread(&old);
            prop_assert_eq!(back.gates(), c.gates());
            prop_assert_eq!(back.output_sizes(), c.output_sizes());
            let mut padded = inputs.clone();
            padded.resize(2, Vec::new());
            prop_assert_eq!(back.eval(&padded).unwrap(), expected);
            if c.input_sizes().len() == 2 {
                prop_assert_eq!(back, old);
            }
        }
    }
}
