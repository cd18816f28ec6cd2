//! Half-gates garbling and evaluation over a [`Plan`], with free XOR and
//! point-and-permute (Zahur–Rosulek–Evans, "Two Halves Make a Whole",
//! EUROCRYPT 2015, ePrint 2014/756, Fig. 2).
//!
//! Per AND gate with input zero-labels `A`, `B`, permute bits `pa = lsb(A)`,
//! `pb = lsb(B)` and tweaks `j = 2g`, `j' = 2g+1` (g = the gate's index among
//! all AND gates garbled under this hash so far), the garbler sends
//! `TG = H(A,j) ⊕ H(A⊕Δ,j) ⊕ pb·Δ` and `TE = H(B,j') ⊕ H(B⊕Δ,j') ⊕ A`, and the
//! output zero-label is `H(A,j) ⊕ pa·TG ⊕ H(B,j') ⊕ pb·(TE ⊕ A)`. The evaluator
//! holding `a`, `b` computes `H(a,j) ⊕ sa·TG ⊕ H(b,j') ⊕ sb·(TE ⊕ a)`.
//!
//! XOR, INV, copies and constants are free: INV flips the garbler's zero label
//! by Δ while the evaluator copies; a constant wire's active label is the public
//! block [`CONST_LABEL`] (its zero label is `CONST_LABEL ⊕ value·Δ`).
//!
//! Tables stream: the garbler hands them to a [`TableSink`] in chunks of
//! [`TABLE_CHUNK_GATES`] gates (the last chunk shorter) and the evaluator pulls
//! exactly the same chunks from a [`TableSource`], so neither side ever holds
//! more than one chunk of tables.

use crate::block::{Block, Delta};
use crate::circuit::CircuitError;
use crate::circuit::plan::{AndGate, Op, Plan};
use crate::circuit::stream::Segment;
use crate::hash::TweakableHash;
use crate::prg::Prg;
use three_halves::ControlBits;
use zeroize::Zeroize;

/// AND gates hashed per call: 16 gates = 64 AES blocks in flight for the
/// garbler, 32 for the evaluator.
pub const BATCH_GATES: usize = 16;

/// AND gates per table chunk handed to a sink (2 blocks each: 32 KiB). Part
/// of the wire format (the evaluator expects frames of exactly this size), so
/// changing it changes [`crate::protocol::handshake::VERSION`]. Small chunks
/// let the evaluator start sooner: AES-128 amortised measured 0.32–0.42 ms
/// per run with 1024, 0.39–0.71 with 2048, 0.42–0.53 with 8192.
pub const TABLE_CHUNK_GATES: usize = 1024;

/// What a streaming party holds instead of a plan.
static EMPTY_PLAN: Plan = Plan::EMPTY;

/// The public active label of every constant wire.
pub const CONST_LABEL: Block = Block(0x6763_3270_635f_636f_6e73_745f_6c61_6265);

/// The garbling scheme both parties run (agreed in the handshake).
///
/// Both keep free XOR and point-and-permute; they differ in what an AND gate
/// costs. The default is half-gates: three-halves sends a quarter less but
/// hashes half as much again, so it wins where the link, not the CPU, sets
/// the pace (see README, "Garbling schemes").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Hash)]
#[non_exhaustive]
pub enum Scheme {
    /// Half-gates (Zahur–Rosulek–Evans 2015): two blocks (32 bytes) per AND
    /// gate; the garbler hashes 4 blocks per gate, the evaluator 2.
    #[default]
    HalfGates,
    /// Three-halves (Rosulek–Roy 2021, module `three_halves`): three half-blocks
    /// and five bits per AND gate (24.625 bytes in a full chunk); the garbler
    /// hashes 6 blocks per gate, the evaluator 3.
    ThreeHalves,
}

impl Scheme {
    /// Every scheme, the default first.
    pub const ALL: [Scheme; 2] = [Scheme::HalfGates, Scheme::ThreeHalves];

    /// The blocks that carry the tables of a chunk of `gates` AND gates.
    pub const fn table_blocks(self, gates: usize) -> usize {
        match self {
            Scheme::HalfGates => 2 * gates,
            Scheme::ThreeHalves => three_halves::table_blocks(gates),
        }
    }

    /// The name used on the command line and in reports.
    pub const fn name(self) -> &'static str {
        match self {
            Scheme::HalfGates => "half-gates",
            Scheme::ThreeHalves => "three-halves",
        }
    }
}

impl core::fmt::Display for Scheme {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}

/// The plan as the gate loops run it: every free gate becomes an XOR of two
/// slots (INV is `a ⊕ [DELTA]`, a copy `a ⊕ [ZERO]`, a constant
/// `[CONST_v] ⊕ [ZERO]`, over four read-only slots after the plan's own, which
/// the garbler fills with 0, Δ, `CONST_LABEL`, `CONST_LABEL ⊕ Δ` and the
/// evaluator with 0, 0, `CONST_LABEL`, `CONST_LABEL`), so the free-gate loop is
/// one branch-free loop over a flat array; the AND runs are unchanged.
#[derive(Debug)]
struct Program {
    /// `[a, b, out]` per free gate, in plan order.
    xors: Vec<[u32; 3]>,
    /// Per step: run `xors[..xor_end]` (from the previous step's end), then
    /// the AND gates `ands[and_start..and_end]` (possibly none).
    steps: Vec<(u32, u32, u32)>,
}

/// The read-only slots after the plan's (see [`Program`]).
const ZERO_SLOT: usize = 0;
const DELTA_SLOT: usize = 1;
const CONST_SLOT: usize = 2;
const EXTRA_SLOTS: usize = 4;

impl Program {
    fn new(plan: &Plan) -> Program {
        let mut program = Program {
            xors: Vec::with_capacity(plan.ops().len()),
            steps: Vec::new(),
        };
        program.rebuild(plan.ops(), plan.num_slots() as u32);
        program
    }

    /// Compiles `ops` with the read-only slots at `extra_base..extra_base + 4`,
    /// reusing this program's buffers.
    fn rebuild(&mut self, ops: &[Op], extra_base: u32) {
        let n = extra_base;
        let (zero, delta) = (n + ZERO_SLOT as u32, n + DELTA_SLOT as u32);
        let (xors, steps) = (&mut self.xors, &mut self.steps);
        xors.clear();
        steps.clear();
        for op in ops {
            match *op {
                Op::Xor { a, b, out } => xors.push([a, b, out]),
                Op::Inv { a, out } => xors.push([a, delta, out]),
                Op::Copy { a, out } => xors.push([a, zero, out]),
                Op::Const { value, out } => {
                    xors.push([n + (CONST_SLOT as u32) + value as u32, zero, out])
                }
                Op::Ands { start, end } => steps.push((xors.len() as u32, start, end)),
            }
        }
        steps.push((xors.len() as u32, 0, 0));
    }

    /// The label array: the plan's slots, then the read-only ones with `delta`
    /// (Δ for the garbler, 0 for the evaluator).
    /// Its length is a power of two, so that [`Program::run_xors`] can mask
    /// slot numbers instead of bounds-checking them.
    fn labels(plan: &Plan, delta: Block) -> Vec<Block> {
        let len = (plan.num_slots() + EXTRA_SLOTS).next_power_of_two();
        let mut labels = vec![Block::ZERO; len];
        set_extras(&mut labels[plan.num_slots()..], delta);
        labels
    }

    /// Runs step `i` up to its AND run: its free gates on `labels`, after
    /// prefetching the labels of the run's first gates; returns the run.
    #[inline]
    fn step<'p>(&self, i: usize, ands: &'p [AndGate], labels: &mut [Block]) -> &'p [AndGate] {
        let from = i.checked_sub(1).map_or(0, |p| self.steps[p].0 as usize);
        let (to, start, end) = self.steps[i];
        let run = &ands[start as usize..end as usize];
        prefetch_gates(labels, &run[..run.len().min(BATCH_GATES)]);
        self.run_xors(labels, from, to as usize);
        run
    }

    /// The labels of the plan's output wires.
    fn outputs(plan: &Plan, labels: &[Block]) -> Vec<Block> {
        gather(labels, plan.output_slots())
    }

    /// Runs the free gates `xors[from..to]` on `labels` (whose length is a
    /// power of two, see [`Program::labels`]). Every slot number is below the
    /// length, so masking it with `len - 1` changes nothing, but it lets the
    /// compiler drop the three bounds checks per gate.
    #[inline]
    fn run_xors(&self, labels: &mut [Block], from: usize, to: usize) {
        debug_assert!(labels.len().is_power_of_two());
        let mask = labels.len() - 1;
        let labels = &mut labels[..=mask];
        for x in &self.xors[from..to] {
            let (a, b, out) = (
                x[0] as usize & mask,
                x[1] as usize & mask,
                x[2] as usize & mask,
            );
            labels[out] = labels[a] ^ labels[b];
        }
    }
}

/// The labels in `slots`, in order.
fn gather(labels: &[Block], slots: &[u32]) -> Vec<Block> {
    slots.iter().map(|&s| labels[s as usize]).collect()
}

/// The read-only slots (see [`Program`]) for a party whose Δ is `delta`
/// (0 for the evaluator).
fn set_extras(extra: &mut [Block], delta: Block) {
    extra[ZERO_SLOT] = Block::ZERO;
    extra[DELTA_SLOT] = delta;
    extra[CONST_SLOT] = CONST_LABEL;
    extra[CONST_SLOT + 1] = CONST_LABEL ^ delta;
}

/// A stream of planned windows ([`crate::circuit::stream`]) to garble or
/// evaluate: both parties must draw the same stream.
pub trait SegmentSource {
    /// Plans the next window into `segment`; `false` when the circuit is done.
    fn next_segment(&mut self, segment: &mut Segment) -> Result<bool, CircuitError>;
    /// The slot of each output wire, once the stream is done.
    fn output_slots(&self) -> Vec<u32>;
}

impl SegmentSource for crate::circuit::stream::CircuitStream<'_> {
    fn next_segment(&mut self, segment: &mut Segment) -> Result<bool, CircuitError> {
        Ok(crate::circuit::stream::CircuitStream::next_segment(
            self, segment,
        ))
    }
    fn output_slots(&self) -> Vec<u32> {
        crate::circuit::stream::CircuitStream::output_slots(self)
    }
}

impl SegmentSource for crate::circuit::stream::FileStream {
    fn next_segment(&mut self, segment: &mut Segment) -> Result<bool, CircuitError> {
        crate::circuit::stream::FileStream::next_segment(self, segment)
    }
    fn output_slots(&self) -> Vec<u32> {
        crate::circuit::stream::FileStream::output_slots(self)
    }
}

/// What a garbler or evaluator runs next: the whole plan once, or the
/// windows of a stream one by one (each installed into the party's program
/// and label array before its AND gates are handed back).
trait Feed {
    /// Installs the next piece into `program` / `labels` (whose read-only
    /// slots hold `delta`); returns its AND gates, or `None` at the end.
    fn next(
        &mut self,
        program: &mut Program,
        labels: &mut Vec<Block>,
        delta: Block,
    ) -> Result<Option<&[AndGate]>, CircuitError>;
}

/// A whole plan, whose program is built once with the party.
struct PlanFeed<'p> {
    plan: Option<&'p Plan>,
}

impl Feed for PlanFeed<'_> {
    fn next(
        &mut self,
        _: &mut Program,
        _: &mut Vec<Block>,
        _: Block,
    ) -> Result<Option<&[AndGate]>, CircuitError> {
        Ok(self.plan.take().map(|plan| plan.ands()))
    }
}

/// The windows of a stream: the label array grows to a power of two with the
/// read-only slots in its last four places.
struct StreamFeed<'s, S: SegmentSource> {
    source: &'s mut S,
    segment: Segment,
}

impl<S: SegmentSource> Feed for StreamFeed<'_, S> {
    fn next(
        &mut self,
        program: &mut Program,
        labels: &mut Vec<Block>,
        delta: Block,
    ) -> Result<Option<&[AndGate]>, CircuitError> {
        if !self.source.next_segment(&mut self.segment)? {
            return Ok(None);
        }
        // The window's free gates and runs move into the program (their
        // buffers trade places, nothing is copied); only its AND gates are
        // read from the segment again.
        grow_labels(labels, self.segment.num_slots(), delta);
        self.segment
            .lend_program(&mut program.xors, &mut program.steps);
        program.steps.push((program.xors.len() as u32, 0, 0));
        Ok(Some(self.segment.ands()))
    }
}

/// One planned window handed in by the caller (a program's context).
struct OneSegment<'s> {
    segment: Option<&'s Segment>,
}

impl Feed for OneSegment<'_> {
    fn next(
        &mut self,
        program: &mut Program,
        labels: &mut Vec<Block>,
        delta: Block,
    ) -> Result<Option<&[AndGate]>, CircuitError> {
        Ok(self.segment.take().map(|segment| {
            install(segment, program, labels, delta);
            segment.ands()
        }))
    }
}

/// Installs `segment` into `program`, growing `labels` to hold its slots.
/// The segment's free gates are already in the program's form: its symbolic
/// read-only slots ([`crate::circuit::stream::SLOT_ZERO`] …) are the top
/// four slots of the `u32` range, which [`Program::run_xors`]'s mask turns
/// into the last four places of the label array, where a stream's read-only
/// slots are; so they are copied, not rebuilt.
fn install(segment: &Segment, program: &mut Program, labels: &mut Vec<Block>, delta: Block) {
    grow_labels(labels, segment.num_slots(), delta);
    program.xors.clear();
    program.xors.extend_from_slice(segment.xors());
    program.steps.clear();
    program.steps.extend_from_slice(segment.runs());
    program.steps.push((program.xors.len() as u32, 0, 0));
}

/// Grows a stream's label array (a power of two long, the read-only slots in
/// its last places) to hold `slots` slots; the old array is zeroized.
fn grow_labels(labels: &mut Vec<Block>, slots: usize, delta: Block) {
    let needed = slots + EXTRA_SLOTS;
    if needed > labels.len() {
        let len = needed.next_power_of_two();
        let old = labels.len() - EXTRA_SLOTS;
        let mut grown = vec![Block::ZERO; len];
        grown[..old].copy_from_slice(&labels[..old]);
        labels.zeroize();
        *labels = grown;
        set_extras(&mut labels[len - EXTRA_SLOTS..], delta);
    }
}

/// Puts `values` into `slots` of a stream's label array (growing it).
fn place(labels: &mut Vec<Block>, slots: &[u32], values: &[Block], delta: Block) {
    assert_eq!(slots.len(), values.len());
    let top = slots.iter().map(|&s| s as usize + 1).max().unwrap_or(0);
    grow_labels(labels, top, delta);
    for (&s, &l) in slots.iter().zip(values) {
        labels[s as usize] = l;
    }
}

/// A label array for a stream with `num_inputs` inputs: the inputs first,
/// the read-only slots last, a power of two long.
fn stream_labels(num_inputs: usize, delta: Block) -> Vec<Block> {
    let len = (num_inputs + EXTRA_SLOTS).next_power_of_two().max(64);
    let mut labels = vec![Block::ZERO; len];
    set_extras(&mut labels[len - EXTRA_SLOTS..], delta);
    labels
}

/// Where the garbler's tables go (a channel, a buffer, or nowhere).
pub trait TableSink {
    /// The sink's error.
    type Error;
    /// Takes the next chunk of tables, two blocks per AND gate in gate order.
    fn send_tables(&mut self, tables: &[Block]) -> Result<(), Self::Error>;
}

/// Where the evaluator's tables come from.
pub trait TableSource {
    /// The source's error.
    type Error;
    /// The next chunk of exactly `len` blocks, as the garbler sent it in the
    /// matching `send_tables` call. The evaluator reads it in place (a source
    /// in memory lends its own blocks, a channel the buffer it received into)
    /// until it asks for the next chunk.
    fn next_tables(&mut self, len: usize) -> Result<&[Block], Self::Error>;
}

/// Keeps every table in memory (tests, benches).
impl TableSink for Vec<Block> {
    type Error = core::convert::Infallible;
    fn send_tables(&mut self, tables: &[Block]) -> Result<(), Self::Error> {
        self.extend_from_slice(tables);
        Ok(())
    }
}

/// Discards the tables (throughput benchmarks).
#[derive(Debug, Default, Clone, Copy)]
pub struct DiscardSink;

impl TableSink for DiscardSink {
    type Error = core::convert::Infallible;
    fn send_tables(&mut self, _tables: &[Block]) -> Result<(), Self::Error> {
        Ok(())
    }
}

/// Reads tables from a slice, in order (tests, benches).
#[derive(Debug, Clone)]
pub struct SliceSource<'a> {
    tables: &'a [Block],
}

impl<'a> SliceSource<'a> {
    /// A source over `tables`.
    pub fn new(tables: &'a [Block]) -> Self {
        SliceSource { tables }
    }
}

/// The slice ran out before the circuit did.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("the garbled tables ended early")]
pub struct TablesExhausted;

impl TableSource for SliceSource<'_> {
    type Error = TablesExhausted;
    fn next_tables(&mut self, len: usize) -> Result<&[Block], Self::Error> {
        if self.tables.len() < len {
            return Err(TablesExhausted);
        }
        let (head, rest) = self.tables.split_at(len);
        self.tables = rest;
        Ok(head)
    }
}

/// Why garbling or evaluation stopped.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum GarbleError<E> {
    /// The caller gave the wrong number of input labels.
    #[error("expected {expected} input labels, got {got}")]
    InputCount {
        /// Labels the circuit needs.
        expected: usize,
        /// Labels given.
        got: usize,
    },
    /// The sink or source failed.
    #[error(transparent)]
    Tables(E),
    /// The source returned a chunk of the wrong length.
    #[error("a chunk of garbled tables had {got} blocks, expected {expected}")]
    ChunkLength {
        /// Blocks the chunk must have.
        expected: usize,
        /// Blocks it had.
        got: usize,
    },
    /// The stream of gates failed (a file broke off or lied mid-way).
    #[error("the circuit stream failed: {0}")]
    Source(CircuitError),
}

/// The garbler's side: holds Δ and the zero label of every live wire.
pub struct Garbler<'p> {
    plan: &'p Plan,
    program: Program,
    hash: TweakableHash,
    delta: Delta,
    labels: Vec<Block>,
    scheme: Scheme,
    /// The chunk's tables as sent (half-gates writes them here directly,
    /// two blocks per gate; three-halves its halves, then the packed
    /// `control` bits).
    tables: Vec<Block>,
    /// Three-halves: the chunk's gates' control bits before packing.
    control: ControlBits,
    /// Three-halves: the secret random bits of each gate (two per gate).
    dicing: Option<Prg>,
    /// Three-halves: Δ's share of each garbling rule (a secret, like Δ).
    delta_rows: [[Block; 3]; 16],
    /// AND gates of the current chunk garbled so far.
    filled: usize,
    next_gate: u64,
}

impl<'p> Garbler<'p> {
    /// A garbler for streams ([`Garbler::garble_stream`]) with secret
    /// `delta`; `hash` as for [`Garbler::new`].
    pub fn streaming(hash: TweakableHash, delta: Delta) -> Garbler<'static> {
        Garbler::new(&EMPTY_PLAN, hash, delta)
    }

    /// A garbler for `plan` with secret `delta`. Both sides must build `hash`
    /// with the same kind and seed.
    pub fn new(plan: &'p Plan, hash: TweakableHash, delta: Delta) -> Self {
        Garbler {
            plan,
            program: Program::new(plan),
            hash,
            labels: Program::labels(plan, delta.block()),
            delta,
            scheme: Scheme::HalfGates,
            tables: vec![Block::ZERO; Scheme::HalfGates.table_blocks(TABLE_CHUNK_GATES)],
            control: ControlBits::default(),
            dicing: None,
            delta_rows: [[Block::ZERO; 3]; 16],
            filled: 0,
            next_gate: 0,
        }
    }

    /// Garbles with `scheme` (the default is half-gates); the evaluator must
    /// use the same. Three-halves needs two secret random bits per gate:
    /// they come from a generator seeded from `rng` (which should be seeded
    /// by the operating system, as the session's is).
    pub fn with_scheme(mut self, scheme: Scheme, rng: &mut Prg) -> Self {
        self.scheme = scheme;
        self.tables = vec![Block::ZERO; scheme.table_blocks(TABLE_CHUNK_GATES)];
        match scheme {
            Scheme::HalfGates => {
                self.control = ControlBits::default();
                self.dicing = None;
            }
            Scheme::ThreeHalves => {
                self.control = ControlBits::new(TABLE_CHUNK_GATES);
                self.dicing = Some(Prg::new(rng.random_block()));
                self.delta_rows = three_halves::delta_rows(self.delta.block());
            }
        }
        self
    }

    /// The scheme in use.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// Garbles the circuit once, given the zero label of every input wire (all
    /// groups in order), and returns the zero label of every output wire.
    /// Each call uses fresh tweaks, so one garbler (and one Δ) may garble the
    /// circuit many times; the evaluator must make the same calls in order.
    pub fn garble<S: TableSink>(
        &mut self,
        input_zero_labels: &[Block],
        sink: &mut S,
    ) -> Result<Vec<Block>, GarbleError<S::Error>> {
        let plan = self.plan;
        if input_zero_labels.len() != plan.num_inputs() {
            return Err(GarbleError::InputCount {
                expected: plan.num_inputs(),
                got: input_zero_labels.len(),
            });
        }
        self.labels[..input_zero_labels.len()].copy_from_slice(input_zero_labels);
        self.run(&mut PlanFeed { plan: Some(plan) }, sink)?;
        Ok(Program::outputs(plan, &self.labels))
    }

    /// Garbles a circuit that arrives as a stream of planned windows
    /// ([`crate::circuit::stream`]), holding only the live labels and one
    /// window at a time: the zero labels of the inputs, then each window as
    /// the source plans it. Returns the zero labels of the outputs. Use a
    /// garbler made with [`Garbler::streaming`].
    pub fn garble_stream<S: TableSink, Src: SegmentSource>(
        &mut self,
        input_zero_labels: &[Block],
        source: &mut Src,
        sink: &mut S,
    ) -> Result<Vec<Block>, GarbleError<S::Error>> {
        let delta = self.delta.block();
        self.labels.zeroize();
        self.labels = stream_labels(input_zero_labels.len(), delta);
        self.labels[..input_zero_labels.len()].copy_from_slice(input_zero_labels);
        self.run(
            &mut StreamFeed {
                source,
                segment: Segment::default(),
            },
            sink,
        )?;
        Ok(gather(&self.labels, &source.output_slots()))
    }

    /// Starts a stream driven piece by piece (a program's context,
    /// [`crate::secure`]): no slots yet. Then [`Garbler::set_labels`] for
    /// inputs and [`Garbler::garble_segment`] per window, in any order.
    pub fn begin_pieces(&mut self) {
        self.labels.zeroize();
        self.labels = stream_labels(0, self.delta.block());
    }

    /// Puts the zero labels `zero` into `slots` (growing the label array).
    pub fn set_labels(&mut self, slots: &[u32], zero: &[Block]) {
        place(&mut self.labels, slots, zero, self.delta.block());
    }

    /// The zero labels in `slots`.
    pub fn labels_at(&self, slots: &[u32]) -> Vec<Block> {
        gather(&self.labels, slots)
    }

    /// Garbles one planned window, its tables to `sink` (the last chunk of
    /// the window is sent at its end).
    pub fn garble_segment<S: TableSink>(
        &mut self,
        segment: &Segment,
        sink: &mut S,
    ) -> Result<(), GarbleError<S::Error>> {
        self.run(
            &mut OneSegment {
                segment: Some(segment),
            },
            sink,
        )
    }

    /// Garbles every piece `feed` hands out, tables to `sink` in chunks of
    /// [`TABLE_CHUNK_GATES`] (the last one shorter).
    fn run<S: TableSink>(
        &mut self,
        feed: &mut impl Feed,
        sink: &mut S,
    ) -> Result<(), GarbleError<S::Error>> {
        let delta = self.delta.block();
        while let Some(ands) = feed
            .next(&mut self.program, &mut self.labels, delta)
            .map_err(GarbleError::Source)?
        {
            for i in 0..self.program.steps.len() {
                let mut run = self.program.step(i, ands, &mut self.labels);
                while !run.is_empty() {
                    let room = TABLE_CHUNK_GATES - self.filled;
                    let (piece, rest) = run.split_at(run.len().min(room));
                    match self.scheme {
                        Scheme::HalfGates => self.garble_gates(piece),
                        Scheme::ThreeHalves => self.garble_gates_3h(piece),
                    }
                    run = rest;
                    if self.filled == TABLE_CHUNK_GATES {
                        self.flush(sink)?;
                    }
                }
            }
        }
        if self.filled > 0 {
            self.flush(sink)?;
        }
        Ok(())
    }

    /// Sends the chunk's tables (three-halves: its control bits packed in
    /// first).
    fn flush<S: TableSink>(&mut self, sink: &mut S) -> Result<(), GarbleError<S::Error>> {
        let n = core::mem::take(&mut self.filled);
        let out = &mut self.tables[..self.scheme.table_blocks(n)];
        if self.scheme == Scheme::ThreeHalves {
            self.control.pack(n, out);
        }
        sink.send_tables(out).map_err(GarbleError::Tables)
    }

    /// Three-halves: garbles `gates` (independent; they fit in the chunk)
    /// as the chunk's gates `filled..`: with a fused kernel where there is one
    /// (TCCR on AES-NI or VAES), else in hash calls of [`BATCH_GATES`] gates.
    fn garble_gates_3h(&mut self, gates: &[AndGate]) {
        let (from, to) = (self.filled, self.filled + gates.len());
        // The halves go in place into the chunk's blocks, from word 3·from.
        let halves = &mut self.tables[..];
        let bits = &mut self.control.bits[from..to];
        self.filled += gates.len();
        let delta = self.delta.block();
        let t0 = 3 * self.next_gate;
        self.next_gate += gates.len() as u64;
        // Two secret random bits per gate (the low two of each byte), which
        // the gate's control bits then replace.
        self.dicing
            .as_mut()
            .expect("three-halves has its generator")
            .fill_bytes(bits);
        let deltas = &self.delta_rows;
        let labels = &mut self.labels;
        #[cfg(target_arch = "x86_64")]
        if let Some((isa, rk)) = self.hash.tccr_x86_keys() {
            x86::garble_3h(
                isa, rk, delta, deltas, t0, labels, gates, halves, from, bits,
            );
            return;
        }
        let (mut t, mut word) = (t0, 3 * from);
        for ((batch, next), bits) in batches(gates).zip(bits.chunks_mut(BATCH_GATES)) {
            let tables = (&mut *halves, word, bits);
            garble_batch_3h(&self.hash, labels, batch, next, delta, deltas, t, tables);
            t += 3 * batch.len() as u64;
            word += 3 * batch.len();
        }
    }

    /// Garbles `gates` (independent; they fit in the table buffer) into
    /// `tables[filled..]`: with a fused kernel where there is one (TCCR on
    /// AES-NI or VAES), else in hash calls of [`BATCH_GATES`] gates.
    fn garble_gates(&mut self, gates: &[AndGate]) {
        let tables = &mut self.tables[2 * self.filled..2 * (self.filled + gates.len())];
        self.filled += gates.len();
        let (t0, delta) = (2 * self.next_gate, self.delta.block());
        self.next_gate += gates.len() as u64;
        #[cfg(target_arch = "x86_64")]
        if let Some((isa, rk)) = self.hash.tccr_x86_keys() {
            x86::garble(isa, rk, delta, t0, &mut self.labels, gates, tables);
            return;
        }
        let mut t = t0;
        for ((batch, next), tables) in batches(gates).zip(tables.chunks_mut(2 * BATCH_GATES)) {
            garble_batch(&self.hash, &mut self.labels, batch, next, delta, t, tables);
            t += 2 * batch.len() as u64;
        }
    }
}

/// The half-gates AND gate, the scalar reference every kernel must match
/// (the fused x86 kernels are checked against the batches that call it):
/// zero labels `a`, `b`, and `h` = `H(A,j), H(A⊕Δ,j), H(B,j'), H(B⊕Δ,j')`;
/// returns the output zero label and the tables `[TG, TE]`.
#[inline(always)]
pub(crate) fn half_gate(a: Block, b: Block, delta: Block, h: &[Block]) -> (Block, [Block; 2]) {
    let (pa, pb) = (a.lsb(), b.lsb());
    let tg = h[0] ^ h[1] ^ delta.select(pb);
    let te = h[2] ^ h[3] ^ a;
    (h[0] ^ tg.select(pa) ^ h[2] ^ (te ^ a).select(pb), [tg, te])
}

/// The evaluator's half of [`half_gate`]: active labels `a`, `b`, `h` =
/// `H(a,j), H(b,j')` and the tables `t`; returns the active output label.
#[inline(always)]
pub(crate) fn half_gate_evaluate(a: Block, b: Block, h: &[Block], t: &[Block]) -> Block {
    h[0] ^ t[0].select(a.lsb()) ^ h[1] ^ (t[1] ^ a).select(b.lsb())
}

/// Garbles up to `BATCH_GATES` independent AND gates with one hash call from
/// tweak `t0`, prefetching the labels of `next` (the following batch).
#[inline]
fn garble_batch(
    hash: &TweakableHash,
    labels: &mut [Block],
    batch: &[AndGate],
    next: &[AndGate],
    delta: Block,
    t0: u64,
    tables: &mut [Block],
) {
    let n = batch.len();
    assert!(n <= BATCH_GATES && tables.len() == 2 * n);
    let mut inputs = [Block::ZERO; 2 * BATCH_GATES];
    for (gate, ab) in batch.iter().zip(inputs.chunks_exact_mut(2)) {
        ab[0] = labels[gate.a as usize];
        ab[1] = labels[gate.b as usize];
    }
    prefetch_gates(labels, next);
    // H(A,2g), H(A⊕Δ,2g), H(B,2g+1), H(B⊕Δ,2g+1) per gate.
    let mut hashed = [Block::ZERO; 4 * BATCH_GATES];
    hash.hash_pairs_delta(t0, delta, &inputs[..2 * n], &mut hashed[..4 * n]);
    for (((gate, ab), h), t) in batch
        .iter()
        .zip(inputs.chunks_exact(2))
        .zip(hashed.chunks_exact(4))
        .zip(tables.chunks_exact_mut(2))
    {
        let (out, [tg, te]) = half_gate(ab[0], ab[1], delta, h);
        t[0] = tg;
        t[1] = te;
        // Written after the batch's inputs were read; see plan.rs on slots.
        labels[gate.out as usize] = out;
    }
}

/// Three-halves: garbles up to `BATCH_GATES` independent AND gates with one
/// hash call from tweak `t0` (three tweaks per gate), their halves to
/// `halves` from `word` on ([`three_halves::word`]); each gate's byte of
/// `bits` holds its two random bits on entry and its control bits on return.
#[allow(clippy::too_many_arguments)]
#[inline]
fn garble_batch_3h(
    hash: &TweakableHash,
    labels: &mut [Block],
    batch: &[AndGate],
    next: &[AndGate],
    delta: Block,
    deltas: &[[Block; 3]; 16],
    t0: u64,
    (halves, word, bits): (&mut [Block], usize, &mut [u8]),
) {
    let n = batch.len();
    assert!(n <= BATCH_GATES && bits.len() == n);
    let mut inputs = gather_3h(labels, batch);
    prefetch_gates(labels, next);
    // H(A0,3g), H(A1,3g), H(B0,3g+1), H(B1,3g+1), H(A0⊕B0,3g+2),
    // H(A0⊕B0⊕Δ,3g+2) per gate.
    let mut hashed = [Block::ZERO; 6 * BATCH_GATES];
    hash.hash_pairs_delta(t0, delta, &inputs[..3 * n], &mut hashed[..6 * n]);
    for (i, (((gate, x), h), z)) in batch
        .iter()
        .zip(inputs.chunks_exact(3))
        .zip(hashed.chunks_exact(6))
        .zip(bits.iter_mut())
        .enumerate()
    {
        let (out, g, bits) = three_halves::garble_gate(x[0], x[1], *z, deltas, h);
        for (k, g) in g.into_iter().enumerate() {
            three_halves::set_word(halves, word + 3 * i + k, g);
        }
        *z = bits;
        labels[gate.out as usize] = out;
    }
    inputs.zeroize();
    hashed.zeroize();
}

/// Three-halves: the labels `a`, `b` and `a ⊕ b` of each gate of `batch`
/// (up to `BATCH_GATES`), in order.
#[inline(always)]
fn gather_3h(labels: &[Block], batch: &[AndGate]) -> [Block; 3 * BATCH_GATES] {
    let mut inputs = [Block::ZERO; 3 * BATCH_GATES];
    for (gate, x) in batch.iter().zip(inputs.chunks_exact_mut(3)) {
        x[0] = labels[gate.a as usize];
        x[1] = labels[gate.b as usize];
        x[2] = x[0] ^ x[1];
    }
    inputs
}

impl Drop for Garbler<'_> {
    fn drop(&mut self) {
        self.labels.zeroize();
        self.delta_rows.zeroize();
    }
}

impl core::fmt::Debug for Garbler<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Garbler(<secret>)")
    }
}

/// The evaluator's side: holds one active label per live wire.
pub struct Evaluator<'p> {
    plan: &'p Plan,
    program: Program,
    hash: TweakableHash,
    labels: Vec<Block>,
    scheme: Scheme,
    /// Three-halves: the current chunk's control bits, unpacked (its halves
    /// are read in place).
    control: ControlBits,
    next_gate: u64,
}

impl<'p> Evaluator<'p> {
    /// An evaluator for streams ([`Evaluator::evaluate_stream`]); `hash`
    /// must match the garbler's.
    pub fn streaming(hash: TweakableHash) -> Evaluator<'static> {
        Evaluator::new(&EMPTY_PLAN, hash)
    }

    /// An evaluator for `plan`; `hash` must match the garbler's.
    pub fn new(plan: &'p Plan, hash: TweakableHash) -> Self {
        Evaluator {
            plan,
            program: Program::new(plan),
            hash,
            labels: Program::labels(plan, Block::ZERO),
            scheme: Scheme::HalfGates,
            control: ControlBits::default(),
            next_gate: 0,
        }
    }

    /// Evaluates tables garbled with `scheme` (the default is half-gates).
    pub fn with_scheme(mut self, scheme: Scheme) -> Self {
        self.scheme = scheme;
        self.control = match scheme {
            Scheme::HalfGates => ControlBits::default(),
            Scheme::ThreeHalves => ControlBits::new(TABLE_CHUNK_GATES),
        };
        self
    }

    /// The scheme in use.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// Evaluates the garbled circuit once, given the active label of every input
    /// wire, and returns the active label of every output wire.
    pub fn evaluate<S: TableSource>(
        &mut self,
        input_labels: &[Block],
        source: &mut S,
    ) -> Result<Vec<Block>, GarbleError<S::Error>> {
        let plan = self.plan;
        if input_labels.len() != plan.num_inputs() {
            return Err(GarbleError::InputCount {
                expected: plan.num_inputs(),
                got: input_labels.len(),
            });
        }
        self.labels[..input_labels.len()].copy_from_slice(input_labels);
        self.run(&mut PlanFeed { plan: Some(plan) }, plan.and_count(), source)?;
        Ok(Program::outputs(plan, &self.labels))
    }

    /// Evaluates a circuit that arrives as a stream of planned windows (the
    /// same stream as the garbler's) with `and_gates` AND gates in all,
    /// holding only the live labels and one window at a time. Use an
    /// evaluator made with [`Evaluator::streaming`].
    pub fn evaluate_stream<S: TableSource, Src: SegmentSource>(
        &mut self,
        input_labels: &[Block],
        and_gates: usize,
        segments: &mut Src,
        source: &mut S,
    ) -> Result<Vec<Block>, GarbleError<S::Error>> {
        self.labels.zeroize();
        self.labels = stream_labels(input_labels.len(), Block::ZERO);
        self.labels[..input_labels.len()].copy_from_slice(input_labels);
        self.run(
            &mut StreamFeed {
                source: segments,
                segment: Segment::default(),
            },
            and_gates,
            source,
        )?;
        Ok(gather(&self.labels, &segments.output_slots()))
    }

    /// Starts a stream driven piece by piece (see [`Garbler::begin_pieces`]).
    pub fn begin_pieces(&mut self) {
        self.labels.zeroize();
        self.labels = stream_labels(0, Block::ZERO);
    }

    /// Puts the active labels `active` into `slots` (growing the label array).
    pub fn set_labels(&mut self, slots: &[u32], active: &[Block]) {
        place(&mut self.labels, slots, active, Block::ZERO);
    }

    /// The active labels in `slots`.
    pub fn labels_at(&self, slots: &[u32]) -> Vec<Block> {
        gather(&self.labels, slots)
    }

    /// Evaluates one planned window (the garbler's same window), pulling the
    /// chunks [`Garbler::garble_segment`] sent for it.
    pub fn evaluate_segment<S: TableSource>(
        &mut self,
        segment: &Segment,
        source: &mut S,
    ) -> Result<(), GarbleError<S::Error>> {
        let and_gates = segment.ands().len();
        self.run(
            &mut OneSegment {
                segment: Some(segment),
            },
            and_gates,
            source,
        )
    }

    /// Evaluates every piece `feed` hands out, pulling exactly the chunks the
    /// garbler sent for `and_gates` AND gates.
    fn run<S: TableSource>(
        &mut self,
        feed: &mut impl Feed,
        and_gates: usize,
        source: &mut S,
    ) -> Result<(), GarbleError<S::Error>> {
        let mut remaining = and_gates;
        // The current chunk: its gates not yet evaluated, and (half-gates)
        // their tables, read in place, or (three-halves) the chunk, whose
        // halves are read in place, and the first unread gate.
        let mut unread = 0usize;
        let mut tables: &[Block] = &[];
        let mut next_3h = 0usize;
        while let Some(ands) = feed
            .next(&mut self.program, &mut self.labels, Block::ZERO)
            .map_err(GarbleError::Source)?
        {
            for i in 0..self.program.steps.len() {
                let mut run = self.program.step(i, ands, &mut self.labels);
                while !run.is_empty() {
                    if unread == 0 {
                        // The next chunk, exactly as the garbler sent it.
                        let gates = remaining.min(TABLE_CHUNK_GATES);
                        if gates == 0 {
                            return Err(GarbleError::Source(CircuitError::Shape(
                                crate::circuit::ShapeError::AndGates { more: true },
                            )));
                        }
                        let expected = self.scheme.table_blocks(gates);
                        let chunk = source.next_tables(expected).map_err(GarbleError::Tables)?;
                        if chunk.len() != expected {
                            return Err(GarbleError::ChunkLength {
                                expected,
                                got: chunk.len(),
                            });
                        }
                        tables = chunk;
                        if self.scheme == Scheme::ThreeHalves {
                            self.control.unpack(chunk, gates);
                            next_3h = 0;
                        }
                        unread = gates;
                        remaining -= gates;
                    }
                    let n = run.len().min(unread);
                    let (piece, rest) = run.split_at(n);
                    match self.scheme {
                        Scheme::HalfGates => {
                            let (chunk, after) = tables.split_at(2 * n);
                            self.evaluate_gates(piece, chunk);
                            tables = after;
                        }
                        Scheme::ThreeHalves => {
                            self.evaluate_gates_3h(piece, tables, next_3h);
                            next_3h += n;
                        }
                    }
                    unread -= n;
                    run = rest;
                }
            }
        }
        if remaining > 0 || unread > 0 {
            return Err(GarbleError::Source(CircuitError::Shape(
                crate::circuit::ShapeError::AndGates { more: false },
            )));
        }
        Ok(())
    }

    /// Three-halves: evaluates `gates` (independent), the chunk's gates
    /// `from..` in `chunk` (halves read in place, control bits unpacked):
    /// with a fused kernel where there is one, else in hash calls of
    /// [`BATCH_GATES`] gates.
    fn evaluate_gates_3h(&mut self, gates: &[AndGate], chunk: &[Block], from: usize) {
        let t0 = 3 * self.next_gate;
        self.next_gate += gates.len() as u64;
        let bits = &self.control.bits[from..from + gates.len()];
        #[cfg(target_arch = "x86_64")]
        if let Some((isa, rk)) = self.hash.tccr_x86_keys() {
            x86::evaluate_3h(isa, rk, t0, &mut self.labels, gates, chunk, from, bits);
            return;
        }
        let (mut t, mut word) = (t0, 3 * from);
        for ((batch, next), bits) in batches(gates).zip(bits.chunks(BATCH_GATES)) {
            let tables = (chunk, word, bits);
            evaluate_batch_3h(&self.hash, &mut self.labels, batch, next, t, tables);
            t += 3 * batch.len() as u64;
            word += 3 * batch.len();
        }
    }

    /// Evaluates `gates` (independent) with their `tables` (two blocks per
    /// gate): with a fused kernel where there is one, else in hash calls of
    /// [`BATCH_GATES`] gates.
    fn evaluate_gates(&mut self, gates: &[AndGate], tables: &[Block]) {
        debug_assert_eq!(tables.len(), 2 * gates.len());
        let t0 = 2 * self.next_gate;
        self.next_gate += gates.len() as u64;
        #[cfg(target_arch = "x86_64")]
        if let Some((isa, rk)) = self.hash.tccr_x86_keys() {
            x86::evaluate(isa, rk, t0, &mut self.labels, gates, tables);
            return;
        }
        let mut t = t0;
        for ((batch, next), tables) in batches(gates).zip(tables.chunks(2 * BATCH_GATES)) {
            evaluate_batch(&self.hash, &mut self.labels, batch, next, t, tables);
            t += 2 * batch.len() as u64;
        }
    }
}

/// Evaluates up to `BATCH_GATES` independent AND gates with one hash call from
/// tweak `t0`, prefetching the labels of `next`.
#[inline]
fn evaluate_batch(
    hash: &TweakableHash,
    labels: &mut [Block],
    batch: &[AndGate],
    next: &[AndGate],
    t0: u64,
    tables: &[Block],
) {
    let n = batch.len();
    assert!(n <= BATCH_GATES && tables.len() == 2 * n);
    let mut inputs = [Block::ZERO; 2 * BATCH_GATES];
    for (gate, ab) in batch.iter().zip(inputs.chunks_exact_mut(2)) {
        ab[0] = labels[gate.a as usize];
        ab[1] = labels[gate.b as usize];
    }
    prefetch_gates(labels, next);
    // H(a,2g), H(b,2g+1) per gate.
    let mut hashed = inputs;
    hash.hash_consecutive(t0, &mut hashed[..2 * n]);
    for (((gate, ab), h), t) in batch
        .iter()
        .zip(inputs.chunks_exact(2))
        .zip(hashed.chunks_exact(2))
        .zip(tables.chunks_exact(2))
    {
        labels[gate.out as usize] = half_gate_evaluate(ab[0], ab[1], h, t);
    }
}

/// Three-halves: evaluates up to `BATCH_GATES` independent AND gates with one
/// hash call from tweak `t0` (three tweaks per gate).
#[inline]
fn evaluate_batch_3h(
    hash: &TweakableHash,
    labels: &mut [Block],
    batch: &[AndGate],
    next: &[AndGate],
    t0: u64,
    (halves, word, bits): (&[Block], usize, &[u8]),
) {
    let n = batch.len();
    assert!(n <= BATCH_GATES && bits.len() == n);
    let inputs = gather_3h(labels, batch);
    prefetch_gates(labels, next);
    // H(A,3g), H(B,3g+1), H(A⊕B,3g+2) per gate.
    let mut hashed = inputs;
    hash.hash_consecutive(t0, &mut hashed[..3 * n]);
    for (i, (((gate, x), h), &z)) in batch
        .iter()
        .zip(inputs.chunks_exact(3))
        .zip(hashed.chunks_exact(3))
        .zip(bits)
        .enumerate()
    {
        let g = core::array::from_fn(|k| three_halves::word(halves, word + 3 * i + k));
        labels[gate.out as usize] = three_halves::evaluate_gate(x[0], x[1], h, g, z);
    }
}

impl Drop for Evaluator<'_> {
    fn drop(&mut self) {
        self.labels.zeroize();
    }
}

impl core::fmt::Debug for Evaluator<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Evaluator(<secret>)")
    }
}

/// Asks the CPU to bring `blocks[index]` into the cache (an index past the end
/// is harmless). The label arrays of large circuits do not fit in the caches
/// and the plan's slots are read in no particular order, so without this most
/// label reads wait on a miss; the VAES evaluator prefetches tables with it.
#[inline(always)]
pub(crate) fn prefetch(blocks: &[Block], index: u32) {
    #[cfg(target_arch = "x86_64")]
    {
        use core::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        let p = blocks.as_ptr().wrapping_add(index as usize);
        // SAFETY: `prefetcht0` is SSE, part of the x86-64 baseline (no run-time
        // check needed); a prefetch never faults and never changes memory, so
        // any address is allowed.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(p.cast()) }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (blocks, index);
}

/// Prefetches the input and output labels of `gates`.
#[inline(always)]
fn prefetch_gates(labels: &[Block], gates: &[AndGate]) {
    for gate in gates {
        prefetch(labels, gate.a);
        prefetch(labels, gate.b);
        prefetch(labels, gate.out);
    }
}

/// Splits an AND run into batches of [`BATCH_GATES`], each with the batch after
/// it (empty for the last), so that a batch can prefetch the next one.
#[inline]
fn batches(run: &[AndGate]) -> impl Iterator<Item = (&[AndGate], &[AndGate])> {
    let mut rest = run;
    core::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let (batch, after) = rest.split_at(rest.len().min(BATCH_GATES));
        rest = after;
        Some((batch, &after[..after.len().min(BATCH_GATES)]))
    })
}

/// The decoding bits the garbler sends: lsb of each output zero label.
pub fn decoding_bits(output_zero_labels: &[Block]) -> Vec<bool> {
    output_zero_labels.iter().map(|l| l.lsb()).collect()
}

/// The decoding bits and the output labels differ in number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{labels} output labels but {bits} decoding bits")]
pub struct DecodeLengths {
    /// Output labels given.
    pub labels: usize,
    /// Decoding bits given.
    pub bits: usize,
}

/// The evaluator's output bits from its output labels and the decoding bits
/// (one per label; anything else is an error, not a shorter output).
pub fn decode(output_labels: &[Block], decoding: &[bool]) -> Result<Vec<bool>, DecodeLengths> {
    if output_labels.len() != decoding.len() {
        return Err(DecodeLengths {
            labels: output_labels.len(),
            bits: decoding.len(),
        });
    }
    Ok(output_labels
        .iter()
        .zip(decoding)
        .map(|(l, &d)| l.lsb() ^ d)
        .collect())
}

#[cfg(test)]
mod tests;
pub(crate) mod three_halves;
#[cfg(target_arch = "x86_64")]
mod x86;
