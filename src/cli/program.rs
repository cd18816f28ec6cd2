//! `gc2pc garble|evaluate|demo --program FILE`: Garble programs
//! ([`gc2pc::secure::garble`]) instead of circuit files.

use super::link::Peer;
use super::party::{
    DemoArgs, EvaluateArgs, GarbleArgs, PartyArgs, RevealArg, TlsArgs, print_stats, stats_of,
};
use anyhow::{Context, Result, bail};
use gc2pc::garble::Scheme;
use gc2pc::protocol::Stats;
use gc2pc::secure::garble::GarbleProgram;
use gc2pc::secure::{self, Party, RevealTo, Session};
use std::path::Path;
use std::time::{Duration, Instant};

/// The largest program source read.
const MAX_PROGRAM_BYTES: u64 = 16 << 20;

/// Reads and compiles a program file.
fn compile(path: &Path) -> Result<GarbleProgram> {
    let name = path.display();
    let raw = super::inputs::read_secret(path)?;
    if raw.len() as u64 > MAX_PROGRAM_BYTES {
        bail!("{name} is larger than {MAX_PROGRAM_BYTES} bytes");
    }
    let source = std::str::from_utf8(&raw)
        .map_err(|e| anyhow::anyhow!("{name}: not text (byte {} is not UTF-8)", e.valid_up_to()))?;
    GarbleProgram::compile(source).with_context(|| format!("program {name}"))
}

/// This party's input literal: one `--input`, or the lines of
/// `--input-file` joined (a literal may span lines).
fn literal(p: &PartyArgs) -> Result<String> {
    let values = super::inputs::values(&p.inputs, p.input_file.as_deref())?;
    match (values.len(), &p.input_file) {
        (1, _) => Ok(values[0].clone()),
        (0, _) => bail!(
            "give this party's input: --input LITERAL (a Garble literal such as 42u32 or [1u8, 2u8]) or --input-file FILE"
        ),
        (_, Some(_)) => Ok(values.join(" ")),
        (n, None) => bail!("a program takes one --input (one Garble literal), not {n}"),
    }
}

fn reveal_to(reveal: RevealArg) -> RevealTo {
    match reveal {
        RevealArg::Evaluator => RevealTo::Evaluator,
        RevealArg::Both => RevealTo::Both,
    }
}

/// The session's name for the handshake: the compiled program's digest.
fn session(
    role: Party,
    program: &GarbleProgram,
    timeout: Duration,
    scheme: Scheme,
) -> Result<Session> {
    let digest: String = program
        .digest()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok(Session::builder(role)
        .program(&format!("garble program {digest}"))
        .timeout(timeout)
        .scheme(scheme)
        .aes(super::aes_engine()?)
        .build())
}

/// One party of a program run.
fn party(
    role: Party,
    p: &PartyArgs,
    addr: &str,
    tls: &TlsArgs,
    tls_name: Option<&str>,
) -> Result<()> {
    let program = compile(p.program.as_deref().expect("--program"))?;
    let bits = program.input(role, &literal(p)?)?;
    let timeout = Duration::from_secs(p.timeout);
    let limit = p.session_limit(program.and_gates());
    let to = reveal_to(p.reveal);
    let start = Instant::now();
    let link = Peer {
        role,
        addr,
        tls,
        tls_name,
        timeout,
        limit,
        waiting: "waiting for the evaluator".to_string(),
    };
    let session = session(role, &program, timeout, p.scheme.into())?;
    let mut traffic = Stats::default();
    let revealed = link.run(|channel| {
        Ok(session.run(channel, |ctx| {
            let out = program.run(ctx, Some(&bits), role, to);
            traffic = stats_of(ctx);
            out
        })?)
    })?;
    match revealed {
        Some(bits) => outln!("{}", program.output(&bits)?),
        None => eprintln!("garbler: done; the evaluator learned the output"),
    }
    if p.stats {
        print_stats(role, &traffic, start.elapsed());
    }
    Ok(())
}

/// `gc2pc garble --program`.
pub fn garble(args: &GarbleArgs) -> Result<()> {
    if args.serve {
        bail!("--serve runs circuit files; a --program runs one session");
    }
    party(Party::Garbler, &args.party, &args.listen, &args.tls, None)
}

/// `gc2pc evaluate --program`.
pub fn evaluate(args: &EvaluateArgs) -> Result<()> {
    party(
        Party::Evaluator,
        &args.party,
        &args.connect,
        &args.tls,
        args.tls_name.as_deref(),
    )
}

/// `gc2pc demo --program`: both parties in this process over loopback TCP,
/// checked against garble_lang's plaintext evaluation.
pub fn demo(args: &DemoArgs) -> Result<()> {
    let path = args.program.as_deref().expect("--program");
    let program = compile(path)?;
    let (g, e) = match (&args.garbler_input[..], &args.evaluator_input[..]) {
        ([g], [e]) => (g.clone(), e.clone()),
        _ => {
            bail!("a program takes one --garbler-input and one --evaluator-input (Garble literals)")
        }
    };
    let g_bits = program.input(Party::Garbler, &g)?;
    let e_bits = program.input(Party::Evaluator, &e)?;
    let plain = program.eval_plain(&g, &e);
    let start = Instant::now();
    let (_, revealed) =
        secure::run_local_with(args.scheme.into(), super::aes_engine()?, |ctx, me| {
            let bits = match me {
                Party::Garbler => &g_bits,
                Party::Evaluator => &e_bits,
            };
            program.run(ctx, Some(bits), me, RevealTo::Evaluator)
        })?;
    let elapsed = start.elapsed();
    let bits = revealed.context("the evaluator learns the output")?;
    let output = program.output(&bits);
    outln!("program: {}", path.display());
    outln!("garbler input: {g}");
    outln!("evaluator input: {e}");
    let agrees = match (&output, &plain) {
        (Ok(a), Ok(b)) => a == b,
        (Err(a), Err(b)) => a.to_string() == b.to_string(),
        _ => false,
    };
    let output = output?;
    outln!("result (learned by the evaluator): {output}");
    outln!(
        "garble_lang's plaintext evaluation {}",
        if agrees { "agrees" } else { "DISAGREES" }
    );
    outln!(
        "{} AND gates, {:.2} ms in all",
        program.and_gates(),
        elapsed.as_secs_f64() * 1e3
    );
    if !agrees {
        bail!("the garbled result differs from plaintext evaluation");
    }
    Ok(())
}
