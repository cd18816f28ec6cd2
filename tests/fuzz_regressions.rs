//! Fuzzing on the stable test suite: every file of the committed fuzz corpus
//! (`fuzz/corpus/<target>/`) replayed through the very checks the libFuzzer
//! targets run (`fuzz/src/lib.rs`, included below), plus the inputs the
//! fuzzers found, each as a plain test that asserts an error, not a panic.
//! `scripts/fuzz.sh` runs the fuzzers themselves.

#[path = "../fuzz/src/lib.rs"]
mod checks;

use gc2pc::circuit::bristol;
use gc2pc::circuit::value::{self, BitOrder, ValueFormat};
use std::path::Path;

/// Runs `check` on every file in `fuzz/corpus/<target>` and returns how many
/// were accepted.
fn replay(target: &str, check: fn(&[u8]) -> bool) -> usize {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .collect();
    entries.sort();
    assert!(!entries.is_empty(), "{} is empty", dir.display());
    let mut accepted = 0;
    for path in &entries {
        let data = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let ok = std::panic::catch_unwind(|| check(&data))
            .unwrap_or_else(|_| panic!("{} fails its check", path.display()));
        accepted += usize::from(ok);
    }
    accepted
}

#[test]
fn corpus_bristol_parse() {
    assert!(replay("bristol_parse", checks::bristol_parse) >= 8);
}

#[test]
fn corpus_binary_parse() {
    assert!(replay("binary_parse", checks::binary_parse) >= 3);
}

/// Found by the fuzzer: a compiled MAND circuit with one input group whose
/// format byte says "old Bristol Format" (which always has two input groups)
/// was accepted, and its Bristol text then had another digest. Now refused.
#[test]
fn binary_old_format_with_one_input_group_is_refused() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus/binary_parse/regression-old-format-with-one-input-group");
    let data = std::fs::read(path).unwrap();
    assert!(!checks::binary_parse(&data));
}

#[test]
fn corpus_value_parse() {
    assert!(replay("value_parse", checks::value_parse) >= 10);
}

#[test]
fn corpus_handshake_decode() {
    assert!(replay("handshake_decode", checks::handshake_decode) >= 5);
}

#[test]
fn corpus_net_frames() {
    assert!(replay("net_frames", checks::net_frames) >= 3);
}

#[test]
fn corpus_ot_messages() {
    assert!(replay("ot_messages", checks::ot_messages) >= 4);
}

#[test]
fn corpus_evaluator_session() {
    assert!(replay("evaluator_session", checks::evaluator_session) >= 4);
}

/// Honest peers' transcripts, replayed, go all the way through: the seeds
/// that the OT and session targets start from reach the last message.
#[test]
fn recorded_transcripts_complete() {
    for mode in 0..4 {
        let input = checks::record_ot_input(mode, 5);
        assert!(checks::ot_messages(&input), "OT mode {mode}");
        // Cut short, every prefix is an error, never a panic.
        for cut in [2, 3, 6, input.len() / 2, input.len() - 1] {
            assert!(
                !checks::ot_messages(&input[..cut]),
                "OT mode {mode} cut at {cut}"
            );
        }
    }
    for config in 0..16 {
        let two_runs = checks::record_session_input(config, 0x5a, 0x1234_5678, 2);
        assert!(
            checks::evaluator_session(&two_runs),
            "session config {config}"
        );
        let input = checks::record_session_input(config, 0xa5, 7, 1);
        assert!(checks::evaluator_session(&input), "session config {config}");
        for cut in [2, 3, 40, input.len() / 2, input.len() - 1] {
            assert!(
                !checks::evaluator_session(&input[..cut]),
                "session config {config} cut at {cut}"
            );
        }
    }
}

/// Writes the recorded seeds of `ot_messages` and `evaluator_session` into
/// fuzz/corpus (run by hand: `cargo test --test fuzz_regressions -- --ignored
/// write_recorded_seeds`).
#[test]
#[ignore = "writes fuzz/corpus; run by hand to regenerate the recorded seeds"]
fn write_recorded_seeds() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    let write = |target: &str, name: String, data: Vec<u8>| {
        let dir = corpus.join(target);
        std::fs::create_dir_all(&dir).expect("corpus directory");
        std::fs::write(dir.join(name), data).expect("seed written");
    };
    for mode in 0..4 {
        for size in [0u8, 3, 130] {
            write(
                "ot_messages",
                format!("seed-mode{mode}-size{size}"),
                checks::record_ot_input(mode, size),
            );
        }
    }
    for config in 0..16 {
        write(
            "evaluator_session",
            format!("seed-config{config}"),
            checks::record_session_input(config, 0x5a, 0x1234_5678, 1),
        );
    }
    write(
        "evaluator_session",
        "seed-config0-two-runs".into(),
        checks::record_session_input(0, 0x01, 0xffff_ffff, 2),
    );
}

#[test]
fn value_input_layout() {
    let input = checks::value_input(300, BitOrder::MsbBytes, "0xff");
    assert_eq!(
        checks::split_value_input(&input),
        (300, BitOrder::MsbBytes, "0xff".into())
    );
    // Short inputs default to width 0, LSB first, empty text.
    assert_eq!(
        checks::split_value_input(&[]),
        (0, BitOrder::LsbInteger, String::new())
    );
    assert!(checks::value_parse(&checks::value_input(
        8,
        BitOrder::LsbInteger,
        "255"
    )));
    assert!(!checks::value_parse(&checks::value_input(
        8,
        BitOrder::LsbInteger,
        "256"
    )));
}

// --- Found by the fuzzers -----------------------------------------------------

/// value_parse, empty input (width 0): a group of width 0 prints as `0x` and
/// `0b` (module documentation of `circuit::value`), and "any spelling of
/// zero" is accepted, but `parse_value("0x", 0, _)` fails with "no digits".
/// Not a panic, but the printed value does not read back. Reported.
#[test]
fn value_width0_prints_what_it_reads() {
    for order in [BitOrder::LsbInteger, BitOrder::MsbBytes] {
        for format in [ValueFormat::Hex, ValueFormat::Bin] {
            let shown = value::format_value(&[], format, order);
            assert_eq!(
                value::parse_value(&shown, 0, order),
                Ok(vec![]),
                "{shown:?} at width 0, {order:?}"
            );
        }
    }
}

/// Constructed while fuzzing bristol_parse: the declared wire count is
/// capped at `16 × file size + 2^20`, so a file padded with whitespace can
/// declare more wires than its own (shorter) canonical text may: the file
/// parses, `bristol::to_string` of it does not. Reported.
fn padded_wide_file() -> Vec<u8> {
    let mut text = b"1 1090000\n2 1089999 0\n1 1\n\n2 1 0 1 1089999 XOR\n".to_vec();
    text.extend(std::iter::repeat_n(b' ', 3000));
    text.push(b'\n');
    text
}

#[test]
fn bristol_padded_wide_file_is_checked_without_panic() {
    // Found by fuzzing: the wire cap used to grow with the file's bytes, so
    // this file parsed while its canonical text did not. Now the cap counts
    // tokens: the file is refused, and the check sees nothing to round-trip.
    assert!(!checks::bristol_parse(&padded_wide_file()));
}

#[test]
fn bristol_padding_never_changes_acceptance() {
    let padded = padded_wide_file();
    let trimmed: Vec<u8> = String::from_utf8(padded.clone())
        .unwrap()
        .trim_end()
        .bytes()
        .chain([b'\n'])
        .collect();
    let (a, b) = (bristol::parse(&padded), bristol::parse(&trimmed));
    assert_eq!(a, b);
    let message = a.unwrap_err().to_string();
    assert!(message.contains("cannot use more than"), "{message}");
}

/// The seeds in the current version (with a stored plan) are accepted and
/// canonical, so the fuzzer starts from files that reach the plan's checks.
#[test]
fn binary_seeds_in_the_current_version_are_accepted() {
    for name in ["seed-cmp32-v2", "seed-add64-v2"] {
        let data = std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("fuzz/corpus/binary_parse")
                .join(name),
        )
        .unwrap();
        assert!(checks::binary_parse(&data), "{name}");
    }
}
