//! `gc2pc garble`, `gc2pc evaluate` and `gc2pc demo`: the two parties of a
//! semi-honest Yao run over TCP, and both of them in one process.

use super::circuit::OutputFormat;
use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use gc2pc::aes::Backend;
use gc2pc::circuit::value::{self, BitOrder};
use gc2pc::circuit::{Circuit, Plan, bristol};
use gc2pc::net::{Channel, tcp};
use gc2pc::protocol::{Agreement, EvaluatorSession, GarblerSession, Reveal, Role, Stats, local};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The default address of `gc2pc garble --listen` and `gc2pc evaluate --connect`.
pub const DEFAULT_ADDR: &str = "127.0.0.1:7766";

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
    /// The Bristol circuit both parties run (old Bristol Format or Bristol Fashion).
    #[arg(long, value_name = "FILE")]
    pub circuit: PathBuf,
    /// Your value for each input group you own, in header order: decimal,
    /// 0x hex or 0b binary, mapped LSB-first onto the group's wires
    /// (`v1,v2,…` splits a group into equal-width elements, e.g. a PSI set).
    #[arg(long = "input", value_name = "V", allow_hyphen_values = true)]
    pub inputs: Vec<String>,
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
    /// Seconds to wait for the peer at any step before giving up.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    pub timeout: u64,
    /// Print statistics (AND gates, bytes each way, time per phase) to stderr.
    #[arg(long)]
    pub stats: bool,
}

/// `gc2pc garble`.
#[derive(Args, Debug)]
pub struct GarbleArgs {
    #[command(flatten)]
    pub party: PartyArgs,
    /// Address to listen on for the evaluator.
    #[arg(long, value_name = "ADDR", default_value = DEFAULT_ADDR)]
    pub listen: String,
}

/// `gc2pc evaluate`.
#[derive(Args, Debug)]
pub struct EvaluateArgs {
    #[command(flatten)]
    pub party: PartyArgs,
    /// Address of the garbler.
    #[arg(long, value_name = "ADDR", default_value = DEFAULT_ADDR)]
    pub connect: String,
}

/// `gc2pc demo`.
#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Circuit to run (default: the built-in copy of circuits/cmp32.txt,
    /// unsigned 32-bit a < b, the millionaires' problem).
    #[arg(long, value_name = "FILE", requires_all = ["garbler_input", "evaluator_input"])]
    pub circuit: Option<PathBuf>,
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
}

/// The millionaires' problem circuit shipped in circuits/.
const CMP32: &str = include_str!("../../circuits/cmp32.txt");

fn load(path: &Path) -> Result<Circuit> {
    bristol::read_file(path).with_context(|| format!("cannot use circuit {}", path.display()))
}

fn order(msb_bytes: bool) -> BitOrder {
    if msb_bytes {
        BitOrder::MsbBytes
    } else {
        BitOrder::LsbInteger
    }
}

fn agreement(circuit: &Circuit, groups: &[usize], reveal: RevealArg) -> Result<Agreement> {
    let mut agreement = Agreement::with_garbler_groups(circuit, groups)?;
    agreement.reveal = match reveal {
        RevealArg::Evaluator => Reveal::Evaluator,
        RevealArg::Both => Reveal::Both,
    };
    Ok(agreement)
}

/// Parses one value per group that `role` owns.
fn parse_inputs(
    circuit: &Circuit,
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
        println!("{}", value::format_value(group, format.into(), order));
    }
}

fn print_stats(role: Role, stats: &Stats, total: Duration) {
    eprintln!("{} statistics:", role.name());
    eprintln!("  AND gates        {}", stats.and_gates);
    eprintln!("  bytes sent       {}", stats.bytes_sent);
    eprintln!("  bytes received   {}", stats.bytes_received);
    for (phase, time) in &stats.phases {
        eprintln!("  {:<16} {:.3} ms", phase, time.as_secs_f64() * 1e3);
    }
    eprintln!("  total            {:.3} ms", total.as_secs_f64() * 1e3);
}

fn backend() -> Result<Backend> {
    Ok(Backend::detect()?)
}

/// Runs `gc2pc garble`.
pub fn garble(args: GarbleArgs) -> Result<()> {
    let p = &args.party;
    let circuit = load(&p.circuit)?;
    let agreement = agreement(&circuit, &p.garbler_groups, p.reveal)?;
    let inputs = parse_inputs(
        &circuit,
        &agreement,
        Role::Garbler,
        &p.inputs,
        order(p.msb_bytes),
    )?;
    let plan = Plan::new(&circuit);
    let backend = backend()?;
    let timeout = Duration::from_secs(p.timeout);
    let listener = tcp::listen(&args.listen).with_context(|| {
        format!(
            "cannot listen on {} (is another gc2pc garble running there? choose another --listen)",
            args.listen
        )
    })?;
    eprintln!(
        "garbler: waiting for the evaluator on {} (up to {} s)",
        listener.local_addr()?,
        p.timeout
    );
    let channel = listener
        .accept(timeout)
        .context("no evaluator connected in time")?;
    eprintln!("garbler: the evaluator connected; running the protocol");
    let start = Instant::now();
    let output = run_garbler(
        channel, &circuit, &plan, agreement, backend, &inputs, timeout,
    )?;
    if let (Some(outputs), _) = &output {
        print_outputs(outputs, p.format, order(p.msb_bytes));
    }
    if p.stats {
        print_stats(Role::Garbler, &output.1, start.elapsed());
    }
    Ok(())
}

fn run_garbler(
    mut channel: Channel,
    circuit: &Circuit,
    plan: &Plan,
    agreement: Agreement,
    backend: Backend,
    inputs: &[Vec<bool>],
    timeout: Duration,
) -> Result<(Option<Vec<Vec<bool>>>, Stats)> {
    channel.set_timeout(timeout)?;
    let mut session = GarblerSession::start(channel, circuit, plan, agreement, backend)?;
    let output = session.run(inputs)?;
    Ok((output, session.stats()))
}

fn run_evaluator(
    mut channel: Channel,
    circuit: &Circuit,
    plan: &Plan,
    agreement: Agreement,
    backend: Backend,
    inputs: &[Vec<bool>],
    timeout: Duration,
) -> Result<(Vec<Vec<bool>>, Stats)> {
    channel.set_timeout(timeout)?;
    let mut session = EvaluatorSession::start(channel, circuit, plan, agreement, backend)?;
    let output = session.run(inputs)?;
    Ok((output, session.stats()))
}

/// Runs `gc2pc evaluate`.
pub fn evaluate(args: EvaluateArgs) -> Result<()> {
    let p = &args.party;
    let circuit = load(&p.circuit)?;
    let agreement = agreement(&circuit, &p.garbler_groups, p.reveal)?;
    let inputs = parse_inputs(
        &circuit,
        &agreement,
        Role::Evaluator,
        &p.inputs,
        order(p.msb_bytes),
    )?;
    let plan = Plan::new(&circuit);
    let backend = backend()?;
    let timeout = Duration::from_secs(p.timeout);
    let start = Instant::now();
    let channel = tcp::connect(args.connect.as_str(), timeout).with_context(|| {
        format!(
            "cannot reach the garbler at {} (is `gc2pc garble` running there?)",
            args.connect
        )
    })?;
    let (outputs, stats) = run_evaluator(
        channel, &circuit, &plan, agreement, backend, &inputs, timeout,
    )?;
    print_outputs(&outputs, p.format, order(p.msb_bytes));
    if p.stats {
        print_stats(Role::Evaluator, &stats, start.elapsed());
    }
    Ok(())
}

/// Runs `gc2pc demo`: both parties in this process over loopback TCP.
pub fn demo(args: DemoArgs) -> Result<()> {
    let (circuit, name, garbler_texts, evaluator_texts) = match &args.circuit {
        Some(path) => (
            load(path)?,
            path.display().to_string(),
            args.garbler_input.clone(),
            args.evaluator_input.clone(),
        ),
        None => {
            let circuit = bristol::parse(CMP32.as_bytes()).context("built-in cmp32 circuit")?;
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
            (circuit, "circuits/cmp32.txt (unsigned 32-bit a < b: the millionaires' problem; output 1 = the garbler is poorer)".to_string(), g, e)
        }
    };
    let order = order(args.msb_bytes);
    let agreement = agreement(&circuit, &args.garbler_groups, RevealArg::Evaluator)?;
    let garbler_inputs = parse_inputs(&circuit, &agreement, Role::Garbler, &garbler_texts, order)?;
    let evaluator_inputs = parse_inputs(
        &circuit,
        &agreement,
        Role::Evaluator,
        &evaluator_texts,
        order,
    )?;
    let plan = Plan::new(&circuit);
    let backend = backend()?;
    let start = Instant::now();
    let run = local::run_over_loopback(
        &circuit,
        &plan,
        &agreement,
        backend,
        std::slice::from_ref(&garbler_inputs),
        std::slice::from_ref(&evaluator_inputs),
    )?;
    let outputs = run.outputs.into_iter().next().expect("one execution");
    let (garbler_stats, evaluator_stats) = (run.garbler, run.evaluator);
    let elapsed = start.elapsed();

    // The reference: plaintext evaluation with both inputs, in group order.
    let mut all_inputs = Vec::new();
    let (mut g, mut e) = (garbler_inputs.iter(), evaluator_inputs.iter());
    for owner in &agreement.input_owners {
        all_inputs.push(
            match owner {
                Role::Garbler => g.next(),
                Role::Evaluator => e.next(),
            }
            .expect("one value per group")
            .clone(),
        );
    }
    let plaintext = circuit.eval(&all_inputs)?;

    println!("circuit: {name}");
    println!("AES backend: {}", backend.name());
    for (owner, text) in [("garbler", &garbler_texts), ("evaluator", &evaluator_texts)] {
        println!("{owner} input: {}", text.join(" "));
    }
    println!("result (learned by the evaluator):");
    print_outputs(&outputs, args.format, order);
    println!(
        "plaintext evaluation {}",
        if plaintext == outputs {
            "agrees"
        } else {
            "DISAGREES"
        }
    );
    println!(
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
