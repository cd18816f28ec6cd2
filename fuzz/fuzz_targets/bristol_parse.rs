//! Fuzz target `bristol_parse`. Bristol parser: arbitrary bytes into `bristol::parse`; a parsed circuit must survive
//! `bristol::to_string` and parse again to the same circuit (see
//! `gc2pc_fuzz::bristol_parse`).
//! Never a panic, whatever the bytes.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    gc2pc_fuzz::bristol_parse(data);
});
