//! Helpers shared by the integration tests: where the reference circuits live
//! and the known-answer vectors of `circuits/reference/vectors.json`.
#![allow(dead_code)]

use gc2pc::circuit::{Circuit, bristol};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The reference circuits: `$GC2PC_CIRCUITS_REF`, else `circuits/reference`
/// in this repository. Missing reference data fails the test loudly, never
/// skips it.
pub fn circuits_ref_dir() -> PathBuf {
    let dir = match std::env::var_os("GC2PC_CIRCUITS_REF") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("circuits/reference"),
    };
    assert!(
        dir.join("vectors.json").is_file(),
        "reference circuits not found at {} (set GC2PC_CIRCUITS_REF)",
        dir.display()
    );
    dir
}

/// One known-answer vector: bits per input group and per output group, where
/// element j of a group is wire j of that group.
#[derive(Debug, Clone)]
pub struct Vector {
    pub name: String,
    pub inputs: Vec<Vec<bool>>,
    pub outputs: Vec<Vec<bool>>,
}

/// One reference circuit file and its vectors.
#[derive(Debug, Clone)]
pub struct RefCircuit {
    /// Path relative to `circuits/reference/`, e.g. `bristol_fashion/aes_128.txt`.
    pub name: String,
    pub path: PathBuf,
    pub format: String,
    pub input_sizes: Vec<u32>,
    pub output_sizes: Vec<u32>,
    pub gates: usize,
    pub wires: usize,
    pub and_gates: usize,
    pub and_depth: u32,
    pub vectors: Vec<Vector>,
}

impl RefCircuit {
    /// Parses the file with gc2pc's reader.
    pub fn load(&self) -> Circuit {
        bristol::read_file(&self.path).unwrap_or_else(|e| panic!("{}: {e}", self.name))
    }
}

#[derive(Deserialize)]
struct VectorsFile {
    circuits: BTreeMap<String, CircuitEntry>,
}

#[derive(Deserialize)]
struct CircuitEntry {
    format: String,
    input_sizes: Vec<u32>,
    output_sizes: Vec<u32>,
    gates: usize,
    wires: usize,
    and_gates_expanded: usize,
    and_depth: u32,
    vectors: Vec<VectorEntry>,
}

#[derive(Deserialize)]
struct VectorEntry {
    name: String,
    inputs_bits: Vec<String>,
    outputs_bits: Vec<String>,
}

fn bits(text: &str) -> Vec<bool> {
    text.chars()
        .map(|c| match c {
            '0' => false,
            '1' => true,
            other => panic!("bad bit {other:?} in vectors.json"),
        })
        .collect()
}

/// Every reference circuit with its vectors, in name order.
pub fn reference_circuits() -> Vec<RefCircuit> {
    let dir = circuits_ref_dir();
    let text = std::fs::read_to_string(dir.join("vectors.json")).expect("read vectors.json");
    let file: VectorsFile = serde_json::from_str(&text).expect("parse vectors.json");
    file.circuits
        .into_iter()
        .map(|(name, entry)| RefCircuit {
            path: dir.join(&name),
            name,
            format: entry.format,
            input_sizes: entry.input_sizes,
            output_sizes: entry.output_sizes,
            gates: entry.gates,
            wires: entry.wires,
            and_gates: entry.and_gates_expanded,
            and_depth: entry.and_depth,
            vectors: entry
                .vectors
                .into_iter()
                .map(|v| Vector {
                    name: v.name,
                    inputs: v.inputs_bits.iter().map(|s| bits(s)).collect(),
                    outputs: v.outputs_bits.iter().map(|s| bits(s)).collect(),
                })
                .collect(),
        })
        .collect()
}

/// The reference circuit called `name` (relative path).
pub fn reference_circuit(name: &str) -> RefCircuit {
    reference_circuits()
        .into_iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("{name} is not in vectors.json"))
}

/// `gc2pc garble --circuit CIRCUIT --listen 127.0.0.1:0 --timeout SECS`: a
/// garbler on an ephemeral port, for [`spawn_listening`] once the caller has
/// added its inputs and flags.
pub fn garble_on_any_port(circuit: &std::path::Path, timeout_secs: u64) -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_gc2pc"));
    command
        .arg("garble")
        .arg("--circuit")
        .arg(circuit)
        .args(["--listen", "127.0.0.1:0", "--timeout"])
        .arg(timeout_secs.to_string());
    command
}

/// A garbler listening on an ephemeral port with `args` (its stdout
/// piped), its address read from its first stderr line.
pub fn spawn_garbler<S: AsRef<std::ffi::OsStr>>(
    circuit: &std::path::Path,
    timeout_secs: u64,
    args: &[S],
) -> Listening {
    spawn_listening(
        garble_on_any_port(circuit, timeout_secs)
            .args(args)
            .stdout(std::process::Stdio::piped()),
    )
}

/// Runs `gc2pc evaluate --circuit CIRCUIT --connect ADDR --timeout SECS`
/// with `args` to completion.
pub fn evaluate<S: AsRef<std::ffi::OsStr>>(
    circuit: &std::path::Path,
    addr: &str,
    timeout_secs: u64,
    args: &[S],
) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_gc2pc"))
        .arg("evaluate")
        .arg("--circuit")
        .arg(circuit)
        .args(["--connect", addr, "--timeout"])
        .arg(timeout_secs.to_string())
        .args(args)
        .output()
        .expect("run gc2pc evaluate")
}

/// A finished process's stderr as text.
pub fn stderr_of(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A `gc2pc` process whose first stderr line says where it listens
/// ("… on ADDR …"): a garbler waiting for its evaluator, or a server. Its
/// stderr lines arrive on `lines` (read on a thread, so it never blocks on a
/// full pipe).
pub struct Listening {
    pub child: std::process::Child,
    pub addr: String,
    pub first: String,
    pub lines: std::sync::mpsc::Receiver<String>,
}

/// Spawns `command` with stderr piped, waits (at most a minute) for its first
/// stderr line and takes the address after " on ".
pub fn spawn_listening(command: &mut std::process::Command) -> Listening {
    use std::io::{BufRead, BufReader};
    let mut child = command
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn gc2pc");
    let stderr = BufReader::new(child.stderr.take().expect("piped stderr"));
    let (send, lines) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in stderr.lines().map_while(Result::ok) {
            if send.send(line).is_err() {
                break;
            }
        }
    });
    let first = lines
        .recv_timeout(std::time::Duration::from_secs(60))
        .expect("a first line on stderr");
    let addr = first
        .split(" on ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no address in {first:?}"))
        .to_string();
    Listening {
        child,
        addr,
        first,
        lines,
    }
}

impl Listening {
    /// Waits (at most a minute per line) for a stderr line containing
    /// `text`, and returns it.
    pub fn wait_for(&self, text: &str) -> String {
        loop {
            let line = self
                .lines
                .recv_timeout(std::time::Duration::from_secs(60))
                .unwrap_or_else(|_| panic!("the process never printed {text:?}"));
            if line.contains(text) {
                return line;
            }
        }
    }

    /// Waits for the process to exit: whether it succeeded, its stdout (which
    /// must have been piped) and the rest of its stderr.
    pub fn finish(mut self) -> (bool, String, String) {
        use std::io::Read;
        let status = self.child.wait().unwrap();
        let mut stdout = String::new();
        self.child
            .stdout
            .take()
            .expect("piped stdout")
            .read_to_string(&mut stdout)
            .unwrap();
        let stderr: Vec<String> = self.lines.iter().collect();
        (status.success(), stdout, stderr.join("\n"))
    }
}

/// A Bristol text `base` with token-level `edits` applied, for the
/// mutation property tests: each edit `(position, kind, token)` replaces,
/// inserts or removes a token of a line picked by `position`, or duplicates
/// the line.
pub fn mutate(base: &str, edits: &[(usize, usize, usize)], tokens: &[&str]) -> String {
    let mut lines: Vec<Vec<String>> = base
        .lines()
        .map(|l| l.split(' ').map(str::to_string).collect())
        .collect();
    for &(pos, kind, token) in edits {
        let line = pos % lines.len();
        let len = lines[line].len();
        let at = pos % (len + 1);
        let token = tokens[token].to_string();
        match kind {
            0 if len > 0 => lines[line][at.min(len - 1)] = token,
            1 => lines[line].insert(at, token),
            2 if len > 0 => {
                lines[line].remove(at.min(len - 1));
            }
            _ => {
                let copy = lines[line].clone();
                lines.insert(line, copy);
            }
        }
    }
    lines.iter().map(|l| l.join(" ") + "\n").collect()
}

/// SplitMix64: a small seeded generator for test values, so failures
/// reproduce.
pub struct Rng(pub u64);

impl Rng {
    /// The next 64 random bits.
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A uniform `width`-bit value (width ≤ 64).
    pub fn bits(&mut self, width: usize) -> u64 {
        let v = self.next();
        if width >= 64 {
            v
        } else {
            v & ((1u64 << width) - 1)
        }
    }

    /// 128 random bits.
    pub fn u128(&mut self) -> u128 {
        (self.next() as u128) << 64 | self.next() as u128
    }

    /// A random block (low half first).
    pub fn block(&mut self) -> gc2pc::Block {
        gc2pc::Block::from_halves(self.next(), self.next())
    }

    /// `n` random blocks.
    pub fn blocks(&mut self, n: usize) -> Vec<gc2pc::Block> {
        (0..n).map(|_| self.block()).collect()
    }
}

/// Runs `command` with `stdin` piped in (empty when `None`) and its output
/// captured: (success, stdout, stderr).
pub fn run_with_stdin(
    command: &mut std::process::Command,
    stdin: Option<&[u8]>,
) -> (bool, String, String) {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn gc2pc");
    let mut pipe = child.stdin.take().expect("piped stdin");
    if let Some(bytes) = stdin {
        pipe.write_all(bytes).expect("write stdin");
    }
    drop(pipe);
    let out = child.wait_with_output().expect("wait for gc2pc");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Garbles `plan` with `scheme`, `kind` and `backend` (Δ, hash seed and zero
/// labels from `prg`), evaluates it on the labels of `bits` (one per input
/// wire), and decodes: the output bits in wire order. Also checks that the
/// tables are no longer than the scheme's size.
pub fn garble_and_evaluate(
    plan: &gc2pc::circuit::Plan,
    how: (
        gc2pc::garble::Scheme,
        gc2pc::hash::HashKind,
        gc2pc::aes::Engine,
    ),
    bits: &[bool],
    prg: &mut gc2pc::prg::Prg,
) -> Vec<bool> {
    use gc2pc::garble::{
        Evaluator, Garbler, SliceSource, TABLE_CHUNK_GATES, decode, decoding_bits,
    };
    use gc2pc::hash::TweakableHash;
    let (scheme, kind, backend) = how;
    let delta = prg.random_delta();
    let seed = prg.random_block();
    let mut zero = vec![gc2pc::Block::ZERO; bits.len()];
    prg.fill_blocks(&mut zero);
    let active: Vec<gc2pc::Block> = zero
        .iter()
        .zip(bits)
        .map(|(&l, &b)| l ^ delta.block().select(b))
        .collect();
    let mut tables = Vec::new();
    let out_zero = Garbler::new(plan, TweakableHash::new(kind, backend, seed), delta)
        .with_scheme(scheme, prg)
        .garble(&zero, &mut tables)
        .unwrap();
    let chunks = plan.and_count().div_ceil(TABLE_CHUNK_GATES);
    assert!(tables.len() <= chunks * scheme.table_blocks(TABLE_CHUNK_GATES));
    let labels = Evaluator::new(plan, TweakableHash::new(kind, backend, seed))
        .with_scheme(scheme)
        .evaluate(&active, &mut SliceSource::new(&tables))
        .unwrap();
    decode(&labels, &decoding_bits(&out_zero)).unwrap()
}
