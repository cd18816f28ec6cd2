//! The clap command tree and error reporting of the `gc2pc` binary.

/// `println!` for the CLI: a closed standard output (`gc2pc … | head -1`)
/// ends the process quietly (exit status 141, as after SIGPIPE) instead of
/// panicking.
macro_rules! outln {
    ($($arg:tt)*) => { $crate::cli::write_stdout(format_args!("{}\n", format_args!($($arg)*))) };
}

/// `print!` for the CLI, as [`outln!`].
macro_rules! out {
    ($($arg:tt)*) => { $crate::cli::write_stdout(format_args!($($arg)*)) };
}

mod bench;
mod circuit;
mod generate;
mod inputs;
mod keygen;
mod link;
mod party;
mod program;
mod psi;

use clap::{Parser, Subcommand};
use gc2pc::aes::Engine;
use std::process::ExitCode;

/// The AES backend of this run: the one `GC2PC_AES` names (portable, aesni,
/// vaes, vaes512, armv8), else the fastest this CPU has. The library never reads the
/// environment; this is the one place that does.
fn aes_engine() -> anyhow::Result<Engine> {
    match std::env::var("GC2PC_AES") {
        Ok(name) if !name.is_empty() => {
            Engine::from_name(&name).map_err(|e| anyhow::anyhow!("GC2PC_AES: {e}"))
        }
        _ => Ok(Engine::best()),
    }
}

/// Secure two-party computation with garbled circuits.
///
/// Two parties run the same Bristol circuit: the garbler (`gc2pc garble`)
/// owns input group 0 and the evaluator (`gc2pc evaluate`) owns group 1; the
/// evaluator learns the output and neither learns the other's input. Try
/// `gc2pc demo` to see both sides run on this machine.
#[derive(Parser, Debug)]
#[command(name = "gc2pc", version, about, long_about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Be the garbler: wait for the evaluator, garble the circuit on your input.
    ///
    /// Example (the millionaires' problem; the evaluator learns whether your
    /// value is smaller than theirs):
    ///   gc2pc garble --circuit circuits/cmp32.txt --input 1000000
    Garble(party::GarbleArgs),
    /// Be the evaluator: connect to the garbler, evaluate, print the output.
    ///
    /// Example:
    ///   gc2pc evaluate --circuit circuits/cmp32.txt --input 2500000
    Evaluate(party::EvaluateArgs),
    /// Run both parties in this process over loopback TCP and check the result
    /// against plaintext evaluation (default: the millionaires' problem).
    Demo(party::DemoArgs),
    /// Private set intersection of two identifier files: no circuits needed.
    ///
    /// Example (two hospitals; B learns which of its patients A also has, A
    /// learns nothing):
    ///
    /// A: gc2pc psi --role garbler --set a.csv --column patient_id --listen 0.0.0.0:7766
    ///
    /// B: gc2pc psi --role evaluator --set b.csv --column patient_id --connect a.example:7766 --out shared.txt
    ///
    /// Between organisations add mutual TLS (--tls-cert, --tls-key, --tls-ca
    /// or --tls-pin), as for garble/evaluate.
    Psi(psi::PsiArgs),
    /// Inspect, evaluate and generate Bristol circuits.
    #[command(subcommand)]
    Circuit(circuit::CircuitCommand),
    /// Measure AES, garbling, OT and end-to-end speed on this CPU (a table, or
    /// JSON lines with --json), or join results with `gc2pc bench report`.
    Bench(bench::BenchArgs),
    /// Write a self-signed TLS certificate and key for one party, for
    /// `--tls-cert`/`--tls-key`; the peer pins the certificate as its `--tls-ca`.
    Keygen(keygen::KeygenArgs),
}

/// Exit status of a command whose standard output was closed under it.
const BROKEN_PIPE_EXIT: u8 = 141;

/// Writes to standard output; see [`outln!`].
pub(crate) fn write_stdout(args: std::fmt::Arguments<'_>) {
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout.write_fmt(args) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(BROKEN_PIPE_EXIT.into());
        }
        eprintln!("error: cannot write to standard output: {e}");
        std::process::exit(1);
    }
}

/// Whether an error comes from writing to a closed pipe.
fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Parses the command line, runs it, and turns errors into `error: …` lines.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Garble(args) => party::garble(args),
        Command::Evaluate(args) => party::evaluate(args),
        Command::Psi(args) => psi::run(args),
        Command::Demo(args) => party::demo(args),
        Command::Circuit(command) => circuit::run(command),
        Command::Bench(args) => bench::run(args),
        Command::Keygen(args) => keygen::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) if is_broken_pipe(&error) => ExitCode::from(BROKEN_PIPE_EXIT),
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
