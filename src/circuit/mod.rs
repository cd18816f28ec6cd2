//! Boolean circuits: the `Circuit` type and its invariants, Bristol I/O
//! (`bristol`), plaintext evaluation (`eval`, the reference for everything else),
//! integer/byte-string values on wires (`value`) and the `Plan` that garbling
//! runs over (`plan`). The generators of `gc2pc circuit gen` are programs on
//! the secure integers: [`crate::secure::circuits`].
//!
//! A `Circuit` can only be made through [`Circuit::new`], which checks every
//! invariant (wires in range, each wire written once, no read before write,
//! outputs defined), so garbling and evaluation can index wires without checks
//! failing at run time.

pub mod binary;
pub mod bristol;
pub mod eval;
pub mod plan;
pub mod planfile;
pub mod stream;
pub mod value;

pub use plan::Plan;

/// Index of a wire. Circuits have fewer than 2^31 wires.
pub type WireId = u32;

/// The largest number of wires (and gates) a circuit may have: 2^31 - 1.
pub const MAX_WIRES: u64 = (1 << 31) - 1;

/// One gate. XOR, INV, EQ and EQW are free under free-XOR; AND costs 2 blocks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Gate {
    /// `out = a ⊕ b`
    Xor {
        /// First input wire.
        a: WireId,
        /// Second input wire.
        b: WireId,
        /// Output wire.
        out: WireId,
    },
    /// `out = a ∧ b`
    And {
        /// First input wire.
        a: WireId,
        /// Second input wire.
        b: WireId,
        /// Output wire.
        out: WireId,
    },
    /// `out = ¬a` (Bristol `INV` or `NOT`)
    Inv {
        /// Input wire.
        a: WireId,
        /// Output wire.
        out: WireId,
    },
    /// `out = value`, a constant (Bristol `EQ`; its input field is the constant)
    Eq {
        /// The constant.
        value: bool,
        /// Output wire.
        out: WireId,
    },
    /// `out = a`, a copy (Bristol `EQW`)
    EqW {
        /// Input wire.
        a: WireId,
        /// Output wire.
        out: WireId,
    },
}

impl Gate {
    /// The wire this gate writes.
    #[inline]
    pub fn output(&self) -> WireId {
        match *self {
            Gate::Xor { out, .. }
            | Gate::And { out, .. }
            | Gate::Inv { out, .. }
            | Gate::Eq { out, .. }
            | Gate::EqW { out, .. } => out,
        }
    }

    /// The wires this gate reads (none for `Eq`).
    #[inline]
    pub fn inputs(&self) -> impl Iterator<Item = WireId> {
        let (first, second) = match *self {
            Gate::Xor { a, b, .. } | Gate::And { a, b, .. } => (Some(a), Some(b)),
            Gate::Inv { a, .. } | Gate::EqW { a, .. } => (Some(a), None),
            Gate::Eq { .. } => (None, None),
        };
        first.into_iter().chain(second)
    }

    /// The Bristol opcode of this gate.
    pub fn opcode(&self) -> &'static str {
        match self {
            Gate::Xor { .. } => "XOR",
            Gate::And { .. } => "AND",
            Gate::Inv { .. } => "INV",
            Gate::Eq { .. } => "EQ",
            Gate::EqW { .. } => "EQW",
        }
    }
}

/// Which Bristol dialect a circuit was read from (or should be written as).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// The old Bristol Format: `n1 n2 n3` header, two inputs, one output.
    Bristol,
    /// Bristol Fashion, basic gates only.
    BristolFashion,
    /// Bristol Fashion extended with `MAND` (read as individual AND gates).
    BristolFashionMand,
}

impl Format {
    /// Human-readable name, as `gc2pc circuit info` prints it.
    pub fn name(self) -> &'static str {
        match self {
            Format::Bristol => "Bristol Format (old)",
            Format::BristolFashion => "Bristol Fashion",
            Format::BristolFashionMand => "Bristol Fashion (extended, MAND)",
        }
    }
}

/// Why a circuit (or a value for it) was rejected.
#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum CircuitError {
    /// A problem in a Bristol file, at a 1-based line number.
    #[error("line {line}: {message}")]
    Parse {
        /// The 1-based line number.
        line: usize,
        /// What is wrong there.
        message: String,
    },
    /// The circuit breaks an invariant (gate index is 0-based in gate order).
    #[error("gate {gate}: {message}")]
    Invalid {
        /// The 0-based gate index.
        gate: usize,
        /// What is wrong with it.
        message: String,
    },
    /// Header-level inconsistency (sizes, counts), or a stream that is not
    /// the circuit it was agreed to be.
    #[error(transparent)]
    Shape(#[from] ShapeError),
    /// A value given for an input group does not fit or does not parse.
    #[error(transparent)]
    Value(#[from] ValueError),
    /// Reading the file failed. The cause is in the message (so an error
    /// chain prints it once) and typed in `error`.
    #[error("cannot read circuit{}: {error}", match path { Some(p) => format!(" {}", p.display()), None => String::new() })]
    Io {
        /// The file, where known.
        path: Option<std::path::PathBuf>,
        /// What the operating system said.
        error: IoCause,
    },
    /// A problem in a binary circuit file, at a byte offset.
    #[error("binary circuit, byte {offset}: {message}")]
    Binary {
        /// Offset of the problem in the file.
        offset: u64,
        /// What is wrong.
        message: String,
    },
}

impl CircuitError {
    /// An I/O error reading `path` (or an unnamed source).
    pub(crate) fn io(path: Option<&std::path::Path>, error: std::io::Error) -> CircuitError {
        CircuitError::Io {
            path: path.map(|p| p.to_path_buf()),
            error: IoCause(std::sync::Arc::new(error)),
        }
    }

    /// The same error naming `path`, if it is an I/O error without a path.
    pub(crate) fn at_path(self, path: &std::path::Path) -> CircuitError {
        match self {
            CircuitError::Io { path: None, error } => CircuitError::Io {
                path: Some(path.to_path_buf()),
                error,
            },
            other => other,
        }
    }
}

/// The operating system's error behind [`CircuitError::Io`], shared so that
/// the error stays `Clone`; two are equal when their kind and text are.
#[derive(Clone, Debug)]
pub struct IoCause(std::sync::Arc<std::io::Error>);

impl IoCause {
    /// The I/O error.
    pub fn get(&self) -> &std::io::Error {
        &self.0
    }
}

impl core::fmt::Display for IoCause {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        self.0.fmt(f)
    }
}

impl PartialEq for IoCause {
    fn eq(&self, other: &IoCause) -> bool {
        self.0.kind() == other.0.kind() && self.0.to_string() == other.0.to_string()
    }
}

impl Eq for IoCause {}

/// How a circuit's shape is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ShapeError {
    /// More wires than this build supports.
    #[error("{wires} wires is more than the supported {max}")]
    TooManyWires {
        /// The circuit's wires.
        wires: u64,
        /// The limit.
        max: u64,
    },
    /// The input groups need more wires than the circuit has.
    #[error("the inputs need {needed} wires but the circuit has only {wires}")]
    InputsExceedWires {
        /// Wires the input groups need.
        needed: u64,
        /// Wires the circuit has.
        wires: u64,
    },
    /// The output groups need more wires than the circuit has.
    #[error("the outputs need {needed} wires but the circuit has only {wires}")]
    OutputsExceedWires {
        /// Wires the output groups need.
        needed: u64,
        /// Wires the circuit has.
        wires: u64,
    },
    /// More gates than this build supports.
    #[error("too many gates")]
    TooManyGates,
    /// An output wire that no gate writes.
    #[error("output wire {wire} is never written")]
    OutputNeverWritten {
        /// The wire.
        wire: u64,
    },
    /// The old Bristol format cannot hold these groups.
    #[error("the old Bristol format holds at most 2 input groups and exactly 1 output group")]
    OldFormatGroups,
    /// A one-pass source was asked for its gates twice.
    #[error("the circuit was already streamed")]
    AlreadyStreamed,
    /// The file read again is not the file scanned.
    #[error("the circuit file changed since it was first read")]
    FileChanged,
    /// The gate stream has more (`more`) or fewer AND gates than agreed.
    #[error("the stream has {} AND gates than agreed", if *.more { "more" } else { "fewer" })]
    AndGates {
        /// More than agreed (else fewer).
        more: bool,
    },
    /// The outputs do not match the circuit's output wires.
    #[error("the circuit's outputs: {0}")]
    Outputs(crate::garble::DecodeLengths),
}

/// Why a value for an input group is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ValueError {
    /// Not one value per input group.
    #[error("the circuit has {expected} input groups but {got} were given")]
    InputGroups {
        /// The circuit's input groups.
        expected: usize,
        /// Values given.
        got: usize,
    },
    /// A value of the wrong width.
    #[error("input group {group} has {width} wires but {got} bits were given")]
    InputWidth {
        /// The group.
        group: usize,
        /// Its wires.
        width: usize,
        /// Bits given.
        got: usize,
    },
    /// A list whose length does not divide the group's width.
    #[error(
        "a list of {count} values needs a group width divisible by {count}, but the group has {width} bits"
    )]
    ListWidth {
        /// Values in the list.
        count: usize,
        /// The group's width.
        width: usize,
    },
    /// An empty element in a list.
    #[error("element {index} of the list `{text}` is empty")]
    EmptyElement {
        /// The element's index.
        index: usize,
        /// The list (shortened).
        text: String,
    },
    /// An element of a list that does not parse.
    #[error("element {index} of the list: {error}")]
    Element {
        /// The element's index.
        index: usize,
        /// Why.
        error: Box<ValueError>,
    },
    /// A character that is not a digit of the number's radix.
    #[error("`{text}` is not a number: `{digit}` is not a {radix} digit")]
    Digit {
        /// The value (shortened).
        text: String,
        /// The offending character.
        digit: char,
        /// "decimal", "hex" or "binary".
        radix: &'static str,
    },
    /// A prefix without digits.
    #[error("`{text}` is not a number (no digits)")]
    NoDigits {
        /// The value (shortened).
        text: String,
    },
    /// Nothing given.
    #[error("empty value for a {width}-bit group")]
    Empty {
        /// The group's width.
        width: usize,
    },
    /// An unsigned value too large for the group.
    #[error("value {text} does not fit in {width} bits")]
    TooLarge {
        /// The value (shortened).
        text: String,
        /// The group's width.
        width: usize,
    },
    /// A signed value outside the group's two's-complement range.
    #[error("value {text} does not fit in {width} bits of two's complement")]
    TooLargeSigned {
        /// The value (shortened).
        text: String,
        /// The group's width.
        width: usize,
    },
    /// An MSB-first value of the wrong length.
    #[error("MSB-first value {text} has the wrong length for a {width}-bit group ({hint})")]
    MsbLength {
        /// The value (shortened).
        text: String,
        /// The group's width.
        width: usize,
        /// What length would fit.
        hint: String,
    },
}

/// A validated Boolean circuit: gates in topological order over `num_wires`
/// wires; input group g occupies the next `input_sizes[g]` wires from 0; the
/// outputs are the last `sum(output_sizes)` wires, in group order.
#[derive(Clone, Debug)]
pub struct Circuit {
    num_wires: u32,
    input_sizes: Vec<u32>,
    output_sizes: Vec<u32>,
    gates: Vec<Gate>,
    format: Format,
    /// [`Circuit::digest`], once computed (or checked by the binary reader).
    digest: std::sync::OnceLock<[u8; 32]>,
}

/// Circuits are equal when their shape, gates and format are (whether a
/// digest has been computed yet does not matter).
impl PartialEq for Circuit {
    fn eq(&self, other: &Circuit) -> bool {
        self.num_wires == other.num_wires
            && self.input_sizes == other.input_sizes
            && self.output_sizes == other.output_sizes
            && self.gates == other.gates
            && self.format == other.format
    }
}

impl Eq for Circuit {}

impl Circuit {
    /// Checks every invariant and builds the circuit:
    /// all wires `< num_wires`; inputs fit; every gate reads only wires already
    /// defined (inputs or earlier gate outputs); no gate writes an input wire or
    /// a wire written before; every output wire is defined.
    pub fn new(
        num_wires: u64,
        input_sizes: Vec<u32>,
        output_sizes: Vec<u32>,
        gates: Vec<Gate>,
        format: Format,
    ) -> Result<Circuit, CircuitError> {
        if num_wires > MAX_WIRES {
            return Err(ShapeError::TooManyWires {
                wires: num_wires,
                max: MAX_WIRES,
            }
            .into());
        }
        let total_in: u64 = input_sizes.iter().map(|&n| n as u64).sum();
        let total_out: u64 = output_sizes.iter().map(|&n| n as u64).sum();
        if total_in > num_wires {
            return Err(ShapeError::InputsExceedWires {
                needed: total_in,
                wires: num_wires,
            }
            .into());
        }
        if total_out > num_wires {
            return Err(ShapeError::OutputsExceedWires {
                needed: total_out,
                wires: num_wires,
            }
            .into());
        }
        if gates.len() as u64 > MAX_WIRES {
            return Err(ShapeError::TooManyGates.into());
        }
        let num_wires = num_wires as u32;
        // One bit per wire (a bitset stays in cache far longer than a
        // `Vec<bool>` on circuits of millions of wires).
        let mut defined = Bits::new(num_wires as usize);
        defined.set_prefix(total_in as usize);
        for (index, gate) in gates.iter().enumerate() {
            for wire in gate.inputs() {
                if wire >= num_wires {
                    return Err(invalid(
                        index,
                        format!("reads wire {wire}, but the circuit has {num_wires} wires"),
                    ));
                }
                if !defined.get(wire as usize) {
                    return Err(invalid(
                        index,
                        format!("reads wire {wire} before it is written"),
                    ));
                }
            }
            let out = gate.output();
            if out >= num_wires {
                return Err(invalid(
                    index,
                    format!("writes wire {out}, but the circuit has {num_wires} wires"),
                ));
            }
            if (out as u64) < total_in {
                return Err(invalid(index, format!("writes input wire {out}")));
            }
            if defined.get(out as usize) {
                return Err(invalid(index, format!("writes wire {out} a second time")));
            }
            defined.set(out as usize);
        }
        let first_out = num_wires as u64 - total_out;
        if let Some(wire) = (first_out..num_wires as u64).find(|&w| !defined.get(w as usize)) {
            return Err(ShapeError::OutputNeverWritten { wire }.into());
        }
        Ok(Circuit {
            num_wires,
            input_sizes,
            output_sizes,
            gates,
            format,
            digest: std::sync::OnceLock::new(),
        })
    }

    /// SHA-256 over a canonical binary form of the circuit: a domain label,
    /// the wire count, the input and output widths, and every gate as opcode
    /// byte and its wires (u32 LE). It ignores the file's dialect and
    /// whitespace; the protocol's handshake compares it, and the binary
    /// circuit format ([`binary`]) stores it.
    /// Computed once per circuit and kept.
    pub fn digest(&self) -> [u8; 32] {
        *self.digest.get_or_init(|| {
            let mut digest = Digester::new(self.num_wires(), &self.input_sizes, &self.output_sizes);
            digest.gates(&self.gates);
            digest.finish()
        })
    }

    /// Records a digest already computed over exactly these gates (the binary
    /// reader computes it while reading).
    pub(crate) fn set_digest(&self, digest: [u8; 32]) {
        let _ = self.digest.set(digest);
    }

    /// Number of wires.
    #[inline]
    pub fn num_wires(&self) -> usize {
        self.num_wires as usize
    }

    /// Bits per input group, in header order.
    #[inline]
    pub fn input_sizes(&self) -> &[u32] {
        &self.input_sizes
    }

    /// Bits per output group, in header order.
    #[inline]
    pub fn output_sizes(&self) -> &[u32] {
        &self.output_sizes
    }

    /// The gates in topological order.
    #[inline]
    pub fn gates(&self) -> &[Gate] {
        &self.gates
    }

    /// The dialect the circuit was read from.
    #[inline]
    pub fn format(&self) -> Format {
        self.format
    }

    /// The same circuit, marked to be written in another dialect. The old
    /// format can only express two input groups and one output group.
    pub fn with_format(mut self, format: Format) -> Result<Circuit, CircuitError> {
        if format == Format::Bristol && (self.input_sizes.len() > 2 || self.output_sizes.len() != 1)
        {
            return Err(ShapeError::OldFormatGroups.into());
        }
        self.format = format;
        Ok(self)
    }

    /// Total input bits.
    pub fn total_inputs(&self) -> usize {
        self.input_sizes.iter().map(|&n| n as usize).sum()
    }

    /// Total output bits.
    pub fn total_outputs(&self) -> usize {
        self.output_sizes.iter().map(|&n| n as usize).sum()
    }

    /// The first wire of input group `group`.
    pub fn input_offset(&self, group: usize) -> usize {
        self.input_sizes[..group].iter().map(|&n| n as usize).sum()
    }

    /// The first output wire (outputs are the last wires).
    pub fn first_output_wire(&self) -> usize {
        self.num_wires as usize - self.total_outputs()
    }

    /// Number of AND gates (the only ones that cost anything to garble).
    pub fn and_count(&self) -> usize {
        self.gates
            .iter()
            .filter(|g| matches!(g, Gate::And { .. }))
            .count()
    }

    /// The longest chain of AND gates from an input to an output wire (gates
    /// whose results reach no output do not count, as in circuits-ref).
    pub fn and_depth(&self) -> u32 {
        let mut depth = vec![0u32; self.num_wires as usize];
        for gate in &self.gates {
            depth[gate.output() as usize] =
                gate.inputs().map(|w| depth[w as usize]).max().unwrap_or(0)
                    + matches!(gate, Gate::And { .. }) as u32;
        }
        depth[self.first_output_wire()..]
            .iter()
            .copied()
            .max()
            .unwrap_or(0)
    }
}

/// A fixed-size bitset over wires.
struct Bits(Vec<u64>);

impl Bits {
    fn new(len: usize) -> Bits {
        Bits(vec![0; len.div_ceil(64)])
    }

    /// Sets bits `0..n`.
    fn set_prefix(&mut self, n: usize) {
        self.0[..n / 64].fill(u64::MAX);
        if !n.is_multiple_of(64) {
            self.0[n / 64] |= (1 << (n % 64)) - 1;
        }
    }

    #[inline]
    fn get(&self, i: usize) -> bool {
        self.0[i / 64] >> (i % 64) & 1 != 0
    }

    #[inline]
    fn set(&mut self, i: usize) {
        self.0[i / 64] |= 1 << (i % 64);
    }
}

fn invalid(gate: usize, message: String) -> CircuitError {
    CircuitError::Invalid { gate, message }
}

/// The group widths of a circuit, whole ([`Circuit`]) or streamed
/// ([`stream::Shape`]): all the protocol needs to know about its inputs and
/// outputs.
pub trait Groups {
    /// Bits per input group.
    fn input_sizes(&self) -> &[u32];
    /// Bits per output group.
    fn output_sizes(&self) -> &[u32];
    /// Total input bits.
    fn total_inputs(&self) -> usize {
        self.input_sizes().iter().map(|&n| n as usize).sum()
    }
    /// Total output bits.
    fn total_outputs(&self) -> usize {
        self.output_sizes().iter().map(|&n| n as usize).sum()
    }
}

impl Groups for Circuit {
    fn input_sizes(&self) -> &[u32] {
        &self.input_sizes
    }
    fn output_sizes(&self) -> &[u32] {
        &self.output_sizes
    }
}

impl Groups for stream::Shape {
    fn input_sizes(&self) -> &[u32] {
        &self.input_sizes
    }
    fn output_sizes(&self) -> &[u32] {
        &self.output_sizes
    }
}

/// [`Circuit::digest`] computed as the gates go by (the binary reader checks
/// a file's stored digest this way without a second pass).
pub struct Digester {
    hasher: sha2::Sha256,
    buffer: Vec<u8>,
}

impl Digester {
    /// Starts the digest of a circuit with this shape.
    pub fn new(num_wires: usize, input_sizes: &[u32], output_sizes: &[u32]) -> Digester {
        use sha2::Digest;
        let mut hasher = sha2::Sha256::new();
        hasher.update(b"gc2pc circuit v1\0");
        hasher.update((num_wires as u64).to_le_bytes());
        for sizes in [input_sizes, output_sizes] {
            hasher.update((sizes.len() as u64).to_le_bytes());
            for size in sizes {
                hasher.update(size.to_le_bytes());
            }
        }
        Digester {
            hasher,
            buffer: Vec::with_capacity(13 * 4096),
        }
    }

    /// Adds gates, in order.
    pub fn gates(&mut self, gates: &[Gate]) {
        use sha2::Digest;
        for chunk in gates.chunks(4096) {
            self.buffer.clear();
            for gate in chunk {
                let (op, a, b) = match *gate {
                    Gate::Xor { a, b, .. } => (0u8, a, b),
                    Gate::And { a, b, .. } => (1, a, b),
                    Gate::Inv { a, .. } => (2, a, 0),
                    Gate::Eq { value, .. } => (3, value as u32, 0),
                    Gate::EqW { a, .. } => (4, a, 0),
                };
                self.buffer.push(op);
                self.buffer.extend_from_slice(&a.to_le_bytes());
                self.buffer.extend_from_slice(&b.to_le_bytes());
                self.buffer.extend_from_slice(&gate.output().to_le_bytes());
            }
            self.hasher.update(&self.buffer);
        }
    }

    /// The digest.
    pub fn finish(self) -> [u8; 32] {
        use sha2::Digest;
        self.hasher.finalize().into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn and_of_two() -> Vec<Gate> {
        vec![Gate::And { a: 0, b: 1, out: 2 }]
    }

    #[test]
    fn accepts_a_valid_circuit_and_reports_shape() {
        let c = Circuit::new(3, vec![1, 1], vec![1], and_of_two(), Format::BristolFashion).unwrap();
        assert_eq!(c.and_count(), 1);
        assert_eq!(c.and_depth(), 1);
        assert_eq!(c.first_output_wire(), 2);
        assert_eq!(c.input_offset(1), 1);
    }

    #[test]
    fn rejects_each_broken_invariant() {
        let f = Format::BristolFashion;
        let read_late = vec![Gate::Xor { a: 0, b: 3, out: 2 }, Gate::Inv { a: 0, out: 3 }];
        assert!(matches!(
            Circuit::new(4, vec![1, 1], vec![1], read_late, f),
            Err(CircuitError::Invalid { gate: 0, .. })
        ));
        let twice = vec![Gate::Inv { a: 0, out: 2 }, Gate::Inv { a: 1, out: 2 }];
        assert!(Circuit::new(3, vec![1, 1], vec![1], twice, f).is_err());
        let writes_input = vec![Gate::Inv { a: 0, out: 1 }];
        assert!(Circuit::new(3, vec![1, 1], vec![1], writes_input, f).is_err());
        let out_of_range = vec![Gate::And { a: 0, b: 7, out: 2 }];
        assert!(Circuit::new(3, vec![1, 1], vec![1], out_of_range, f).is_err());
        assert!(Circuit::new(4, vec![1, 1], vec![2], and_of_two(), f).is_err());
        assert!(Circuit::new(2, vec![1, 1], vec![1], vec![], f).is_ok());
        assert!(Circuit::new(1 << 40, vec![], vec![], vec![], f).is_err());
    }
}
