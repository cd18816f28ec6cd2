//! gc2pc: secure two-party computation with garbled circuits.
//!
//! # Start here: secure integers
//!
//! Write the computation once as an ordinary Rust function over
//! [`secure`] values; both parties run it, each giving only its own inputs,
//! and learn what it reveals:
//!
//! ```
//! use gc2pc::secure::{self, Ctx, Error, Party, RevealTo, U64};
//!
//! fn richer(ctx: &Ctx, alice: Option<u64>, bob: Option<u64>) -> Result<Option<bool>, Error> {
//!     let a = U64::input(ctx, Party::Garbler, alice)?;
//!     let b = U64::input(ctx, Party::Evaluator, bob)?;
//!     a.gt(&b).reveal(RevealTo::Both)
//! }
//!
//! // Garbled between two parties (here two threads over loopback TCP; on two
//! // machines, each builds a `secure::Session` and calls `connect_and_run`
//! // or `accept_and_run`):
//! let (alice_learns, bob_learns) = secure::run_local(|ctx, me| match me {
//!     Party::Garbler => richer(ctx, Some(2_400_000), None),
//!     Party::Evaluator => richer(ctx, None, Some(1_750_000)),
//! })?;
//! assert_eq!((alice_learns, bob_learns), (Some(true), Some(true)));
//! // The same function in plaintext, and as a gate counter.
//! assert_eq!(secure::plaintext(|ctx| richer(ctx, Some(1), Some(2)))?, Some(false));
//! let (_, counts) = secure::count(|ctx| richer(ctx, None, None))?;
//! assert_eq!(counts.and_gates, 64);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [`secure::Session`] configures a party (role, TLS, AES backend, hash,
//! timeouts); [`secure::write_bristol`] writes a program as a Bristol
//! circuit for the `gc2pc` command line.
//!
//! # Underneath
//!
//! Free-XOR and half-gates garbling over a correlation-robust hash on hardware
//! AES, Bristol circuits, IKNP oblivious transfer with the KOS check on
//! Ristretto base OTs, and a streaming Yao protocol (secure against a
//! malicious evaluator, semi-honest against the garbler). See DESIGN.md for the architecture;
//! modules are listed lowest first and never import higher ones.

#![deny(missing_docs, unreachable_pub)]

pub mod aes;
#[cfg(feature = "bench")]
pub mod bench;
pub mod block;
pub mod circuit;
pub mod cpu;
pub mod garble;
pub mod hash;
pub mod net;
pub mod ot;
pub mod prg;
pub mod protocol;
pub mod secure;

pub use block::{Block, Delta};
