//! The Bristol parser as it was before the streaming reader (commit
//! 4477097), kept verbatim as the reference for differential tests: the
//! streaming reader must accept the same files and report the same errors.
#![allow(dead_code)]

use gc2pc::circuit::{Circuit, CircuitError, Format, Gate, MAX_WIRES, WireId};

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
