//! The three local uses of a program: plaintext (the reference), a gate
//! counter, and a Bristol Fashion writer.

use super::ctx::{Backend, Ctx, ONE, W, ZERO, const_of};
use super::{Error, Party, RevealTo};
use crate::circuit::Gate;
use crate::circuit::bristol;
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
}

/// Counts gates; with `writer`, also writes them as Bristol (second pass).
struct Counter {
    counts: Rc<RefCell<Counts>>,
    writer: Option<Writer>,
}

/// The second pass of [`write_bristol`]: wires numbered garbler inputs
/// first, then evaluator inputs, then gate outputs in order, then the
/// revealed bits (copied to the last wires, as Bristol wants).
struct Writer {
    out: Box<dyn Write>,
    /// Per name: its wire number.
    wire: Vec<u32>,
    next: [u64; 2],
    next_gate_wire: u64,
    next_output: u64,
    buffer: Vec<Gate>,
}

impl Writer {
    fn number(&mut self, name: u32, wire: u64) -> Result<u32, Error> {
        let wire = u32::try_from(wire)
            .map_err(|_| Error::Shape("the circuit has more than 2^32 wires".into()))?;
        let i = name as usize;
        if self.wire.len() <= i {
            self.wire.resize(i + 1, 0);
        }
        self.wire[i] = wire;
        Ok(wire)
    }
}

impl Backend for Counter {
    fn needs_value(&self, _: Party) -> bool {
        false
    }
    fn finish(&mut self, _: [u8; 16]) -> Result<(), Error> {
        if let Some(w) = self.writer.as_mut() {
            w.out.flush()?;
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
    fn window(&mut self, gates: &[Gate], _: &[u32], _: usize, _: [u8; 16]) -> Result<(), Error> {
        let mut counts = self.counts.borrow_mut();
        for gate in gates {
            match gate {
                Gate::And { .. } => counts.and_gates += 1,
                Gate::Xor { .. } => counts.xor_gates += 1,
                _ => counts.inv_gates += 1,
            }
        }
        if let Some(w) = self.writer.as_mut() {
            w.buffer.clear();
            for gate in gates {
                let wire = |n: u32| w.wire[n as usize];
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
                let at = w.next_gate_wire;
                w.next_gate_wire += 1;
                let out = w.number(gate.output(), at)?;
                w.buffer.push(with_output(renamed, out));
            }
            bristol::write_gates(&mut w.out, &w.buffer)?;
        }
        Ok(())
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
    let ctx = Ctx::new(Box::new(Counter {
        counts: counts.clone(),
        writer: None,
    }));
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
/// Returns the counts.
pub fn write_bristol<T>(
    out: impl Write + 'static,
    program: impl Fn(&Ctx) -> Result<T, Error>,
) -> Result<Counts, Error> {
    // Pass 1: the shape, with the revealed widths.
    let counts = Rc::new(RefCell::new(Counts::default()));
    let widths = Rc::new(RefCell::new(Vec::<u32>::new()));
    let ctx = Ctx::new(Box::new(Widths {
        counter: Counter {
            counts: counts.clone(),
            writer: None,
        },
        widths: widths.clone(),
    }));
    program(&ctx)?;
    ctx.finish()?;
    drop(ctx);
    let first = counts.borrow().clone();
    let widths = widths.borrow().clone();
    let (g, e) = (first.garbler_input_bits, first.evaluator_input_bits);
    let gates = first.and_gates + first.xor_gates + first.inv_gates;
    let outputs = first.revealed_bits;
    let num_wires = g + e + gates + outputs;
    if num_wires > u32::MAX as u64 {
        return Err(Error::Shape("the circuit has more than 2^32 wires".into()));
    }
    let mut out = std::io::BufWriter::with_capacity(1 << 16, out);
    bristol::write_fashion_header(
        &mut out,
        gates + outputs,
        num_wires,
        &[g as u32, e as u32],
        &widths,
    )?;
    // Pass 2: the gates, then the copies of each reveal to the last wires.
    let counts2 = Rc::new(RefCell::new(Counts::default()));
    let ctx = Ctx::new(Box::new(Counter {
        counts: counts2.clone(),
        writer: Some(Writer {
            out: Box::new(out),
            wire: Vec::new(),
            next: [0, g],
            next_gate_wire: g + e,
            next_output: g + e + gates,
            buffer: Vec::new(),
        }),
    }));
    program(&ctx)?;
    ctx.finish()?;
    if *counts2.borrow() != first {
        return Err(Error::Shape(
            "the program emitted different gates on its two passes".into(),
        ));
    }
    Ok(first)
}

/// Pass 1 of [`write_bristol`]: a counter that notes each reveal's width.
struct Widths {
    counter: Counter,
    widths: Rc<RefCell<Vec<u32>>>,
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
        self.counter.input(owner, names, bits, check)
    }
    fn window(
        &mut self,
        gates: &[Gate],
        stages: &[u32],
        num_names: usize,
        check: [u8; 16],
    ) -> Result<(), Error> {
        self.counter.window(gates, stages, num_names, check)
    }
    fn reveal(
        &mut self,
        wires: &[W],
        to: RevealTo,
        check: [u8; 16],
    ) -> Result<Option<Vec<bool>>, Error> {
        self.widths.borrow_mut().push(wires.len() as u32);
        self.counter.reveal(wires, to, check)
    }
}

impl Writer {
    fn outputs(&mut self, wires: &[W]) -> Result<(), Error> {
        self.buffer.clear();
        for &w in wires {
            let out = u32::try_from(self.next_output)
                .map_err(|_| Error::Shape("the circuit has more than 2^32 wires".into()))?;
            self.next_output += 1;
            self.buffer.push(match w {
                ZERO => Gate::Eq { value: false, out },
                ONE => Gate::Eq { value: true, out },
                name => Gate::EqW {
                    a: self.wire[name as usize],
                    out,
                },
            });
        }
        bristol::write_gates(&mut self.out, &self.buffer)?;
        Ok(())
    }
}
