//! Fuzz target `ot_messages`. OT messages from the peer: the base-OT sender and receiver and the IKNP
//! sender (garbler) and receiver (evaluator, chosen-message OT) reading the
//! fuzz bytes as the peer's frames; an error or a result of the right size.
//!
//! The check is `gc2pc_fuzz::ot_messages` (fuzz/src/lib.rs), which
//! tests/fuzz_regressions.rs also runs on the committed corpus. Any panic, a
//! Rust heap above 256 MiB (the allocator aborts), an input taking over
//! libFuzzer's `-timeout`, or RSS above `-rss_limit_mb` is a crash.

#![no_main]

use libfuzzer_sys::fuzz_target;

#[global_allocator]
static ALLOCATOR: cap::Cap<std::alloc::System> = cap::Cap::new(std::alloc::System, 256 << 20);

fuzz_target!(|data: &[u8]| {
    gc2pc_fuzz::ot_messages(data);
});
