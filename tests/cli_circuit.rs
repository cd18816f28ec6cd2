//! `gc2pc circuit info|eval|convert` through the built binary: known answers
//! on the reference circuits and `error:` messages with a non-zero exit.
mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn gc2pc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gc2pc"))
        .args(args)
        .output()
        .expect("run gc2pc")
}

fn reference(name: &str) -> String {
    common::circuits_ref_dir()
        .join(name)
        .to_string_lossy()
        .into_owned()
}

/// Runs and expects success; returns stdout.
fn ok(args: &[&str]) -> String {
    let out = gc2pc(args);
    assert!(
        out.status.success(),
        "gc2pc {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Runs and expects failure with `error:` on stderr; returns stderr.
fn fails(args: &[&str]) -> String {
    let out = gc2pc(args);
    assert!(!out.status.success(), "gc2pc {args:?} succeeded");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.starts_with("error: "), "stderr: {stderr}");
    stderr
}

fn temp_path(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gc2pc-cli-circuit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

const KEY: &str = "0x000102030405060708090a0b0c0d0e0f";
const PLAINTEXT: &str = "0x00112233445566778899aabbccddeeff";
const CIPHERTEXT: &str = "0x69c4e0d86a7b0430d8cdb78070b4c55a";

#[test]
fn info_on_aes_128() {
    let text = ok(&["circuit", "info", &reference("bristol_fashion/aes_128.txt")]);
    for line in [
        "format:     Bristol Fashion\n",
        "gates:      36663 (XOR 28176, AND 6400, INV 2087, EQ 0, EQW 0)\n",
        "AND gates:  6400\n",
        "AND depth:  60\n",
        "wires:      36919\n",
        "inputs:     2 groups, 256 bits\n",
        "  input 0:  128 bits (wires 0..127, garbler)\n",
        "  input 1:  128 bits (wires 128..255, evaluator)\n",
        "outputs:    1 group, 128 bits\n",
        "  output 0: 128 bits (wires 36791..36918)\n",
    ] {
        assert!(text.contains(line), "missing {line:?} in\n{text}");
    }
}

#[test]
fn info_json_is_valid_and_complete() {
    let text = ok(&[
        "circuit",
        "info",
        "--json",
        &reference("bristol_fashion_mand/aes_128.txt"),
    ]);
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["format"], "bristol_fashion_extended_mand");
    assert_eq!(v["and_gates"], 6400);
    assert_eq!(v["and_depth"], 60);
    assert_eq!(v["wires"], 36919);
    assert_eq!(v["gate_counts"]["XOR"], 28176);
    assert_eq!(v["gate_counts"]["INV"], 2087);
    assert_eq!(v["input_sizes"], serde_json::json!([128, 128]));
    assert_eq!(v["output_sizes"], serde_json::json!([128]));
    assert_eq!(v["inputs"][1]["first_wire"], 128);
    assert_eq!(v["inputs"][0]["owner"], "garbler");
    assert_eq!(v["outputs"][0]["first_wire"], 36791);

    let text = ok(&[
        "circuit",
        "info",
        "--json",
        &reference("bristol_format/sha-256.txt"),
    ]);
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["format"], "bristol_format");
    assert_eq!(v["input_sizes"], serde_json::json!([512, 0]));
    assert_eq!(v["and_gates"], 22272);
}

#[test]
fn eval_aes_128_fashion_on_fips_197_c1() {
    let file = reference("bristol_fashion/aes_128.txt");
    let out = ok(&[
        "circuit", "eval", &file, "--input", KEY, "--input", PLAINTEXT,
    ]);
    assert_eq!(out, format!("{CIPHERTEXT}\n"));
    // The MAND variant computes the same.
    let file = reference("bristol_fashion_mand/aes_128.txt");
    let out = ok(&["circuit", "eval", &file, "-i", KEY, "-i", PLAINTEXT]);
    assert_eq!(out, format!("{CIPHERTEXT}\n"));
}

#[test]
fn eval_old_aes_with_msb_bytes() {
    let file = reference("bristol_format/AES-non-expanded.txt");
    let out = ok(&[
        "circuit",
        "eval",
        &file,
        "--msb-bytes",
        "--input",
        PLAINTEXT,
        "--input",
        KEY,
    ]);
    assert_eq!(out, format!("{CIPHERTEXT}\n"));
    // Without --msb-bytes the same file computes something else entirely.
    let out = ok(&[
        "circuit", "eval", &file, "--input", PLAINTEXT, "--input", KEY,
    ]);
    assert_ne!(out, format!("{CIPHERTEXT}\n"));
}

#[test]
fn eval_old_sha256_skips_the_empty_group() {
    let file = reference("bristol_format/sha-256.txt");
    let block = format!("61626380{}18", "0".repeat(118));
    let out = ok(&["circuit", "eval", &file, "--msb-bytes", "--input", &block]);
    assert_eq!(
        out,
        "0xba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n"
    );
}

#[test]
fn eval_integers() {
    let adder = reference("bristol_fashion/adder64.txt");
    assert_eq!(
        ok(&["circuit", "eval", &adder, "--input", "5", "--input", "7"]),
        "0x000000000000000c\n"
    );
    assert_eq!(
        ok(&[
            "circuit", "eval", &adder, "-i", "5", "-i", "7", "--format", "dec"
        ]),
        "12\n"
    );
    assert_eq!(
        ok(&[
            "circuit", "eval", &adder, "-i", "-1", "-i", "0b11", "--format", "bin"
        ]),
        format!("0b{}10\n", "0".repeat(62))
    );
    // Two outputs, high half first.
    let mult = reference("bristol_fashion/mult2_64.txt");
    assert_eq!(
        ok(&[
            "circuit",
            "eval",
            &mult,
            "-i",
            "18446744073709551615",
            "-i",
            "3",
            "--format",
            "dec"
        ]),
        "2\n18446744073709551613\n"
    );
}

#[test]
fn convert_round_trips_through_both_dialects() {
    let adder = reference("bristol_fashion/adder64.txt");
    let old = temp_path("adder64_old.txt");
    let back = temp_path("adder64_back.txt");
    let old_s = old.to_str().unwrap();
    let back_s = back.to_str().unwrap();
    ok(&["circuit", "convert", &adder, old_s, "--to", "bristol"]);
    assert!(
        std::fs::read_to_string(&old)
            .unwrap()
            .starts_with("376 504\n64 64 64\n\n")
    );
    assert_eq!(
        ok(&["circuit", "eval", old_s, "-i", "5", "-i", "7"]),
        "0x000000000000000c\n"
    );
    ok(&["circuit", "convert", old_s, back_s, "--to", "fashion"]);
    let original = gc2pc::circuit::bristol::read_file(Path::new(&adder)).unwrap();
    assert_eq!(
        std::fs::read_to_string(&back).unwrap(),
        gc2pc::circuit::bristol::to_string(&original)
    );
    // To standard output.
    let stdout = ok(&["circuit", "convert", old_s, "-", "--to", "fashion"]);
    assert_eq!(stdout, std::fs::read_to_string(&back).unwrap());
    // mult2_64 has two outputs: not expressible in the old format.
    let err = fails(&[
        "circuit",
        "convert",
        &reference("bristol_fashion/mult2_64.txt"),
        "-",
        "--to",
        "bristol",
    ]);
    assert!(err.contains("exactly 1 output group"), "{err}");
    // Only this test's files: the directory is shared by the tests of this
    // process, which run in parallel.
    let _ = std::fs::remove_file(&old);
    let _ = std::fs::remove_file(&back);
}

#[test]
fn errors_exit_non_zero_with_a_message() {
    let adder = reference("bristol_fashion/adder64.txt");
    let err = fails(&["circuit", "info", "/nonexistent/circuit.txt"]);
    assert!(err.contains("/nonexistent/circuit.txt"), "{err}");
    let err = fails(&["circuit", "eval", "/nonexistent/circuit.txt", "-i", "1"]);
    assert!(err.contains("No such file"), "{err}");

    let err = fails(&["circuit", "eval", &adder, "-i", "5", "-i", "zz"]);
    assert!(
        err.contains("input group 1") && err.contains("not a"),
        "{err}"
    );
    let err = fails(&[
        "circuit",
        "eval",
        &adder,
        "-i",
        "5",
        "-i",
        "0x1ffffffffffffffff",
    ]);
    assert!(err.contains("does not fit in 64 bits"), "{err}");
    let err = fails(&["circuit", "eval", &adder, "-i", "5", "-i", "7", "-i", "9"]);
    assert!(err.contains("takes 2 --input"), "{err}");
    let err = fails(&["circuit", "eval", &adder, "-i", "5"]);
    assert!(err.contains("but 1 were given"), "{err}");
    let err = fails(&[
        "circuit",
        "eval",
        &reference("bristol_format/AES-non-expanded.txt"),
        "--msb-bytes",
        "-i",
        "0x0011",
        "-i",
        KEY,
    ]);
    assert!(err.contains("wrong length for a 128-bit group"), "{err}");

    let bad = temp_path("bad.txt");
    std::fs::write(&bad, "1 3\n2 1 1\n1 1\n\n2 1 0 9 2 XOR\n").unwrap();
    let err = fails(&["circuit", "info", bad.to_str().unwrap()]);
    assert!(
        err.contains("line 5: gate reads wire 9 but the circuit has 3 wires"),
        "{err}"
    );
    let _ = std::fs::remove_file(&bad);
}

#[test]
fn help_explains_bit_order_with_examples() {
    let help = ok(&["circuit", "eval", "--help"]);
    assert!(help.contains("LSB-first"), "{help}");
    assert!(help.contains("--msb-bytes"), "{help}");
    assert!(
        help.contains("0x69c4e0d86a7b0430d8cdb78070b4c55a"),
        "{help}"
    );
    let help = ok(&["circuit", "--help"]);
    for command in ["info", "eval", "convert", "gen"] {
        assert!(help.contains(command), "{help}");
    }
}
