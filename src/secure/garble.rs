//! Garble programs: the `garble_lang` crate (a Rust-like, Turing-incomplete
//! language for garbled circuits by the SINE Foundation, MIT; pinned to
//! 0.6.1) compiles a program, and its circuit runs here as a secure program,
//! gate by gate into the context's windows.
//!
//! Conventions: the first parameter of `main` is the garbler's input, the
//! second the evaluator's; inputs and outputs are Garble literals
//! (`[3u32, 7u32]`, tuples, structs, enums). A program's panic (overflow,
//! an index out of bounds, a division by zero) travels in leading output
//! bits, which [`GarbleProgram::output`] turns into an error.

use super::ctx::{Ctx, W};
use super::{Error, Party, RevealTo};
use zeroize::Zeroizing;

/// A compiled Garble program.
pub struct GarbleProgram {
    source: String,
    compiled: garble_lang::GarbleProgram,
    digest: [u8; 32],
}

impl core::fmt::Debug for GarbleProgram {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("GarbleProgram")
            .field("input_bits", &self.compiled.circuit.input_gates)
            .field("gates", &self.compiled.circuit.gates.len())
            .finish()
    }
}

/// Why a Garble program could not be compiled or its values read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GarbleError {
    /// The program does not compile (the message shows where).
    #[error("the program does not compile:\n{0}")]
    Compile(String),
    /// `main` must take exactly two parameters.
    #[error(
        "`main` takes {0} parameter(s); gc2pc runs programs of two parties (the garbler's input first, the evaluator's second)"
    )]
    Parties(usize),
    /// An input is not a literal of its parameter's type.
    #[error("the {party}'s input {literal:?} is not a literal of type {ty}: {why}")]
    Input {
        /// Whose input.
        party: &'static str,
        /// The text given.
        literal: String,
        /// The parameter's type.
        ty: String,
        /// What is wrong.
        why: String,
    },
    /// The program panicked (the panic is part of the output).
    #[error("the program panicked: {0}")]
    Panic(String),
    /// The output bits do not form a literal of the result type.
    #[error("the output is not a literal of the result type: {0}")]
    Output(String),
    /// garble_lang itself failed (it panicked on this program or value).
    #[error("{0}")]
    Internal(String),
}

impl GarbleProgram {
    /// Compiles `source` (its `main` must take two parameters).
    pub fn compile(source: &str) -> Result<GarbleProgram, GarbleError> {
        let compiled = guard("compiling the program", || {
            garble_lang::compile(source).map_err(|e| e.prettify(source))
        })?
        .map_err(GarbleError::Compile)?;
        let params = compiled.main.params.len();
        if params != 2 || compiled.circuit.input_gates.len() != 2 {
            return Err(GarbleError::Parties(params));
        }
        let digest = digest(&compiled.circuit);
        Ok(GarbleProgram {
            source: source.to_string(),
            compiled,
            digest,
        })
    }

    /// SHA-256 of the compiled circuit (its input widths, gates and
    /// outputs): what the handshake compares.
    pub fn digest(&self) -> [u8; 32] {
        self.digest
    }

    /// The circuit's AND gates.
    pub fn and_gates(&self) -> usize {
        self.compiled
            .circuit
            .gates
            .iter()
            .filter(|g| matches!(g, garble_lang::circuit::Gate::And(..)))
            .count()
    }

    /// Input bits of `party`.
    pub fn input_bits(&self, party: Party) -> usize {
        self.compiled.circuit.input_gates[party as usize]
    }

    /// `party`'s input `literal` (Garble syntax) as bits.
    pub fn input(&self, party: Party, literal: &str) -> Result<Zeroizing<Vec<bool>>, GarbleError> {
        let index = party as usize;
        let parsed = guard("reading an input literal", || {
            self.compiled
                .parse_arg(index, literal)
                .map(|arg| arg.as_bits())
                .map_err(|e| e.prettify(literal).trim().to_string())
        })?;
        let bits = parsed.map_err(|e| GarbleError::Input {
            party: party.name(),
            literal: shorten(literal),
            ty: self.compiled.main.params[index].ty.to_string(),
            why: e,
        })?;
        Ok(Zeroizing::new(bits))
    }

    /// The output literal (Garble syntax) from the output bits, or the
    /// program's panic.
    pub fn output(&self, bits: &[bool]) -> Result<String, GarbleError> {
        guard("reading the output", || {
            match self.compiled.parse_output(bits) {
                Ok(literal) => Ok(literal.to_string()),
                Err(garble_lang::eval::EvalError::Panic(panic)) => {
                    let at = panic.panicked_at;
                    Err(GarbleError::Panic(format!(
                        "{} at line {}, column {}",
                        panic.reason,
                        at.start.0 + 1,
                        at.start.1 + 1
                    )))
                }
                Err(e) => Err(GarbleError::Output(e.prettify(&self.source))),
            }
        })?
    }

    /// Evaluates the program in plaintext with garble_lang's own evaluator
    /// (both inputs given): the reference.
    pub fn eval_plain(&self, garbler: &str, evaluator: &str) -> Result<String, GarbleError> {
        let g = self.input(Party::Garbler, garbler)?;
        let e = self.input(Party::Evaluator, evaluator)?;
        let bits = self.compiled.circuit.eval(&[g.to_vec(), e.to_vec()]);
        self.output(&bits)
    }

    /// Runs the program in `ctx`: this party gives its input bits (from
    /// [`GarbleProgram::input`]) where it owns them; the output bits are
    /// revealed to `to` (`Some` where this party learns them). Wires are
    /// released after their last use.
    pub fn run(
        &self,
        ctx: &Ctx,
        bits: Option<&[bool]>,
        me: Party,
        to: RevealTo,
    ) -> Result<Option<Vec<bool>>, Error> {
        use garble_lang::circuit::Gate;
        let circuit = &self.compiled.circuit;
        let (ng, ne) = (circuit.input_gates[0], circuit.input_gates[1]);
        let own = |party: Party| {
            (party == me).then(|| Zeroizing::new(bits.map(<[bool]>::to_vec).unwrap_or_default()))
        };
        let mut wires: Vec<W> = ctx.input_wires(Party::Garbler, ng, own(Party::Garbler))?;
        wires.extend(ctx.input_wires(Party::Evaluator, ne, own(Party::Evaluator))?);
        // The last gate that reads each wire (outputs are never released).
        let total = ng + ne + circuit.gates.len();
        let mut last = vec![usize::MAX; total];
        let mut bad = false;
        for (i, gate) in circuit.gates.iter().enumerate() {
            let (a, b) = match *gate {
                Gate::Xor(a, b) | Gate::And(a, b) => (a, b),
                Gate::Not(a) => (a, a),
            };
            if a >= ng + ne + i || b >= ng + ne + i {
                bad = true;
                break;
            }
            last[a] = i;
            last[b] = i;
        }
        if bad || circuit.output_gates.iter().any(|&o| o >= total) {
            ctx.inner().unref_all(&wires);
            return Err(Error::Shape(
                "the compiled circuit reads a wire before it is written".into(),
            ));
        }
        // NEVER: no gate reads it; KEEP: an output; DONE: released.
        const NEVER: usize = usize::MAX;
        const KEEP: usize = usize::MAX - 1;
        const DONE: usize = usize::MAX - 2;
        for &o in &circuit.output_gates {
            last[o] = KEEP;
        }
        {
            let mut inner = ctx.inner();
            for w in 0..ng + ne {
                if last[w] == NEVER {
                    inner.unref(wires[w]);
                    last[w] = DONE;
                }
            }
            for (i, gate) in circuit.gates.iter().enumerate() {
                let out = match *gate {
                    Gate::Xor(a, b) => inner.xor(wires[a], wires[b]),
                    Gate::And(a, b) => inner.and(wires[a], wires[b]),
                    Gate::Not(a) => inner.not(wires[a]),
                };
                wires.push(out);
                let (a, b) = match *gate {
                    Gate::Xor(a, b) | Gate::And(a, b) => (a, b),
                    Gate::Not(a) => (a, a),
                };
                for w in [a, b] {
                    if last[w] == i {
                        inner.unref(wires[w]);
                        last[w] = DONE;
                    }
                }
                let me = ng + ne + i;
                if last[me] == NEVER {
                    inner.unref(out);
                    last[me] = DONE;
                }
            }
        }
        let outputs: Vec<W> = circuit.output_gates.iter().map(|&o| wires[o]).collect();
        let revealed = ctx.reveal_wires(&outputs, to);
        let mut inner = ctx.inner();
        let mut released = std::collections::HashSet::new();
        for &o in &circuit.output_gates {
            if released.insert(o) {
                inner.unref(wires[o]);
            }
        }
        revealed
    }
}

/// At most 40 characters of a (secret) input, for a message.
fn shorten(text: &str) -> String {
    match text.char_indices().nth(40) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

/// Runs a call into garble_lang, turning a panic inside it into an error
/// (gc2pc does not panic on any input, whatever its dependencies do).
fn guard<T>(what: &str, f: impl FnOnce() -> T) -> Result<T, GarbleError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
        .map_err(|_| GarbleError::Internal(format!("garble_lang failed while {what}")))
}

fn digest(circuit: &garble_lang::circuit::Circuit) -> [u8; 32] {
    use garble_lang::circuit::Gate;
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(b"gc2pc garble program v1\0");
    for &n in &circuit.input_gates {
        h.update((n as u64).to_le_bytes());
    }
    h.update((circuit.gates.len() as u64).to_le_bytes());
    for gate in &circuit.gates {
        let (k, a, b) = match *gate {
            Gate::Xor(a, b) => (0u8, a, b),
            Gate::And(a, b) => (1, a, b),
            Gate::Not(a) => (2, a, 0),
        };
        h.update([k]);
        h.update((a as u64).to_le_bytes());
        h.update((b as u64).to_le_bytes());
    }
    for &o in &circuit.output_gates {
        h.update((o as u64).to_le_bytes());
    }
    h.finalize().into()
}
