//! Fuzz target `handshake_decode`. Handshake from the peer: arbitrary bytes into `Hello::decode`; a decoded
//! hello re-encodes to exactly the same bytes and decodes again to itself
//! (see `gc2pc_fuzz::handshake_decode`).
//! Never a panic, whatever the bytes.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    gc2pc_fuzz::handshake_decode(data);
});
