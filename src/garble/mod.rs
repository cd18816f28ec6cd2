//! Half-gates garbling and evaluation over a `Plan`.
//!
//! SKELETON: to be written.
