//! `gc2pc garble --serve` under load and faults: 64 sequential evaluator
//! processes with random inputs (checked against plaintext evaluation, the
//! server's memory flat between session 8 and 64), 8 concurrent sessions held
//! at once with `--max-sessions 8` (a ninth waits until one ends), and an
//! evaluator killed mid-session that leaves the server serving the next one.

mod common;

use gc2pc::aes::Engine;
use gc2pc::block::Block;
use gc2pc::circuit::value::{BitOrder, ValueFormat, format_value, parse_value};
use gc2pc::circuit::{Circuit, Plan, bristol};
use gc2pc::net::tcp;
use gc2pc::prg::Prg;
use gc2pc::protocol::{Agreement, EvaluatorSession};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_gc2pc");

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// A `gc2pc garble --serve` process; its stderr lines arrive on `lines`.
struct Server {
    child: Child,
    addr: String,
    lines: mpsc::Receiver<String>,
}

impl Server {
    fn start(circuit: &Path, input: &str, args: &[&str]) -> Server {
        let common::Listening {
            child,
            addr,
            first,
            lines,
        } = common::spawn_listening(
            common::garble_on_any_port(circuit, 20)
                .args(["--serve", "--input", input])
                .args(args)
                // One malloc arena: the memory test then measures what
                // sessions keep, not how many arenas glibc happened to open
                // for session threads that overlapped (which varies with
                // timing from run to run, by about 2 MiB here).
                .env("MALLOC_ARENA_MAX", "1")
                .stdout(Stdio::null()),
        );
        assert!(first.contains("serving"), "{first}");
        Server { child, addr, lines }
    }

    /// Waits for a line containing every one of `texts`; returns it.
    fn wait_for(&self, texts: &[&str]) -> String {
        loop {
            let line = self
                .lines
                .recv_timeout(Duration::from_secs(60))
                .unwrap_or_else(|_| panic!("the server never printed {texts:?}"));
            assert!(!line.contains("panicked"), "{line}");
            if texts.iter().all(|t| line.contains(t)) {
                return line;
            }
        }
    }

    /// (VmRSS, VmHWM) of the server in KiB.
    fn memory_kib(&self) -> (u64, u64) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let field = |name: &str| -> u64 {
            let line = status.lines().find(|l| l.starts_with(name)).unwrap();
            line.split_whitespace().nth(1).unwrap().parse().unwrap()
        };
        (field("VmRSS:"), field("VmHWM:"))
    }

    fn stop(mut self) {
        assert!(
            self.child.try_wait().unwrap().is_none(),
            "the server exited early"
        );
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

fn evaluate(circuit: &Path, addr: &str, input: &str) -> Output {
    common::evaluate(circuit, addr, 20, &["--input", input])
}

/// The expected stdout for a two-group circuit on decimal inputs.
fn expected(circuit: &Circuit, garbler: &str, evaluator: &str) -> String {
    let inputs: Vec<Vec<bool>> = [garbler, evaluator]
        .iter()
        .zip(circuit.input_sizes())
        .map(|(t, &w)| parse_value(t, w as usize, BitOrder::LsbInteger).unwrap())
        .collect();
    circuit
        .eval(&inputs)
        .unwrap()
        .iter()
        .map(|bits| format_value(bits, ValueFormat::Hex, BitOrder::LsbInteger) + "\n")
        .collect()
}

#[test]
fn sixty_four_sequential_sessions_are_right_and_memory_stays_flat() {
    let path = repo("circuits/cmp32.txt");
    let circuit = bristol::read_file(&path).unwrap();
    let garbler_input = "2500000000";
    let server = Server::start(&path, garbler_input, &[]);
    let mut prg = Prg::new(Block::new(64));
    let mut rss_after_8 = 0;
    let start = Instant::now();
    for i in 1..=64 {
        let y = (prg.random_block().low() as u32).to_string();
        let out = evaluate(&path, &server.addr, &y);
        assert!(
            out.status.success(),
            "session {i}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            String::from_utf8(out.stdout).unwrap(),
            expected(&circuit, garbler_input, &y),
            "session {i} on {y}"
        );
        server.wait_for(&[&format!("session {i} from"), "done"]);
        if i == 8 {
            rss_after_8 = server.memory_kib().0;
        }
    }
    let (rss_after_64, peak) = server.memory_kib();
    eprintln!(
        "64 sequential sessions in {:.2} s; server RSS after 8: {rss_after_8} KiB, after 64: {rss_after_64} KiB, peak (VmHWM): {peak} KiB",
        start.elapsed().as_secs_f64()
    );
    assert!(
        rss_after_64 * 5 <= rss_after_8 * 6,
        "the server's memory grew from {rss_after_8} KiB to {rss_after_64} KiB"
    );
    server.stop();
}

#[test]
fn eight_concurrent_sessions_are_held_and_a_ninth_waits_for_a_slot() {
    let path = repo("circuits/cmp32.txt");
    let circuit = bristol::read_file(&path).unwrap();
    let plan = Plan::new(&circuit);
    let agreement = Agreement::default_for(&circuit);
    let backend = Engine::best();
    let garbler_input = "123456789";
    let server = Server::start(&path, garbler_input, &["--max-sessions", "8"]);
    let timeout = Duration::from_secs(20);
    // Eight evaluators set up their sessions, report it, then wait for this
    // thread's go (or its end): the server then holds eight sessions at once.
    let (started, started_rx) = mpsc::channel();
    let run_one = |k: u64, go: Option<mpsc::Receiver<()>>| -> Result<(), String> {
        let y = (Prg::new(Block::new(k as u128)).random_block().low() as u32).to_string();
        let bits = parse_value(&y, 32, BitOrder::LsbInteger).unwrap();
        let setup = (|| {
            let mut channel =
                tcp::connect(server.addr.as_str(), timeout).map_err(|e| e.to_string())?;
            channel.set_timeout(timeout).unwrap();
            EvaluatorSession::start(channel, &circuit, &plan, agreement.clone(), backend)
                .map_err(|e| e.to_string())
        })();
        if let Some(go) = go {
            started.send(k).unwrap();
            let _ = go.recv_timeout(Duration::from_secs(60));
        }
        let mut session = setup?;
        let out = session.run(&[bits]).map_err(|e| e.to_string())?;
        let got: String = out
            .iter()
            .map(|b| format_value(b, ValueFormat::Hex, BitOrder::LsbInteger) + "\n")
            .collect();
        if got == expected(&circuit, garbler_input, &y) {
            Ok(())
        } else {
            Err(format!("wrong output {got:?} on {y}"))
        }
    };
    std::thread::scope(|s| {
        let (gos, eight): (Vec<_>, Vec<_>) = (0..8)
            .map(|k| {
                let (go, wait) = mpsc::channel();
                (go, s.spawn(move || run_one(k, Some(wait))))
            })
            .unzip();
        for _ in 0..8 {
            started_rx
                .recv_timeout(Duration::from_secs(60))
                .expect("eight sessions set up at once");
        }
        // All eight slots are taken: a ninth evaluator's set-up must wait.
        let (ninth_done, ninth_rx) = mpsc::channel();
        let ninth = s.spawn(move || {
            let r = run_one(99, None);
            ninth_done.send(()).unwrap();
            r
        });
        assert!(
            ninth_rx.recv_timeout(Duration::from_millis(700)).is_err(),
            "the ninth session ran while eight were held"
        );
        for go in gos {
            go.send(()).unwrap();
        }
        for (k, h) in eight.into_iter().enumerate() {
            h.join()
                .unwrap()
                .unwrap_or_else(|e| panic!("session {k}: {e}"));
        }
        ninth
            .join()
            .unwrap()
            .expect("the ninth session, once a slot freed");
    });
    for _ in 1..=9 {
        server.wait_for(&["done"]);
    }
    eprintln!("8 concurrent sessions held at once (--max-sessions 8); the 9th waited, then ran");
    server.stop();
}

#[test]
fn a_killed_evaluator_leaves_the_server_serving_the_next_one() {
    let big = std::env::temp_dir().join(format!("gc2pc-serve-big-{}.txt", std::process::id()));
    let status = Command::new(BIN)
        .args(["circuit", "gen", "and-heavy", "--ands", "1000000", "--out"])
        .arg(&big)
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let server = Server::start(&big, "7", &[]);
    let mut doomed = Command::new(BIN)
        .args(["evaluate", "--circuit"])
        .arg(&big)
        .args(["--input", "9", "--connect", &server.addr])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    server.wait_for(&["the evaluator connected from", "(session 1)"]);
    std::thread::sleep(Duration::from_millis(50));
    doomed.kill().unwrap();
    doomed.wait().unwrap();
    let failed = server.wait_for(&["session 1 from"]);
    assert!(
        failed.contains("failed: ") && failed.contains("connection"),
        "{failed}"
    );

    let out = evaluate(&big, &server.addr, "11");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let circuit = bristol::read_file(&big).unwrap();
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        expected(&circuit, "7", "11")
    );
    server.wait_for(&["session 2 from", "done"]);
    server.stop();
    let _ = std::fs::remove_file(&big);
}
