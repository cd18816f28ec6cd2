//! Fuzz target `evaluator_session`. A whole evaluator session against a hostile garbler:
//! `EvaluatorSession::start` and `run` (twice) on circuits/cmp32.txt, in
//! the setting byte 0 selects (with or without OT, reveal, hash), every
//! byte from the garbler being fuzz input; an error or an output of the
//! circuit's shape, never a panic, hang or large allocation.
//!
//! The check is `gc2pc_fuzz::evaluator_session` (fuzz/src/lib.rs), which
//! tests/fuzz_regressions.rs also runs on the committed corpus. Any panic, a
//! Rust heap above 256 MiB (the allocator aborts), an input taking over
//! libFuzzer's `-timeout`, or RSS above `-rss_limit_mb` is a crash.

#![no_main]

use libfuzzer_sys::fuzz_target;

#[global_allocator]
static ALLOCATOR: cap::Cap<std::alloc::System> = cap::Cap::new(std::alloc::System, 256 << 20);

fuzz_target!(|data: &[u8]| {
    gc2pc_fuzz::evaluator_session(data);
});
