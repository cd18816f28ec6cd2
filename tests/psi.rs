//! Private set intersection: the library program against a `HashSet` (sizes
//! equal and different, empty, padded, cardinality), and `gc2pc psi`
//! between two processes on ID files and CSV columns, with bad files.

mod common;

use gc2pc::net::mem;
use gc2pc::secure::psi::{self, PsiOutput};
use gc2pc::secure::{Party, Session};
use std::collections::HashSet;

use common::Rng;

/// Runs the PSI program on two ID lists (padded to `pad`), garbled over an
/// in-memory channel: (garbler's output, evaluator's output, the evaluator's
/// ids in key order).
fn run(
    g: &[String],
    e: &[String],
    pad: Option<(usize, usize)>,
    cardinality: bool,
) -> (PsiOutput, PsiOutput, Vec<usize>) {
    let (pg, pe) = pad.unwrap_or((g.len(), e.len()));
    let width = psi::key_width(pg, pe);
    let (gk, _) = psi::sorted_keys(g, width, pg, Party::Garbler).unwrap();
    let (ek, e_index) = psi::sorted_keys(e, width, pe, Party::Evaluator).unwrap();
    let (a, b) = mem::pair();
    let (go, eo) = std::thread::scope(|s| {
        let go = s.spawn(|| {
            Session::builder(Party::Garbler).build().run(a, |ctx| {
                psi::intersect(ctx, Party::Garbler, &gk, pg, pe, width + 1, cardinality)
            })
        });
        let eo = Session::builder(Party::Evaluator).build().run(b, |ctx| {
            psi::intersect(ctx, Party::Evaluator, &ek, pg, pe, width + 1, cardinality)
        });
        (go.join().unwrap().unwrap(), eo.unwrap())
    });
    (go, eo, e_index)
}

fn ids(rng: &mut Rng, n: usize, universe: u64) -> Vec<String> {
    let mut set = HashSet::new();
    while set.len() < n {
        set.insert(format!("patient-{}", rng.next() % universe));
    }
    set.into_iter().collect()
}

#[test]
fn intersections_match_a_hash_set() {
    let mut rng = Rng(11);
    for (n, m) in [
        (1, 1),
        (5, 9),
        (16, 16),
        (33, 7),
        (0, 4),
        (4, 0),
        (0, 0),
        (100, 120),
    ] {
        let g = ids(&mut rng, n, 150);
        let e = ids(&mut rng, m, 150);
        let expected: HashSet<&String> = g
            .iter()
            .collect::<HashSet<_>>()
            .intersection(&e.iter().collect())
            .copied()
            .collect();
        for pad in [None, Some((n + 3, m + 5))] {
            let (go, eo, index) = run(&g, &e, pad, false);
            assert_eq!(go, PsiOutput::Nothing);
            let PsiOutput::Members(members) = eo else {
                panic!("{eo:?}")
            };
            let found: HashSet<&String> = members
                .iter()
                .zip(index.iter().map(Some).chain(std::iter::repeat(None)))
                .filter(|(m, _)| **m)
                .map(|(_, i)| &e[*i.expect("a padding key never matches")])
                .collect();
            assert_eq!(found, expected, "n={n} m={m} pad={pad:?}");
            let (_, count, _) = run(&g, &e, pad, true);
            assert_eq!(
                count,
                PsiOutput::Cardinality(expected.len() as u64),
                "n={n} m={m}"
            );
        }
    }
}

const BIN: &str = env!("CARGO_BIN_EXE_gc2pc");

/// Runs `gc2pc psi` as two processes: the garbler on `g_set` (with
/// `g_args`), the evaluator on `e_set` (with `e_args`; `e_stdin` is piped to
/// it when given). Returns the garbler's (success, stderr) and the
/// evaluator's (success, stdout, stderr).
fn cli(
    g_set: &std::path::Path,
    g_args: &[&str],
    e_set: &str,
    e_args: &[&str],
    e_stdin: Option<&[u8]>,
) -> ((bool, String), (bool, String, String)) {
    use std::process::{Command, Stdio};
    let garbler = common::spawn_listening(
        Command::new(BIN)
            .args(["psi", "--role", "garbler", "--set"])
            .arg(g_set)
            .args(["--listen", "127.0.0.1:0", "--timeout", "20"])
            .args(g_args)
            .stdout(Stdio::piped()),
    );
    let e = common::run_with_stdin(
        Command::new(BIN)
            .args(["psi", "--role", "evaluator", "--set", e_set])
            .args(["--connect", &garbler.addr, "--timeout", "20"])
            .args(e_args),
        e_stdin,
    );
    let (g_ok, _, g_err) = garbler.finish();
    ((g_ok, g_err), e)
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("gc2pc-psi-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn psi_command_on_id_files_matches_a_hash_set() {
    let dir = temp_dir("files");
    let mut rng = Rng(21);
    for (n, m) in [(40usize, 25usize), (1, 30), (0, 5)] {
        let g = ids(&mut rng, n, 80);
        let e = ids(&mut rng, m, 80);
        // Duplicates, blank lines and spaces around identifiers.
        let mut g_text = String::new();
        for (i, id) in g.iter().enumerate() {
            g_text.push_str(&format!("  {id}\n"));
            if i % 7 == 0 {
                g_text.push_str(&format!("{id}\n\n"));
            }
        }
        let g_path = dir.join(format!("g{n}.txt"));
        std::fs::write(&g_path, &g_text).unwrap();
        let e_text: String = e.iter().map(|id| format!("{id}\r\n")).collect::<String>() + "\n";
        // The evaluator reads its set from standard input.
        let ((g_ok, g_err), (e_ok, out, e_err)) =
            cli(&g_path, &[], "-", &[], Some(e_text.as_bytes()));
        assert!(g_ok && e_ok, "{g_err}\n{e_err}");
        let gs: HashSet<&String> = g.iter().collect();
        let expected: Vec<&str> = e
            .iter()
            .filter(|id| gs.contains(id))
            .map(|s| s.as_str())
            .collect();
        let got: Vec<&str> = out.lines().collect();
        assert_eq!(got, expected, "n={n} m={m}");
        assert!(
            g_err.contains("the evaluator learned the intersection"),
            "{g_err}"
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn psi_command_on_csv_columns_with_padding_and_cardinality() {
    let dir = temp_dir("csv");
    let a = dir.join("a.csv");
    std::fs::write(
        &a,
        "name,patient_id,ward\nAnn,1001,3\n\"Bob, Jr.\",1002,4\nCy,\"1003\",5\nAnn,1001,6\n",
    )
    .unwrap();
    let b = dir.join("b.csv");
    std::fs::write(&b, "patient_id;x,id\nq,1003\nr,1005\ns,1001\n").unwrap();
    let out = dir.join("shared.txt");
    let ((g_ok, g_err), (e_ok, stdout, e_err)) = cli(
        &a,
        &["--column", "patient_id", "--pad-to", "10"],
        b.to_str().unwrap(),
        &[
            "--column",
            "id",
            "--out",
            out.to_str().unwrap(),
            "--pad-to",
            "4",
        ],
        None,
    );
    assert!(g_ok && e_ok, "{g_err}\n{e_err}");
    assert_eq!(stdout, "");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "1003\n1001\n");
    let ((g_ok, g_err), (e_ok, stdout, e_err)) = cli(
        &a,
        &["--column", "patient_id", "--cardinality"],
        b.to_str().unwrap(),
        &["--column", "id", "--cardinality"],
        None,
    );
    assert!(g_ok && e_ok, "{g_err}\n{e_err}");
    assert_eq!(stdout, "2\n");
    // One side asks for the cardinality, the other for the intersection.
    let ((g_ok, g_err), (e_ok, stdout, e_err)) = cli(
        &a,
        &["--column", "patient_id", "--cardinality"],
        b.to_str().unwrap(),
        &["--column", "id"],
        None,
    );
    assert!(!g_ok && !e_ok);
    assert_eq!(stdout, "");
    assert!(e_err.contains("--cardinality on both sides"), "{e_err}");
    assert!(g_err.contains("--cardinality on both sides"), "{g_err}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn bad_set_files_give_clear_errors_and_no_output() {
    let dir = temp_dir("bad");
    let cases: Vec<(&str, Vec<u8>, Vec<&str>, &str)> = vec![
        (
            "garbage.bin",
            vec![0x7f, b'E', b'L', b'F', 0xff, 0xfe, 0, 1, 2],
            vec![],
            "not a text file",
        ),
        (
            "long.txt",
            format!("ok\n{}\n", "x".repeat(2000)).into_bytes(),
            vec![],
            "line 2: an identifier of 2000 bytes",
        ),
        (
            "cols.csv",
            b"a,b\n1,2\n".to_vec(),
            vec!["--column", "id"],
            "has no column \"id\"; its columns are: \"a\", \"b\"",
        ),
        (
            "short.csv",
            b"a,b\n1,2\n3\n".to_vec(),
            vec!["--column", "b"],
            "line 3 has no field 2",
        ),
        (
            "ctrl.txt",
            b"ok\nbad\x07id\n".to_vec(),
            vec![],
            "line 2: a control character",
        ),
        (
            "quote.csv",
            b"a\n\"open\n".to_vec(),
            vec!["--column", "a"],
            "line 2: a quoted field is not closed",
        ),
    ];
    for (name, bytes, args, message) in cases {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        let out = dir.join("out.txt");
        let e = std::process::Command::new(BIN)
            .args(["psi", "--role", "evaluator", "--set"])
            .arg(&path)
            .args(["--connect", "127.0.0.1:9", "--out"])
            .arg(&out)
            .args(args)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&e.stderr);
        assert!(!e.status.success(), "{name}");
        assert!(stderr.contains(message), "{name}: {stderr}");
        assert!(e.stdout.is_empty(), "{name}");
        assert!(!out.exists(), "{name}: an output file was written");
    }
    std::fs::remove_dir_all(&dir).ok();
}
