//! The clap command tree and error reporting of the `gc2pc` binary.

mod circuit;
mod generate;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Secure two-party computation with garbled circuits.
#[derive(Parser, Debug)]
#[command(name = "gc2pc", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Inspect, evaluate and generate Bristol circuits.
    #[command(subcommand)]
    Circuit(circuit::CircuitCommand),
}

/// Parses the command line, runs it, and turns errors into `error: …` lines.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Circuit(command) => circuit::run(command),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
