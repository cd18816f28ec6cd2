//! `gc2pc circuit gen KIND …`.
//!
//! SKELETON: to be written.

use clap::Args;

/// Arguments of `gc2pc circuit gen`.
#[derive(Args, Debug)]
pub struct GenArgs {}

/// Runs `gc2pc circuit gen`.
pub fn run(_args: GenArgs) -> anyhow::Result<()> {
    anyhow::bail!("circuit gen is not written yet")
}
