//! Joint average salary: two companies each hold the salaries of 4 employees
//! and both learn the average over all 8, not each other's figures. The sum
//! is taken in 64 bits (no overflow) and divided by 8 with a shift (free).
//!
//! `cargo run --release --example average_salary`

use gc2pc::secure::{self, Ctx, Error, Party, RevealTo, U64};

/// Both companies run this; each gives only its own salaries.
fn average(ctx: &Ctx, a: Option<[u32; 4]>, b: Option<[u32; 4]>) -> Result<Option<u128>, Error> {
    let mut salaries = Vec::new();
    for (owner, list) in [(Party::Garbler, a), (Party::Evaluator, b)] {
        for i in 0..4 {
            salaries.push(U64::input(ctx, owner, list.map(|l| l[i]))?);
        }
    }
    let total = secure::sum(&salaries).expect("eight salaries");
    (&total >> 3).reveal(RevealTo::Both)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let company_a = [52_000u32, 61_500, 48_250, 95_000];
    let company_b = [70_100u32, 39_900, 58_000, 66_250];
    let (for_a, for_b) = secure::run_local(|ctx, me| match me {
        Party::Garbler => average(ctx, Some(company_a), None),
        Party::Evaluator => average(ctx, None, Some(company_b)),
    })?;
    let expected = company_a
        .iter()
        .chain(&company_b)
        .map(|&s| s as u128)
        .sum::<u128>()
        / 8;
    let average = for_b.ok_or("both learn the average")?;
    println!("both companies learn the average salary: {average} (plaintext: {expected})");
    assert_eq!(for_a, Some(expected));
    assert_eq!(for_b, Some(expected));
    Ok(())
}
