//! Fuzz target `handshake_decode`. Handshake from the peer: arbitrary bytes into `Hello::decode`; a decoded
//! hello re-encodes to exactly the same bytes and decodes again to itself.
//!
//! The check is `gc2pc_fuzz::handshake_decode` (fuzz/src/lib.rs), which
//! tests/fuzz_regressions.rs also runs on the committed corpus. Any panic, a
//! Rust heap above 256 MiB (the allocator aborts), an input taking over
//! libFuzzer's `-timeout`, or RSS above `-rss_limit_mb` is a crash.

#![no_main]

use libfuzzer_sys::fuzz_target;

#[global_allocator]
static ALLOCATOR: cap::Cap<std::alloc::System> = cap::Cap::new(std::alloc::System, 256 << 20);

fuzz_target!(|data: &[u8]| {
    gc2pc_fuzz::handshake_decode(data);
});
