//! Bristol parsing throughput (bytes/s): `bristol::parse` on the canonical
//! text of a generated AND-heavy circuit of 2^20 AND gates (its size is
//! printed), the streaming `Reader` over the same bytes chunk by chunk, and
//! the reader on its own thread (`ThreadedReader`, which copies the text
//! into a `Cursor` first).
//!
//! `cargo bench --bench parse`

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use gc2pc::circuit::bristol::{self, Reader, ThreadedReader};
use std::hint::black_box;
use std::time::Duration;

fn bench(c: &mut Criterion) {
    let text = bristol::to_string(&gc2pc::secure::circuits::and_heavy(1 << 20)).into_bytes();
    eprintln!("and_heavy_1M: {} bytes", text.len());
    let mut group = c.benchmark_group("bristol");
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("parse/and_heavy_1M", |b| {
        b.iter(|| black_box(bristol::parse(black_box(&text)).unwrap()))
    });
    group.bench_function("reader_chunks/and_heavy_1M", |b| {
        let mut chunk = Vec::new();
        b.iter(|| {
            let mut reader = Reader::new(black_box(&text[..])).unwrap();
            let mut gates = 0;
            while let n @ 1.. = reader.next_chunk(&mut chunk).unwrap() {
                gates += n;
            }
            black_box(gates)
        })
    });
    group.bench_function("threaded_reader/and_heavy_1M", |b| {
        let mut chunk = Vec::new();
        b.iter(|| {
            let reader = Reader::new(std::io::Cursor::new(text.clone())).unwrap();
            let mut threaded = ThreadedReader::spawn(reader, 4).unwrap();
            let mut gates = 0;
            while let n @ 1.. = threaded.next_chunk(&mut chunk).unwrap() {
                gates += n;
            }
            black_box(gates)
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
