//! Garble programs between two `gc2pc` processes, against garble_lang's own
//! plaintext evaluation of each program: integers, arrays, structs, enums,
//! tuples, loops, `join`, and panics (overflow, division by zero, an index
//! out of bounds) reported as errors; inputs from files and standard input;
//! different programs stopped at the handshake.

mod common;

use gc2pc::secure::garble::GarbleProgram;
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_gc2pc");

/// (name, program, garbler literal, evaluator literal)
const PROGRAMS: &[(&str, &str, &str, &str)] = &[
    (
        "mul_add",
        "pub fn main(x: u32, y: u32) -> u32 { x * y + 7u32 }",
        "1234u32",
        "5678u32",
    ),
    (
        "signed_sub",
        "pub fn main(x: i16, y: i16) -> i16 { x - y }",
        "-300i16",
        "1000i16",
    ),
    (
        "less_than",
        "pub fn main(x: u64, y: u64) -> bool { x < y }",
        "2500000u64",
        "1750000u64",
    ),
    (
        "array_xor",
        "pub fn main(a: [u8; 4], b: [u8; 4]) -> [u8; 4] {\n    let mut c = [0u8; 4];\n    for i in 0usize..4usize {\n        c[i] = a[i] ^ b[i];\n    }\n    c\n}",
        "[1u8, 2u8, 3u8, 4u8]",
        "[255u8, 0u8, 16u8, 4u8]",
    ),
    (
        "struct_add",
        "struct Point { x: i32, y: i32 }\npub fn main(a: Point, b: Point) -> Point {\n    Point { x: a.x + b.x, y: a.y + b.y }\n}",
        "Point { x: 3i32, y: -4i32 }",
        "Point { x: 10i32, y: 20i32 }",
    ),
    (
        "enum_match",
        "enum Op { Add(u8), Mul(u8) }\npub fn main(a: Op, b: u8) -> u8 {\n    match a {\n        Op::Add(x) => x + b,\n        Op::Mul(x) => x * b,\n    }\n}",
        "Op::Mul(6u8)",
        "7u8",
    ),
    (
        "tuple",
        "pub fn main(a: (u8, bool), b: u8) -> (u8, bool) { (a.0 + b, !a.1) }",
        "(40u8, true)",
        "2u8",
    ),
    (
        "loop_sum",
        "pub fn main(a: [u16; 5], b: u16) -> u16 {\n    let mut s = b;\n    for x in a {\n        s = s + x;\n    }\n    s\n}",
        "[1u16, 2u16, 3u16, 4u16, 5u16]",
        "100u16",
    ),
    (
        "join",
        "pub fn main(a: [(u8, u16); 3], b: [(u8, u16); 3]) -> u16 {\n    let mut total = 0u16;\n    for joined in join(a, b) {\n        let ((_, x), (_, y)) = joined;\n        total = total + x * y;\n    }\n    total\n}",
        "[(1u8, 10u16), (3u8, 20u16), (5u8, 30u16)]",
        "[(2u8, 7u16), (3u8, 2u16), (5u8, 3u16)]",
    ),
    (
        "if_else",
        "pub fn main(a: bool, b: bool) -> u8 {\n    if a & b { 1u8 } else { 2u8 }\n}",
        "true",
        "false",
    ),
    (
        "auction",
        "pub fn main(g: [u32; 3], e: [u32; 2]) -> (u8, u32) {\n    let bids = [g[0], g[1], g[2], e[0], e[1]];\n    let mut best = 0u32;\n    let mut second = 0u32;\n    let mut winner = 0u8;\n    for i in 0usize..5usize {\n        let b = bids[i];\n        if b > best {\n            second = best;\n            best = b;\n            winner = i as u8;\n        } else if b > second {\n            second = b;\n        } else {\n        }\n    }\n    (winner, second)\n}",
        "[410u32, 560u32, 300u32]",
        "[515u32, 100u32]",
    ),
    (
        "overflow",
        "pub fn main(x: u8, y: u8) -> u8 {\n    x + y\n}",
        "200u8",
        "100u8",
    ),
    (
        "div_by_zero",
        "pub fn main(x: u8, y: u8) -> u8 {\n    x / y\n}",
        "9u8",
        "0u8",
    ),
    (
        "out_of_bounds",
        "pub fn main(a: [u8; 3], i: usize) -> u8 {\n    a[i]\n}",
        "[1u8, 2u8, 3u8]",
        "5usize",
    ),
];

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("gc2pc-garble-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs the garbler and the evaluator on `program`: each gets `args` and
/// its own extra arguments; `e_stdin` is piped to the evaluator.
fn two_parties(
    g_program: &std::path::Path,
    e_program: &std::path::Path,
    g_args: &[&str],
    e_args: &[&str],
    e_stdin: Option<&str>,
) -> ((bool, String, String), (bool, String, String)) {
    let garbler = common::spawn_listening(
        Command::new(BIN)
            .arg("garble")
            .arg("--program")
            .arg(g_program)
            .args([
                "--listen",
                "127.0.0.1:0",
                "--timeout",
                "20",
                "--reveal",
                "both",
            ])
            .args(g_args)
            .stdout(Stdio::piped()),
    );
    let e = common::run_with_stdin(
        Command::new(BIN)
            .arg("evaluate")
            .arg("--program")
            .arg(e_program)
            .args([
                "--connect",
                &garbler.addr,
                "--timeout",
                "20",
                "--reveal",
                "both",
            ])
            .args(e_args),
        e_stdin.map(str::as_bytes),
    );
    let g = garbler.finish();
    (g, e)
}

#[test]
fn programs_run_between_two_processes_as_garble_lang_evaluates_them() {
    let dir = temp_dir("programs");
    for (i, &(name, source, g, e)) in PROGRAMS.iter().enumerate() {
        let path = dir.join(format!("{name}.garble.rs"));
        std::fs::write(&path, source).unwrap();
        let expected = GarbleProgram::compile(source).unwrap().eval_plain(g, e);
        // Inputs three ways: inline, a file, standard input.
        let g_file = dir.join(format!("{name}.g"));
        std::fs::write(&g_file, format!("# the garbler's input\n{g}\n")).unwrap();
        let g_file = g_file.to_str().unwrap().to_string();
        let (g_args, e_args, stdin): (Vec<&str>, Vec<&str>, Option<&str>) = match i % 3 {
            0 => (vec!["--input", g], vec!["--input", e], None),
            1 => (vec!["--input-file", &g_file], vec!["--input", e], None),
            _ => (vec!["--input", g], vec!["--input-file", "-"], Some(e)),
        };
        let ((g_ok, g_out, g_err), (e_ok, e_out, e_err)) =
            two_parties(&path, &path, &g_args, &e_args, stdin);
        match expected {
            Ok(value) => {
                assert!(g_ok && e_ok, "{name}:\n{g_err}\n{e_err}");
                assert_eq!(e_out.trim(), value, "{name}: the evaluator");
                assert_eq!(g_out.trim(), value, "{name}: the garbler (--reveal both)");
            }
            Err(panic) => {
                let panic = panic.to_string();
                assert!(panic.contains("panicked"), "{name}: {panic}");
                assert!(!e_ok, "{name}: a panic must fail the evaluator");
                assert!(e_out.is_empty(), "{name}: no output after a panic");
                assert!(e_err.contains(&panic), "{name}: {e_err}");
                assert!(!g_ok && g_out.is_empty(), "{name}: {g_err}");
            }
        }
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn different_programs_stop_at_the_handshake() {
    let dir = temp_dir("mismatch");
    let a = dir.join("a.garble.rs");
    let b = dir.join("b.garble.rs");
    std::fs::write(&a, "pub fn main(x: u32, y: u32) -> u32 { x + y }").unwrap();
    std::fs::write(&b, "pub fn main(x: u32, y: u32) -> u32 { x - y }").unwrap();
    let ((g_ok, _, g_err), (e_ok, e_out, e_err)) =
        two_parties(&a, &b, &["--input", "1u32"], &["--input", "2u32"], None);
    assert!(!g_ok && !e_ok);
    assert!(e_out.is_empty());
    for err in [&g_err, &e_err] {
        assert!(err.contains("disagree"), "{err}");
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn bad_programs_and_literals_are_clear_errors() {
    let dir = temp_dir("bad");
    let path = dir.join("p.garble.rs");
    let run = |source: &str, args: &[&str]| {
        std::fs::write(&path, source).unwrap();
        let out = Command::new(BIN)
            .arg("demo")
            .arg("--program")
            .arg(&path)
            .args(args)
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let ok = "pub fn main(x: u32, y: u32) -> u32 { x + y }";
    let (s, err) = run(
        "pub fn main(x: u32, y: u32) -> u32 { x + }",
        &["--garbler-input", "1u32", "--evaluator-input", "2u32"],
    );
    assert!(!s && err.contains("does not compile"), "{err}");
    let (s, err) = run(
        "pub fn main(x: u32) -> u32 { x }",
        &["--garbler-input", "1u32", "--evaluator-input", "2u32"],
    );
    assert!(!s && err.contains("two parties"), "{err}");
    let (s, err) = run(ok, &["--garbler-input", "1u8", "--evaluator-input", "2u32"]);
    assert!(!s && err.contains("garbler's input"), "{err}");
    let (s, err) = run(
        ok,
        &["--garbler-input", "[1u32", "--evaluator-input", "2u32"],
    );
    assert!(!s && err.contains("garbler's input"), "{err}");
    let out = Command::new(BIN)
        .arg("demo")
        .arg("--program")
        .arg(&path)
        .args(["--garbler-input", "40u32", "--evaluator-input", "2u32"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(
        stdout.contains("result (learned by the evaluator): 42"),
        "{stdout}"
    );
    assert!(stdout.contains("plaintext evaluation agrees"), "{stdout}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn circuit_convert_writes_a_programs_circuit_as_bristol() {
    use gc2pc::secure::Party;
    let dir = temp_dir("convert");
    for &(name, source, g, e) in PROGRAMS.iter().take(8) {
        let path = dir.join(format!("{name}.garble.rs"));
        std::fs::write(&path, source).unwrap();
        let out = dir.join(format!("{name}.txt"));
        let status = Command::new(BIN)
            .args(["circuit", "convert", "--program"])
            .arg(&path)
            .arg(&out)
            .args(["--to", "fashion"])
            .output()
            .unwrap();
        assert!(
            status.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&status.stderr)
        );
        // The file, evaluated by gc2pc's reference evaluator on Garble's
        // input bits, gives Garble's output bits.
        let circuit = gc2pc::circuit::bristol::read_file(&out).unwrap();
        let program = GarbleProgram::compile(source).unwrap();
        let bits = [
            program.input(Party::Garbler, g).unwrap().to_vec(),
            program.input(Party::Evaluator, e).unwrap().to_vec(),
        ];
        let outputs = circuit.eval(&bits).unwrap();
        assert_eq!(
            program.output(&outputs[0]).unwrap(),
            program.eval_plain(g, e).unwrap(),
            "{name}"
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}
