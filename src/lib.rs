//! gc2pc: secure two-party computation with garbled circuits.
//!
//! Free-XOR and half-gates garbling over a correlation-robust hash on hardware
//! AES, Bristol circuits, IKNP oblivious transfer with the KOS check on
//! Ristretto base OTs, and a streaming Yao protocol (secure against a
//! malicious evaluator, semi-honest against the garbler). See DESIGN.md for the architecture;
//! modules are listed lowest first and never import higher ones.

pub mod aes;
#[cfg(feature = "bench")]
pub mod bench;
pub mod block;
pub mod circuit;
pub mod garble;
pub mod hash;
pub mod net;
pub mod ot;
pub mod prg;
pub mod protocol;
pub mod secure;

pub use block::{Block, Delta};
