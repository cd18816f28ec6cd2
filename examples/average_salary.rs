//! Joint average salary: two companies each hold the salaries of 4 employees
//! and learn the average over all 8, not each other's figures. The circuit,
//! built here with `circuit::builder`, sums the 8 values and divides by 8
//! (a shift, free in a circuit). Both parties learn the result (`Reveal::Both`).
//!
//! `cargo run --release --example average_salary`

use gc2pc::aes::Backend;
use gc2pc::circuit::builder::{Builder, Word};
use gc2pc::circuit::value::{BitOrder, parse_value};
use gc2pc::circuit::{Circuit, Plan};
use gc2pc::protocol::{Agreement, Reveal, local};

const PEOPLE: usize = 4;
const WIDTH: usize = 32;

/// Sum of 2·PEOPLE WIDTH-bit values (exact, in WIDTH + 3 bits), divided by 8.
fn average_circuit() -> Circuit {
    let mut b = Builder::new();
    let wide = WIDTH + 3;
    let groups = [b.input(PEOPLE * WIDTH), b.input(PEOPLE * WIDTH)];
    let zero = b.constant(false);
    let mut sum: Word = vec![zero; wide];
    for group in &groups {
        for value in group.chunks(WIDTH) {
            let mut extended = value.to_vec();
            extended.resize(wide, zero);
            sum = b.add(&sum, &extended);
        }
    }
    let average = sum[3..].to_vec(); // ÷ 8
    b.finish(vec![average])
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let company_a = [52_000u32, 61_500, 48_250, 95_000];
    let company_b = [70_100u32, 39_900, 58_000, 66_250];
    let circuit = average_circuit();
    let plan = Plan::new(&circuit);
    let mut agreement = Agreement::default_for(&circuit);
    agreement.reveal = Reveal::Both;
    let list = |set: &[u32]| set.iter().map(u32::to_string).collect::<Vec<_>>().join(",");
    let a = parse_value(&list(&company_a), PEOPLE * WIDTH, BitOrder::LsbInteger)?;
    let b = parse_value(&list(&company_b), PEOPLE * WIDTH, BitOrder::LsbInteger)?;
    let run = local::run_over_loopback(
        &circuit,
        &plan,
        &agreement,
        Backend::detect()?,
        &[vec![a]],
        &[vec![b]],
    )?;
    let bits = &run.outputs[0][0];
    let average: u64 = bits
        .iter()
        .enumerate()
        .map(|(i, &bit)| (bit as u64) << i)
        .sum();
    let expected: u64 = company_a
        .iter()
        .chain(&company_b)
        .map(|&s| s as u64)
        .sum::<u64>()
        / 8;
    println!("both companies learn the average salary: {average} (plaintext: {expected})");
    println!("{} AND gates", run.garbler.and_gates);
    assert_eq!(average, expected);
    Ok(())
}
