//! Fuzz target `binary_parse`. The binary circuit reader: arbitrary bytes
//! into `binary::read`; a circuit it accepts must write back to exactly the
//! same bytes and equal the circuit of its Bristol text.
//!
//! The check is `gc2pc_fuzz::binary_parse` (fuzz/src/lib.rs), which
//! tests/fuzz_regressions.rs also runs on the committed corpus. Any panic, a
//! Rust heap above 256 MiB (the allocator aborts), an input taking over
//! libFuzzer's `-timeout`, or RSS above `-rss_limit_mb` is a crash.

#![no_main]

use libfuzzer_sys::fuzz_target;

#[global_allocator]
static ALLOCATOR: cap::Cap<std::alloc::System> = cap::Cap::new(std::alloc::System, 256 << 20);

fuzz_target!(|data: &[u8]| {
    gc2pc_fuzz::binary_parse(data);
});
