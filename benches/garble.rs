//! Garbling and evaluation throughput (ns per AND gate) per AES backend and
//! hash construction, on the AES-128 Bristol Fashion circuit and on a generated
//! AND-heavy circuit of 2^20 AND gates, next to ns per AES block measured in the
//! same run so that the ratio ns/AND ÷ ns/AES-block can be read off.
//!
//! `cargo bench --bench garble`; the reference circuits are read from
//! `$GC2PC_CIRCUITS_REF` or `circuits/reference`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use gc2pc::aes::{Aes128, Engine};
use gc2pc::block::Block;
use gc2pc::circuit::{Circuit, Plan, bristol};
use gc2pc::garble::{DiscardSink, Evaluator, Garbler, Scheme, SliceSource};
use gc2pc::hash::{HashKind, TweakableHash};
use gc2pc::prg::Prg;
use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

fn circuits() -> Vec<(&'static str, Circuit)> {
    let dir = std::env::var_os("GC2PC_CIRCUITS_REF")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("circuits/reference"));
    let aes = bristol::read_file(&dir.join("bristol_fashion/aes_128.txt"))
        .expect("circuits/reference/bristol_fashion/aes_128.txt");
    vec![
        ("aes128", aes),
        ("and_heavy_1M", gc2pc::secure::circuits::and_heavy(1 << 20)),
    ]
}

fn aes_blocks(c: &mut Criterion) {
    let mut group = c.benchmark_group("aes_block");
    group.throughput(Throughput::Elements(1024));
    for backend in Engine::all() {
        let aes = Aes128::with_engine(Block::new(42), backend);
        let mut blocks = vec![Block::new(7); 1024];
        group.bench_function(backend.name(), |b| {
            b.iter(|| aes.encrypt_blocks(black_box(&mut blocks)))
        });
    }
    group.finish();
}

fn garbling(c: &mut Criterion) {
    let mut prg = Prg::new(Block::new(1));
    for (name, circuit) in circuits() {
        let plan = Plan::new(&circuit);
        let mut group = c.benchmark_group(format!("garble_{name}"));
        group.throughput(Throughput::Elements(plan.and_count() as u64));
        group.sample_size(20);
        for backend in Engine::all() {
            for (kind, scheme) in [
                (HashKind::Mitccrh, Scheme::HalfGates),
                (HashKind::Tccr, Scheme::HalfGates),
                (HashKind::Tccr, Scheme::ThreeHalves),
            ] {
                let id = format!("{}/{:?}/{scheme}", backend.name(), kind);
                let delta = prg.random_delta();
                let seed = prg.random_block();
                let zero: Vec<Block> = (0..plan.num_inputs()).map(|_| prg.random_block()).collect();
                let hash = TweakableHash::new(kind, backend, seed);
                let mut garbler =
                    Garbler::new(&plan, hash.clone(), delta.clone()).with_scheme(scheme, &mut prg);
                group.bench_function(format!("garble/{id}"), |b| {
                    b.iter(|| garbler.garble(black_box(&zero), &mut DiscardSink).unwrap())
                });
                let mut tables = Vec::new();
                Garbler::new(&plan, hash.clone(), delta)
                    .with_scheme(scheme, &mut prg)
                    .garble(&zero, &mut tables)
                    .unwrap();
                let mut evaluator = Evaluator::new(&plan, hash).with_scheme(scheme);
                group.bench_function(format!("eval/{id}"), |b| {
                    b.iter(|| {
                        evaluator
                            .evaluate(black_box(&zero), &mut SliceSource::new(&tables))
                            .unwrap()
                    })
                });
            }
        }
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
    targets = aes_blocks, garbling
}
criterion_main!(benches);
