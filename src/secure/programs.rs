//! Programs written on the secure integers that the benchmarks and tests
//! share.

use super::{Ctx, Error, Party, RevealTo, U32};

/// The AND-heavy benchmark circuit of
/// [`crate::circuit::builder::and_heavy_with_width`] (32-bit lanes) as a
/// program: `lanes` independent 32-bit multiplications
/// `(a ⊕ rotl(y, k mod 32) ⊕ k) · y`, XOR-ed together and revealed to the
/// evaluator. The same gates as the circuit: `lanes · 993` ANDs.
pub fn and_heavy(
    ctx: &Ctx,
    a: Option<u32>,
    y: Option<u32>,
    lanes: usize,
) -> Result<Option<u128>, Error> {
    let a = U32::input(ctx, Party::Garbler, a)?;
    let y = U32::input(ctx, Party::Evaluator, y)?;
    let mut acc = U32::constant(ctx, 0)?;
    for k in 0..lanes {
        let k_word = U32::constant(ctx, (k as u64 & 0xffff_ffff) as u128)?;
        let x = &(&a ^ &y.rotl(k % 32)) ^ &k_word;
        acc = &acc ^ &(&x * &y);
    }
    acc.reveal(RevealTo::Evaluator)
}
