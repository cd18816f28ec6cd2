//! Secure integers: every operation against Rust integer arithmetic (in
//! plaintext and garbled), the AND count of every operation, the four uses of
//! one program agreeing on random programs, reveals in the middle of a
//! program, and mismatched programs caught.

mod common;

use gc2pc::circuit::bristol;
use gc2pc::net::mem;
use gc2pc::secure::{
    self, Bit, Counts, Ctx, Error, I8, I32, Party, RevealTo, Row, SInt, Session, U8, U16, U32, U64,
    U128, UInt,
};

use common::Rng;

/// The value `v` if `who` supplies `party`'s inputs (None: plaintext, both).
fn own<V>(who: Option<Party>, party: Party, v: V) -> Option<V> {
    (who.is_none() || who == Some(party)).then_some(v)
}

/// Runs `program` garbled between two threads over an in-memory channel:
/// (the garbler's result, the evaluator's result).
fn garbled<T: Send>(
    program: impl Fn(&Ctx, Option<Party>) -> Result<T, Error> + Sync,
) -> (Result<T, Error>, Result<T, Error>) {
    let (a, b) = mem::pair();
    std::thread::scope(|s| {
        let g = s.spawn(|| {
            Session::builder(Party::Garbler)
                .build()
                .run(a, |ctx| program(ctx, Some(Party::Garbler)))
        });
        let e = s.spawn(|| {
            Session::builder(Party::Evaluator)
                .build()
                .run(b, |ctx| program(ctx, Some(Party::Evaluator)))
        });
        (g.join().unwrap(), e.join().unwrap())
    })
}

/// Every binary operation on N-bit unsigned values, revealed to both, as
/// a vector of results.
fn unsigned_ops<const N: usize>(
    ctx: &Ctx,
    who: Option<Party>,
    x: u128,
    y: u128,
) -> Result<Vec<Option<u128>>, Error> {
    let a = UInt::<N>::input(ctx, Party::Garbler, own(who, Party::Garbler, x))?;
    let b = UInt::<N>::input(ctx, Party::Evaluator, own(who, Party::Evaluator, y))?;
    let bit = |b: Bit| b.to_uint();
    let to = RevealTo::Both;
    Ok(vec![
        (&a + &b).reveal(to)?,
        (&a - &b).reveal(to)?,
        (&a * &b).reveal(to)?,
        (&a & &b).reveal(to)?,
        (&a | &b).reveal(to)?,
        (&a ^ &b).reveal(to)?,
        (!&a).reveal(to)?,
        (-&a).reveal(to)?,
        bit(a.lt(&b)).reveal(to)?,
        bit(a.le(&b)).reveal(to)?,
        bit(a.gt(&b)).reveal(to)?,
        bit(a.ge(&b)).reveal(to)?,
        bit(a.eq(&b)).reveal(to)?,
        bit(a.ne(&b)).reveal(to)?,
        a.min(&b).reveal(to)?,
        a.max(&b).reveal(to)?,
        a.lt(&b).select(&a, &b).reveal(to)?,
        (&a << 3).reveal(to)?,
        (&a >> 3).reveal(to)?,
        a.rotl(5).reveal(to)?,
        a.rotr(5).reveal(to)?,
        a.resize::<7>().reveal(to)?,
        a.resize::<128>().reveal(to)?,
    ])
}

fn unsigned_expected(n: usize, x: u128, y: u128) -> Vec<Option<u128>> {
    let mask = if n == 128 {
        u128::MAX
    } else {
        (1u128 << n) - 1
    };
    let m = |v: u128| Some(v & mask);
    let rotl = |v: u128, k: usize| {
        m(v << (k % n)
            | if k.is_multiple_of(n) {
                0
            } else {
                v >> (n - k % n)
            })
    };
    let b = |c: bool| Some(c as u128);
    vec![
        m(x.wrapping_add(y)),
        m(x.wrapping_sub(y)),
        m(x.wrapping_mul(y)),
        m(x & y),
        m(x | y),
        m(x ^ y),
        m(!x),
        m(x.wrapping_neg()),
        b(x < y),
        b(x <= y),
        b(x > y),
        b(x >= y),
        b(x == y),
        b(x != y),
        m(x.min(y)),
        m(x.max(y)),
        m(if x < y { x } else { y }),
        m(if n > 3 { x << 3 } else { 0 }),
        m(x >> 3),
        rotl(x, 5),
        rotl(x, n - 5 % n),
        Some(x & 0x7f),
        Some(x),
    ]
}

fn edge_and_random(n: usize, rng: &mut Rng) -> Vec<(u128, u128)> {
    let mask = if n == 128 {
        u128::MAX
    } else {
        (1u128 << n) - 1
    };
    let mut pairs = vec![
        (0, 0),
        (0, mask),
        (mask, 0),
        (mask, mask),
        (1, mask),
        (mask >> 1, (mask >> 1) + 1),
        ((mask >> 1) + 1, mask >> 1),
    ];
    for _ in 0..6 {
        pairs.push((rng.u128() & mask, rng.u128() & mask));
    }
    let x = rng.u128() & mask;
    pairs.push((x, x));
    pairs
}

fn check_unsigned<const N: usize>(rng: &mut Rng, garble: bool) {
    for (x, y) in edge_and_random(N, rng) {
        let expected = unsigned_expected(N, x, y);
        let plain = secure::plaintext(|ctx| unsigned_ops::<N>(ctx, None, x, y)).unwrap();
        assert_eq!(plain, expected, "plaintext, {N} bits, x={x:#x} y={y:#x}");
        if garble {
            let (g, e) = garbled(|ctx, who| unsigned_ops::<N>(ctx, who, x, y));
            assert_eq!(g.unwrap(), expected, "garbler, {N} bits, x={x:#x} y={y:#x}");
            assert_eq!(
                e.unwrap(),
                expected,
                "evaluator, {N} bits, x={x:#x} y={y:#x}"
            );
        }
    }
}

#[test]
fn unsigned_operations_match_rust_in_plaintext() {
    let mut rng = Rng(1);
    check_unsigned::<8>(&mut rng, false);
    check_unsigned::<13>(&mut rng, false);
    check_unsigned::<32>(&mut rng, false);
    check_unsigned::<64>(&mut rng, false);
    check_unsigned::<128>(&mut rng, false);
}

#[test]
fn unsigned_operations_match_rust_garbled() {
    let mut rng = Rng(2);
    check_unsigned::<8>(&mut rng, true);
    check_unsigned::<32>(&mut rng, true);
    check_unsigned::<128>(&mut rng, true);
}

fn signed_ops<const N: usize>(
    ctx: &Ctx,
    who: Option<Party>,
    x: i128,
    y: i128,
) -> Result<Vec<Option<i128>>, Error> {
    let a = SInt::<N>::input(ctx, Party::Garbler, own(who, Party::Garbler, x))?;
    let b = SInt::<N>::input(ctx, Party::Evaluator, own(who, Party::Evaluator, y))?;
    let to = RevealTo::Both;
    let bit = |b: Bit| -> Result<Option<i128>, Error> { Ok(b.reveal(to)?.map(|v| v as i128)) };
    Ok(vec![
        (&a + &b).reveal(to)?,
        (&a - &b).reveal(to)?,
        (&a * &b).reveal(to)?,
        (-&a).reveal(to)?,
        bit(a.lt(&b))?,
        bit(a.le(&b))?,
        bit(a.gt(&b))?,
        bit(a.ge(&b))?,
        bit(a.eq(&b))?,
        a.min(&b).reveal(to)?,
        a.max(&b).reveal(to)?,
        (&a >> 2).reveal(to)?,
        bit(a.is_negative())?,
        a.resize::<128>().reveal(to)?,
    ])
}

fn signed_expected(n: u32, x: i128, y: i128) -> Vec<Option<i128>> {
    // Wrap to n bits, sign-extended.
    let w = |v: i128| {
        Some(if n == 128 {
            v
        } else {
            (v << (128 - n)) >> (128 - n)
        })
    };
    let b = |c: bool| Some(c as i128);
    vec![
        w(x.wrapping_add(y)),
        w(x.wrapping_sub(y)),
        w(x.wrapping_mul(y)),
        w(x.wrapping_neg()),
        b(x < y),
        b(x <= y),
        b(x > y),
        b(x >= y),
        b(x == y),
        Some(x.min(y)),
        Some(x.max(y)),
        Some(x >> 2),
        b(x < 0),
        Some(x),
    ]
}

fn check_signed<const N: usize>(rng: &mut Rng, garble: bool) {
    let min = if N == 128 {
        i128::MIN
    } else {
        -(1i128 << (N - 1))
    };
    let max = if N == 128 {
        i128::MAX
    } else {
        (1i128 << (N - 1)) - 1
    };
    let wrap = |v: u128| {
        let v = v as i128;
        if N == 128 {
            v
        } else {
            (v << (128 - N)) >> (128 - N)
        }
    };
    let mut pairs = vec![
        (min, max),
        (max, min),
        (min, min),
        (-1, 0),
        (0, -1),
        (min, -1),
        (max, 1),
    ];
    for _ in 0..6 {
        pairs.push((wrap(rng.u128()), wrap(rng.u128())));
    }
    for (x, y) in pairs {
        let expected = signed_expected(N as u32, x, y);
        let plain = secure::plaintext(|ctx| signed_ops::<N>(ctx, None, x, y)).unwrap();
        assert_eq!(plain, expected, "plaintext, {N} bits, x={x} y={y}");
        if garble {
            let (g, e) = garbled(|ctx, who| signed_ops::<N>(ctx, who, x, y));
            assert_eq!(g.unwrap(), expected, "garbler, {N} bits, x={x} y={y}");
            assert_eq!(e.unwrap(), expected, "evaluator, {N} bits, x={x} y={y}");
        }
    }
}

#[test]
fn signed_operations_match_rust() {
    let mut rng = Rng(3);
    check_signed::<8>(&mut rng, true);
    check_signed::<17>(&mut rng, false);
    check_signed::<32>(&mut rng, false);
    check_signed::<64>(&mut rng, true);
    check_signed::<128>(&mut rng, false);
}

/// AND gates of `op` on two fresh N-bit inputs, from the counter.
fn ands<const N: usize, R>(op: impl Fn(&UInt<N>, &UInt<N>) -> R) -> u64 {
    let ((), counts) = secure::count(|ctx| {
        let a = UInt::<N>::input(ctx, Party::Garbler, None::<u8>)?;
        let b = UInt::<N>::input(ctx, Party::Evaluator, None::<u8>)?;
        drop(op(&a, &b));
        Ok(())
    })
    .unwrap();
    counts.and_gates
}

fn check_and_counts<const N: usize>() {
    let n = N as u64;
    assert_eq!(ands::<N, _>(|a, b| a + b), n - 1, "add, {N} bits");
    assert_eq!(ands::<N, _>(|a, b| a - b), n - 1, "sub, {N} bits");
    assert_eq!(ands::<N, _>(|a, b| a.lt(b)), n, "lt, {N} bits");
    assert_eq!(ands::<N, _>(|a, b| a.ge(b)), n, "ge, {N} bits");
    assert_eq!(ands::<N, _>(|a, b| a.eq(b)), n - 1, "eq, {N} bits");
    assert_eq!(ands::<N, _>(|a, b| a & b), n, "and, {N} bits");
    assert_eq!(ands::<N, _>(|a, b| a | b), n, "or, {N} bits");
    assert_eq!(ands::<N, _>(|a, b| a ^ b), 0, "xor, {N} bits");
    assert_eq!(ands::<N, _>(|a, b| a.min(b)), 2 * n, "min, {N} bits");
    assert_eq!(ands::<N, _>(|a, b| a * b), n * n - n + 1, "mul, {N} bits");
    assert!(ands::<N, _>(|a, _| -a) < n, "neg, {N} bits");
    assert_eq!(ands::<N, _>(|a, _| a.rotl(3)), 0, "rotl, {N} bits");
    assert_eq!(ands::<N, _>(|a, _| a << 2), 0, "shl, {N} bits");
    assert_eq!(
        ands::<N, _>(|a, b| a.bit(0).select(a, b)),
        n,
        "select, {N} bits"
    );
    // Signed comparison costs the same.
    let ((), counts) = secure::count(|ctx| {
        let a = SInt::<N>::input(ctx, Party::Garbler, None::<i8>)?;
        let b = SInt::<N>::input(ctx, Party::Evaluator, None::<i8>)?;
        drop(a.lt(&b));
        Ok(())
    })
    .unwrap();
    assert_eq!(counts.and_gates, n, "signed lt, {N} bits");
}

#[test]
fn and_counts_are_as_documented() {
    check_and_counts::<8>();
    check_and_counts::<32>();
    check_and_counts::<64>();
    // Sum of k values: (k − 1)(n − 1).
    let ((), counts) = secure::count(|ctx| {
        let v: Vec<U32> = (0..10)
            .map(|_| U32::input(ctx, Party::Garbler, None::<u32>))
            .collect::<Result<_, _>>()?;
        drop(secure::sum(&v));
        Ok(())
    })
    .unwrap();
    assert_eq!(counts.and_gates, 9 * 31);
    // A constant operand folds: x + 0 and x & 0 cost nothing.
    let ((), counts) = secure::count(|ctx| {
        let a = U32::input(ctx, Party::Garbler, None::<u32>)?;
        let zero = U32::constant(ctx, 0)?;
        drop((&a + &zero, &a & &zero));
        Ok(())
    })
    .unwrap();
    assert_eq!(counts.and_gates, 0);
}

#[test]
fn sort_and_sum_match_rust() {
    let mut rng = Rng(4);
    for n in [0usize, 1, 2, 3, 5, 7, 8, 13, 16, 33] {
        let xs: Vec<u16> = (0..n).map(|_| rng.next() as u16 % 50).collect();
        for descending in [false, true] {
            let program = |ctx: &Ctx, who: Option<Party>| -> Result<Vec<Option<u128>>, Error> {
                let mut v: Vec<U16> = xs
                    .iter()
                    .enumerate()
                    .map(|(i, &x)| {
                        let owner = if i % 2 == 0 {
                            Party::Garbler
                        } else {
                            Party::Evaluator
                        };
                        U16::input(ctx, owner, own(who, owner, x))
                    })
                    .collect::<Result<_, _>>()?;
                let total = secure::sum(&v);
                secure::sort(&mut v, descending);
                let mut out: Vec<Option<u128>> = v
                    .iter()
                    .map(|x| x.reveal(RevealTo::Both))
                    .collect::<Result<_, _>>()?;
                if let Some(t) = total {
                    out.push(t.reveal(RevealTo::Evaluator)?);
                }
                Ok(out)
            };
            let mut sorted: Vec<Option<u128>> = xs.iter().map(|&x| Some(x as u128)).collect();
            sorted.sort();
            if descending {
                sorted.reverse();
            }
            if n > 0 {
                sorted.push(Some(xs.iter().map(|&x| x as u128).sum::<u128>() & 0xffff));
            }
            assert_eq!(
                secure::plaintext(|ctx| program(ctx, None)).unwrap(),
                sorted,
                "n={n}"
            );
            if n == 13 {
                let (g, e) = garbled(program);
                assert_eq!(e.unwrap(), sorted);
                // The garbler does not learn the sum (revealed to the evaluator).
                let mut g_expected = sorted.clone();
                *g_expected.last_mut().unwrap() = None;
                assert_eq!(g.unwrap(), g_expected);
            }
        }
    }
}

#[test]
fn rows_sort_by_key_fields_with_payload() {
    let mut rng = Rng(5);
    let rows: Vec<(i8, u8, u32)> = (0..11)
        .map(|_| {
            (
                (rng.next() % 5) as i8 - 2,
                (rng.next() % 3) as u8,
                rng.next() as u32,
            )
        })
        .collect();
    let out = secure::plaintext(|ctx| {
        let mut table: Vec<Row> = rows
            .iter()
            .map(|&(k1, k2, p)| -> Result<Row, Error> {
                Ok(vec![
                    I8::input(ctx, Party::Garbler, Some(k1))?.to_word(),
                    U8::input(ctx, Party::Evaluator, Some(k2))?.to_word(),
                    U32::input(ctx, Party::Garbler, Some(p))?.to_word(),
                ])
            })
            .collect::<Result<_, _>>()?;
        secure::sort_rows(&mut table, 2, false)?;
        table
            .iter()
            .map(|r| {
                Ok((
                    r[0].to_sint::<8>()?.reveal(RevealTo::Both)?.unwrap() as i8,
                    r[1].to_uint::<8>()?.reveal(RevealTo::Both)?.unwrap() as u8,
                    r[2].to_uint::<32>()?.reveal(RevealTo::Both)?.unwrap() as u32,
                ))
            })
            .collect::<Result<Vec<_>, Error>>()
    })
    .unwrap();
    // Keys in order; the payloads are a permutation that stays with its key.
    let keys: Vec<(i8, u8)> = out.iter().map(|r| (r.0, r.1)).collect();
    let mut expected_keys: Vec<(i8, u8)> = rows.iter().map(|r| (r.0, r.1)).collect();
    expected_keys.sort();
    assert_eq!(keys, expected_keys);
    let mut a = out.clone();
    let mut b = rows.clone();
    a.sort();
    b.sort();
    assert_eq!(a, b);
}

/// A random straight-line program over 16-bit values: the op codes drawn
/// from `seed`, the inputs `g` (garbler) and `e` (evaluator). Reveals its
/// last three values to both.
fn random_program(
    ctx: &Ctx,
    who: Option<Party>,
    seed: u64,
    g: &[u16],
    e: &[u16],
) -> Result<Vec<Option<u128>>, Error> {
    let mut rng = Rng(seed);
    let mut vals: Vec<U16> = Vec::new();
    for &x in g {
        vals.push(U16::input(
            ctx,
            Party::Garbler,
            own(who, Party::Garbler, x),
        )?);
    }
    for &x in e {
        vals.push(U16::input(
            ctx,
            Party::Evaluator,
            own(who, Party::Evaluator, x),
        )?);
    }
    for _ in 0..40 {
        let i = rng.next() as usize % vals.len();
        let j = rng.next() as usize % vals.len();
        let (a, b) = (&vals[i], &vals[j]);
        let v = match rng.next() % 10 {
            0 => a + b,
            1 => a - b,
            2 => a * b,
            3 => a & b,
            4 => a | b,
            5 => a ^ b,
            6 => a.max(b),
            7 => a.lt(b).select(a, b),
            8 => a.rotl(rng.next() as usize % 16),
            _ => !a,
        };
        // Drop an old value now and then (its wires die).
        if vals.len() > 6 && rng.next().is_multiple_of(2) {
            vals.remove(rng.next() as usize % vals.len());
        }
        vals.push(v);
    }
    vals[vals.len() - 3..]
        .iter()
        .map(|v| v.reveal(RevealTo::Both))
        .collect()
}

#[test]
fn the_four_uses_agree_on_random_programs() {
    let mut rng = Rng(6);
    for seed in 0..12u64 {
        let g: Vec<u16> = (0..2).map(|_| rng.next() as u16).collect();
        let e: Vec<u16> = (0..3).map(|_| rng.next() as u16).collect();
        let plain = secure::plaintext(|ctx| random_program(ctx, None, seed, &g, &e)).unwrap();

        // Garbled, both parties.
        let (gv, ev) = garbled(|ctx, who| random_program(ctx, who, seed, &g, &e));
        assert_eq!(gv.unwrap(), plain, "seed {seed}: garbler");
        assert_eq!(ev.unwrap(), plain, "seed {seed}: evaluator");

        // Counted, and written as Bristol: the file evaluates to the same
        // values with the reference evaluator, and has the counted gates.
        let (_, counts) =
            secure::count(|ctx| random_program(ctx, None, seed, &[0; 2], &[0; 3])).unwrap();
        let path =
            std::env::temp_dir().join(format!("gc2pc-secure-{}-{seed}.txt", std::process::id()));
        let file = std::fs::File::create(&path).unwrap();
        let written: Counts = secure::write_bristol(file, |ctx| {
            random_program(ctx, None, seed, &[0; 2], &[0; 3])
        })
        .unwrap();
        // The writer spends no memory on the AND-depth (count measures it).
        let mut without_depth = counts.clone();
        without_depth.and_depth = 0;
        assert_eq!(written, without_depth);
        let circuit = bristol::read_file(&path).unwrap();
        std::fs::remove_file(&path).ok();
        assert_eq!(circuit.input_sizes(), &[32, 48]);
        assert_eq!(circuit.output_sizes(), &[16, 16, 16]);
        let ands = circuit
            .gates()
            .iter()
            .filter(|g| matches!(g, gc2pc::circuit::Gate::And { .. }))
            .count() as u64;
        assert_eq!(ands, counts.and_gates);
        let bits = |xs: &[u16]| -> Vec<bool> {
            xs.iter()
                .flat_map(|&x| (0..16).map(move |i| x >> i & 1 == 1))
                .collect()
        };
        let outs = circuit.eval(&[bits(&g), bits(&e)]).unwrap();
        let outs: Vec<Option<u128>> = outs
            .iter()
            .map(|o| Some(o.iter().enumerate().map(|(i, &b)| (b as u128) << i).sum()))
            .collect();
        assert_eq!(outs, plain, "seed {seed}: the written circuit");
    }
}

/// A millionaires' comparison whose later steps depend on a revealed value.
fn reveal_then_branch(
    ctx: &Ctx,
    who: Option<Party>,
    x: u64,
    y: u64,
) -> Result<Option<u128>, Error> {
    let a = U64::input(ctx, Party::Garbler, own(who, Party::Garbler, x))?;
    let b = U64::input(ctx, Party::Evaluator, own(who, Party::Evaluator, y))?;
    let richer = a.gt(&b).reveal(RevealTo::Both)?;
    // Both learn who is richer; then the difference, computed the right way
    // round, goes to the garbler only.
    let diff = match richer {
        Some(true) => &a - &b,
        Some(false) => &b - &a,
        None => return Ok(None),
    };
    let c = U128::input(ctx, Party::Evaluator, own(who, Party::Evaluator, 7u128))?;
    let r = diff.resize::<128>() + c;
    r.reveal(RevealTo::Garbler)
}

#[test]
fn reveal_mid_program_and_branch_on_it() {
    for (x, y) in [(10u64, 3u64), (3, 10), (u64::MAX, 0)] {
        let expected = (x.max(y) - x.min(y)) as u128 + 7;
        let plain = secure::plaintext(|ctx| reveal_then_branch(ctx, None, x, y)).unwrap();
        assert_eq!(plain, Some(expected));
        let (g, e) = garbled(|ctx, who| reveal_then_branch(ctx, who, x, y));
        assert_eq!(g.unwrap(), Some(expected));
        assert_eq!(e.unwrap(), None, "the evaluator does not learn it");
    }
}

#[test]
fn different_programs_are_caught() {
    let (g, e) = garbled(|ctx, who| {
        let a = U32::input(ctx, Party::Garbler, own(who, Party::Garbler, 5u32))?;
        let b = U32::input(ctx, Party::Evaluator, own(who, Party::Evaluator, 9u32))?;
        // The two parties compute different things.
        let c = if who == Some(Party::Garbler) {
            &a + &b
        } else {
            &a ^ &b
        };
        c.reveal(RevealTo::Evaluator)
    });
    // The garbler learns nothing here (it may or may not see the
    // evaluator hang up before its last message).
    drop(g);
    match e {
        Err(Error::ProgramMismatch(_)) => {}
        other => panic!("expected a program mismatch, got {other:?}"),
    }
}

#[test]
fn different_program_names_stop_at_the_handshake() {
    let (a, b) = mem::pair();
    let (g, e) = std::thread::scope(|s| {
        let g = s.spawn(|| {
            Session::builder(Party::Garbler)
                .program("auction v1")
                .build()
                .run(a, |_| Ok(()))
        });
        let e = s.spawn(|| {
            Session::builder(Party::Evaluator)
                .program("auction v2")
                .build()
                .run(b, |_| Ok(()))
        });
        (g.join().unwrap(), e.join().unwrap())
    });
    for r in [g, e] {
        let message = r.unwrap_err().to_string();
        assert!(message.contains("disagree"), "{message}");
    }
}

#[test]
fn inputs_are_checked() {
    // A value too wide for its type.
    let err = secure::plaintext(|ctx| U8::input(ctx, Party::Garbler, Some(300u32)).map(drop))
        .unwrap_err();
    assert!(err.to_string().contains("does not fit in a 8-bit"), "{err}");
    let err = secure::plaintext(|ctx| I8::input(ctx, Party::Garbler, Some(-129i32)).map(drop))
        .unwrap_err();
    assert!(matches!(err, Error::TooWide { .. }), "{err}");
    // A party that owns an input must give it.
    let (g, _) = garbled(|ctx, _| U32::input(ctx, Party::Garbler, None::<u32>).map(drop));
    assert!(matches!(g, Err(Error::MissingInput("garbler"))), "{g:?}");
    // Bytes: little-endian, exactly N / 8 of them.
    let v = secure::plaintext(|ctx| {
        U32::input_bytes(ctx, Party::Garbler, Some(&[1, 2, 3, 4]))?.reveal_bytes(RevealTo::Both)
    })
    .unwrap();
    assert_eq!(v, Some(vec![1, 2, 3, 4]));
    let v = secure::plaintext(|ctx| {
        U32::input_bytes(ctx, Party::Garbler, Some(&[1, 2, 3, 4]))?.reveal(RevealTo::Both)
    })
    .unwrap();
    assert_eq!(v, Some(0x0403_0201));
    assert!(
        secure::plaintext(|ctx| U32::input_bytes(ctx, Party::Garbler, Some(&[1])).map(drop))
            .is_err()
    );
    // A 32-bit signed constant.
    let v = secure::plaintext(|ctx| I32::constant(ctx, -5)?.reveal(RevealTo::Both)).unwrap();
    assert_eq!(v, Some(-5));
}

/// Hundreds of thousands of gates: many windows, with values that die in
/// the window that last reads them and in later ones.
fn long_program(
    ctx: &Ctx,
    who: Option<Party>,
    xs: &[u64],
    ys: &[u64],
) -> Result<Vec<Option<u128>>, Error> {
    let a: Vec<U64> = xs
        .iter()
        .map(|&x| U64::input(ctx, Party::Garbler, own(who, Party::Garbler, x)))
        .collect::<Result<_, _>>()?;
    let b: Vec<U64> = ys
        .iter()
        .map(|&y| U64::input(ctx, Party::Evaluator, own(who, Party::Evaluator, y)))
        .collect::<Result<_, _>>()?;
    // Σ a_i·b_i, and the largest product, kept across windows.
    let mut acc = U64::constant(ctx, 0)?;
    let mut best = U64::constant(ctx, 0)?;
    let mut early = None;
    for (i, (x, y)) in a.iter().zip(&b).enumerate() {
        let p = x * y;
        acc = &acc + &p;
        best = best.max(&p);
        if i == 3 {
            // Revealed mid-way: the evaluator learns a partial sum.
            early = acc.reveal(RevealTo::Evaluator)?;
        }
    }
    let mut out = vec![
        early,
        acc.reveal(RevealTo::Both)?,
        best.reveal(RevealTo::Garbler)?,
    ];
    // A sort of the inputs, read back.
    let mut all: Vec<U64> = a.into_iter().chain(b).collect();
    secure::sort(&mut all, false);
    for v in &all {
        out.push(v.reveal(RevealTo::Both)?);
    }
    Ok(out)
}

#[test]
fn long_programs_span_many_windows() {
    let mut rng = Rng(7);
    let xs: Vec<u64> = (0..40).map(|_| rng.next()).collect();
    let ys: Vec<u64> = (0..40).map(|_| rng.next()).collect();
    let (_, counts) = secure::count(|ctx| long_program(ctx, None, &[0; 40], &[0; 40])).unwrap();
    let gates = counts.and_gates + counts.xor_gates + counts.inv_gates;
    assert!(gates > 20 * (1 << 15), "{gates} gates: too few windows");
    let plain = secure::plaintext(|ctx| long_program(ctx, None, &xs, &ys)).unwrap();
    // Checked against Rust arithmetic.
    let products: Vec<u64> = xs
        .iter()
        .zip(&ys)
        .map(|(x, y)| x.wrapping_mul(*y))
        .collect();
    let partial = products[..4].iter().fold(0u64, |s, p| s.wrapping_add(*p));
    let total = products.iter().fold(0u64, |s, p| s.wrapping_add(*p));
    let mut sorted: Vec<u64> = xs.iter().chain(&ys).copied().collect();
    sorted.sort();
    let mut expected = vec![
        Some(partial as u128),
        Some(total as u128),
        Some(*products.iter().max().unwrap() as u128),
    ];
    expected.extend(sorted.iter().map(|&v| Some(v as u128)));
    assert_eq!(plain, expected);
    let (g, e) = garbled(|ctx, who| long_program(ctx, who, &xs, &ys));
    let (g, e) = (g.unwrap(), e.unwrap());
    assert_eq!(e[0], expected[0]);
    assert_eq!(g[0], None);
    assert_eq!(e[2], None);
    assert_eq!(g[2], expected[2]);
    assert_eq!(g[1], expected[1]);
    assert_eq!(e[1], expected[1]);
    assert_eq!(g[3..], expected[3..]);
    assert_eq!(e[3..], expected[3..]);
}

#[test]
fn a_generated_circuit_runs_garbled_without_a_file() {
    use gc2pc::secure::circuits::Generator;
    // The and-heavy circuit of `gc2pc circuit gen` (5 lanes of 32 bits) in a
    // two-party session: the evaluator's output is the integer formula.
    let heavy = Generator::AndHeavy {
        ands: 5 * 993,
        width: 32,
    };
    let (a, y) = (0xdead_beefu32, 0x1234_5678u32);
    let bits = |x: u32| -> Vec<bool> { (0..32).map(|i| x >> i & 1 == 1).collect() };
    let mut expected = 0u32;
    for k in 0..5u32 {
        expected ^= (a ^ y.rotate_left(k) ^ k).wrapping_mul(y);
    }
    for scheme in gc2pc::garble::Scheme::ALL {
        let (g, e) = secure::run_local_with(scheme, gc2pc::aes::Engine::best(), |ctx, party| {
            let (ba, by) = (bits(a), bits(y));
            match party {
                Party::Garbler => heavy.run(ctx, Some(&ba), None),
                _ => heavy.run(ctx, None, Some(&by)),
            }
        })
        .unwrap();
        assert_eq!(g, vec![None], "{scheme}");
        assert_eq!(e, vec![Some(bits(expected))], "{scheme}");
    }
    let (_, counts) = secure::count(|ctx| heavy.run(ctx, None, None)).unwrap();
    assert_eq!(counts.and_gates, 5 * 993);
    assert_eq!(counts.and_depth, 31);
}

#[test]
fn garble_program_smoke() {
    use gc2pc::secure::garble::GarbleProgram;
    let p = GarbleProgram::compile("pub fn main(x: u8, y: u8) -> u8 {\n    x + y\n}\n").unwrap();
    assert_eq!(p.eval_plain("3u8", "4u8").unwrap(), "7");
    let err = p.eval_plain("200u8", "100u8").unwrap_err().to_string();
    assert!(err.contains("Overflow at line 2"), "{err}");
}

#[test]
fn inputs_in_one_piece() {
    let xs: Vec<u16> = (0..300).map(|i| (i * 7919 % 65536) as u16).collect();
    let program = |ctx: &Ctx, who: Option<Party>| -> Result<Option<Vec<u128>>, Error> {
        let a = U16::input_all(
            ctx,
            Party::Evaluator,
            xs.len(),
            own(who, Party::Evaluator, &xs[..]),
        )?;
        let b = U16::input_all(
            ctx,
            Party::Garbler,
            2,
            own(who, Party::Garbler, &[1u16, 2][..]),
        )?;
        let mut v: Vec<U16> = a.iter().map(|x| x + &b[1]).collect();
        secure::sort(&mut v, true);
        U16::reveal_all(&v, RevealTo::Both)
    };
    let mut expected: Vec<u128> = xs.iter().map(|&x| x.wrapping_add(2) as u128).collect();
    expected.sort_by(|a, b| b.cmp(a));
    assert_eq!(
        secure::plaintext(|ctx| program(ctx, None)).unwrap(),
        Some(expected.clone())
    );
    let (g, e) = garbled(program);
    assert_eq!(g.unwrap(), Some(expected.clone()));
    assert_eq!(e.unwrap(), Some(expected));
    // The wrong number of values, or one too wide.
    let err = secure::plaintext(|ctx| {
        U8::input_all(ctx, Party::Garbler, 3, Some(&[1u8, 2][..])).map(drop)
    })
    .unwrap_err();
    assert!(matches!(err, Error::Shape(_)), "{err}");
    let err = secure::plaintext(|ctx| {
        UInt::<4>::input_all(ctx, Party::Garbler, 2, Some(&[1u8, 16][..])).map(drop)
    })
    .unwrap_err();
    assert!(matches!(err, Error::TooWide { .. }), "{err}");
}

#[test]
fn a_program_runs_garbled_on_every_aes_backend() {
    use gc2pc::aes::Engine;
    use gc2pc::hash::HashKind;
    for backend in Engine::all() {
        for hash in [HashKind::Tccr, HashKind::Mitccrh] {
            let (a, b) = mem::pair();
            let program = |ctx: &Ctx, who: Option<Party>| -> Result<Option<u128>, Error> {
                let x = U32::input(ctx, Party::Garbler, own(who, Party::Garbler, 123_456u32))?;
                let y = U32::input(ctx, Party::Evaluator, own(who, Party::Evaluator, 789u32))?;
                (&(&x * &y) + &x.max(&y)).reveal(RevealTo::Both)
            };
            let (g, e) = std::thread::scope(|s| {
                let g = s.spawn(|| {
                    Session::builder(Party::Garbler)
                        .aes(backend)
                        .hash(hash)
                        .build()
                        .run(a, |ctx| program(ctx, Some(Party::Garbler)))
                });
                let e = Session::builder(Party::Evaluator)
                    .aes(backend)
                    .hash(hash)
                    .build()
                    .run(b, |ctx| program(ctx, Some(Party::Evaluator)));
                (g.join().unwrap(), e)
            });
            let expected = Some((123_456u32.wrapping_mul(789).wrapping_add(123_456)) as u128);
            assert_eq!(g.unwrap(), expected, "{backend:?} {hash:?}");
            assert_eq!(e.unwrap(), expected, "{backend:?} {hash:?}");
        }
    }
}

#[test]
fn a_peer_that_stops_mid_program_fails_the_other_side_quickly() {
    use std::time::{Duration, Instant};
    // Each side in turn gives up after a few windows (its program returns an
    // error, which drops the connection); the other must fail at once, with
    // a connection error, not wait for its timeout.
    for quitter in [Party::Garbler, Party::Evaluator] {
        let (a, b) = mem::pair();
        let program = |ctx: &Ctx, me: Party| -> Result<Option<u128>, Error> {
            let x = U64::input(ctx, Party::Garbler, (me == Party::Garbler).then_some(3u64))?;
            let y = U64::input(
                ctx,
                Party::Evaluator,
                (me == Party::Evaluator).then_some(5u64),
            )?;
            let mut acc = &x * &y;
            for i in 0..40 {
                acc = &(&acc * &y) + &x;
                if i == 20 && me == quitter {
                    return Err(Error::Shape("this party gives up".into()));
                }
            }
            acc.reveal(RevealTo::Both)
        };
        let start = Instant::now();
        let (g, e) = std::thread::scope(|s| {
            let g = s.spawn(|| {
                Session::builder(Party::Garbler)
                    .timeout(Duration::from_secs(30))
                    .build()
                    .run(a, |ctx| program(ctx, Party::Garbler))
            });
            let e = Session::builder(Party::Evaluator)
                .timeout(Duration::from_secs(30))
                .build()
                .run(b, |ctx| program(ctx, Party::Evaluator));
            (g.join().unwrap(), e)
        });
        let (quit, other) = match quitter {
            Party::Garbler => (g, e),
            Party::Evaluator => (e, g),
        };
        assert!(matches!(quit, Err(Error::Shape(_))), "{quit:?}");
        assert!(matches!(other, Err(Error::Protocol(_))), "{other:?}");
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "{:?}",
            start.elapsed()
        );
    }
}
