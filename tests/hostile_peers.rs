//! Hostile peers against the real `gc2pc` binary over TCP: a scripted peer
//! plays the garbler or the evaluator and sends a different circuit hash, a
//! wrong version, a frame of absurd length, a truncated frame, invalid curve
//! points, more tables than the circuit has, garbage instead of a hello, or
//! nothing at all. Each time the honest process must exit non-zero within its
//! `--timeout` with `error:` and a message naming the cause, never panic, and
//! keep its peak memory (`VmHWM`, polled from /proc while it runs) bounded.

mod common;

use gc2pc::aes::Engine;
use gc2pc::block::Block;
use gc2pc::circuit::{Circuit, Plan, bristol};
use gc2pc::garble::{Garbler, Scheme, TableSink};
use gc2pc::hash::{HashKind, TweakableHash};
use gc2pc::prg::Prg;
use gc2pc::protocol::handshake::{self, Hello};
use gc2pc::protocol::{Reveal, Role};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_gc2pc");
/// The honest side's `--timeout`, in seconds.
const TIMEOUT: u64 = 3;
/// Peak resident memory the honest process may reach.
const MAX_RSS_KIB: u64 = 100 * 1024;

fn cmp32_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("circuits/cmp32.txt")
}

fn cmp32() -> Circuit {
    bristol::read_file(&cmp32_path()).unwrap()
}

fn frame(payload: &[u8]) -> Vec<u8> {
    let mut v = (payload.len() as u32).to_le_bytes().to_vec();
    v.extend_from_slice(payload);
    v
}

/// The hello an honest peer in `role` would send for `circuit` (default
/// agreement: group 0 the garbler's, group 1 the evaluator's).
fn hello(circuit: &Circuit, role: Role, owners: Vec<Role>) -> Hello {
    Hello {
        version: handshake::VERSION,
        role,
        circuit_digest: handshake::circuit_digest(circuit),
        hash_kind: HashKind::default(),
        scheme: Scheme::default(),
        reveal: Reveal::Evaluator,
        shape: gc2pc::protocol::handshake::TranscriptShape::CURRENT,
        input_widths: circuit.input_sizes().to_vec(),
        input_owners: owners,
        output_widths: circuit.output_sizes().to_vec(),
    }
}

fn default_owners() -> Vec<Role> {
    vec![Role::Garbler, Role::Evaluator]
}

/// What the honest process did.
struct Outcome {
    success: bool,
    stderr: String,
    elapsed: Duration,
    peak_rss_kib: u64,
}

fn vm_hwm_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Reads the child's stderr lines on a thread.
fn stderr_lines(child: &mut Child) -> mpsc::Receiver<String> {
    let stderr = BufReader::new(child.stderr.take().unwrap());
    let (send, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in stderr.lines().map_while(Result::ok) {
            if send.send(line).is_err() {
                break;
            }
        }
    });
    lines
}

/// Waits for `child` to exit, polling its peak RSS; kills it after a minute.
fn watch(mut child: Child, lines: mpsc::Receiver<String>, start: Instant) -> Outcome {
    let mut peak = 0;
    let status = loop {
        if let Some(kib) = vm_hwm_kib(child.id()) {
            peak = peak.max(kib);
        }
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > Duration::from_secs(60) {
            child.kill().unwrap();
            panic!("the honest process did not exit within a minute");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let elapsed = start.elapsed();
    let stderr: Vec<String> = lines.iter().collect();
    Outcome {
        success: status.success(),
        stderr: stderr.join("\n"),
        elapsed,
        peak_rss_kib: peak,
    }
}

/// Keeps reading (and discarding) what the honest side sends, so that it
/// never blocks on a full socket and our close never discards its data.
fn drain(stream: &TcpStream) {
    let mut reader = stream.try_clone().unwrap();
    std::thread::spawn(move || {
        let mut buf = [0u8; 65536];
        while matches!(reader.read(&mut buf), Ok(n) if n > 0) {}
    });
}

/// An honest garbler on cmp32 against `script`, which plays the evaluator on
/// a connected stream and returns it (kept open until the garbler exits).
fn against_garbler(extra: &[&str], script: impl FnOnce(TcpStream) -> TcpStream) -> Outcome {
    let common::Listening {
        child, addr, lines, ..
    } = common::spawn_listening(
        common::garble_on_any_port(&cmp32_path(), TIMEOUT)
            .args(["--input", "7"])
            .args(extra)
            .stdout(Stdio::null()),
    );
    let stream = TcpStream::connect(&addr).unwrap();
    let start = Instant::now();
    drain(&stream);
    let stream = script(stream);
    let outcome = watch(child, lines, start);
    drop(stream);
    outcome
}

/// An honest evaluator on cmp32 against `script`, which plays the garbler.
fn against_evaluator(extra: &[&str], script: impl FnOnce(TcpStream) -> TcpStream) -> Outcome {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let mut child = Command::new(BIN)
        .args(["evaluate", "--circuit"])
        .arg(cmp32_path())
        .args(["--connect", &addr, "--timeout"])
        .arg(TIMEOUT.to_string())
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = stderr_lines(&mut child);
    let (stream, _) = listener.accept().unwrap();
    let start = Instant::now();
    drain(&stream);
    let stream = script(stream);
    let outcome = watch(child, lines, start);
    drop(stream);
    outcome
}

/// The honest side failed cleanly: non-zero, `error:` naming `cause`, no
/// panic, within its timeout, bounded memory.
fn assert_refused(case: &str, outcome: &Outcome, cause: &str) {
    let err = &outcome.stderr;
    assert!(!outcome.success, "{case}: the honest side succeeded: {err}");
    assert!(err.contains("error: "), "{case}: no error line: {err}");
    assert!(err.contains(cause), "{case}: {cause:?} not in: {err}");
    assert!(!err.contains("panicked"), "{case}: panic: {err}");
    assert!(
        outcome.elapsed < Duration::from_secs(TIMEOUT + 5),
        "{case}: took {:?}",
        outcome.elapsed
    );
    assert!(
        outcome.peak_rss_kib > 0 && outcome.peak_rss_kib < MAX_RSS_KIB,
        "{case}: peak RSS {} KiB",
        outcome.peak_rss_kib
    );
    eprintln!(
        "{case}: refused in {:.2} s, peak RSS {} KiB: {}",
        outcome.elapsed.as_secs_f64(),
        outcome.peak_rss_kib,
        err.lines().find(|l| l.contains("error: ")).unwrap_or("")
    );
}

fn send(mut stream: TcpStream, bytes: &[u8]) -> TcpStream {
    stream.write_all(bytes).unwrap();
    stream
}

// ---- the honest garbler against a hostile evaluator ----

#[test]
fn garbler_refuses_a_different_circuit() {
    let mut h = hello(&cmp32(), Role::Evaluator, default_owners());
    h.circuit_digest[0] ^= 1;
    let out = against_garbler(&[], |s| send(s, &frame(&h.encode())));
    assert_refused("garbler/different circuit", &out, "different circuits");
}

#[test]
fn garbler_refuses_a_wrong_version() {
    let mut h = hello(&cmp32(), Role::Evaluator, default_owners());
    h.version = 99;
    let out = against_garbler(&[], |s| send(s, &frame(&h.encode())));
    assert_refused("garbler/wrong version", &out, "protocol version");
}

#[test]
fn garbler_refuses_an_absurd_frame_length() {
    let out = against_garbler(&[], |s| send(s, &0xFFFF_FFF0u32.to_le_bytes()));
    assert_refused("garbler/absurd length", &out, "exceeds the limit");
}

#[test]
fn garbler_refuses_a_truncated_frame() {
    let bytes = frame(&hello(&cmp32(), Role::Evaluator, default_owners()).encode());
    let out = against_garbler(&[], |s| {
        let s = send(s, &bytes[..bytes.len() / 2]);
        s.shutdown(Shutdown::Write).unwrap();
        s
    });
    assert_refused("garbler/truncated", &out, "closed the connection");
}

#[test]
fn garbler_refuses_an_invalid_curve_point() {
    let h = hello(&cmp32(), Role::Evaluator, default_owners());
    let out = against_garbler(&[], |s| {
        // The evaluator is the base-OT sender: its first OT message is B.
        let s = send(s, &frame(&h.encode()));
        send(s, &frame(&[0xFF; 32]))
    });
    assert_refused("garbler/invalid point", &out, "invalid group element");
}

#[test]
fn garbler_gives_up_on_a_silent_peer() {
    let out = against_garbler(&[], |s| s);
    assert_refused("garbler/stall", &out, "timed out");
    assert!(out.elapsed >= Duration::from_secs(TIMEOUT) - Duration::from_millis(200));
}

#[test]
fn garbler_refuses_garbage_instead_of_a_hello() {
    let http = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
    let out = against_garbler(&[], |s| send(s, http));
    assert_refused("garbler/raw HTTP", &out, "exceeds the limit");
    let out = against_garbler(&[], |s| send(s, &frame(http)));
    assert_refused(
        "garbler/framed HTTP",
        &out,
        "did not open with the gc2pc handshake",
    );
}

// ---- the honest evaluator against a hostile garbler ----

#[test]
fn evaluator_refuses_a_different_circuit() {
    let mut h = hello(&cmp32(), Role::Garbler, default_owners());
    h.circuit_digest[31] ^= 0x80;
    let out = against_evaluator(&["--input", "5"], |s| send(s, &frame(&h.encode())));
    assert_refused("evaluator/different circuit", &out, "different circuits");
}

#[test]
fn evaluator_refuses_a_wrong_version() {
    let mut h = hello(&cmp32(), Role::Garbler, default_owners());
    h.version = 0;
    let out = against_evaluator(&["--input", "5"], |s| send(s, &frame(&h.encode())));
    assert_refused("evaluator/wrong version", &out, "protocol version");
}

#[test]
fn evaluator_refuses_an_absurd_frame_length() {
    let h = hello(&cmp32(), Role::Garbler, default_owners());
    let out = against_evaluator(&["--input", "5"], |s| {
        // A valid hello, then a "seed" frame of almost 4 GiB.
        let s = send(s, &frame(&h.encode()));
        send(s, &0xFFFF_FFF0u32.to_le_bytes())
    });
    assert_refused(
        "evaluator/absurd length",
        &out,
        "expected a frame of 16 bytes",
    );
}

#[test]
fn evaluator_refuses_a_truncated_frame() {
    let h = hello(&cmp32(), Role::Garbler, default_owners());
    let out = against_evaluator(&["--input", "5"], |s| {
        let mut bytes = frame(&h.encode());
        bytes.extend_from_slice(&frame(&[1; 16])[..10]);
        let s = send(s, &bytes);
        s.shutdown(Shutdown::Write).unwrap();
        s
    });
    assert_refused("evaluator/truncated", &out, "closed the connection");
}

#[test]
fn evaluator_refuses_invalid_curve_points() {
    let h = hello(&cmp32(), Role::Garbler, default_owners());
    let out = against_evaluator(&["--input", "5"], |s| {
        // The garbler is the base-OT receiver: 128 pairs of points.
        let mut bytes = frame(&h.encode());
        bytes.extend_from_slice(&frame(&[0x11; 16]));
        bytes.extend_from_slice(&frame(&vec![0xFF; 128 * 64]));
        send(s, &bytes)
    });
    assert_refused("evaluator/invalid points", &out, "invalid group element");
}

/// Collects the garbler's table chunks, one frame each.
struct Chunks(Vec<Vec<Block>>);

impl TableSink for Chunks {
    type Error = std::convert::Infallible;
    fn send_tables(&mut self, tables: &[Block]) -> Result<(), Self::Error> {
        self.0.push(tables.to_vec());
        Ok(())
    }
}

fn block_bytes(blocks: &[Block]) -> Vec<u8> {
    blocks.iter().flat_map(|b| b.to_bytes()).collect()
}

/// What a garbler that owns both of cmp32's input groups sends up to its
/// tables (so no OT runs): the hello `h`, the hash seed and its 64 input
/// labels, framed; and its tables, garbled with half-gates, chunk by chunk.
fn garbler_owning_every_input(h: &Hello) -> (Vec<u8>, Vec<Vec<Block>>) {
    let circuit = cmp32();
    let plan = Plan::new(&circuit);
    let mut prg = Prg::new(Block::new(9));
    let seed = prg.random_block();
    let delta = prg.random_delta();
    let hash = TweakableHash::new(HashKind::default(), Engine::best(), seed);
    let mut zero = vec![Block::ZERO; circuit.total_inputs()];
    prg.fill_blocks(&mut zero);
    let mut chunks = Chunks(Vec::new());
    Garbler::new(&plan, hash, delta)
        .garble(&zero, &mut chunks)
        .unwrap();
    assert!(!chunks.0.is_empty());
    let mut bytes = frame(&h.encode());
    bytes.extend_from_slice(&frame(&seed.to_bytes()));
    bytes.extend_from_slice(&frame(&block_bytes(&zero)));
    (bytes, chunks.0)
}

#[test]
fn evaluator_refuses_more_tables_than_the_circuit_has() {
    // The garbler owns both groups here, so no OT runs: the script sends the
    // hello, the seed, its 64 input labels, the real tables, then one more
    // table chunk where the decoding bits belong.
    let h = hello(&cmp32(), Role::Garbler, vec![Role::Garbler, Role::Garbler]);
    let (mut bytes, chunks) = garbler_owning_every_input(&h);
    for chunk in &chunks {
        bytes.extend_from_slice(&frame(&block_bytes(chunk)));
    }
    let extra = &chunks[0];
    bytes.extend_from_slice(&frame(&block_bytes(extra)));
    let out = against_evaluator(&["--garbler-groups", "0,1"], |s| send(s, &bytes));
    assert_refused(
        "evaluator/more tables",
        &out,
        &format!(
            "expected a frame of 1 bytes, the peer sent {}",
            extra.len() * 16
        ),
    );
}

#[test]
fn a_three_halves_evaluator_refuses_half_gates_sized_tables() {
    // Both hellos say three-halves, but the lying garbler sends its cmp32
    // tables garbled with half-gates: 32 AND gates are 64 blocks there, 50
    // in three-halves (48 of halves, 2 of control bits).
    let mut h = hello(&cmp32(), Role::Garbler, vec![Role::Garbler, Role::Garbler]);
    h.scheme = Scheme::ThreeHalves;
    let (mut bytes, chunks) = garbler_owning_every_input(&h);
    assert_eq!(chunks.len(), 1);
    bytes.extend_from_slice(&frame(&block_bytes(&chunks[0])));
    let args = ["--garbler-groups", "0,1", "--scheme", "three-halves"];
    let out = against_evaluator(&args, |s| send(s, &bytes));
    assert_refused(
        "evaluator/three-halves",
        &out,
        "expected a frame of 800 bytes, the peer sent 1024",
    );
}

#[test]
fn evaluator_gives_up_on_a_silent_peer() {
    let out = against_evaluator(&["--input", "5"], |s| s);
    assert_refused("evaluator/stall", &out, "timed out");
    assert!(out.elapsed >= Duration::from_secs(TIMEOUT) - Duration::from_millis(200));
}

#[test]
fn evaluator_refuses_garbage_instead_of_a_hello() {
    let http = b"HTTP/1.1 400 Bad Request\r\n\r\n";
    let out = against_evaluator(&["--input", "5"], |s| send(s, http));
    assert_refused("evaluator/raw HTTP", &out, "exceeds the limit");
    let out = against_evaluator(&["--input", "5"], |s| send(s, &frame(http)));
    assert_refused(
        "evaluator/framed HTTP",
        &out,
        "did not open with the gc2pc handshake",
    );
}
