//! Oblivious transfer.
//!
//! SKELETON: to be written.
