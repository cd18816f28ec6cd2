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
//! not UTF-8 (the byte and its column are named). The declared wire count must
//! be at most [`MAX_WIRES`] and at most `64 × tokens + 2^20`, where `tokens`
//! counts the whitespace-separated tokens of the whole file (every defined
//! wire needs an input or a gate line of at least 5 tokens, so this only
//! refuses files that declare wires they cannot define, and padding a file
//! with whitespace never changes whether it is accepted).
//!
//! ## Streaming
//!
//! [`Reader`] does the reading: over any [`io::Read`] it reads blocks of
//! [`DEFAULT_BUFFER`] bytes, returns the [`Header`] first, then the gates in
//! chunks ([`Reader::next_chunk`]), checking every line as it goes. [`parse`]
//! and [`read_file`] collect it into a [`Circuit`] (the file is streamed, not
//! read whole); [`ThreadedReader`] runs it on its own thread so that a
//! consumer can work on one chunk while the next is parsed.
//!
//! The reader's memory is bounded by what the file itself defines, never by a
//! header count: the read buffer (doubled only while one line is longer than
//! it), one bit per non-input wire up to the highest one written, and the
//! caller's chunk. The wire bound above needs the whole file's token count, so
//! the reader applies it without looking ahead: the written-wire bitset never
//! grows past `64 × (tokens read so far) + 2^20` bits (a write beyond that,
//! possible only in a file whose wire numbers run far ahead of its length, is
//! kept in a set with one entry per such gate until the bitset may cover it);
//! at the end of the stream the bound is checked on the final count, and an
//! error met earlier, while the count so far does not yet satisfy the bound,
//! counts the rest of the stream's tokens (reading it without keeping it) to
//! report the wire count instead when the whole file cannot satisfy it, as the
//! checks in file order would. Checks that need the end of the file (the gate
//! count, every output written) come from the last `next_chunk` call.
//!
//! Speed: lines of the usual shape (`2 1 a b c XOR`, one-input gates, no
//! leading whitespace, numbers of at most 10 digits) are parsed straight from
//! the bytes and checked against the bitset; any other line, and any line that
//! fails a check, takes the general path, which reports the exact error.
//!
//! # Writing
//!
//! [`write()`] emits canonical, deterministic text (this is what is hashed for the
//! protocol handshake): `G W`, the input header, the output header, a blank
//! line, one gate per line with single spaces, `\n` line ends and a trailing
//! newline. MAND circuits are written as basic Bristol Fashion (one `AND` per
//! line), INV as `INV`.

use super::{Circuit, CircuitError, Format, Gate, MAX_WIRES, WireId};
use std::collections::HashSet;
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

/// The read buffer of a [`Reader`] unless set otherwise: 1 MiB.
pub const DEFAULT_BUFFER: usize = 1 << 20;
/// The smallest read buffer a [`Reader`] uses.
const MIN_BUFFER: usize = 64;
/// The most gates [`Reader::next_chunk`] returns at once unless set otherwise.
pub const DEFAULT_CHUNK_GATES: usize = 1 << 16;

/// The read buffer for a file of `len` bytes: a small file gets a small
/// buffer (a large allocation freed at once also raises the allocator's
/// threshold for mapping memory directly, which changes how a long-running
/// process's memory is reused).
pub fn buffer_for(len: Option<u64>) -> usize {
    len.map_or(DEFAULT_BUFFER, |len| {
        usize::try_from(len.saturating_add(1))
            .unwrap_or(usize::MAX)
            .clamp(MIN_BUFFER, DEFAULT_BUFFER)
    })
}

/// Parses a Bristol file's bytes (either dialect).
pub fn parse(bytes: &[u8]) -> Result<Circuit, CircuitError> {
    let buffer = bytes
        .len()
        .saturating_add(1)
        .clamp(MIN_BUFFER, DEFAULT_BUFFER);
    Reader::with_buffer_size(bytes, buffer)?.into_circuit_sized(Some(bytes.len() as u64))
}

/// Reads and parses a Bristol file, streaming it through a [`Reader`].
pub fn read_file(path: &Path) -> Result<Circuit, CircuitError> {
    let file = std::fs::File::open(path).map_err(|e| CircuitError::io(Some(path), e))?;
    let len = file.metadata().ok().map(|m| m.len());
    Reader::with_buffer_size(file, buffer_for(len))
        .and_then(|reader| reader.into_circuit_sized(len))
        .map_err(|e| e.at_path(path))
}

/// Writes `circuit` in its `format()` dialect (MAND circuits are written as
/// basic Bristol Fashion). The old format fails with `InvalidInput` for a
/// circuit with more than 2 input groups or other than 1 output group.
pub fn write(circuit: &Circuit, out: &mut impl io::Write) -> io::Result<()> {
    let mut w = io::BufWriter::with_capacity(1 << 16, out);
    write_header(
        &mut w,
        circuit.format(),
        circuit.gates().len() as u64,
        circuit.num_wires() as u64,
        circuit.input_sizes(),
        circuit.output_sizes(),
    )?;
    write_gates(&mut w, circuit.gates())?;
    w.flush()
}

/// The header of a circuit in `format`, as [`write()`] writes it: for a
/// writer that streams its gates ([`write_gates`]) without holding them.
/// The old Bristol format takes at most 2 input groups and 1 output group.
pub fn write_header(
    w: &mut impl io::Write,
    format: Format,
    num_gates: u64,
    num_wires: u64,
    input_sizes: &[u32],
    output_sizes: &[u32],
) -> io::Result<()> {
    writeln!(w, "{num_gates} {num_wires}")?;
    match format {
        Format::Bristol => {
            if input_sizes.len() > 2 || output_sizes.len() != 1 {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "the old Bristol format holds at most 2 input groups and exactly 1 output group",
                ));
            }
            let n1 = input_sizes.first().copied().unwrap_or(0);
            let n2 = input_sizes.get(1).copied().unwrap_or(0);
            writeln!(w, "{n1} {n2} {}", output_sizes[0])?;
        }
        Format::BristolFashion | Format::BristolFashionMand => {
            write_sizes(w, input_sizes)?;
            write_sizes(w, output_sizes)?;
        }
    }
    writeln!(w)
}

/// Gate lines as [`write()`] writes them.
pub fn write_gates(w: &mut impl io::Write, gates: &[Gate]) -> io::Result<()> {
    for gate in gates {
        match *gate {
            Gate::Xor { a, b, out } => writeln!(w, "2 1 {a} {b} {out} XOR")?,
            Gate::And { a, b, out } => writeln!(w, "2 1 {a} {b} {out} AND")?,
            Gate::Inv { a, out } => writeln!(w, "1 1 {a} {out} INV")?,
            Gate::Eq { value, out } => writeln!(w, "1 1 {} {out} EQ", value as u8)?,
            Gate::EqW { a, out } => writeln!(w, "1 1 {a} {out} EQW")?,
        }
    }
    Ok(())
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

/// The most wires a file of `tokens` tokens may declare.
fn wire_bound(tokens: u64) -> u64 {
    WIRES_PER_TOKEN
        .saturating_mul(tokens)
        .saturating_add(WIRE_SLACK)
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

/// Counts maximal runs of non-whitespace bytes.
fn count_tokens(bytes: &[u8]) -> u64 {
    let mut count = 0;
    let mut in_token = false;
    for &b in bytes {
        let space = b.is_ascii_whitespace();
        count += u64::from(!space && !in_token);
        in_token = !space;
    }
    count
}

/// The line as text, or the error naming its first byte that is not UTF-8.
fn line_text(raw: &[u8], line: usize) -> Result<&str, CircuitError> {
    std::str::from_utf8(raw).map_err(|e| {
        err(
            line,
            format!(
                "not text: byte 0x{:02x} at column {} is not valid UTF-8",
                raw[e.valid_up_to()],
                e.valid_up_to() + 1
            ),
        )
    })
}

/// The byte source: a buffer of whole lines over any [`io::Read`].
///
/// `buf[pos..complete]` holds complete lines (it ends with `\n`), and
/// `buf[complete..end]` the start of the next line. The buffer keeps its size
/// unless one line is longer than it, and then doubles until the line fits.
struct Input<R> {
    src: R,
    buf: Vec<u8>,
    pos: usize,
    complete: usize,
    end: usize,
    eof: bool,
    /// Lines consumed so far (the 1-based number of the last one).
    line: usize,
}

impl<R: io::Read> Input<R> {
    fn new(src: R, capacity: usize) -> Self {
        Input {
            src,
            buf: vec![0; capacity.max(MIN_BUFFER)],
            pos: 0,
            complete: 0,
            end: 0,
            eof: false,
            line: 0,
        }
    }

    /// Reads into `buf[end..]`; `Ok(0)` at the end of the stream.
    fn read_more(&mut self) -> Result<usize, CircuitError> {
        loop {
            match self.src.read(&mut self.buf[self.end..]) {
                Ok(n) => {
                    // A reader claiming more than it was given is ignored.
                    let n = n.min(self.buf.len() - self.end);
                    self.end += n;
                    return Ok(n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(CircuitError::io(None, e)),
            }
        }
    }

    /// Makes at least one complete line available; false at the end of the
    /// stream. The last line of a stream that does not end with `\n` is
    /// completed with one.
    fn fill(&mut self) -> Result<bool, CircuitError> {
        if self.pos < self.complete {
            return Ok(true);
        }
        if self.pos > 0 {
            self.buf.copy_within(self.pos..self.end, 0);
            self.end -= self.pos;
            self.pos = 0;
            self.complete = 0;
        }
        loop {
            if self.eof {
                if self.end == 0 {
                    return Ok(false);
                }
                if self.end == self.buf.len() {
                    self.buf.push(0);
                }
                self.buf[self.end] = b'\n';
                self.end += 1;
                self.complete = self.end;
                return Ok(true);
            }
            if self.end == self.buf.len() {
                // One line fills the whole buffer.
                let len = self.buf.len();
                self.buf.resize(len.saturating_mul(2), 0);
            }
            let start = self.end;
            if self.read_more()? == 0 {
                self.eof = true;
            } else if let Some(i) = self.buf[start..self.end].iter().rposition(|&b| b == b'\n') {
                self.complete = start + i + 1;
                return Ok(true);
            }
        }
    }

    /// The next line, without its `\n`: `(line number, start, end)` in `buf`.
    fn next_line(&mut self) -> Result<Option<(usize, usize, usize)>, CircuitError> {
        if !self.fill()? {
            return Ok(None);
        }
        let start = self.pos;
        let len = self.buf[start..self.complete]
            .iter()
            .position(|&b| b == b'\n')
            .unwrap_or(self.complete - 1 - start);
        self.pos = start + len + 1;
        self.line += 1;
        Ok(Some((self.line, start, start + len)))
    }

    /// Counts the tokens from `pos` to the end of the stream, reading (and
    /// dropping) the rest of it.
    fn count_rest(&mut self) -> Result<u64, CircuitError> {
        // `pos` is always at the start of a line.
        let mut count = count_tokens(&self.buf[self.pos..self.end]);
        let mut in_token = self.end > self.pos && !self.buf[self.end - 1].is_ascii_whitespace();
        self.pos = 0;
        self.complete = 0;
        self.end = 0;
        while !self.eof {
            self.end = 0;
            if self.read_more()? == 0 {
                self.eof = true;
            }
            let chunk = &self.buf[..self.end];
            let first_continues =
                in_token && chunk.first().is_some_and(|b| !b.is_ascii_whitespace());
            count += count_tokens(chunk) - u64::from(first_continues);
            if let Some(&last) = chunk.last() {
                in_token = !last.is_ascii_whitespace();
            }
        }
        self.end = 0;
        Ok(count)
    }
}

/// The first non-empty line: `(line number, text, start in buf, tokens)`.
/// The tokens of every line read are added to `tokens`.
fn next_text_line<R: io::Read>(
    input: &mut Input<R>,
    tokens: &mut u64,
) -> Result<Option<(usize, String, usize, u64)>, CircuitError> {
    while let Some((line, start, end)) = input.next_line()? {
        let raw = &input.buf[start..end];
        let count = count_tokens(raw);
        *tokens += count;
        let text = line_text(raw, line)?;
        if count > 0 {
            return Ok(Some((line, text.to_string(), start, count)));
        }
    }
    Ok(None)
}

/// What a Bristol file's header declares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// The dialect of the header: [`Format::Bristol`] or
    /// [`Format::BristolFashion`] (a MAND line, seen only later, makes the
    /// circuit [`Format::BristolFashionMand`]: see [`Reader::format`]).
    pub format: Format,
    /// Declared gate lines (a MAND line counts as one).
    pub num_gates: u64,
    /// Declared wires (at most [`MAX_WIRES`]).
    pub num_wires: u64,
    /// Bits per input group, in header order.
    pub input_sizes: Vec<u32>,
    /// Bits per output group, in header order.
    pub output_sizes: Vec<u32>,
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
        Op::from_bytes(token.as_bytes())
    }

    /// Case-insensitive match on the bytes of a token.
    #[inline(always)]
    fn from_bytes(token: &[u8]) -> Option<Op> {
        // `b | 0x20` lowercases ASCII letters, and only the two cases of a
        // letter map to its lowercase form.
        let lower = |i: usize| token[i] | 0x20;
        match token.len() {
            2 if lower(0) == b'e' && lower(1) == b'q' => Some(Op::Eq),
            3 => match [lower(0), lower(1), lower(2)] {
                [b'x', b'o', b'r'] => Some(Op::Xor),
                [b'a', b'n', b'd'] => Some(Op::And),
                [b'i', b'n', b'v'] | [b'n', b'o', b't'] => Some(Op::Inv),
                [b'e', b'q', b'w'] => Some(Op::EqW),
                _ => None,
            },
            4 if [lower(0), lower(1), lower(2), lower(3)] == *b"mand" => Some(Op::Mand),
            _ => None,
        }
    }
}

/// Token separators inside a line (`\n` ends it): the ASCII whitespace of
/// [`u8::is_ascii_whitespace`] but `\n`.
#[inline(always)]
fn is_sep(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | 0x0c)
}

/// A decimal of at most 10 digits followed by at least one separator (all
/// skipped): the fast path's wire numbers and counts.
#[inline(always)]
fn fast_number(buf: &[u8], i: &mut usize) -> Option<u64> {
    let start = *i;
    let mut j = start;
    let mut value = 0u64;
    loop {
        let digit = buf.get(j)?.wrapping_sub(b'0');
        if digit >= 10 {
            break;
        }
        if j - start == 10 {
            return None;
        }
        value = value * 10 + u64::from(digit);
        j += 1;
    }
    if j == start || !is_sep(*buf.get(j)?) {
        return None;
    }
    j += 1;
    while is_sep(*buf.get(j)?) {
        j += 1;
    }
    *i = j;
    Some(value)
}

/// Parses a gate line of the common shape at `buf[i..]`: no leading
/// whitespace, `2 1 a b c XOR|AND` or `1 1 a c INV|NOT|EQ|EQW`, every number
/// at most 10 digits. Returns the opcode, the numbers after the counts and
/// the position after the line's `\n`; `None` for anything else (the line
/// then takes the general path, which reports errors).
#[inline(always)]
fn fast_line(buf: &[u8], mut i: usize) -> Option<(Op, [u64; 3], usize)> {
    let nin = fast_number(buf, &mut i)?;
    if fast_number(buf, &mut i)? != 1 {
        return None;
    }
    let mut w = [0u64; 3];
    match nin {
        2 => {
            w[0] = fast_number(buf, &mut i)?;
            w[1] = fast_number(buf, &mut i)?;
            w[2] = fast_number(buf, &mut i)?;
        }
        1 => {
            w[0] = fast_number(buf, &mut i)?;
            w[1] = fast_number(buf, &mut i)?;
        }
        _ => return None,
    }
    let start = i;
    while !is_sep(*buf.get(i)?) && buf[i] != b'\n' {
        i += 1;
    }
    let op = Op::from_bytes(&buf[start..i])?;
    while is_sep(*buf.get(i)?) {
        i += 1;
    }
    if buf[i] != b'\n' {
        return None;
    }
    let arity_ok = match op {
        Op::Xor | Op::And => nin == 2,
        Op::Inv | Op::Eq | Op::EqW => nin == 1,
        Op::Mand => false,
    };
    arity_ok.then_some((op, w, i + 1))
}

/// Which wires have been written: the inputs (all wires below `base`) and a
/// bitset of the others, grown as gates write them. The bitset never covers
/// more wires than the tokens read so far allow ([`wire_bound`]); a write
/// beyond that (a file whose wire numbers run far ahead of its size) goes to
/// `overflow`, one entry per written wire, moved into the bitset as it grows.
struct Wires {
    num_wires: u64,
    base: u64,
    bits: Vec<u64>,
    overflow: HashSet<u64>,
}

impl Wires {
    #[inline(always)]
    fn is_written(&self, wire: u64) -> bool {
        if wire < self.base {
            return true;
        }
        let i = wire - self.base;
        match self.bits.get((i >> 6) as usize) {
            Some(word) => word >> (i & 63) & 1 != 0,
            None => !self.overflow.is_empty() && self.overflow.contains(&wire),
        }
    }

    /// Marks `wire` (in `base..num_wires`, not yet written) as written;
    /// `allowed` is how many wires the tokens so far allow.
    #[inline(always)]
    fn set(&mut self, wire: u64, allowed: u64) {
        let i = wire - self.base;
        let word = (i >> 6) as usize;
        if word >= self.bits.len() && !self.grow(i, allowed) {
            self.overflow.insert(wire);
            return;
        }
        self.bits[word] |= 1 << (i & 63);
    }

    /// Grows the bitset to cover bit `i` if `allowed` permits.
    #[cold]
    fn grow(&mut self, i: u64, allowed: u64) -> bool {
        let limit = (self.num_wires - self.base).min(allowed);
        if i >= limit {
            return false;
        }
        let words = ((i >> 6) + 1)
            .max(2 * self.bits.len() as u64)
            .max(1 << 10)
            .min(limit.div_ceil(64));
        self.bits.resize(words as usize, 0);
        let covered = words * 64;
        if !self.overflow.is_empty() {
            let base = self.base;
            let bits = &mut self.bits;
            self.overflow.retain(|&w| {
                let j = w - base;
                if j < covered {
                    bits[(j >> 6) as usize] |= 1 << (j & 63);
                    false
                } else {
                    true
                }
            });
        }
        true
    }
}

/// Gate-line state: counts, the written wires, whether the wire count is
/// known to fit the tokens.
struct Body {
    num_wires: u64,
    declared_gates: u64,
    lines_seen: u64,
    has_mand: bool,
    /// Tokens in every line consumed so far.
    tokens: u64,
    /// `num_wires <= wire_bound(tokens)`: once true, stays true.
    bound_ok: bool,
    wires: Wires,
}

impl Body {
    fn new(header: &Header, tokens: u64) -> Self {
        let total_inputs: u64 = header.input_sizes.iter().map(|&n| u64::from(n)).sum();
        Body {
            num_wires: header.num_wires,
            declared_gates: header.num_gates,
            lines_seen: 0,
            has_mand: false,
            tokens,
            bound_ok: header.num_wires <= wire_bound(tokens),
            wires: Wires {
                num_wires: header.num_wires,
                base: total_inputs,
                bits: Vec::new(),
                overflow: HashSet::new(),
            },
        }
    }

    /// How many wires storage may cover now.
    #[inline(always)]
    fn allowed(&self) -> u64 {
        if self.bound_ok {
            self.num_wires
        } else {
            wire_bound(self.tokens)
        }
    }

    #[inline(always)]
    fn add_tokens(&mut self, count: u64) {
        self.tokens += count;
        if !self.bound_ok {
            self.bound_ok = self.num_wires <= wire_bound(self.tokens);
        }
    }

    #[inline(always)]
    fn readable(&self, wire: u64) -> bool {
        wire < self.num_wires && self.wires.is_written(wire)
    }

    #[inline(always)]
    fn writable(&self, wire: u64) -> bool {
        wire < self.num_wires && wire >= self.wires.base && !self.wires.is_written(wire)
    }

    /// The fast path for one line at `buf[pos..]`: a common gate line that is
    /// valid is checked, recorded and pushed, and the position after it is
    /// returned. `None` (nothing changed) sends the line to [`Body::line`].
    #[inline(always)]
    fn fast_gate(&mut self, buf: &[u8], pos: usize, out: &mut Vec<Gate>) -> Option<usize> {
        if self.lines_seen >= self.declared_gates {
            return None;
        }
        let (op, w, next) = fast_line(buf, pos)?;
        let (gate, out_wire, tokens) = match op {
            Op::Xor | Op::And => {
                if !(self.readable(w[0]) && self.readable(w[1]) && self.writable(w[2])) {
                    return None;
                }
                let (a, b, c) = (w[0] as WireId, w[1] as WireId, w[2] as WireId);
                let gate = if op == Op::Xor {
                    Gate::Xor { a, b, out: c }
                } else {
                    Gate::And { a, b, out: c }
                };
                (gate, w[2], 6)
            }
            Op::Inv | Op::EqW => {
                if !(self.readable(w[0]) && self.writable(w[1])) {
                    return None;
                }
                let (a, c) = (w[0] as WireId, w[1] as WireId);
                let gate = if op == Op::Inv {
                    Gate::Inv { a, out: c }
                } else {
                    Gate::EqW { a, out: c }
                };
                (gate, w[1], 5)
            }
            Op::Eq => {
                if w[0] > 1 || !self.writable(w[1]) {
                    return None;
                }
                let gate = Gate::Eq {
                    value: w[0] == 1,
                    out: w[1] as WireId,
                };
                (gate, w[1], 5)
            }
            Op::Mand => return None,
        };
        self.add_tokens(tokens);
        let allowed = self.allowed();
        self.wires.set(out_wire, allowed);
        self.lines_seen += 1;
        out.push(gate);
        Some(next)
    }

    fn wire(&self, token: &str, line: usize, reads: bool) -> Result<u64, CircuitError> {
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
        Ok(wire)
    }

    fn read(&self, token: &str, line: usize) -> Result<WireId, CircuitError> {
        let wire = self.wire(token, line, true)?;
        if !self.wires.is_written(wire) {
            return Err(err(
                line,
                format!("gate reads wire {wire} before it is written"),
            ));
        }
        Ok(wire as WireId)
    }

    fn write(&mut self, token: &str, line: usize) -> Result<WireId, CircuitError> {
        let wire = self.wire(token, line, false)?;
        if wire < self.wires.base {
            return Err(err(line, format!("gate writes input wire {wire}")));
        }
        if self.wires.is_written(wire) {
            return Err(err(
                line,
                format!("gate writes wire {wire}, which is already written"),
            ));
        }
        let allowed = self.allowed();
        self.wires.set(wire, allowed);
        Ok(wire as WireId)
    }

    /// The general path for one line (any shape, blank lines too): the exact
    /// checks and messages of the reference parser.
    fn line(&mut self, line: usize, raw: &[u8], out: &mut Vec<Gate>) -> Result<(), CircuitError> {
        let count = count_tokens(raw);
        self.add_tokens(count);
        let text = line_text(raw, line)?;
        if count == 0 {
            return Ok(());
        }
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
        let tokens: Vec<&str> = text.split_ascii_whitespace().collect();
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
                let out_wire = self.write(wires[2], line)?;
                out.push(if op == Op::Xor {
                    Gate::Xor {
                        a,
                        b,
                        out: out_wire,
                    }
                } else {
                    Gate::And {
                        a,
                        b,
                        out: out_wire,
                    }
                });
            }
            Op::Inv | Op::EqW => {
                let a = self.read(wires[0], line)?;
                let out_wire = self.write(wires[1], line)?;
                out.push(if op == Op::Inv {
                    Gate::Inv { a, out: out_wire }
                } else {
                    Gate::EqW { a, out: out_wire }
                });
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
                let out_wire = self.write(wires[1], line)?;
                out.push(Gate::Eq {
                    value,
                    out: out_wire,
                });
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
                    let out_wire = self.write(wires[2 * n + i], line)?;
                    out.push(Gate::And {
                        a,
                        b,
                        out: out_wire,
                    });
                }
            }
        }
        Ok(())
    }
}

/// Where a [`Reader`] stands.
enum State {
    Gates,
    Done,
    Failed(CircuitError),
}

/// A streaming Bristol reader over any [`io::Read`] (a file, standard input,
/// a byte slice): [`Reader::new`] reads the header, then
/// [`Reader::next_chunk`] yields the gates in order, a chunk at a time,
/// checked as they are read.
///
/// Memory stays bounded by the circuit, not by the file or by what its
/// header claims: the read buffer (fixed, [`DEFAULT_BUFFER`] unless set, and
/// doubled only for a line longer than it), one bit per written non-input
/// wire (grown as gates write wires, never past what the tokens read so far
/// allow, see the module documentation) and the chunk the caller hands in.
///
/// Errors are those of [`parse`], with the same line numbers; checks that
/// need the whole file (the gate count, the outputs being written, the wire
/// count against the file's tokens) are made when the stream ends, so the
/// error comes from the last `next_chunk` call. After an error every later
/// call returns the same error.
pub struct Reader<R> {
    input: Input<R>,
    header: Header,
    header_line: usize,
    body: Body,
    /// Gates of a MAND line that did not fit in the previous chunk.
    pending: Vec<Gate>,
    chunk_gates: usize,
    state: State,
}

impl<R: io::Read> Reader<R> {
    /// Reads the header from `src` with a [`DEFAULT_BUFFER`]-byte buffer.
    pub fn new(src: R) -> Result<Self, CircuitError> {
        Self::with_buffer_size(src, DEFAULT_BUFFER)
    }

    /// Reads the header from `src`, reading it in blocks of `buffer_size`
    /// bytes (at least 64).
    pub fn with_buffer_size(src: R, buffer_size: usize) -> Result<Self, CircuitError> {
        let mut input = Input::new(src, buffer_size);
        let mut tokens = 0;
        let Some((l1, t1, _, _)) = next_text_line(&mut input, &mut tokens)? else {
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
        let mut header = Header {
            format: Format::Bristol,
            num_gates,
            num_wires,
            input_sizes: Vec::new(),
            output_sizes: Vec::new(),
        };
        // From here on, an error may stand for a wire count that the file's
        // tokens cannot reach (which the reference parser reports first).
        match Self::rest_of_header(&mut input, &mut header, l1, &mut tokens) {
            Ok(()) => {}
            Err(e) => return Err(wire_count_error(&mut input, e, tokens, num_wires, l1)),
        }
        let body = Body::new(&header, tokens);
        Ok(Reader {
            input,
            header,
            header_line: l1,
            body,
            pending: Vec::new(),
            chunk_gates: DEFAULT_CHUNK_GATES,
            state: State::Gates,
        })
    }

    /// Lines 2 and 3: the dialect and the groups. For the old format the
    /// third line is a gate line: the input is put back before it.
    fn rest_of_header(
        input: &mut Input<R>,
        header: &mut Header,
        l1: usize,
        tokens: &mut u64,
    ) -> Result<(), CircuitError> {
        let num_wires = header.num_wires;
        let Some((l2, t2, _, _)) = next_text_line(input, tokens)? else {
            return Err(err(
                l1 + 1,
                "the file ends after the first line (expected the input header)",
            ));
        };
        let second: Vec<&str> = t2.split_ascii_whitespace().collect();
        let third = next_text_line(input, tokens)?;
        let fashion = third
            .as_ref()
            .is_some_and(|(_, t, _, _)| t.split_ascii_whitespace().all(is_number));
        if let (true, Some((l3, t3, _, _))) = (fashion, &third) {
            let third: Vec<&str> = t3.split_ascii_whitespace().collect();
            header.format = Format::BristolFashion;
            header.input_sizes = sizes(&second, l2, "input")?;
            header.output_sizes = sizes(&third, *l3, "output")?;
            check_total(&header.input_sizes, num_wires, l2, "inputs")?;
            check_total(&header.output_sizes, num_wires, *l3, "outputs")?;
            return Ok(());
        }
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
        if let Some((l3, _, start, count)) = third {
            // Nothing was read since that line: it is still in the buffer.
            input.pos = start;
            input.line = l3 - 1;
            *tokens -= count;
        }
        Ok(())
    }

    /// The header.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The circuit's format so far: the header's, or
    /// [`Format::BristolFashionMand`] once a MAND line has been read.
    pub fn format(&self) -> Format {
        if self.body.has_mand {
            Format::BristolFashionMand
        } else {
            self.header.format
        }
    }

    /// The most gates [`Reader::next_chunk`] returns at once.
    pub fn chunk_gates(&self) -> usize {
        self.chunk_gates
    }

    /// Sets the most gates [`Reader::next_chunk`] returns at once (at least 1;
    /// default [`DEFAULT_CHUNK_GATES`]).
    pub fn set_chunk_gates(&mut self, gates: usize) {
        self.chunk_gates = gates.max(1);
    }

    /// Replaces the contents of `out` with the next gates (at most
    /// [`Reader::chunk_gates`]) and returns how many: 0 once the stream has
    /// ended and every end-of-file check has passed. A MAND line's ANDs may
    /// be split between two chunks; they were checked together. When a line
    /// fails, the gates before it still come out (this chunk ends there) and
    /// the next call returns the error.
    pub fn next_chunk(&mut self, out: &mut Vec<Gate>) -> Result<usize, CircuitError> {
        out.clear();
        match self.fill(out, self.chunk_gates) {
            Ok(()) => Ok(out.len()),
            // The error is kept in `state` for the next call.
            Err(_) if !out.is_empty() => Ok(out.len()),
            Err(e) => Err(e),
        }
    }

    /// Appends gates to `out` until it holds `max` or the stream ends.
    fn fill(&mut self, out: &mut Vec<Gate>, max: usize) -> Result<(), CircuitError> {
        match &self.state {
            State::Gates => {}
            State::Done => return Ok(()),
            State::Failed(e) => return Err(e.clone()),
        }
        if !self.pending.is_empty() {
            let take = self.pending.len().min(max.saturating_sub(out.len()));
            out.extend(self.pending.drain(..take));
        }
        let result = match self.gates(out, max) {
            Ok(true) => self.finish(),
            Ok(false) => Ok(()),
            Err(e) => Err(e),
        };
        if let Err(e) = result {
            let e = match e {
                e @ CircuitError::Io { .. } => e,
                e => wire_count_error(
                    &mut self.input,
                    e,
                    self.body.tokens,
                    self.header.num_wires,
                    self.header_line,
                ),
            };
            self.state = State::Failed(e.clone());
            return Err(e);
        }
        if out.len() > max {
            self.pending.extend(out.drain(max..));
        }
        Ok(())
    }

    /// Reads gate lines into `out` until it holds at least `max` gates (true:
    /// the stream has ended).
    fn gates(&mut self, out: &mut Vec<Gate>, max: usize) -> Result<bool, CircuitError> {
        let Reader { input, body, .. } = self;
        while out.len() < max {
            if !input.fill()? {
                return Ok(true);
            }
            let buf = &input.buf[..input.complete];
            let mut pos = input.pos;
            let mut line = input.line;
            let mut result = Ok(());
            while pos < buf.len() && out.len() < max {
                if let Some(next) = body.fast_gate(buf, pos, out) {
                    pos = next;
                    line += 1;
                    continue;
                }
                let len = buf[pos..].iter().position(|&b| b == b'\n').unwrap_or(0);
                let raw = &buf[pos..pos + len];
                pos += len + 1;
                line += 1;
                result = body.line(line, raw, out);
                if result.is_err() {
                    break;
                }
            }
            input.pos = pos;
            input.line = line;
            result?;
        }
        Ok(false)
    }

    /// The checks at the end of the stream.
    fn finish(&mut self) -> Result<(), CircuitError> {
        let body = &self.body;
        if !body.bound_ok {
            return Err(too_many_wires(
                self.header.num_wires,
                body.tokens,
                self.header_line,
            ));
        }
        if body.lines_seen != body.declared_gates {
            return Err(err(
                1,
                format!(
                    "the header declares {} gates but the file has {} gate lines",
                    body.declared_gates, body.lines_seen
                ),
            ));
        }
        let num_wires = self.header.num_wires;
        let total_out: u64 = self.header.output_sizes.iter().map(|&n| u64::from(n)).sum();
        let first_out = num_wires - total_out;
        if let Some(wire) = (first_out..num_wires).find(|&w| !body.wires.is_written(w)) {
            return Err(err(
                1,
                format!(
                    "the header declares {num_wires} wires, so the outputs are wires {first_out}..{}, \
                     but output wire {wire} is never written",
                    num_wires - 1
                ),
            ));
        }
        self.state = State::Done;
        Ok(())
    }

    /// Reads the rest of the stream into a [`Circuit`].
    pub fn into_circuit(self) -> Result<Circuit, CircuitError> {
        self.into_circuit_sized(None)
    }

    /// [`Reader::into_circuit`], reserving room for the gates of a file of
    /// `bytes` bytes (a gate line takes at least 10 bytes).
    fn into_circuit_sized(mut self, bytes: Option<u64>) -> Result<Circuit, CircuitError> {
        let mut gates = Vec::new();
        if let Some(bytes) = bytes {
            let reserve = self.header.num_gates.min(bytes / 10);
            gates.reserve(usize::try_from(reserve).unwrap_or(0));
        }
        self.fill(&mut gates, usize::MAX)?;
        let format = self.format();
        let Header {
            num_wires,
            input_sizes,
            output_sizes,
            ..
        } = self.header;
        drop(self.body);
        // Every invariant was checked line by line: this cannot fail.
        Circuit::new(num_wires, input_sizes, output_sizes, gates, format)
    }
}

fn too_many_wires(num_wires: u64, tokens: u64, line: usize) -> CircuitError {
    err(
        line,
        format!(
            "the header declares {num_wires} wires, but a file of {tokens} tokens cannot use more than {}",
            wire_bound(tokens)
        ),
    )
}

/// `error` met at the current position, or, if the whole file's tokens
/// (those before the position, `tokens`, and the rest of the stream, read
/// now) cannot account for `num_wires`, that error (on the header line):
/// the reference parser checks the wire count first.
fn wire_count_error<R: io::Read>(
    input: &mut Input<R>,
    error: CircuitError,
    tokens: u64,
    num_wires: u64,
    header_line: usize,
) -> CircuitError {
    if num_wires <= wire_bound(tokens) {
        return error;
    }
    match input.count_rest() {
        Ok(rest) if num_wires > wire_bound(tokens + rest) => {
            too_many_wires(num_wires, tokens + rest, header_line)
        }
        Ok(_) => error,
        Err(io) => io,
    }
}

// ---------------------------------------------------------------------------
// The parser thread

/// What the parser thread sends.
enum Message {
    Gates(Vec<Gate>),
    End(Format),
    Failed(CircuitError),
}

/// A [`Reader`] running on its own thread, a bounded number of chunks ahead
/// of its consumer: [`ThreadedReader::next_chunk`] hands over the next chunk
/// that the thread has parsed and gives the caller's previous `Vec` back to
/// the thread to be filled again (so chunks are recycled, not reallocated).
///
/// At most `depth` parsed chunks wait in the channel, so memory is bounded by
/// `depth + 2` chunks of [`Reader::chunk_gates`] gates besides the reader's
/// own. Errors (any [`Reader`] error, end-of-file checks included) are
/// forwarded in order: the chunks before the error first, then the error,
/// which every later call returns again. Dropping the `ThreadedReader` stops
/// the thread and joins it; a thread blocked reading its source (standard
/// input, say) is joined once that read returns.
pub struct ThreadedReader {
    header: Header,
    format: Format,
    chunks: Option<crossbeam::channel::Receiver<Message>>,
    recycle: crossbeam::channel::Sender<Vec<Gate>>,
    thread: Option<std::thread::JoinHandle<()>>,
    state: State,
}

impl ThreadedReader {
    /// Moves `reader` (its header already read) onto a new thread that
    /// parses up to `depth` chunks (at least 1) ahead.
    pub fn spawn<R: io::Read + Send + 'static>(
        mut reader: Reader<R>,
        depth: usize,
    ) -> Result<ThreadedReader, CircuitError> {
        let depth = depth.max(1);
        let header = reader.header().clone();
        let format = reader.format();
        let (send, chunks) = crossbeam::channel::bounded(depth);
        let (recycle, recycled) = crossbeam::channel::bounded::<Vec<Gate>>(depth + 2);
        let thread = std::thread::Builder::new()
            .name("bristol-parser".into())
            .spawn(move || {
                loop {
                    let mut chunk = recycled.try_recv().unwrap_or_default();
                    let message = match reader.next_chunk(&mut chunk) {
                        Ok(0) => Message::End(reader.format()),
                        Ok(_) => Message::Gates(chunk),
                        Err(e) => Message::Failed(e),
                    };
                    let last = !matches!(message, Message::Gates(_));
                    // A closed channel means the consumer is gone.
                    if send.send(message).is_err() || last {
                        return;
                    }
                }
            })
            .map_err(|e| {
                CircuitError::io(
                    None,
                    std::io::Error::new(e.kind(), format!("cannot start the parser thread: {e}")),
                )
            })?;
        Ok(ThreadedReader {
            header,
            format,
            chunks: Some(chunks),
            recycle,
            thread: Some(thread),
            state: State::Gates,
        })
    }

    /// The header.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The circuit's format: the header's until the stream has ended, then
    /// [`Format::BristolFashionMand`] if it held a MAND line.
    pub fn format(&self) -> Format {
        self.format
    }

    /// Replaces `out` with the next chunk of gates and returns its length: 0
    /// once the stream has ended and passed every end-of-file check. The
    /// `Vec` that `out` held goes back to the thread for reuse.
    pub fn next_chunk(&mut self, out: &mut Vec<Gate>) -> Result<usize, CircuitError> {
        match &self.state {
            State::Gates => {}
            State::Done => {
                out.clear();
                return Ok(0);
            }
            State::Failed(e) => return Err(e.clone()),
        }
        let message = match &self.chunks {
            Some(chunks) => chunks.recv().ok(),
            None => None,
        };
        match message {
            Some(Message::Gates(mut chunk)) => {
                std::mem::swap(out, &mut chunk);
                chunk.clear();
                // A full recycling channel just drops the spare Vec.
                let _ = self.recycle.try_send(chunk);
                Ok(out.len())
            }
            Some(Message::End(format)) => {
                self.format = format;
                self.state = State::Done;
                self.stop();
                out.clear();
                Ok(0)
            }
            Some(Message::Failed(e)) => {
                self.state = State::Failed(e.clone());
                self.stop();
                Err(e)
            }
            None => {
                let e = CircuitError::io(None, std::io::Error::other("the parser thread stopped"));
                self.state = State::Failed(e.clone());
                self.stop();
                Err(e)
            }
        }
    }

    /// Closes the channel and joins the thread.
    fn stop(&mut self) {
        drop(self.chunks.take());
        if let Some(thread) = self.thread.take() {
            // The reader does not panic; a panic would only end the thread.
            let _ = thread.join();
        }
    }
}

impl Drop for ThreadedReader {
    fn drop(&mut self) {
        self.stop();
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
