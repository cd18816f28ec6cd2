//! Yao's millionaires' problem: Alice (the garbler) and Bob (the evaluator)
//! learn who is richer and nothing else. `richer` is written once; here it
//! runs garbled between two parties (two threads over loopback TCP), in
//! plaintext and as a gate counter. In real use each party runs it with a
//! `Session` on its own machine (see README "Secure integers").
//!
//! `cargo run --release --example millionaires [ALICE BOB]`

use gc2pc::secure::{self, Ctx, Error, Party, RevealTo, U64};

/// Both parties run this; each gives only its own wealth.
fn richer(ctx: &Ctx, alice: Option<u64>, bob: Option<u64>) -> Result<Option<bool>, Error> {
    let a = U64::input(ctx, Party::Garbler, alice)?;
    let b = U64::input(ctx, Party::Evaluator, bob)?;
    a.gt(&b).reveal(RevealTo::Both)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .map(|a| a.parse())
        .collect::<Result<_, _>>()?;
    let (alice, bob) = match args[..] {
        [a, b] => (a, b),
        _ => (2_400_000, 1_750_000),
    };
    let (for_alice, for_bob) = secure::run_local(|ctx, me| match me {
        Party::Garbler => richer(ctx, Some(alice), None),
        Party::Evaluator => richer(ctx, None, Some(bob)),
    })?;
    let plain = secure::plaintext(|ctx| richer(ctx, Some(alice), Some(bob)))?;
    let (_, counts) = secure::count(|ctx| richer(ctx, None, None))?;
    let answer = if for_bob == Some(true) {
        "Alice"
    } else {
        "Bob (or neither)"
    };
    println!("both learn who is richer: {answer}");
    println!(
        "{} AND gates (64 for a 64-bit comparison)",
        counts.and_gates
    );
    assert_eq!(for_alice, plain);
    assert_eq!(for_bob, plain);
    Ok(())
}
