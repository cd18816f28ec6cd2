//! Mutual TLS between two real `gc2pc` processes: `gc2pc keygen` for both
//! parties, AES-128 (FIPS-197) over pinned self-signed certificates, peers
//! with untrusted certificates or the wrong name refused before any gc2pc
//! message, plain TCP against TLS (both ways) failing cleanly, TLS under
//! `--serve`, and the warning for plain TCP on a non-loopback address.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_gc2pc");

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// A fresh directory for one test's keys.
fn temp_dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gc2pc-tls-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `gc2pc keygen --name NAME` in `dir`: returns (certificate, key).
fn keygen(dir: &Path, name: &str, file: &str) -> (PathBuf, PathBuf) {
    let (cert, key) = (
        dir.join(format!("{file}.crt")),
        dir.join(format!("{file}.key")),
    );
    let out = Command::new(BIN)
        .args(["keygen", "--name", name, "--cert"])
        .arg(&cert)
        .arg("--key")
        .arg(&key)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (cert, key)
}

/// `--tls-cert C --tls-key K --tls-ca CA` as owned strings.
fn tls_args(cert: &Path, key: &Path, ca: &Path) -> Vec<String> {
    [("--tls-cert", cert), ("--tls-key", key), ("--tls-ca", ca)]
        .iter()
        .flat_map(|(flag, path)| [flag.to_string(), path.display().to_string()])
        .collect()
}

/// A garbler listening on an ephemeral port (the address is read from the
/// "waiting for the evaluator on ADDR" line it prints to stderr).
type Garbler = common::Listening;

fn spawn_garbler(circuit: &Path, args: &[String]) -> Garbler {
    common::spawn_garbler(circuit, 10, args)
}

fn evaluate(circuit: &Path, addr: &str, args: &[String]) -> Output {
    common::evaluate(circuit, addr, 10, args)
}

use common::stderr_of;

fn with(mut args: Vec<String>, more: &[&str]) -> Vec<String> {
    args.extend(more.iter().map(|s| s.to_string()));
    args
}

const AES_KEY: &str = "0x000102030405060708090a0b0c0d0e0f";
const AES_PLAIN: &str = "0x00112233445566778899aabbccddeeff";
const AES_CIPHER: &str = "0x69c4e0d86a7b0430d8cdb78070b4c55a\n";

#[test]
fn keygen_writes_a_certificate_and_a_private_key_file() {
    let dir = temp_dir("keygen");
    let (cert, key) = (dir.join("a.crt"), dir.join("a.key"));
    let run = |extra: &[&str]| {
        Command::new(BIN)
            .args(["keygen", "--name", "alice.example", "--cert"])
            .arg(&cert)
            .arg("--key")
            .arg(&key)
            .args(extra)
            .output()
            .unwrap()
    };
    let out = run(&[]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("SHA-256"), "{stdout}");
    assert!(!stdout.contains("PRIVATE") && !stderr_of(&out).contains("PRIVATE"));
    let cert_text = std::fs::read_to_string(&cert).unwrap();
    assert!(cert_text.starts_with("-----BEGIN CERTIFICATE-----"));
    assert!(
        std::fs::read_to_string(&key)
            .unwrap()
            .contains("PRIVATE KEY")
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "key mode {mode:o}");
    }
    // No silent overwrite; --force replaces both.
    let again = run(&[]);
    assert!(!again.status.success());
    assert!(
        stderr_of(&again).contains("already exists"),
        "{}",
        stderr_of(&again)
    );
    let forced = run(&["--force"]);
    assert!(forced.status.success(), "{}", stderr_of(&forced));
    assert_ne!(std::fs::read_to_string(&cert).unwrap(), cert_text);
    // A name that is neither a DNS name nor an IP address.
    let bad = Command::new(BIN)
        .args(["keygen", "--name", "not a name", "--cert"])
        .arg(dir.join("b.crt"))
        .arg("--key")
        .arg(dir.join("b.key"))
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(
        stderr_of(&bad).starts_with("error: "),
        "{}",
        stderr_of(&bad)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn aes128_over_mutual_tls_with_pinned_certificates() {
    let dir = temp_dir("aes");
    // The garbler's certificate names 127.0.0.1: the evaluator checks the host
    // of --connect by default.
    let (g_cert, g_key) = keygen(&dir, "127.0.0.1", "garbler");
    let (e_cert, e_key) = keygen(&dir, "evaluator.example", "evaluator");
    let circuit = common::circuits_ref_dir().join("bristol_fashion/aes_128.txt");
    let g = spawn_garbler(
        &circuit,
        &with(tls_args(&g_cert, &g_key, &e_cert), &["--input", AES_KEY]),
    );
    let e = evaluate(
        &circuit,
        &g.addr,
        &with(tls_args(&e_cert, &e_key, &g_cert), &["--input", AES_PLAIN]),
    );
    assert!(g.first.contains("mutual TLS 1.3"), "{}", g.first);
    let (g_ok, g_out, g_err) = g.finish();
    assert!(e.status.success(), "{}\ngarbler: {g_err}", stderr_of(&e));
    assert!(g_ok, "{g_err}");
    assert_eq!(String::from_utf8_lossy(&e.stdout), AES_CIPHER);
    assert_eq!(g_out, "");
    assert!(!stderr_of(&e).contains("warning"), "{}", stderr_of(&e));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Runs a cmp32 pair with the given TLS arguments; both must fail, each
/// message containing its text, within the timeout.
fn both_refuse(garbler: Vec<String>, evaluator: Vec<String>, g_says: &str, e_says: &str) {
    let circuit = repo("circuits/cmp32.txt");
    let start = Instant::now();
    let g = spawn_garbler(&circuit, &with(garbler, &["--input", "1"]));
    let e = evaluate(&circuit, &g.addr, &with(evaluator, &["--input", "2"]));
    let (g_ok, _, g_err) = g.finish();
    let e_err = stderr_of(&e);
    assert!(
        !g_ok && !e.status.success(),
        "garbler: {g_err}\nevaluator: {e_err}"
    );
    assert!(
        g_err.contains("error: ") && g_err.contains(g_says),
        "garbler: {g_err}"
    );
    assert!(
        e_err.starts_with("error: ") && e_err.contains(e_says),
        "evaluator: {e_err}"
    );
    for err in [&g_err, &e_err] {
        assert!(
            !err.contains("panicked") && !err.contains("disagree"),
            "{err}"
        );
    }
    assert!(start.elapsed() < Duration::from_secs(15));
}

#[test]
fn an_evaluator_with_an_untrusted_certificate_is_refused_before_the_protocol() {
    let dir = temp_dir("untrusted-e");
    let (g_cert, g_key) = keygen(&dir, "127.0.0.1", "garbler");
    let (e_cert, _) = keygen(&dir, "evaluator", "evaluator");
    let (m_cert, m_key) = keygen(&dir, "evaluator", "mallory");
    // The garbler pins the real evaluator; mallory has its own key.
    both_refuse(
        tls_args(&g_cert, &g_key, &e_cert),
        tls_args(&m_cert, &m_key, &g_cert),
        "TLS handshake failed: the evaluator's certificate is not trusted",
        "TLS handshake failed: the garbler refused the TLS handshake",
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_garbler_with_an_untrusted_certificate_or_name_is_refused() {
    let dir = temp_dir("untrusted-g");
    let (g_cert, g_key) = keygen(&dir, "127.0.0.1", "garbler");
    let (e_cert, e_key) = keygen(&dir, "evaluator", "evaluator");
    let (m_cert, m_key) = keygen(&dir, "127.0.0.1", "mallory");
    both_refuse(
        tls_args(&m_cert, &m_key, &e_cert),
        tls_args(&e_cert, &e_key, &g_cert),
        "TLS handshake failed: the evaluator refused the TLS handshake",
        "TLS handshake failed: the garbler's certificate is not trusted",
    );
    // The right key, but the evaluator expects another name.
    both_refuse(
        tls_args(&g_cert, &g_key, &e_cert),
        with(
            tls_args(&e_cert, &e_key, &g_cert),
            &["--tls-name", "garbler.example"],
        ),
        "the evaluator refused the TLS handshake",
        "not valid for the name \"garbler.example\"",
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn plain_tcp_against_tls_fails_cleanly_both_ways() {
    let dir = temp_dir("plain");
    let (g_cert, g_key) = keygen(&dir, "127.0.0.1", "garbler");
    let (e_cert, e_key) = keygen(&dir, "evaluator", "evaluator");
    // A plain evaluator against a TLS garbler.
    both_refuse(
        tls_args(&g_cert, &g_key, &e_cert),
        vec![],
        "the evaluator does not speak TLS 1.3",
        "if the garbler uses TLS, pass --tls-cert",
    );
    // A TLS evaluator against a plain garbler.
    both_refuse(
        vec![],
        tls_args(&e_cert, &e_key, &g_cert),
        "if the evaluator uses TLS, pass --tls-cert",
        "the garbler does not speak TLS 1.3",
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn serve_over_tls_refuses_an_untrusted_evaluator_and_serves_the_next() {
    let dir = temp_dir("serve");
    let (g_cert, g_key) = keygen(&dir, "127.0.0.1", "garbler");
    let (e_cert, e_key) = keygen(&dir, "evaluator", "evaluator");
    let (m_cert, m_key) = keygen(&dir, "evaluator", "mallory");
    let circuit = repo("circuits/cmp32.txt");
    let g = spawn_garbler(
        &circuit,
        &with(
            tls_args(&g_cert, &g_key, &e_cert),
            &["--input", "10", "--serve", "--sessions", "2"],
        ),
    );
    let bad = evaluate(
        &circuit,
        &g.addr,
        &with(tls_args(&m_cert, &m_key, &g_cert), &["--input", "11"]),
    );
    assert!(!bad.status.success());
    let line = g.wait_for("session 1 from");
    assert!(line.contains("failed: TLS handshake failed"), "{line}");
    let good = evaluate(
        &circuit,
        &g.addr,
        &with(tls_args(&e_cert, &e_key, &g_cert), &["--input", "11"]),
    );
    assert!(good.status.success(), "{}", stderr_of(&good));
    assert_eq!(String::from_utf8_lossy(&good.stdout), "0x1\n");
    let (ok, _, err) = g.finish();
    assert!(ok, "{err}");
    assert!(
        err.contains("served 2 sessions (1 succeeded, 1 failed)"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn plain_tcp_on_a_non_loopback_address_is_warned_about() {
    let warning = "warning: plain TCP on a non-loopback address: anyone on the path can read and alter the session; use --tls-cert/--tls-key/--tls-ca";
    let cmp = repo("circuits/cmp32.txt");
    let garble = |listen: &str, extra: &[String]| {
        Command::new(BIN)
            .args(["garble", "--circuit"])
            .arg(&cmp)
            .args(["--input", "1", "--listen", listen, "--timeout", "1"])
            .args(extra)
            .output()
            .unwrap()
    };
    let out = garble("0.0.0.0:0", &[]);
    assert!(stderr_of(&out).contains(warning), "{}", stderr_of(&out));
    let out = garble("127.0.0.1:0", &[]);
    assert!(!stderr_of(&out).contains("warning"), "{}", stderr_of(&out));
    let dir = temp_dir("warning");
    let (cert, key) = keygen(&dir, "127.0.0.1", "me");
    let out = garble("0.0.0.0:0", &tls_args(&cert, &key, &cert));
    assert!(!stderr_of(&out).contains("warning"), "{}", stderr_of(&out));
    // The evaluator side: 192.0.2.1 (TEST-NET-1) is not loopback.
    let out = Command::new(BIN)
        .args(["evaluate", "--circuit"])
        .arg(&cmp)
        .args(["--input", "1", "--connect", "192.0.2.1:9", "--timeout", "1"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(stderr_of(&out).starts_with(warning), "{}", stderr_of(&out));
    // TLS flags come as a set.
    let out = garble(
        "127.0.0.1:0",
        &["--tls-cert".into(), cert.display().to_string()],
    );
    assert!(!out.status.success());
    assert!(stderr_of(&out).contains("--tls-key"), "{}", stderr_of(&out));
    let _ = std::fs::remove_dir_all(&dir);
}
