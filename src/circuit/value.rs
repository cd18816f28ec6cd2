//! Values on wires: parsing command-line integers (decimal, `0x` hex, `0b`
//! binary) into a group's bits LSB-first, the MSB-first byte-string convention
//! of the old AES/SHA-256 files, and formatting output bits back.
//!
//! # Text accepted by [`parse_value`]
//!
//! With [`BitOrder::LsbInteger`] (every Bristol Fashion file and the old
//! integer circuits) the text is an unsigned integer of any size: decimal,
//! `0x` hex or `0b` binary (prefixes and hex digits case-insensitive,
//! underscores allowed between digits), and wire j of the group = bit j of the
//! integer. A leading `-` means two's complement in the group width (for
//! signed circuits): `-1` in 8 bits is `0xff`. A comma-separated list
//! `v1,v2,…,vk` fills k equal-width elements: element i occupies wires
//! `i·w/k … (i+1)·w/k − 1`, each LSB-first (the width must be divisible by k).
//!
//! With [`BitOrder::MsbBytes`] (the old `AES-non-expanded.txt` and
//! `sha-256.txt`) the text is a hex byte string (optional `0x`) whose bit
//! length equals the width exactly, and wire j = bit (7 − j mod 8) of byte
//! ⌊j/8⌋: the hex string read left to right as a bit string. `0b` followed by
//! exactly `width` digits (wire 0 first) is accepted too.
//!
//! A group of width 0 takes the empty string (or any spelling of zero).
//!
//! # Text written by [`format_value`]
//!
//! Both orders print the natural human value. `LsbInteger`: `Hex` is `0x`
//! plus exactly ⌈width/4⌉ lowercase digits of the integer, `Dec` its decimal,
//! `Bin` `0b` plus `width` digits most significant first. `MsbBytes`: `Hex` is
//! the byte string (`0x69c4…` for the old AES output; widths that are not a
//! multiple of 4 print as `Bin`), `Dec` the decimal of that string read as a
//! big-endian number, `Bin` `0b` plus the wires in order (wire 0 first). A
//! group of width 0 prints as `0x`, `0` or `0b`.

use super::{CircuitError, ValueError};

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

/// Parses `text` as a value for a group of `width` wires (see the module
/// documentation for the accepted syntax). The result has exactly `width`
/// elements, element j being wire j of the group.
pub fn parse_value(text: &str, width: usize, order: BitOrder) -> Result<Vec<bool>, CircuitError> {
    let text = text.trim();
    // A width-0 group prints as `0x`/`0b` (no digits); read those back.
    if width == 0 && ["0x", "0X", "0b", "0B"].contains(&text) {
        return Ok(Vec::new());
    }
    if text.contains(',') {
        return Ok(parse_list(text, width, order)?);
    }
    Ok(match order {
        BitOrder::LsbInteger => parse_integer(text, width)?,
        BitOrder::MsbBytes => parse_msb(text, width)?,
    })
}

/// Formats a group's bits (element j = wire j of the group).
pub fn format_value(bits: &[bool], format: ValueFormat, order: BitOrder) -> String {
    // `msb_first`: the bits from the most significant digit down.
    let msb_first: Vec<bool> = match order {
        BitOrder::LsbInteger => bits.iter().rev().copied().collect(),
        BitOrder::MsbBytes => bits.to_vec(),
    };
    match format {
        ValueFormat::Bin => bin_string(&msb_first),
        ValueFormat::Dec => {
            let lsb_first: Vec<bool> = msb_first.iter().rev().copied().collect();
            to_decimal(&limbs_from_bits(&lsb_first))
        }
        ValueFormat::Hex => {
            if order == BitOrder::MsbBytes && !bits.len().is_multiple_of(4) {
                return bin_string(&msb_first);
            }
            // Pad on the most significant side to whole hex digits.
            let pad = (4 - msb_first.len() % 4) % 4;
            let padded: Vec<bool> = std::iter::repeat_n(false, pad)
                .chain(msb_first.iter().copied())
                .collect();
            let mut out = String::with_capacity(2 + padded.len() / 4);
            out.push_str("0x");
            for nibble in padded.chunks(4) {
                let digit = nibble.iter().fold(0u32, |acc, &b| acc << 1 | b as u32);
                out.push(char::from_digit(digit, 16).expect("a nibble is a hex digit"));
            }
            out
        }
    }
}

fn bin_string(msb_first: &[bool]) -> String {
    let mut out = String::with_capacity(2 + msb_first.len());
    out.push_str("0b");
    out.extend(msb_first.iter().map(|&b| if b { '1' } else { '0' }));
    out
}

/// The text shortened for an error message.
fn show(text: &str) -> String {
    if text.chars().count() > 80 {
        format!("{}…", text.chars().take(80).collect::<String>())
    } else {
        text.to_string()
    }
}

fn parse_list(text: &str, width: usize, order: BitOrder) -> Result<Vec<bool>, ValueError> {
    let items: Vec<&str> = text.split(',').map(str::trim).collect();
    let k = items.len();
    if !width.is_multiple_of(k) {
        return Err(ValueError::ListWidth { count: k, width });
    }
    let each = width / k;
    let mut bits = Vec::with_capacity(width);
    for (i, item) in items.iter().enumerate() {
        if item.is_empty() {
            return Err(ValueError::EmptyElement {
                index: i,
                text: show(text),
            });
        }
        let element = match order {
            BitOrder::LsbInteger => parse_integer(item, each),
            BitOrder::MsbBytes => parse_msb(item, each),
        }
        .map_err(|e| ValueError::Element {
            index: i,
            error: Box::new(e),
        })?;
        bits.extend(element);
    }
    Ok(bits)
}

/// Splits a radix prefix off (`0x`, `0b`, or none for decimal).
fn radix_of(text: &str) -> (u32, &str) {
    let lower = |i: usize| text.as_bytes().get(i).map(u8::to_ascii_lowercase);
    match (lower(0), lower(1)) {
        (Some(b'0'), Some(b'x')) => (16, &text[2..]),
        (Some(b'0'), Some(b'b')) => (2, &text[2..]),
        _ => (10, text),
    }
}

/// Digit values of `digits` in `radix`, most significant first; underscores
/// are separators. At least one digit is required.
fn digit_values(digits: &str, radix: u32, original: &str) -> Result<Vec<u8>, ValueError> {
    let mut values = Vec::with_capacity(digits.len());
    for c in digits.chars() {
        if c == '_' {
            continue;
        }
        match c.to_digit(radix) {
            Some(d) => values.push(d as u8),
            None => {
                let kind = match radix {
                    16 => "hex",
                    2 => "binary",
                    _ => "decimal",
                };
                return Err(ValueError::Digit {
                    text: show(original),
                    digit: c,
                    radix: kind,
                });
            }
        }
    }
    if values.is_empty() {
        return Err(ValueError::NoDigits {
            text: show(original),
        });
    }
    Ok(values)
}

/// An unsigned integer as little-endian 64-bit limbs.
fn limbs_from_digits(digits: &[u8], radix: u32) -> Vec<u64> {
    let mut limbs: Vec<u64> = Vec::new();
    match radix {
        2 | 16 => {
            let bits_per = if radix == 2 { 1 } else { 4 };
            for (i, &d) in digits.iter().rev().enumerate() {
                for k in 0..bits_per {
                    if d >> k & 1 == 1 {
                        let bit = i * bits_per + k;
                        if limbs.len() <= bit / 64 {
                            limbs.resize(bit / 64 + 1, 0);
                        }
                        limbs[bit / 64] |= 1 << (bit % 64);
                    }
                }
            }
        }
        _ => {
            for &d in digits {
                let mut carry = u128::from(d);
                for limb in limbs.iter_mut() {
                    let v = u128::from(*limb) * 10 + carry;
                    *limb = v as u64;
                    carry = v >> 64;
                }
                if carry != 0 {
                    limbs.push(carry as u64);
                }
            }
        }
    }
    limbs
}

fn bit_length(limbs: &[u64]) -> usize {
    limbs
        .iter()
        .rposition(|&l| l != 0)
        .map_or(0, |i| i * 64 + 64 - limbs[i].leading_zeros() as usize)
}

fn bit(limbs: &[u64], i: usize) -> bool {
    limbs.get(i / 64).is_some_and(|l| l >> (i % 64) & 1 == 1)
}

fn limbs_from_bits(lsb_first: &[bool]) -> Vec<u64> {
    let mut limbs = vec![0u64; lsb_first.len().div_ceil(64)];
    for (i, _) in lsb_first.iter().enumerate().filter(|(_, b)| **b) {
        limbs[i / 64] |= 1 << (i % 64);
    }
    limbs
}

/// Decimal digits of a little-endian limb integer.
fn to_decimal(limbs: &[u64]) -> String {
    const CHUNK: u64 = 10_000_000_000_000_000_000; // 10^19
    let mut n: Vec<u64> = limbs.to_vec();
    let mut chunks = Vec::new();
    while n.iter().any(|&l| l != 0) {
        let mut rem: u128 = 0;
        for limb in n.iter_mut().rev() {
            let v = rem << 64 | u128::from(*limb);
            *limb = (v / u128::from(CHUNK)) as u64;
            rem = v % u128::from(CHUNK);
        }
        chunks.push(rem as u64);
        while n.last() == Some(&0) {
            n.pop();
        }
    }
    match chunks.split_last() {
        None => "0".to_string(),
        Some((top, rest)) => {
            let mut out = top.to_string();
            for chunk in rest.iter().rev() {
                out.push_str(&format!("{chunk:019}"));
            }
            out
        }
    }
}

fn parse_integer(text: &str, width: usize) -> Result<Vec<bool>, ValueError> {
    if text.is_empty() {
        if width == 0 {
            return Ok(Vec::new());
        }
        return Err(ValueError::Empty { width });
    }
    let (negative, body) = match text.strip_prefix('-') {
        Some(rest) => (true, rest.trim_start()),
        None => (false, text),
    };
    let (radix, digits) = radix_of(body);
    let limbs = limbs_from_digits(&digit_values(digits, radix, text)?, radix);
    let len = bit_length(&limbs);
    if !negative {
        if len > width {
            return Err(ValueError::TooLarge {
                text: show(text),
                width,
            });
        }
        return Ok((0..width).map(|i| bit(&limbs, i)).collect());
    }
    if len == 0 {
        return Ok(vec![false; width]);
    }
    // -m fits in `width` bits of two's complement iff m <= 2^(width-1).
    let is_power_of_two = limbs.iter().map(|l| l.count_ones()).sum::<u32>() == 1;
    let fits = width > 0 && (len < width || (len == width && is_power_of_two));
    if !fits {
        return Err(ValueError::TooLargeSigned {
            text: show(text),
            width,
        });
    }
    // Two's complement: invert and add one.
    let mut bits: Vec<bool> = (0..width).map(|i| !bit(&limbs, i)).collect();
    for b in bits.iter_mut() {
        *b = !*b;
        if *b {
            break;
        }
    }
    Ok(bits)
}

fn parse_msb(text: &str, width: usize) -> Result<Vec<bool>, ValueError> {
    if text.is_empty() {
        if width == 0 {
            return Ok(Vec::new());
        }
        return Err(ValueError::Empty { width });
    }
    let (radix, digits) = radix_of(text);
    let (radix, digits) = match radix {
        // Without a prefix an MSB-first value is still a hex byte string.
        10 => (16, digits),
        other => (other, digits),
    };
    let values = digit_values(digits, radix, text)?;
    let bits_per = if radix == 2 { 1 } else { 4 };
    if values.len() * bits_per != width {
        let got = values.len() * bits_per;
        let hint = if radix == 16 {
            format!(
                "{} hex digits = {got} bits; a {width}-bit group needs {} hex digits",
                values.len(),
                width.div_ceil(4)
            )
        } else {
            format!("{got} binary digits")
        };
        return Err(ValueError::MsbLength {
            text: show(text),
            width,
            hint,
        });
    }
    Ok(values
        .iter()
        .flat_map(|&d| (0..bits_per).rev().map(move |k| d >> k & 1 == 1))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use BitOrder::*;

    fn int(text: &str, width: usize) -> Vec<bool> {
        parse_value(text, width, LsbInteger).unwrap()
    }

    fn bits_of(v: u64, width: usize) -> Vec<bool> {
        (0..width).map(|i| v >> i & 1 == 1).collect()
    }

    #[test]
    fn integers_in_every_radix() {
        assert_eq!(int("5", 8), bits_of(5, 8));
        assert_eq!(int("0x1F", 8), bits_of(31, 8));
        assert_eq!(int("0B1_01", 4), bits_of(5, 4));
        assert_eq!(int("1_000", 16), bits_of(1000, 16));
        assert_eq!(int("-1", 8), bits_of(255, 8));
        assert_eq!(int("-128", 8), bits_of(128, 8));
        assert_eq!(int("255", 8), bits_of(255, 8));
        assert_eq!(int("1,2,3,4", 16), {
            let mut v = bits_of(1, 4);
            v.extend(bits_of(2, 4));
            v.extend(bits_of(3, 4));
            v.extend(bits_of(4, 4));
            v
        });
        assert!(parse_value("-129", 8, LsbInteger).is_err());
        assert!(parse_value("-1", 0, LsbInteger).is_err());
        assert_eq!(
            parse_value("300", 8, LsbInteger).unwrap_err().to_string(),
            "value 300 does not fit in 8 bits"
        );
        assert!(parse_value("0x", 8, LsbInteger).is_err());
        assert!(parse_value("12a", 8, LsbInteger).is_err());
        assert!(parse_value("1,2,3", 8, LsbInteger).is_err());
        assert_eq!(int("", 0), Vec::<bool>::new());
    }

    #[test]
    fn big_decimal_round_trip() {
        let text = "340282366920938463463374607431768211455"; // 2^128 - 1
        let bits = int(text, 128);
        assert!(bits.iter().all(|&b| b));
        assert_eq!(format_value(&bits, ValueFormat::Dec, LsbInteger), text);
        assert!(parse_value("340282366920938463463374607431768211456", 128, LsbInteger).is_err());
        let ten_pow_30 = int("1000000000000000000000000000000", 100);
        assert_eq!(
            format_value(&ten_pow_30, ValueFormat::Dec, LsbInteger),
            "1000000000000000000000000000000"
        );
    }

    #[test]
    fn msb_bytes() {
        let bits = parse_value("0x0011", 16, MsbBytes).unwrap();
        assert_eq!(
            bits,
            [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1].map(|b| b == 1)
        );
        assert_eq!(format_value(&bits, ValueFormat::Hex, MsbBytes), "0x0011");
        assert!(parse_value("0x11", 16, MsbBytes).is_err());
        assert_eq!(format_value(&bits, ValueFormat::Hex, LsbInteger), "0x8800");
    }

    #[test]
    fn formats() {
        let b = bits_of(12, 64);
        assert_eq!(
            format_value(&b, ValueFormat::Hex, LsbInteger),
            "0x000000000000000c"
        );
        assert_eq!(format_value(&b, ValueFormat::Dec, LsbInteger), "12");
        assert_eq!(
            format_value(&bits_of(5, 3), ValueFormat::Bin, LsbInteger),
            "0b101"
        );
        assert_eq!(
            format_value(&bits_of(5, 5), ValueFormat::Hex, LsbInteger),
            "0x05"
        );
        assert_eq!(format_value(&[], ValueFormat::Hex, LsbInteger), "0x");
        assert_eq!(format_value(&[], ValueFormat::Dec, LsbInteger), "0");
    }
}
