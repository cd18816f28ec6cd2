//! A program run garbled between two parties: the garbler and the evaluator
//! each run the same program with a [`Session`] of their role.
//!
//! Transcript, in program order (both sides emit the same events):
//! 1. hellos (the program's name digest in place of a circuit digest), the
//!    hash seed, the base OTs of IKNP (always: inputs are not known ahead);
//! 2. a garbler input: a control frame, then its active labels (garbler →
//!    evaluator);
//! 3. an evaluator input: one IKNP extension with the KOS check, its input
//!    bits as the choice bits (evaluator → garbler, then the check);
//! 4. each window of up to 2^15 gates: ordered by stage on both sides the
//!    same way (the wire names are the label slots, see [`super::ctx`]); a
//!    control frame, then the tables streamed garbler → evaluator in chunks;
//! 5. a reveal: a control frame and, if the evaluator learns the value, the
//!    decoding bits; if the garbler learns it, the evaluator returns the
//!    permute bits of its labels with a hash of the labels, which the garbler
//!    checks (a false value would need the other label, i.e. Δ);
//! 6. at the end, a last control frame.
//!
//! A control frame is the event and a 128-bit digest of the gate stream up
//! to it; the evaluator compares it with its own before it reads anything
//! else, so two honest parties running different programs stop at the first
//! difference ([`super::Error::ProgramMismatch`]) instead of computing
//! garbage. Every window costs 17 bytes more than its tables.

use super::ctx::{Backend, Ctx, W, const_of};
use super::{Error, Party, RevealTo};
use crate::block::{Block, Delta};
use crate::circuit::Gate;
use crate::circuit::stream::Segment;
use crate::garble::{Evaluator, Garbler, Scheme};
use crate::hash::{HashKind, TweakableHash};
use crate::net::tls::{self, TlsFiles};
use crate::net::{Channel, NetError, tcp};
use crate::ot::iknp::{IknpReceiver, IknpSender};
use crate::ot::{CotReceiver, CotSender};
use crate::prg::Prg;
use crate::protocol::handshake::{self, Hello, Reveal};
use crate::protocol::{self, ChannelSink, ChannelSource, ProtocolError};
use std::time::Duration;
use zeroize::Zeroizing;

/// How a party runs secure programs: its role, the garbling hash, the AES
/// backend, the time limits, the program's name and the transport. Make one
/// with [`Session::builder`]; one `Session` runs any number of programs,
/// each over a new channel.
#[derive(Clone)]
pub struct Session {
    role: Party,
    hash: HashKind,
    scheme: Scheme,
    aes: crate::aes::Engine,
    timeout: Duration,
    program: String,
    tls: Option<(TlsFiles, String)>,
}

impl core::fmt::Debug for Session {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Session")
            .field("role", &self.role)
            .field("hash", &self.hash)
            .field("scheme", &self.scheme)
            .field("aes", &self.aes)
            .field("timeout", &self.timeout)
            .field("program", &self.program)
            .field("tls", &self.tls.is_some())
            .finish()
    }
}

/// The most public data a party announces in [`Session::run_announced`].
pub const MAX_ANNOUNCEMENT: usize = 64 << 10;

/// Builds a [`Session`].
#[derive(Clone, Debug)]
pub struct SessionBuilder(Session);

impl SessionBuilder {
    /// The garbling hash (both parties must choose the same; default TCCR).
    pub fn hash(mut self, hash: HashKind) -> Self {
        self.0.hash = hash;
        self
    }

    /// The garbling scheme (both parties must choose the same; default
    /// half-gates).
    pub fn scheme(mut self, scheme: Scheme) -> Self {
        self.0.scheme = scheme;
        self
    }

    /// The AES backend (default: the fastest this CPU has).
    pub fn aes(mut self, engine: crate::aes::Engine) -> Self {
        self.0.aes = engine;
        self
    }

    /// The limit on every wait for the peer, and on connecting (default 60 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.0.timeout = timeout;
        self
    }

    /// The program's name, compared in the handshake: two parties that
    /// name different programs stop before anything secret moves (default
    /// empty). The gate streams are also compared at every reveal.
    pub fn program(mut self, name: &str) -> Self {
        self.0.program = name.to_string();
        self
    }

    /// Mutual TLS with these credentials; `server_name` is the name the
    /// garbler's certificate must carry (used by the evaluator).
    pub fn tls(mut self, files: TlsFiles, server_name: &str) -> Self {
        self.0.tls = Some((files, server_name.to_string()));
        self
    }

    /// The session.
    pub fn build(self) -> Session {
        self.0
    }
}

impl Session {
    /// A builder for a party of `role`.
    pub fn builder(role: Party) -> SessionBuilder {
        SessionBuilder(Session {
            role,
            hash: HashKind::default(),
            scheme: Scheme::default(),
            aes: crate::aes::Engine::best(),
            timeout: Duration::from_secs(60),
            program: String::new(),
            tls: None,
        })
    }

    /// This party's role.
    pub fn role(&self) -> Party {
        self.role
    }

    /// Runs `program` with the peer on `channel` (TCP, TLS, in memory: any
    /// channel). The garbler's and the evaluator's programs must make the
    /// same operations in the same order; each gives only its own inputs.
    pub fn run<T>(
        &self,
        channel: Channel,
        program: impl FnOnce(&Ctx) -> Result<T, Error>,
    ) -> Result<T, Error> {
        self.run_announced(channel, &[], |ctx, _| program(ctx))
    }

    /// As [`Session::run`], after the parties exchange public data (at most
    /// [`MAX_ANNOUNCEMENT`] bytes each, e.g. the sizes of their sets): the
    /// program gets the peer's.
    pub fn run_announced<T>(
        &self,
        mut channel: Channel,
        ours: &[u8],
        program: impl FnOnce(&Ctx, &[u8]) -> Result<T, Error>,
    ) -> Result<T, Error> {
        if ours.len() > MAX_ANNOUNCEMENT {
            return Err(Error::Shape(format!(
                "an announcement of {} bytes (at most {MAX_ANNOUNCEMENT})",
                ours.len()
            )));
        }
        channel
            .set_timeout(self.timeout)
            .map_err(ProtocolError::from)?;
        let (ctx, theirs) = match self.role {
            Party::Garbler => {
                let mut party = GarblerParty::start(self, channel)?;
                party.channel.send_bytes(ours).map_err(net)?;
                party.channel.flush().map_err(net)?;
                let theirs = party.channel.recv_bytes(MAX_ANNOUNCEMENT).map_err(net)?;
                (Ctx::new(Box::new(party)), theirs)
            }
            Party::Evaluator => {
                let mut party = EvaluatorParty::start(self, channel)?;
                let theirs = party.channel.recv_bytes(MAX_ANNOUNCEMENT).map_err(net)?;
                party.channel.send_bytes(ours).map_err(net)?;
                party.channel.flush().map_err(net)?;
                (Ctx::new(Box::new(party)), theirs)
            }
        };
        let out = program(&ctx, &theirs)?;
        ctx.finish()?;
        Ok(out)
    }

    /// Connects to the peer at `addr` (with TLS if configured) and runs
    /// `program`. Usually the evaluator connects and the garbler listens.
    pub fn connect_and_run<T>(
        &self,
        addr: &str,
        program: impl FnOnce(&Ctx) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let channel = match &self.tls {
            Some((files, name)) => {
                let config = tls::client_config(files)?;
                tls::connect(addr, config, name, self.timeout)?
            }
            None => tcp::connect(addr, self.timeout).map_err(ProtocolError::from)?,
        };
        self.run(channel, program)
    }

    /// Waits (up to the timeout) for one peer on `listener` and runs
    /// `program` with it.
    pub fn accept_and_run<T>(
        &self,
        listener: &tcp::Listener,
        program: impl FnOnce(&Ctx) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let channel = match &self.tls {
            Some((files, _)) => {
                let config = tls::server_config(files)?;
                let stream = listener
                    .accept_stream(self.timeout)
                    .map_err(ProtocolError::from)?;
                tls::accept(stream, config, self.timeout)?
            }
            None => listener.accept(self.timeout).map_err(ProtocolError::from)?,
        };
        self.run(channel, program)
    }

    fn hello(&self) -> Hello {
        use sha2::{Digest, Sha256};
        let mut digest = Sha256::new();
        digest.update(b"gc2pc secure program v1\0");
        digest.update(self.program.as_bytes());
        Hello {
            version: handshake::VERSION,
            role: self.role,
            circuit_digest: digest.finalize().into(),
            hash_kind: self.hash,
            scheme: self.scheme,
            reveal: Reveal::default(),
            shape: handshake::TranscriptShape::CURRENT,
            input_widths: Vec::new(),
            input_owners: Vec::new(),
            output_widths: Vec::new(),
        }
    }
}

fn net(e: NetError) -> Error {
    Error::Protocol(e.into())
}

/// A window's gates in stage order, names as slots.
#[derive(Default)]
struct Window {
    segment: Segment,
    order: Vec<u32>,
}

impl Window {
    fn build(&mut self, gates: &[Gate], stages: &[u32], num_names: usize) -> &Segment {
        self.segment
            .from_stages(gates, stages, num_names, &mut self.order);
        &self.segment
    }
}

struct GarblerParty {
    channel: Channel,
    window: Window,
    garbler: Garbler<'static>,
    delta: Delta,
    ot: IknpSender,
    prg: Prg,
}

impl GarblerParty {
    fn start(session: &Session, mut channel: Channel) -> Result<GarblerParty, Error> {
        let mut prg = Prg::from_os_rng().map_err(ProtocolError::from)?;
        let delta = prg.random_delta();
        let seed = prg.random_block();
        let prepared = IknpSender::prepare(&delta, &mut prg);
        protocol::exchange_hellos(&mut channel, session.hello())?;
        channel.send_block(seed).map_err(net)?;
        channel.flush().map_err(net)?;
        let mut ot = prepared.setup(&mut channel).map_err(ProtocolError::from)?;
        ot.bind(seed);
        let hash = TweakableHash::new(session.hash, session.aes, seed);
        let mut garbler =
            Garbler::streaming(hash, delta.clone()).with_scheme(session.scheme, &mut prg);
        garbler.begin_pieces();
        Ok(GarblerParty {
            channel,
            window: Window::default(),
            garbler,
            delta,
            ot,
            prg,
        })
    }
}

impl GarblerParty {
    /// The frame before each garbler input, window, reveal and the end: the
    /// event and the digest of the gate stream up to it, which the evaluator
    /// compares with its own before it reads anything else.
    fn control(&mut self, event: u8, check: [u8; 16]) -> Result<(), Error> {
        let mut frame = [0u8; CONTROL_BYTES];
        frame[0] = event;
        frame[1..].copy_from_slice(&check);
        self.channel.send_bytes(&frame).map_err(net)
    }
}

/// A control frame: the event ('I', 'W', 'R', 'F') and a digest.
const CONTROL_BYTES: usize = 17;

impl Backend for GarblerParty {
    fn traffic(&self) -> (u64, u64) {
        (self.channel.bytes_sent(), self.channel.bytes_received())
    }

    fn needs_value(&self, owner: Party) -> bool {
        owner == Party::Garbler
    }

    fn input(
        &mut self,
        owner: Party,
        names: &[u32],
        bits: Option<&[bool]>,
        check: [u8; 16],
    ) -> Result<(), Error> {
        let zero = match owner {
            Party::Garbler => {
                let bits = bits.ok_or(Error::MissingInput("garbler"))?;
                self.control(b'I', check)?;
                let mut zero = Zeroizing::new(vec![Block::ZERO; names.len()]);
                self.prg.fill_blocks(&mut zero);
                let delta = Zeroizing::new(self.delta.block());
                let active: Zeroizing<Vec<Block>> = Zeroizing::new(
                    zero.iter()
                        .zip(bits)
                        .map(|(&l, &b)| l ^ delta.select(b))
                        .collect(),
                );
                self.channel.send_blocks(&active).map_err(net)?;
                self.channel.flush().map_err(net)?;
                zero
            }
            Party::Evaluator => Zeroizing::new(
                self.ot
                    .send_cot(&mut self.channel, names.len())
                    .map_err(ProtocolError::from)?,
            ),
        };
        self.garbler.set_labels(names, &zero);
        Ok(())
    }

    fn window(
        &mut self,
        gates: &[Gate],
        stages: &[u32],
        num_names: usize,
        check: [u8; 16],
    ) -> Result<(), Error> {
        self.control(b'W', check)?;
        let segment = self.window.build(gates, stages, num_names);
        self.garbler
            .garble_segment(segment, &mut ChannelSink(&mut self.channel))
            .map_err(ProtocolError::from)?;
        Ok(())
    }

    fn reveal(
        &mut self,
        wires: &[W],
        to: RevealTo,
        check: [u8; 16],
    ) -> Result<Option<Vec<bool>>, Error> {
        let names: Vec<u32> = wires
            .iter()
            .copied()
            .filter(|&w| const_of(w).is_none())
            .collect();
        let zero = Zeroizing::new(self.garbler.labels_at(&names));
        let decoding: Vec<bool> = zero.iter().map(|l| l.lsb()).collect();
        self.control(b'R', check)?;
        if to.includes(Party::Evaluator) {
            self.channel
                .send_bytes(&protocol::pack_bits(&decoding))
                .map_err(net)?;
        }
        self.channel.flush().map_err(net)?;
        if !to.includes(Party::Garbler) {
            return Ok(None);
        }
        // The evaluator's permute bits and the hash of its labels.
        let mut packed = vec![0u8; names.len().div_ceil(8)];
        self.channel.recv_bytes_exact(&mut packed).map_err(net)?;
        let permute = protocol::unpack_bits(&packed, names.len())?;
        let mut their_check = [0u8; 32];
        self.channel
            .recv_bytes_exact(&mut their_check)
            .map_err(net)?;
        let bits: Vec<bool> = permute
            .iter()
            .zip(&decoding)
            .map(|(&p, &d)| p ^ d)
            .collect();
        let delta = Zeroizing::new(self.delta.block());
        let expected: Zeroizing<Vec<Block>> = Zeroizing::new(
            zero.iter()
                .zip(&bits)
                .map(|(&l, &b)| l ^ delta.select(b))
                .collect(),
        );
        if !bool::from(subtle::ConstantTimeEq::ct_eq(
            &protocol::output_check(&expected)[..],
            &their_check[..],
        )) {
            return Err(ProtocolError::FalseOutput.into());
        }
        Ok(Some(merge(wires, &bits)))
    }

    fn finish(&mut self, check: [u8; 16]) -> Result<(), Error> {
        self.control(b'F', check)?;
        self.channel.flush().map_err(net)
    }
}

/// The bits of `wires`: constants as they are, names from `bits` in order.
fn merge(wires: &[W], bits: &[bool]) -> Vec<bool> {
    let mut it = bits.iter();
    wires
        .iter()
        .map(|&w| const_of(w).unwrap_or_else(|| *it.next().unwrap_or(&false)))
        .collect()
}

struct EvaluatorParty {
    channel: Channel,
    window: Window,
    evaluator: Evaluator<'static>,
    tables: Vec<Block>,
    ot: IknpReceiver,
    /// Events checked so far.
    events: u64,
}

impl EvaluatorParty {
    fn start(session: &Session, mut channel: Channel) -> Result<EvaluatorParty, Error> {
        protocol::exchange_hellos(&mut channel, session.hello())?;
        let seed = channel.recv_block().map_err(net)?;
        let mut prg = Prg::from_os_rng().map_err(ProtocolError::from)?;
        let mut ot = IknpReceiver::setup(&mut channel, &mut prg).map_err(ProtocolError::from)?;
        ot.bind(seed);
        let hash = TweakableHash::new(session.hash, session.aes, seed);
        let mut evaluator = Evaluator::streaming(hash).with_scheme(session.scheme);
        evaluator.begin_pieces();
        Ok(EvaluatorParty {
            channel,
            window: Window::default(),
            evaluator,
            tables: Vec::new(),
            ot,
            events: 0,
        })
    }

    /// Reads the garbler's control frame for this event and compares it
    /// with ours: a different event, digest or frame means the two parties
    /// run different programs.
    fn expect(&mut self, event: u8, check: [u8; 16]) -> Result<(), Error> {
        self.events += 1;
        let mut frame = [0u8; CONTROL_BYTES];
        match self.channel.recv_bytes_exact(&mut frame) {
            Ok(()) => {}
            Err(NetError::UnexpectedLength { .. }) => {
                return Err(Error::ProgramMismatch(self.events));
            }
            Err(e) => return Err(net(e)),
        }
        if frame[0] != event || frame[1..] != check {
            return Err(Error::ProgramMismatch(self.events));
        }
        Ok(())
    }
}

impl Backend for EvaluatorParty {
    fn traffic(&self) -> (u64, u64) {
        (self.channel.bytes_sent(), self.channel.bytes_received())
    }

    fn needs_value(&self, owner: Party) -> bool {
        owner == Party::Evaluator
    }

    fn input(
        &mut self,
        owner: Party,
        names: &[u32],
        bits: Option<&[bool]>,
        check: [u8; 16],
    ) -> Result<(), Error> {
        let labels = match owner {
            Party::Garbler => {
                self.expect(b'I', check)?;
                let mut labels = Zeroizing::new(vec![Block::ZERO; names.len()]);
                self.channel.recv_blocks(&mut labels).map_err(net)?;
                labels
            }
            Party::Evaluator => {
                let bits = bits.ok_or(Error::MissingInput("evaluator"))?;
                Zeroizing::new(
                    self.ot
                        .recv_cot(&mut self.channel, bits)
                        .map_err(ProtocolError::from)?,
                )
            }
        };
        self.evaluator.set_labels(names, &labels);
        Ok(())
    }

    fn window(
        &mut self,
        gates: &[Gate],
        stages: &[u32],
        num_names: usize,
        check: [u8; 16],
    ) -> Result<(), Error> {
        self.expect(b'W', check)?;
        let segment = self.window.build(gates, stages, num_names);
        self.evaluator
            .evaluate_segment(
                segment,
                &mut ChannelSource {
                    channel: &mut self.channel,
                    buffer: &mut self.tables,
                },
            )
            .map_err(ProtocolError::from)?;
        Ok(())
    }

    fn reveal(
        &mut self,
        wires: &[W],
        to: RevealTo,
        check: [u8; 16],
    ) -> Result<Option<Vec<bool>>, Error> {
        let names: Vec<u32> = wires
            .iter()
            .copied()
            .filter(|&w| const_of(w).is_none())
            .collect();
        let active = Zeroizing::new(self.evaluator.labels_at(&names));
        self.expect(b'R', check)?;
        let mut result = None;
        if to.includes(Party::Evaluator) {
            let mut packed = vec![0u8; names.len().div_ceil(8)];
            self.channel.recv_bytes_exact(&mut packed).map_err(net)?;
            let decoding = protocol::unpack_bits(&packed, names.len())?;
            let bits: Vec<bool> = active
                .iter()
                .zip(&decoding)
                .map(|(l, &d)| l.lsb() ^ d)
                .collect();
            result = Some(merge(wires, &bits));
        }
        if to.includes(Party::Garbler) {
            let permute: Vec<bool> = active.iter().map(|l| l.lsb()).collect();
            self.channel
                .send_bytes(&protocol::pack_bits(&permute))
                .map_err(net)?;
            self.channel
                .send_bytes(&protocol::output_check(&active))
                .map_err(net)?;
            self.channel.flush().map_err(net)?;
        }
        Ok(result)
    }

    fn finish(&mut self, check: [u8; 16]) -> Result<(), Error> {
        self.expect(b'F', check)
    }
}

/// Garbles without a peer: random input labels, tables discarded.
struct LocalGarbler {
    window: Window,
    garbler: Garbler<'static>,
    prg: Prg,
}

impl Backend for LocalGarbler {
    fn needs_value(&self, _: Party) -> bool {
        false
    }
    fn input(
        &mut self,
        _: Party,
        names: &[u32],
        _: Option<&[bool]>,
        _: [u8; 16],
    ) -> Result<(), Error> {
        let mut zero = Zeroizing::new(vec![Block::ZERO; names.len()]);
        self.prg.fill_blocks(&mut zero);
        self.garbler.set_labels(names, &zero);
        Ok(())
    }
    fn window(
        &mut self,
        gates: &[Gate],
        stages: &[u32],
        num_names: usize,
        _: [u8; 16],
    ) -> Result<(), Error> {
        let segment = self.window.build(gates, stages, num_names);
        match self
            .garbler
            .garble_segment(segment, &mut crate::garble::DiscardSink)
        {
            Ok(()) => Ok(()),
            Err(crate::garble::GarbleError::Tables(never)) => match never {},
            Err(e) => Err(Error::Shape(format!("garbling failed: {e:?}"))),
        }
    }
    fn reveal(&mut self, _: &[W], _: RevealTo, _: [u8; 16]) -> Result<Option<Vec<bool>>, Error> {
        Ok(None)
    }
}

/// Garbles `program` on this CPU alone (a random Δ, random input labels,
/// the tables discarded; reveals return `None`), with `aes` and `hash`:
/// what garbling the program costs, without a peer or a network. Returns
/// the program's result and its AND gates.
pub fn garble_only<T>(
    aes: crate::aes::Engine,
    hash: HashKind,
    program: impl FnOnce(&Ctx) -> Result<T, Error>,
) -> Result<(T, u64), Error> {
    let mut prg = Prg::from_os_rng().map_err(ProtocolError::from)?;
    let delta = prg.random_delta();
    let seed = prg.random_block();
    let mut garbler = Garbler::streaming(TweakableHash::new(hash, aes, seed), delta);
    garbler.begin_pieces();
    let ctx = Ctx::new(Box::new(LocalGarbler {
        window: Window::default(),
        garbler,
        prg,
    }));
    let out = program(&ctx)?;
    ctx.finish()?;
    Ok((out, ctx.and_gates()))
}

/// Runs `program` as both parties in this process, the garbler and the
/// evaluator on two threads over a loopback TCP connection (examples,
/// tests, trying a program out). `program` gets the party it plays and must
/// give only that party's inputs. Returns (the garbler's result, the
/// evaluator's).
pub fn run_local<T: Send>(
    program: impl Fn(&Ctx, Party) -> Result<T, Error> + Sync,
) -> Result<(T, T), Error> {
    run_local_with(Scheme::default(), crate::aes::Engine::best(), program)
}

/// [`run_local`] with garbling scheme `scheme` on the AES backend `aes`.
pub fn run_local_with<T: Send>(
    scheme: Scheme,
    aes: crate::aes::Engine,
    program: impl Fn(&Ctx, Party) -> Result<T, Error> + Sync,
) -> Result<(T, T), Error> {
    let listener = tcp::listen("127.0.0.1:0").map_err(ProtocolError::from)?;
    let addr = listener
        .local_addr()
        .map_err(ProtocolError::from)?
        .to_string();
    std::thread::scope(|s| {
        let garbler = s.spawn(|| {
            Session::builder(Party::Garbler)
                .scheme(scheme)
                .aes(aes)
                .build()
                .accept_and_run(&listener, |ctx| program(ctx, Party::Garbler))
        });
        let evaluator = Session::builder(Party::Evaluator)
            .scheme(scheme)
            .aes(aes)
            .build()
            .connect_and_run(&addr, |ctx| program(ctx, Party::Evaluator));
        let garbler = match garbler.join() {
            Ok(result) => result,
            Err(panic) => std::panic::resume_unwind(panic),
        };
        Ok((garbler?, evaluator?))
    })
}
