//! OT benchmarks, both parties in one process (one thread each):
//! - `base_ot`: 128 Masny–Rindal base OTs end to end over loopback TCP;
//! - `iknp_cot`: IKNP correlated OTs per second for 2^20 and 2^24 OTs per
//!   call, over `mem` and loopback TCP (base OTs done once, outside the
//!   timing). Bytes sent per OT are printed once per configuration.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use gc2pc::cpu::Checked;
use gc2pc::net::{Channel, mem, tcp};
use gc2pc::ot::iknp::{IknpReceiver, IknpSender};
use gc2pc::ot::transpose::{self, Backend};
use gc2pc::ot::{CotReceiver, CotSender, base};
use gc2pc::prg::Prg;
use gc2pc::{Block, Delta};
use std::thread;
use std::time::{Duration, Instant};

fn tcp_pair() -> (Channel, Channel) {
    tcp::loopback_pair(Duration::from_secs(10)).expect("a loopback TCP pair")
}

fn base_ot(c: &mut Criterion) {
    let mut g = c.benchmark_group("base_ot");
    g.sample_size(20);
    let (mut a, mut b) = tcp_pair();
    let choices: Vec<bool> = (0..128).map(|i| i % 3 == 0).collect();
    g.bench_function("128_tcp", |bench| {
        bench.iter_custom(|iters| {
            let start = Instant::now();
            thread::scope(|s| {
                s.spawn(|| {
                    let mut prg = Prg::new(Block::new(1));
                    for _ in 0..iters {
                        base::receive(&mut b, &choices, &mut prg).unwrap();
                    }
                });
                let mut prg = Prg::new(Block::new(2));
                for _ in 0..iters {
                    base::send(&mut a, 128, &mut prg).unwrap();
                }
            });
            start.elapsed()
        })
    });
    g.finish();
}

fn iknp(c: &mut Criterion) {
    let mut g = c.benchmark_group("iknp_cot");
    g.sample_size(10);
    for log_n in [20u32, 24] {
        let n = 1usize << log_n;
        let choices: Vec<bool> = (0..n).map(|i| (i * 7 + i / 3) % 5 < 2).collect();
        let mut out_s = vec![Block::ZERO; n];
        let mut out_r = vec![Block::ZERO; n];
        for transport in ["mem", "tcp"] {
            let (mut a, mut b) = if transport == "mem" {
                mem::pair()
            } else {
                tcp_pair()
            };
            let delta = Delta::new(Block::new(0x1234_5678_9abc_def0_0fed_cba9_8765_4321));
            let (mut sender, mut receiver) = thread::scope(|s| {
                let h =
                    s.spawn(|| IknpReceiver::setup(&mut b, &mut Prg::new(Block::new(3))).unwrap());
                let snd = IknpSender::setup(&mut a, &delta, &mut Prg::new(Block::new(4))).unwrap();
                (snd, h.join().unwrap())
            });
            let sent_before = b.bytes_sent() + a.bytes_sent();
            let ots_before = receiver.cots_done();
            g.throughput(Throughput::Elements(n as u64));
            g.bench_with_input(
                BenchmarkId::new(transport, format!("2^{log_n}")),
                &n,
                |bench, _| {
                    bench.iter_custom(|iters| {
                        let start = Instant::now();
                        thread::scope(|s| {
                            s.spawn(|| {
                                for _ in 0..iters {
                                    receiver
                                        .recv_cot_into(&mut b, &choices, &mut out_r)
                                        .unwrap();
                                }
                            });
                            for _ in 0..iters {
                                sender.send_cot_into(&mut a, &mut out_s).unwrap();
                            }
                        });
                        start.elapsed()
                    })
                },
            );
            let ots = receiver.cots_done() - ots_before;
            if ots == 0 {
                continue; // filtered out
            }
            let bytes = b.bytes_sent() + a.bytes_sent() - sent_before;
            eprintln!(
                "iknp_cot/{transport}/2^{log_n}: {:.3} bytes sent per OT (both directions, {} OTs)",
                bytes as f64 / ots as f64,
                ots
            );
            assert_eq!(out_r[5], out_s[5] ^ delta.block().select(choices[5]));
        }
    }
    g.finish();
}

/// The two kernels of IKNP: the transpose (each backend) and the AES PRG.
fn kernels(c: &mut Criterion) {
    let mut g = c.benchmark_group("iknp_kernels");
    let n = 1usize << 16;
    let mut input = vec![Block::ZERO; n];
    Prg::new(Block::new(5)).fill_blocks(&mut input);
    let mut out = vec![Block::ZERO; n];
    g.throughput(Throughput::Elements(n as u64));
    for backend in Checked::<Backend>::all() {
        g.bench_function(BenchmarkId::new("transpose", backend.name()), |bench| {
            bench.iter(|| transpose::transpose_with(backend, &input, &mut out))
        });
    }
    let mut prg = Prg::new(Block::new(6));
    g.bench_function("prg_fill_blocks", |bench| {
        bench.iter(|| prg.fill_blocks(&mut out))
    });
    g.finish();
}

criterion_group!(benches, kernels, base_ot, iknp);
criterion_main!(benches);
