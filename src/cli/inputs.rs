//! Private values from the command line (`--input V`) or from a file
//! (`--input-file FILE`, `-` for standard input). A value on the command line
//! is visible to every local user (`ps`, `/proc/PID/cmdline`) for the life of
//! the process; a file (mode 0600) or a pipe is not. One implementation for
//! every command that takes private inputs.
//!
//! File format: one value per line, in the order `--input` would take them;
//! blank lines and lines starting with `#` are skipped, and surrounding
//! whitespace is trimmed. The text is zeroized when dropped.

use anyhow::{Context, Result, bail};
use std::io::Read;
use std::path::Path;
use zeroize::Zeroizing;

/// The largest input file read (256 MiB): values for any circuit gc2pc runs
/// fit many times over.
pub const MAX_INPUT_FILE: u64 = 256 << 20;

/// The values given inline, or those read from `file` (the two are exclusive
/// at the argument parser).
pub fn values(inline: &[String], file: Option<&Path>) -> Result<Zeroizing<Vec<String>>> {
    let Some(path) = file else {
        return Ok(Zeroizing::new(inline.to_vec()));
    };
    let raw = read_secret(path)?;
    let text = std::str::from_utf8(&raw).map_err(|e| {
        anyhow::anyhow!(
            "--input-file {}: not text (byte {} is not UTF-8)",
            path.display(),
            e.valid_up_to()
        )
    })?;
    Ok(Zeroizing::new(
        text.lines()
            .map(str::trim)
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .map(str::to_string)
            .collect(),
    ))
}

/// Reads a whole file (or standard input for `-`) of at most
/// [`MAX_INPUT_FILE`] bytes into zeroizing memory.
pub fn read_secret(path: &Path) -> Result<Zeroizing<Vec<u8>>> {
    let name = path.display();
    let mut raw = Zeroizing::new(Vec::new());
    let read = if path.as_os_str() == "-" {
        std::io::stdin()
            .lock()
            .take(MAX_INPUT_FILE + 1)
            .read_to_end(&mut raw)
    } else {
        let file = std::fs::File::open(path).with_context(|| format!("cannot open {name}"))?;
        file.take(MAX_INPUT_FILE + 1).read_to_end(&mut raw)
    };
    read.with_context(|| format!("cannot read {name}"))?;
    if raw.len() as u64 > MAX_INPUT_FILE {
        bail!("{name} is larger than {MAX_INPUT_FILE} bytes");
    }
    Ok(raw)
}
