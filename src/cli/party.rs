//! `gc2pc garble`, `gc2pc evaluate` and `gc2pc demo`: the two parties of a
//! semi-honest Yao run over TCP or mutual TLS 1.3, and both of them in one
//! process.
//!
//! Transport: plain TCP by default (fine on loopback and for benchmarks; a
//! warning is printed when the address is not loopback), or mutual TLS 1.3
//! when `--tls-cert`, `--tls-key` and `--tls-ca` are given (see
//! `gc2pc::net::tls`). The TLS handshake, and with it the verification of the
//! peer's certificate, completes before any gc2pc message.
//!
//! `gc2pc garble --serve` accepts evaluators in a loop, one session per
//! connection on its own thread with fresh randomness (Δ, seeds, base OTs), at
//! most `--max-sessions` at once: further connections wait in the listen
//! backlog until a session ends (their own `--timeout` keeps running). A
//! failed session is logged (`garbler: session N from ADDR failed: …`) and
//! never stops the server.

use super::circuit::OutputFormat;
use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use gc2pc::aes::Engine;
use gc2pc::circuit::stream::FileCircuit;
use gc2pc::circuit::value::{self, BitOrder};
use gc2pc::circuit::{Circuit, Groups, Plan, bristol};
use gc2pc::garble::Scheme;
use gc2pc::net::tls::{self, TlsFiles};
use gc2pc::net::{Channel, NetError, tcp};
use gc2pc::protocol::{
    self, Agreement, EvaluatorSession, GarblerPrep, GarblerSession, ProtocolError, Reveal, Role,
    Stats, local,
};
use std::net::{TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};
use zeroize::Zeroizing;

/// A party's own input values, one bit vector per group it owns; zeroized
/// when dropped.
type SecretInputs = Zeroizing<Vec<Vec<bool>>>;

/// The largest `--timeout` and `--session-timeout`: a week.
const MAX_TIMEOUT_S: u64 = 7 * 24 * 3600;

/// The default address of `gc2pc garble --listen` and `gc2pc evaluate --connect`.
pub const DEFAULT_ADDR: &str = "127.0.0.1:7766";

/// The garbling scheme (`--scheme`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Default)]
pub enum SchemeArg {
    /// Half-gates: 32 bytes per AND gate, the least CPU.
    #[default]
    HalfGates,
    /// Three-halves: 24.6 bytes per AND gate (a quarter less), 1.5× the
    /// hashing; for slow links.
    ThreeHalves,
}

impl From<SchemeArg> for Scheme {
    fn from(arg: SchemeArg) -> Scheme {
        match arg {
            SchemeArg::HalfGates => Scheme::HalfGates,
            SchemeArg::ThreeHalves => Scheme::ThreeHalves,
        }
    }
}

/// Who learns the output.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Default)]
pub enum RevealArg {
    /// Only the evaluator prints the output.
    #[default]
    Evaluator,
    /// The evaluator sends the output back and both print it.
    Both,
}

/// Options both parties share; both must pass the same circuit, `--reveal`
/// and `--garbler-groups`, or the handshake stops the run.
#[derive(Args, Debug, Clone)]
pub struct PartyArgs {
    /// The circuit both parties run: a Bristol file (either dialect) or a gc2pc binary circuit (`gc2pc circuit compile`).
    #[arg(long, value_name = "FILE", required_unless_present = "program")]
    pub circuit: Option<PathBuf>,
    /// A Garble program both parties run instead of a circuit (the
    /// `garble_lang` language: `pub fn main(a: GarblerType, b: EvaluatorType)
    /// -> Output`); --input is then one Garble literal such as `[3u32, 7u32]`.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["circuit", "msb_bytes", "garbler_groups"])]
    pub program: Option<PathBuf>,
    /// Your value for each input group you own, in header order: decimal,
    /// 0x hex or 0b binary, mapped LSB-first onto the group's wires
    /// (`v1,v2,…` splits a group into equal-width elements, e.g. a PSI set).
    #[arg(long = "input", value_name = "V", allow_hyphen_values = true)]
    pub inputs: Vec<String>,
    /// Read your values from FILE instead of --input, one per line (`-`:
    /// standard input), so they do not show in `ps`; blank lines and `#`
    /// comments are skipped.
    #[arg(long, value_name = "FILE", conflicts_with = "inputs")]
    pub input_file: Option<PathBuf>,
    /// Values and outputs are MSB-first byte strings (the old AES-non-expanded
    /// and sha-256 files), not LSB-first integers.
    #[arg(long)]
    pub msb_bytes: bool,
    /// How the output is printed.
    #[arg(long, value_enum, default_value_t)]
    pub format: OutputFormat,
    /// Who learns the output.
    #[arg(long, value_enum, default_value_t)]
    pub reveal: RevealArg,
    /// Input groups the garbler owns (comma-separated); the evaluator owns the
    /// rest. With the default, group 0 is the garbler's and group 1 (and any
    /// further group) the evaluator's.
    #[arg(long, value_name = "G,…", value_delimiter = ',', default_value = "0")]
    pub garbler_groups: Vec<usize>,
    /// The garbling scheme; both parties must pass the same (the handshake
    /// names a mismatch). half-gates sends 32 bytes per AND gate;
    /// three-halves 24.6 (a quarter less) for 1.5× the hashing, which pays
    /// when the link, not the CPU, sets the pace (README, "Garbling schemes").
    #[arg(long, value_enum, default_value_t)]
    pub scheme: SchemeArg,
    /// Seconds to wait for the peer at any step before giving up (1 to
    /// 604800); also the bound on the whole TLS handshake.
    #[arg(long, value_name = "SECONDS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..=MAX_TIMEOUT_S))]
    pub timeout: u64,
    /// Seconds the whole session may take from the connection on (TLS
    /// handshake included) before it is cut off, however busy the peer
    /// keeps it. Default: 60 s plus 1 s per 100 000 AND gates.
    #[arg(long, value_name = "SECONDS",
          value_parser = clap::value_parser!(u64).range(1..=MAX_TIMEOUT_S))]
    pub session_timeout: Option<u64>,
    /// Print statistics (AND gates, bytes each way, time per phase) to stderr.
    #[arg(long)]
    pub stats: bool,
}

/// Mutual TLS 1.3: a certificate, its key, and whom to trust (`--tls-ca`
/// and/or `--tls-pin`); without them, plain TCP.
#[derive(Args, Debug, Clone, Default)]
pub struct TlsArgs {
    /// Our certificate (PEM, e.g. from `gc2pc keygen`): with --tls-key and
    /// --tls-ca or --tls-pin, the session runs over mutual TLS 1.3 instead of
    /// plain TCP.
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// Our private key (PEM).
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Certificates we trust for the peer (PEM). A peer's own certificate (as
    /// `gc2pc keygen` writes) is pinned: the peer must present exactly it,
    /// compared by SHA-256 fingerprint, within its validity dates. A CA
    /// certificate is a trust anchor (then restrict names with --tls-allow).
    /// A peer that does not verify is refused before any gc2pc message.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_ca: Option<PathBuf>,
    /// Pin the peer's certificate by its SHA-256 fingerprint
    /// (`SHA256:ab:cd:…`, as `gc2pc keygen` prints it); repeatable.
    #[arg(long, value_name = "SHA256:…", requires = "tls_cert")]
    pub tls_pin: Vec<String>,
    /// Accept only a peer whose certificate holds this name (common name or
    /// subject alternative name); repeatable. Meant for CA mode, where a CA
    /// vouches for many names.
    #[arg(long, value_name = "NAME", requires = "tls_cert")]
    pub tls_allow: Vec<String>,
}

impl TlsArgs {
    /// The loaded files, or `None` for plain TCP.
    pub(super) fn load(&self) -> Result<Option<TlsFiles>> {
        let (Some(cert), Some(key)) = (&self.tls_cert, &self.tls_key) else {
            return Ok(None);
        };
        if self.tls_ca.is_none() && self.tls_pin.is_empty() {
            bail!(
                "--tls-cert and --tls-key need the peer to trust: --tls-ca FILE (its certificate or a CA) or --tls-pin SHA256:…"
            );
        }
        let mut files = TlsFiles::load(cert, key, self.tls_ca.as_deref())
            .context("--tls-cert, --tls-key or --tls-ca")?;
        for pin in &self.tls_pin {
            files = files.pin(pin).context("--tls-pin")?;
        }
        for name in &self.tls_allow {
            files = files.allow(name);
        }
        Ok(Some(files))
    }
}

/// `gc2pc garble`.
#[derive(Args, Debug)]
pub struct GarbleArgs {
    #[command(flatten)]
    pub party: PartyArgs,
    #[command(flatten)]
    pub tls: TlsArgs,
    /// Address to listen on for the evaluator.
    #[arg(long, value_name = "ADDR", default_value = DEFAULT_ADDR)]
    pub listen: String,
    /// Keep serving: accept evaluators one after another, one session per
    /// connection (each with fresh randomness), several at once.
    #[arg(long)]
    pub serve: bool,
    /// With --serve: sessions run at once; further evaluators wait in the
    /// listen backlog until one ends.
    #[arg(long, value_name = "N", default_value_t = 8, requires = "serve")]
    pub max_sessions: usize,
    /// With --serve: stop after accepting K sessions (and finishing them).
    #[arg(long, value_name = "K", requires = "serve")]
    pub sessions: Option<usize>,
    /// With --serve: run at most N sessions for any one peer (by TLS
    /// certificate fingerprint, or by source address over plain TCP); further
    /// sessions from it are refused with a message. Each session reveals
    /// f(your input, an input of the peer's choosing): bound it.
    #[arg(long, value_name = "N", requires = "serve")]
    pub max_runs_per_peer: Option<usize>,
    /// With --serve: run at most N sessions in all, then stop serving.
    #[arg(long, value_name = "N", requires = "serve")]
    pub max_total_sessions: Option<usize>,
    /// With --serve: allow plain TCP (no authentication, no encryption) on a
    /// non-loopback address. Without it, --serve refuses to.
    #[arg(long)]
    pub insecure_plain_tcp: bool,
}

/// `gc2pc evaluate`.
#[derive(Args, Debug)]
pub struct EvaluateArgs {
    #[command(flatten)]
    pub party: PartyArgs,
    #[command(flatten)]
    pub tls: TlsArgs,
    /// Address of the garbler.
    #[arg(long, value_name = "ADDR", default_value = DEFAULT_ADDR)]
    pub connect: String,
    /// With TLS: the name the garbler's certificate must hold (default: the
    /// host part of --connect).
    #[arg(long, value_name = "NAME", requires = "tls_cert")]
    pub tls_name: Option<String>,
}

/// Printed when a session runs over plain TCP on a non-loopback address.
pub const PLAIN_TCP_WARNING: &str = "warning: plain TCP on a non-loopback address: anyone on the path can read and alter the session; use --tls-cert/--tls-key/--tls-ca";

/// Whether every address `addr` resolves to is a loopback address (an
/// address that does not resolve counts as loopback: connecting fails anyway).
pub(super) fn is_loopback(addr: &str) -> bool {
    match addr.to_socket_addrs() {
        Ok(addrs) => addrs.into_iter().all(|a| a.ip().is_loopback()),
        Err(_) => true,
    }
}

/// The host part of `host:port`, `[v6]:port` or a bare host.
pub(super) fn host_of(addr: &str) -> &str {
    if let Some(rest) = addr.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    match addr.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') && port.parse::<u16>().is_ok() => host,
        _ => addr,
    }
}

/// Adds a hint when a plain-TCP session fails in a way a TLS peer causes.
pub(super) fn plain_hint(error: anyhow::Error, peer: &str) -> anyhow::Error {
    let tls_like = match error.downcast_ref::<ProtocolError>() {
        // A TLS record header read as a frame length: type 0x15 (alert) or
        // 0x16 (handshake), version major 3.
        Some(ProtocolError::Net(NetError::FrameTooLarge { len, .. })) => {
            matches!(len & 0xff, 0x15 | 0x16) && (len >> 8) & 0xff == 3
        }
        Some(ProtocolError::Hello(_)) => true,
        _ => false,
    };
    if tls_like {
        // `{error}`: the ProtocolError's own text already holds its cause.
        anyhow::anyhow!(
            "{error}\n  (if {peer} uses TLS, pass --tls-cert, --tls-key and --tls-ca too)"
        )
    } else {
        error
    }
}

/// `gc2pc demo`.
#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Circuit to run (default: the built-in copy of circuits/cmp32.txt,
    /// unsigned 32-bit a < b, the millionaires' problem).
    #[arg(long, value_name = "FILE", requires_all = ["garbler_input", "evaluator_input"])]
    pub circuit: Option<PathBuf>,
    /// A Garble program to run instead of a circuit; the inputs are Garble
    /// literals (the first parameter of `main` is the garbler's).
    #[arg(long, value_name = "FILE", conflicts_with = "circuit",
          requires_all = ["garbler_input", "evaluator_input"])]
    pub program: Option<PathBuf>,
    /// The garbler's values (one per group it owns).
    #[arg(long = "garbler-input", value_name = "V", allow_hyphen_values = true)]
    pub garbler_input: Vec<String>,
    /// The evaluator's values (one per group it owns).
    #[arg(long = "evaluator-input", value_name = "V", allow_hyphen_values = true)]
    pub evaluator_input: Vec<String>,
    /// Values and outputs are MSB-first byte strings.
    #[arg(long)]
    pub msb_bytes: bool,
    /// How the output is printed.
    #[arg(long, value_enum, default_value_t)]
    pub format: OutputFormat,
    /// Input groups the garbler owns (comma-separated).
    #[arg(long, value_name = "G,…", value_delimiter = ',', default_value = "0")]
    pub garbler_groups: Vec<usize>,
    /// The garbling scheme both parties use (see `gc2pc garble --help`).
    #[arg(long, value_enum, default_value_t)]
    pub scheme: SchemeArg,
}

/// The millionaires' problem circuit shipped in circuits/.
const CMP32: &str = include_str!("../../circuits/cmp32.txt");

fn order(msb_bytes: bool) -> BitOrder {
    if msb_bytes {
        BitOrder::MsbBytes
    } else {
        BitOrder::LsbInteger
    }
}

/// A party's circuit file (Bristol or binary), scanned once before the
/// connection (every check, the digest, the last uses) and then streamed
/// window by window through the session.
fn open_circuit(path: &Path) -> Result<FileCircuit> {
    FileCircuit::scan(path).with_context(|| format!("cannot use circuit {}", path.display()))
}

/// The agreement on `file` with the garbler's groups and the output mode.
fn file_agreement(file: &FileCircuit, groups: &[usize], reveal: RevealArg) -> Result<Agreement> {
    Ok(with_reveal(
        Agreement::for_shape(file.shape(), groups).context("--garbler-groups")?,
        reveal,
    ))
}

fn with_reveal(mut agreement: Agreement, reveal: RevealArg) -> Agreement {
    agreement.reveal = match reveal {
        RevealArg::Evaluator => Reveal::Evaluator,
        RevealArg::Both => Reveal::Both,
    };
    agreement
}

fn agreement(circuit: &Circuit, groups: &[usize], reveal: RevealArg) -> Result<Agreement> {
    Ok(with_reveal(
        Agreement::with_garbler_groups(circuit, groups).context("--garbler-groups")?,
        reveal,
    ))
}

/// Parses one value per group that `role` owns.
fn parse_inputs(
    circuit: &(impl Groups + ?Sized),
    agreement: &Agreement,
    role: Role,
    texts: &[String],
    order: BitOrder,
) -> Result<Vec<Vec<bool>>> {
    let groups = agreement.groups_of(role);
    if texts.len() != groups.len() {
        let widths: Vec<String> = groups
            .iter()
            .map(|&g| format!("group {g} ({} bits)", circuit.input_sizes()[g]))
            .collect();
        bail!(
            "the {} owns {} input group(s) [{}] and needs one --input for each, but {} were given",
            role.name(),
            groups.len(),
            widths.join(", "),
            texts.len()
        );
    }
    groups
        .iter()
        .zip(texts)
        .map(|(&g, text)| {
            value::parse_value(text, circuit.input_sizes()[g] as usize, order)
                .with_context(|| format!("input group {g}"))
        })
        .collect()
}

fn print_outputs(outputs: &[Vec<bool>], format: OutputFormat, order: BitOrder) {
    for group in outputs {
        outln!("{}", value::format_value(group, format.into(), order));
    }
}

pub(super) fn print_stats(role: Role, stats: &Stats, total: Duration) {
    eprintln!("{} statistics:", role.name());
    eprintln!("  AND gates        {}", stats.and_gates);
    eprintln!("  bytes sent       {}", stats.bytes_sent);
    eprintln!("  bytes received   {}", stats.bytes_received);
    for (phase, time) in &stats.phases {
        eprintln!("  {:<16} {:.3} ms", phase, time.as_secs_f64() * 1e3);
    }
    eprintln!("  total            {:.3} ms", total.as_secs_f64() * 1e3);
    if let Some(kib) = peak_memory_kib() {
        eprintln!("  peak memory      {:.1} MiB", kib as f64 / 1024.0);
    }
}

/// The statistics of a secure program's session so far: its AND gates and
/// bytes each way (it has no phases).
pub(super) fn stats_of(ctx: &gc2pc::secure::Ctx) -> Stats {
    let (bytes_sent, bytes_received) = ctx.traffic();
    Stats {
        and_gates: ctx.and_gates() as usize,
        bytes_sent,
        bytes_received,
        phases: Vec::new(),
    }
}

/// This process's peak resident memory (Linux: `VmHWM`), if known.
pub(super) fn peak_memory_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

impl PartyArgs {
    /// Loads the circuit, settles who owns what, and parses our own inputs.
    fn prepare(&self, role: Role) -> Result<(FileCircuit, Agreement, SecretInputs)> {
        let texts = super::inputs::values(&self.inputs, self.input_file.as_deref())?;
        let path = self
            .circuit
            .as_deref()
            .context("--circuit FILE or --program FILE")?;
        let loaded = open_circuit(path)?;
        let mut agreement = file_agreement(&loaded, &self.garbler_groups, self.reveal)?;
        agreement.scheme = self.scheme.into();
        let inputs = parse_inputs(
            loaded.shape(),
            &agreement,
            role,
            &texts,
            order(self.msb_bytes),
        )?;
        Ok((loaded, agreement, Zeroizing::new(inputs)))
    }

    /// The bound on one whole session: `--session-timeout`, or by default
    /// 60 s plus 1 s per 100 000 AND gates.
    pub(super) fn session_limit(&self, and_gates: usize) -> Duration {
        let seconds = self
            .session_timeout
            .unwrap_or_else(|| 60 + and_gates as u64 / 100_000);
        Duration::from_secs(seconds.min(MAX_TIMEOUT_S))
    }
}

/// Runs `gc2pc garble`.
pub fn garble(args: GarbleArgs) -> Result<()> {
    if args.party.program.is_some() {
        return super::program::garble(&args);
    }
    let p = &args.party;
    let (mut loaded, agreement, inputs) = p.prepare(Role::Garbler)?;
    // One session: its stream takes the scan's table (no copy); `--serve`
    // copies it for each session.
    let once = if args.serve {
        None
    } else {
        Some(loaded.take_stream()?)
    };
    let tls = match args.tls.load()? {
        Some(files) => Some(tls::server_config(&files)?),
        None => None,
    };
    let backend = super::aes_engine()?;
    let timeout = Duration::from_secs(p.timeout);
    let listener = tcp::listen(&args.listen).with_context(|| {
        format!(
            "cannot listen on {} (is another gc2pc garble running there? choose another --listen)",
            args.listen
        )
    })?;
    let local = listener.local_addr()?;
    if tls.is_none() && !local.ip().is_loopback() {
        if args.serve && !args.insecure_plain_tcp {
            bail!(
                "--serve on the non-loopback address {local} needs mutual TLS (--tls-cert, --tls-key, --tls-ca or --tls-pin): over plain TCP anyone who can reach it could query your input; pass --insecure-plain-tcp to serve without it anyway"
            );
        }
        eprintln!("{PLAIN_TCP_WARNING}");
    }
    let garbler = Party {
        once: Mutex::new(once),
        file: &loaded,
        agreement: &agreement,
        backend,
        inputs: &inputs,
        timeout,
        session_limit: p.session_limit(loaded.shape().and_gates),
        tls,
        args: p,
    };
    if args.serve {
        let limits = ServeLimits {
            max_sessions: args.max_sessions.max(1),
            sessions: args.sessions,
            per_peer: args.max_runs_per_peer,
            total: args.max_total_sessions,
        };
        return serve(&garbler, &listener, &limits);
    }
    // Δ and the base-OT message, computed before the evaluator arrives.
    let prep = GarblerPrep::new(loaded.shape(), &agreement)?;
    eprintln!(
        "garbler: waiting for the evaluator on {} (up to {} s{})",
        local,
        p.timeout,
        if garbler.tls.is_some() {
            ", mutual TLS 1.3"
        } else {
            ""
        }
    );
    let stream = listener
        .accept_stream(timeout)
        .context("no evaluator connected in time")?;
    eprintln!("garbler: the evaluator connected; running the protocol");
    let start = Instant::now();
    let output = garbler.session(stream, prep, |_| Ok(()))?;
    if let (Some(outputs), _) = &output {
        print_outputs(outputs, p.format, order(p.msb_bytes));
    }
    if p.stats {
        print_stats(Role::Garbler, &output.1, start.elapsed());
    }
    Ok(())
}

/// What every garbler session shares: loaded once.
struct Party<'a> {
    file: &'a FileCircuit,
    /// The stream of the one session of a garbler that does not serve.
    once: Mutex<Option<gc2pc::circuit::stream::FileStream>>,
    agreement: &'a Agreement,
    backend: Engine,
    inputs: &'a [Vec<bool>],
    timeout: Duration,
    session_limit: Duration,
    tls: Option<Arc<rustls::ServerConfig>>,
    args: &'a PartyArgs,
}

/// Runs `work` on a connection under a session deadline, and names the
/// deadline when it was what ended the session.
pub(super) fn with_deadline<T>(
    stream: &TcpStream,
    limit: Duration,
    work: impl FnOnce() -> Result<T>,
) -> Result<T> {
    let watchdog = tcp::Watchdog::arm(stream, limit)?;
    let result = work();
    if watchdog.fired() {
        let cause = result
            .err()
            .map_or_else(String::new, |e| format!(" ({e:#})"));
        bail!(
            "the session took longer than its deadline of {} s (--session-timeout) and was cut off{cause}",
            limit.as_secs()
        );
    }
    result
}

/// The TLS handshake under its own deadline (`--timeout` for the whole
/// handshake, not per read), so a peer that drips bytes cannot hold it.
pub(super) fn tls_under_deadline<T>(
    stream: &TcpStream,
    timeout: Duration,
    handshake: impl FnOnce() -> std::result::Result<T, tls::TlsError>,
) -> Result<T> {
    let watchdog = tcp::Watchdog::arm(stream, timeout)?;
    let result = handshake();
    if watchdog.fired() {
        bail!(
            "the TLS handshake took longer than {} s (--timeout) and was cut off",
            timeout.as_secs()
        );
    }
    // The library's message, with the options that decide it.
    result.map_err(|e| {
        anyhow::anyhow!(
            "{e} (TLS options: whom we trust, --tls-ca and --tls-pin; which peer names, --tls-allow; the garbler's name, --tls-name)"
        )
    })
}

impl Party<'_> {
    /// The protocol on an open channel.
    fn garble_on(
        &self,
        mut channel: Channel,
        prep: GarblerPrep,
    ) -> Result<(Option<Vec<Vec<bool>>>, Stats)> {
        channel.set_timeout(self.timeout)?;
        let file = self.file;
        let mut session = GarblerSession::start_stream(
            channel,
            file.shape(),
            self.agreement.clone(),
            self.backend,
            prep,
        )?;
        let once = self.once.lock().unwrap_or_else(|e| e.into_inner()).take();
        let mut source = match once {
            Some(source) => source,
            None => file.stream()?,
        };
        let output = session.run_stream(self.inputs, &mut source)?;
        Ok((output, session.stats()))
    }

    /// Δ and the base-OT message of one session, computed before its
    /// evaluator connects.
    fn prepare(&self) -> Result<GarblerPrep> {
        Ok(GarblerPrep::new(self.file.shape(), self.agreement)?)
    }

    /// One garbler session on an accepted connection (TLS handshake first if
    /// configured), with secrets from `prep`, under the session deadline.
    /// `admit` sees the channel (and so the peer's identity) before anything
    /// of the protocol: an `Err(reason)` refuses the session with that reason.
    fn session(
        &self,
        stream: TcpStream,
        prep: GarblerPrep,
        admit: impl FnOnce(&Channel) -> std::result::Result<(), String>,
    ) -> Result<(Option<Vec<Vec<bool>>>, Stats)> {
        let addr = stream
            .peer_addr()
            .map_or_else(|_| "?".to_string(), |a| a.to_string());
        let socket = stream.try_clone()?;
        with_deadline(&socket, self.session_limit, || {
            let mut channel = match &self.tls {
                Some(config) => tls_under_deadline(&socket, self.timeout, || {
                    tls::accept(stream, config.clone(), self.timeout)
                })?,
                None => tcp::from_stream(stream)?,
            };
            if let Some(peer) = channel.peer_identity() {
                eprintln!("garbler: the evaluator at {addr} is {peer}");
            }
            if let Err(reason) = admit(&channel) {
                channel.set_timeout(self.timeout)?;
                let _ = protocol::refuse(&mut channel, &reason);
                bail!("refused: {reason}");
            }
            self.garble_on(channel, prep).map_err(|e| {
                if self.tls.is_none() {
                    plain_hint(e, "the evaluator")
                } else {
                    e
                }
            })
        })
    }
}

/// What bounds `gc2pc garble --serve`.
struct ServeLimits {
    /// Sessions at once.
    max_sessions: usize,
    /// Connections to accept in all (`--sessions`).
    sessions: Option<usize>,
    /// Sessions per peer identity (`--max-runs-per-peer`).
    per_peer: Option<usize>,
    /// Sessions run in all (`--max-total-sessions`).
    total: Option<usize>,
}

/// Who a peer is for `--max-runs-per-peer`: its certificate fingerprint
/// under TLS, else its IP address (not the port, which it chooses freely).
fn peer_key(channel: &Channel, addr: Option<std::net::SocketAddr>) -> String {
    match channel.peer_identity() {
        Some(peer) => peer.fingerprint.clone(),
        None => addr.map_or_else(|| "?".to_string(), |a| a.ip().to_string()),
    }
}

/// Session counts of `--serve`, shared by its threads.
#[derive(Default)]
struct Quotas {
    per_peer: std::collections::HashMap<String, usize>,
    total: usize,
}

/// `gc2pc garble --serve`: see the module documentation.
fn serve(party: &Party<'_>, listener: &tcp::Listener, limits: &ServeLimits) -> Result<()> {
    let max = limits.max_sessions;
    let p = party.args;
    eprintln!(
        "garbler: waiting for evaluators on {} (serving, at most {max} sessions at once{}{}{}{})",
        listener.local_addr()?,
        match limits.sessions {
            Some(k) => format!(", {k} connections in all"),
            None => String::new(),
        },
        match limits.per_peer {
            Some(n) => format!(", at most {n} per peer"),
            None => String::new(),
        },
        match limits.total {
            Some(n) => format!(", at most {n} sessions in all"),
            None => String::new(),
        },
        if party.tls.is_some() {
            ", mutual TLS 1.3"
        } else {
            ""
        }
    );
    if limits.per_peer.is_none() && limits.total.is_none() {
        eprintln!(
            "warning: --serve without --max-runs-per-peer or --max-total-sessions: every session reveals f(your input, an input the peer chooses), so an unbounded number of sessions lets a peer learn more of your input"
        );
    }
    let active = (Mutex::new(0usize), Condvar::new());
    let quotas = Mutex::new(Quotas::default());
    let (ok, failed) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let mut accepted = 0usize;
    // A preparation survives accept timeouts, so waiting costs no CPU.
    let mut spare: Option<GarblerPrep> = None;
    let total_reached = || {
        limits
            .total
            .is_some_and(|n| quotas.lock().unwrap_or_else(|e| e.into_inner()).total >= n)
    };
    std::thread::scope(|scope| {
        while limits.sessions.is_none_or(|k| accepted < k) {
            {
                let mut running = active.0.lock().unwrap_or_else(|e| e.into_inner());
                while *running >= max {
                    running = active.1.wait(running).unwrap_or_else(|e| e.into_inner());
                }
            }
            if total_reached() {
                eprintln!("garbler: --max-total-sessions reached; no more sessions");
                break;
            }
            let prep = match spare.take().map_or_else(|| party.prepare(), Ok) {
                Ok(prep) => prep,
                Err(e) => {
                    eprintln!("garbler: preparing a session failed: {e:#}");
                    std::thread::sleep(Duration::from_millis(100));
                    continue;
                }
            };
            let stream = match listener.accept_stream(Duration::from_secs(1)) {
                Ok(stream) => stream,
                Err(NetError::Timeout) => {
                    spare = Some(prep);
                    continue;
                }
                Err(e) => {
                    eprintln!("garbler: accepting a connection failed: {e}");
                    std::thread::sleep(Duration::from_millis(100));
                    continue;
                }
            };
            accepted += 1;
            let n = accepted;
            let addr = stream.peer_addr().ok();
            let peer = addr.map_or_else(|| "?".to_string(), |a| a.to_string());
            *active.0.lock().unwrap_or_else(|e| e.into_inner()) += 1;
            eprintln!("garbler: the evaluator connected from {peer} (session {n})");
            let (active, ok, failed, quotas) = (&active, &ok, &failed, &quotas);
            scope.spawn(move || {
                let start = Instant::now();
                // Counted when admitted, before anything of the protocol runs.
                let admit = |channel: &Channel| {
                    let key = peer_key(channel, addr);
                    let mut q = quotas.lock().unwrap_or_else(|e| e.into_inner());
                    if limits.total.is_some_and(|t| q.total >= t) {
                        return Err(
                            "the garbler has run all the sessions it allows (--max-total-sessions)"
                                .to_string(),
                        );
                    }
                    let runs = q.per_peer.get(&key).copied().unwrap_or(0);
                    if let Some(limit) = limits.per_peer
                        && runs >= limit
                    {
                        return Err(format!(
                            "this peer ({key}) has had its {limit} session(s) (--max-runs-per-peer)"
                        ));
                    }
                    q.per_peer.insert(key, runs + 1);
                    q.total += 1;
                    Ok(())
                };
                let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    party.session(stream, prep, admit)
                }))
                .unwrap_or_else(|_| Err(anyhow::anyhow!("the session panicked")));
                match result {
                    Ok((outputs, stats)) => {
                        if let Some(outputs) = outputs {
                            print_outputs(&outputs, p.format, order(p.msb_bytes));
                        }
                        if p.stats {
                            print_stats(Role::Garbler, &stats, start.elapsed());
                        }
                        ok.fetch_add(1, Ordering::Relaxed);
                        eprintln!(
                            "garbler: session {n} from {peer} done in {:.1} ms",
                            start.elapsed().as_secs_f64() * 1e3
                        );
                    }
                    Err(e) => {
                        failed.fetch_add(1, Ordering::Relaxed);
                        eprintln!("garbler: session {n} from {peer} failed: {e:#}");
                    }
                }
                *active.0.lock().unwrap_or_else(|e| e.into_inner()) -= 1;
                active.1.notify_all();
            });
        }
    });
    eprintln!(
        "garbler: served {accepted} sessions ({} succeeded, {} failed)",
        ok.load(Ordering::Relaxed),
        failed.load(Ordering::Relaxed)
    );
    Ok(())
}

fn run_evaluator(
    mut channel: Channel,
    file: FileCircuit,
    agreement: Agreement,
    backend: Engine,
    inputs: &[Vec<bool>],
    timeout: Duration,
) -> Result<(Vec<Vec<bool>>, Stats)> {
    channel.set_timeout(timeout)?;
    let mut session = EvaluatorSession::start_stream(channel, file.shape(), agreement, backend)?;
    let output = session.run_stream(inputs, &mut file.into_stream()?)?;
    Ok((output, session.stats()))
}

/// Runs `gc2pc evaluate`.
pub fn evaluate(args: EvaluateArgs) -> Result<()> {
    if args.party.program.is_some() {
        return super::program::evaluate(&args);
    }
    let p = &args.party;
    let (loaded, agreement, inputs) = p.prepare(Role::Evaluator)?;
    let tls = match args.tls.load()? {
        Some(files) => Some(tls::client_config(&files)?),
        None => None,
    };
    if tls.is_none() && !is_loopback(&args.connect) {
        eprintln!("{PLAIN_TCP_WARNING}");
    }
    let backend = super::aes_engine()?;
    let timeout = Duration::from_secs(p.timeout);
    let start = Instant::now();
    let unreachable = || {
        format!(
            "cannot reach the garbler at {} (is `gc2pc garble` running there?)",
            args.connect
        )
    };
    let stream = tcp::connect_stream(args.connect.as_str(), timeout).with_context(unreachable)?;
    let socket = stream.try_clone()?;
    let limit = p.session_limit(loaded.shape().and_gates);
    let (outputs, stats) = with_deadline(&socket, limit, || {
        let channel = match &tls {
            Some(config) => {
                let name = args
                    .tls_name
                    .as_deref()
                    .unwrap_or_else(|| host_of(&args.connect));
                let channel = tls_under_deadline(&socket, timeout, || {
                    tls::handshake_client(stream, config.clone(), name, timeout)
                })?;
                if let Some(peer) = channel.peer_identity() {
                    eprintln!("evaluator: the garbler at {} is {peer}", args.connect);
                }
                channel
            }
            None => tcp::from_stream(stream)?,
        };
        run_evaluator(channel, loaded, agreement, backend, &inputs, timeout).map_err(|e| {
            if tls.is_none() {
                plain_hint(e, "the garbler")
            } else {
                e
            }
        })
    })?;
    print_outputs(&outputs, p.format, order(p.msb_bytes));
    if p.stats {
        print_stats(Role::Evaluator, &stats, start.elapsed());
    }
    Ok(())
}

/// Both parties' values in group order (the plaintext reference's inputs).
fn in_group_order(
    agreement: &Agreement,
    garbler: &[Vec<bool>],
    evaluator: &[Vec<bool>],
) -> Vec<Vec<bool>> {
    let (mut g, mut e) = (garbler.iter(), evaluator.iter());
    agreement
        .input_owners
        .iter()
        .map(|owner| {
            match owner {
                Role::Garbler => g.next(),
                Role::Evaluator => e.next(),
            }
            .expect("one value per group")
            .clone()
        })
        .collect()
}

/// Runs `gc2pc demo`: both parties in this process over loopback TCP.
pub fn demo(args: DemoArgs) -> Result<()> {
    if args.program.is_some() {
        return super::program::demo(&args);
    }
    let (name, garbler_texts, evaluator_texts) = match &args.circuit {
        Some(path) => (
            path.display().to_string(),
            args.garbler_input.clone(),
            args.evaluator_input.clone(),
        ),
        None => {
            let g = if args.garbler_input.is_empty() {
                vec!["1000000".to_string()]
            } else {
                args.garbler_input.clone()
            };
            let e = if args.evaluator_input.is_empty() {
                vec!["2500000".to_string()]
            } else {
                args.evaluator_input.clone()
            };
            ("circuits/cmp32.txt (unsigned 32-bit a < b: the millionaires' problem; output 1 = the garbler is poorer)".to_string(), g, e)
        }
    };
    let order = order(args.msb_bytes);
    let backend = super::aes_engine()?;
    // A file is streamed by both parties and by the plaintext reference
    // (scanned once, then read window by window); the built-in circuit is
    // small and in memory.
    let (run, plaintext, elapsed) = match &args.circuit {
        Some(path) => {
            let file = open_circuit(path)?;
            let mut agreement = file_agreement(&file, &args.garbler_groups, RevealArg::Evaluator)?;
            agreement.scheme = args.scheme.into();
            let parse =
                |role, texts: &[String]| parse_inputs(file.shape(), &agreement, role, texts, order);
            let garbler_inputs = parse(Role::Garbler, &garbler_texts)?;
            let evaluator_inputs = parse(Role::Evaluator, &evaluator_texts)?;
            let start = Instant::now();
            let run = local::run_file_over_loopback(
                &file,
                &agreement,
                backend,
                &garbler_inputs,
                &evaluator_inputs,
            )?;
            let elapsed = start.elapsed();
            let all = in_group_order(&agreement, &garbler_inputs, &evaluator_inputs);
            let shape = file.shape().clone();
            let flat = file.into_stream()?.eval(&all.concat())?;
            (run, gc2pc::protocol::split_outputs(&shape, &flat), elapsed)
        }
        None => {
            let circuit = bristol::parse(CMP32.as_bytes()).context("built-in cmp32 circuit")?;
            let mut agreement = agreement(&circuit, &args.garbler_groups, RevealArg::Evaluator)?;
            agreement.scheme = args.scheme.into();
            let parse =
                |role, texts: &[String]| parse_inputs(&circuit, &agreement, role, texts, order);
            let garbler_inputs = parse(Role::Garbler, &garbler_texts)?;
            let evaluator_inputs = parse(Role::Evaluator, &evaluator_texts)?;
            let plan = Plan::new(&circuit);
            let start = Instant::now();
            let run = local::run_over_loopback(
                &circuit,
                &plan,
                &agreement,
                backend,
                std::slice::from_ref(&garbler_inputs),
                std::slice::from_ref(&evaluator_inputs),
            )?;
            let elapsed = start.elapsed();
            let all = in_group_order(&agreement, &garbler_inputs, &evaluator_inputs);
            (run, circuit.eval(&all)?, elapsed)
        }
    };
    let outputs = run.outputs.into_iter().next().expect("one execution");
    let (garbler_stats, evaluator_stats) = (run.garbler, run.evaluator);

    outln!("circuit: {name}");
    outln!("AES backend: {}", backend.name());
    for (owner, text) in [("garbler", &garbler_texts), ("evaluator", &evaluator_texts)] {
        outln!("{owner} input: {}", text.join(" "));
    }
    outln!("result (learned by the evaluator):");
    print_outputs(&outputs, args.format, order);
    outln!(
        "plaintext evaluation {}",
        if plaintext == outputs {
            "agrees"
        } else {
            "DISAGREES"
        }
    );
    outln!(
        "{} AND gates, {} bytes garbler→evaluator, {} bytes evaluator→garbler, {:.2} ms in all",
        garbler_stats.and_gates,
        garbler_stats.bytes_sent,
        evaluator_stats.bytes_sent,
        elapsed.as_secs_f64() * 1e3
    );
    if plaintext != outputs {
        bail!("the garbled result differs from plaintext evaluation");
    }
    Ok(())
}
