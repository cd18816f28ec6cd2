//! A bitonic sort of 2^16 32-bit values (half from each party) as a secure
//! program between two processes over TCP: the evaluator learns the sorted
//! list, nothing says whose value is where. Each party prints its time and
//! peak memory; the result is checked against a plaintext sort.
//!
//! `cargo run --release --example sort_session [-- LOG2_N]` (default 16)

use gc2pc::net::tcp;
use gc2pc::secure::{self, Party, RevealTo, Session, U32};
use std::process::Command;
use std::time::Instant;

/// Party `p`'s values: a fixed pseudo-random sequence (both processes can
/// compute both lists only because this is a demo that checks itself).
fn values(p: u64, n: usize) -> Vec<u32> {
    let mut x = 0x9e37_79b9_7f4a_7c15u64 ^ p;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u32
        })
        .collect()
}

fn program(ctx: &secure::Ctx, who: Party, half: usize) -> Result<Option<Vec<u32>>, secure::Error> {
    // Each party's own values (all in one input); the other's are not
    // looked at.
    let mut v: Vec<U32> = Vec::with_capacity(2 * half);
    for owner in [Party::Garbler, Party::Evaluator] {
        let list = (who == owner).then(|| values(owner as u64, half));
        v.extend(U32::input_all(ctx, owner, half, list.as_deref())?);
    }
    secure::sort(&mut v, false);
    // One reveal of the whole list; only the evaluator gets `Some`.
    Ok(U32::reveal_all(&v, RevealTo::Evaluator)?
        .map(|sorted| sorted.into_iter().map(|x| x as u32).collect()))
}

fn peak_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kib| kib / 1024.0)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let log_n: u32 = args.get(1).map_or(Ok(16), |s| s.parse())?;
    let half = 1usize << (log_n - 1);
    match args.get(2).map(String::as_str) {
        Some("garbler") => {
            let listener = tcp::listen("127.0.0.1:0")?;
            println!("{}", listener.local_addr()?);
            let start = Instant::now();
            let session = Session::builder(Party::Garbler)
                .program("sort")
                .timeout(std::time::Duration::from_secs(600))
                .build();
            session.accept_and_run(&listener, |ctx| program(ctx, Party::Garbler, half))?;
            eprintln!(
                "garbler:   {:.1} s, peak memory {:.0} MiB",
                start.elapsed().as_secs_f64(),
                peak_mib()
            );
        }
        Some("evaluator") => {
            let addr = args.get(3).ok_or("evaluator needs the address")?;
            let start = Instant::now();
            let session = Session::builder(Party::Evaluator)
                .program("sort")
                .timeout(std::time::Duration::from_secs(600))
                .build();
            let sorted = session
                .connect_and_run(addr, |ctx| program(ctx, Party::Evaluator, half))?
                .ok_or("the evaluator learns the list")?;
            let mut expected = values(Party::Garbler as u64, half);
            expected.extend(values(Party::Evaluator as u64, half));
            expected.sort();
            assert_eq!(
                sorted, expected,
                "the secure sort differs from a plaintext sort"
            );
            let (_, counts) = secure::count(|ctx| {
                let mut v: Vec<U32> = (0..2 * half)
                    .map(|_| U32::input(ctx, Party::Garbler, None::<u32>))
                    .collect::<Result<_, _>>()?;
                secure::sort(&mut v, false);
                Ok(())
            })?;
            eprintln!(
                "evaluator: {:.1} s, peak memory {:.0} MiB; {} values sorted, {} AND gates, matches a plaintext sort",
                start.elapsed().as_secs_f64(),
                peak_mib(),
                2 * half,
                counts.and_gates
            );
        }
        _ => {
            // Run both parties as two processes.
            let me = std::env::current_exe()?;
            let mut garbler = Command::new(&me)
                .args([log_n.to_string(), "garbler".into()])
                .stdout(std::process::Stdio::piped())
                .spawn()?;
            let mut line = String::new();
            use std::io::BufRead;
            std::io::BufReader::new(garbler.stdout.take().ok_or("no stdout")?)
                .read_line(&mut line)?;
            let status = Command::new(&me)
                .args([
                    log_n.to_string(),
                    "evaluator".into(),
                    line.trim().to_string(),
                ])
                .status()?;
            let g = garbler.wait()?;
            if !status.success() || !g.success() {
                return Err("a party failed".into());
            }
        }
    }
    Ok(())
}
