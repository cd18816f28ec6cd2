//! Channels between the two parties.
//!
//! SKELETON: to be written.
