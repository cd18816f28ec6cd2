//! Yao's millionaires' problem: Alice (the garbler) and Bob (the evaluator)
//! learn who is richer without revealing their wealth. Both parties run in this
//! process over loopback TCP; in real use each runs `gc2pc garble` or
//! `gc2pc evaluate` on its own machine.
//!
//! `cargo run --release --example millionaires [ALICE BOB]`

use gc2pc::aes::Backend;
use gc2pc::circuit::value::{BitOrder, parse_value};
use gc2pc::circuit::{Plan, builder};
use gc2pc::protocol::{Agreement, local};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (alice, bob) = match args.as_slice() {
        [a, b] => (a.clone(), b.clone()),
        _ => ("2400000".to_string(), "1750000".to_string()),
    };
    // Group 0 (Alice, the garbler) < group 1 (Bob, the evaluator), unsigned 64-bit.
    let circuit = builder::lt(64, false);
    let plan = Plan::new(&circuit);
    let agreement = Agreement::default_for(&circuit);
    let a = parse_value(&alice, 64, BitOrder::LsbInteger)?;
    let b = parse_value(&bob, 64, BitOrder::LsbInteger)?;
    let run = local::run_over_loopback(
        &circuit,
        &plan,
        &agreement,
        Backend::detect()?,
        &[vec![a]],
        &[vec![b]],
    )?;
    let alice_is_poorer = run.outputs[0][0][0];
    println!(
        "Bob learns: {} (and nothing about the amounts)",
        if alice_is_poorer {
            "Bob is richer"
        } else {
            "Alice is at least as rich as Bob"
        }
    );
    println!(
        "{} AND gates, {} bytes from Alice, {} bytes from Bob",
        run.garbler.and_gates, run.garbler.bytes_sent, run.evaluator.bytes_sent
    );
    Ok(())
}
