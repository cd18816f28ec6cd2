//! Reading and writing Bristol circuits: the old Bristol Format and Bristol
//! Fashion (basic and extended with MAND), told apart by the third non-empty
//! line (`circuits/reference/README.md` §2).
//!
//! # Reading
//!
//! [`parse`] accepts any ASCII whitespace between tokens (spaces, tabs, CRLF
//! line ends, blank and whitespace-only lines, trailing spaces). The dialect is
//! decided by the third non-empty line: if every token on it is an integer it
//! is a Bristol Fashion output header (`nov m1 … m_nov`), otherwise it is the
//! first gate line of an old Bristol Format file (`n1 n2 n3` header, inputs n1
//! then n2 — always two groups, the second possibly of width 0 — and the last
//! n3 wires as one output group).
//!
//! Gates: `2 1 a b c XOR|AND`, `1 1 a c INV|NOT`, `1 1 k c EQ` (k is the
//! constant 0 or 1, not a wire), `1 1 a c EQW` (a copy) and
//! `2n n a1…an b1…bn c1…cn MAND` (n AND gates `c_i = a_i ∧ b_i`; a MAND line
//! counts as one gate in the header and its n gates are independent: none may
//! read a wire written on the same line). Opcodes are case-insensitive. Any
//! MAND makes the format [`Format::BristolFashionMand`].
//!
//! Everything the file controls is checked, and every error names the 1-based
//! line it is about: header counts, tokens per line, arity, integers, wire
//! ranges, single assignment, read-before-write, unknown opcodes, text that is
//! not UTF-8. Nothing is allocated from a header count: the declared wire count
//! must be at most [`MAX_WIRES`] and at most `16 × file size + 2^20` (more
//! wires than a file of that size could ever use), and gate storage grows with
//! the gate lines actually present.
//!
//! # Writing
//!
//! [`write()`] emits canonical, deterministic text (this is what is hashed for the
//! protocol handshake): `G W`, the input header, the output header, a blank
//! line, one gate per line with single spaces, `\n` line ends and a trailing
//! newline. MAND circuits are written as basic Bristol Fashion (one `AND` per
//! line), INV as `INV`.

use super::{Circuit, CircuitError, Format, Gate, MAX_WIRES, WireId};
use std::io::{self, Write as _};
use std::path::Path;

/// The declared wire count may be at most `WIRES_PER_TOKEN × tokens +
/// WIRE_SLACK`: every defined wire needs a gate line (at least 5 tokens) or an
/// input, so this only refuses files that would make us allocate for wires
/// they cannot define, while small files may still declare a generous number
/// of (unused) input wires.
const WIRES_PER_TOKEN: u64 = 64;
/// See [`WIRES_PER_TOKEN`].
const WIRE_SLACK: u64 = 1 << 20;

/// Parses a Bristol file's bytes (either dialect).
pub fn parse(bytes: &[u8]) -> Result<Circuit, CircuitError> {
    Parser::new(bytes).run()
}

/// Reads and parses a Bristol file.
pub fn read_file(path: &Path) -> Result<Circuit, CircuitError> {
    let bytes =
        std::fs::read(path).map_err(|e| CircuitError::Io(format!("{}: {e}", path.display())))?;
    parse(&bytes)
}

/// Writes `circuit` in its `format()` dialect (MAND circuits are written as
/// basic Bristol Fashion). The old format fails with `InvalidInput` for a
/// circuit with more than 2 input groups or other than 1 output group.
pub fn write(circuit: &Circuit, out: &mut impl io::Write) -> io::Result<()> {
    let mut w = io::BufWriter::with_capacity(1 << 16, out);
    writeln!(w, "{} {}", circuit.gates().len(), circuit.num_wires())?;
    match circuit.format() {
        Format::Bristol => {
            let ins = circuit.input_sizes();
            let outs = circuit.output_sizes();
            if ins.len() > 2 || outs.len() != 1 {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "the old Bristol format holds at most 2 input groups and exactly 1 output group",
                ));
            }
            let n1 = ins.first().copied().unwrap_or(0);
            let n2 = ins.get(1).copied().unwrap_or(0);
            writeln!(w, "{n1} {n2} {}", outs[0])?;
        }
        Format::BristolFashion | Format::BristolFashionMand => {
            write_sizes(&mut w, circuit.input_sizes())?;
            write_sizes(&mut w, circuit.output_sizes())?;
        }
    }
    writeln!(w)?;
    for gate in circuit.gates() {
        match *gate {
            Gate::Xor { a, b, out } => writeln!(w, "2 1 {a} {b} {out} XOR")?,
            Gate::And { a, b, out } => writeln!(w, "2 1 {a} {b} {out} AND")?,
            Gate::Inv { a, out } => writeln!(w, "1 1 {a} {out} INV")?,
            Gate::Eq { value, out } => writeln!(w, "1 1 {} {out} EQ", value as u8)?,
            Gate::EqW { a, out } => writeln!(w, "1 1 {a} {out} EQW")?,
        }
    }
    w.flush()
}

fn write_sizes(w: &mut impl io::Write, sizes: &[u32]) -> io::Result<()> {
    write!(w, "{}", sizes.len())?;
    for size in sizes {
        write!(w, " {size}")?;
    }
    writeln!(w)
}

/// The circuit as Bristol text in its `format()` dialect.
pub fn to_string(circuit: &Circuit) -> String {
    let mut out = Vec::new();
    write(circuit, &mut out).expect("writing to memory does not fail");
    String::from_utf8(out).expect("Bristol text is ASCII")
}

// ---------------------------------------------------------------------------
// Parsing

fn err(line: usize, message: impl Into<String>) -> CircuitError {
    CircuitError::Parse {
        line,
        message: message.into(),
    }
}

/// A token shortened for an error message.
fn show(token: &str) -> String {
    if token.chars().count() > 24 {
        format!("{}…", token.chars().take(24).collect::<String>())
    } else {
        token.to_string()
    }
}

/// Parses a non-negative decimal integer (ASCII digits only, no sign).
fn number(token: &str, line: usize) -> Result<u64, CircuitError> {
    if token.is_empty() || !token.bytes().all(|b| b.is_ascii_digit()) {
        return Err(err(line, format!("`{}` is not a number", show(token))));
    }
    token.bytes().try_fold(0u64, |acc, b| {
        acc.checked_mul(10)
            .and_then(|v| v.checked_add(u64::from(b - b'0')))
            .ok_or_else(|| err(line, format!("number {} is too large", show(token))))
    })
}

fn is_number(token: &str) -> bool {
    !token.is_empty() && token.bytes().all(|b| b.is_ascii_digit())
}

/// Non-empty lines of the file with their 1-based line numbers.
struct Lines<'a> {
    rest: &'a [u8],
    line: usize,
}

impl<'a> Lines<'a> {
    fn next_line(&mut self) -> Option<Result<(usize, &'a str), CircuitError>> {
        loop {
            if self.rest.is_empty() {
                return None;
            }
            self.line += 1;
            let (raw, rest) = match self.rest.iter().position(|&b| b == b'\n') {
                Some(i) => (&self.rest[..i], &self.rest[i + 1..]),
                None => (self.rest, &self.rest[self.rest.len()..]),
            };
            self.rest = rest;
            let text = match std::str::from_utf8(raw) {
                Ok(text) => text,
                Err(e) => {
                    return Some(Err(err(
                        self.line,
                        format!(
                            "not text: byte 0x{:02x} at column {} is not valid UTF-8",
                            raw[e.valid_up_to()],
                            e.valid_up_to() + 1
                        ),
                    )));
                }
            };
            if text.bytes().any(|b| !b.is_ascii_whitespace()) {
                return Some(Ok((self.line, text)));
            }
        }
    }
}

/// Input and output groups as declared by the header.
struct Header {
    format: Format,
    num_gates: u64,
    num_wires: u64,
    input_sizes: Vec<u32>,
    output_sizes: Vec<u32>,
}

/// Counts maximal runs of non-whitespace bytes.
fn count_tokens(bytes: &[u8]) -> u64 {
    let mut count = 0;
    let mut in_token = false;
    for &b in bytes {
        let space = b.is_ascii_whitespace();
        count += (!space && !in_token) as u64;
        in_token = !space;
    }
    count
}

struct Parser<'a> {
    file_len: usize,
    /// Whitespace-separated tokens in the file: what bounds the wire count, so
    /// that padding a file never changes whether it is accepted.
    token_count: u64,
    lines: Lines<'a>,
    tokens: Vec<&'a str>,
}

impl<'a> Parser<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Parser {
            file_len: bytes.len(),
            token_count: count_tokens(bytes),
            lines: Lines {
                rest: bytes,
                line: 0,
            },
            tokens: Vec::new(),
        }
    }

    fn next_line(&mut self) -> Result<Option<(usize, &'a str)>, CircuitError> {
        self.lines.next_line().transpose()
    }

    fn run(mut self) -> Result<Circuit, CircuitError> {
        let (header, first_gate) = self.header()?;
        let mut body = Body::new(&header, self.file_len);
        if let Some((line, text)) = first_gate {
            body.gate_line(line, text, &mut self.tokens)?;
        }
        while let Some((line, text)) = self.next_line()? {
            body.gate_line(line, text, &mut self.tokens)?;
        }
        body.finish(header)
    }

    /// Reads the header lines. For the old format the third non-empty line is
    /// already a gate line and is handed back.
    #[allow(clippy::type_complexity)]
    fn header(&mut self) -> Result<(Header, Option<(usize, &'a str)>), CircuitError> {
        let Some((l1, t1)) = self.next_line()? else {
            return Err(err(
                1,
                "the file is empty (expected a header `<gates> <wires>`)",
            ));
        };
        let first: Vec<&str> = t1.split_ascii_whitespace().collect();
        if first.len() != 2 {
            return Err(err(
                l1,
                format!(
                    "the header must be `<gates> <wires>` (2 numbers), found {} tokens",
                    first.len()
                ),
            ));
        }
        let num_gates = number(first[0], l1)?;
        let num_wires = number(first[1], l1)?;
        if num_wires > MAX_WIRES {
            return Err(err(
                l1,
                format!(
                    "the header declares {num_wires} wires, more than the supported {MAX_WIRES}"
                ),
            ));
        }
        let limit = WIRES_PER_TOKEN * self.token_count + WIRE_SLACK;
        if num_wires > limit {
            return Err(err(
                l1,
                format!(
                    "the header declares {num_wires} wires, but a file of {} tokens cannot use more than {limit}",
                    self.token_count
                ),
            ));
        }
        let Some((l2, t2)) = self.next_line()? else {
            return Err(err(
                l1 + 1,
                "the file ends after the first line (expected the input header)",
            ));
        };
        let second: Vec<&str> = t2.split_ascii_whitespace().collect();
        let third = self.next_line()?;
        let fashion = third.is_some_and(|(_, t)| t.split_ascii_whitespace().all(is_number));
        let mut header = Header {
            format: Format::Bristol,
            num_gates,
            num_wires,
            input_sizes: Vec::new(),
            output_sizes: Vec::new(),
        };
        if fashion {
            let (l3, t3) = third.expect("checked above");
            let third: Vec<&str> = t3.split_ascii_whitespace().collect();
            header.format = Format::BristolFashion;
            header.input_sizes = sizes(&second, l2, "input")?;
            header.output_sizes = sizes(&third, l3, "output")?;
            check_total(&header.input_sizes, num_wires, l2, "inputs")?;
            check_total(&header.output_sizes, num_wires, l3, "outputs")?;
            Ok((header, None))
        } else {
            if second.len() != 3 {
                return Err(err(
                    l2,
                    format!(
                        "expected `<n1> <n2> <n3>` (old Bristol Format: input bits, input bits, output bits) \
                         or, for Bristol Fashion, a third line of output sizes; found {} tokens",
                        second.len()
                    ),
                ));
            }
            let mut n = [0u32; 3];
            for (slot, token) in n.iter_mut().zip(&second) {
                *slot = size(token, l2)?;
            }
            header.input_sizes = vec![n[0], n[1]];
            header.output_sizes = vec![n[2]];
            check_total(&header.input_sizes, num_wires, l2, "inputs")?;
            check_total(&header.output_sizes, num_wires, l2, "outputs")?;
            Ok((header, third))
        }
    }
}

/// One group size (fits in u32; the total is checked against the wires).
fn size(token: &str, line: usize) -> Result<u32, CircuitError> {
    let n = number(token, line)?;
    u32::try_from(n)
        .ok()
        .filter(|&n| u64::from(n) <= MAX_WIRES)
        .ok_or_else(|| err(line, format!("group size {n} is too large")))
}

/// `count s1 … s_count` on one Bristol Fashion header line.
fn sizes(tokens: &[&str], line: usize, what: &str) -> Result<Vec<u32>, CircuitError> {
    let count = number(tokens[0], line)?;
    if count != tokens.len() as u64 - 1 {
        return Err(err(
            line,
            format!(
                "the {what} header declares {count} {what} values but lists {} sizes",
                tokens.len() - 1
            ),
        ));
    }
    tokens[1..].iter().map(|t| size(t, line)).collect()
}

fn check_total(sizes: &[u32], num_wires: u64, line: usize, what: &str) -> Result<(), CircuitError> {
    let total: u64 = sizes.iter().map(|&n| u64::from(n)).sum();
    if total > num_wires {
        return Err(err(
            line,
            format!("the {what} need {total} wires but the header declares only {num_wires}"),
        ));
    }
    Ok(())
}

/// The opcodes of gate lines.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    Xor,
    And,
    Inv,
    Eq,
    EqW,
    Mand,
}

impl Op {
    fn from_token(token: &str) -> Option<Op> {
        const OPS: [(&str, Op); 7] = [
            ("XOR", Op::Xor),
            ("AND", Op::And),
            ("INV", Op::Inv),
            ("NOT", Op::Inv),
            ("EQ", Op::Eq),
            ("EQW", Op::EqW),
            ("MAND", Op::Mand),
        ];
        OPS.iter()
            .find(|(name, _)| token.eq_ignore_ascii_case(name))
            .map(|&(_, op)| op)
    }
}

/// Gate-line state: the gates so far, which wires are written, the line of
/// every gate (to report `Circuit::new` errors by line).
struct Body {
    num_wires: u64,
    total_inputs: u64,
    gates: Vec<Gate>,
    gate_lines: Vec<u32>,
    defined: Vec<bool>,
    declared_gates: u64,
    lines_seen: u64,
    has_mand: bool,
}

impl Body {
    fn new(header: &Header, file_len: usize) -> Self {
        let total_inputs: u64 = header.input_sizes.iter().map(|&n| u64::from(n)).sum();
        // A gate line takes at least ~10 bytes: never trust the header count.
        let reserve = (header.num_gates as usize).min(file_len / 8);
        let mut defined = vec![false; header.num_wires as usize];
        defined[..total_inputs as usize].fill(true);
        Body {
            num_wires: header.num_wires,
            total_inputs,
            gates: Vec::with_capacity(reserve),
            gate_lines: Vec::with_capacity(reserve),
            defined,
            declared_gates: header.num_gates,
            lines_seen: 0,
            has_mand: false,
        }
    }

    fn wire(&self, token: &str, line: usize, reads: bool) -> Result<WireId, CircuitError> {
        let wire = number(token, line)?;
        if wire >= self.num_wires {
            let verb = if reads { "reads" } else { "writes" };
            return Err(err(
                line,
                format!(
                    "gate {verb} wire {wire} but the circuit has {} wires",
                    self.num_wires
                ),
            ));
        }
        Ok(wire as WireId)
    }

    fn read(&self, token: &str, line: usize) -> Result<WireId, CircuitError> {
        let wire = self.wire(token, line, true)?;
        if !self.defined[wire as usize] {
            return Err(err(
                line,
                format!("gate reads wire {wire} before it is written"),
            ));
        }
        Ok(wire)
    }

    fn write(&mut self, token: &str, line: usize) -> Result<WireId, CircuitError> {
        let wire = self.wire(token, line, false)?;
        if u64::from(wire) < self.total_inputs {
            return Err(err(line, format!("gate writes input wire {wire}")));
        }
        if self.defined[wire as usize] {
            return Err(err(
                line,
                format!("gate writes wire {wire}, which is already written"),
            ));
        }
        self.defined[wire as usize] = true;
        Ok(wire)
    }

    fn push(&mut self, gate: Gate, line: usize) {
        self.gates.push(gate);
        self.gate_lines
            .push(u32::try_from(line).unwrap_or(u32::MAX));
    }

    fn gate_line<'a>(
        &mut self,
        line: usize,
        text: &'a str,
        tokens: &mut Vec<&'a str>,
    ) -> Result<(), CircuitError> {
        self.lines_seen += 1;
        if self.lines_seen > self.declared_gates {
            return Err(err(
                line,
                format!(
                    "more gate lines than the {} gates the header declares",
                    self.declared_gates
                ),
            ));
        }
        tokens.clear();
        tokens.extend(text.split_ascii_whitespace());
        if tokens.len() < 3 {
            return Err(err(
                line,
                format!(
                    "a gate line needs `<inputs> <outputs> <wires…> <OP>`, found {} tokens",
                    tokens.len()
                ),
            ));
        }
        let nin = number(tokens[0], line)?;
        let nout = number(tokens[1], line)?;
        let last = tokens[tokens.len() - 1];
        let Some(op) = Op::from_token(last) else {
            if is_number(last) {
                return Err(err(line, "the gate line does not end with an opcode"));
            }
            return Err(err(
                line,
                format!(
                    "unknown gate `{}` (expected XOR, AND, INV, NOT, EQ, EQW or MAND)",
                    show(last)
                ),
            ));
        };
        let arity_ok = match op {
            Op::Xor | Op::And => nin == 2 && nout == 1,
            Op::Inv | Op::Eq | Op::EqW => nin == 1 && nout == 1,
            Op::Mand => nout >= 1 && nin == nout.saturating_mul(2),
        };
        if !arity_ok {
            let expected = match op {
                Op::Xor | Op::And => "2 inputs and 1 output",
                Op::Inv | Op::Eq | Op::EqW => "1 input and 1 output",
                Op::Mand => "2n inputs and n outputs with n ≥ 1",
            };
            return Err(err(
                line,
                format!(
                    "{} takes {expected}, but the line declares {nin} inputs and {nout} outputs",
                    last.to_ascii_uppercase()
                ),
            ));
        }
        let expected_tokens = u128::from(nin) + u128::from(nout) + 3;
        if expected_tokens != tokens.len() as u128 {
            return Err(err(
                line,
                format!(
                    "{} {nin} {nout} needs {expected_tokens} tokens on the line, found {}",
                    last.to_ascii_uppercase(),
                    tokens.len()
                ),
            ));
        }
        let wires = &tokens[2..tokens.len() - 1];
        match op {
            Op::Xor | Op::And => {
                let a = self.read(wires[0], line)?;
                let b = self.read(wires[1], line)?;
                let out = self.write(wires[2], line)?;
                let gate = if op == Op::Xor {
                    Gate::Xor { a, b, out }
                } else {
                    Gate::And { a, b, out }
                };
                self.push(gate, line);
            }
            Op::Inv | Op::EqW => {
                let a = self.read(wires[0], line)?;
                let out = self.write(wires[1], line)?;
                let gate = if op == Op::Inv {
                    Gate::Inv { a, out }
                } else {
                    Gate::EqW { a, out }
                };
                self.push(gate, line);
            }
            Op::Eq => {
                let value = match number(wires[0], line) {
                    Ok(0) => false,
                    Ok(1) => true,
                    _ => {
                        return Err(err(
                            line,
                            format!(
                                "EQ takes a constant 0 or 1 as its input, not `{}`",
                                show(wires[0])
                            ),
                        ));
                    }
                };
                let out = self.write(wires[1], line)?;
                self.push(Gate::Eq { value, out }, line);
            }
            Op::Mand => {
                self.has_mand = true;
                let n = nout as usize;
                // All reads first: the ANDs of one MAND line are independent.
                for token in &wires[..2 * n] {
                    self.read(token, line)?;
                }
                for i in 0..n {
                    let a = self.read(wires[i], line)?;
                    let b = self.read(wires[n + i], line)?;
                    let out = self.write(wires[2 * n + i], line)?;
                    self.push(Gate::And { a, b, out }, line);
                }
            }
        }
        Ok(())
    }

    fn finish(self, header: Header) -> Result<Circuit, CircuitError> {
        if self.lines_seen != self.declared_gates {
            return Err(err(
                1,
                format!(
                    "the header declares {} gates but the file has {} gate lines",
                    self.declared_gates, self.lines_seen
                ),
            ));
        }
        let total_out: u64 = header.output_sizes.iter().map(|&n| u64::from(n)).sum();
        let first_out = self.num_wires - total_out;
        if let Some(wire) = (first_out..self.num_wires).find(|&w| !self.defined[w as usize]) {
            return Err(err(
                1,
                format!(
                    "the header declares {} wires, so the outputs are wires {first_out}..{}, \
                     but output wire {wire} is never written",
                    self.num_wires,
                    self.num_wires - 1
                ),
            ));
        }
        let format = if self.has_mand {
            Format::BristolFashionMand
        } else {
            header.format
        };
        drop(self.defined);
        let gate_lines = self.gate_lines;
        Circuit::new(
            header.num_wires,
            header.input_sizes,
            header.output_sizes,
            self.gates,
            format,
        )
        .map_err(|e| match e {
            CircuitError::Invalid { gate, message } => CircuitError::Parse {
                line: gate_lines.get(gate).map_or(0, |&l| l as usize),
                message,
            },
            other => other,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_dialects_and_mand() {
        let fashion = "3 5\n2 1 1\n1 1\n\n2 1 0 1 2 AND\n1 1 2 3 NOT\n1 1 1 4 EQ\n";
        let c = parse(fashion.as_bytes()).unwrap();
        assert_eq!(c.format(), Format::BristolFashion);
        assert_eq!(c.input_sizes(), &[1, 1]);
        assert_eq!(
            c.gates()[2],
            Gate::Eq {
                value: true,
                out: 4
            }
        );

        let old = "1 3\n1 1 1\n2 1 0 1 2 XOR\n";
        let c = parse(old.as_bytes()).unwrap();
        assert_eq!(c.format(), Format::Bristol);
        assert_eq!(c.output_sizes(), &[1]);

        let mand = "1 6\n1 4\n1 2\n\n4 2 0 2 1 3 4 5 MAND\n";
        let c = parse(mand.as_bytes()).unwrap();
        assert_eq!(c.format(), Format::BristolFashionMand);
        assert_eq!(
            c.gates(),
            &[
                Gate::And { a: 0, b: 1, out: 4 },
                Gate::And { a: 2, b: 3, out: 5 }
            ]
        );
    }

    #[test]
    fn writes_canonical_text() {
        let c = parse(b"2 4\n1 2\n1 1\n\n  2 1 0 1 2   AND \r\n\r\n1 1 0 3 EQ\n").unwrap();
        assert_eq!(
            to_string(&c),
            "2 4\n1 2\n1 1\n\n2 1 0 1 2 AND\n1 1 0 3 EQ\n"
        );
    }

    #[test]
    fn reports_lines() {
        let e = parse(b"1 3\n2 1 1\n1 1\n\n2 1 0 9 2 XOR\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "line 5: gate reads wire 9 but the circuit has 3 wires"
        );
    }
}
