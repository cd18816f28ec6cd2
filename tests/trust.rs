//! The service bounds and input handling of the trust issue, with real
//! processes over loopback TCP: `--serve` quotas per peer and in all (the
//! refused evaluator is told why), `--serve` refusing plain TCP on a
//! non-loopback address, a slow-drip peer cut off at `--session-timeout`,
//! `--input-file` (a file and standard input) on every command that takes
//! `--input`, TLS pinning by `--tls-pin` and `--tls-allow`, no panic on a huge
//! `--timeout` or a closed standard output.

mod common;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_gc2pc");

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A scratch directory of this test binary, named for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gc2pc-trust-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn evaluate(addr: &str, input: &str, extra: &[&str]) -> Output {
    Command::new(BIN)
        .args(["evaluate", "--circuit"])
        .arg(repo("circuits/cmp32.txt"))
        .args(["--connect", addr, "--timeout", "20", "--input", input])
        .args(extra)
        .output()
        .expect("run gc2pc evaluate")
}

fn serve(extra: &[&str]) -> common::Listening {
    let listening = common::spawn_listening(
        common::garble_on_any_port(&repo("circuits/cmp32.txt"), 20)
            .args(["--serve", "--input", "1000"])
            .args(extra)
            .stdout(Stdio::null()),
    );
    assert!(listening.first.contains("serving"), "{}", listening.first);
    listening
}

#[test]
fn serve_stops_answering_a_peer_after_its_quota() {
    let mut server = serve(&["--max-runs-per-peer", "2"]);
    for y in ["5", "5000"] {
        let out = evaluate(&server.addr, y, &[]);
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    let out = evaluate(&server.addr, "999", &[]);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(
        err.contains("refused the session") && err.contains("--max-runs-per-peer"),
        "{err}"
    );
    assert!(out.stdout.is_empty(), "no output for a refused session");
    server.wait_for("refused");
    server.child.kill().unwrap();
    server.child.wait().unwrap();
}

#[test]
fn serve_stops_after_max_total_sessions() {
    let mut server = serve(&["--max-total-sessions", "1"]);
    let out = evaluate(&server.addr, "5", &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    server.wait_for("--max-total-sessions reached");
    let status = server.child.wait().unwrap();
    assert!(status.success());
    // The server is gone: a second evaluator cannot reach it.
    let out = evaluate(&server.addr, "5", &["--timeout", "1"]);
    assert!(!out.status.success());
}

#[test]
fn serve_refuses_plain_tcp_on_a_public_address() {
    let out = Command::new(BIN)
        .args(["garble", "--circuit"])
        .arg(repo("circuits/cmp32.txt"))
        .args(["--input", "1", "--serve", "--listen", "0.0.0.0:0"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("--insecure-plain-tcp"), "{err}");
}

#[test]
fn a_slow_drip_peer_is_cut_off_at_the_session_deadline() {
    let mut garbler = common::spawn_listening(
        common::garble_on_any_port(&repo("circuits/cmp32.txt"), 5)
            .args(["--input", "1", "--session-timeout", "2"])
            .stdout(Stdio::null()),
    );
    let start = Instant::now();
    let mut peer = std::net::TcpStream::connect(&garbler.addr).unwrap();
    // A frame header announcing a 200-byte hello, then one byte of it every
    // 0.5 s: each read succeeds well within --timeout 5, so only the session
    // deadline can end it.
    peer.write_all(&200u32.to_le_bytes()).unwrap();
    let drip = std::thread::spawn(move || {
        for _ in 0..40 {
            if peer.write_all(&[0u8]).is_err() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(500));
        }
        false
    });
    let line = garbler.wait_for("error");
    let took = start.elapsed();
    assert!(line.contains("deadline"), "{line}");
    assert!(!garbler.child.wait().unwrap().success());
    eprintln!("slow-drip peer cut off after {took:?} (deadline 2 s)");
    // Measured, not asserted tightly: well before the drip would end (20 s).
    assert!(took < Duration::from_secs(15), "{took:?}");
    let _ = drip.join();
}

#[test]
fn input_file_and_stdin_work_for_both_parties_and_circuit_eval() {
    let dir = scratch("inputs");
    let secret = dir.join("garbler.txt");
    std::fs::write(&secret, "# the garbler's wealth\n\n  1000000  \n").unwrap();
    let mut garbler = common::spawn_listening(
        common::garble_on_any_port(&repo("circuits/cmp32.txt"), 20)
            .arg("--input-file")
            .arg(&secret)
            .stdout(Stdio::piped()),
    );
    let mut evaluator = Command::new(BIN)
        .args(["evaluate", "--circuit"])
        .arg(repo("circuits/cmp32.txt"))
        .args(["--connect", &garbler.addr, "--input-file", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    evaluator
        .stdin
        .take()
        .unwrap()
        .write_all(b"2500000\n")
        .unwrap();
    let out = evaluator.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "0x1\n", "1000000 < 2500000");
    assert!(garbler.child.wait().unwrap().success());

    // circuit eval: two values from one file, in header order.
    let both = dir.join("both.txt");
    std::fs::write(&both, "7\n5\n").unwrap();
    let out = Command::new(BIN)
        .args(["circuit", "eval"])
        .arg(repo("circuits/cmp32.txt"))
        .arg("--input-file")
        .arg(&both)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "0x0\n", "7 < 5 is false");

    // --input and --input-file together, a missing file, a wrong count.
    for args in [
        vec!["--input", "1", "--input-file", both.to_str().unwrap()],
        vec!["--input-file", "/nonexistent/gc2pc-input"],
        vec!["--input-file", secret.to_str().unwrap()],
    ] {
        let out = Command::new(BIN)
            .args(["circuit", "eval"])
            .arg(repo("circuits/cmp32.txt"))
            .args(&args)
            .output()
            .unwrap();
        assert!(!out.status.success(), "{args:?}");
        assert!(!text(&out.stderr).contains("panicked"), "{args:?}");
        assert!(out.stdout.is_empty());
    }
    let _ = garbler.child.kill();
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn tls_pin_and_allow_on_the_command_line() {
    let dir = scratch("pins");
    let keygen = |name: &str| -> String {
        let out = Command::new(BIN)
            .current_dir(&dir)
            .args(["keygen", "--name", name])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out.stderr));
        text(&out.stdout)
            .lines()
            .find_map(|l| l.strip_prefix("SHA-256"))
            .unwrap()
            .trim()
            .to_string()
    };
    let garbler_pin = keygen("g.example");
    let _ = keygen("e.example");
    let mallory_pin = keygen("m.example");
    let path = |f: &str| dir.join(f).to_str().unwrap().to_string();
    let run = |pin: &str, allow: &str| -> (Output, Output) {
        let garbler = common::spawn_listening(
            common::garble_on_any_port(&repo("circuits/cmp32.txt"), 10)
                .args(["--input", "1", "--tls-cert", &path("g.example.crt")])
                .args(["--tls-key", &path("g.example.key")])
                .args(["--tls-ca", &path("e.example.crt"), "--tls-allow", allow])
                .stdout(Stdio::piped()),
        );
        let evaluator = evaluate(
            &garbler.addr,
            "2",
            &[
                "--tls-cert",
                &path("e.example.crt"),
                "--tls-key",
                &path("e.example.key"),
                "--tls-pin",
                pin,
                "--tls-name",
                "g.example",
            ],
        );
        let mut child = garbler.child;
        let status = child.wait().unwrap();
        let mut stderr = String::new();
        for line in garbler.lines.iter() {
            stderr.push_str(&line);
            stderr.push('\n');
        }
        let mut stdout = Vec::new();
        child
            .stdout
            .take()
            .unwrap()
            .read_to_end(&mut stdout)
            .unwrap();
        (
            Output {
                status,
                stdout,
                stderr: stderr.into_bytes(),
            },
            evaluator,
        )
    };
    // The right pin and an allowed name: the session runs, both log the peer.
    let (g, e) = run(&garbler_pin, "e.example");
    assert!(e.status.success(), "{}", text(&e.stderr));
    assert_eq!(text(&e.stdout), "0x1\n");
    assert!(g.status.success(), "{}", text(&g.stderr));
    assert!(
        text(&e.stderr).contains("CN=g.example"),
        "{}",
        text(&e.stderr)
    );
    assert!(
        text(&e.stderr).contains(&garbler_pin),
        "{}",
        text(&e.stderr)
    );
    // Another key's pin: refused on the evaluator's side.
    let (_, e) = run(&mallory_pin, "e.example");
    assert!(!e.status.success());
    assert!(
        text(&e.stderr).contains("neither pinned"),
        "{}",
        text(&e.stderr)
    );
    // The evaluator is pinned but not on the garbler's allowlist.
    let (g, e) = run(&garbler_pin, "someone-else.example");
    assert!(!e.status.success());
    assert!(!g.status.success());
    assert!(
        text(&g.stderr).contains("--tls-allow"),
        "{}",
        text(&g.stderr)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn no_panic_on_a_huge_timeout_or_a_closed_stdout() {
    for flag in ["--timeout", "--session-timeout"] {
        let out = Command::new(BIN)
            .args(["evaluate", "--circuit"])
            .arg(repo("circuits/cmp32.txt"))
            .args(["--input", "1", flag, "18446744073709551615"])
            .output()
            .unwrap();
        assert!(!out.status.success());
        let err = text(&out.stderr);
        assert!(!err.contains("panicked") && err.contains(flag), "{err}");
    }
    // A large output into a pipe whose reader has gone.
    let mut child = Command::new(BIN)
        .args(["circuit", "convert"])
        .arg(repo("circuits/reference/bristol_fashion/aes_128.txt"))
        .args(["-", "--to", "fashion"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 16];
    child
        .stdout
        .as_mut()
        .unwrap()
        .read_exact(&mut first)
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let err = text(&out.stderr);
    assert!(!err.contains("panicked") && !err.contains("error"), "{err}");
}

/// Relays evaluator → garbler frames, flipping the low bit of every 1-byte
/// frame (with cmp32 under `--reveal both`, the evaluator's output bits), and
/// garbler → evaluator bytes unchanged.
fn tampering_relay(garbler: String) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        let (mut from_evaluator, _) = listener.accept().unwrap();
        let mut to_garbler = std::net::TcpStream::connect(garbler).unwrap();
        let (mut back_from, mut back_to) = (
            to_garbler.try_clone().unwrap(),
            from_evaluator.try_clone().unwrap(),
        );
        std::thread::spawn(move || {
            let _ = std::io::copy(&mut back_from, &mut back_to);
            let _ = back_to.shutdown(std::net::Shutdown::Both);
        });
        loop {
            let mut len = [0u8; 4];
            if from_evaluator.read_exact(&mut len).is_err() {
                break;
            }
            let mut payload = vec![0u8; u32::from_le_bytes(len) as usize];
            if from_evaluator.read_exact(&mut payload).is_err() {
                break;
            }
            if payload.len() == 1 {
                payload[0] ^= 1;
            }
            if to_garbler.write_all(&len).is_err() || to_garbler.write_all(&payload).is_err() {
                break;
            }
        }
        let _ = to_garbler.shutdown(std::net::Shutdown::Both);
    });
    addr
}

#[test]
fn a_false_reveal_both_output_is_detected_by_the_garbler() {
    let garbler = common::spawn_listening(
        common::garble_on_any_port(&repo("circuits/cmp32.txt"), 20)
            .args(["--input", "1000000", "--reveal", "both"])
            .stdout(Stdio::piped()),
    );
    let relay = tampering_relay(garbler.addr.clone());
    let evaluator = evaluate(&relay, "2500000", &["--reveal", "both"]);
    // The evaluator itself computed the true output (0x1) and reported 0x0.
    assert_eq!(
        text(&evaluator.stdout),
        "0x1\n",
        "{}",
        text(&evaluator.stderr)
    );
    let (ok, stdout, stderr) = garbler.finish();
    assert!(!ok, "the garbler believed a false output: {stdout}");
    assert!(stderr.contains("false output"), "{stderr}");
    assert!(stdout.is_empty(), "no output printed: {stdout}");

    // Without tampering, both learn the true output.
    let garbler = common::spawn_listening(
        common::garble_on_any_port(&repo("circuits/cmp32.txt"), 20)
            .args(["--input", "1000000", "--reveal", "both"])
            .stdout(Stdio::piped()),
    );
    let evaluator = evaluate(&garbler.addr, "2500000", &["--reveal", "both"]);
    assert!(evaluator.status.success());
    let (ok, stdout, stderr) = garbler.finish();
    assert!(ok, "{stderr}");
    assert_eq!(stdout, "0x1\n");
}

#[test]
fn ten_thousand_honest_runs_of_a_small_circuit_never_fail_the_kos_check() {
    use gc2pc::circuit::value::{BitOrder, parse_value};
    use gc2pc::circuit::{Plan, bristol};
    use gc2pc::protocol::{Agreement, local};
    let circuit = bristol::read_file(&repo("circuits/cmp32.txt")).unwrap();
    let plan = Plan::new(&circuit);
    let agreement = Agreement::default_for(&circuit);
    let value = |v: u64| vec![parse_value(&v.to_string(), 32, BitOrder::LsbInteger).unwrap()];
    let (mut garbler, mut evaluator) = (Vec::new(), Vec::new());
    for k in 0..10_000u64 {
        garbler.push(value(k * 2_654_435_761 % (1 << 32)));
        evaluator.push(value(k * 40_503 % (1 << 32)));
    }
    let run = local::run_over_loopback(
        &circuit,
        &plan,
        &agreement,
        gc2pc::aes::Engine::best(),
        &garbler,
        &evaluator,
    )
    .expect("no honest run fails the check");
    for ((g, e), out) in garbler.iter().zip(&evaluator).zip(&run.outputs) {
        let want = circuit.eval(&[g[0].clone(), e[0].clone()]).unwrap();
        assert_eq!(out, &want);
    }
}
