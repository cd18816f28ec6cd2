//! Semi-honest Yao between two parties: handshake, OT for the evaluator's
//! inputs, the garbler's input labels, streamed tables, output decoding.

pub mod handshake;
