//! Two real `gc2pc` processes over TCP on 127.0.0.1: known answers (AES-128
//! FIPS-197, SHA-256 "abc"), generated circuits on random inputs against
//! plaintext evaluation, and the errors a user meets.

mod common;

use gc2pc::block::Block;
use gc2pc::circuit::bristol;
use gc2pc::circuit::value::{BitOrder, ValueFormat, format_value, parse_value};
use gc2pc::prg::Prg;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_gc2pc");

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// A garbler listening on an ephemeral port (the address is read from the
/// "waiting for the evaluator on ADDR" line it prints to stderr).
type Garbler = common::Listening;

fn spawn_garbler(circuit: &Path, args: &[&str]) -> Garbler {
    common::spawn_garbler(circuit, 30, args)
}

fn evaluate(circuit: &Path, addr: &str, args: &[&str]) -> Output {
    common::evaluate(circuit, addr, 10, args)
}

/// Runs both parties; returns (evaluator stdout, garbler stdout).
fn run_pair(circuit: &Path, garbler: &[&str], evaluator: &[&str]) -> (String, String) {
    let g = spawn_garbler(circuit, garbler);
    let e = evaluate(circuit, &g.addr, evaluator);
    let (g_ok, g_out, g_err) = g.finish();
    let e_err = String::from_utf8_lossy(&e.stderr);
    assert!(
        e.status.success(),
        "evaluator failed: {e_err}\ngarbler: {g_err}"
    );
    assert!(g_ok, "garbler failed: {g_err}");
    (String::from_utf8(e.stdout).unwrap(), g_out)
}

#[test]
fn aes128_fips197_between_two_processes_with_either_scheme() {
    let circuit = common::circuits_ref_dir().join("bristol_fashion/aes_128.txt");
    for scheme in ["half-gates", "three-halves"] {
        let (out, garbler_out) = run_pair(
            &circuit,
            &[
                "--input",
                "0x000102030405060708090a0b0c0d0e0f",
                "--scheme",
                scheme,
            ],
            &[
                "--input",
                "0x00112233445566778899aabbccddeeff",
                "--scheme",
                scheme,
            ],
        );
        assert_eq!(out, "0x69c4e0d86a7b0430d8cdb78070b4c55a\n", "{scheme}");
        assert_eq!(garbler_out, "", "the garbler learns nothing by default");
    }
}

#[test]
fn reveal_both_gives_the_garbler_the_output_too() {
    let circuit = common::circuits_ref_dir().join("bristol_format/AES-non-expanded.txt");
    // Old format: plaintext first (garbler here), key second, MSB-first bytes.
    let (out, garbler_out) = run_pair(
        &circuit,
        &[
            "--input",
            "00112233445566778899aabbccddeeff",
            "--msb-bytes",
            "--reveal",
            "both",
        ],
        &[
            "--input",
            "000102030405060708090a0b0c0d0e0f",
            "--msb-bytes",
            "--reveal",
            "both",
        ],
    );
    assert_eq!(out, "0x69c4e0d86a7b0430d8cdb78070b4c55a\n");
    assert_eq!(garbler_out, out);
}

#[test]
fn sha256_abc_with_the_block_from_the_garbler_and_the_iv_from_the_evaluator() {
    let circuit = common::circuits_ref_dir().join("bristol_fashion/sha256.txt");
    let block = format!("0x61626380{}18", "0".repeat(118));
    let iv = "0x6a09e667bb67ae853c6ef372a54ff53a510e527f9b05688c1f83d9ab5be0cd19";
    let (out, _) = run_pair(&circuit, &["--input", &block], &["--input", iv]);
    assert_eq!(
        out,
        "0xba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n"
    );
}

/// Random inputs for both groups of `file`, garbled vs `Circuit::eval`.
fn agrees_with_plaintext(file: &str, runs: usize, make_input: impl Fn(&mut Prg, usize) -> String) {
    let path = repo(file);
    let circuit = bristol::read_file(&path).unwrap();
    let mut prg = Prg::new(Block::new(file.len() as u128));
    for _ in 0..runs {
        let texts: Vec<String> = (0..2).map(|g| make_input(&mut prg, g)).collect();
        let inputs: Vec<Vec<bool>> = texts
            .iter()
            .zip(circuit.input_sizes())
            .map(|(t, &w)| parse_value(t, w as usize, BitOrder::LsbInteger).unwrap())
            .collect();
        let expected: String = circuit
            .eval(&inputs)
            .unwrap()
            .iter()
            .map(|bits| format_value(bits, ValueFormat::Hex, BitOrder::LsbInteger) + "\n")
            .collect();
        let (out, _) = run_pair(&path, &["--input", &texts[0]], &["--input", &texts[1]]);
        assert_eq!(out, expected, "{file} on {texts:?}");
    }
}

#[test]
fn comparison_and_equality_agree_with_plaintext_on_random_inputs() {
    agrees_with_plaintext("circuits/cmp32.txt", 4, |prg, _| {
        (prg.random_block().low() as u32).to_string()
    });
    agrees_with_plaintext("circuits/eq32.txt", 2, |prg, _| {
        (prg.random_block().low() as u32 % 3).to_string()
    });
}

#[test]
fn psi_agrees_with_plaintext_on_random_sets() {
    let set = |prg: &mut Prg, n: usize, sorted: bool| {
        let mut v: Vec<u32> = Vec::new();
        while v.len() < n {
            let x = (prg.random_block().low() % (3 * n as u64)) as u32;
            if !v.contains(&x) {
                v.push(x);
            }
        }
        if sorted {
            v.sort();
        }
        v.iter().map(u32::to_string).collect::<Vec<_>>().join(",")
    };
    agrees_with_plaintext("circuits/psi_pairwise_8x32.txt", 2, |prg, _| {
        set(prg, 8, false)
    });
    agrees_with_plaintext("circuits/psi_sort_64x32.txt", 1, |prg, _| {
        set(prg, 64, true)
    });
}

use common::stderr_of;

#[test]
fn a_missing_peer_is_an_error_within_the_timeout() {
    let free = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = free.local_addr().unwrap().to_string();
    drop(free);
    let start = Instant::now();
    let out = Command::new(BIN)
        .args(["evaluate", "--circuit"])
        .arg(repo("circuits/cmp32.txt"))
        .args(["--input", "5", "--connect", &addr, "--timeout", "2"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        stderr_of(&out).contains("error: cannot reach the garbler"),
        "{}",
        stderr_of(&out)
    );
    assert!(start.elapsed() < Duration::from_secs(8));

    let start = Instant::now();
    let g = Command::new(BIN)
        .args(["garble", "--circuit"])
        .arg(repo("circuits/cmp32.txt"))
        .args(["--input", "5", "--listen", "127.0.0.1:0", "--timeout", "1"])
        .output()
        .unwrap();
    assert!(!g.status.success());
    assert!(
        stderr_of(&g).contains("error: no evaluator connected in time"),
        "{}",
        stderr_of(&g)
    );
    assert!(start.elapsed() < Duration::from_secs(8));
}

#[test]
fn different_circuits_are_refused_on_both_sides() {
    let g = spawn_garbler(&repo("circuits/cmp32.txt"), &["--input", "1"]);
    let e = evaluate(&repo("circuits/eq32.txt"), &g.addr, &["--input", "1"]);
    let (g_ok, _, g_err) = g.finish();
    assert!(!e.status.success() && !g_ok);
    for err in [stderr_of(&e), g_err] {
        assert!(
            err.contains("the parties disagree") && err.contains("different circuits"),
            "{err}"
        );
    }
}

#[test]
fn bad_inputs_are_refused_before_connecting() {
    let cmp = repo("circuits/cmp32.txt");
    for (args, message) in [
        (vec!["--input", "0x1ffffffff"], "does not fit in 32 bits"),
        (vec!["--input", "12abc"], "input group 1"),
        (
            vec!["--input", "1", "--input", "2"],
            "needs one --input for each",
        ),
        (vec![], "needs one --input for each"),
    ] {
        let out = evaluate(&cmp, "127.0.0.1:9", &args);
        assert!(!out.status.success());
        let err = stderr_of(&out);
        assert!(
            err.starts_with("error: ") && err.contains(message),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn a_taken_port_is_a_clear_error() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let out = Command::new(BIN)
        .args(["garble", "--circuit"])
        .arg(repo("circuits/cmp32.txt"))
        .args(["--input", "5", "--listen", &addr])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        stderr_of(&out).contains("cannot listen on"),
        "{}",
        stderr_of(&out)
    );
}

/// A generated circuit big enough that killing a party lands mid-run.
fn big_circuit() -> PathBuf {
    let path = std::env::temp_dir().join(format!("gc2pc-big-{}.txt", std::process::id()));
    let status = Command::new(BIN)
        .args(["circuit", "gen", "and-heavy", "--ands", "1000000", "--out"])
        .arg(&path)
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    path
}

#[test]
fn a_party_that_dies_mid_run_makes_the_other_fail_cleanly() {
    let big = big_circuit();
    // The evaluator dies mid-run: the garbler reports the connection.
    let g = spawn_garbler(&big, &["--input", "7"]);
    let mut e = Command::new(BIN)
        .args(["evaluate", "--circuit"])
        .arg(&big)
        .args(["--input", "9", "--connect", &g.addr])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    g.wait_for("the evaluator connected");
    std::thread::sleep(Duration::from_millis(50));
    e.kill().unwrap();
    e.wait().unwrap();
    let start = Instant::now();
    let (ok, _, err) = g.finish();
    // The kill lands in the set-up (OT) or in garbling, depending on timing;
    // either way the message names the lost connection.
    assert!(!ok, "the garbler should fail: {err}");
    assert!(
        err.contains("error: ") && err.contains("connection"),
        "{err}"
    );
    assert!(start.elapsed() < Duration::from_secs(30));

    // The garbler dies mid-run: the evaluator reports it.
    let mut g = spawn_garbler(&big, &["--input", "7"]);
    let (path, addr) = (big.clone(), g.addr.clone());
    let e = std::thread::spawn(move || evaluate(&path, &addr, &["--input", "9"]));
    g.wait_for("the evaluator connected");
    std::thread::sleep(Duration::from_millis(50));
    g.child.kill().unwrap();
    g.child.wait().unwrap();
    let out = e.join().unwrap();
    assert!(!out.status.success());
    let err = stderr_of(&out);
    assert!(
        err.contains("error: ") && err.contains("connection"),
        "{err}"
    );
    let _ = std::fs::remove_file(&big);
}

#[test]
fn demo_runs_and_agrees_with_plaintext() {
    let out = Command::new(BIN).arg("demo").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(text.contains("0x1\nplaintext evaluation agrees"), "{text}");
}

/// `GC2PC_AES` is read by the command line (the library never reads the
/// environment): a backend it names is used, an unknown or missing one is a
/// clear error before anything runs.
#[test]
fn gc2pc_aes_chooses_the_backend_or_is_refused() {
    let demo = |value: &str| {
        Command::new(BIN)
            .arg("demo")
            .env("GC2PC_AES", value)
            .output()
            .unwrap()
    };
    let out = demo("portable");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(text.contains("AES backend: portable"), "{text}");
    assert!(text.contains("plaintext evaluation agrees"), "{text}");
    let out = demo("bogus");
    assert!(!out.status.success());
    assert!(
        stderr_of(&out).contains(
            "GC2PC_AES: \"bogus\" is not an AES backend (known: portable, aesni, vaes, vaes512, armv8)"
        ),
        "{}",
        stderr_of(&out)
    );
    #[cfg(target_arch = "x86_64")]
    {
        let out = demo("armv8");
        assert!(!out.status.success());
        assert!(
            stderr_of(&out).contains("the AES backend armv8 is not available on this CPU"),
            "{}",
            stderr_of(&out)
        );
    }
    // Empty means "the best this CPU has".
    let out = demo("");
    assert!(out.status.success(), "{}", stderr_of(&out));
}
