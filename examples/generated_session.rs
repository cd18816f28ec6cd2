//! A generated circuit of any size run between two parties without a file:
//! the AND-heavy benchmark circuit streams lane by lane from the generator
//! (`gc2pc::circuit::stream::AndHeavyStream`) through both parties' sessions
//! over loopback TCP, so memory stays flat whatever the number of gates.
//! Each party first makes one generating pass for the circuit's digest (the
//! handshake compares it), then streams the circuit again during the session.
//!
//! `cargo run --release --example generated_session [AND_GATES]` (default
//! 1 000 000; `300000000` is a circuit of a billion gates).

use gc2pc::aes::Backend;
use gc2pc::circuit::stream::AndHeavyStream;
use gc2pc::circuit::value::{BitOrder, ValueFormat, format_value, parse_value};
use gc2pc::net::tcp;
use gc2pc::protocol::{Agreement, EvaluatorSession, GarblerPrep, GarblerSession};
use std::time::{Duration, Instant};

const WIDTH: usize = 32;

fn peak_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    Some(line.split_whitespace().nth(1)?.parse::<f64>().ok()? / 1024.0)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let ands: usize = match std::env::args().nth(1) {
        Some(n) => n.replace('_', "").parse()?,
        None => 1_000_000,
    };
    let start = Instant::now();
    let shape = AndHeavyStream::shape(ands, WIDTH)
        .ok_or("needs at least two lanes (about 1000 AND gates)")?;
    let gates = shape.num_wires - 2 * WIDTH;
    println!(
        "circuit: and-heavy, {gates} gates, {} AND gates; digest pass {:.1} s",
        shape.and_gates,
        start.elapsed().as_secs_f64()
    );
    let agreement = Agreement::for_shape(&shape, &[0])?;
    let backend = Backend::detect()?;
    let a = parse_value("2863311530", WIDTH, BitOrder::LsbInteger)?;
    let y = parse_value("123456789", WIDTH, BitOrder::LsbInteger)?;
    let listener = tcp::listen("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let timeout = Duration::from_secs(600);
    let session = Instant::now();
    let output = std::thread::scope(
        |scope| -> Result<Vec<Vec<bool>>, Box<dyn std::error::Error + Send + Sync>> {
            let garbler =
                scope.spawn(|| -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
                    let prep = GarblerPrep::new(&shape, &agreement)?;
                    let mut channel = listener.accept(timeout)?;
                    channel.set_timeout(timeout)?;
                    let mut session = GarblerSession::start_stream(
                        channel,
                        &shape,
                        agreement.clone(),
                        backend,
                        prep,
                    )?;
                    let mut source = AndHeavyStream::new(ands, WIDTH).ok_or("lanes")?;
                    session.run_stream(std::slice::from_ref(&a), &mut source)?;
                    Ok(())
                });
            let mut channel = tcp::connect(addr, timeout)?;
            channel.set_timeout(timeout)?;
            let mut session =
                EvaluatorSession::start_stream(channel, &shape, agreement.clone(), backend)?;
            let mut source = AndHeavyStream::new(ands, WIDTH).ok_or("lanes")?;
            let output = session.run_stream(std::slice::from_ref(&y), &mut source)?;
            garbler.join().map_err(|_| "the garbler panicked")??;
            Ok(output)
        },
    )
    .map_err(|e| e.to_string())?;
    let took = session.elapsed().as_secs_f64();
    println!(
        "output: {}",
        format_value(&output[0], ValueFormat::Hex, BitOrder::LsbInteger)
    );
    println!(
        "session: {took:.1} s ({:.1} M AND/s); peak memory of this process (both parties): {}",
        shape.and_gates as f64 / took / 1e6,
        peak_mib().map_or("unknown".to_string(), |m| format!("{m:.0} MiB"))
    );
    if ands <= 2_000_000 {
        let whole = gc2pc::circuit::builder::and_heavy_with_width(ands, WIDTH);
        let want = whole.eval(&[a, y])?;
        println!(
            "plaintext evaluation {}",
            if want == output {
                "agrees"
            } else {
                "DISAGREES"
            }
        );
        if want != output {
            return Err("the garbled result differs from plaintext evaluation".into());
        }
    }
    Ok(())
}
