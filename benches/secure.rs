//! Garbling throughput of a program written on the secure integers against
//! the same circuit streamed from a Bristol file, one run, same backend (the
//! issue's target: the program at ≥ 70 % of the file's AND/s); and a bitonic
//! sort as a program.
//!
//! `cargo bench --bench secure`

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use gc2pc::aes::Engine;
use gc2pc::block::Block;
use gc2pc::circuit::stream::FileCircuit;
use gc2pc::circuit::{Plan, bristol};
use gc2pc::garble::{DiscardSink, Garbler};
use gc2pc::hash::{HashKind, TweakableHash};
use gc2pc::prg::Prg;
use gc2pc::secure::circuits::Generator;
use gc2pc::secure::{self, Party, U32};
use std::time::Duration;

const HEAVY: Generator = Generator::AndHeavy {
    ands: 1 << 20,
    width: 32,
};

fn and_heavy(c: &mut Criterion) {
    let backend = Engine::best();
    let circuit = HEAVY.circuit().unwrap();
    let ands = Plan::new(&circuit).and_count() as u64;
    let path = std::env::temp_dir().join(format!("gc2pc-bench-secure-{}.txt", std::process::id()));
    bristol::write(&circuit, &mut std::fs::File::create(&path).unwrap()).unwrap();
    drop(circuit);
    let file = FileCircuit::scan(&path).unwrap();
    let mut prg = Prg::new(Block::new(3));

    let mut group = c.benchmark_group("secure_and_heavy_1M");
    group.throughput(Throughput::Elements(ands));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(8));
    group.bench_function(format!("file/{}", backend.name()), |b| {
        b.iter(|| {
            let hash = TweakableHash::new(HashKind::Tccr, backend, prg.random_block());
            let mut garbler = Garbler::streaming(hash, prg.random_delta());
            let zero: Vec<Block> = (0..file.shape().total_inputs())
                .map(|_| prg.random_block())
                .collect();
            let mut stream = file.stream().unwrap();
            garbler
                .garble_stream(&zero, &mut stream, &mut DiscardSink)
                .unwrap()
        })
    });
    group.bench_function(format!("program/{}", backend.name()), |b| {
        b.iter(|| {
            let (_, n) =
                secure::garble_only(backend, HashKind::Tccr, |ctx| HEAVY.run(ctx, None, None))
                    .unwrap();
            assert_eq!(n, ands);
        })
    });
    group.finish();
    std::fs::remove_file(&path).ok();
}

fn sort(c: &mut Criterion) {
    let backend = Engine::best();
    let mut group = c.benchmark_group("secure_sort");
    group.sample_size(10);
    for n in [1usize << 8, 1 << 10] {
        let program = |ctx: &secure::Ctx| {
            let mut v: Vec<U32> = (0..n)
                .map(|_| U32::input(ctx, Party::Garbler, None::<u32>))
                .collect::<Result<_, _>>()?;
            secure::sort(&mut v, false);
            Ok(())
        };
        let (_, counts) = secure::count(program).unwrap();
        group.throughput(Throughput::Elements(counts.and_gates));
        group.bench_function(format!("bitonic_{n}x32/{}", backend.name()), |b| {
            b.iter(|| secure::garble_only(backend, HashKind::Tccr, program).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, and_heavy, sort);
criterion_main!(benches);
