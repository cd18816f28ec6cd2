//! The circuit compiled for garbling: free gates and batches of independent
//! AND gates in a flat list of operations.
//!
//! SKELETON: to be written.

/// A compiled circuit.
#[derive(Clone, Debug)]
pub struct Plan {}
