//! Yao between two parties over a [`Channel`] (DESIGN.md "Protocol"): the
//! two roles as sessions that set up once and then run the circuit any number
//! of times. Secure against a malicious evaluator (the OT extension's KOS
//! check, the checked reveal-both output) and semi-honest against the garbler.
//!
//! Session set-up: both send a [`Hello`] and abort on any difference; the
//! garbler sends the public hash seed; if the evaluator owns input bits, the
//! base OTs of IKNP run once (the garbler's choice bits are Δ).
//!
//! One run: (1) correlated OTs give the evaluator the active labels of its
//! input bits and the garbler their zero labels; (2) the garbler sends the
//! active labels of its own inputs; (3) it streams the garbled tables in chunks
//! as it garbles, and the evaluator evaluates them as they arrive, so both
//! sides hold O(live wires) rather than O(tables); (4) the garbler sends the
//! decoding bits and the evaluator decodes; (5) with [`Reveal::Both`] the
//! evaluator sends the output back with a hash of its output labels, which
//! the garbler checks.
//!
//! Each side checks every length against what the circuit implies before
//! reading, so a peer that sends more, less or garbage ends the session with an
//! error, never an allocation it controls.

pub mod handshake;
pub mod local;

use crate::aes::Engine;
use crate::block::{Block, Delta};
use crate::circuit::stream::Shape;
use crate::circuit::{Circuit, Groups, Plan};
use crate::garble::{
    self, Evaluator, GarbleError, Garbler, Scheme, SegmentSource, TableSink, TableSource,
};
use crate::hash::{HashKind, TweakableHash};
use crate::net::{Channel, NetError};
use crate::ot::iknp::{IknpReceiver, IknpSender, PreparedSender};
use crate::ot::{CotReceiver, CotSender, OtError};
use crate::prg::{Prg, RngError};
pub use handshake::{Hello, Reveal, Role};
use std::time::{Duration, Instant};
use zeroize::Zeroizing;

/// What both parties must agree on about a circuit: who owns which input
/// group, who learns the output, the hash, and the circuit's digest (computed
/// once, when the agreement is made, so that a listening garbler or a
/// connecting evaluator has it before the connection: nothing after connect
/// scales with the circuit but the protocol).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Agreement {
    /// Owner of each input group of the circuit.
    pub input_owners: Vec<Role>,
    /// Who learns the output.
    pub reveal: Reveal,
    /// The garbling hash construction.
    pub hash_kind: HashKind,
    /// The garbling scheme.
    pub scheme: Scheme,
    /// [`handshake::circuit_digest`] of the circuit the agreement was made
    /// for; the handshake compares it with the peer's.
    circuit_digest: [u8; 32],
}

impl Agreement {
    /// The default for `circuit`: group 0 is the garbler's, every other group
    /// the evaluator's; the evaluator learns the output.
    pub fn default_for(circuit: &Circuit) -> Agreement {
        Agreement::with_garbler_groups(circuit, &[0]).expect("group 0 or no groups")
    }

    /// The garbler owns `garbler_groups`, the evaluator every other group.
    pub fn with_garbler_groups(
        circuit: &Circuit,
        garbler_groups: &[usize],
    ) -> Result<Agreement, ProtocolError> {
        Agreement::build(
            circuit.input_sizes().len(),
            circuit.digest(),
            garbler_groups,
        )
    }

    /// The same for a streamed circuit, by its [`Shape`].
    pub fn for_shape(shape: &Shape, garbler_groups: &[usize]) -> Result<Agreement, ProtocolError> {
        Agreement::build(shape.input_sizes.len(), shape.digest, garbler_groups)
    }

    fn build(
        groups: usize,
        digest: [u8; 32],
        garbler_groups: &[usize],
    ) -> Result<Agreement, ProtocolError> {
        if let Some(&g) = garbler_groups.iter().find(|&&g| g >= groups && g != 0) {
            return Err(InputError::GarblerGroup { group: g, groups }.into());
        }
        Ok(Agreement {
            input_owners: (0..groups)
                .map(|g| {
                    if garbler_groups.contains(&g) {
                        Role::Garbler
                    } else {
                        Role::Evaluator
                    }
                })
                .collect(),
            reveal: Reveal::default(),
            hash_kind: HashKind::default(),
            scheme: Scheme::default(),
            circuit_digest: digest,
        })
    }

    /// The digest of the circuit this agreement was made for.
    pub fn circuit_digest(&self) -> [u8; 32] {
        self.circuit_digest
    }

    /// One label per input wire in wire order, taking the groups that `us`
    /// owns from `ours` and the others from `theirs` (each in group order).
    fn in_wire_order(
        &self,
        circuit: &(impl Groups + ?Sized),
        us: Role,
        ours: &[Block],
        theirs: &[Block],
    ) -> Vec<Block> {
        let mut labels = Vec::with_capacity(circuit.total_inputs());
        let (mut next_ours, mut next_theirs) = (ours.iter(), theirs.iter());
        for (owner, &width) in self.input_owners.iter().zip(circuit.input_sizes()) {
            let source = if *owner == us {
                &mut next_ours
            } else {
                &mut next_theirs
            };
            labels.extend(source.by_ref().take(width as usize));
        }
        labels
    }

    /// Total input bits of the groups `role` owns.
    pub fn bits_of(&self, circuit: &(impl Groups + ?Sized), role: Role) -> usize {
        self.groups_of(role)
            .iter()
            .map(|&g| circuit.input_sizes()[g] as usize)
            .sum()
    }

    /// Input groups owned by `role`, in header order.
    pub fn groups_of(&self, role: Role) -> Vec<usize> {
        (0..self.input_owners.len())
            .filter(|&g| self.input_owners[g] == role)
            .collect()
    }
}

/// Why a session failed.
#[derive(Debug, thiserror::Error)]
pub enum ProtocolError {
    /// The channel failed (closed, timed out, or the peer broke framing).
    /// (The cause is part of the message, not a `source`, so that printing
    /// the error chain does not say it twice.)
    #[error("connection: {0}")]
    Net(NetError),
    /// Oblivious transfer failed.
    #[error("oblivious transfer: {0}")]
    Ot(OtError),
    /// The peer's hello could not be read.
    #[error("handshake: {0}")]
    Hello(handshake::HelloError),
    /// The parties disagree on what to run.
    #[error("the parties disagree, so nothing was computed:\n  - {}", .0.join("\n  - "))]
    Mismatch(Vec<String>),
    /// Our own inputs (or the way the session is used) do not fit the
    /// circuit.
    #[error(transparent)]
    Input(#[from] InputError),
    /// With `Reveal::Both`, the evaluator reported an output that its output
    /// labels do not support: a false output, caught.
    #[error(
        "the evaluator reported a false output (it does not match the output labels it must hold), so no output is given"
    )]
    FalseOutput,
    /// The peer sent something the protocol does not allow.
    #[error("the peer broke the protocol: {0}")]
    Peer(PeerError),
    /// The OS random generator failed.
    #[error(transparent)]
    Rng(#[from] RngError),
    /// The circuit stream failed mid-way (a file that breaks off or lies).
    #[error("circuit: {0}")]
    Circuit(crate::circuit::CircuitError),
}

/// How our own inputs, or the way a session is used, do not fit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InputError {
    /// The garbler is said to own a group the circuit does not have.
    #[error(
        "the garbler's groups include group {group}, but the circuit has {groups} input groups"
    )]
    GarblerGroup {
        /// The group.
        group: usize,
        /// The circuit's input groups.
        groups: usize,
    },
    /// Not one value per owned group.
    #[error("the {role} owns {} input group(s) {groups:?} but {got} value(s) were given", groups.len())]
    ValueCount {
        /// "garbler" or "evaluator".
        role: &'static str,
        /// The groups it owns.
        groups: Vec<usize>,
        /// Values given.
        got: usize,
    },
    /// A value of the wrong width.
    #[error("input group {group} has {width} bits, the value given has {got}")]
    ValueWidth {
        /// The group.
        group: usize,
        /// Its width.
        width: usize,
        /// Bits given.
        got: usize,
    },
    /// The agreement does not name one owner per input group.
    #[error("one owner per input group is needed")]
    Owners,
    /// Not one input label per input wire.
    #[error("expected {expected} input labels, got {got}")]
    LabelCount {
        /// Labels needed.
        expected: usize,
        /// Labels given.
        got: usize,
    },
    /// `run` on a session started for a stream.
    #[error("this session streams its circuit: use run_stream")]
    UseRunStream,
    /// `run_stream` on a session started for a whole circuit.
    #[error("this session runs a whole circuit: use run")]
    UseRun,
}

/// What the peer did that the protocol does not allow (beyond the
/// handshake's refusals and the channel's framing errors).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PeerError {
    /// A bit vector with bits set past its length.
    #[error("padding bits set in a bit vector")]
    PaddingBits,
    /// A chunk of garbled tables of the wrong size.
    #[error("a chunk of garbled tables had {got} blocks, expected {expected}")]
    ChunkLength {
        /// Blocks expected.
        expected: usize,
        /// Blocks received.
        got: usize,
    },
}

impl From<NetError> for ProtocolError {
    fn from(error: NetError) -> ProtocolError {
        ProtocolError::Net(error)
    }
}

impl From<OtError> for ProtocolError {
    fn from(error: OtError) -> ProtocolError {
        ProtocolError::Ot(error)
    }
}

impl From<handshake::HelloError> for ProtocolError {
    fn from(error: handshake::HelloError) -> ProtocolError {
        ProtocolError::Hello(error)
    }
}

impl<E: Into<ProtocolError>> From<GarbleError<E>> for ProtocolError {
    fn from(error: GarbleError<E>) -> ProtocolError {
        match error {
            GarbleError::InputCount { expected, got } => {
                InputError::LabelCount { expected, got }.into()
            }
            GarbleError::Tables(e) => e.into(),
            GarbleError::ChunkLength { expected, got } => {
                ProtocolError::Peer(PeerError::ChunkLength { expected, got })
            }
            GarbleError::Source(e) => ProtocolError::Circuit(e),
        }
    }
}

/// What a session did, for `--stats`.
#[derive(Clone, Debug, Default)]
pub struct Stats {
    /// AND gates per run.
    pub and_gates: usize,
    /// Bytes this party sent.
    pub bytes_sent: u64,
    /// Bytes this party received.
    pub bytes_received: u64,
    /// Wall time per phase, in order, summed over runs.
    pub phases: Vec<(&'static str, Duration)>,
}

impl Stats {
    fn add(&mut self, phase: &'static str, since: Instant) -> Instant {
        let now = Instant::now();
        match self.phases.iter_mut().find(|(name, _)| *name == phase) {
            Some((_, total)) => *total += now - since,
            None => self.phases.push((phase, now - since)),
        }
        now
    }
}

/// The shape of an in-memory circuit, from what is at hand (its plan counted
/// the AND gates and its agreement holds the digest).
fn shape_of(circuit: &Circuit, plan: &Plan, agreement: &Agreement) -> Shape {
    Shape {
        num_wires: circuit.num_wires(),
        input_sizes: circuit.input_sizes().to_vec(),
        output_sizes: circuit.output_sizes().to_vec(),
        and_gates: plan.and_count(),
        digest: agreement.circuit_digest,
    }
}

/// Sends garbled tables as block frames of one chunk each.
pub(crate) struct ChannelSink<'a>(pub(crate) &'a mut Channel);

impl TableSink for ChannelSink<'_> {
    type Error = NetError;
    fn send_tables(&mut self, tables: &[Block]) -> Result<(), NetError> {
        self.0.send_blocks(tables)?;
        // Flush each chunk so the evaluator works while we garble the next.
        self.0.flush()
    }
}

/// Receives garbled tables chunk by chunk into one buffer; each frame must
/// have exactly the length the circuit implies.
pub(crate) struct ChannelSource<'a> {
    pub(crate) channel: &'a mut Channel,
    pub(crate) buffer: &'a mut Vec<Block>,
}

impl TableSource for ChannelSource<'_> {
    type Error = NetError;
    fn next_tables(&mut self, len: usize) -> Result<&[Block], NetError> {
        self.buffer.resize(len, Block::ZERO);
        self.channel.recv_blocks(self.buffer)?;
        Ok(self.buffer)
    }
}

/// Checks that `inputs` gives one value of the right width for each group in
/// `groups`, and concatenates the bits.
fn our_bits(
    circuit: &(impl Groups + ?Sized),
    groups: &[usize],
    inputs: &[Vec<bool>],
    role: Role,
) -> Result<Vec<bool>, ProtocolError> {
    if inputs.len() != groups.len() {
        return Err(InputError::ValueCount {
            role: role.name(),
            groups: groups.to_vec(),
            got: inputs.len(),
        }
        .into());
    }
    for (&g, value) in groups.iter().zip(inputs) {
        let width = circuit.input_sizes()[g] as usize;
        if value.len() != width {
            return Err(InputError::ValueWidth {
                group: g,
                width,
                got: value.len(),
            }
            .into());
        }
    }
    Ok(inputs.concat())
}

/// Refuses a session on `channel` instead of running it: the peer's
/// handshake fails with [`handshake::HelloError::Refused`] naming `reason`.
pub fn refuse(channel: &mut Channel, reason: &str) -> Result<(), ProtocolError> {
    channel.send_bytes(&handshake::encode_refusal(reason))?;
    channel.flush()?;
    Ok(())
}

/// Exchanges hellos; an error names every difference.
fn handshake(
    channel: &mut Channel,
    circuit: &(impl Groups + ?Sized),
    agreement: &Agreement,
    role: Role,
) -> Result<(), ProtocolError> {
    if agreement.input_owners.len() != circuit.input_sizes().len() {
        return Err(InputError::Owners.into());
    }
    exchange_hellos(
        channel,
        Hello {
            version: handshake::VERSION,
            role,
            circuit_digest: agreement.circuit_digest,
            hash_kind: agreement.hash_kind,
            scheme: agreement.scheme,
            reveal: agreement.reveal,
            shape: handshake::TranscriptShape::CURRENT,
            input_widths: circuit.input_sizes().to_vec(),
            input_owners: agreement.input_owners.clone(),
            output_widths: circuit.output_sizes().to_vec(),
        },
    )
}

/// Sends `ours`, reads the peer's hello; an error names every difference.
pub(crate) fn exchange_hellos(channel: &mut Channel, ours: Hello) -> Result<(), ProtocolError> {
    channel.send_bytes(&ours.encode())?;
    channel.flush()?;
    let theirs = Hello::decode(&channel.recv_bytes(handshake::MAX_HELLO_BYTES)?)?;
    let differences = ours.differences(&theirs);
    if differences.is_empty() {
        Ok(())
    } else {
        Err(ProtocolError::Mismatch(differences))
    }
}

/// What the evaluator returns with `Reveal::Both` besides the output bits:
/// SHA-256 over a domain label and its output labels. The garbler recomputes
/// it from the zero labels, Δ and the reported bits; reporting a different
/// output would take the other label of some output wire, which only Δ gives.
pub(crate) fn output_check(labels: &[Block]) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    let mut hash = Sha256::new();
    hash.update(b"gc2pc output labels v1\0");
    for label in labels {
        hash.update(label.to_bytes());
    }
    hash.finalize().into()
}

/// Bits packed LSB-first into bytes.
pub(crate) fn pack_bits(bits: &[bool]) -> Vec<u8> {
    let mut out = vec![0u8; bits.len().div_ceil(8)];
    for (i, &bit) in bits.iter().enumerate() {
        out[i / 8] |= (bit as u8) << (i % 8);
    }
    out
}

/// Unpacks `count` bits; the unused high bits of the last byte must be zero.
pub(crate) fn unpack_bits(bytes: &[u8], count: usize) -> Result<Vec<bool>, ProtocolError> {
    let bits: Vec<bool> = (0..bytes.len() * 8)
        .map(|i| bytes[i / 8] >> (i % 8) & 1 == 1)
        .collect();
    if bits[count..].iter().any(|&b| b) {
        return Err(ProtocolError::Peer(PeerError::PaddingBits));
    }
    Ok(bits[..count].to_vec())
}

/// Splits flat output bits into the circuit's output groups.
pub fn split_outputs(circuit: &(impl Groups + ?Sized), flat: &[bool]) -> Vec<Vec<bool>> {
    let mut rest = flat;
    circuit
        .output_sizes()
        .iter()
        .map(|&n| {
            let (head, tail) = rest.split_at(n as usize);
            rest = tail;
            head.to_vec()
        })
        .collect()
}

/// The garbler's session: set up once, then [`GarblerSession::run`] per input.
///
/// Its OTs come from IKNP by default (`C`); [`GarblerSession::start_with_cot`]
/// takes any correlated OT (e.g. [`crate::ot::ideal`] in tests).
pub struct GarblerSession<'a, C: CotSender = IknpSender> {
    channel: Channel,
    shape: Shape,
    /// Whether the garbler runs a stream ([`GarblerSession::run_stream`])
    /// rather than a plan.
    streaming: bool,
    agreement: Agreement,
    garbler: Garbler<'a>,
    delta: Delta,
    ot: Option<C>,
    prg: Prg,
    stats: Stats,
}

/// What the garbler computes before its evaluator connects: Δ, the hash seed
/// and, when the evaluator has inputs, the base-OT receiver message of IKNP
/// (most of the garbler's base-OT work, a few milliseconds). A listening
/// garbler prepares while it waits, so the evaluator does not wait for it.
pub struct GarblerPrep {
    prg: Prg,
    delta: Delta,
    seed: Block,
    ot: Option<PreparedSender>,
    took: Duration,
}

impl core::fmt::Debug for GarblerPrep {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("GarblerPrep(<secret>)")
    }
}

impl GarblerPrep {
    /// Draws Δ and the seed from the OS and prepares the base OTs that a
    /// session of `circuit` under `agreement` needs.
    pub fn new(
        circuit: &(impl Groups + ?Sized),
        agreement: &Agreement,
    ) -> Result<GarblerPrep, ProtocolError> {
        Ok(GarblerPrep::with_rng(
            circuit,
            agreement,
            Prg::from_os_rng()?,
        ))
    }

    /// As [`GarblerPrep::new`], every secret of the session (Δ, the hash
    /// seed, input labels, base-OT randomness, three-halves' random bits)
    /// drawn from `prg`: an OS-seeded one in use, a fixed seed only in
    /// tests that check a transcript.
    pub fn with_rng(
        circuit: &(impl Groups + ?Sized),
        agreement: &Agreement,
        mut prg: Prg,
    ) -> GarblerPrep {
        let start = Instant::now();
        let delta = prg.random_delta();
        let seed = prg.random_block();
        let ot = (agreement.bits_of(circuit, Role::Evaluator) > 0)
            .then(|| IknpSender::prepare(&delta, &mut prg));
        GarblerPrep {
            prg,
            delta,
            seed,
            ot,
            took: start.elapsed(),
        }
    }
}

impl<'a> GarblerSession<'a> {
    /// Handshake, hash seed and base OTs over `channel`. `plan` must be
    /// `Plan::new(circuit)`.
    pub fn start(
        channel: Channel,
        circuit: &'a Circuit,
        plan: &'a Plan,
        agreement: Agreement,
        backend: Engine,
    ) -> Result<Self, ProtocolError> {
        let prep = GarblerPrep::new(circuit, &agreement)?;
        GarblerSession::start_prepared(channel, circuit, plan, agreement, backend, prep)
    }

    /// As [`GarblerSession::start`], with the secrets and base-OT message
    /// prepared beforehand (for this circuit and agreement; a `prep` made for
    /// another one is completed or trimmed here). Statistics count the
    /// preparation as the phase "OT preparation" (it ran before the connection,
    /// so it is not part of the session's wall time).
    pub fn start_prepared(
        channel: Channel,
        circuit: &'a Circuit,
        plan: &'a Plan,
        agreement: Agreement,
        backend: Engine,
        prep: GarblerPrep,
    ) -> Result<Self, ProtocolError> {
        let shape = shape_of(circuit, plan, &agreement);
        GarblerSession::start_with(channel, shape, Some(plan), agreement, backend, prep)
    }

    /// A session for a streamed circuit of `shape` (each run draws its
    /// windows from a [`SegmentSource`]: [`GarblerSession::run_stream`]),
    /// with the secrets prepared beforehand.
    pub fn start_stream(
        channel: Channel,
        shape: &Shape,
        agreement: Agreement,
        backend: Engine,
        prep: GarblerPrep,
    ) -> Result<GarblerSession<'static>, ProtocolError> {
        GarblerSession::start_with(channel, shape.clone(), None, agreement, backend, prep)
    }

    fn start_with(
        channel: Channel,
        shape: Shape,
        plan: Option<&'a Plan>,
        agreement: Agreement,
        backend: Engine,
        prep: GarblerPrep,
    ) -> Result<Self, ProtocolError> {
        let GarblerPrep {
            mut prg,
            delta,
            seed,
            ot,
            took,
        } = prep;
        // A preparation for another agreement still works: prepare here
        // what it lacks, drop what it has too much.
        let ot = match (agreement.bits_of(&shape, Role::Evaluator) > 0, ot) {
            (true, None) => Some(IknpSender::prepare(&delta, &mut prg)),
            (true, ot) => ot,
            (false, _) => None,
        };
        let setup = |channel: &mut Channel, seed: Block| -> Result<_, ProtocolError> {
            // The handshake checked that both sides agree on who has inputs.
            // The KOS check's Fiat–Shamir transcript starts from the
            // session's fresh hash seed (both sides know it before any
            // column).
            Ok(match ot {
                Some(prepared) => {
                    let mut ot = prepared.setup(channel)?;
                    ot.bind(seed);
                    Some(ot)
                }
                None => None,
            })
        };
        GarblerSession::start_core(
            channel, shape, plan, agreement, backend, prg, delta, seed, took, setup,
        )
    }
}

impl<'a, C: CotSender> GarblerSession<'a, C> {
    /// A session whose correlated OTs come from `cot` (its Δ becomes the
    /// garbler's; it is bound to the session's hash seed with
    /// [`CotSender::bind`]) instead of IKNP, every other secret drawn from
    /// `prg`; no base OTs run. For testing the protocol above OT with an ideal COT
    /// ([`crate::ot::ideal`]); the evaluator starts with
    /// [`EvaluatorSession::start_with_cot`].
    pub fn start_with_cot(
        channel: Channel,
        circuit: &'a Circuit,
        plan: &'a Plan,
        agreement: Agreement,
        backend: Engine,
        mut prg: Prg,
        mut cot: C,
    ) -> Result<Self, ProtocolError> {
        let shape = shape_of(circuit, plan, &agreement);
        let (delta, seed) = (cot.delta().clone(), prg.random_block());
        GarblerSession::start_core(
            channel,
            shape,
            Some(plan),
            agreement,
            backend,
            prg,
            delta,
            seed,
            std::time::Duration::ZERO,
            |_, seed| {
                cot.bind(seed);
                Ok(Some(cot))
            },
        )
    }

    /// The handshake, the hash seed, then `setup_ot` (the base OTs).
    #[allow(clippy::too_many_arguments)]
    fn start_core(
        mut channel: Channel,
        shape: Shape,
        plan: Option<&'a Plan>,
        agreement: Agreement,
        backend: Engine,
        mut prg: Prg,
        delta: Delta,
        seed: Block,
        took: std::time::Duration,
        setup_ot: impl FnOnce(&mut Channel, Block) -> Result<Option<C>, ProtocolError>,
    ) -> Result<Self, ProtocolError> {
        let circuit = &shape;
        let mut stats = Stats {
            and_gates: shape.and_gates,
            phases: vec![("OT preparation", took)],
            ..Stats::default()
        };
        let t = Instant::now();
        handshake(&mut channel, circuit, &agreement, Role::Garbler)?;
        channel.send_block(seed)?;
        channel.flush()?;
        let t = stats.add("handshake", t);
        let ot = setup_ot(&mut channel, seed)?;
        stats.add("base OT", t);
        let hash = TweakableHash::new(agreement.hash_kind, backend, seed);
        Ok(GarblerSession {
            garbler: match plan {
                Some(plan) => Garbler::new(plan, hash, delta.clone()),
                None => Garbler::streaming(hash, delta.clone()),
            }
            .with_scheme(agreement.scheme, &mut prg),
            channel,
            streaming: plan.is_none(),
            shape,
            agreement,
            delta,
            ot,
            prg,
            stats,
        })
    }

    /// One execution with the garbler's values for its groups (in header
    /// order). Returns the output groups with `Reveal::Both`, else `None`.
    pub fn run(&mut self, inputs: &[Vec<bool>]) -> Result<Option<Vec<Vec<bool>>>, ProtocolError> {
        if self.streaming {
            return Err(InputError::UseRunStream.into());
        }
        self.run_with(inputs, |garbler, zero, sink| garbler.garble(zero, sink))
    }

    /// One execution of a streamed session, the windows drawn from `source`
    /// (a new stream of the circuit of the session's shape).
    pub fn run_stream(
        &mut self,
        inputs: &[Vec<bool>],
        source: &mut impl SegmentSource,
    ) -> Result<Option<Vec<Vec<bool>>>, ProtocolError> {
        if !self.streaming {
            return Err(InputError::UseRun.into());
        }
        self.run_with(inputs, |garbler, zero, sink| {
            garbler.garble_stream(zero, source, sink)
        })
    }

    fn run_with(
        &mut self,
        inputs: &[Vec<bool>],
        garble: impl FnOnce(
            &mut Garbler<'a>,
            &[Block],
            &mut ChannelSink<'_>,
        ) -> Result<Vec<Block>, GarbleError<NetError>>,
    ) -> Result<Option<Vec<Vec<bool>>>, ProtocolError> {
        let circuit = &self.shape;
        let ours = self.agreement.groups_of(Role::Garbler);
        // Every label, input bit and copy of them below is zeroized when
        // dropped: `our_zero[i] ^ active[i]` alone would be Δ.
        let bits = Zeroizing::new(our_bits(circuit, &ours, inputs, Role::Garbler)?);
        let their_count = self.agreement.bits_of(circuit, Role::Evaluator);

        let t = Instant::now();
        let their_zero = Zeroizing::new(match self.ot.as_mut() {
            Some(ot) => ot.send_cot(&mut self.channel, their_count)?,
            None => Vec::new(),
        });
        let t = self.stats.add("OT extension", t);

        // Zero labels of all input wires in order; ours random, theirs from OT.
        let mut our_zero = Zeroizing::new(vec![Block::ZERO; bits.len()]);
        self.prg.fill_blocks(&mut our_zero);
        let delta = Zeroizing::new(self.delta.block());
        let active: Zeroizing<Vec<Block>> = Zeroizing::new(
            our_zero
                .iter()
                .zip(bits.iter())
                .map(|(&l, &b)| l ^ delta.select(b))
                .collect(),
        );
        self.channel.send_blocks(&active)?;
        let zero = Zeroizing::new(self.agreement.in_wire_order(
            circuit,
            Role::Garbler,
            &our_zero,
            &their_zero,
        ));
        let output_zero = Zeroizing::new(garble(
            &mut self.garbler,
            &zero,
            &mut ChannelSink(&mut self.channel),
        )?);
        let t = self.stats.add("garbling", t);

        self.channel
            .send_bytes(&pack_bits(&garble::decoding_bits(&output_zero)))?;
        self.channel.flush()?;
        let result = match self.agreement.reveal {
            Reveal::Evaluator => None,
            Reveal::Both => {
                let n = circuit.total_outputs();
                let mut bytes = vec![0u8; n.div_ceil(8)];
                self.channel.recv_bytes_exact(&mut bytes)?;
                let flat = unpack_bits(&bytes, n)?;
                let mut check = [0u8; 32];
                self.channel.recv_bytes_exact(&mut check)?;
                // The labels the evaluator must hold if it reports `flat`:
                // another output needs the other label, i.e. Δ.
                let expected: Zeroizing<Vec<Block>> = Zeroizing::new(
                    output_zero
                        .iter()
                        .zip(&flat)
                        .map(|(&l, &b)| l ^ delta.select(b))
                        .collect(),
                );
                if !bool::from(subtle::ConstantTimeEq::ct_eq(
                    &output_check(&expected)[..],
                    &check[..],
                )) {
                    return Err(ProtocolError::FalseOutput);
                }
                Some(split_outputs(circuit, &flat))
            }
        };
        self.stats.add("output", t);
        Ok(result)
    }

    /// Statistics so far.
    pub fn stats(&self) -> Stats {
        Stats {
            bytes_sent: self.channel.bytes_sent(),
            bytes_received: self.channel.bytes_received(),
            ..self.stats.clone()
        }
    }
}

/// The evaluator's session: set up once, then [`EvaluatorSession::run`] per input.
///
/// Its OTs come from IKNP by default (`C`); see
/// [`EvaluatorSession::start_with_cot`].
pub struct EvaluatorSession<'a, C: CotReceiver = IknpReceiver> {
    channel: Channel,
    shape: Shape,
    streaming: bool,
    agreement: Agreement,
    evaluator: Evaluator<'a>,
    /// The chunk of garbled tables being evaluated, reused across runs.
    tables: Vec<Block>,
    ot: Option<C>,
    stats: Stats,
}

impl<'a> EvaluatorSession<'a> {
    /// Handshake, hash seed and base OTs over `channel`.
    pub fn start(
        channel: Channel,
        circuit: &'a Circuit,
        plan: &'a Plan,
        agreement: Agreement,
        backend: Engine,
    ) -> Result<Self, ProtocolError> {
        let rng = Prg::from_os_rng()?;
        EvaluatorSession::start_with_rng(channel, circuit, plan, agreement, backend, rng)
    }

    /// As [`EvaluatorSession::start`], the base-OT and KOS randomness drawn
    /// from `rng` (an OS-seeded one in use; a fixed seed only in tests that
    /// check a transcript).
    pub fn start_with_rng(
        channel: Channel,
        circuit: &'a Circuit,
        plan: &'a Plan,
        agreement: Agreement,
        backend: Engine,
        rng: Prg,
    ) -> Result<Self, ProtocolError> {
        let shape = shape_of(circuit, plan, &agreement);
        EvaluatorSession::start_with(channel, shape, Some(plan), agreement, backend, rng)
    }

    /// A session for a streamed circuit of `shape` (each run draws its
    /// windows from a [`SegmentSource`]: [`EvaluatorSession::run_stream`]).
    pub fn start_stream(
        channel: Channel,
        shape: &Shape,
        agreement: Agreement,
        backend: Engine,
    ) -> Result<EvaluatorSession<'static>, ProtocolError> {
        let rng = Prg::from_os_rng()?;
        EvaluatorSession::start_with(channel, shape.clone(), None, agreement, backend, rng)
    }

    fn start_with(
        channel: Channel,
        shape: Shape,
        plan: Option<&'a Plan>,
        agreement: Agreement,
        backend: Engine,
        mut rng: Prg,
    ) -> Result<Self, ProtocolError> {
        let needs_ot = agreement.bits_of(&shape, Role::Evaluator) > 0;
        let setup = |channel: &mut Channel, seed: Block| -> Result<_, ProtocolError> {
            Ok(if needs_ot {
                let mut ot = IknpReceiver::setup(channel, &mut rng)?;
                ot.bind(seed);
                Some(ot)
            } else {
                None
            })
        };
        EvaluatorSession::start_core(channel, shape, plan, agreement, backend, setup)
    }
}

impl<'a, C: CotReceiver> EvaluatorSession<'a, C> {
    /// A session whose correlated OTs come from `cot` instead of IKNP (see
    /// [`GarblerSession::start_with_cot`]).
    pub fn start_with_cot(
        channel: Channel,
        circuit: &'a Circuit,
        plan: &'a Plan,
        agreement: Agreement,
        backend: Engine,
        mut cot: C,
    ) -> Result<Self, ProtocolError> {
        let shape = shape_of(circuit, plan, &agreement);
        EvaluatorSession::start_core(channel, shape, Some(plan), agreement, backend, |_, seed| {
            cot.bind(seed);
            Ok(Some(cot))
        })
    }

    /// The handshake, the hash seed, then `setup_ot` (the base OTs).
    fn start_core(
        mut channel: Channel,
        shape: Shape,
        plan: Option<&'a Plan>,
        agreement: Agreement,
        backend: Engine,
        setup_ot: impl FnOnce(&mut Channel, Block) -> Result<Option<C>, ProtocolError>,
    ) -> Result<Self, ProtocolError> {
        let circuit = &shape;
        let mut stats = Stats {
            and_gates: shape.and_gates,
            ..Stats::default()
        };
        let t = Instant::now();
        handshake(&mut channel, circuit, &agreement, Role::Evaluator)?;
        let seed = channel.recv_block()?;
        let t = stats.add("handshake", t);
        let ot = setup_ot(&mut channel, seed)?;
        stats.add("base OT", t);
        let hash = TweakableHash::new(agreement.hash_kind, backend, seed);
        Ok(EvaluatorSession {
            evaluator: match plan {
                Some(plan) => Evaluator::new(plan, hash),
                None => Evaluator::streaming(hash),
            }
            .with_scheme(agreement.scheme),
            tables: Vec::with_capacity(2 * garble::TABLE_CHUNK_GATES),
            channel,
            streaming: plan.is_none(),
            shape,
            agreement,
            ot,
            stats,
        })
    }

    /// One execution with the evaluator's values for its groups (in header
    /// order); returns the output groups.
    pub fn run(&mut self, inputs: &[Vec<bool>]) -> Result<Vec<Vec<bool>>, ProtocolError> {
        if self.streaming {
            return Err(InputError::UseRunStream.into());
        }
        self.run_with(inputs, |evaluator, active, _, source| {
            evaluator.evaluate(active, source)
        })
    }

    /// One execution of a streamed session, the windows drawn from `source`
    /// (a new stream of the circuit of the session's shape).
    pub fn run_stream(
        &mut self,
        inputs: &[Vec<bool>],
        source: &mut impl SegmentSource,
    ) -> Result<Vec<Vec<bool>>, ProtocolError> {
        if !self.streaming {
            return Err(InputError::UseRun.into());
        }
        self.run_with(inputs, |evaluator, active, and_gates, tables| {
            evaluator.evaluate_stream(active, and_gates, source, tables)
        })
    }

    fn run_with(
        &mut self,
        inputs: &[Vec<bool>],
        evaluate: impl FnOnce(
            &mut Evaluator<'a>,
            &[Block],
            usize,
            &mut ChannelSource<'_>,
        ) -> Result<Vec<Block>, GarbleError<NetError>>,
    ) -> Result<Vec<Vec<bool>>, ProtocolError> {
        let circuit = &self.shape;
        let ours = self.agreement.groups_of(Role::Evaluator);
        // Labels and input bits are zeroized when dropped.
        let bits = Zeroizing::new(our_bits(circuit, &ours, inputs, Role::Evaluator)?);
        let their_count = self.agreement.bits_of(circuit, Role::Garbler);

        let t = Instant::now();
        let our_labels = Zeroizing::new(match self.ot.as_mut() {
            Some(ot) => ot.recv_cot(&mut self.channel, &bits)?,
            None => Vec::new(),
        });
        let t = self.stats.add("OT extension", t);

        let mut their_labels = Zeroizing::new(vec![Block::ZERO; their_count]);
        self.channel.recv_blocks(&mut their_labels)?;
        let active = Zeroizing::new(self.agreement.in_wire_order(
            circuit,
            Role::Evaluator,
            &our_labels,
            &their_labels,
        ));
        let output_labels = Zeroizing::new(evaluate(
            &mut self.evaluator,
            &active,
            self.shape.and_gates,
            &mut ChannelSource {
                channel: &mut self.channel,
                buffer: &mut self.tables,
            },
        )?);
        let t = self.stats.add("evaluating", t);

        let n = circuit.total_outputs();
        let mut bytes = vec![0u8; n.div_ceil(8)];
        self.channel.recv_bytes_exact(&mut bytes)?;
        // A stream whose outputs differ from its shape (a file changed
        // under us) is caught here.
        let flat = garble::decode(&output_labels, &unpack_bits(&bytes, n)?)
            .map_err(|e| ProtocolError::Circuit(crate::circuit::ShapeError::Outputs(e).into()))?;
        if self.agreement.reveal == Reveal::Both {
            // The output and a hash of the labels behind it, which the
            // garbler checks (a false output would need labels only Δ gives).
            self.channel.send_bytes(&pack_bits(&flat))?;
            self.channel.send_bytes(&output_check(&output_labels))?;
            self.channel.flush()?;
        }
        self.stats.add("output", t);
        Ok(split_outputs(circuit, &flat))
    }

    /// Statistics so far.
    pub fn stats(&self) -> Stats {
        Stats {
            bytes_sent: self.channel.bytes_sent(),
            bytes_received: self.channel.bytes_received(),
            ..self.stats.clone()
        }
    }
}
