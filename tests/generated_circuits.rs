//! The generators of `gc2pc circuit gen` (`secure::circuits`, programs on the
//! secure integers) against Rust integer arithmetic and `HashSet`s through
//! the plaintext evaluator of their circuits, their AND counts against the
//! documented formulas, and `circuits/` against regeneration (library and
//! CLI), byte for byte.

mod common;

use gc2pc::circuit::{Circuit, Gate, bristol};
use gc2pc::secure::circuits::{
    Comparison, Generator, PSI_PAIRWISE_MAX_N, PsiVariant, and_heavy_lane_ands,
};
use gc2pc::secure::{self, Ctx, Party, RevealTo, Word};
use std::collections::{BTreeSet, HashSet};
use std::path::PathBuf;

use common::Rng;

const WIDTHS: [usize; 6] = [1, 2, 7, 8, 32, 64];

fn mask(width: usize) -> u64 {
    if width >= 64 {
        u64::MAX
    } else {
        (1u64 << width) - 1
    }
}

fn to_bits(value: u64, width: usize) -> Vec<bool> {
    (0..width)
        .map(|i| i < 64 && (value >> i) & 1 == 1)
        .collect()
}

fn from_bits(bits: &[bool]) -> u128 {
    assert!(bits.len() <= 128);
    bits.iter()
        .enumerate()
        .map(|(i, &b)| (b as u128) << i)
        .sum()
}

/// Two's-complement value of a `width`-bit pattern.
fn signed(value: u64, width: usize) -> i128 {
    let v = value as i128;
    if width < 128 && (value >> (width - 1)) & 1 == 1 {
        v - (1i128 << width)
    } else {
        v
    }
}

/// Edge values plus random ones, for a `width`-bit operand.
fn operands(rng: &mut Rng, width: usize) -> Vec<u64> {
    let m = mask(width);
    let top = 1u64 << (width - 1);
    let mut v = vec![0, 1 & m, m, top, top - 1, m - 1];
    v.extend((0..40).map(|_| rng.bits(width)));
    v
}

fn compare(cmp: Comparison, width: usize, signed: bool) -> Circuit {
    Generator::Compare { cmp, width, signed }.circuit().unwrap()
}

fn eq(width: usize) -> Circuit {
    Generator::Eq { width }.circuit().unwrap()
}

fn add(width: usize) -> Circuit {
    Generator::Add { width }.circuit().unwrap()
}

fn psi(n: usize, width: usize, variant: PsiVariant) -> Circuit {
    Generator::Psi { n, width, variant }.circuit().unwrap()
}

fn psi_pairwise(n: usize, width: usize) -> Circuit {
    psi(n, width, PsiVariant::Pairwise)
}

fn psi_sort(n: usize, width: usize) -> Circuit {
    psi(n, width, PsiVariant::Sort)
}

fn and_heavy_with_width(ands: usize, width: usize) -> Circuit {
    Generator::AndHeavy { ands, width }.circuit().unwrap()
}

fn eval2(c: &Circuit, a: u64, b: u64, width: usize) -> Vec<Vec<bool>> {
    c.eval(&[to_bits(a, width), to_bits(b, width)])
        .expect("evaluation")
}

/// Every gate's result is read by a later gate or is an output wire.
fn assert_no_dead_gates(c: &Circuit) {
    let mut used = vec![false; c.num_wires()];
    used[c.first_output_wire()..].fill(true);
    for gate in c.gates() {
        for w in gate.inputs() {
            used[w as usize] = true;
        }
    }
    for (i, gate) in c.gates().iter().enumerate() {
        assert!(used[gate.output() as usize], "gate {i} ({gate:?}) is dead");
    }
}

fn copies(c: &Circuit) -> usize {
    c.gates()
        .iter()
        .filter(|g| matches!(g, Gate::EqW { .. }))
        .count()
}

#[test]
fn comparisons_match_integer_arithmetic() {
    let mut rng = Rng(1);
    for width in WIDTHS {
        for is_signed in [false, true] {
            for cmp in [
                Comparison::Lt,
                Comparison::Gt,
                Comparison::Le,
                Comparison::Ge,
            ] {
                let c = compare(cmp, width, is_signed);
                assert_eq!(c.input_sizes(), [width as u32, width as u32]);
                assert_eq!(c.output_sizes(), [1]);
                assert_eq!(c.and_count(), width, "{cmp:?} w={width}");
                assert_eq!(c.and_depth() as usize, width);
                assert_eq!(copies(&c), 0);
                assert_no_dead_gates(&c);
                let xs = operands(&mut rng, width);
                let ys = operands(&mut rng, width);
                for (&a, &b) in xs.iter().zip(ys.iter().rev()).chain(xs.iter().zip(&xs)) {
                    let (x, y) = if is_signed {
                        (signed(a, width), signed(b, width))
                    } else {
                        (a as i128, b as i128)
                    };
                    let want = match cmp {
                        Comparison::Lt => x < y,
                        Comparison::Gt => x > y,
                        Comparison::Le => x <= y,
                        Comparison::Ge => x >= y,
                    };
                    assert_eq!(
                        eval2(&c, a, b, width),
                        vec![vec![want]],
                        "{cmp:?} signed={is_signed} w={width} a={a:#x} b={b:#x}"
                    );
                }
            }
        }
    }
}

#[test]
fn equality_matches_integer_arithmetic() {
    let mut rng = Rng(2);
    for width in WIDTHS {
        let c = eq(width);
        assert_eq!(c.and_count(), width - 1);
        assert_eq!(c.and_depth(), (width as f64).log2().ceil() as u32);
        assert_no_dead_gates(&c);
        let xs = operands(&mut rng, width);
        for &a in &xs {
            for b in [a, a ^ (1 << (rng.next() % width as u64)), rng.bits(width)] {
                assert_eq!(eval2(&c, a, b, width), vec![vec![a == b]], "w={width}");
            }
        }
    }
}

#[test]
fn addition_matches_integer_arithmetic() {
    let mut rng = Rng(3);
    for width in WIDTHS {
        let c = add(width);
        assert_eq!(c.output_sizes(), [width as u32]);
        assert_eq!(c.and_count(), width - 1);
        assert_eq!(copies(&c), 0);
        assert_no_dead_gates(&c);
        let xs = operands(&mut rng, width);
        let ys = operands(&mut rng, width);
        for (&a, &b) in xs.iter().zip(ys.iter().rev()) {
            let want = a.wrapping_add(b) & mask(width);
            let out = eval2(&c, a, b, width);
            assert_eq!(from_bits(&out[0]), want as u128, "w={width} {a}+{b}");
        }
    }
}

/// A two-input circuit of runtime-width words from a program that reveals
/// its results, for the word operations that have no generator of their own.
fn word_op(width: usize, f: impl Fn(&Ctx, &Word, &Word) -> Vec<Word>) -> Circuit {
    secure::circuit(|ctx| {
        let x = Word::input(ctx, Party::Garbler, width, None)?;
        let y = Word::input(ctx, Party::Evaluator, width, None)?;
        for out in f(ctx, &x, &y) {
            out.reveal(RevealTo::Evaluator)?;
        }
        Ok(())
    })
    .unwrap()
}

#[test]
fn word_operations_match_integer_arithmetic_and_cost() {
    let mut rng = Rng(4);
    for width in WIDTHS {
        let m = mask(width);
        let sub = word_op(width, |_, x, y| vec![x - y]);
        assert_eq!(sub.and_count(), width - 1);
        // select on the low bit of x: x if it is set, else y; and the swap.
        let mux = word_op(width, |_, x, y| vec![x.bit(0).select(x, y)]);
        assert_eq!(mux.and_count(), width);
        let swap = word_op(width, |_, x, y| {
            let (lo, hi) = y.bit(0).swap(x, y);
            vec![lo, hi]
        });
        assert_eq!(swap.and_count(), width);
        let cas = word_op(width, |_, x, y| {
            let (x, y) = (x.as_signed(), y.as_signed());
            let (lo, hi) = y.lt(&x).swap(&x, &y);
            vec![lo, hi]
        });
        assert_eq!(cas.and_count(), 2 * width);
        let mul = word_op(width, |_, x, y| vec![x * y]);
        assert_eq!(mul.and_count(), width * width - width + 1);
        let minmax = word_op(width, |_, x, y| vec![x.min(y), x.max(y)]);
        assert_eq!(minmax.and_count(), 4 * width);
        let wide = word_op(width, |ctx, x, y| {
            // x + y on width + 1 bits, by zero-extending both.
            let zero = Word::constant(ctx, 1, 0);
            vec![&x.concat(&zero) + &y.concat(&zero)]
        });
        assert_eq!(wide.and_count(), width);
        for c in [&sub, &mux, &swap, &cas, &mul, &minmax, &wide] {
            assert_no_dead_gates(c);
            assert_eq!(copies(c), 0);
        }
        let xs = operands(&mut rng, width);
        let ys = operands(&mut rng, width);
        for (&a, &b) in xs.iter().zip(ys.iter().rev()) {
            let e = |c: &Circuit| -> Vec<u128> {
                eval2(c, a, b, width).iter().map(|o| from_bits(o)).collect()
            };
            assert_eq!(e(&sub), [(a.wrapping_sub(b) & m) as u128]);
            assert_eq!(e(&mux), [if a & 1 == 1 { a } else { b } as u128]);
            let (s0, s1) = if b & 1 == 1 { (b, a) } else { (a, b) };
            assert_eq!(e(&swap), [s0 as u128, s1 as u128]);
            let (lo, hi) = if signed(b, width) < signed(a, width) {
                (b, a)
            } else {
                (a, b)
            };
            assert_eq!(e(&cas), [lo as u128, hi as u128]);
            assert_eq!(e(&mul), [(a.wrapping_mul(b) & m) as u128]);
            assert_eq!(e(&minmax), [a.min(b) as u128, a.max(b) as u128]);
            assert_eq!(e(&wide), [a as u128 + b as u128]);
        }
    }
}

/// Distinct random `width`-bit elements, `n` of them (`n ≤ 2^width`).
fn random_set(rng: &mut Rng, n: usize, width: usize, universe: u64) -> Vec<u64> {
    let universe = universe.min(mask(width));
    assert!(n as u128 <= universe as u128 + 1);
    let mut set = BTreeSet::new();
    while set.len() < n {
        set.insert(match universe.checked_add(1) {
            Some(size) => rng.next() % size,
            None => rng.next(),
        });
    }
    set.into_iter().collect()
}

fn pack(elements: &[u64], width: usize) -> Vec<bool> {
    elements.iter().flat_map(|&x| to_bits(x, width)).collect()
}

/// Pairs of sets of n elements: disjoint-ish (large universe), overlapping
/// (small universe), equal, and with a chosen overlap.
fn set_pairs(rng: &mut Rng, n: usize, width: usize) -> Vec<(Vec<u64>, Vec<u64>)> {
    let full = mask(width);
    let small = ((2 * n) as u64).min(full);
    let mut pairs = Vec::new();
    for universe in [full, small, (n as u64).saturating_sub(1).max(small / 2)] {
        if (n as u128) <= universe as u128 + 1 {
            for _ in 0..3 {
                pairs.push((
                    random_set(rng, n, width, universe),
                    random_set(rng, n, width, universe),
                ));
            }
        }
    }
    let a = random_set(rng, n, width, full);
    pairs.push((a.clone(), a));
    pairs
}

fn intersection(a: &[u64], b: &[u64]) -> HashSet<u64> {
    let a: HashSet<u64> = a.iter().copied().collect();
    b.iter().copied().filter(|x| a.contains(x)).collect()
}

fn shuffle(rng: &mut Rng, v: &mut [u64]) {
    for i in (1..v.len()).rev() {
        v.swap(i, (rng.next() % (i as u64 + 1)) as usize);
    }
}

#[test]
fn psi_pairwise_matches_hashset() {
    let mut rng = Rng(5);
    for (n, width) in [
        (1, 1),
        (2, 1),
        (1, 32),
        (2, 7),
        (5, 7),
        (8, 32),
        (8, 3),
        (13, 64),
        (64, 32),
        (100, 16),
    ] {
        let c = psi_pairwise(n, width);
        assert_eq!(c.input_sizes(), [(n * width) as u32; 2]);
        assert_eq!(c.output_sizes(), [n as u32]);
        assert_eq!(c.and_count(), n * n * width - n, "n={n} w={width}");
        assert_no_dead_gates(&c);
        let mut pairs = set_pairs(&mut rng, n, width);
        // Any order and repeated elements are fine for this variant.
        pairs.push((
            (0..n).map(|_| rng.bits(width) % 3).collect(),
            (0..n).map(|_| rng.bits(width) % 3).collect(),
        ));
        for (mut a, mut b) in pairs {
            shuffle(&mut rng, &mut a);
            shuffle(&mut rng, &mut b);
            let common = intersection(&a, &b);
            let out = c.eval(&[pack(&a, width), pack(&b, width)]).unwrap();
            let want: Vec<bool> = b.iter().map(|x| common.contains(x)).collect();
            assert_eq!(out, vec![want], "n={n} w={width} a={a:?} b={b:?}");
        }
    }
}

/// The sort variant's output as a list of elements, checking the slot
/// layout: valid slots first, then all-zero slots.
fn psi_sort_result(c: &Circuit, a: &[u64], b: &[u64], width: usize) -> Vec<u64> {
    let out = c.eval(&[pack(a, width), pack(b, width)]).unwrap();
    let mut found = Vec::new();
    let mut ended = false;
    for slot in &out {
        assert_eq!(slot.len(), width + 1);
        let value = from_bits(&slot[..width]) as u64;
        if slot[width] {
            assert!(!ended, "a valid slot after an empty one: {out:?}");
            found.push(value);
        } else {
            assert_eq!(value, 0, "an empty slot holds a value");
            ended = true;
        }
    }
    found
}

#[test]
fn psi_sort_matches_hashset() {
    let mut rng = Rng(6);
    for (n, width) in [
        (1, 1),
        (2, 1),
        (1, 32),
        (2, 7),
        (3, 7),
        (5, 7),
        (5, 32),
        (6, 3),
        (8, 32),
        (17, 64),
        (64, 32),
        (100, 32),
        (100, 7),
    ] {
        let c = psi_sort(n, width);
        assert_eq!(c.input_sizes(), [(n * width) as u32; 2]);
        assert_eq!(c.output_sizes(), vec![width as u32 + 1; n]);
        assert_no_dead_gates(&c);
        for (a, b) in set_pairs(&mut rng, n, width) {
            let mut want: Vec<u64> = intersection(&a, &b).into_iter().collect();
            want.sort_unstable();
            assert_eq!(
                psi_sort_result(&c, &a, &b, width),
                want,
                "n={n} w={width} a={a:?} b={b:?}"
            );
        }
    }
}

#[test]
fn psi_sort_treats_lists_not_strictly_ascending_as_empty() {
    let mut rng = Rng(7);
    for (n, width) in [(2, 7), (5, 8), (8, 32), (33, 16)] {
        let c = psi_sort(n, width);
        let a = random_set(&mut rng, n, width, 2 * n as u64);
        let b = a.clone();
        // Sanity: well-formed, everything matches.
        assert_eq!(psi_sort_result(&c, &a, &b, width), a);
        // Unsorted (reversed) garbler list, then evaluator list.
        let mut rev = a.clone();
        rev.reverse();
        assert_eq!(psi_sort_result(&c, &rev, &b, width), Vec::<u64>::new());
        assert_eq!(psi_sort_result(&c, &a, &rev, width), Vec::<u64>::new());
        // A repeated element (sorted, but not strictly).
        let mut dup = a.clone();
        dup[1] = dup[0];
        assert_eq!(psi_sort_result(&c, &dup, &b, width), Vec::<u64>::new());
        assert_eq!(psi_sort_result(&c, &a, &dup, width), Vec::<u64>::new());
    }
}

/// Upper bound on the sort variant's ANDs from its documentation.
fn psi_sort_bound(n: usize, w: usize) -> usize {
    let log = (2 * n).next_power_of_two().trailing_zeros() as usize;
    2 * (n - 1) * w + 2 * (n - 1) // checks and their AND
        + n * log * 2 * w // merger
        + (2 * n - 1) * (2 * w) // neighbour equality, masking
        + (2 * n - 1) * (log + 1) // valid gating, prefix counts
        + (2 * n - 1) * log * (w + 1 + log) // compaction (masks of value and distance)
}

#[test]
fn psi_and_counts() {
    for (n, w) in [
        (1, 8),
        (2, 8),
        (5, 32),
        (8, 32),
        (64, 32),
        (100, 32),
        (256, 16),
    ] {
        let sort = psi_sort(n, w);
        assert!(
            sort.and_count() <= psi_sort_bound(n, w),
            "n={n} w={w}: {} > {}",
            sort.and_count(),
            psi_sort_bound(n, w)
        );
        let pair = psi_pairwise(n.min(64), w);
        assert_eq!(pair.and_count(), n.min(64).pow(2) * w - n.min(64));
    }
    // n log n: doubling n roughly doubles the sort variant's cost.
    let (c64, c128) = (psi_sort(64, 32).and_count(), psi_sort(128, 32).and_count());
    assert!(c128 < c64 * 5 / 2, "{c64} -> {c128}");
    // The default threshold: pairwise is cheaper at and below it.
    for n in [8, PSI_PAIRWISE_MAX_N] {
        assert!(
            psi_pairwise(n, 32).and_count() <= psi_sort(n, 32).and_count(),
            "n={n}"
        );
    }
    for n in [64, 100] {
        assert!(psi_sort(n, 32).and_count() < psi_pairwise(n, 32).and_count());
    }
    assert_eq!(
        PsiVariant::default_for(PSI_PAIRWISE_MAX_N),
        PsiVariant::Pairwise
    );
    assert_eq!(
        PsiVariant::default_for(PSI_PAIRWISE_MAX_N + 1),
        PsiVariant::Sort
    );
}

#[test]
fn and_heavy_has_a_million_ands_and_computes_its_formula() {
    let start = std::time::Instant::now();
    let c = gc2pc::secure::circuits::and_heavy(1_000_000);
    let built = start.elapsed();
    let lanes = 1_000_000usize.div_ceil(and_heavy_lane_ands(32));
    assert_eq!(c.and_count(), lanes * and_heavy_lane_ands(32));
    assert!(c.and_count() >= 1_000_000);
    // Wide, not deep: every AND level holds about a lane's worth of gates.
    assert!(c.and_depth() < 32, "depth {}", c.and_depth());
    eprintln!(
        "and_heavy(1e6): {} ANDs, depth {}, built in {built:?}",
        c.and_count(),
        c.and_depth()
    );
    assert!(gc2pc::secure::circuits::and_heavy(1 << 20).and_count() >= 1 << 20);

    let mut rng = Rng(8);
    for (ands, width) in [(1_000_000, 32), (5_000, 7), (1, 1), (20_000, 64)] {
        let c = if width == 32 {
            c.clone()
        } else {
            and_heavy_with_width(ands, width)
        };
        let lanes = ands.div_ceil(and_heavy_lane_ands(width)).max(1);
        assert_eq!(c.and_count(), lanes * and_heavy_lane_ands(width));
        let m = mask(width);
        for _ in 0..3 {
            let (a, b) = (rng.bits(width), rng.bits(width));
            let mut want = 0u64;
            for k in 0..lanes {
                let rot = (k % width) as u32;
                let rotl = if width == 64 {
                    b.rotate_left(rot)
                } else {
                    ((b << rot) | (b >> ((width as u32 - rot) % width as u32))) & m
                };
                let x = (a ^ rotl ^ k as u64) & m;
                want ^= x.wrapping_mul(b) & m;
            }
            let out = eval2(&c, a, b, width);
            assert_eq!(from_bits(&out[0]), want as u128, "w={width} a={a} b={b}");
        }
    }
}

/// Each file in `circuits/`, the `gc2pc circuit gen` arguments documented in
/// `circuits/README.md`, and the library call that makes it.
fn circuit_files() -> Vec<(&'static str, &'static [&'static str], Circuit)> {
    vec![
        (
            "cmp32.txt",
            &["lt", "--width", "32"],
            compare(Comparison::Lt, 32, false),
        ),
        ("eq32.txt", &["eq", "--width", "32"], eq(32)),
        ("add64.txt", &["add", "--width", "64"], add(64)),
        (
            "psi_pairwise_8x32.txt",
            &["psi", "--n", "8", "--width", "32", "--variant", "pairwise"],
            psi_pairwise(8, 32),
        ),
        (
            "psi_sort_64x32.txt",
            &["psi", "--n", "64", "--width", "32", "--variant", "sort"],
            psi_sort(64, 32),
        ),
    ]
}

fn circuits_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("circuits")
}

#[test]
fn circuits_directory_regenerates_byte_for_byte_and_parses_back() {
    let files = circuit_files();
    let listed: BTreeSet<&str> = files.iter().map(|f| f.0).collect();
    let present: BTreeSet<String> = std::fs::read_dir(circuits_dir())
        .expect("circuits/ exists")
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|name| name.ends_with(".txt"))
        .collect();
    assert_eq!(
        present.iter().map(String::as_str).collect::<BTreeSet<_>>(),
        listed,
        "every circuits/*.txt has a regeneration test"
    );
    let readme = std::fs::read_to_string(circuits_dir().join("README.md")).unwrap();
    for (name, args, circuit) in files {
        let path = circuits_dir().join(name);
        let bytes = std::fs::read(&path).unwrap();
        assert!(
            bristol::to_string(&circuit).as_bytes() == bytes.as_slice(),
            "{name} differs from its generator"
        );
        assert_eq!(
            bristol::parse(&bytes).unwrap(),
            circuit,
            "{name} parses back"
        );
        let command = format!("gc2pc circuit gen {} --out circuits/{name}", args.join(" "));
        assert!(readme.contains(&command), "README lacks `{command}`");
        let counts = format!("| {} | {} |", circuit.and_count(), circuit.and_depth());
        assert!(
            readme.contains(&counts),
            "README lacks {name}'s counts {counts}"
        );
    }
}

#[test]
fn cli_generates_the_circuits_files() {
    for (name, args, _) in circuit_files() {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_gc2pc"))
            .args(["circuit", "gen"])
            .args(args)
            .output()
            .expect("run gc2pc");
        assert!(output.status.success(), "{name}: {output:?}");
        let bytes = std::fs::read(circuits_dir().join(name)).unwrap();
        assert!(
            output.stdout == bytes,
            "`gc2pc circuit gen {args:?}` != {name}"
        );
    }
    // --out writes the same bytes; the default PSI variant follows the
    // threshold.
    let dir = std::env::temp_dir().join(format!("gc2pc-gen-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("psi.txt");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_gc2pc"))
        .args([
            "circuit", "gen", "psi", "--n", "40", "--width", "8", "--out",
        ])
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success());
    let written = std::fs::read_to_string(&out).unwrap();
    assert_eq!(written, bristol::to_string(&psi_sort(40, 8)));
    std::fs::remove_dir_all(&dir).unwrap();
    // Bad arguments fail with a message, not a panic.
    let bad = std::process::Command::new(env!("CARGO_BIN_EXE_gc2pc"))
        .args(["circuit", "gen", "lt", "--width", "0"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("error"));
}

#[test]
fn readme_examples_hold_for_the_files() {
    let load = |name: &str| bristol::read_file(&circuits_dir().join(name)).unwrap();
    let cmp = load("cmp32.txt");
    assert_eq!(eval2(&cmp, 5, 7, 32), vec![vec![true]]);
    assert_eq!(eval2(&cmp, 7, 5, 32), vec![vec![false]]);
    assert_eq!(eval2(&cmp, 7, 7, 32), vec![vec![false]]);
    let eq = load("eq32.txt");
    assert_eq!(eval2(&eq, 0xdead_beef, 0xdead_beef, 32), vec![vec![true]]);
    let add = load("add64.txt");
    assert_eq!(from_bits(&eval2(&add, 5, 7, 64)[0]), 12);
    assert_eq!(from_bits(&eval2(&add, u64::MAX, 1, 64)[0]), 0);

    let pairwise = load("psi_pairwise_8x32.txt");
    let a: Vec<u64> = (1..=8).collect();
    let b = [8, 10, 2, 12, 14, 16, 18, 20];
    let out = pairwise.eval(&[pack(&a, 32), pack(&b, 32)]).unwrap();
    assert_eq!(from_bits(&out[0]), 0b101);

    let sort = load("psi_sort_64x32.txt");
    let a: Vec<u64> = (0..64).map(|i| 2 * i + 1).collect();
    let b: Vec<u64> = (0..64).map(|i| 3 * i).collect();
    let out = sort.eval(&[pack(&a, 32), pack(&b, 32)]).unwrap();
    let slots: Vec<u128> = out.iter().map(|s| from_bits(s)).collect();
    let mut want: Vec<u128> = (0..21).map(|i| (1 << 32) + 3 + 6 * i).collect();
    want.resize(64, 0);
    assert_eq!(slots, want);
}
