//! gc2pc's compact binary circuit format (`gc2pc circuit compile`): the same
//! circuit as a Bristol file, read several times faster, about a third of the
//! size, with its digest in the header.
//!
//! # Format, version 2 (all integers little-endian)
//! ```text
//! magic        8 bytes   0x89 "gc2pc" 0x0d 0x0a   (never the start of Bristol text)
//! version      u16       2 (version 1 files, without the plan fields, are still read)
//! format       u8        the dialect it was compiled from: 0 Bristol, 1 Fashion, 2 Fashion+MAND
//! reserved     u8        0
//! num_wires    u64
//! num_gates    u64
//! and_gates    u64
//! inputs       u32 count, then u32 width per group
//! outputs      u32 count, then u32 width per group
//! digest       32 bytes  Circuit::digest (what the protocol's handshake compares)
//! plan offset  u64       where the stored plan starts (0: no plan)   } version 2
//! plan length  u64       its length, to the end of the file          } only
//! plan sum     u64       its checksum (`planfile::Checksum`)         }
//! gates        num_gates records
//! plan         the windows as the planner makes them (`super::planfile`), then nothing
//! ```
//! A gate record is a tag byte and varints (LEB128, 7 bits a byte, at most 5
//! bytes): tag bits 0–2 the operation (0 XOR, 1 AND, 2 INV, 3 EQ 0, 4 EQ 1,
//! 5 EQW), bit 3 set when the output wire is the previous gate's output plus
//! one (for the first gate: the first non-input wire), else the output wire
//! follows as a varint; then each input wire as the zigzag varint of
//! `output − input`. The other tag bits are 0. Bristol circuits number their
//! wires in order, so most records are 1 + 2 short varints: about 6 bytes per
//! gate instead of ~32 bytes of text.
//!
//! # Reading
//! [`read`] checks everything [`Circuit::new`] checks (wire ranges, read
//! before write, single assignment, outputs defined), plus the magic, the
//! version, the reserved bits, that every count fits what the rest of the
//! file can hold (nothing is allocated from a header count beyond that), the
//! AND count, that nothing follows the last gate, and that the stored digest
//! is the digest of the gates read (computed as they are read), so a file
//! whose gates were altered is refused rather than run under another
//! circuit's digest. Only the canonical encoding is accepted (minimal
//! varints, the short output form wherever it applies), so a file read and
//! written again is the same bytes. Errors name the byte offset.

use super::planfile::{PlanInfo, PlanWriter};
use super::{Circuit, CircuitError, Digester, Format, Gate, MAX_WIRES, ShapeError, WireId};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::Path;

/// The first 8 bytes of every binary circuit file.
pub const MAGIC: [u8; 8] = *b"\x89gc2pc\r\n";
/// The format version this build writes (it reads 1 too).
pub const VERSION: u16 = 2;
/// Most input or output groups a file may declare.
pub const MAX_GROUPS: u32 = 1 << 20;

const OP_XOR: u8 = 0;
const OP_AND: u8 = 1;
const OP_INV: u8 = 2;
const OP_EQ0: u8 = 3;
const OP_EQ1: u8 = 4;
const OP_EQW: u8 = 5;
const NEXT_OUT: u8 = 1 << 3;

/// Whether `bytes` start like a binary circuit file.
pub fn is_binary(bytes: &[u8]) -> bool {
    bytes.starts_with(&MAGIC)
}

fn format_code(format: Format) -> u8 {
    match format {
        Format::Bristol => 0,
        Format::BristolFashion => 1,
        Format::BristolFashionMand => 2,
    }
}

fn put_varint(out: &mut Vec<u8>, mut v: u32) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn zigzag(out: WireId, input: WireId) -> u32 {
    let d = out as i64 - input as i64;
    ((d << 1) ^ (d >> 63)) as u32
}

/// Writes `circuit` in the binary format, with its plan.
pub fn write(circuit: &Circuit, out: &mut impl Write) -> io::Result<()> {
    let mut header = Header {
        format: circuit.format(),
        num_wires: circuit.num_wires() as u64,
        num_gates: circuit.gates().len() as u64,
        and_gates: circuit.and_count() as u64,
        input_sizes: circuit.input_sizes().to_vec(),
        output_sizes: circuit.output_sizes().to_vec(),
        digest: circuit.digest(),
        plan: None,
    };
    let mut gates = Vec::new();
    let mut writer = BinaryWriter::new(&mut gates, &header)?;
    writer.gates(circuit.gates())?;
    writer.finish()?;
    let mut plan = Vec::new();
    let (len, checksum) = write_plan(
        &mut plan,
        circuit.total_inputs(),
        &mut super::stream::CircuitStream::new(circuit),
    )?;
    header.plan = Some(PlanInfo {
        offset: gates.len() as u64,
        len,
        checksum,
    });
    let head = header_bytes(&header);
    out.write_all(&head)?;
    out.write_all(&gates[head.len()..])?;
    out.write_all(&plan)?;
    out.flush()
}

/// Writes the plan section of the windows `source` gives (a stream of the
/// circuit whose gates precede it): its length and checksum.
pub fn write_plan<S: crate::garble::SegmentSource>(
    out: &mut impl Write,
    num_inputs: usize,
    source: &mut S,
) -> io::Result<(u64, u64)> {
    let mut writer = PlanWriter::new(out, num_inputs)?;
    let mut segment = super::stream::Segment::default();
    while source
        .next_segment(&mut segment)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.to_string()))?
    {
        writer.window(&segment)?;
    }
    writer.finish(&source.output_slots())
}

/// Fills in the plan fields of a header written with `plan: None` at the
/// start of `out`, once the plan is written (`gc2pc circuit compile`).
pub fn patch_plan(
    out: &mut (impl Write + Seek),
    header: &Header,
    plan: PlanInfo,
) -> io::Result<()> {
    let at = header_bytes(header).len() as u64 - 24;
    out.seek(SeekFrom::Start(at))?;
    for v in [plan.offset, plan.len, plan.checksum] {
        out.write_all(&v.to_le_bytes())?;
    }
    out.seek(SeekFrom::End(0))?;
    out.flush()
}

fn header_bytes(header: &Header) -> Vec<u8> {
    let mut head = Vec::with_capacity(96);
    head.extend_from_slice(&MAGIC);
    head.extend_from_slice(&VERSION.to_le_bytes());
    head.push(format_code(header.format));
    head.push(0);
    head.extend_from_slice(&header.num_wires.to_le_bytes());
    head.extend_from_slice(&header.num_gates.to_le_bytes());
    head.extend_from_slice(&header.and_gates.to_le_bytes());
    for sizes in [&header.input_sizes, &header.output_sizes] {
        head.extend_from_slice(&(sizes.len() as u32).to_le_bytes());
        for size in sizes {
            head.extend_from_slice(&size.to_le_bytes());
        }
    }
    head.extend_from_slice(&header.digest);
    let plan = header.plan.unwrap_or(PlanInfo {
        offset: 0,
        len: 0,
        checksum: 0,
    });
    for v in [plan.offset, plan.len, plan.checksum] {
        head.extend_from_slice(&v.to_le_bytes());
    }
    head
}

/// Writes the binary format gate chunk by gate chunk, for a writer that
/// does not hold the circuit (`gc2pc circuit compile`): the header (counts
/// and digest, known from a first pass), then the gates in order.
pub struct BinaryWriter<'w, W: Write> {
    out: &'w mut W,
    buf: Vec<u8>,
    prev: i64,
    written: u64,
}

impl<'w, W: Write> BinaryWriter<'w, W> {
    /// Writes `header` (with `plan: None`, zeros that [`patch_plan`] fills
    /// in once a plan follows the gates).
    pub fn new(out: &'w mut W, header: &Header) -> io::Result<BinaryWriter<'w, W>> {
        let head = header_bytes(header);
        out.write_all(&head)?;
        let written = head.len() as u64;
        let total_in: u64 = header.input_sizes.iter().map(|&n| u64::from(n)).sum();
        Ok(BinaryWriter {
            out,
            buf: Vec::with_capacity(1 << 16),
            prev: total_in as i64 - 1,
            written,
        })
    }

    /// Writes the next gates.
    pub fn gates(&mut self, gates: &[Gate]) -> io::Result<()> {
        let buf = &mut self.buf;
        for gate in gates {
            let o = gate.output();
            let (op, inputs): (u8, [Option<WireId>; 2]) = match *gate {
                Gate::Xor { a, b, .. } => (OP_XOR, [Some(a), Some(b)]),
                Gate::And { a, b, .. } => (OP_AND, [Some(a), Some(b)]),
                Gate::Inv { a, .. } => (OP_INV, [Some(a), None]),
                Gate::Eq { value, .. } => (if value { OP_EQ1 } else { OP_EQ0 }, [None, None]),
                Gate::EqW { a, .. } => (OP_EQW, [Some(a), None]),
            };
            let next = o as i64 == self.prev + 1;
            buf.push(op | if next { NEXT_OUT } else { 0 });
            if !next {
                put_varint(buf, o);
            }
            for input in inputs.into_iter().flatten() {
                put_varint(buf, zigzag(o, input));
            }
            self.prev = o as i64;
            if buf.len() >= (1 << 16) - 32 {
                self.out.write_all(buf)?;
                self.written += buf.len() as u64;
                buf.clear();
            }
        }
        Ok(())
    }

    /// Writes what is buffered; returns the bytes written (header and
    /// gates: where a plan would start).
    pub fn finish(mut self) -> io::Result<u64> {
        self.out.write_all(&self.buf)?;
        self.written += self.buf.len() as u64;
        self.buf.clear();
        self.out.flush()?;
        Ok(self.written)
    }
}

/// The circuit as binary bytes.
pub fn to_bytes(circuit: &Circuit) -> Vec<u8> {
    let mut out = Vec::new();
    write(circuit, &mut out).expect("writing to memory cannot fail");
    out
}

/// Buffered reading with the offset kept for errors.
struct Input<R> {
    src: R,
    buf: Box<[u8]>,
    pos: usize,
    end: usize,
    /// File offset of `buf[0]`.
    base: u64,
}

fn err(offset: u64, message: impl Into<String>) -> CircuitError {
    CircuitError::Binary {
        offset,
        message: message.into(),
    }
}

impl<R: Read> Input<R> {
    fn offset(&self) -> u64 {
        self.base + self.pos as u64
    }

    /// Refills; false at the end of the input.
    fn fill(&mut self) -> Result<bool, CircuitError> {
        self.base += self.end as u64;
        self.pos = 0;
        self.end = 0;
        loop {
            match self.src.read(&mut self.buf) {
                Ok(n) => {
                    self.end = n;
                    return Ok(n > 0);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(CircuitError::io(None, e)),
            }
        }
    }

    #[inline(always)]
    fn byte(&mut self, what: &str) -> Result<u8, CircuitError> {
        if self.pos == self.end && !self.fill()? {
            return Err(err(
                self.offset(),
                format!("the file ends early (in {what})"),
            ));
        }
        let b = self.buf[self.pos];
        self.pos += 1;
        Ok(b)
    }

    fn bytes<const N: usize>(&mut self, what: &str) -> Result<[u8; N], CircuitError> {
        let mut out = [0u8; N];
        for b in &mut out {
            *b = self.byte(what)?;
        }
        Ok(out)
    }

    fn u32(&mut self, what: &str) -> Result<u32, CircuitError> {
        Ok(u32::from_le_bytes(self.bytes(what)?))
    }

    fn u64(&mut self, what: &str) -> Result<u64, CircuitError> {
        Ok(u64::from_le_bytes(self.bytes(what)?))
    }

    /// A varint; the common case (five bytes buffered, one or two bytes
    /// long) without per-byte refill checks.
    #[inline(always)]
    fn varint(&mut self, what: &str) -> Result<u32, CircuitError> {
        if self.end - self.pos >= 5 {
            let b0 = self.buf[self.pos];
            if b0 < 0x80 {
                self.pos += 1;
                return Ok(u32::from(b0));
            }
            let b1 = self.buf[self.pos + 1];
            if b1 < 0x80 && b1 != 0 {
                self.pos += 2;
                return Ok(u32::from(b0 & 0x7f) | u32::from(b1) << 7);
            }
        }
        self.varint_slow(what)
    }

    #[inline(never)]
    fn varint_slow(&mut self, what: &str) -> Result<u32, CircuitError> {
        let at = self.offset();
        let mut v = 0u64;
        for shift in (0..35).step_by(7) {
            let b = self.byte(what)?;
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                if b == 0 && shift > 0 {
                    return Err(err(at, format!("{what} is not minimally encoded")));
                }
                return u32::try_from(v).map_err(|_| err(at, format!("{what} is out of range")));
            }
        }
        Err(err(at, format!("{what} is longer than 5 bytes")))
    }

    fn at_end(&mut self) -> Result<bool, CircuitError> {
        Ok(self.pos == self.end && !self.fill()?)
    }
}

/// What a binary circuit's header declares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// The dialect the circuit was compiled from.
    pub format: Format,
    /// Wires.
    pub num_wires: u64,
    /// Gates.
    pub num_gates: u64,
    /// AND gates among them.
    pub and_gates: u64,
    /// Bits per input group.
    pub input_sizes: Vec<u32>,
    /// Bits per output group.
    pub output_sizes: Vec<u32>,
    /// [`Circuit::digest`] of the circuit.
    pub digest: [u8; 32],
    /// The stored plan, if any (version 2).
    pub plan: Option<PlanInfo>,
}

/// A binary circuit read as a stream of gate chunks, checked as it goes
/// (one bit per wire of the file for single assignment and read before
/// write; counts, outputs, trailing bytes and the digest at the end).
pub struct BinaryReader<R> {
    input: Input<R>,
    header: Header,
    total_in: u64,
    defined: Vec<u64>,
    digester: Option<Digester>,
    prev: i64,
    index: u64,
    ands: u64,
    done: bool,
}

impl<R> core::fmt::Debug for BinaryReader<R> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("BinaryReader")
            .field("header", &self.header)
            .field("index", &self.index)
            .finish_non_exhaustive()
    }
}

/// Gates per chunk of [`BinaryReader::next_chunk`].
pub const CHUNK_GATES: usize = 1 << 16;

impl<R: Read> BinaryReader<R> {
    /// Reads and checks the header; `len` is the total length when known
    /// (a file's), which bounds the counts a header may declare.
    pub fn new(src: R, len: Option<u64>) -> Result<BinaryReader<R>, CircuitError> {
        let mut input = Input {
            src,
            buf: vec![0u8; 1 << 16].into_boxed_slice(),
            pos: 0,
            end: 0,
            base: 0,
        };
        let magic: [u8; 8] = input.bytes("the magic number")?;
        if magic != MAGIC {
            return Err(err(0, "not a gc2pc binary circuit (bad magic number)"));
        }
        let version = u16::from_le_bytes(input.bytes("the version")?);
        if version != VERSION && version != 1 {
            return Err(err(
                8,
                format!(
                    "format version {version}; this gc2pc reads versions 1 and {VERSION} (recompile the circuit)"
                ),
            ));
        }
        let format = match input.byte("the format")? {
            0 => Format::Bristol,
            1 => Format::BristolFashion,
            2 => Format::BristolFashionMand,
            other => return Err(err(10, format!("unknown source format {other}"))),
        };
        if input.byte("the reserved byte")? != 0 {
            return Err(err(11, "the reserved byte is not 0"));
        }
        let num_wires = input.u64("the wire count")?;
        let num_gates = input.u64("the gate count")?;
        let and_gates = input.u64("the AND count")?;
        if num_wires > MAX_WIRES || num_gates > MAX_WIRES {
            return Err(err(
                12,
                format!(
                    "{num_wires} wires and {num_gates} gates: more than the supported {MAX_WIRES}"
                ),
            ));
        }
        // Every gate takes at least 2 bytes, every group 4.
        let room = len.unwrap_or(u64::MAX);
        if num_gates.saturating_mul(2) > room {
            return Err(err(
                20,
                format!(
                    "the header declares {num_gates} gates, more than a file of {room} bytes holds"
                ),
            ));
        }
        let mut groups = Vec::new();
        for what in ["input groups", "output groups"] {
            let at = input.offset();
            let count = input.u32(what)?;
            if count > MAX_GROUPS || u64::from(count) * 4 > room {
                return Err(err(
                    at,
                    format!("{count} {what} is more than the file can hold"),
                ));
            }
            let mut sizes = Vec::with_capacity(count as usize);
            for _ in 0..count {
                sizes.push(input.u32(what)?);
            }
            groups.push(sizes);
        }
        let (input_sizes, output_sizes) = (groups.remove(0), groups.remove(0));
        if format == Format::Bristol && (input_sizes.len() != 2 || output_sizes.len() != 1) {
            // The old format always has two input groups and one output group.
            return Err(err(
                10,
                format!(
                    "compiled from the old Bristol Format, but with {} input and {} output groups",
                    input_sizes.len(),
                    output_sizes.len()
                ),
            ));
        }
        let digest: [u8; 32] = input.bytes("the digest")?;
        let mut plan = None;
        if version >= 2 {
            let at = input.offset();
            let offset = input.u64("the plan offset")?;
            let plan_len = input.u64("the plan length")?;
            let checksum = input.u64("the plan checksum")?;
            let end = offset.checked_add(plan_len);
            if offset != 0 {
                let fits = match len {
                    Some(len) => end == Some(len),
                    None => end.is_some(),
                };
                if offset < input.offset() || !fits {
                    return Err(err(at, "the plan's offset and length do not fit the file"));
                }
                plan = Some(PlanInfo {
                    offset,
                    len: plan_len,
                    checksum,
                });
            } else if plan_len != 0 || checksum != 0 {
                return Err(err(at, "plan fields without a plan"));
            }
        }
        let total_in: u64 = input_sizes.iter().map(|&s| u64::from(s)).sum();
        let total_out: u64 = output_sizes.iter().map(|&s| u64::from(s)).sum();
        if total_in > num_wires || total_out > num_wires {
            return Err(err(
                12,
                format!(
                    "the groups need {total_in} input and {total_out} output wires but the file declares {num_wires}"
                ),
            ));
        }
        // A gate defines one wire: more wires than inputs, gates and some
        // slack for unused ones cannot be the file's (and would be memory
        // the header alone asks for).
        if num_wires > total_in + num_gates + (1 << 20) {
            return Err(err(
                12,
                format!(
                    "{num_wires} wires is more than {total_in} inputs and {num_gates} gates can define"
                ),
            ));
        }
        let mut defined = vec![0u64; (num_wires as usize).div_ceil(64)];
        for w in 0..total_in as usize {
            defined[w / 64] |= 1 << (w % 64);
        }
        let digester = Digester::new(num_wires as usize, &input_sizes, &output_sizes);
        Ok(BinaryReader {
            input,
            header: Header {
                format,
                num_wires,
                num_gates,
                and_gates,
                input_sizes,
                output_sizes,
                digest,
                plan,
            },
            total_in,
            defined,
            digester: Some(digester),
            prev: total_in as i64 - 1,
            index: 0,
            ands: 0,
            done: false,
        })
    }

    /// The header.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// Skips checking the stored digest against the gates (a look-ahead
    /// pass whose stream checks it again anyway saves the hashing).
    pub fn skip_digest_check(&mut self) {
        self.digester = None;
    }

    fn is_defined(&self, w: u32) -> bool {
        self.defined[w as usize / 64] >> (w % 64) & 1 == 1
    }

    /// Replaces `out` with the next up to [`CHUNK_GATES`] gates and returns
    /// how many: 0 once every gate is read and every end check passed.
    pub fn next_chunk(&mut self, out: &mut Vec<Gate>) -> Result<usize, CircuitError> {
        out.clear();
        if self.done {
            return Ok(0);
        }
        let num_wires = self.header.num_wires;
        while out.len() < CHUNK_GATES && self.index < self.header.num_gates {
            let index = self.index;
            let at = self.input.offset();
            let tag = self.input.byte("a gate")?;
            let out_wire = if tag & NEXT_OUT != 0 {
                u32::try_from(self.prev + 1)
                    .map_err(|_| err(at, "the output wire is out of range"))?
            } else {
                let o = self.input.varint("an output wire")?;
                if i64::from(o) == self.prev + 1 {
                    return Err(err(
                        at,
                        "an explicit output wire where the short form was due",
                    ));
                }
                o
            };
            if u64::from(out_wire) >= num_wires {
                return Err(err(
                    at,
                    format!(
                        "gate {index} writes wire {out_wire}, but the circuit has {num_wires} wires"
                    ),
                ));
            }
            if u64::from(out_wire) < self.total_in {
                return Err(err(
                    at,
                    format!("gate {index} writes input wire {out_wire}"),
                ));
            }
            if self.is_defined(out_wire) {
                return Err(err(
                    at,
                    format!("gate {index} writes wire {out_wire} a second time"),
                ));
            }
            let operand = |input: &mut Input<R>, defined: &[u64]| -> Result<WireId, CircuitError> {
                let z = input.varint("an input wire")?;
                let d = i64::from(z >> 1) ^ -i64::from(z & 1);
                let w = i64::from(out_wire) - d;
                if w < 0 || w as u64 >= num_wires {
                    return Err(err(at, format!("gate {index} reads a wire out of range")));
                }
                let w = w as u32;
                if defined[w as usize / 64] >> (w % 64) & 1 == 0 {
                    return Err(err(
                        at,
                        format!("gate {index} reads wire {w} before it is written"),
                    ));
                }
                Ok(w)
            };
            let gate = match tag & !NEXT_OUT {
                OP_XOR => Gate::Xor {
                    a: operand(&mut self.input, &self.defined)?,
                    b: operand(&mut self.input, &self.defined)?,
                    out: out_wire,
                },
                OP_AND => {
                    self.ands += 1;
                    Gate::And {
                        a: operand(&mut self.input, &self.defined)?,
                        b: operand(&mut self.input, &self.defined)?,
                        out: out_wire,
                    }
                }
                OP_INV => Gate::Inv {
                    a: operand(&mut self.input, &self.defined)?,
                    out: out_wire,
                },
                OP_EQ0 => Gate::Eq {
                    value: false,
                    out: out_wire,
                },
                OP_EQ1 => Gate::Eq {
                    value: true,
                    out: out_wire,
                },
                OP_EQW => Gate::EqW {
                    a: operand(&mut self.input, &self.defined)?,
                    out: out_wire,
                },
                other => {
                    return Err(err(
                        at,
                        format!("gate {index} has an unknown tag 0x{other:02x}"),
                    ));
                }
            };
            self.defined[out_wire as usize / 64] |= 1 << (out_wire % 64);
            self.prev = i64::from(out_wire);
            self.index += 1;
            out.push(gate);
        }
        if let Some(d) = self.digester.as_mut() {
            d.gates(out);
        }
        if out.is_empty() {
            self.finish()?;
            self.done = true;
        }
        Ok(out.len())
    }

    /// The end checks.
    fn finish(&mut self) -> Result<(), CircuitError> {
        let at = self.input.offset();
        let ends = match self.header.plan {
            Some(plan) => at == plan.offset,
            None => self.input.at_end()?,
        };
        if !ends {
            return Err(err(at, "bytes follow the last gate"));
        }
        if self.ands != self.header.and_gates {
            return Err(err(
                28,
                format!(
                    "the header declares {} AND gates, the file has {}",
                    self.header.and_gates, self.ands
                ),
            ));
        }
        let total_out: u64 = self.header.output_sizes.iter().map(|&s| u64::from(s)).sum();
        for w in self.header.num_wires - total_out..self.header.num_wires {
            if !self.is_defined(w as u32) {
                return Err(ShapeError::OutputNeverWritten { wire: w }.into());
            }
        }
        let Some(digester) = self.digester.take() else {
            return Ok(());
        };
        if digester.finish() != self.header.digest {
            return Err(err(
                0,
                "the stored digest is not the digest of the gates: the file is corrupt or was altered",
            ));
        }
        Ok(())
    }
}

/// Reads a binary circuit from `src`; `len` is the total length when known
/// (a file's), which bounds the counts a header may declare. A stored plan
/// must be exactly the plan of the gates (it is planned again and compared).
pub fn read(src: impl Read, len: Option<u64>) -> Result<Circuit, CircuitError> {
    let mut reader = BinaryReader::new(src, len)?;
    let mut gates = Vec::with_capacity((reader.header.num_gates as usize).min(1 << 20));
    let mut chunk = Vec::new();
    while reader.next_chunk(&mut chunk)? > 0 {
        gates.extend_from_slice(&chunk);
    }
    let Header {
        format,
        num_wires,
        input_sizes,
        output_sizes,
        digest,
        plan,
        ..
    } = reader.header.clone();
    let circuit = Circuit::new(num_wires, input_sizes, output_sizes, gates, format)?;
    circuit.set_digest(digest);
    if let Some(plan) = plan {
        // The gates ended at the plan's offset; the plan runs to the end.
        let mut stored = Vec::new();
        (&mut reader.input.src)
            .take(plan.len)
            .read_to_end(&mut stored)
            .map_err(|e| CircuitError::io(None, e))?;
        let have = reader.input.end - reader.input.pos;
        let mut bytes = reader.input.buf[reader.input.pos..reader.input.end].to_vec();
        bytes.extend_from_slice(&stored);
        let mut extra = [0u8; 1];
        let more = reader.input.src.read(&mut extra).unwrap_or(0);
        let mut expected = Vec::new();
        let (_, checksum) = write_plan(
            &mut expected,
            circuit.total_inputs(),
            &mut super::stream::CircuitStream::new(&circuit),
        )
        .map_err(|e| CircuitError::io(None, e))?;
        if bytes.len() as u64 != plan.len || more != 0 || have as u64 > plan.len {
            return Err(err(
                plan.offset,
                "the plan's length does not match the file",
            ));
        }
        if bytes != expected || checksum != plan.checksum {
            return Err(err(
                plan.offset,
                "the stored plan is not the plan of the gates: the file is damaged or was altered",
            ));
        }
    }
    Ok(circuit)
}

/// Reads a binary circuit file.
pub fn read_file(path: &Path) -> Result<Circuit, CircuitError> {
    let file = std::fs::File::open(path).map_err(|e| CircuitError::io(Some(path), e))?;
    let len = file.metadata().ok().map(|m| m.len());
    read(file, len)
}

/// Reads a circuit file in either form, told apart by its first bytes: the
/// binary format ([`MAGIC`]) or Bristol text (either dialect).
pub fn read_any_file(path: &Path) -> Result<Circuit, CircuitError> {
    let mut head = [0u8; 8];
    let n = std::fs::File::open(path)
        .and_then(|mut f| {
            let mut n = 0;
            while n < head.len() {
                match f.read(&mut head[n..])? {
                    0 => break,
                    k => n += k,
                }
            }
            Ok(n)
        })
        .map_err(|e| CircuitError::io(Some(path), e))?;
    if is_binary(&head[..n]) {
        read_file(path)
    } else {
        super::bristol::read_file(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::circuit::bristol;

    fn cmp32() -> Circuit {
        bristol::parse(include_bytes!("../../circuits/cmp32.txt")).unwrap()
    }

    #[test]
    fn round_trips_and_is_compact() {
        let circuit = cmp32();
        let bytes = to_bytes(&circuit);
        assert!(is_binary(&bytes));
        let back = read(&bytes[..], Some(bytes.len() as u64)).unwrap();
        assert_eq!(back.gates(), circuit.gates());
        assert_eq!(back.input_sizes(), circuit.input_sizes());
        assert_eq!(back.digest(), circuit.digest());
        let per_gate = (bytes.len() - 100) as f64 / circuit.gates().len() as f64;
        assert!(per_gate <= 10.0, "{per_gate} bytes per gate");
    }

    #[test]
    fn every_truncation_and_trailing_byte_is_an_error() {
        let bytes = to_bytes(&cmp32());
        for cut in 0..bytes.len() {
            let r = read(&bytes[..cut], Some(cut as u64));
            assert!(r.is_err(), "cut at {cut}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        // The plan runs to the end of the file: a byte more is not its.
        let e = read(&longer[..], None).unwrap_err().to_string();
        assert!(e.contains("plan's length does not match"), "{e}");
    }

    #[test]
    fn altered_gates_fail_the_digest() {
        // Another valid circuit (the first AND made an XOR) under the
        // original's digest: only the digest can notice.
        let circuit = cmp32();
        let mut gates = circuit.gates().to_vec();
        let first_and = gates
            .iter()
            .position(|g| matches!(g, Gate::And { .. }))
            .unwrap();
        if let Gate::And { a, b, out } = gates[first_and] {
            gates[first_and] = Gate::Xor { a, b, out };
        }
        let altered = Circuit::new(
            circuit.num_wires() as u64,
            circuit.input_sizes().to_vec(),
            circuit.output_sizes().to_vec(),
            gates,
            circuit.format(),
        )
        .unwrap();
        let mut bytes = to_bytes(&altered);
        let at = 8 + 4 + 24 + 4 + 4 * 2 + 4 + 4;
        assert_eq!(&bytes[at..at + 32], &altered.digest()[..]);
        bytes[at..at + 32].copy_from_slice(&circuit.digest());
        let e = read(&bytes[..], None).unwrap_err().to_string();
        assert!(e.contains("digest"), "{e}");
    }

    #[test]
    fn bad_headers_are_refused() {
        let bytes = to_bytes(&cmp32());
        let mut bad_magic = bytes.clone();
        bad_magic[1] = b'G';
        assert!(
            read(&bad_magic[..], None)
                .unwrap_err()
                .to_string()
                .contains("magic")
        );
        let mut bad_version = bytes.clone();
        bad_version[8] = 9;
        assert!(
            read(&bad_version[..], None)
                .unwrap_err()
                .to_string()
                .contains("version")
        );
        let mut absurd = bytes.clone();
        absurd[20..28].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(read(&absurd[..], Some(bytes.len() as u64)).is_err());
        let mut many_groups = bytes.clone();
        many_groups[36..40].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(read(&many_groups[..], Some(bytes.len() as u64)).is_err());
    }
}
