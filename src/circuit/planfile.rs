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
//!     early    u32      slots freed before the window's first gate, then one u32 each
//!     records           one per gate, in execution order
//! outputs      u32      count (the circuit's output bits), then the slot of each, u32
//! ```
//! A record is a tag byte and its input slots: tag bits 0–2 the operation (0
//! XOR, 1 AND starting a run of independent ANDs, 2 AND continuing the run,
//! 3 INV, 4 constant 0, 5 constant 1, 6 copy), bit 3 the first input's slot
//! is free after this gate, bit 4 the second's, bit 5 the output is never
//! read (its slot is free at once), bits 6–7 the width of the input slots
//! that follow (0 `u16`, 1 `u32`, 2 `u8`; the writer takes the narrowest
//! that holds both). The output slot is not stored: the reader replays the
//! planner's allocation (freed slots on a stack, a gate writes the last one
//! freed, or a new slot when none is free), which is why the free bits are
//! there. Three to five bytes a gate.
//!
//! # Trust
//! The header stores the section's offset, length and a 64-bit checksum
//! ([`Checksum`], against a damaged or truncated file: not a cryptographic
//! binding). The reader checks every slot against the slots allocated so far
//! (so a bad file cannot index out of bounds), the counts against the header
//! and the checksum at the end, before a stream reports its end, so a party
//! decodes no output from a damaged plan. That the plan is the plan of the
//! gates stored beside it is what `circuit compile` wrote; a party that edits
//! its own file only changes what it computes (DESIGN.md: both parties plan
//! the same circuit the same way, so the version is part of the format).

use super::plan::{AndGate, Op, WINDOW_GATES};
use super::stream::{FREE_A, FREE_B, FREE_OUT, Segment};
use super::{CircuitError, MAX_WIRES};
use std::io::{self, Read, Write};

/// The planner revision a stored plan was made by, with its window size
/// (`log2(WINDOW_GATES)` in the low byte): a file planned by another
/// revision is refused, never run with different AND-gate tweaks than a
/// peer that plans the gates itself.
pub const PLAN_VERSION: u32 = (1 << 8) | WINDOW_GATES.trailing_zeros();

const K_XOR: u8 = 0;
const K_AND_NEW: u8 = 1;
const K_AND: u8 = 2;
const K_INV: u8 = 3;
const K_CONST0: u8 = 4;
const K_CONST1: u8 = 5;
const K_COPY: u8 = 6;
const T_FREE_A: u8 = 1 << 3;
const T_FREE_B: u8 = 1 << 4;
const T_FREE_OUT: u8 = 1 << 5;
const T_WIDE: u8 = 1 << 6;
const T_NARROW: u8 = 1 << 7;
const T_WIDTH: u8 = T_WIDE | T_NARROW;
/// Bytes per input slot, by the tag's width bits (`tag >> 6`; 3 is refused).
const WIDTH: [usize; 4] = [2, 4, 1, 0];
/// The mask of a slot of each width, read as a little-endian `u32`.
const WIDTH_MASK: [u32; 4] = [0xffff, u32::MAX, 0xff, 0];
/// Input slots per operation (index: tag bits 0–2).
const INPUTS: [usize; 8] = [2, 2, 2, 1, 0, 0, 1, 0];
/// Tag bits that are an error per operation: the free bits of inputs it
/// does not have, everything for the unused operation 7.
const BAD_FLAGS: [u8; 8] = [
    0,
    0,
    0,
    T_FREE_B,
    T_FREE_A | T_FREE_B,
    T_FREE_A | T_FREE_B,
    T_FREE_B,
    0xff,
];

/// Largest window body a reader accepts: every gate's record at its widest
/// and two early frees per gate (each marked by a read in the window).
const MAX_BODY: usize = 8 + WINDOW_GATES * (1 + 8) + WINDOW_GATES * 2 * 4;

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

/// The planner's slot allocation, replayed: freed slots on a stack, an
/// output takes the last one freed or a new slot.
/// The stack is `free[..top]`; `free` is kept long enough for a window's
/// pushes so the reader can push without branching on each flag.
#[derive(Debug)]
struct Slots {
    free: Vec<u32>,
    top: usize,
    num_slots: u32,
}

impl Slots {
    fn new(num_slots: u32) -> Slots {
        Slots {
            free: Vec::new(),
            top: 0,
            num_slots,
        }
    }

    /// Room for `n` more pushes.
    fn reserve(&mut self, n: usize) {
        if self.free.len() < self.top + n {
            self.free.resize(self.top + n, 0);
        }
    }

    /// Pushes `slot` if `yes` (without a branch).
    #[inline(always)]
    fn push_if(&mut self, slot: u32, yes: bool) {
        self.free[self.top] = slot;
        self.top += usize::from(yes);
    }

    #[inline(always)]
    fn alloc(&mut self) -> u32 {
        let fresh = self.top == 0;
        // `free` is never empty here (`reserve` keeps one more).
        let popped = self.free[self.top.saturating_sub(1)];
        self.top -= usize::from(!fresh);
        // A select by mask: which branch is taken is data, not predictable.
        let m = u32::from(fresh).wrapping_neg();
        let out = (popped & !m) | (self.num_slots & m);
        self.num_slots += u32::from(fresh);
        out
    }
}

/// Writes a plan section window by window (see the module documentation).
pub struct PlanWriter<'w, W: Write> {
    out: &'w mut W,
    buf: Vec<u8>,
    sum: Checksum,
    len: u64,
    slots: Slots,
    gates: u64,
    ands: u64,
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
            slots: Slots::new(u32::try_from(num_inputs).map_err(|_| invalid("too many inputs"))?),
            gates: 0,
            ands: 0,
        };
        writer.emit(&PLAN_VERSION.to_le_bytes())?;
        Ok(writer)
    }

    fn emit(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.sum.update(bytes);
        self.len += bytes.len() as u64;
        self.out.write_all(bytes)
    }

    /// Writes one window made by [`super::stream::Planner`]; fails if its
    /// slot allocation cannot be replayed (a segment from another source).
    pub fn window(&mut self, segment: &Segment) -> io::Result<()> {
        let frees = segment.frees();
        let body_gates = frees.len();
        let gates_in = segment.ops().iter().map(|op| match *op {
            Op::Ands { start, end } => (end - start) as usize,
            _ => 1,
        });
        if body_gates == 0 || body_gates > WINDOW_GATES || gates_in.sum::<usize>() != body_gates {
            return Err(invalid("the segment carries no planner allocation"));
        }
        let mut body = std::mem::take(&mut self.buf);
        body.clear();
        body.extend_from_slice(&[0; 4]); // the length, set below
        body.extend_from_slice(&(body_gates as u32).to_le_bytes());
        body.extend_from_slice(&(segment.early_frees().len() as u32).to_le_bytes());
        self.slots
            .reserve(segment.early_frees().len() + 3 * body_gates + 1);
        for &s in segment.early_frees() {
            body.extend_from_slice(&s.to_le_bytes());
            self.slots.push_if(s, true);
        }
        let mut at = 0;
        let mut record = |kind: u8, inputs: &[u32], out: u32, body: &mut Vec<u8>| {
            let freed = frees[at];
            at += 1;
            let top = inputs.iter().copied().max().unwrap_or(0);
            let width = if top <= 0xff {
                T_NARROW
            } else if top <= 0xffff {
                0
            } else {
                T_WIDE
            };
            let mut tag = kind | width;
            if freed & FREE_A != 0 {
                tag |= T_FREE_A;
            }
            if freed & FREE_B != 0 {
                tag |= T_FREE_B;
            }
            if freed & FREE_OUT != 0 {
                tag |= T_FREE_OUT;
            }
            body.push(tag);
            for &s in inputs {
                body.extend_from_slice(&s.to_le_bytes()[..WIDTH[usize::from(width >> 6)]]);
            }
            if freed & FREE_A != 0 {
                self.slots.push_if(inputs[0], true);
            }
            if freed & FREE_B != 0 {
                self.slots.push_if(inputs[1], true);
            }
            let replayed = self.slots.alloc();
            self.slots.push_if(replayed, freed & FREE_OUT != 0);
            if replayed != out {
                return Err(invalid("the segment's slots cannot be replayed"));
            }
            Ok(())
        };
        for op in segment.ops() {
            match *op {
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
                    self.ands += u64::from(end - start);
                }
            }
        }
        self.gates += body_gates as u64;
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
    slots: Slots,
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
            slots: Slots::new(num_inputs as u32),
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
                CircuitError::Io(e.to_string())
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
        let body = &self.body[..];
        let word = |i: usize| -> Option<u32> {
            Some(u32::from_le_bytes(body.get(i..i + 4)?.try_into().ok()?))
        };
        let bad = |message: &str| err(at, format!("a planned window {message}"));
        let n = word(0).ok_or_else(|| bad("is too short"))? as usize;
        let early = word(4).ok_or_else(|| bad("is too short"))? as usize;
        if n == 0 || n > WINDOW_GATES || early > 2 * WINDOW_GATES {
            return Err(bad("declares impossible counts"));
        }
        segment.clear_for_replay();
        let slots = &mut self.slots;
        slots.reserve(early + 3 * n + 1);
        let mut i = 8;
        for _ in 0..early {
            let s = word(i).ok_or_else(|| bad("is too short"))?;
            if s >= slots.num_slots {
                return Err(bad("frees a slot never used"));
            }
            slots.push_if(s, true);
            i += 4;
        }
        let (ops, and_list, runs) = segment.parts_mut();
        ops.reserve(n);
        and_list.reserve(n);
        let first_and = and_list.len();
        let mut in_run = false;
        for _ in 0..n {
            // Every record fits 9 bytes; the last few are copied out
            // zero-padded so that one bounds check covers the record.
            let mut tail = [0u8; 9];
            let rec: &[u8; 9] = match body.get(i..i + 9) {
                Some(r) => r.try_into().expect("9 bytes"),
                None => {
                    let rest = body.get(i..).unwrap_or(&[]);
                    tail[..rest.len()].copy_from_slice(rest);
                    &tail
                }
            };
            let tag = rec[0];
            let kind = tag & 7;
            let inputs = INPUTS[kind as usize];
            let width = usize::from(tag >> 6);
            if tag & BAD_FLAGS[kind as usize] != 0 || tag & T_WIDTH == T_WIDTH {
                return Err(bad("has a gate with an unknown operation or bad flags"));
            }
            // Both slots read as little-endian words and masked to the
            // width, without a branch on it (widths mix within a window).
            let w = WIDTH[width];
            let at_b = 1 + w;
            let a = u32::from_le_bytes([rec[1], rec[2], rec[3], rec[4]]) & WIDTH_MASK[width];
            let b = u32::from_le_bytes([rec[at_b], rec[at_b + 1], rec[at_b + 2], rec[at_b + 3]])
                & WIDTH_MASK[width];
            let size = 1 + w * inputs;
            let (a, b) = (
                if inputs >= 1 { a } else { 0 },
                if inputs >= 2 { b } else { 0 },
            );
            i += size;
            if i > body.len() {
                return Err(bad("ends inside a gate"));
            }
            if a >= slots.num_slots || b >= slots.num_slots {
                return Err(bad("reads a slot never written"));
            }
            slots.push_if(a, tag & T_FREE_A != 0);
            slots.push_if(b, tag & T_FREE_B != 0);
            let out = slots.alloc();
            slots.push_if(out, tag & T_FREE_OUT != 0);
            if kind == K_XOR {
                ops.push(Op::Xor { a, b, out });
                in_run = false;
                continue;
            }
            match kind {
                K_AND_NEW => {
                    let at = and_list.len() as u32;
                    ops.push(Op::Ands {
                        start: at,
                        end: at + 1,
                    });
                    *runs += 1;
                    and_list.push(AndGate { a, b, out });
                }
                K_AND => {
                    if !in_run {
                        return Err(bad("continues a run of AND gates it did not start"));
                    }
                    if let Some(Op::Ands { end, .. }) = ops.last_mut() {
                        *end += 1;
                    }
                    and_list.push(AndGate { a, b, out });
                }
                K_INV => ops.push(Op::Inv { a, out }),
                K_CONST0 | K_CONST1 => ops.push(Op::Const {
                    value: kind == K_CONST1,
                    out,
                }),
                _ => ops.push(Op::Copy { a, out }),
            }
            in_run = kind == K_AND_NEW || kind == K_AND;
        }
        if i != body.len() {
            return Err(bad("has bytes after its last gate"));
        }
        if slots.top > slots.num_slots as usize {
            // A valid plan never has more free slots than slots.
            return Err(bad("frees a slot twice"));
        }
        let ands = (and_list.len() - first_and) as u64;
        self.gates += n as u64;
        self.ands += ands;
        if self.gates > self.num_gates || self.ands > self.and_gates {
            return Err(bad("holds more gates than the header declares"));
        }
        segment.set_num_slots(slots.num_slots);
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
            if s >= self.slots.num_slots {
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
    fn a_segment_not_made_by_the_planner_is_not_written() {
        let mut segment = Segment::default();
        let gates = [crate::circuit::Gate::Xor { a: 0, b: 1, out: 2 }];
        segment.from_stages(&gates, &[0], 3, &mut Vec::new());
        let mut out = Vec::new();
        let mut writer = PlanWriter::new(&mut out, 2).unwrap();
        assert!(writer.window(&segment).is_err());
    }
}
