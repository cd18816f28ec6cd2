//! AES, hash and PRG throughput per backend:
//! - `aes/<backend>`: fixed-key `encrypt_blocks` on 1024 blocks (ns per block);
//! - `multikey/<backend>/{1,2}`: `MultiKeyAes::encrypt`, 32 keys × 1 or 2 blocks;
//! - `hash_pairs/<kind>/<backend>`: 32 tweaks × 2 blocks (the garbler's batch
//!   of 16 AND gates), ns per hashed block;
//! - `hash_singles/<kind>/<backend>`: 32 tweaks × 1 block (the evaluator's);
//! - `prg/<backend>`: `Prg::fill_blocks` on 64 Ki blocks (1 MiB).
//!
//! Run: `cargo bench --bench aes -- --warm-up-time 1 --measurement-time 3`.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use gc2pc::Block;
use gc2pc::aes::{Aes128, Engine, MultiKeyAes};
use gc2pc::hash::{HashKind, TweakableHash};
use gc2pc::prg::Prg;
use std::hint::black_box;

fn data(n: usize) -> Vec<Block> {
    let mut prg = Prg::new(Block::new(7));
    let mut v = vec![Block::ZERO; n];
    prg.fill_blocks(&mut v);
    v
}

fn aes(c: &mut Criterion) {
    let mut group = c.benchmark_group("aes");
    let mut blocks = data(1024);
    group.throughput(Throughput::Elements(blocks.len() as u64));
    for backend in Engine::all() {
        let cipher = Aes128::with_engine(Block::new(1), backend);
        group.bench_function(backend.name(), |b| {
            b.iter(|| cipher.encrypt_blocks(black_box(&mut blocks)))
        });
    }
    group.finish();

    let mut group = c.benchmark_group("multikey");
    let keys = data(32);
    for per_key in [1usize, 2] {
        let mut blocks = data(32 * per_key);
        group.throughput(Throughput::Elements(blocks.len() as u64));
        for backend in Engine::all() {
            let mk = MultiKeyAes::new(backend);
            group.bench_function(BenchmarkId::new(backend.name(), per_key), |b| {
                b.iter(|| mk.encrypt(black_box(&keys), black_box(&mut blocks)))
            });
        }
    }
    group.finish();
}

fn hashes(c: &mut Criterion) {
    let tweaks: Vec<u64> = (1000..1032).collect();
    for (name, per_tweak) in [("hash_pairs", 2usize), ("hash_singles", 1)] {
        let mut group = c.benchmark_group(name);
        let mut blocks = data(tweaks.len() * per_tweak);
        group.throughput(Throughput::Elements(blocks.len() as u64));
        for kind in [HashKind::Mitccrh, HashKind::Tccr] {
            let kind_name = format!("{kind:?}").to_lowercase();
            for backend in Engine::all() {
                let hash = TweakableHash::new(kind, backend, Block::new(99));
                group.bench_function(BenchmarkId::new(&kind_name, backend.name()), |b| {
                    b.iter(|| {
                        if per_tweak == 2 {
                            hash.hash_pairs(black_box(&tweaks), black_box(&mut blocks))
                        } else {
                            hash.hash_singles(black_box(&tweaks), black_box(&mut blocks))
                        }
                    })
                });
            }
        }
        group.finish();
    }
}

fn prg(c: &mut Criterion) {
    let mut group = c.benchmark_group("prg");
    let mut out = vec![Block::ZERO; 1 << 16];
    group.throughput(Throughput::Elements(out.len() as u64));
    for backend in Engine::all() {
        let mut prg = Prg::with_engine(Block::new(5), backend);
        group.bench_function(backend.name(), |b| {
            b.iter(|| prg.fill_blocks(black_box(&mut out)))
        });
    }
    group.finish();
}

criterion_group!(benches, aes, hashes, prg);
criterion_main!(benches);
