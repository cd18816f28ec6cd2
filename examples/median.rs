//! The median of the union of two private lists: two labs each hold 7
//! measurements and learn the median of all 14 (the lower middle value),
//! nothing else. The union is sorted obliviously (a bitonic network, so the
//! gates do not depend on the data) and only the middle element revealed.
//!
//! `cargo run --release --example median`

use gc2pc::secure::{self, Ctx, Error, Party, RevealTo, U32};

const N: usize = 7;

/// Both labs run this; each gives only its own list.
fn median(ctx: &Ctx, a: Option<&[u32; N]>, b: Option<&[u32; N]>) -> Result<Option<u128>, Error> {
    let mut all = Vec::with_capacity(2 * N);
    for (owner, list) in [(Party::Garbler, a), (Party::Evaluator, b)] {
        for i in 0..N {
            all.push(U32::input(ctx, owner, list.map(|l| l[i]))?);
        }
    }
    secure::sort(&mut all, false);
    all[N - 1].reveal(RevealTo::Both)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let lab_a = [12u32, 97, 45, 33, 71, 8, 60];
    let lab_b = [55u32, 21, 90, 38, 66, 14, 49];
    let (for_a, for_b) = secure::run_local(|ctx, me| match me {
        Party::Garbler => median(ctx, Some(&lab_a), None),
        Party::Evaluator => median(ctx, None, Some(&lab_b)),
    })?;
    let mut all: Vec<u32> = lab_a.iter().chain(&lab_b).copied().collect();
    all.sort();
    let (_, counts) = secure::count(|ctx| median(ctx, None, None))?;
    let median = for_b.ok_or("both learn the median")?;
    println!(
        "both labs learn the median: {median} (plaintext: {}); {} AND gates",
        all[N - 1],
        counts.and_gates
    );
    assert_eq!(for_a, Some(all[N - 1] as u128));
    assert_eq!(for_b, for_a);
    Ok(())
}
