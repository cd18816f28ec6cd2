//! The protocol through an emulated wide-area link (`gc2pc::net::link`: a
//! rate-limited queue and a fixed delay each way between loopback sockets):
//! one AES-128 session from the evaluator's connect to its output, and a
//! 2^20-AND circuit, over 20 ms / 1 Gbit/s and 60 ms / 100 Mbit/s, with
//! half-gates and three-halves garbling. The time
//! is the link's: compare it with the RTT (a session's round trips) and
//! with bytes ÷ rate (how full the pipe is). `gc2pc bench --link` reports
//! the same figures as JSON.
//!
//! `cargo bench --bench wan`

use criterion::{Criterion, criterion_group, criterion_main};
use gc2pc::aes::Engine;
use gc2pc::bench::AES128_CIRCUIT;
use gc2pc::block::Block;
use gc2pc::circuit::{Circuit, Plan, bristol};
use gc2pc::garble::Scheme;
use gc2pc::net::link::LinkSpec;
use gc2pc::prg::Prg;
use gc2pc::protocol::{Agreement, local};
use std::time::Duration;

fn one_session(
    circuit: &Circuit,
    plan: &Plan,
    scheme: Scheme,
    link: LinkSpec,
    prg: &mut Prg,
) -> Duration {
    let mut bits = |n: u32| -> Vec<bool> { (0..n).map(|_| prg.random_block().lsb()).collect() };
    let sizes = circuit.input_sizes();
    let (g, e) = (vec![vec![bits(sizes[0])]], vec![vec![bits(sizes[1])]]);
    let mut agreement = Agreement::default_for(circuit);
    agreement.scheme = scheme;
    let run = local::run_over_link(circuit, plan, &agreement, Engine::best(), &g, &e, link)
        .expect("a session through the emulated link");
    run.setup + run.runs
}

fn wan(c: &mut Criterion) {
    let aes = bristol::parse(AES128_CIRCUIT).unwrap();
    let heavy = gc2pc::secure::circuits::and_heavy(1 << 20);
    let plans = [Plan::new(&aes), Plan::new(&heavy)];
    let mut prg = Prg::new(Block::new(5));
    for spec in ["20,1000", "60,100"] {
        let link = LinkSpec::parse(spec).unwrap();
        let mut group = c.benchmark_group(format!("wan_{}", spec.replace(',', "ms_")));
        group.sample_size(10);
        for (name, circuit, plan) in [
            ("aes128_from_connect", &aes, &plans[0]),
            ("and_heavy_1M", &heavy, &plans[1]),
        ] {
            for scheme in Scheme::ALL {
                group.bench_function(format!("{name}/{scheme}"), |b| {
                    b.iter_custom(|iters| {
                        (0..iters)
                            .map(|_| one_session(circuit, plan, scheme, link, &mut prg))
                            .sum()
                    })
                });
            }
        }
        group.finish();
    }
}

criterion_group!(benches, wan);
criterion_main!(benches);
