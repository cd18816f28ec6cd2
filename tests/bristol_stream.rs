//! The streaming Bristol reader: every split of the input into reads and
//! buffers gives the same circuit (or the same error) as parsing the bytes
//! at once; end-of-file checks come from the last chunk; the parser thread
//! forwards chunks and errors. (What the parser accepts and the errors it
//! gives are checked against hand-written expectations in `malformed.rs` and
//! `bristol_io.rs`, and against the reference vectors.)
mod common;

use gc2pc::circuit::bristol::{self, Reader, ThreadedReader};
use gc2pc::circuit::{Circuit, CircuitError, Gate};
use proptest::prelude::*;
use std::io::{self, Read};

/// A `Read` that hands out 1 to 7 bytes at a time (in a pattern set by
/// `seed`), or, with `first`, exactly `first` bytes first and then the rest.
struct Trickle<'a> {
    data: &'a [u8],
    pos: usize,
    seed: usize,
    first: Option<usize>,
    /// Fail with an I/O error once this many bytes have been read.
    fail_at: Option<usize>,
}

impl<'a> Trickle<'a> {
    fn new(data: &'a [u8], seed: usize) -> Self {
        Trickle {
            data,
            pos: 0,
            seed,
            first: None,
            fail_at: None,
        }
    }
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.fail_at.is_some_and(|at| self.pos >= at) {
            return Err(io::Error::other("the disk is on fire"));
        }
        let want = match self.first.take() {
            Some(first) => first,
            None => {
                self.seed = self.seed.wrapping_mul(31).wrapping_add(7);
                self.seed % 7 + 1
            }
        };
        let n = want
            .min(buf.len())
            .min(self.data.len() - self.pos)
            .min(self.fail_at.map_or(usize::MAX, |at| at - self.pos));
        buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// Reads the whole stream chunk by chunk (checking every chunk's size) and
/// builds the circuit.
fn collect<R: Read>(
    reader: Result<Reader<R>, CircuitError>,
    chunk: usize,
) -> Result<Circuit, CircuitError> {
    let mut reader = reader?;
    reader.set_chunk_gates(chunk);
    let mut gates = Vec::new();
    let mut out = Vec::new();
    loop {
        let n = reader.next_chunk(&mut out)?;
        assert_eq!(n, out.len());
        assert!(n <= chunk, "chunk of {n} > {chunk}");
        if n == 0 {
            break;
        }
        gates.extend_from_slice(&out);
    }
    // The end is sticky.
    assert_eq!(reader.next_chunk(&mut out), Ok(0));
    let h = reader.header().clone();
    Ok(Circuit::new(
        h.num_wires,
        h.input_sizes,
        h.output_sizes,
        gates,
        reader.format(),
    )
    .unwrap())
}

fn stream(bytes: &[u8], buffer: usize, chunk: usize, seed: usize) -> Result<Circuit, CircuitError> {
    collect(
        Reader::with_buffer_size(Trickle::new(bytes, seed), buffer),
        chunk,
    )
}

fn threaded(bytes: Vec<u8>, chunk: usize, depth: usize) -> Result<Circuit, CircuitError> {
    let mut reader = Reader::with_buffer_size(io::Cursor::new(bytes), 64)?;
    reader.set_chunk_gates(chunk);
    let mut t = ThreadedReader::spawn(reader, depth)?;
    let mut gates = Vec::new();
    let mut out = Vec::new();
    while t.next_chunk(&mut out)? > 0 {
        assert!(out.len() <= chunk);
        gates.extend_from_slice(&out);
    }
    assert_eq!(t.next_chunk(&mut out), Ok(0));
    let h = t.header().clone();
    Ok(Circuit::new(
        h.num_wires,
        h.input_sizes,
        h.output_sizes,
        gates,
        t.format(),
    )
    .unwrap())
}

/// Every kind of line, MAND, CRLF, tabs, blank lines and leading spaces.
const SMALL: &str = "7 12\r\n2 2 2\n\n1 2\n\n4 2 0 1 2 3 4 5 MAND\r\n1 1 4 6 INV\n\t1 1 5 7 EQW\n\
                     2 1 6 7 8 XOR  \n\n1 1 1 9 eq\n2  1 8\t9 10 And\n1 1 10 11 NOT";

#[test]
fn small_file_read_split_at_every_position() {
    let bytes = SMALL.as_bytes();
    let expected = bristol::parse(bytes).unwrap();
    assert_eq!(expected.gates().len(), 8);
    assert_eq!(bristol::parse(bytes).unwrap(), expected);
    for first in 1..=bytes.len() {
        for buffer in [64, 65, 100] {
            let mut src = Trickle::new(bytes, first);
            src.first = Some(first);
            for chunk in [1, 2, 3, 1000] {
                let mut src2 = Trickle::new(bytes, first);
                src2.first = Some(first);
                let got = collect(Reader::with_buffer_size(src2, buffer), chunk);
                assert_eq!(
                    got.as_ref(),
                    Ok(&expected),
                    "first read {first}, buffer {buffer}, chunk {chunk}"
                );
            }
            assert_eq!(
                collect(Reader::with_buffer_size(src, buffer), 5),
                Ok(expected.clone())
            );
        }
    }
    for seed in 0..64 {
        for chunk in [1, 2, 7, 1000] {
            assert_eq!(
                stream(bytes, 64, chunk, seed),
                Ok(expected.clone()),
                "seed {seed}"
            );
        }
    }
}

#[test]
fn reference_files_stream_like_whole_slices() {
    for rc in common::reference_circuits() {
        let bytes = std::fs::read(&rc.path).unwrap();
        let old = bristol::parse(&bytes).unwrap();
        // The reference facts hold (vectors are checked in garble_vectors).
        assert_eq!(old.and_count(), rc.and_gates, "{}", rc.name);
        assert_eq!(
            bristol::read_file(&rc.path).as_ref(),
            Ok(&old),
            "{}",
            rc.name
        );
        let file = std::fs::File::open(&rc.path).unwrap();
        assert_eq!(
            collect(Reader::with_buffer_size(file, 4096), 1000).as_ref(),
            Ok(&old),
            "{}",
            rc.name
        );
        assert_eq!(stream(&bytes, 64, 333, 1).as_ref(), Ok(&old), "{}", rc.name);
        assert_eq!(threaded(bytes, 777, 2).as_ref(), Ok(&old), "{}", rc.name);
    }
}

#[test]
fn truncated_streams_are_errors_like_truncated_bytes() {
    let bytes = SMALL.as_bytes();
    let end = bytes
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .unwrap();
    for cut in 0..=end {
        let part = &bytes[..cut];
        let expected = bristol::parse(part);
        assert!(expected.is_err(), "cut {cut} accepted");
        assert_eq!(bristol::parse(part), expected, "cut {cut}");
        assert_eq!(stream(part, 64, 2, cut), expected, "cut {cut}");
    }
    // A larger file cut mid-way, read in big blocks.
    let rc = common::reference_circuit("bristol_fashion/aes_128.txt");
    let bytes = std::fs::read(&rc.path).unwrap();
    for cut in [bytes.len() / 3, bytes.len() / 2 + 1, bytes.len() - 20] {
        let expected = bristol::parse(&bytes[..cut]);
        assert!(
            matches!(expected, Err(CircuitError::Parse { .. })),
            "cut {cut}"
        );
        assert_eq!(collect(Reader::new(&bytes[..cut]), 1000), expected);
    }
}

#[test]
fn a_lying_gate_count_fails_at_the_end() {
    // Declares 4 gates, has 3: the 3 gates come out, then the error.
    let text = b"4 5\n2 1 1\n1 2\n\n2 1 0 1 2 AND\n1 1 2 3 INV\n2 1 2 3 4 XOR\n";
    let mut reader = Reader::new(&text[..]).unwrap();
    assert_eq!(reader.header().num_gates, 4);
    reader.set_chunk_gates(1);
    let mut out = Vec::new();
    for _ in 0..3 {
        assert_eq!(reader.next_chunk(&mut out), Ok(1));
    }
    let e = reader.next_chunk(&mut out).unwrap_err();
    assert_eq!(
        e.to_string(),
        "line 1: the header declares 4 gates but the file has 3 gate lines"
    );
    // Sticky.
    assert_eq!(reader.next_chunk(&mut out), Err(e));
    // Declares 2, has 3: the error comes at the third line.
    let text = b"2 5\n2 1 1\n1 2\n\n2 1 0 1 2 AND\n1 1 2 3 INV\n2 1 2 3 4 XOR\n";
    let mut reader = Reader::new(&text[..]).unwrap();
    // The gates before the bad line come first, then the error.
    assert_eq!(reader.next_chunk(&mut out), Ok(2));
    assert_eq!(
        reader.next_chunk(&mut out),
        Err(CircuitError::Parse {
            line: 7,
            message: "more gate lines than the 2 gates the header declares".into()
        })
    );
    // An output never written is found at the end too.
    let text = b"1 4\n2 1 1\n1 1\n\n2 1 0 1 2 AND\n";
    let mut reader = Reader::new(&text[..]).unwrap();
    assert_eq!(reader.next_chunk(&mut out), Ok(1));
    let e = reader.next_chunk(&mut out).unwrap_err();
    assert!(
        e.to_string().contains("output wire 3 is never written"),
        "{e}"
    );
}

#[test]
fn header_comes_first_and_mand_sets_the_format() {
    let reader = Reader::new(SMALL.as_bytes()).unwrap();
    let h = reader.header();
    assert_eq!((h.num_gates, h.num_wires), (7, 12));
    assert_eq!(h.input_sizes, vec![2, 2]);
    assert_eq!(h.output_sizes, vec![2]);
    assert_eq!(h.format, gc2pc::circuit::Format::BristolFashion);
    let c = collect(Ok(reader), 100).unwrap();
    assert_eq!(c.format(), gc2pc::circuit::Format::BristolFashionMand);
    // A MAND line larger than the chunk is split, not lost.
    let c2 = stream(SMALL.as_bytes(), 64, 1, 3).unwrap();
    assert_eq!(c2, c);
}

#[test]
fn threaded_reader_forwards_chunks_and_errors() {
    // 300 valid gates, then an error on line 305.
    let mut text = String::from("301 303\n2 1 1\n1 1\n\n");
    for w in 2..302 {
        text += &format!("2 1 0 {} {w} XOR\n", w - 1);
    }
    text += "2 1 0 999 302 XOR\n";
    let mut reader = Reader::new(io::Cursor::new(text.clone().into_bytes())).unwrap();
    reader.set_chunk_gates(7);
    let mut t = ThreadedReader::spawn(reader, 2).unwrap();
    let mut out = Vec::new();
    let mut gates = 0;
    let error = loop {
        match t.next_chunk(&mut out) {
            Ok(0) => panic!("no error"),
            Ok(n) => gates += n,
            Err(e) => break e,
        }
    };
    assert_eq!(gates, 300);
    assert_eq!(
        error.to_string(),
        "line 305: gate reads wire 999 but the circuit has 303 wires"
    );
    assert_eq!(t.next_chunk(&mut out), Err(error));

    // End-of-file errors too.
    let lying = text
        .replace("301 303", "302 303")
        .replace("2 1 0 999 302 XOR\n", "2 1 0 1 302 XOR\n");
    let e = threaded(lying.into_bytes(), 10, 1).unwrap_err();
    assert!(
        e.to_string()
            .contains("declares 302 gates but the file has 301"),
        "{e}"
    );

    // And I/O errors: the source fails after 2000 bytes.
    let bytes: &'static [u8] = Box::leak(text.into_bytes().into_boxed_slice());
    let mut src = Trickle::new(bytes, 0);
    src.fail_at = Some(2000);
    let mut t = ThreadedReader::spawn(Reader::new(src).unwrap(), 1).unwrap();
    let e = loop {
        match t.next_chunk(&mut out) {
            Ok(0) => panic!("no error"),
            Ok(_) => {}
            Err(e) => break e,
        }
    };
    assert!(
        matches!(&e, CircuitError::Io { error, .. } if error.to_string().contains("on fire")),
        "{e}"
    );
}

#[test]
fn dropping_a_threaded_reader_mid_stream_stops_its_thread() {
    let rc = common::reference_circuit("bristol_fashion/sha256.txt");
    let file = std::fs::File::open(&rc.path).unwrap();
    let mut reader = Reader::with_buffer_size(file, 4096).unwrap();
    reader.set_chunk_gates(10);
    let mut t = ThreadedReader::spawn(reader, 1).unwrap();
    let mut out = Vec::new();
    assert_eq!(t.next_chunk(&mut out), Ok(10));
    drop(t); // joins; the test would hang if the thread did not stop
}

#[test]
fn read_file_errors_name_the_file() {
    let e = bristol::read_file(std::path::Path::new("/nonexistent/c.txt")).unwrap_err();
    assert!(
        matches!(&e, CircuitError::Io { path: Some(p), error }
            if p == std::path::Path::new("/nonexistent/c.txt")
                && error.get().kind() == std::io::ErrorKind::NotFound),
        "{e:?}"
    );
    assert!(
        e.to_string()
            .starts_with("cannot read circuit /nonexistent/c.txt: "),
        "{e}"
    );
    let e = bristol::read_file(std::path::Path::new("/")).unwrap_err();
    assert!(
        matches!(&e, CircuitError::Io { path: Some(p), .. } if p == std::path::Path::new("/")),
        "{e:?}"
    );
}

/// The wire count is checked against the whole file's tokens although the
/// reader never looks ahead; writes far beyond the tokens read so far are
/// kept aside until the bitset may cover them.
#[test]
fn wire_bound_without_look_ahead() {
    let same = |text: &str| {
        let expected = bristol::parse(text.as_bytes());
        assert_eq!(bristol::parse(text.as_bytes()), expected, "{text:.80}");
        assert_eq!(stream(text.as_bytes(), 64, 3, 5), expected, "{text:.80}");
        expected
    };
    // Too many wires for the file, with or without a later error.
    let e = same("1 1090000\n2 1089999 0\n1 1\n\n2 1 0 1 1089999 XOR\n").unwrap_err();
    assert!(e.to_string().contains("cannot use more than"));
    let e = same("1 1090000\n2 1089999 0\n1 1\n\n2 1 0 1 1089999 NAND\n").unwrap_err();
    assert!(e.to_string().contains("cannot use more than"));
    let e = same("0 2000000\n1 2000000\n1 1\n\n").unwrap_err();
    assert!(e.to_string().contains("cannot use more than"));
    // Enough tokens, but only after an error: the error wins.
    let w = (1u64 << 20) + 64 * 200;
    let mut text = format!("200 {w}\n2 1 1\n1 1\n\n2 1 0 1 9 NAND\n");
    for k in 0..199 {
        text += &format!("2 1 0 1 {} XOR\n", k + 2);
    }
    let e = same(&text).unwrap_err();
    assert!(e.to_string().starts_with("line 5: unknown gate"), "{e}");
    // A valid file whose first gate writes its last wire, long before the
    // tokens allow a bitset that far: kept aside, then found as written.
    let mut text = format!("250 {w}\n2 1 1\n1 1\n\n2 1 0 1 {} XOR\n", w - 1);
    for k in 0..248 {
        text += &format!("2 1 0 1 {} XOR\n", k + 2);
    }
    // After the bound holds, a write near the end grows the bitset over it.
    text += &format!("2 1 0 1 {} AND\n", w - 2);
    let c = same(&text).unwrap();
    assert_eq!(c.gates().len(), 250);
    // Writing it again is caught after the move into the bitset.
    let twice = text.replace("250 ", "251 ") + &format!("2 1 0 1 {} XOR\n", w - 1);
    let e = same(&twice).unwrap_err();
    assert!(e.to_string().contains("already written"), "{e}");
}

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
    "9",
    "10",
    "00",
    "4294967296",
    "18446744073709551615",
    "99999999999999999999999",
    "0000000000007",
    "XOR",
    "AND",
    "xor",
    "INV",
    "NOT",
    "EQ",
    "EQW",
    "MAND",
    "NAND",
    "-1",
    "",
    "\n",
    "\r\n",
    "\t",
    "\u{ff}",
    "\u{ff10}",
    "x",
    "1048577",
    "2000000",
];

/// The reader streamed in small reads gives exactly what it gives on the
/// whole slice, circuit or error.
fn check_same(bytes: &[u8], seed: usize) -> Result<(), TestCaseError> {
    let expected = bristol::parse(bytes);
    prop_assert_eq!(&stream(bytes, 64, 1 + seed % 5, seed), &expected);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn streams_like_a_whole_slice_on_mutated_files(
        edits in prop::collection::vec((0usize..64, 0usize..4, 0usize..TOKENS.len()), 1..6),
        seed in 0usize..1000,
    ) {
        let text = common::mutate(MUTATION_BASE, &edits, TOKENS);
        check_same(text.as_bytes(), seed)?;
    }

    #[test]
    fn streams_like_a_whole_slice_on_random_bytes(
        bytes in prop::collection::vec(any::<u8>(), 0..300),
        seed in 0usize..1000,
    ) {
        check_same(&bytes, seed)?;
    }

    #[test]
    fn streams_like_a_whole_slice_on_digit_soup(
        bytes in prop::collection::vec(prop::sample::select(b"0123456789 \n\n\r\tXORANDINVEQWM".to_vec()), 0..200),
        seed in 0usize..1000,
    ) {
        check_same(&bytes, seed)?;
    }
}

#[test]
fn gates_of_a_chunk_are_in_file_order() {
    let c = bristol::parse(SMALL.as_bytes()).unwrap();
    assert_eq!(c.gates()[0], Gate::And { a: 0, b: 2, out: 4 });
    assert_eq!(c.gates()[7], Gate::Inv { a: 10, out: 11 });
}
