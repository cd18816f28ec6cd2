//! Fuzz target `net_frames`. Framing from the peer: a `Channel` reading the fuzz bytes runs a script of
//! `recv_bytes(max)`, `recv_bytes_exact`, `recv_blocks`, `recv_block` and
//! sends, checked call by call against a model of the wire format (payloads,
//! error variants, byte counters). Sizes are at most 64 KiB, so the heap cap
//! (two 256 KiB channel buffers and change) catches any allocation the peer's
//! length prefix could steer.
//!
//! The check is `gc2pc_fuzz::net_frames` (fuzz/src/lib.rs), which
//! tests/fuzz_regressions.rs also runs on the committed corpus. Any panic, a
//! Rust heap above 16 MiB (the allocator aborts), an input taking over
//! libFuzzer's `-timeout`, or RSS above `-rss_limit_mb` is a crash.

#![no_main]

use libfuzzer_sys::fuzz_target;

#[global_allocator]
static ALLOCATOR: cap::Cap<std::alloc::System> = cap::Cap::new(std::alloc::System, 16 << 20);

fuzz_target!(|data: &[u8]| {
    gc2pc_fuzz::net_frames(data);
});
