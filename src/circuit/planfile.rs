//! The stored plan of a binary circuit (format version 2, see
//! [`super::binary`]): the windows [`super::stream::Planner`] makes from the
//! circuit, written once by `gc2pc circuit compile` so that a party running
//! the file only decodes and garbles. Without it each party renames and
//! level-sorts every window again (about 60 % of a two-party run of a large
//! file); with it a party reads each gate once, a few bytes, and never holds
//! a table per wire.
//!
//! # Plan section (all integers little-endian)
//! ```text
//! plan version u32      PLAN_VERSION (the planner's revision and its window size)
//! windows               each: u32 body length L (0 ends the list), then L bytes:
//!     gates    u32      gates in the window, 1 ..= WINDOW_GATES
//!     width    u8       bytes per slot in this window: 1, 2 or 4
//!     records           one per gate, in execution order, 1 + 3 × width bytes each
//! outputs      u32      count (the circuit's output bits), then the slot of each, u32
//! ```
//! A record is a tag byte and three slots: the first input, the second input
//! and the output (an operation with fewer inputs stores 0 in the unused
//! ones). Tag bits 0–2 are the operation (0 XOR, 1 AND starting a run of
//! independent ANDs, 2 AND continuing the run, 3 INV, 4 constant 0, 5
//! constant 1, 6 copy), the other bits zero. The writer takes the narrowest
//! width that holds every slot of the window. Every record has the same
//! length and stores every slot, so the reader decodes record `k` without
//! having decoded the ones before (no chain of dependencies from gate to
//! gate: deriving the output slots from free bits, or varying the length by
//! operation, would save a few bytes a gate but made decoding several times
//! slower). Four bytes a gate when the circuit's live wires fit 256 slots,
//! seven up to 65 536.
//!
//! # Trust
//! The header stores the section's offset, length and a 64-bit checksum
//! ([`Checksum`], against a damaged or truncated file: not a cryptographic
//! binding). The reader checks every input slot against the slots written
//! so far and lets an output take at most the next new slot (so a bad file
//! cannot index out of bounds, nor ask for more slots than it has gates), the counts against the header
//! and the checksum at the end, before a stream reports its end, so a party
//! decodes no output from a damaged plan. That the plan is the plan of the
//! gates stored beside it is what `circuit compile` wrote; a party that edits
//! its own file only changes what it computes (DESIGN.md: both parties plan
//! the same circuit the same way, so the version is part of the format).

use super::plan::{AndGate, Op, WINDOW_GATES};
use super::stream::{SLOT_CONST, SLOT_ONE, SLOT_ZERO, Segment};
use super::{CircuitError, MAX_WIRES};
use std::io::{self, Read, Write};

/// The planner revision a stored plan was made by, with its window size
/// (`log2(WINDOW_GATES)` in the low byte): a file planned by another
/// revision is refused, never run with different AND-gate tweaks than a
/// peer that plans the gates itself.
pub const PLAN_VERSION: u32 = (2 << 8) | WINDOW_GATES.trailing_zeros();

const K_XOR: u8 = 0;
const K_AND_NEW: u8 = 1;
const K_AND: u8 = 2;
const K_INV: u8 = 3;
const K_CONST0: u8 = 4;
const K_CONST1: u8 = 5;
const K_COPY: u8 = 6;
/// Input slots per operation (index: tag bits 0–2).
const INPUTS: [usize; 8] = [2, 2, 2, 1, 0, 0, 1, 0];
/// The longest record: a tag and three `u32` slots.
const MAX_RECORD: usize = 13;

/// Largest window body a reader accepts: every gate's record at its widest.
const MAX_BODY: usize = 5 + WINDOW_GATES * MAX_RECORD;

/// A fast 64-bit checksum of a byte stream (four multiply–rotate lanes over
/// 32-byte blocks, the tail zero-padded, folded with the length). Every lane
/// step and the fold are bijective in the changed word, so a file that
/// differs in one block never has the same checksum.
#[derive(Clone, Debug, Default)]
pub struct Checksum {
    lanes: [u64; 4],
    pending: [u8; 32],
    fill: usize,
    len: u64,
}

const MUL: u64 = 0x9E37_79B9_7F4A_7C15;

impl Checksum {
    #[inline(always)]
    fn block(&mut self, block: &[u8]) {
        for (lane, word) in self.lanes.iter_mut().zip(block.chunks_exact(8)) {
            let w = u64::from_le_bytes(word.try_into().expect("8 bytes"));
            *lane = ((*lane ^ w).wrapping_mul(MUL)).rotate_left(29);
        }
    }

    /// Adds `bytes`.
    pub fn update(&mut self, mut bytes: &[u8]) {
        self.len += bytes.len() as u64;
        if self.fill > 0 {
            let take = (32 - self.fill).min(bytes.len());
            self.pending[self.fill..self.fill + take].copy_from_slice(&bytes[..take]);
            self.fill += take;
            bytes = &bytes[take..];
            if self.fill < 32 {
                return;
            }
            let block = self.pending;
            self.block(&block);
            self.fill = 0;
        }
        let mut blocks = bytes.chunks_exact(32);
        for block in &mut blocks {
            self.block(block);
        }
        let rest = blocks.remainder();
        self.pending[..rest.len()].copy_from_slice(rest);
        self.fill = rest.len();
    }

    /// The checksum of everything added.
    pub fn finish(mut self) -> u64 {
        if self.fill > 0 {
            let mut block = [0u8; 32];
            block[..self.fill].copy_from_slice(&self.pending[..self.fill]);
            self.block(&block);
        }
        let mut h = self.len;
        for lane in self.lanes {
            h = (h ^ lane).wrapping_mul(MUL);
            h ^= h >> 32;
        }
        h
    }
}

/// Writes a plan section window by window (see the module documentation).
pub struct PlanWriter<'w, W: Write> {
    out: &'w mut W,
    buf: Vec<u8>,
    sum: Checksum,
    len: u64,
    num_slots: u32,
}

impl<W: Write> core::fmt::Debug for PlanWriter<'_, W> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PlanWriter")
            .field("len", &self.len)
            .finish_non_exhaustive()
    }
}

fn invalid(message: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message.into())
}

impl<'w, W: Write> PlanWriter<'w, W> {
    /// Starts a plan for a circuit with `num_inputs` input wires.
    pub fn new(out: &'w mut W, num_inputs: usize) -> io::Result<PlanWriter<'w, W>> {
        let mut writer = PlanWriter {
            out,
            buf: Vec::with_capacity(MAX_BODY + 4),
            sum: Checksum::default(),
            len: 0,
            num_slots: u32::try_from(num_inputs).map_err(|_| invalid("too many inputs"))?,
        };
        writer.emit(&PLAN_VERSION.to_le_bytes())?;
        Ok(writer)
    }

    fn emit(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.sum.update(bytes);
        self.len += bytes.len() as u64;
        self.out.write_all(bytes)
    }

    /// Writes one window; fails if an output slot is beyond the next new
    /// slot (which a reader refuses).
    pub fn window(&mut self, segment: &Segment) -> io::Result<()> {
        let gates = segment.xors().len() + segment.ands().len();
        if gates == 0 || gates > WINDOW_GATES {
            return Err(invalid("a window of no gates or more than a window's"));
        }
        // The narrowest width that holds every slot of the window.
        let mut top = 0u32;
        for op in segment.ops() {
            top = top.max(match op {
                Op::Xor { a, b, out } => a.max(b).max(out),
                Op::Inv { a, out } | Op::Copy { a, out } => a.max(out),
                Op::Const { out, .. } => out,
                Op::Ands { start, end } => segment.ands()[start as usize..end as usize]
                    .iter()
                    .map(|g| g.a.max(g.b).max(g.out))
                    .max()
                    .unwrap_or(0),
            });
        }
        let width: usize = if top <= 0xff {
            1
        } else if top <= 0xffff {
            2
        } else {
            4
        };
        let mut body = std::mem::take(&mut self.buf);
        body.clear();
        body.extend_from_slice(&[0; 4]); // the length, set below
        body.extend_from_slice(&(gates as u32).to_le_bytes());
        body.push(width as u8);
        let num_slots = &mut self.num_slots;
        let mut record = |kind: u8, inputs: &[u32], out: u32, body: &mut Vec<u8>| {
            if inputs.iter().any(|&s| s >= *num_slots) || out > *num_slots {
                return Err(invalid("a slot read before it is written, or skipped"));
            }
            *num_slots += u32::from(out == *num_slots);
            body.push(kind);
            let a = inputs.first().copied().unwrap_or(0);
            let b = inputs.get(1).copied().unwrap_or(0);
            for s in [a, b, out] {
                body.extend_from_slice(&s.to_le_bytes()[..width]);
            }
            Ok(())
        };
        for op in segment.ops() {
            match op {
                Op::Xor { a, b, out } => record(K_XOR, &[a, b], out, &mut body)?,
                Op::Inv { a, out } => record(K_INV, &[a], out, &mut body)?,
                Op::Const { value, out } => {
                    record(if value { K_CONST1 } else { K_CONST0 }, &[], out, &mut body)?
                }
                Op::Copy { a, out } => record(K_COPY, &[a], out, &mut body)?,
                Op::Ands { start, end } => {
                    for (i, g) in segment.ands()[start as usize..end as usize]
                        .iter()
                        .enumerate()
                    {
                        let kind = if i == 0 { K_AND_NEW } else { K_AND };
                        record(kind, &[g.a, g.b], g.out, &mut body)?;
                    }
                }
            }
        }
        let len = (body.len() - 4) as u32;
        body[..4].copy_from_slice(&len.to_le_bytes());
        let result = self.emit(&body);
        self.buf = body;
        result
    }

    /// Ends the windows and writes the output slots; returns the section's
    /// length and checksum.
    pub fn finish(mut self, output_slots: &[u32]) -> io::Result<(u64, u64)> {
        let mut tail = Vec::with_capacity(8 + 4 * output_slots.len());
        tail.extend_from_slice(&0u32.to_le_bytes());
        tail.extend_from_slice(&(output_slots.len() as u32).to_le_bytes());
        for &s in output_slots {
            tail.extend_from_slice(&s.to_le_bytes());
        }
        self.emit(&tail)?;
        self.out.flush()?;
        Ok((self.len, self.sum.finish()))
    }
}

/// Where a plan section is and what the header says of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PlanInfo {
    /// Offset of the section in the file.
    pub offset: u64,
    /// Its length in bytes (to the end of the file).
    pub len: u64,
    /// Its [`Checksum`].
    pub checksum: u64,
}

/// Reads a plan section window by window into [`Segment`]s.
pub struct PlanReader<R> {
    src: R,
    info: PlanInfo,
    sum: Checksum,
    read: u64,
    body: Vec<u8>,
    num_slots: u32,
    num_gates: u64,
    and_gates: u64,
    num_outputs: usize,
    gates: u64,
    ands: u64,
    outputs: Option<Vec<u32>>,
}

impl<R> core::fmt::Debug for PlanReader<R> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PlanReader")
            .field("info", &self.info)
            .field("gates", &self.gates)
            .finish_non_exhaustive()
    }
}

fn err(offset: u64, message: impl Into<String>) -> CircuitError {
    CircuitError::Binary {
        offset,
        message: message.into(),
    }
}

/// Decodes the `n` records of slots `W` bytes wide in `records` into
/// `segment`, with `num_slots` slots written so far:
/// the new slot count and the AND gates decoded, or what is wrong.
#[inline(always)]
fn decode_records<const W: usize>(
    records: &[u8],
    n: usize,
    mut num_slots: u32,
    segment: &mut Segment,
) -> Result<(u32, u64), &'static str> {
    let slot = |rec: &[u8], k: usize| -> u32 {
        let mut word = [0u8; 4];
        word[..W].copy_from_slice(&rec[1 + k * W..1 + (k + 1) * W]);
        u32::from_le_bytes(word)
    };
    segment.clear();
    segment.reserve(n);
    let mut ands = 0u64;
    let mut in_run = false;
    for rec in records.chunks_exact(1 + 3 * W).take(n) {
        let kind = rec[0];
        let (a, b, out) = (slot(rec, 0), slot(rec, 1), slot(rec, 2));
        let inputs = INPUTS[usize::from(kind & 7)];
        if kind > K_COPY || (inputs < 1 && a != 0) || (inputs < 2 && b != 0) {
            return Err("has a gate with an unknown operation or a stray slot");
        }
        if (inputs >= 1 && a >= num_slots) || (inputs >= 2 && b >= num_slots) || out > num_slots {
            return Err("reads a slot before it is written or skips one");
        }
        num_slots += u32::from(out == num_slots);
        let is_and = kind == K_AND_NEW || kind == K_AND;
        if is_and {
            if kind == K_AND && !in_run {
                return Err("continues a run of AND gates it did not start");
            }
            segment.push_and(AndGate { a, b, out }, kind == K_AND_NEW);
            ands += 1;
        } else {
            segment.push_xor(match kind {
                K_XOR => [a, b, out],
                K_INV => [a, SLOT_ONE, out],
                K_COPY => [a, SLOT_ZERO, out],
                _ => [SLOT_CONST + u32::from(kind == K_CONST1), SLOT_ZERO, out],
            });
        }
        in_run = is_and;
    }
    Ok((num_slots, ands))
}

impl<R: Read> PlanReader<R> {
    /// A reader of the section `info` from `src`, positioned at its start,
    /// for a circuit of `num_inputs` input wires, `num_gates` gates of which
    /// `and_gates` AND, and `num_outputs` output wires (the header's).
    pub fn new(
        src: R,
        info: PlanInfo,
        num_inputs: u64,
        counts: [u64; 2],
        num_outputs: u64,
    ) -> Result<PlanReader<R>, CircuitError> {
        if num_inputs > MAX_WIRES || num_outputs > MAX_WIRES {
            return Err(err(info.offset, "the header's counts are out of range"));
        }
        let mut reader = PlanReader {
            src,
            info,
            sum: Checksum::default(),
            read: 0,
            body: Vec::new(),
            num_slots: num_inputs as u32,
            num_gates: counts[0],
            and_gates: counts[1],
            num_outputs: num_outputs as usize,
            gates: 0,
            ands: 0,
            outputs: None,
        };
        let version = reader.u32("the plan version")?;
        if version != PLAN_VERSION {
            return Err(err(
                info.offset,
                format!(
                    "the stored plan is of planner revision {version:#x}, this gc2pc plans with {PLAN_VERSION:#x} (compile the circuit again)"
                ),
            ));
        }
        Ok(reader)
    }

    fn offset(&self) -> u64 {
        self.info.offset + self.read
    }

    fn exact(&mut self, n: usize, what: &str) -> Result<(), CircuitError> {
        if self.read + n as u64 > self.info.len {
            return Err(err(
                self.offset(),
                format!("the plan ends early (in {what})"),
            ));
        }
        self.body.clear();
        self.body.resize(n, 0);
        let at = self.offset();
        self.src.read_exact(&mut self.body).map_err(|e| {
            if e.kind() == io::ErrorKind::UnexpectedEof {
                err(at, format!("the plan ends early (in {what})"))
            } else {
                CircuitError::io(None, e)
            }
        })?;
        self.sum.update(&self.body);
        self.read += n as u64;
        Ok(())
    }

    fn u32(&mut self, what: &str) -> Result<u32, CircuitError> {
        self.exact(4, what)?;
        Ok(u32::from_le_bytes(
            self.body[..4].try_into().expect("4 bytes"),
        ))
    }

    /// Replaces `segment` with the next window; false once the windows are
    /// done and the outputs, counts and checksum checked.
    pub fn next_segment(&mut self, segment: &mut Segment) -> Result<bool, CircuitError> {
        if self.outputs.is_some() {
            return Ok(false);
        }
        let at = self.offset();
        let len = self.u32("a window length")? as usize;
        if len == 0 {
            self.finish()?;
            return Ok(false);
        }
        if len > MAX_BODY {
            return Err(err(
                at,
                format!("a window of {len} bytes, more than a planned window can take"),
            ));
        }
        self.exact(len, "a window")?;
        self.decode(at + 4, segment)?;
        Ok(true)
    }

    fn decode(&mut self, at: u64, segment: &mut Segment) -> Result<(), CircuitError> {
        let bad = |message: &str| err(at, format!("a planned window {message}"));
        let len = self.body.len();
        let body = &self.body[..];
        if len < 5 {
            return Err(bad("is too short"));
        }
        let n = u32::from_le_bytes(body[..4].try_into().expect("4 bytes")) as usize;
        let width = body[4];
        if n == 0 || n > WINDOW_GATES {
            return Err(bad("declares an impossible gate count"));
        }
        let record = match width {
            1 | 2 | 4 => 1 + 3 * usize::from(width),
            _ => return Err(bad("declares a slot width other than 1, 2 or 4")),
        };
        if len != 5 + n * record {
            return Err(bad("is not as long as its gates"));
        }
        let records = &body[5..];
        let result = match width {
            1 => decode_records::<1>(records, n, self.num_slots, segment),
            2 => decode_records::<2>(records, n, self.num_slots, segment),
            _ => decode_records::<4>(records, n, self.num_slots, segment),
        };
        let (num_slots, ands) = result.map_err(bad)?;
        self.num_slots = num_slots;
        self.gates += n as u64;
        self.ands += ands;
        if self.gates > self.num_gates || self.ands > self.and_gates {
            return Err(bad("holds more gates than the header declares"));
        }
        segment.set_num_slots(num_slots);
        Ok(())
    }

    fn finish(&mut self) -> Result<(), CircuitError> {
        let at = self.offset();
        if self.gates != self.num_gates || self.ands != self.and_gates {
            return Err(err(
                at,
                format!(
                    "the plan holds {} gates ({} AND), the header declares {} ({} AND)",
                    self.gates, self.ands, self.num_gates, self.and_gates
                ),
            ));
        }
        let count = self.u32("the output count")? as usize;
        if count != self.num_outputs {
            return Err(err(
                at,
                format!(
                    "the plan has {count} outputs, the header declares {}",
                    self.num_outputs
                ),
            ));
        }
        let mut outputs = Vec::with_capacity(count);
        for _ in 0..count {
            let s = self.u32("an output slot")?;
            if s >= self.num_slots {
                return Err(err(self.offset() - 4, "an output slot is never written"));
            }
            outputs.push(s);
        }
        if self.read != self.info.len {
            return Err(err(self.offset(), "bytes follow the plan"));
        }
        if std::mem::take(&mut self.sum).finish() != self.info.checksum {
            return Err(err(
                self.info.offset,
                "the plan's checksum does not match: the file is damaged",
            ));
        }
        self.outputs = Some(outputs);
        Ok(())
    }

    /// The slot of every output wire, once the stream is done (empty
    /// before).
    pub fn output_slots(&self) -> Vec<u32> {
        self.outputs.clone().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::circuit::{Circuit, binary, bristol};

    fn cmp32() -> Circuit {
        bristol::parse(include_bytes!("../../circuits/cmp32.txt")).unwrap()
    }

    /// Streams the plan of `bytes` (a version-2 file) to its end.
    fn replay(bytes: &[u8], circuit: &Circuit) -> Result<Vec<u32>, CircuitError> {
        let header = binary::BinaryReader::new(bytes, None)?.header().clone();
        let info = header.plan.expect("a plan");
        let at = (info.offset as usize).min(bytes.len());
        let mut reader = PlanReader::new(
            &bytes[at..],
            info,
            circuit.total_inputs() as u64,
            [header.num_gates, header.and_gates],
            circuit.total_outputs() as u64,
        )?;
        let mut segment = Segment::default();
        while reader.next_segment(&mut segment)? {}
        Ok(reader.output_slots())
    }

    #[test]
    fn every_truncation_and_every_changed_byte_of_a_plan_is_an_error() {
        let circuit = cmp32();
        let bytes = binary::to_bytes(&circuit);
        assert!(replay(&bytes, &circuit).is_ok());
        let offset = binary::BinaryReader::new(&bytes[..], None)
            .unwrap()
            .header()
            .plan
            .unwrap()
            .offset as usize;
        for cut in offset..bytes.len() {
            assert!(replay(&bytes[..cut], &circuit).is_err(), "cut at {cut}");
        }
        for at in offset..bytes.len() {
            for flip in [0x01, 0x80, 0x40] {
                let mut bad = bytes.clone();
                bad[at] ^= flip;
                assert!(replay(&bad, &circuit).is_err(), "byte {at} ^ {flip:#x}");
                // The whole-circuit reader refuses it too.
                assert!(binary::read(&bad[..], Some(bad.len() as u64)).is_err());
            }
        }
    }

    #[test]
    fn a_plan_of_another_planner_revision_is_refused() {
        let circuit = cmp32();
        let mut bytes = binary::to_bytes(&circuit);
        let header = binary::BinaryReader::new(&bytes[..], None)
            .unwrap()
            .header()
            .clone();
        let at = header.plan.unwrap().offset as usize;
        bytes[at] ^= 1;
        let e = replay(&bytes, &circuit).unwrap_err().to_string();
        assert!(e.contains("planner revision"), "{e}");
    }

    #[test]
    fn the_checksum_sees_every_single_byte_change() {
        let data: Vec<u8> = (0..200u32).map(|i| (i * 7 + 3) as u8).collect();
        let sum = |d: &[u8]| {
            let mut c = Checksum::default();
            // Split at an odd place: the result is the stream's, not the calls'.
            c.update(&d[..37]);
            c.update(&d[37..]);
            c.finish()
        };
        let whole = {
            let mut c = Checksum::default();
            c.update(&data);
            c.finish()
        };
        assert_eq!(sum(&data), whole);
        for i in 0..data.len() {
            let mut d = data.clone();
            d[i] ^= 0x10;
            assert_ne!(sum(&d), whole, "byte {i}");
        }
        // A zero byte appended changes the length, so the sum.
        let mut longer = data.clone();
        longer.push(0);
        assert_ne!(sum(&longer), whole);
    }

    #[test]
    fn a_segment_that_skips_a_slot_is_not_written() {
        let mut segment = Segment::default();
        let gates = [crate::circuit::Gate::Xor { a: 0, b: 1, out: 5 }];
        segment.from_stages(&gates, &[0], 6, &mut Vec::new());
        let mut out = Vec::new();
        let mut writer = PlanWriter::new(&mut out, 2).unwrap();
        assert!(writer.window(&segment).is_err());
    }
}
