//! The Bristol reader rejects every malformed file with an error that names
//! the line, never panics, and never allocates from a header count.
mod common;

use gc2pc::circuit::{CircuitError, bristol};
use proptest::prelude::*;
use std::time::{Duration, Instant};

/// The parse error of `text`, as `(line, message)`.
fn parse_error(text: impl AsRef<[u8]>) -> (usize, String) {
    match bristol::parse(text.as_ref()) {
        Ok(c) => panic!(
            "accepted a malformed file ({} gates):\n{}",
            c.gates().len(),
            String::from_utf8_lossy(text.as_ref())
        ),
        Err(CircuitError::Parse { line, message }) => (line, message),
        Err(other) => panic!("error without a line number: {other:?}"),
    }
}

/// Asserts the error is on `line` and its message contains `needle`.
fn assert_error(text: impl AsRef<[u8]>, line: usize, needle: &str) {
    let (got_line, message) = parse_error(text);
    assert_eq!(got_line, line, "wrong line for: {message}");
    assert!(
        message.contains(needle),
        "message {message:?} does not contain {needle:?}"
    );
}

const SMALL: &str = "3 5\n2 1 1\n1 2\n\n2 1 0 1 2 AND\n1 1 2 3 INV\n2 1 2 3 4 XOR\n";

#[test]
fn the_mutation_base_is_valid() {
    let c = bristol::parse(MUTATION_BASE.as_bytes()).unwrap();
    // a = 0b11 (wires 0, 1), b = 0b01: w4 = 1, w5 = 0, w6 = 0, w7 = 0, w8 = 0, w9 = 1.
    let out = c.eval(&[vec![true, true], vec![true, false]]).unwrap();
    assert_eq!(out, vec![vec![false, true]]);
}

#[test]
fn the_small_file_is_valid() {
    let c = bristol::parse(SMALL.as_bytes()).unwrap();
    assert_eq!(c.gates().len(), 3);
    let out = c.eval(&[vec![true], vec![true]]).unwrap();
    assert_eq!(out, vec![vec![false, true]]);
}

#[test]
fn exact_messages() {
    assert_eq!(
        bristol::parse(b"1 504\n2 64 64\n1 64\n\n2 1 0 900 503 XOR\n")
            .unwrap_err()
            .to_string(),
        "line 5: gate reads wire 900 but the circuit has 504 wires"
    );
    assert_eq!(
        bristol::parse(b"1 3\n1 1 1\n2 1 0 1 7 AND\n")
            .unwrap_err()
            .to_string(),
        "line 3: gate writes wire 7 but the circuit has 3 wires"
    );
}

#[test]
fn wires_out_of_range_undefined_twice_or_early() {
    // Undefined wire: 3 is in range but nothing writes it before line 6.
    assert_error(
        "2 5\n2 1 1\n1 1\n\n2 1 0 1 2 AND\n2 1 3 1 4 XOR\n",
        6,
        "reads wire 3 before it is written",
    );
    // Read before write: wire 3 is written later, on line 6.
    assert_error(
        "2 4\n2 1 1\n1 1\n\n2 1 0 2 3 AND\n1 1 0 2 INV\n",
        5,
        "reads wire 2 before it is written",
    );
    // Written twice.
    assert_error(
        "3 5\n2 1 1\n1 2\n\n2 1 0 1 2 AND\n1 1 0 3 INV\n1 1 1 3 INV\n",
        7,
        "writes wire 3, which is already written",
    );
    // Writes an input.
    assert_error(
        "1 3\n2 1 1\n1 1\n\n2 1 0 1 1 XOR\n",
        5,
        "writes input wire 1",
    );
    // Out of range in the old format, with the line count of a blank line.
    assert_error("1 3\n1 1 1\n\n\n2 1 0 5 2 XOR\n", 5, "reads wire 5");
}

#[test]
fn unknown_gates_and_missing_opcodes() {
    assert_error(
        "1 3\n2 1 1\n1 1\n\n2 1 0 1 2 NAND\n",
        5,
        "unknown gate `NAND`",
    );
    assert_error(
        "1 3\n2 1 1\n1 1\n\n2 1 0 1 2\n",
        5,
        "does not end with an opcode",
    );
    assert_error("1 3\n2 1 1\n1 1\n\nXOR\n", 5, "found 1 tokens");
}

#[test]
fn header_mismatches() {
    // Fewer gate lines than the header says.
    assert_error(
        "4 5\n2 1 1\n1 2\n\n2 1 0 1 2 AND\n1 1 2 3 INV\n2 1 2 3 4 XOR\n",
        1,
        "declares 4 gates but the file has 3 gate lines",
    );
    // More gate lines than the header says: the first extra line.
    assert_error(
        "2 5\n2 1 1\n1 2\n\n2 1 0 1 2 AND\n1 1 2 3 INV\n2 1 2 3 4 XOR\n",
        7,
        "more gate lines than the 2 gates the header declares",
    );
    // Too few wires: a gate writes past the end.
    assert_error(
        "3 4\n2 1 1\n1 2\n\n2 1 0 1 2 AND\n1 1 2 3 INV\n2 1 2 3 4 XOR\n",
        7,
        "writes wire 4 but the circuit has 4 wires",
    );
    // Too many wires: the last wires (the outputs) are never written.
    assert_error(
        "3 6\n2 1 1\n1 2\n\n2 1 0 1 2 AND\n1 1 2 3 INV\n2 1 2 3 4 XOR\n",
        1,
        "output wire 5 is never written",
    );
    // Header lines of the wrong length.
    assert_error("3 5 7\n2 1 1\n1 2\n", 1, "2 numbers");
    assert_error(
        "3 5\n3 1 1\n1 2\n",
        2,
        "declares 3 input values but lists 2 sizes",
    );
    assert_error(
        "3 5\n2 1 1\n2 2\n",
        3,
        "declares 2 output values but lists 1 sizes",
    );
    assert_error("0 5\n1 1 1 1\n\n", 2, "found 4 tokens");
    // Groups larger than the circuit.
    assert_error("0 5\n2 4 4\n1 1\n", 2, "the inputs need 8 wires");
    assert_error("0 5\n1 1\n1 9\n", 3, "the outputs need 9 wires");
    assert_error("0 5\n4 2 9\n", 2, "the inputs need 6 wires");
    // A header and nothing else.
    assert_error("3 5\n", 2, "ends after the first line");
}

#[test]
fn huge_counts_fail_fast_without_allocating() {
    let cases: [(&str, &str); 6] = [
        (
            "4000000000 4000000000\n2 64 64\n1 64\n\n",
            "more than the supported",
        ),
        ("1 2147483647\n2 1 1\n1 1\n\n", "cannot use more than"),
        ("1 99999999999999999999999\n", "too large"),
        ("0 2000000\n1 2000000\n1 1\n\n", "cannot use more than"),
        ("2 5\n2 4294967296 1\n1 1\n", "too large"),
        ("2 5\n2 2147483648 1\n1 1\n", "too large"),
    ];
    for (text, needle) in cases {
        let start = Instant::now();
        let (line, message) = parse_error(text);
        assert!(message.contains(needle), "{text:?}: {message}");
        assert!(line <= 2, "{text:?}: line {line}");
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "{text:?} was slow"
        );
    }
    // A huge gate count with few lines: counted, not reserved.
    let start = Instant::now();
    assert_error(
        "4000000000 3\n2 1 1\n1 1\n\n2 1 0 1 2 AND\n",
        1,
        "declares 4000000000 gates but the file has 1 gate lines",
    );
    // A huge MAND arity: checked against the tokens present, not allocated.
    assert_error(
        "1 3\n2 1 1\n1 1\n\n8000000000 4000000000 0 1 2 MAND\n",
        5,
        "needs 12000000003 tokens",
    );
    assert!(start.elapsed() < Duration::from_secs(10));
}

#[test]
fn numbers_that_are_not_plain_integers() {
    for bad in ["+1", "-1", "1e3", "0x1", "1.0", "１"] {
        assert_error(
            format!("1 3\n2 1 1\n1 1\n\n2 1 0 {bad} 2 XOR\n"),
            5,
            "is not a number",
        );
    }
    assert_error(
        "1 3\n2 1 1\n1 1\n\n2 1 0 18446744073709551616 2 XOR\n",
        5,
        "too large",
    );
    assert_error(
        "1 3\n2 1 1\n1 1\n\n2 1 0 18446744073709551615 2 XOR\n",
        5,
        "reads wire 18446744073709551615 but the circuit has 3 wires",
    );
}

#[test]
fn crlf_tabs_and_blank_lines_parse_identically() {
    let rc = common::reference_circuit("bristol_fashion/adder64.txt");
    let text = std::fs::read_to_string(&rc.path).unwrap();
    let plain = bristol::parse(text.as_bytes()).unwrap();
    let crlf = text.replace('\n', "\r\n");
    assert_eq!(bristol::parse(crlf.as_bytes()).unwrap(), plain);
    let spaced = text.replace(' ', " \t ").replace('\n', "  \n \n");
    assert_eq!(bristol::parse(spaced.as_bytes()).unwrap(), plain);
    // Line numbers count blank lines and CRLF lines alike.
    assert_error(
        "1 3\r\n2 1 1\r\n1 1\r\n\r\n\r\n2 1 0 1 9 AND\r\n",
        6,
        "writes wire 9",
    );
}

#[test]
fn empty_whitespace_and_binary_files() {
    assert_error("", 1, "empty");
    assert_error(" \n\t\r\n   \n", 1, "empty");
    assert_error(
        b"1 3\n2 1 1\n1 1\n\n2 1 0 1 2 X\xffOR\n",
        5,
        "not valid UTF-8",
    );
    assert_error(b"\xff\xfe\x00\x01", 1, "not valid UTF-8");
    assert_error([0u8; 64], 1, "(2 numbers), found 1 tokens");
    assert_error(b"\x00 1\n", 1, "`\u{0}` is not a number");
}

#[test]
fn arity_and_constants() {
    assert_error(
        "1 3\n2 1 1\n1 1\n\n1 1 0 2 XOR\n",
        5,
        "XOR takes 2 inputs and 1 output",
    );
    assert_error(
        "1 3\n2 1 1\n1 1\n\n2 1 0 1 2 INV\n",
        5,
        "INV takes 1 input and 1 output",
    );
    assert_error(
        "1 4\n2 1 1\n1 2\n\n2 2 0 1 2 3 AND\n",
        5,
        "AND takes 2 inputs and 1 output",
    );
    // Right arity, wrong number of tokens.
    assert_error(
        "1 3\n2 1 1\n1 1\n\n2 1 0 1 2 2 XOR\n",
        5,
        "needs 6 tokens on the line, found 7",
    );
    // EQ takes a constant, 0 or 1.
    assert_error(
        "1 3\n2 1 1\n1 1\n\n1 1 2 2 EQ\n",
        5,
        "EQ takes a constant 0 or 1",
    );
    assert_error(
        "1 3\n2 1 1\n1 1\n\n1 1 x 2 EQ\n",
        5,
        "EQ takes a constant 0 or 1",
    );
    let eq = bristol::parse(b"1 3\n2 1 1\n1 1\n\n1 1 1 2 EQ\n").unwrap();
    assert_eq!(
        eq.eval(&[vec![false], vec![false]]).unwrap(),
        vec![vec![true]]
    );
}

#[test]
fn mand_lines() {
    assert_error(
        "1 6\n1 4\n1 1\n\n3 2 0 1 2 4 5 MAND\n",
        5,
        "MAND takes 2n inputs and n outputs",
    );
    assert_error("1 6\n1 4\n1 1\n\n0 0 MAND\n", 5, "MAND takes 2n inputs");
    assert_error("1 6\n1 4\n1 2\n\n4 2 0 2 1 3 4 MAND\n", 5, "needs 9 tokens");
    // The ANDs of one MAND line are independent: c1 cannot feed c2.
    assert_error(
        "1 6\n1 4\n1 2\n\n4 2 0 4 1 3 4 5 MAND\n",
        5,
        "reads wire 4 before it is written",
    );
    assert_error(
        "1 6\n1 4\n1 2\n\n4 2 0 2 1 3 4 4 MAND\n",
        5,
        "already written",
    );
}

#[test]
fn trailing_junk() {
    assert_error(format!("{SMALL}garbage\n"), 8, "more gate lines");
    // Trailing blank lines are not junk.
    assert!(bristol::parse(format!("{SMALL}\n\n   \n").as_bytes()).is_ok());
}

/// Cuts `text` at many offsets before its last non-whitespace byte: every
/// cut must be an error with a line number.
fn cuts_fail(name: &str, step: usize) {
    let rc = common::reference_circuit(name);
    let bytes = std::fs::read(&rc.path).unwrap();
    let end = bytes
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .unwrap();
    let mut offsets: Vec<usize> = (0..=end).step_by(step).collect();
    // Also every cut inside the header and the last two lines.
    offsets.extend(0..64.min(end));
    offsets.extend(end.saturating_sub(64)..=end);
    let lines = bytes.split(|&b| b == b'\n').count();
    for cut in offsets {
        match bristol::parse(&bytes[..cut]) {
            Ok(_) => panic!("{name} cut at byte {cut} of {} was accepted", bytes.len()),
            Err(CircuitError::Parse { line, .. }) => {
                assert!((1..=lines).contains(&line), "{name} cut {cut}: line {line}")
            }
            Err(other) => panic!("{name} cut at {cut}: no line number: {other}"),
        }
    }
}

#[test]
fn truncated_files_are_rejected() {
    cuts_fail("bristol_fashion/neg64.txt", 1);
    cuts_fail("bristol_fashion_mand/zero_equal.txt", 1);
    cuts_fail("bristol_format/adder_32bit.txt", 1);
    cuts_fail("bristol_format/sha-256.txt", 100_003);
    cuts_fail("bristol_fashion/aes_128.txt", 20_011);
    cuts_fail("bristol_fashion_mand/mult64.txt", 4_999);
}

/// Parses `bytes`: never panics; an error always has a plausible line number.
fn check_no_panic(bytes: &[u8]) -> Result<(), TestCaseError> {
    match bristol::parse(bytes) {
        Ok(c) => {
            // Whatever was accepted is a valid circuit that evaluates.
            let inputs: Vec<Vec<bool>> = c
                .input_sizes()
                .iter()
                .map(|&n| vec![false; n as usize])
                .collect();
            prop_assert!(c.eval(&inputs).is_ok());
        }
        Err(CircuitError::Parse { line, .. }) => {
            let lines = bytes.split(|&b| b == b'\n').count();
            prop_assert!(line >= 1 && line <= lines.max(1) + 1, "line {}", line);
        }
        Err(other) => prop_assert!(false, "error without a line: {}", other),
    }
    Ok(())
}

/// A valid file with every kind of line, for the mutation test.
const MUTATION_BASE: &str = "5 10\n2 2 2\n1 2\n\n4 2 0 1 2 3 4 5 MAND\n1 1 4 6 INV\n1 1 5 7 EQW\n2 1 6 7 8 XOR\n1 1 1 9 EQ\n";

const TOKENS: &[&str] = &[
    "0",
    "1",
    "2",
    "3",
    "4",
    "5",
    "6",
    "7",
    "4294967296",
    "18446744073709551615",
    "99999999999999999999999",
    "XOR",
    "AND",
    "INV",
    "NOT",
    "EQ",
    "EQW",
    "MAND",
    "-1",
    "",
    "\n",
    "\r\n",
    "\u{ff}",
    "x",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        check_no_panic(&bytes)?;
    }

    #[test]
    fn random_digit_soup_never_panics(
        bytes in prop::collection::vec(prop::sample::select(b"0123456789 \n\nXORANDINVEQWM".to_vec()), 0..200)
    ) {
        check_no_panic(&bytes)?;
    }

    #[test]
    fn mutated_valid_files_never_panic(
        edits in prop::collection::vec((0usize..64, 0usize..4, 0usize..TOKENS.len()), 1..6)
    ) {
        let text = common::mutate(MUTATION_BASE, &edits, TOKENS);
        check_no_panic(text.as_bytes())?;
    }
}
