//! The binary circuit format end to end: every reference circuit compiled and
//! read back is the same circuit and meets every known-answer vector; the two
//! parties may hold the same circuit in different forms (the handshake
//! compares the digest, not the file); `circuit convert` turns a binary file
//! back into the same text; a malformed binary file is a clear error.

mod common;

use gc2pc::circuit::{Circuit, binary, bristol};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_gc2pc");

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

#[test]
fn every_reference_circuit_survives_the_binary_form_with_its_vectors() {
    let mut vectors = 0;
    for rc in common::reference_circuits() {
        let text = rc.load();
        let bytes = binary::to_bytes(&text);
        let back: Circuit = binary::read(&bytes[..], Some(bytes.len() as u64))
            .unwrap_or_else(|e| panic!("{}: {e}", rc.name));
        assert_eq!(back.gates(), text.gates(), "{}", rc.name);
        assert_eq!(back.input_sizes(), text.input_sizes(), "{}", rc.name);
        assert_eq!(back.output_sizes(), text.output_sizes(), "{}", rc.name);
        assert_eq!(back.digest(), text.digest(), "{}", rc.name);
        assert_eq!(back.and_count(), rc.and_gates, "{}", rc.name);
        for v in &rc.vectors {
            assert_eq!(
                back.eval(&v.inputs).unwrap(),
                v.outputs,
                "{} {}",
                rc.name,
                v.name
            );
            vectors += 1;
        }
        // Per gate: the gates section (the circuit itself) at most 10
        // bytes, the stored plan at most 7.5 (a record of u16 slots is 7
        // bytes; the window headers and output slots are the rest).
        let plan = binary::BinaryReader::new(&bytes[..], None)
            .unwrap()
            .header()
            .plan
            .expect("to_bytes stores the plan");
        let gates = back.gates().len().max(1) as f64;
        let per_gate = (plan.offset as usize - 120) as f64 / gates;
        assert!(
            per_gate <= 10.0,
            "{}: {per_gate:.1} bytes per gate",
            rc.name
        );
        let plan_per_gate = plan.len as f64 / gates;
        assert!(
            plan_per_gate <= 7.5,
            "{}: the plan takes {plan_per_gate:.1} bytes per gate",
            rc.name
        );
    }
    assert_eq!(vectors, 420);
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gc2pc-binary-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn gc2pc(args: &[&str]) -> std::process::Output {
    Command::new(BIN).args(args).output().unwrap()
}

#[test]
fn compile_convert_and_a_session_between_a_text_and_a_binary_party() {
    let dir = scratch("cli");
    let text = repo("circuits/reference/bristol_fashion/aes_128.txt");
    let gcb = dir.join("aes.gcb");
    let out = gc2pc(&[
        "circuit",
        "compile",
        text.to_str().unwrap(),
        "--out",
        gcb.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Converted back: the very text `convert` writes from the original.
    let (a, b) = (dir.join("from-binary.txt"), dir.join("from-text.txt"));
    for (src, dst) in [(&gcb, &a), (&text, &b)] {
        let out = gc2pc(&[
            "circuit",
            "convert",
            src.to_str().unwrap(),
            dst.to_str().unwrap(),
            "--to",
            "fashion",
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    // FIPS-197 C.1 through the binary file, in plaintext.
    let out = gc2pc(&[
        "circuit",
        "eval",
        gcb.to_str().unwrap(),
        "--input",
        "0x0f0e0d0c0b0a09080706050403020100",
        "--input",
        "0xffeeddccbbaa99887766554433221100",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let plaintext = String::from_utf8(out.stdout).unwrap();
    // The garbler holds the binary file, the evaluator the text: same digest.
    let garbler = common::spawn_listening(
        common::garble_on_any_port(&gcb, 20)
            .args(["--input", "0x0f0e0d0c0b0a09080706050403020100"])
            .stdout(Stdio::piped()),
    );
    let out = gc2pc(&[
        "evaluate",
        "--circuit",
        text.to_str().unwrap(),
        "--connect",
        &garbler.addr,
        "--input",
        "0xffeeddccbbaa99887766554433221100",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8(out.stdout).unwrap(), plaintext);
    let (ok, _, err) = garbler.finish();
    assert!(ok, "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn malformed_binary_files_are_clear_errors() {
    let circuit = bristol::read_file(&repo("circuits/cmp32.txt")).unwrap();
    let good = binary::to_bytes(&circuit);
    let dir = scratch("bad");
    let mut cases: Vec<(&str, Vec<u8>)> = vec![
        ("truncated", good[..good.len() / 2].to_vec()),
        ("bad version", {
            let mut b = good.clone();
            b[8] = 7;
            b
        }),
        ("absurd gate count", {
            let mut b = good.clone();
            b[20..28].copy_from_slice(&(1u64 << 40).to_le_bytes());
            b
        }),
        ("garbage after the magic", {
            let mut b = binary::MAGIC.to_vec();
            b.extend(std::iter::repeat_n(0xff, 200));
            b
        }),
    ];
    // A gate that reads far beyond the wire count: the last record's first
    // input becomes a large forward distance.
    let mut wild = good.clone();
    let n = binary::BinaryReader::new(&good[..], None)
        .unwrap()
        .header()
        .plan
        .expect("compiled with a plan")
        .offset as usize;
    wild[n - 2] = 0x81;
    wild[n - 1] = 0x7f;
    cases.push(("a wire out of range", wild));
    for (name, bytes) in cases {
        let path = dir.join(name.replace(' ', "-"));
        std::fs::write(&path, &bytes).unwrap();
        let out = gc2pc(&["circuit", "info", path.to_str().unwrap()]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{name}");
        assert!(out.stdout.is_empty(), "{name}");
        assert!(
            err.contains("error:") && !err.contains("panicked"),
            "{name}: {err}"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
