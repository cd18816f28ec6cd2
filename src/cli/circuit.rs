//! `gc2pc circuit …`: info, eval (plaintext) and gen.
//!
//! SKELETON: to be written.

use clap::Subcommand;

/// `gc2pc circuit` subcommands.
#[derive(Subcommand, Debug)]
pub enum CircuitCommand {
    /// Generate a circuit (comparison, equality, adder, PSI) in Bristol Fashion.
    Gen(super::generate::GenArgs),
}

/// Runs one `gc2pc circuit` subcommand.
pub fn run(command: CircuitCommand) -> anyhow::Result<()> {
    match command {
        CircuitCommand::Gen(args) => super::generate::run(args),
    }
}
