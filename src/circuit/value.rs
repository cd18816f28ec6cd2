//! Values on wires: parsing command-line integers (decimal, `0x` hex, `0b`
//! binary) into a group's bits LSB-first, the MSB-first byte-string convention
//! of the old AES/SHA-256 files, and formatting output bits back.
//!
//! SKELETON: signatures only.

use super::CircuitError;

/// How a value's bits map onto a group's wires.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum BitOrder {
    /// Wire j = bit j of the integer (every Bristol Fashion file).
    #[default]
    LsbInteger,
    /// The value is a byte string; wire j = bit (7 - j mod 8) of byte j/8
    /// (the old AES-non-expanded and sha-256 files).
    MsbBytes,
}

/// How output values are printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ValueFormat {
    /// `0x` and hex digits for the whole group width.
    #[default]
    Hex,
    /// Decimal.
    Dec,
    /// `0b` and one digit per wire, most significant first.
    Bin,
}

/// Parses `text` as a value for a group of `width` wires.
pub fn parse_value(
    _text: &str,
    _width: usize,
    _order: BitOrder,
) -> Result<Vec<bool>, CircuitError> {
    Err(CircuitError::Value("parse_value is not written yet".into()))
}

/// Formats a group's bits.
pub fn format_value(_bits: &[bool], _format: ValueFormat, _order: BitOrder) -> String {
    String::new()
}
