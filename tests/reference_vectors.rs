//! Every reference circuit of `circuits-ref/` parses with the facts that
//! `vectors.json` records (format, gates, wires, groups, AND count and depth),
//! and plaintext evaluation reproduces every known-answer vector.
mod common;

use gc2pc::circuit::value::{BitOrder, ValueFormat, format_value, parse_value};
use gc2pc::circuit::{Circuit, Format, Gate};

fn expected_format(name: &str) -> Format {
    match name {
        "bristol_format" => Format::Bristol,
        "bristol_fashion" => Format::BristolFashion,
        "bristol_fashion_extended_mand" => Format::BristolFashionMand,
        other => panic!("unknown format {other} in vectors.json"),
    }
}

/// The longest chain of AND gates ending at an output wire.
fn output_and_depth(c: &Circuit) -> u32 {
    let mut depth = vec![0u32; c.num_wires()];
    for g in c.gates() {
        let d = g.inputs().map(|w| depth[w as usize]).max().unwrap_or(0);
        depth[g.output() as usize] = d + matches!(g, Gate::And { .. }) as u32;
    }
    depth[c.first_output_wire()..]
        .iter()
        .copied()
        .max()
        .unwrap_or(0)
}

#[test]
fn all_24_circuits_have_the_recorded_shape() {
    let circuits = common::reference_circuits();
    assert_eq!(circuits.len(), 24);
    for rc in &circuits {
        let c = rc.load();
        let name = &rc.name;
        // The MAND copy of adder64 has no MAND line: it is a basic Fashion file.
        let format = if name == "bristol_fashion_mand/adder64.txt" {
            Format::BristolFashion
        } else {
            expected_format(&rc.format)
        };
        assert_eq!(c.format(), format, "{name}");
        assert_eq!(c.num_wires(), rc.wires, "{name}");
        assert_eq!(c.input_sizes(), rc.input_sizes.as_slice(), "{name}");
        assert_eq!(c.output_sizes(), rc.output_sizes.as_slice(), "{name}");
        assert_eq!(c.and_count(), rc.and_gates, "{name}");
        // vectors.json records the depth to the outputs; `and_depth` counts
        // every wire, so dead AND chains (udivide64: 2205 vs 2204) may add.
        assert_eq!(output_and_depth(&c), rc.and_depth, "{name}");
        assert!(c.and_depth() >= rc.and_depth, "{name}");
        if c.format() != Format::BristolFashionMand {
            // MAND lines count once in the header; expanded they are n gates.
            assert_eq!(c.gates().len(), rc.gates, "{name}");
        } else {
            assert!(c.gates().len() > rc.gates, "{name}");
        }
    }
}

#[test]
fn gate_kinds_match_the_readme_tables() {
    let count = |name: &str| {
        let c = common::reference_circuit(name).load();
        let mut n = [0usize; 5];
        for g in c.gates() {
            n[match g {
                Gate::Xor { .. } => 0,
                Gate::And { .. } => 1,
                Gate::Inv { .. } => 2,
                Gate::Eq { .. } => 3,
                Gate::EqW { .. } => 4,
            }] += 1;
        }
        n
    };
    assert_eq!(
        count("bristol_fashion/aes_128.txt"),
        [28176, 6400, 2087, 0, 0]
    );
    assert_eq!(count("bristol_fashion/neg64.txt"), [63, 62, 64, 0, 1]);
    assert_eq!(
        count("bristol_fashion_mand/aes_128.txt"),
        [28176, 6400, 2087, 0, 0]
    );
    assert_eq!(
        count("bristol_format/AES-non-expanded.txt"),
        [25124, 6800, 1692, 0, 0]
    );
}

#[test]
fn every_vector_evaluates_to_its_known_answer() {
    let mut total = 0;
    for rc in common::reference_circuits() {
        let c = rc.load();
        for v in &rc.vectors {
            let got = c
                .eval(&v.inputs)
                .unwrap_or_else(|e| panic!("{} {}: {e}", rc.name, v.name));
            assert_eq!(got, v.outputs, "{} vector {}", rc.name, v.name);
            total += 1;
        }
    }
    assert!(total >= 400, "only {total} vectors were checked");
}

#[test]
fn fips_197_c1_through_values_in_both_conventions() {
    let hex = |bits: &[bool], order| format_value(bits, ValueFormat::Hex, order);
    let key = "0x000102030405060708090a0b0c0d0e0f";
    let pt = "0x00112233445566778899aabbccddeeff";
    let ct = "0x69c4e0d86a7b0430d8cdb78070b4c55a";

    let fashion = common::reference_circuit("bristol_fashion/aes_128.txt").load();
    let lsb = BitOrder::LsbInteger;
    let out = fashion
        .eval(&[
            parse_value(key, 128, lsb).unwrap(),
            parse_value(pt, 128, lsb).unwrap(),
        ])
        .unwrap();
    assert_eq!(hex(&out[0], lsb), ct);

    let old = common::reference_circuit("bristol_format/AES-non-expanded.txt").load();
    let msb = BitOrder::MsbBytes;
    let out = old
        .eval(&[
            parse_value(pt, 128, msb).unwrap(),
            parse_value(key, 128, msb).unwrap(),
        ])
        .unwrap();
    assert_eq!(hex(&out[0], msb), ct);
    // Read with the wrong convention, the same wires give the bit-reversed hex.
    assert_ne!(hex(&out[0], lsb), ct);
}

#[test]
fn integer_circuits_through_values() {
    let lsb = BitOrder::LsbInteger;
    let run = |name: &str, a: &str, b: &str| {
        let c = common::reference_circuit(name).load();
        let w = c.input_sizes()[0] as usize;
        let out = c
            .eval(&[
                parse_value(a, w, lsb).unwrap(),
                parse_value(b, w, lsb).unwrap(),
            ])
            .unwrap();
        out.iter()
            .map(|o| format_value(o, ValueFormat::Dec, lsb))
            .collect::<Vec<_>>()
    };
    assert_eq!(run("bristol_fashion/adder64.txt", "5", "7"), ["12"]);
    assert_eq!(
        run("bristol_fashion/sub64.txt", "5", "7"),
        ["18446744073709551614"]
    );
    // divide64 is signed: -7 / 2 = -3 (truncation), printed as unsigned 2^64 - 3.
    assert_eq!(
        run("bristol_fashion/divide64.txt", "-7", "2"),
        ["18446744073709551613"]
    );
    // mult2_64 outputs the high half first.
    assert_eq!(
        run("bristol_fashion/mult2_64.txt", "0xffffffffffffffff", "2"),
        ["1", "18446744073709551614"]
    );
    assert_eq!(
        run("bristol_format/comparator_32bit_signed_lt.txt", "-1", "0"),
        ["1"]
    );
    assert_eq!(
        run("bristol_format/comparator_32bit_unsigned_lt.txt", "-1", "0"),
        ["0"]
    );
}
