//! Private set intersection of two small sets: two hospitals find the
//! patients they share. The evaluator (hospital B) learns which of its own
//! IDs hospital A also holds; A learns nothing. Every pair is compared (n·m
//! equality tests of 31 ANDs each), fine for small sets; `gc2pc psi` is the
//! command for large ID files.
//!
//! `cargo run --release --example psi`

use gc2pc::secure::{self, Bit, Ctx, Error, Party, RevealTo, U32};

const N: usize = 8;

/// Both hospitals run this; each gives only its own IDs. Returns, for each
/// of B's IDs, whether A holds it too (to B only).
fn intersect(
    ctx: &Ctx,
    a: Option<&[u32; N]>,
    b: Option<&[u32; N]>,
) -> Result<Option<Vec<bool>>, Error> {
    let ids = |owner, list: Option<&[u32; N]>| -> Result<Vec<U32>, Error> {
        (0..N)
            .map(|i| U32::input(ctx, owner, list.map(|l| l[i])))
            .collect()
    };
    let (ours, theirs) = (ids(Party::Garbler, a)?, ids(Party::Evaluator, b)?);
    let mut found = Vec::with_capacity(N);
    for y in &theirs {
        let mut any = Bit::constant(ctx, false);
        for x in &ours {
            any = &any | &x.eq(y);
        }
        found.push(any.reveal(RevealTo::Evaluator)?);
    }
    Ok(found.into_iter().collect())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let hospital_a = [
        10_442u32, 77_019, 31_337, 90_210, 55_555, 12_345, 80_808, 42_000,
    ];
    let hospital_b = [
        31_337u32, 11_111, 42_000, 90_211, 12_345, 70_000, 20_202, 66_666,
    ];
    let (for_a, for_b) = secure::run_local(|ctx, me| match me {
        Party::Garbler => intersect(ctx, Some(&hospital_a), None),
        Party::Evaluator => intersect(ctx, None, Some(&hospital_b)),
    })?;
    let found = for_b.ok_or("hospital B learns the intersection")?;
    let shared: Vec<u32> = hospital_b
        .iter()
        .zip(&found)
        .filter(|(_, f)| **f)
        .map(|(id, _)| *id)
        .collect();
    println!("hospital B learns the shared patients: {shared:?}; hospital A learns nothing");
    assert_eq!(for_a, None);
    let expected: Vec<u32> = hospital_b
        .iter()
        .filter(|id| hospital_a.contains(id))
        .copied()
        .collect();
    assert_eq!(shared, expected);
    Ok(())
}
