//! The `gc2pc` command line: parses arguments, calls the library, and maps
//! errors to `error: …` on stderr with a non-zero exit.

mod cli;

fn main() -> std::process::ExitCode {
    cli::run()
}
