//! The properties the fuzz targets check, one function per target.
//!
//! Each function takes the raw fuzz input, runs it through gc2pc and panics
//! (via `assert!`) when a property breaks; gc2pc itself must never panic,
//! whatever the bytes. It returns whether the input was *accepted* (parsed,
//! decoded), so a regression test can assert that a former crash input is
//! now rejected with an error.
//!
//! This file is shared: the libFuzzer targets in `fuzz/fuzz_targets/` call
//! it through the `gc2pc_fuzz` library, and the main crate's
//! `tests/fuzz_regressions.rs` includes it with `#[path]`, so the regression
//! tests run exactly the code the fuzzer ran, on the stable toolchain, in
//! `cargo test`. It may therefore only use `gc2pc` and `std`.

use gc2pc::circuit::bristol;
use gc2pc::circuit::value::{self, BitOrder, ValueFormat};
use gc2pc::circuit::{Circuit, Format};
use gc2pc::protocol::handshake::{Hello, Role};

/// Most text bytes handed to the value parser, so one iteration stays cheap.
pub const MAX_VALUE_TEXT: usize = 4096;

/// `bristol_parse`: arbitrary bytes into [`bristol::parse`]. When they parse,
/// the canonical text from [`bristol::to_string`] must parse again to the
/// same circuit (MAND circuits come back as basic Bristol Fashion), and
/// writing that again must give the same text (canonical form is a fixpoint).
pub fn bristol_parse(data: &[u8]) -> bool {
    let Ok(circuit) = bristol::parse(data) else {
        return false;
    };
    let text = bristol::to_string(&circuit);
    let again = match bristol::parse(text.as_bytes()) {
        Ok(again) => again,
        // Known and reported: the parser caps the declared wire count at
        // `16 × file size + 2^20`, so a file padded with whitespace may
        // declare more wires than its shorter canonical text may (see
        // `bristol_canonical_text_of_padded_file_parses` in
        // tests/fuzz_regressions.rs). Tolerated here so fuzzing stays on
        // the look-out for everything else.
        Err(_) if circuit.num_wires() as u64 > 16 * text.len() as u64 + (1 << 20) => return true,
        Err(e) => panic!("the canonical text of a parsed circuit does not parse: {e}\n{text}"),
    };
    assert_eq!(
        again,
        canonical_format(circuit),
        "round trip changed the circuit"
    );
    assert_eq!(
        bristol::to_string(&again),
        text,
        "canonical text is not a fixpoint"
    );
    true
}

/// The circuit as [`bristol::to_string`] writes it: MAND becomes basic
/// Bristol Fashion.
fn canonical_format(circuit: Circuit) -> Circuit {
    if circuit.format() == Format::BristolFashionMand {
        circuit
            .with_format(Format::BristolFashion)
            .expect("Bristol Fashion holds any circuit")
    } else {
        circuit
    }
}

/// `value_parse`: the first two bytes (little-endian, mod 1025) are the group
/// width, bit 0 of the third byte the bit order, the rest (lossily decoded
/// as UTF-8) the text of an `--input` value. When [`value::parse_value`]
/// accepts it, the result has exactly `width` bits, [`value::format_value`]
/// works in every format, and the formats that the parser reads back
/// (hex and binary in both orders, decimal for LSB-first integers) give
/// the same bits again (width > 0).
pub fn value_parse(data: &[u8]) -> bool {
    let (width, order, text) = split_value_input(data);
    let Ok(bits) = value::parse_value(&text, width, order) else {
        return false;
    };
    assert_eq!(
        bits.len(),
        width,
        "parse_value({text:?}, {width}, {order:?}) has the wrong length"
    );
    for format in [ValueFormat::Hex, ValueFormat::Dec, ValueFormat::Bin] {
        let shown = value::format_value(&bits, format, order);
        // Decimal MSB-first byte strings are for people only; and for width 0
        // the parser rejects the printed `0x`/`0b` (reported; see
        // `value_width0_prints_what_it_reads` in tests/fuzz_regressions.rs).
        let readable = !(order == BitOrder::MsbBytes && format == ValueFormat::Dec) && width > 0;
        if readable {
            match value::parse_value(&shown, width, order) {
                Ok(back) => assert_eq!(
                    back, bits,
                    "{format:?} text {shown:?} of {text:?} reads back differently ({order:?}, width {width})"
                ),
                Err(e) => panic!(
                    "{format:?} text {shown:?} of {text:?} does not read back ({order:?}, width {width}): {e}"
                ),
            }
        }
    }
    true
}

/// Splits a `value_parse` input into width, bit order and text.
pub fn split_value_input(data: &[u8]) -> (usize, BitOrder, String) {
    let byte = |i: usize| data.get(i).copied().unwrap_or(0);
    let width = usize::from(u16::from_le_bytes([byte(0), byte(1)])) % 1025;
    let order = if byte(2) & 1 == 0 {
        BitOrder::LsbInteger
    } else {
        BitOrder::MsbBytes
    };
    let rest = data.get(3..).unwrap_or_default();
    let rest = &rest[..rest.len().min(MAX_VALUE_TEXT)];
    (width, order, String::from_utf8_lossy(rest).into_owned())
}

/// The bytes of a `value_parse` input for `text` at `width` and `order`
/// (for seeds and tests).
pub fn value_input(width: u16, order: BitOrder, text: &str) -> Vec<u8> {
    let mut out = width.to_le_bytes().to_vec();
    out.push(match order {
        BitOrder::LsbInteger => 0,
        BitOrder::MsbBytes => 1,
    });
    out.extend_from_slice(text.as_bytes());
    out
}

/// `handshake_decode`: arbitrary bytes into [`Hello::decode`]. When they
/// decode, the encoding is canonical (`encode` gives back exactly the input
/// bytes), it decodes to the same hello, and the same hello from the other
/// role is found to differ in nothing.
pub fn handshake_decode(data: &[u8]) -> bool {
    let Ok(hello) = Hello::decode(data) else {
        return false;
    };
    let encoded = hello.encode();
    assert_eq!(encoded, data, "the hello encoding is not canonical");
    assert_eq!(
        Hello::decode(&encoded).as_ref(),
        Ok(&hello),
        "encode/decode round trip"
    );
    let peer = Hello {
        role: match hello.role {
            Role::Garbler => Role::Evaluator,
            Role::Evaluator => Role::Garbler,
        },
        ..hello.clone()
    };
    let differences = hello.differences(&peer);
    assert!(
        differences.is_empty(),
        "matching hellos differ: {differences:?}"
    );
    true
}
