//! Secure integers: one ordinary Rust function runs garbled, in plaintext, as
//! a gate counter and as a Bristol writer (DESIGN.md "Secure integers").
//!
//! Both parties run the same function over [`Bit`], [`UInt`] and [`SInt`]
//! values, each passing only its own inputs (EMP-toolkit's idea: Wang,
//! Malozemoff, Katz, "EMP-toolkit", 2016); the function is written once
//! against a [`Ctx`] and the context decides what a gate means (swanky's
//! idea: Carmer et al., "fancy-garbling"). Unlike EMP there is no global
//! engine and no virtual call per gate: operations append gates to the
//! context's current window; a full window (2^15 gates, as
//! [`crate::circuit::plan::WINDOW_GATES`]) or a reveal hands the window to
//! the backend in one batch, where a session plans it with
//! [`crate::circuit::stream::Planner`] and garbles it with the fused kernels.
//! A wire's label slot is freed when the last value holding it is dropped,
//! so a program's memory is bounded by its live values, not its length.
//!
//! ```
//! use gc2pc::secure::{self, Party, RevealTo, U32};
//! // The millionaires' problem, in plaintext (the reference).
//! let richer = secure::plaintext(|ctx| {
//!     let a = U32::input(ctx, Party::Garbler, Some(7_000_000u32))?;
//!     let b = U32::input(ctx, Party::Evaluator, Some(5_000_000u32))?;
//!     a.gt(&b).reveal(RevealTo::Both)
//! })
//! .unwrap();
//! assert_eq!(richer, Some(true));
//! ```
//!
//! The same closure runs garbled with [`Session`] (each party gives
//! `Some(..)` only for its own inputs), as a counter with [`count`] and as a
//! Bristol file with [`write_bristol`].
//!
//! Widths are const generics (`UInt<32>`), so the compiler checks that the
//! two sides of `a + b` have the same width and the cost of every operation
//! is known from the type; plaintext conversions go through `u128`/`i128`,
//! so widths run from 1 to 128 bits. [`Word`] carries its width at run
//! time instead (any width, the same operators; combining two widths is a
//! programming error and panics): the generators of [`circuits`] use it.

mod array;
pub mod circuits;
mod ctx;
#[cfg(feature = "garble")]
pub mod garble;
mod local;
pub mod psi;
mod session;
mod value;

pub use array::{Row, sort, sort_rows, sum};
pub use ctx::Ctx;
pub use local::{Counts, circuit, count, plaintext, write_bristol};
pub use session::{
    MAX_ANNOUNCEMENT, Session, SessionBuilder, garble_only, run_local, run_local_with,
};
pub use value::{Bit, I8, I16, I32, I64, I128, SInt, Secure, U8, U16, U32, U64, U128, UInt, Word};

pub use crate::protocol::Role as Party;

/// Who learns a revealed value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RevealTo {
    /// Only the garbler.
    Garbler,
    /// Only the evaluator.
    Evaluator,
    /// Both parties (the evaluator's report is checked by the garbler).
    Both,
}

impl RevealTo {
    fn code(self) -> u8 {
        match self {
            RevealTo::Garbler => 1,
            RevealTo::Evaluator => 2,
            RevealTo::Both => 3,
        }
    }

    /// Whether `party` learns the value.
    pub fn includes(self, party: Party) -> bool {
        matches!(
            (self, party),
            (RevealTo::Both, _)
                | (RevealTo::Garbler, Party::Garbler)
                | (RevealTo::Evaluator, Party::Evaluator)
        )
    }
}

/// Why a secure program failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The session failed (connection, handshake, peer).
    #[error(transparent)]
    Protocol(#[from] crate::protocol::ProtocolError),
    /// TLS could not be set up or failed.
    #[error(transparent)]
    Tls(#[from] crate::net::tls::TlsError),
    /// This party owns an input but gave no value for it.
    #[error("the {0} owns this input, but no value was given for it")]
    MissingInput(&'static str),
    /// An input or constant does not fit its width.
    #[error("{value} does not fit in a {width}-bit {kind}")]
    TooWide {
        /// The value, printed.
        value: String,
        /// The width of the type.
        width: usize,
        /// "unsigned" or "signed" integer.
        kind: &'static str,
    },
    /// The two parties' gate streams differ: they run different programs.
    #[error(
        "the two parties ran different programs (their gate streams differ at step {0}), so nothing more was computed"
    )]
    ProgramMismatch(u64),
    /// A row or word of the wrong shape.
    #[error("{0}")]
    Shape(String),
    /// Writing a circuit failed.
    #[error("writing the circuit: {0}")]
    Io(#[from] std::io::Error),
    /// An earlier step of this program failed; its error was returned then.
    #[error("an earlier step of this program failed")]
    Failed,
}
