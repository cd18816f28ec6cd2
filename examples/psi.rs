//! Private set intersection: two hospitals find the patients they share
//! without revealing anyone else. The evaluator (hospital B) learns which of
//! its own patient IDs the garbler (hospital A) also holds; A learns nothing.
//! Uses the pairwise-equality PSI circuit of `gc2pc circuit gen psi`.
//!
//! `cargo run --release --example psi`

use gc2pc::aes::Backend;
use gc2pc::circuit::Plan;
use gc2pc::circuit::builder::{self, PsiVariant};
use gc2pc::circuit::value::{BitOrder, parse_value};
use gc2pc::protocol::{Agreement, local};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let hospital_a = [
        10_442u32, 77_019, 31_337, 90_210, 55_555, 12_345, 80_808, 42_000,
    ];
    let hospital_b = [
        31_337u32, 11_111, 42_000, 90_211, 12_345, 70_000, 20_202, 66_666,
    ];
    let (n, width) = (hospital_a.len(), 32);
    let circuit = builder::psi(n, width, PsiVariant::Pairwise);
    let plan = Plan::new(&circuit);
    let agreement = Agreement::default_for(&circuit);
    // A set is passed as a list: element i occupies wires i·w … (i+1)·w − 1.
    let list = |set: &[u32]| set.iter().map(u32::to_string).collect::<Vec<_>>().join(",");
    let a = parse_value(&list(&hospital_a), n * width, BitOrder::LsbInteger)?;
    let b = parse_value(&list(&hospital_b), n * width, BitOrder::LsbInteger)?;
    let run = local::run_over_loopback(
        &circuit,
        &plan,
        &agreement,
        Backend::detect()?,
        &[vec![a]],
        &[vec![b]],
    )?;
    // Output bit i = 1 iff hospital B's patient i is also at hospital A.
    let shared: Vec<u32> = hospital_b
        .iter()
        .zip(&run.outputs[0][0])
        .filter(|(_, found)| **found)
        .map(|(&id, _)| id)
        .collect();
    println!("hospital B learns the shared patients: {shared:?}");
    println!(
        "{} AND gates, {} bytes sent by A",
        run.garbler.and_gates, run.garbler.bytes_sent
    );
    Ok(())
}
