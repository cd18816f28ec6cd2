//! The three local uses of a program: plaintext (the reference), a gate
//! counter, and a Bristol Fashion writer.

use super::ctx::{Backend, Ctx, ONE, W, ZERO, const_of};
use super::{Error, Party, RevealTo};
use crate::circuit::bristol;
use crate::circuit::{Circuit, Format, Gate};
use std::cell::RefCell;
use std::io::Write;
use std::rc::Rc;

/// Evaluates every gate on plaintext bits: both parties' inputs are needed.
struct Plain {
    values: Vec<bool>,
}

impl Plain {
    fn set(&mut self, name: u32, bit: bool) {
        let i = name as usize;
        if self.values.len() <= i {
            self.values.resize(i + 1, false);
        }
        self.values[i] = bit;
    }
}

impl Backend for Plain {
    fn needs_value(&self, _: Party) -> bool {
        true
    }
    fn input(
        &mut self,
        _: Party,
        names: &[u32],
        bits: Option<&[bool]>,
        _: [u8; 16],
    ) -> Result<(), Error> {
        let bits = bits.ok_or(Error::MissingInput("plaintext run"))?;
        for (&n, &b) in names.iter().zip(bits) {
            self.set(n, b);
        }
        Ok(())
    }
    fn window(&mut self, gates: &[Gate], _: &[u32], _: usize, _: [u8; 16]) -> Result<(), Error> {
        for gate in gates {
            let v = |w: u32| self.values[w as usize];
            let (out, bit) = match *gate {
                Gate::Xor { a, b, out } => (out, v(a) ^ v(b)),
                Gate::And { a, b, out } => (out, v(a) & v(b)),
                Gate::Inv { a, out } => (out, !v(a)),
                Gate::Eq { value, out } => (out, value),
                Gate::EqW { a, out } => (out, v(a)),
            };
            self.set(out, bit);
        }
        Ok(())
    }
    fn reveal(
        &mut self,
        wires: &[W],
        _: RevealTo,
        _: [u8; 16],
    ) -> Result<Option<Vec<bool>>, Error> {
        Ok(Some(
            wires
                .iter()
                .map(|&w| const_of(w).unwrap_or_else(|| self.values[w as usize]))
                .collect(),
        ))
    }
}

/// Runs `program` in plaintext: every input needs its value (both
/// parties'), and every reveal returns the value. The reference the garbled
/// runs are tested against.
pub fn plaintext<T>(program: impl FnOnce(&Ctx) -> Result<T, Error>) -> Result<T, Error> {
    let ctx = Ctx::new(Box::new(Plain { values: Vec::new() }));
    let out = program(&ctx)?;
    ctx.finish()?;
    Ok(out)
}

/// What a program costs, from [`count`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Counts {
    /// AND gates (each costs two blocks of garbled table).
    pub and_gates: u64,
    /// XOR gates (free).
    pub xor_gates: u64,
    /// NOT gates (free).
    pub inv_gates: u64,
    /// Input bits of the garbler.
    pub garbler_input_bits: u64,
    /// Input bits of the evaluator (one OT each).
    pub evaluator_input_bits: u64,
    /// Reveals (each a round of messages).
    pub reveals: u64,
    /// Bits revealed, in all.
    pub revealed_bits: u64,
    /// The longest chain of AND gates from an input to a gate: measured by
    /// [`count`] (0 from [`write_bristol`] and [`circuit`], which spend no
    /// memory on it; `Circuit::and_depth` or `gc2pc circuit info` measure a
    /// written circuit).
    pub and_depth: u64,
}

/// Counts gates; with `writer`, also writes them as Bristol (second pass).
struct Counter {
    counts: Rc<RefCell<Counts>>,
    /// Per name: the AND-depth of its value ([`count`] only: 4 bytes per
    /// live wire that the writer's passes do not spend).
    depth: Option<Vec<u32>>,
    writer: Option<Writer>,
}

impl Counter {
    fn new(counts: Rc<RefCell<Counts>>, writer: Option<Writer>) -> Counter {
        Counter {
            counts,
            depth: None,
            writer,
        }
    }
}

/// Where [`Writer`] puts the gates.
enum Sink {
    /// Bristol Fashion text.
    Text(std::io::BufWriter<Box<dyn Write>>),
    /// A circuit in memory.
    Gates(Rc<RefCell<Vec<Gate>>>),
}

impl Sink {
    fn put(&mut self, gates: &[Gate]) -> Result<(), Error> {
        match self {
            Sink::Text(out) => bristol::write_gates(out, gates)?,
            Sink::Gates(all) => all.borrow_mut().extend_from_slice(gates),
        }
        Ok(())
    }
}

/// The second pass of [`write_bristol`]: wires numbered garbler inputs
/// first, then evaluator inputs, then gate outputs in order, then the
/// revealed bits (the last wires, as Bristol wants). A gate whose result is
/// revealed writes its output wire directly (pass 1 found which: see
/// [`Shape`]); a revealed bit that no gate can write there (an input, a
/// constant, a wire revealed twice) is copied with an `EQW` or `EQ` gate.
struct Writer {
    out: Sink,
    /// Per name: its wire number.
    wire: Vec<u32>,
    next: [u64; 2],
    next_gate_wire: u64,
    first_output: u64,
    /// Gates (by index in the program) that write an output wire, and which
    /// output; sorted by gate.
    claims: Vec<(u32, u32)>,
    next_claim: usize,
    /// Per output bit: whether a gate writes it.
    claimed: Vec<bool>,
    gate_index: u64,
    next_output: u64,
    buffer: Vec<Gate>,
}

impl Writer {
    /// Numbers one window of gates and writes them.
    fn gates(&mut self, gates: &[Gate]) -> Result<(), Error> {
        let mut buffer = std::mem::take(&mut self.buffer);
        buffer.clear();
        for gate in gates {
            let wire = |n: u32| self.wire[n as usize];
            let renamed = match *gate {
                Gate::Xor { a, b, .. } => Gate::Xor {
                    a: wire(a),
                    b: wire(b),
                    out: 0,
                },
                Gate::And { a, b, .. } => Gate::And {
                    a: wire(a),
                    b: wire(b),
                    out: 0,
                },
                Gate::Inv { a, .. } => Gate::Inv { a: wire(a), out: 0 },
                Gate::Eq { value, .. } => Gate::Eq { value, out: 0 },
                Gate::EqW { a, .. } => Gate::EqW { a: wire(a), out: 0 },
            };
            let at = match self.claims.get(self.next_claim) {
                Some(&(g, slot)) if u64::from(g) == self.gate_index => {
                    self.next_claim += 1;
                    self.first_output + slot as u64
                }
                _ => {
                    self.next_gate_wire += 1;
                    self.next_gate_wire - 1
                }
            };
            self.gate_index += 1;
            let out = self.number(gate.output(), at)?;
            buffer.push(with_output(renamed, out));
        }
        let result = self.out.put(&buffer);
        self.buffer = buffer;
        result
    }

    fn number(&mut self, name: u32, wire: u64) -> Result<u32, Error> {
        let wire = u32::try_from(wire).map_err(|_| too_many_wires())?;
        let i = name as usize;
        if self.wire.len() <= i {
            self.wire.resize(i + 1, 0);
        }
        self.wire[i] = wire;
        Ok(wire)
    }
}

fn too_many_wires() -> Error {
    Error::Shape("the circuit has more than 2^32 wires".into())
}

impl Backend for Counter {
    fn needs_value(&self, _: Party) -> bool {
        false
    }
    fn finish(&mut self, _: [u8; 16]) -> Result<(), Error> {
        if let Some(Sink::Text(out)) = self.writer.as_mut().map(|w| &mut w.out) {
            out.flush()?;
        }
        Ok(())
    }
    fn input(
        &mut self,
        owner: Party,
        names: &[u32],
        _: Option<&[bool]>,
        _: [u8; 16],
    ) -> Result<(), Error> {
        let mut counts = self.counts.borrow_mut();
        if let (Some(&top), Some(depth)) = (names.iter().max(), self.depth.as_mut()) {
            if depth.len() <= top as usize {
                depth.resize(top as usize + 1, 0);
            }
            for &n in names {
                depth[n as usize] = 0;
            }
        }
        let party = match owner {
            Party::Garbler => {
                counts.garbler_input_bits += names.len() as u64;
                0
            }
            Party::Evaluator => {
                counts.evaluator_input_bits += names.len() as u64;
                1
            }
        };
        if let Some(w) = self.writer.as_mut() {
            for &n in names {
                let at = w.next[party];
                w.next[party] += 1;
                w.number(n, at)?;
            }
        }
        Ok(())
    }
    fn window(
        &mut self,
        gates: &[Gate],
        _: &[u32],
        num_names: usize,
        _: [u8; 16],
    ) -> Result<(), Error> {
        let mut counts = self.counts.borrow_mut();
        for gate in gates {
            match gate {
                Gate::And { .. } => counts.and_gates += 1,
                Gate::Xor { .. } => counts.xor_gates += 1,
                _ => counts.inv_gates += 1,
            }
        }
        if let Some(depth) = self.depth.as_mut() {
            if depth.len() < num_names {
                depth.resize(num_names, 0);
            }
            for gate in gates {
                let d = |w: u32| depth[w as usize];
                let out = match *gate {
                    Gate::And { a, b, .. } => d(a).max(d(b)) + 1,
                    Gate::Xor { a, b, .. } => d(a).max(d(b)),
                    Gate::Inv { a, .. } | Gate::EqW { a, .. } => d(a),
                    Gate::Eq { .. } => 0,
                };
                counts.and_depth = counts.and_depth.max(u64::from(out));
                depth[gate.output() as usize] = out;
            }
        }
        match self.writer.as_mut() {
            Some(w) => w.gates(gates),
            None => Ok(()),
        }
    }
    fn reveal(
        &mut self,
        wires: &[W],
        _: RevealTo,
        _: [u8; 16],
    ) -> Result<Option<Vec<bool>>, Error> {
        let mut counts = self.counts.borrow_mut();
        counts.reveals += 1;
        counts.revealed_bits += wires.len() as u64;
        if let Some(w) = self.writer.as_mut() {
            w.outputs(wires)?;
        }
        Ok(None)
    }
}

fn with_output(gate: Gate, out: u32) -> Gate {
    match gate {
        Gate::Xor { a, b, .. } => Gate::Xor { a, b, out },
        Gate::And { a, b, .. } => Gate::And { a, b, out },
        Gate::Inv { a, .. } => Gate::Inv { a, out },
        Gate::Eq { value, .. } => Gate::Eq { value, out },
        Gate::EqW { a, .. } => Gate::EqW { a, out },
    }
}

/// Runs `program` as a gate counter: no input values are needed, and every
/// reveal returns `None` (so a program whose later steps depend on a
/// revealed value is counted along its `None` path).
pub fn count<T>(program: impl FnOnce(&Ctx) -> Result<T, Error>) -> Result<(T, Counts), Error> {
    let counts = Rc::new(RefCell::new(Counts::default()));
    let mut counter = Counter::new(counts.clone(), None);
    counter.depth = Some(Vec::new());
    let ctx = Ctx::new(Box::new(counter));
    let out = program(&ctx)?;
    ctx.finish()?;
    let counts = counts.borrow().clone();
    Ok((out, counts))
}

/// Writes `program` as a Bristol Fashion circuit to `out`: two input groups
/// (the garbler's input bits in the order the program declares them, then
/// the evaluator's) and one output group per reveal, in order. The program
/// runs twice (a count, then the writing pass) and must emit the same gates
/// both times; reveals return `None`, so a circuit cannot branch on them.
/// Memory is bounded by the program's live values (and one flag per output
/// bit), not by its length: the gates go to `out` window by window.
/// Returns the counts.
pub fn write_bristol<T>(
    out: impl Write + 'static,
    program: impl Fn(&Ctx) -> Result<T, Error>,
) -> Result<Counts, Error> {
    let shape = Shape::of(&program)?;
    let mut out = std::io::BufWriter::with_capacity(1 << 16, Box::new(out) as Box<dyn Write>);
    bristol::write_header(
        &mut out,
        Format::BristolFashion,
        shape.file_gates(),
        shape.num_wires,
        &shape.input_sizes(),
        &shape.widths,
    )?;
    shape.write(Sink::Text(out), &program)
}

/// `program` as a circuit in memory, numbered as [`write_bristol`] writes
/// it (for tests and benchmarks; [`write_bristol`] streams instead).
pub fn circuit<T>(program: impl Fn(&Ctx) -> Result<T, Error>) -> Result<Circuit, Error> {
    let shape = Shape::of(&program)?;
    let gates = Rc::new(RefCell::new(Vec::with_capacity(
        usize::try_from(shape.file_gates()).map_err(|_| too_many_wires())?,
    )));
    let (num_wires, input_sizes, widths) =
        (shape.num_wires, shape.input_sizes(), shape.widths.clone());
    shape.write(Sink::Gates(gates.clone()), &program)?;
    let gates = std::mem::take(&mut *gates.borrow_mut());
    Circuit::new(
        num_wires,
        input_sizes,
        widths,
        gates,
        Format::BristolFashion,
    )
    .map_err(|e| Error::Shape(format!("the program's circuit is invalid: {e}")))
}

/// What pass 1 of [`write_bristol`] learns: the counts, each reveal's width
/// and which gates write output wires directly.
struct Shape {
    counts: Counts,
    widths: Vec<u32>,
    /// (gate index, output bit), sorted by gate.
    claims: Vec<(u32, u32)>,
    num_wires: u64,
}

impl Shape {
    fn of<T>(program: &impl Fn(&Ctx) -> Result<T, Error>) -> Result<Shape, Error> {
        let counts = Rc::new(RefCell::new(Counts::default()));
        let found = Rc::new(RefCell::new(Found::default()));
        let ctx = Ctx::new(Box::new(Widths {
            counter: Counter::new(counts.clone(), None),
            found: found.clone(),
        }));
        program(&ctx)?;
        ctx.finish()?;
        drop(ctx);
        let counts = counts.borrow().clone();
        let Found {
            widths, mut claims, ..
        } = std::mem::take(&mut *found.borrow_mut());
        claims.sort_unstable();
        let gates = counts.and_gates + counts.xor_gates + counts.inv_gates;
        let num_wires = counts.garbler_input_bits + counts.evaluator_input_bits + gates
            - claims.len() as u64
            + counts.revealed_bits;
        if num_wires > u32::MAX as u64 {
            return Err(too_many_wires());
        }
        Ok(Shape {
            counts,
            widths,
            claims,
            num_wires,
        })
    }

    fn input_sizes(&self) -> Vec<u32> {
        vec![
            self.counts.garbler_input_bits as u32,
            self.counts.evaluator_input_bits as u32,
        ]
    }

    /// Gates in the file: the program's and the copies.
    fn file_gates(&self) -> u64 {
        let gates = self.counts.and_gates + self.counts.xor_gates + self.counts.inv_gates;
        gates + self.counts.revealed_bits - self.claims.len() as u64
    }

    /// Pass 2: the gates, numbered, into `out`.
    fn write<T>(
        self,
        out: Sink,
        program: &impl Fn(&Ctx) -> Result<T, Error>,
    ) -> Result<Counts, Error> {
        let (g, e) = (
            self.counts.garbler_input_bits,
            self.counts.evaluator_input_bits,
        );
        let first_output = self.num_wires - self.counts.revealed_bits;
        let mut claimed = vec![false; self.counts.revealed_bits as usize];
        for &(_, slot) in &self.claims {
            claimed[slot as usize] = true;
        }
        let counts = Rc::new(RefCell::new(Counts::default()));
        let ctx = Ctx::new(Box::new(Counter::new(
            counts.clone(),
            Some(Writer {
                out,
                wire: Vec::new(),
                next: [0, g],
                next_gate_wire: g + e,
                first_output,
                claims: self.claims,
                next_claim: 0,
                claimed,
                gate_index: 0,
                next_output: 0,
                buffer: Vec::new(),
            }),
        )));
        program(&ctx)?;
        ctx.finish()?;
        if *counts.borrow() != self.counts {
            return Err(Error::Shape(
                "the program emitted different gates on its two passes".into(),
            ));
        }
        Ok(self.counts.clone())
    }
}

/// What pass 1 notes beside the counts.
#[derive(Default)]
struct Found {
    /// Each reveal's width.
    widths: Vec<u32>,
    /// Per name: the index of the gate that wrote its current value
    /// ([`NO_GATE`] for an input or a value already claimed by an output).
    writer: Vec<u32>,
    gate_index: u64,
    next_output: u32,
    claims: Vec<(u32, u32)>,
}

/// No gate (gate indices past 2^32 − 2 need no claim: such a circuit has
/// too many wires for Bristol anyway).
const NO_GATE: u32 = u32::MAX;

/// Pass 1 of [`write_bristol`]: a counter that notes each reveal's width and
/// the gate behind each revealed bit.
struct Widths {
    counter: Counter,
    found: Rc<RefCell<Found>>,
}

impl Backend for Widths {
    fn needs_value(&self, _: Party) -> bool {
        false
    }
    fn input(
        &mut self,
        owner: Party,
        names: &[u32],
        bits: Option<&[bool]>,
        check: [u8; 16],
    ) -> Result<(), Error> {
        let mut found = self.found.borrow_mut();
        for &n in names {
            found.set_writer(n, NO_GATE);
        }
        drop(found);
        self.counter.input(owner, names, bits, check)
    }
    fn window(
        &mut self,
        gates: &[Gate],
        stages: &[u32],
        num_names: usize,
        check: [u8; 16],
    ) -> Result<(), Error> {
        let mut found = self.found.borrow_mut();
        for gate in gates {
            let index = u32::try_from(found.gate_index).unwrap_or(NO_GATE);
            found.gate_index += 1;
            found.set_writer(gate.output(), index);
        }
        drop(found);
        self.counter.window(gates, stages, num_names, check)
    }
    fn reveal(
        &mut self,
        wires: &[W],
        to: RevealTo,
        check: [u8; 16],
    ) -> Result<Option<Vec<bool>>, Error> {
        let mut found = self.found.borrow_mut();
        let width = u32::try_from(wires.len()).map_err(|_| too_many_wires())?;
        found.widths.push(width);
        for &w in wires {
            let slot = found.next_output;
            found.next_output = slot.checked_add(1).ok_or_else(too_many_wires)?;
            if const_of(w).is_none() {
                let gate = found.writer[w as usize];
                if gate != NO_GATE {
                    found.claims.push((gate, slot));
                    found.writer[w as usize] = NO_GATE;
                }
            }
        }
        drop(found);
        self.counter.reveal(wires, to, check)
    }
}

impl Found {
    fn set_writer(&mut self, name: u32, gate: u32) {
        let i = name as usize;
        if self.writer.len() <= i {
            self.writer.resize(i + 1, NO_GATE);
        }
        self.writer[i] = gate;
    }
}

impl Writer {
    /// Copies the revealed bits that no gate wrote to their output wires.
    fn outputs(&mut self, wires: &[W]) -> Result<(), Error> {
        self.buffer.clear();
        for &w in wires {
            let slot = self.next_output;
            self.next_output += 1;
            if self.claimed[slot as usize] {
                continue;
            }
            let out = u32::try_from(self.first_output + slot).map_err(|_| too_many_wires())?;
            self.buffer.push(match w {
                ZERO => Gate::Eq { value: false, out },
                ONE => Gate::Eq { value: true, out },
                name => Gate::EqW {
                    a: self.wire[name as usize],
                    out,
                },
            });
        }
        self.out.put(&self.buffer)?;
        Ok(())
    }
}
