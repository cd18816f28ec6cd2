//! Fuzz target `value_parse`. `--input` value parser: a width (first 2 bytes mod 1025), a bit order (byte 3)
//! and UTF-8 text into `value::parse_value`; an accepted value has exactly
//! `width` bits and prints and reads back in every format (see
//! `gc2pc_fuzz::value_parse`).
//! Never a panic, whatever the bytes.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    gc2pc_fuzz::value_parse(data);
});
