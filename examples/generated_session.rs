//! A generated circuit of any size run between two parties without a file:
//! the AND-heavy benchmark circuit of `gc2pc circuit gen and-heavy`
//! (`gc2pc::secure::circuits::Generator::AndHeavy`) runs as a program in a
//! session, each party on its own thread over loopback TCP. Gates go to the
//! garbler window by window as the program runs and wires die with the
//! values that hold them, so memory stays flat whatever the number of gates.
//!
//! `cargo run --release --example generated_session [AND_GATES]` (default
//! 1 000 000; `300000000` is a circuit of a billion gates).

use gc2pc::secure::circuits::Generator;
use gc2pc::secure::{self, Party};
use std::time::Instant;

const WIDTH: usize = 32;

fn peak_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    Some(line.split_whitespace().nth(1)?.parse::<f64>().ok()? / 1024.0)
}

fn bits(x: u32) -> Vec<bool> {
    (0..WIDTH).map(|i| x >> i & 1 == 1).collect()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let ands: usize = match std::env::args().nth(1) {
        Some(n) => n.replace('_', "").parse()?,
        None => 1_000_000,
    };
    let heavy = Generator::AndHeavy { ands, width: WIDTH };
    let (a, y) = (2_863_311_530u32, 123_456_789u32);
    let lanes = ands.div_ceil(WIDTH * WIDTH - WIDTH + 1).max(1);
    println!("circuit: and-heavy, {lanes} lanes of {WIDTH} bits");
    let start = Instant::now();
    let (_, output) = secure::run_local(|ctx, party| match party {
        Party::Garbler => heavy.run(ctx, Some(&bits(a)), None),
        _ => heavy.run(ctx, None, Some(&bits(y))),
    })?;
    let took = start.elapsed().as_secs_f64();
    let output = output[0].clone().ok_or("the evaluator learns the output")?;
    let value = output
        .iter()
        .enumerate()
        .fold(0u32, |acc, (i, &b)| acc | (b as u32) << i);
    println!("output: {value:#010x}");
    let and_gates = lanes * (WIDTH * WIDTH - WIDTH + 1);
    println!(
        "session: {took:.1} s ({:.1} M AND/s over {and_gates} AND gates); peak memory of this process (both parties): {}",
        and_gates as f64 / took / 1e6,
        peak_mib().map_or("unknown".to_string(), |m| format!("{m:.0} MiB"))
    );
    // The same formula in Rust integers.
    let mut want = 0u32;
    for k in 0..lanes {
        want ^= (a ^ y.rotate_left((k % WIDTH) as u32) ^ k as u32).wrapping_mul(y);
    }
    if want != value {
        return Err(format!("the garbled result differs from the formula ({want:#010x})").into());
    }
    println!("the formula agrees");
    Ok(())
}
