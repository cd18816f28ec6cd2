//! Circuits larger than the memory a party may use: a 5.8 M-gate Bristol file
//! (2 M AND gates, 177 MB of text) runs between two processes with each
//! party's peak memory under 64 MiB, although its gates alone take 70 MB in
//! memory: the file is scanned once, then streamed window by window. The
//! result is checked against plaintext evaluation. (Memory, not time, is
//! asserted.)

mod common;

use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_gc2pc");

/// The "peak memory" line of `--stats`, in MiB.
fn peak_mib(stderr: &str) -> f64 {
    stderr
        .lines()
        .find_map(|l| l.trim().strip_prefix("peak memory"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no peak memory in {stderr}"))
}

/// Linux only: `--stats` reads the peak from `/proc/self/status`.
#[cfg(target_os = "linux")]
#[test]
fn a_circuit_larger_than_the_memory_bound_streams_between_two_processes() {
    let dir = std::env::temp_dir().join(format!("gc2pc-scale-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("and_heavy_2m.txt");
    let path = file.to_str().unwrap();
    let generated = Command::new(BIN)
        .args([
            "circuit",
            "gen",
            "and-heavy",
            "--ands",
            "2000000",
            "--out",
            path,
        ])
        .output()
        .unwrap();
    assert!(
        generated.status.success(),
        "{}",
        String::from_utf8_lossy(&generated.stderr)
    );
    let gates = 5_830_270u64;
    assert!(std::fs::metadata(&file).unwrap().len() > 170_000_000);

    let garbler = common::spawn_listening(
        common::garble_on_any_port(&file, 120)
            .args(["--input", "2863311530", "--stats"])
            .stdout(Stdio::piped()),
    );
    let evaluator = Command::new(BIN)
        .args(["evaluate", "--circuit", path, "--connect", &garbler.addr])
        .args(["--timeout", "120", "--input", "123456789", "--stats"])
        .output()
        .unwrap();
    let e_err = String::from_utf8_lossy(&evaluator.stderr).into_owned();
    assert!(evaluator.status.success(), "{e_err}");
    let (ok, _, g_err) = garbler.finish();
    assert!(ok, "{g_err}");

    let plaintext = Command::new(BIN)
        .args([
            "circuit",
            "eval",
            path,
            "--input",
            "2863311530",
            "--input",
            "123456789",
        ])
        .output()
        .unwrap();
    assert!(plaintext.status.success());
    assert_eq!(evaluator.stdout, plaintext.stdout);

    // Whole, the circuit's gates alone are 12 bytes each (70 MB), its plan
    // more again; streamed, a party holds one u32 per wire and a window.
    let (g, e) = (peak_mib(&g_err), peak_mib(&e_err));
    eprintln!("peak memory: garbler {g:.1} MiB, evaluator {e:.1} MiB for {gates} gates");
    assert!(g < 64.0 && e < 64.0, "garbler {g} MiB, evaluator {e} MiB");
    assert!((gates * 12) as f64 / 1048576.0 > 64.0);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A file that changes between the garbler's scan and a session's stream
/// (here: a serving garbler, whose every session reads the file again; the
/// file gets one AND turned into an XOR) makes the garbler stop before the
/// decoding bits: both sides fail, no output.
#[test]
fn a_file_changed_after_the_scan_fails_both_sides_without_output() {
    let dir = std::env::temp_dir().join(format!("gc2pc-changed-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let original = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("circuits/cmp32.txt");
    let text = std::fs::read_to_string(&original).unwrap();
    let garbler_file = dir.join("garbler.txt");
    std::fs::write(&garbler_file, &text).unwrap();
    let mut garbler = common::spawn_listening(
        common::garble_on_any_port(&garbler_file, 20)
            .args(["--input", "5", "--serve", "--sessions", "1"])
            .stdout(Stdio::piped()),
    );
    // The garbler has scanned its file and waits: change one AND into a XOR.
    let changed = text.replacen(" AND\n", " XOR\n", 1);
    assert_ne!(changed, text);
    std::fs::write(&garbler_file, changed).unwrap();
    let evaluator = Command::new(BIN)
        .args(["evaluate", "--circuit", original.to_str().unwrap()])
        .args([
            "--connect",
            &garbler.addr,
            "--input",
            "7",
            "--timeout",
            "20",
        ])
        .output()
        .unwrap();
    assert!(!evaluator.status.success());
    assert!(evaluator.stdout.is_empty(), "no output");
    let line = garbler.wait_for("failed");
    assert!(line.contains("changed since it was first read"), "{line}");
    garbler.child.wait().unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}
