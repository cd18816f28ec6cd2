//! Reading and writing Bristol circuits: the old Bristol Format and Bristol
//! Fashion (basic and extended with MAND), told apart by the third non-empty
//! line (../shared/circuits-ref/README.md §2).
//!
//! SKELETON: signatures only.

use super::{Circuit, CircuitError};
use std::io;
use std::path::Path;

/// Parses a Bristol file's bytes (either dialect).
pub fn parse(_bytes: &[u8]) -> Result<Circuit, CircuitError> {
    Err(CircuitError::Shape(
        "bristol::parse is not written yet".into(),
    ))
}

/// Reads and parses a Bristol file.
pub fn read_file(path: &Path) -> Result<Circuit, CircuitError> {
    let bytes =
        std::fs::read(path).map_err(|e| CircuitError::Io(format!("{}: {e}", path.display())))?;
    parse(&bytes)
}

/// Writes `circuit` in its `format()` dialect (MAND circuits are written as
/// basic Bristol Fashion).
pub fn write(_circuit: &Circuit, _out: &mut impl io::Write) -> io::Result<()> {
    Err(io::Error::other("bristol::write is not written yet"))
}

/// The circuit as Bristol text in its `format()` dialect.
pub fn to_string(circuit: &Circuit) -> String {
    let mut out = Vec::new();
    write(circuit, &mut out).expect("writing to memory does not fail");
    String::from_utf8(out).expect("Bristol text is ASCII")
}
