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
use crate::circuit::plan::{AndGate, Op, Plan};
use crate::hash::TweakableHash;
use zeroize::Zeroize;

/// AND gates hashed per call: 16 gates = 64 AES blocks in flight for the
/// garbler, 32 for the evaluator.
pub const BATCH_GATES: usize = 16;

/// AND gates per table chunk handed to a sink (2 blocks each: 64 KiB).
pub const TABLE_CHUNK_GATES: usize = 2048;

/// The public active label of every constant wire.
pub const CONST_LABEL: Block = Block(0x6763_3270_635f_636f_6e73_745f_6c61_6265);

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
    /// Fills `tables` with the next chunk; its length is exactly what the
    /// garbler sent in the matching `send_tables` call.
    fn recv_tables(&mut self, tables: &mut [Block]) -> Result<(), Self::Error>;
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
    fn recv_tables(&mut self, tables: &mut [Block]) -> Result<(), Self::Error> {
        if self.tables.len() < tables.len() {
            return Err(TablesExhausted);
        }
        let (head, rest) = self.tables.split_at(tables.len());
        tables.copy_from_slice(head);
        self.tables = rest;
        Ok(())
    }
}

/// Why garbling or evaluation stopped.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum GarbleError<E> {
    /// The caller gave the wrong number of input labels.
    #[error("expected {expected} input labels, got {got}")]
    InputCount { expected: usize, got: usize },
    /// The sink or source failed.
    #[error(transparent)]
    Tables(E),
}

/// The garbler's side: holds Δ and the zero label of every live wire.
pub struct Garbler<'p> {
    plan: &'p Plan,
    hash: TweakableHash,
    delta: Delta,
    labels: Vec<Block>,
    tables: Vec<Block>,
    next_gate: u64,
}

impl<'p> Garbler<'p> {
    /// A garbler for `plan` with secret `delta`. Both sides must build `hash`
    /// with the same kind and seed.
    pub fn new(plan: &'p Plan, hash: TweakableHash, delta: Delta) -> Self {
        Garbler {
            plan,
            hash,
            delta,
            labels: vec![Block::ZERO; plan.num_slots()],
            tables: Vec::with_capacity(2 * (TABLE_CHUNK_GATES + BATCH_GATES)),
            next_gate: 0,
        }
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
        let delta = self.delta.block();
        for op in plan.ops() {
            match *op {
                Op::Xor { a, b, out } => {
                    self.labels[out as usize] = self.labels[a as usize] ^ self.labels[b as usize]
                }
                Op::Inv { a, out } => self.labels[out as usize] = self.labels[a as usize] ^ delta,
                Op::Const { value, out } => {
                    self.labels[out as usize] = CONST_LABEL ^ delta.select(value)
                }
                Op::Copy { a, out } => self.labels[out as usize] = self.labels[a as usize],
                Op::Ands { start, end } => {
                    for batch in plan.ands()[start as usize..end as usize].chunks(BATCH_GATES) {
                        self.garble_batch(batch, delta);
                        if self.tables.len() >= 2 * TABLE_CHUNK_GATES {
                            sink.send_tables(&self.tables[..2 * TABLE_CHUNK_GATES])
                                .map_err(GarbleError::Tables)?;
                            self.tables.drain(..2 * TABLE_CHUNK_GATES);
                        }
                    }
                }
            }
        }
        if !self.tables.is_empty() {
            sink.send_tables(&self.tables)
                .map_err(GarbleError::Tables)?;
            self.tables.clear();
        }
        Ok(plan
            .output_slots()
            .iter()
            .map(|&s| self.labels[s as usize])
            .collect())
    }

    /// Garbles up to `BATCH_GATES` independent AND gates with one hash call.
    #[inline]
    fn garble_batch(&mut self, batch: &[AndGate], delta: Block) {
        let mut hashed = [Block::ZERO; 4 * BATCH_GATES];
        let mut tweaks = [0u64; 2 * BATCH_GATES];
        for (i, gate) in batch.iter().enumerate() {
            let a = self.labels[gate.a as usize];
            let b = self.labels[gate.b as usize];
            hashed[4 * i] = a;
            hashed[4 * i + 1] = a ^ delta;
            hashed[4 * i + 2] = b;
            hashed[4 * i + 3] = b ^ delta;
            let g = self.next_gate + i as u64;
            tweaks[2 * i] = 2 * g;
            tweaks[2 * i + 1] = 2 * g + 1;
        }
        let n = batch.len();
        self.next_gate += n as u64;
        self.hash.hash_pairs(&tweaks[..2 * n], &mut hashed[..4 * n]);
        for (i, gate) in batch.iter().enumerate() {
            let a = self.labels[gate.a as usize];
            let b = self.labels[gate.b as usize];
            let (pa, pb) = (a.lsb(), b.lsb());
            let (ha0, ha1, hb0, hb1) = (
                hashed[4 * i],
                hashed[4 * i + 1],
                hashed[4 * i + 2],
                hashed[4 * i + 3],
            );
            let tg = ha0 ^ ha1 ^ delta.select(pb);
            let te = hb0 ^ hb1 ^ a;
            let out = ha0 ^ tg.select(pa) ^ hb0 ^ (te ^ a).select(pb);
            self.tables.push(tg);
            self.tables.push(te);
            // Written after the gate's own inputs were read; see plan.rs on slots.
            self.labels[gate.out as usize] = out;
        }
    }
}

impl Drop for Garbler<'_> {
    fn drop(&mut self) {
        self.labels.zeroize();
        self.tables.zeroize();
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
    hash: TweakableHash,
    labels: Vec<Block>,
    tables: Vec<Block>,
    next_gate: u64,
}

impl<'p> Evaluator<'p> {
    /// An evaluator for `plan`; `hash` must match the garbler's.
    pub fn new(plan: &'p Plan, hash: TweakableHash) -> Self {
        Evaluator {
            plan,
            hash,
            labels: vec![Block::ZERO; plan.num_slots()],
            tables: Vec::with_capacity(2 * (TABLE_CHUNK_GATES + BATCH_GATES)),
            next_gate: 0,
        }
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
        self.tables.clear();
        let mut remaining = plan.and_count();
        let mut cursor = 0; // next unread table block in `self.tables`
        for op in plan.ops() {
            match *op {
                Op::Xor { a, b, out } => {
                    self.labels[out as usize] = self.labels[a as usize] ^ self.labels[b as usize]
                }
                Op::Inv { a, out } | Op::Copy { a, out } => {
                    self.labels[out as usize] = self.labels[a as usize]
                }
                Op::Const { out, .. } => self.labels[out as usize] = CONST_LABEL,
                Op::Ands { start, end } => {
                    for batch in plan.ands()[start as usize..end as usize].chunks(BATCH_GATES) {
                        if self.tables.len() - cursor < 2 * batch.len() {
                            // A batch may straddle two chunks: keep the unread
                            // tail and append the next chunk (which, being at
                            // least BATCH_GATES long or the last, suffices).
                            self.tables.drain(..cursor);
                            cursor = 0;
                            let have = self.tables.len();
                            let gates = remaining.min(TABLE_CHUNK_GATES);
                            self.tables.resize(have + 2 * gates, Block::ZERO);
                            source
                                .recv_tables(&mut self.tables[have..])
                                .map_err(GarbleError::Tables)?;
                            remaining -= gates;
                        }
                        cursor = self.evaluate_batch(batch, cursor);
                    }
                }
            }
        }
        Ok(plan
            .output_slots()
            .iter()
            .map(|&s| self.labels[s as usize])
            .collect())
    }

    /// Evaluates up to `BATCH_GATES` independent AND gates with one hash call,
    /// reading their tables from `self.tables[cursor..]`; returns the new cursor.
    #[inline]
    fn evaluate_batch(&mut self, batch: &[AndGate], cursor: usize) -> usize {
        let mut hashed = [Block::ZERO; 2 * BATCH_GATES];
        let mut tweaks = [0u64; 2 * BATCH_GATES];
        for (i, gate) in batch.iter().enumerate() {
            hashed[2 * i] = self.labels[gate.a as usize];
            hashed[2 * i + 1] = self.labels[gate.b as usize];
            let g = self.next_gate + i as u64;
            tweaks[2 * i] = 2 * g;
            tweaks[2 * i + 1] = 2 * g + 1;
        }
        let n = batch.len();
        self.next_gate += n as u64;
        self.hash
            .hash_singles(&tweaks[..2 * n], &mut hashed[..2 * n]);
        let tables = &self.tables[cursor..cursor + 2 * n];
        for (i, gate) in batch.iter().enumerate() {
            let a = self.labels[gate.a as usize];
            let b = self.labels[gate.b as usize];
            let (tg, te) = (tables[2 * i], tables[2 * i + 1]);
            let out =
                hashed[2 * i] ^ tg.select(a.lsb()) ^ hashed[2 * i + 1] ^ (te ^ a).select(b.lsb());
            self.labels[gate.out as usize] = out;
        }
        cursor + 2 * n
    }
}

impl Drop for Evaluator<'_> {
    fn drop(&mut self) {
        self.labels.zeroize();
        self.tables.zeroize();
    }
}

impl core::fmt::Debug for Evaluator<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Evaluator(<secret>)")
    }
}

/// The decoding bits the garbler sends: lsb of each output zero label.
pub fn decoding_bits(output_zero_labels: &[Block]) -> Vec<bool> {
    output_zero_labels.iter().map(|l| l.lsb()).collect()
}

/// The evaluator's output bits from its output labels and the decoding bits.
pub fn decode(output_labels: &[Block], decoding: &[bool]) -> Vec<bool> {
    output_labels
        .iter()
        .zip(decoding)
        .map(|(l, &d)| l.lsb() ^ d)
        .collect()
}

#[cfg(test)]
mod tests;
