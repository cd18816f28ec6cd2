//! The two-party protocol end to end over loopback TCP, both parties on this
//! machine: AES-128 (one cold execution, base OTs included; and amortised over
//! many executions in one session with fresh inputs each time), and AND gates
//! per second on a generated circuit of 2^24 (16.8 M) AND gates, with bytes per
//! AND gate printed beside it.
//!
//! `cargo bench --bench e2e`

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use gc2pc::aes::Engine;
use gc2pc::bench::AES128_CIRCUIT;
use gc2pc::block::Block;
use gc2pc::circuit::{Circuit, Plan, bristol};
use gc2pc::prg::Prg;
use gc2pc::protocol::{Agreement, local};
use std::time::Duration;

/// Random inputs for `runs` executions: (garbler's, evaluator's).
fn inputs(circuit: &Circuit, runs: usize, prg: &mut Prg) -> (local::Outputs, local::Outputs) {
    let mut bits = |n: u32| -> Vec<bool> { (0..n).map(|_| prg.random_block().lsb()).collect() };
    let sizes = circuit.input_sizes();
    let g = (0..runs).map(|_| vec![bits(sizes[0])]).collect();
    let e = (0..runs).map(|_| vec![bits(sizes[1])]).collect();
    (g, e)
}

fn aes128(c: &mut Criterion) {
    let circuit = bristol::parse(AES128_CIRCUIT).unwrap();
    let plan = Plan::new(&circuit);
    let agreement = Agreement::default_for(&circuit);
    let backend = Engine::best();
    let mut prg = Prg::new(Block::new(1));
    let mut group = c.benchmark_group("e2e_aes128");
    group.sample_size(20);
    group.bench_function("cold (connect, base OT, one execution)", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let (g, e) = inputs(&circuit, 1, &mut prg);
                let run =
                    local::run_over_loopback(&circuit, &plan, &agreement, backend, &g, &e).unwrap();
                total += run.setup + run.runs;
            }
            total
        })
    });
    group.bench_function("amortised (per execution, fresh inputs)", |b| {
        b.iter_custom(|iters| {
            let (g, e) = inputs(&circuit, iters as usize, &mut prg);
            local::run_over_loopback(&circuit, &plan, &agreement, backend, &g, &e)
                .unwrap()
                .runs
        })
    });
    group.finish();
}

fn large(c: &mut Criterion) {
    let circuit = gc2pc::secure::circuits::and_heavy(1 << 24);
    let plan = Plan::new(&circuit);
    let agreement = Agreement::default_for(&circuit);
    let mut prg = Prg::new(Block::new(2));
    let mut group = c.benchmark_group("e2e_and_heavy_16M");
    group.sample_size(10);
    group.throughput(Throughput::Elements(plan.and_count() as u64));
    let mut bytes = 0;
    group.bench_function("one execution (AND gates/s)", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let (g, e) = inputs(&circuit, 1, &mut prg);
                let run =
                    local::run_over_loopback(&circuit, &plan, &agreement, Engine::best(), &g, &e)
                        .unwrap();
                bytes = run.garbler.bytes_sent + run.evaluator.bytes_sent;
                total += run.runs;
            }
            total
        })
    });
    group.finish();
    println!(
        "e2e_and_heavy_16M: {} bytes in all = {:.3} bytes per AND gate",
        bytes,
        bytes as f64 / plan.and_count() as f64
    );
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(5));
    targets = aes128, large
}
criterion_main!(benches);
