//! The measurements behind `gc2pc bench`: per AES backend, ns per AES block,
//! ns per AND gate garbled and evaluated (in memory, batched, and one lone
//! gate), base OT and correlated OT rates, and the two-party protocol end to
//! end over loopback TCP. Every figure is the median of repeated measurements
//! after a warm-up, with its min and max; ratios (ns/AND ÷ ns/AES block) use
//! the AES figure of the same backend from the same run.
//!
//! Output: one JSON object per record (`to_json`) with stable field names
//! (README "gc2pc bench"), or a table (`table`).

pub mod measure;
pub mod report;
pub mod system;

use crate::aes::{Aes128, Engine};
use crate::block::Block;
use crate::circuit::{Circuit, Format, Gate, Plan, bristol};
use crate::garble::{DiscardSink, Evaluator, Garbler, Scheme, SliceSource};
use crate::hash::{HashKind, TweakableHash};
use crate::net::mem;
use crate::ot::iknp::{IknpReceiver, IknpSender};
use crate::ot::{CotReceiver, CotSender};
use crate::prg::Prg;
use crate::protocol::{Agreement, ProtocolError, local};
use measure::{Sample, ns_per_element, repeat};
use std::fmt::Write as _;
use std::time::{Duration, Instant};
pub use system::System;

/// Nigel Smart's AES-128 Bristol Fashion circuit (`circuits/reference/README.md`),
/// compiled in so that `gc2pc bench` runs anywhere.
pub const AES128_CIRCUIT: &[u8] =
    include_bytes!("../../circuits/reference/bristol_fashion/aes_128.txt");

/// A group of figures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// ns per AES block.
    Aes,
    /// Garbling: ns per AND (batched) and one lone AND.
    Garble,
    /// Evaluating: ns per AND (batched) and one lone AND.
    Eval,
    /// Base OT and correlated OT extension.
    Ot,
    /// The protocol end to end over loopback TCP.
    E2e,
    /// The protocol through an emulated wide-area link (`--link`).
    Wan,
}

impl Kind {
    /// Every kind, in run order.
    pub const ALL: [Kind; 5] = [Kind::Aes, Kind::Garble, Kind::Eval, Kind::Ot, Kind::E2e];

    /// The JSON `kind` value.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Aes => "aes",
            Kind::Garble => "garble",
            Kind::Eval => "eval",
            Kind::Ot => "ot",
            Kind::E2e => "e2e",
            Kind::Wan => "wan",
        }
    }
}

/// What to measure.
#[derive(Clone, Debug)]
pub struct Options {
    /// Smaller sizes and fewer repetitions (under 30 s on a 2-core machine).
    pub quick: bool,
    /// Backends to measure.
    pub backends: Vec<Engine>,
    /// Kinds to measure (Garble/Eval ratios need Aes too; it is added).
    pub kinds: Vec<Kind>,
    /// The emulated link of [`Kind::Wan`].
    pub link: Option<crate::net::link::LinkSpec>,
    /// The garbling scheme of [`Kind::Wan`] (garble, eval and e2e measure
    /// both, side by side).
    pub scheme: Scheme,
}

/// One named figure.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Figure {
    /// The JSON field name (README lists them).
    pub name: &'static str,
    /// Its measurements.
    pub sample: Sample,
}

/// The figures of one kind on one backend.
#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    /// What was measured.
    pub kind: Kind,
    /// On which AES backend.
    pub backend: Engine,
    /// The figures.
    pub figures: Vec<Figure>,
    /// The garbling scheme, where the record is for one (kind `wan`).
    pub scheme: Option<Scheme>,
}

impl Record {
    /// The median of figure `name`, if present.
    pub fn median(&self, name: &str) -> Option<f64> {
        self.figures
            .iter()
            .find(|f| f.name == name)
            .map(|f| f.sample.median)
    }
}

/// Sizes and repetition counts.
struct Sizes {
    reps: usize,
    heavy_ands: usize,
    lone_iters: u32,
    cot_count: usize,
    aes_runs: usize,
    cold_reps: usize,
    e2e_ands: usize,
    e2e_reps: usize,
}

impl Sizes {
    fn new(quick: bool) -> Sizes {
        if quick {
            Sizes {
                reps: 5,
                heavy_ands: 1 << 18,
                lone_iters: 20_000,
                cot_count: 1 << 18,
                aes_runs: 20,
                cold_reps: 3,
                e2e_ands: 1 << 20,
                e2e_reps: 2,
            }
        } else {
            Sizes {
                reps: 11,
                heavy_ands: 1 << 20,
                lone_iters: 200_000,
                cot_count: 1 << 22,
                aes_runs: 200,
                cold_reps: 10,
                e2e_ands: 1 << 22,
                e2e_reps: 5,
            }
        }
    }
}

/// Runs the benchmark, reporting progress lines through `progress`.
pub fn run(
    options: &Options,
    progress: &mut dyn FnMut(&str),
) -> Result<Vec<Record>, ProtocolError> {
    let sizes = Sizes::new(options.quick);
    let wants = |k: Kind| options.kinds.contains(&k);
    let heavy = (wants(Kind::Garble) || wants(Kind::Eval)).then(|| {
        progress(&format!(
            "building an AND-heavy circuit of {} AND gates",
            sizes.heavy_ands
        ));
        let circuit = crate::secure::circuits::and_heavy(sizes.heavy_ands);
        let plan = Plan::new(&circuit);
        (circuit, plan)
    });
    let lone = Circuit::new(
        3,
        vec![1, 1],
        vec![1],
        vec![Gate::And { a: 0, b: 1, out: 2 }],
        Format::BristolFashion,
    )
    .expect("a one-gate circuit is valid");
    let lone_plan = Plan::new(&lone);
    let mut records = Vec::new();
    for &backend in &options.backends {
        let name = backend.name();
        let aes = if wants(Kind::Aes) || wants(Kind::Garble) || wants(Kind::Eval) {
            progress(&format!("{name}: AES"));
            let record = bench_aes(backend, sizes.reps)?;
            let ns = record.median("aes_ns_per_block").expect("aes figure");
            records.push(record);
            Some(ns)
        } else {
            None
        };
        if let Some((_, plan)) = &heavy {
            let aes_ns = aes.expect("measured above");
            if wants(Kind::Garble) {
                progress(&format!("{name}: garbling {} AND gates", plan.and_count()));
                records.push(bench_garble(backend, plan, &lone_plan, aes_ns, &sizes)?);
            }
            if wants(Kind::Eval) {
                progress(&format!(
                    "{name}: evaluating {} AND gates",
                    plan.and_count()
                ));
                records.push(bench_eval(backend, plan, &lone_plan, aes_ns, &sizes)?);
            }
        }
        if wants(Kind::Ot) {
            progress(&format!(
                "{name}: base OT and {} correlated OTs",
                sizes.cot_count
            ));
            records.push(bench_ot(backend, &sizes)?);
        }
        if wants(Kind::E2e) {
            progress(&format!(
                "{name}: end to end over loopback TCP (AES-128, then {} AND gates)",
                sizes.e2e_ands
            ));
            records.push(bench_e2e(backend, &sizes)?);
        }
        if let (true, Some(link)) = (wants(Kind::Wan), options.link) {
            progress(&format!(
                "{name}: through an emulated link of {link} with {} (AES-128 from connect, then {} AND gates)",
                options.scheme, sizes.e2e_ands
            ));
            records.push(bench_wan(backend, &sizes, link, options.scheme)?);
        }
    }
    Ok(records)
}

/// Random bits, one vector per group of `sizes` (from `skip` on, `take` of
/// them).
fn random_groups(prg: &mut Prg, sizes: &[u32], skip: usize, take: usize) -> Vec<Vec<bool>> {
    sizes
        .iter()
        .skip(skip)
        .take(take)
        .map(|&w| (0..w).map(|_| prg.random_block().lsb()).collect())
        .collect()
}

/// AES-128 (one session from the evaluator's connect to its output) and the
/// AND-heavy circuit through an emulated link: wall time, time ÷ RTT, bytes,
/// and the achieved fraction of the link's rate (the garbler's bytes over
/// the session's time, against one direction's rate).
fn bench_wan(
    backend: Engine,
    sizes: &Sizes,
    link: crate::net::link::LinkSpec,
    scheme: Scheme,
) -> Result<Record, ProtocolError> {
    let mut prg = Prg::from_os_rng()?;
    let rtt_ms = link.rtt.as_secs_f64() * 1e3;
    let mut figures = vec![
        figure("link_rtt_ms", Sample::from_values(vec![rtt_ms])),
        figure(
            "link_mbit",
            Sample::from_values(vec![link.bits_per_s / 1e6]),
        ),
    ];
    let reps = if sizes.e2e_reps > 2 { 3 } else { 1 };
    let aes = bristol::parse(AES128_CIRCUIT).expect("the bundled AES-128 circuit parses");
    let heavy = crate::secure::circuits::and_heavy(sizes.e2e_ands);
    let names = [
        [
            "wan_aes128_ms",
            "wan_aes128_rtts",
            "wan_aes128_bytes",
            "wan_aes128_link_use",
        ],
        [
            "wan_heavy_ms",
            "wan_heavy_rtts",
            "wan_heavy_bytes",
            "wan_heavy_link_use",
        ],
    ];
    let mut heavy_ands = 0;
    for (circuit, [ms_name, rtts_name, bytes_name, use_name]) in
        [&aes, &heavy].into_iter().zip(names)
    {
        let plan = Plan::new(circuit);
        heavy_ands = plan.and_count();
        let mut agreement = Agreement::default_for(circuit);
        agreement.scheme = scheme;
        let (mut ms, mut rtts, mut bytes, mut used) = (vec![], vec![], vec![], vec![]);
        for _ in 0..reps {
            let g = vec![random_groups(&mut prg, circuit.input_sizes(), 0, 1)];
            let e = vec![random_groups(
                &mut prg,
                circuit.input_sizes(),
                1,
                usize::MAX,
            )];
            let run = local::run_over_link(circuit, &plan, &agreement, backend, &g, &e, link)?;
            let secs = (run.setup + run.runs).as_secs_f64();
            ms.push(secs * 1e3);
            if rtt_ms > 0.0 {
                rtts.push(secs * 1e3 / rtt_ms);
            }
            bytes.push((run.garbler.bytes_sent + run.evaluator.bytes_sent) as f64);
            used.push(run.garbler.bytes_sent as f64 * 8.0 / secs / link.bits_per_s);
        }
        figures.push(figure(ms_name, Sample::from_values(ms)));
        if !rtts.is_empty() {
            figures.push(figure(rtts_name, Sample::from_values(rtts)));
        }
        figures.push(figure(bytes_name, Sample::from_values(bytes)));
        figures.push(figure(use_name, Sample::from_values(used)));
    }
    // The last circuit measured is the AND-heavy one.
    figures.push(figure(
        "wan_heavy_ands",
        Sample::from_values(vec![heavy_ands as f64]),
    ));
    Ok(Record {
        kind: Kind::Wan,
        backend,
        figures,
        scheme: Some(scheme),
    })
}

fn figure(name: &'static str, sample: Sample) -> Figure {
    Figure { name, sample }
}

fn bench_aes(backend: Engine, reps: usize) -> Result<Record, ProtocolError> {
    let aes = Aes128::with_engine(Block(0x2b7e_1516), backend);
    let mut blocks = vec![Block(7); 1024];
    let sample = repeat(reps, || {
        ns_per_element(1024, 2000, || {
            aes.encrypt_blocks(std::hint::black_box(&mut blocks))
        })
    });
    Ok(Record {
        kind: Kind::Aes,
        backend,
        figures: vec![figure("aes_ns_per_block", sample)],
        scheme: None,
    })
}

fn random_blocks(prg: &mut Prg, n: usize) -> Vec<Block> {
    let mut out = vec![Block::ZERO; n];
    prg.fill_blocks(&mut out);
    out
}

fn bench_garble(
    backend: Engine,
    plan: &Plan,
    lone: &Plan,
    aes_ns: f64,
    sizes: &Sizes,
) -> Result<Record, ProtocolError> {
    let mut prg = Prg::from_os_rng()?;
    let hash = TweakableHash::new(HashKind::default(), backend, prg.random_block());
    let zero = random_blocks(&mut prg, plan.num_inputs());
    let ands = plan.and_count() as u64;
    let garbler = |scheme: Scheme, prg: &mut Prg| {
        Garbler::new(plan, hash.clone(), prg.random_delta()).with_scheme(scheme, prg)
    };
    let mut half_gates = garbler(Scheme::HalfGates, &mut prg);
    let mut three_halves = garbler(Scheme::ThreeHalves, &mut prg);
    // The two schemes alternate, so that both see the same machine.
    let (mut per_and, mut per_and_3h) = (Vec::new(), Vec::new());
    for _ in 0..sizes.reps {
        for (garbler, out) in [
            (&mut half_gates, &mut per_and),
            (&mut three_halves, &mut per_and_3h),
        ] {
            out.push(ns_per_element(ands, 1, || {
                garbler
                    .garble(&zero, &mut DiscardSink)
                    .expect("discarding cannot fail");
            }));
        }
    }
    let (per_and, per_and_3h) = (
        Sample::from_values(per_and),
        Sample::from_values(per_and_3h),
    );
    let lone_zero = random_blocks(&mut prg, 2);
    let mut lone_garbler = Garbler::new(lone, hash, prg.random_delta());
    let lone_ns = repeat(sizes.reps, || {
        ns_per_element(1, sizes.lone_iters, || {
            lone_garbler
                .garble(&lone_zero, &mut DiscardSink)
                .expect("discarding cannot fail");
        })
    });
    Ok(Record {
        kind: Kind::Garble,
        backend,
        figures: vec![
            figure("garble_ns_per_and", per_and),
            figure("garble_aes_ratio", per_and.map(|ns| ns / aes_ns)),
            figure("garble_lone_and_ns", lone_ns),
            figure("garble_three_halves_ns_per_and", per_and_3h),
        ],
        scheme: None,
    })
}

fn bench_eval(
    backend: Engine,
    plan: &Plan,
    lone: &Plan,
    aes_ns: f64,
    sizes: &Sizes,
) -> Result<Record, ProtocolError> {
    let mut prg = Prg::from_os_rng()?;
    let hash = TweakableHash::new(HashKind::default(), backend, prg.random_block());
    let zero = random_blocks(&mut prg, plan.num_inputs());
    let ands = plan.and_count() as u64;
    let mut tables = [Vec::new(), Vec::new()];
    let mut evaluators = Vec::new();
    for (scheme, tables) in Scheme::ALL.into_iter().zip(&mut tables) {
        Garbler::new(plan, hash.clone(), prg.random_delta())
            .with_scheme(scheme, &mut prg)
            .garble(&zero, tables)
            .expect("in memory");
        evaluators.push(Evaluator::new(plan, hash.clone()).with_scheme(scheme));
    }
    // Repeated evaluation of one garbling: the tweaks move on, so the labels
    // are garbage after the first pass, but the work per gate is the same.
    // The two schemes alternate, so that both see the same machine.
    let mut per_and = [Vec::new(), Vec::new()];
    for _ in 0..sizes.reps {
        for ((evaluator, tables), out) in evaluators.iter_mut().zip(&tables).zip(&mut per_and) {
            out.push(ns_per_element(ands, 1, || {
                evaluator
                    .evaluate(&zero, &mut SliceSource::new(tables))
                    .expect("tables suffice");
            }));
        }
    }
    let [per_and, per_and_3h] = per_and.map(Sample::from_values);
    let lone_tables = [Block(1), Block(2)];
    let lone_zero = random_blocks(&mut prg, 2);
    let mut lone_evaluator = Evaluator::new(lone, hash);
    let lone_ns = repeat(sizes.reps, || {
        ns_per_element(1, sizes.lone_iters, || {
            lone_evaluator
                .evaluate(&lone_zero, &mut SliceSource::new(&lone_tables))
                .expect("tables suffice");
        })
    });
    Ok(Record {
        kind: Kind::Eval,
        backend,
        figures: vec![
            figure("eval_ns_per_and", per_and),
            figure("eval_aes_ratio", per_and.map(|ns| ns / aes_ns)),
            figure("eval_lone_and_ns", lone_ns),
            figure("eval_three_halves_ns_per_and", per_and_3h),
        ],
        scheme: None,
    })
}

fn bench_ot(backend: Engine, sizes: &Sizes) -> Result<Record, ProtocolError> {
    let mut base_ms = Vec::new();
    let (mut rates, mut unchecked_rates) = (Vec::new(), Vec::new());
    // Output buffers allocated (and touched) once: the figure is the OT
    // engine's rate, not the page faults of a fresh 64 MiB vector per run.
    let mut sender_out = vec![Block::ZERO; sizes.cot_count];
    let mut receiver_out = vec![Block::ZERO; sizes.cot_count];
    let choices: Vec<bool> = (0..sizes.cot_count).map(|i| (i * 7) % 3 == 0).collect();
    for rep in 0..=sizes.reps.min(5) {
        let (mut a, mut b) = mem::pair();
        let mut prg = Prg::from_os_rng()?;
        let delta = prg.random_delta();
        let start = Instant::now();
        // Per session: the set-up, a warm-up call (the first call of a
        // session is slower), then the same number of COTs with the KOS check
        // (as the protocol runs them) and without it, in alternating order.
        let order = if rep % 2 == 0 {
            [true, false]
        } else {
            [false, true]
        };
        let warm_up = sizes.cot_count.min(1 << 16);
        let (sender, receiver) = std::thread::scope(|scope| {
            let sender = scope.spawn(|| -> Result<Vec<Duration>, ProtocolError> {
                let mut prg = Prg::from_os_rng()?;
                let mut ot = IknpSender::setup(&mut a, &delta, &mut prg)?;
                let mut times = vec![start.elapsed(), Duration::ZERO, Duration::ZERO];
                ot.send_cot_into(&mut a, &mut sender_out[..warm_up])?;
                for check in order {
                    ot.set_kos_check(check);
                    let t = Instant::now();
                    ot.send_cot_into(&mut a, &mut sender_out)?;
                    times[if check { 1 } else { 2 }] = t.elapsed();
                }
                Ok(times)
            });
            let receiver = (|| -> Result<Vec<Duration>, ProtocolError> {
                let mut ot = IknpReceiver::setup(&mut b, &mut prg)?;
                let mut times = vec![start.elapsed(), Duration::ZERO, Duration::ZERO];
                ot.recv_cot_into(&mut b, &choices[..warm_up], &mut receiver_out[..warm_up])?;
                for check in order {
                    ot.set_kos_check(check);
                    let t = Instant::now();
                    ot.recv_cot_into(&mut b, &choices, &mut receiver_out)?;
                    times[if check { 1 } else { 2 }] = t.elapsed();
                }
                Ok(times)
            })();
            (
                sender.join().expect("the OT sender does not panic"),
                receiver,
            )
        });
        let (s, r) = (sender?, receiver?);
        base_ms.push(s[0].max(r[0]).as_secs_f64() * 1e3);
        rates.push(sizes.cot_count as f64 / s[1].max(r[1]).as_secs_f64());
        unchecked_rates.push(sizes.cot_count as f64 / s[2].max(r[2]).as_secs_f64());
    }
    // The first repetition is the warm-up.
    base_ms.remove(0);
    rates.remove(0);
    unchecked_rates.remove(0);
    Ok(Record {
        kind: Kind::Ot,
        backend,
        figures: vec![
            figure("base_ot_ms", Sample::from_values(base_ms)),
            figure("cot_per_s", Sample::from_values(rates)),
            figure("cot_unchecked_per_s", Sample::from_values(unchecked_rates)),
        ],
        scheme: None,
    })
}

fn bench_e2e(backend: Engine, sizes: &Sizes) -> Result<Record, ProtocolError> {
    let aes = bristol::parse(AES128_CIRCUIT).expect("the bundled AES-128 circuit parses");
    let aes_plan = Plan::new(&aes);
    let agreement = Agreement::default_for(&aes);
    let mut prg = Prg::from_os_rng()?;
    let mut random_bits =
        |n: usize| -> Vec<bool> { (0..n).map(|_| prg.random_block().lsb()).collect() };
    let mut inputs = |runs: usize| -> (local::Outputs, local::Outputs) {
        let g = (0..runs).map(|_| vec![random_bits(128)]).collect();
        let e = (0..runs).map(|_| vec![random_bits(128)]).collect();
        (g, e)
    };
    let mut amortised = Vec::new();
    for _ in 0..=sizes.e2e_reps.max(2) {
        let (g, e) = inputs(sizes.aes_runs);
        let run = local::run_over_loopback(&aes, &aes_plan, &agreement, backend, &g, &e)?;
        amortised.push(run.runs.as_secs_f64() * 1e3 / sizes.aes_runs as f64);
    }
    amortised.remove(0);
    let mut cold = Vec::new();
    for _ in 0..=sizes.cold_reps {
        let (g, e) = inputs(1);
        let run = local::run_over_loopback(&aes, &aes_plan, &agreement, backend, &g, &e)?;
        cold.push((run.setup + run.runs).as_secs_f64() * 1e3);
    }
    cold.remove(0);

    let heavy = crate::secure::circuits::and_heavy(sizes.e2e_ands);
    let heavy_plan = Plan::new(&heavy);
    let ands = heavy_plan.and_count() as f64;
    // Per scheme: AND gates per second and bytes per AND gate; the schemes
    // alternate, so that both see the same machine.
    let mut rates = [Vec::new(), Vec::new()];
    let mut bytes = [Vec::new(), Vec::new()];
    for _ in 0..sizes.e2e_reps {
        for (i, scheme) in Scheme::ALL.into_iter().enumerate() {
            let mut heavy_agreement = Agreement::default_for(&heavy);
            heavy_agreement.scheme = scheme;
            let g = vec![random_groups(&mut prg, heavy.input_sizes(), 0, 1)];
            let e = vec![random_groups(&mut prg, heavy.input_sizes(), 1, usize::MAX)];
            let run =
                local::run_over_loopback(&heavy, &heavy_plan, &heavy_agreement, backend, &g, &e)?;
            rates[i].push(ands / run.runs.as_secs_f64());
            bytes[i].push((run.garbler.bytes_sent + run.evaluator.bytes_sent) as f64 / ands);
        }
    }
    let [rates, rates_3h] = rates.map(Sample::from_values);
    let [bytes, bytes_3h] = bytes.map(Sample::from_values);
    Ok(Record {
        kind: Kind::E2e,
        backend,
        figures: vec![
            figure("aes128_ms_amortised", Sample::from_values(amortised)),
            figure("aes128_ms_cold", Sample::from_values(cold)),
            figure("e2e_and_per_s", rates),
            figure("bytes_per_and", bytes),
            figure("e2e_three_halves_and_per_s", rates_3h),
            figure("three_halves_bytes_per_and", bytes_3h),
        ],
        scheme: None,
    })
}

fn json_string(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}

/// One JSON object for `record` on `system` (a line of `gc2pc bench --json`).
pub fn to_json(system: &System, record: &Record) -> String {
    let mut out = String::from("{");
    let features: Vec<String> = system.features.iter().map(|f| json_string(f)).collect();
    write!(
        out,
        "\"cpu\":{},\"arch\":{},\"cores\":{},\"features\":[{}],\"backend\":{},\"gc2pc_version\":{},\"kind\":{},\"emulated\":{}",
        json_string(&system.cpu),
        json_string(system.arch),
        system.cores,
        features.join(","),
        json_string(record.backend.name()),
        json_string(env!("CARGO_PKG_VERSION")),
        json_string(record.kind.name()),
        system.emulated
    )
    .expect("write to String");
    if let Some(scheme) = record.scheme {
        write!(out, ",\"scheme\":{}", json_string(scheme.name())).expect("write to String");
    }
    for f in &record.figures {
        let number =
            |v: f64| serde_json::Number::from_f64(v).map_or("null".to_string(), |n| n.to_string());
        write!(
            out,
            ",\"{0}\":{1},\"{0}_min\":{2},\"{0}_max\":{3}",
            f.name,
            number(f.sample.median),
            number(f.sample.min),
            number(f.sample.max)
        )
        .expect("write to String");
    }
    if let Some(f) = record.figures.first() {
        write!(out, ",\"reps\":{}", f.sample.reps).expect("write to String");
    }
    out.push('}');
    out
}

/// A readable table of the records: one line per figure with its median and
/// spread.
pub fn table(system: &System, records: &[Record]) -> String {
    let mut out = format!(
        "gc2pc {} on {} ({}, {} cores, features: {}){}\n\n",
        env!("CARGO_PKG_VERSION"),
        system.cpu,
        system.arch,
        system.cores,
        system.features.join(" "),
        if system.emulated {
            " — EMULATED, times are not real"
        } else {
            ""
        }
    );
    writeln!(
        out,
        "{:<9} {:<7} {:<30} {:>14} {:>14} {:>14}",
        "backend", "kind", "figure", "median", "min", "max"
    )
    .expect("write");
    for record in records {
        if let Some(scheme) = record.scheme {
            writeln!(
                out,
                "{:<9} {:<7} scheme: {scheme}",
                record.backend.name(),
                record.kind.name()
            )
            .expect("write");
        }
        for f in &record.figures {
            writeln!(
                out,
                "{:<9} {:<7} {:<30} {:>14} {:>14} {:>14}",
                record.backend.name(),
                record.kind.name(),
                f.name,
                pretty(f.sample.median),
                pretty(f.sample.min),
                pretty(f.sample.max)
            )
            .expect("write");
        }
    }
    out
}

fn pretty(v: f64) -> String {
    if v >= 1e6 {
        format!("{:.2} M", v / 1e6)
    } else if v >= 100.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.3}")
    }
}
