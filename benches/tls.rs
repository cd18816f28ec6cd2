//! The cost of mutual TLS 1.3 end to end: both parties over loopback, plain
//! TCP and TLS measured in the same run, alternating so that drift hits both
//! alike, and reported as medians with the ratio TLS / plain.
//!
//! - `aes128 cold`: one session, one execution of the AES-128 circuit
//!   (connect, TLS handshake, hello, base OTs, one run);
//! - `aes128 amortised`: one session, many executions; time per execution;
//! - `and_heavy 4M`: one session, one execution of a generated circuit of
//!   ≥ 4 M AND gates (128 MiB of tables through the channel).
//!
//! `cargo bench --bench tls` (reference circuits from `$GC2PC_CIRCUITS_REF`
//! or `circuits/reference`). Without `--bench` (e.g. `cargo test
//! --benches`) it runs each case once on a small circuit as a smoke test.

use gc2pc::aes::Engine;
use gc2pc::circuit::{Circuit, Plan, bristol};
use gc2pc::protocol::Agreement;
use gc2pc::protocol::local::{self, LocalRun, LoopbackTls};
use std::path::PathBuf;
use std::time::Duration;

struct Case {
    name: &'static str,
    circuit: Circuit,
    executions: usize,
    reps: usize,
}

/// Seconds per execution (set-up included when there is one execution).
fn measure(case: &Case, plan: &Plan, tls: Option<&LoopbackTls>) -> f64 {
    let circuit = &case.circuit;
    let agreement = Agreement::default_for(circuit);
    let backend = Engine::best();
    let g: Vec<Vec<Vec<bool>>> = (0..case.executions)
        .map(|i| {
            agreement
                .groups_of(gc2pc::protocol::Role::Garbler)
                .iter()
                .map(|&gr| vec![i % 2 == 0; circuit.input_sizes()[gr] as usize])
                .collect()
        })
        .collect();
    let e: Vec<Vec<Vec<bool>>> = (0..case.executions)
        .map(|i| {
            agreement
                .groups_of(gc2pc::protocol::Role::Evaluator)
                .iter()
                .map(|&gr| vec![i % 3 == 0; circuit.input_sizes()[gr] as usize])
                .collect()
        })
        .collect();
    let run: LocalRun = match tls {
        Some(tls) => local::run_over_loopback_tls(circuit, plan, &agreement, backend, &g, &e, tls),
        None => local::run_over_loopback(circuit, plan, &agreement, backend, &g, &e),
    }
    .expect("a loopback run");
    if case.executions == 1 {
        (run.setup + run.runs).as_secs_f64()
    } else {
        run.runs.as_secs_f64() / case.executions as f64
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

fn human(seconds: f64) -> String {
    if seconds < 1e-3 {
        format!("{:.1} µs", seconds * 1e6)
    } else if seconds < 1.0 {
        format!("{:.2} ms", seconds * 1e3)
    } else {
        format!("{seconds:.3} s")
    }
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let tls = LoopbackTls::self_signed().expect("self-signed certificates");
    let cases = if full {
        let dir = std::env::var_os("GC2PC_CIRCUITS_REF")
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("circuits/reference")
            });
        let aes = bristol::read_file(&dir.join("bristol_fashion/aes_128.txt"))
            .expect("circuits/reference/bristol_fashion/aes_128.txt");
        vec![
            Case {
                name: "aes128 cold (1 execution per session)",
                circuit: aes.clone(),
                executions: 1,
                reps: 31,
            },
            Case {
                name: "aes128 amortised (per execution, 256 per session)",
                circuit: aes,
                executions: 256,
                reps: 7,
            },
            Case {
                name: "and_heavy 4M ANDs (1 execution per session)",
                circuit: gc2pc::secure::circuits::and_heavy(4 << 20),
                executions: 1,
                reps: 7,
            },
        ]
    } else {
        let small = gc2pc::secure::circuits::and_heavy(10_000);
        vec![
            Case {
                name: "smoke: and_heavy 10k cold",
                circuit: small.clone(),
                executions: 1,
                reps: 1,
            },
            Case {
                name: "smoke: and_heavy 10k amortised",
                circuit: small,
                executions: 4,
                reps: 1,
            },
        ]
    };
    println!("load average before: {}", load_average());
    println!(
        "{:<52} {:>12} {:>12} {:>10}",
        "end to end over loopback (median)", "plain TCP", "mutual TLS", "TLS/plain"
    );
    for case in &cases {
        let plan = Plan::new(&case.circuit);
        // One warm-up of each, then alternate.
        let _ = measure(case, &plan, None);
        let _ = measure(case, &plan, Some(&tls));
        let (mut plain, mut with_tls) = (Vec::new(), Vec::new());
        for _ in 0..case.reps {
            plain.push(measure(case, &plan, None));
            with_tls.push(measure(case, &plan, Some(&tls)));
        }
        let (p, t) = (median(plain), median(with_tls));
        println!(
            "{:<52} {:>12} {:>12} {:>10.3}",
            case.name,
            human(p),
            human(t),
            t / p
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    println!("load average after: {}", load_average());
}
