//! A small circuit builder and the generators behind `gc2pc circuit gen`
//! (comparison, equality, adders, private set intersection).
//!
//! SKELETON: to be written.
