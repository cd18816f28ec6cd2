//! Fuzz target `value_parse`. `--input` value parser: a width (first 2 bytes mod 1025), a bit order
//! (byte 3) and UTF-8 text into `value::parse_value`; an accepted value has
//! exactly `width` bits and prints and reads back in every format.
//!
//! The check is `gc2pc_fuzz::value_parse` (fuzz/src/lib.rs), which
//! tests/fuzz_regressions.rs also runs on the committed corpus. Any panic, a
//! Rust heap above 256 MiB (the allocator aborts), an input taking over
//! libFuzzer's `-timeout`, or RSS above `-rss_limit_mb` is a crash.

#![no_main]

use libfuzzer_sys::fuzz_target;

#[global_allocator]
static ALLOCATOR: cap::Cap<std::alloc::System> = cap::Cap::new(std::alloc::System, 256 << 20);

fuzz_target!(|data: &[u8]| {
    gc2pc_fuzz::value_parse(data);
});
