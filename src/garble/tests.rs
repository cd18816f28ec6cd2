//! Unit tests of the half-gates kernels against the plan's plaintext evaluation.

use super::*;
use crate::aes::Engine;
use crate::circuit::{Circuit, Format, Gate};
use crate::hash::HashKind;
use crate::prg::Prg;

/// Δ, a hash seed, the zero labels of the inputs and the active labels for
/// `bits`, all from `seed`.
fn labels_for(bits: &[bool], seed: u128) -> (Delta, Block, Vec<Block>, Vec<Block>) {
    let mut prg = Prg::new(Block(seed));
    let delta = prg.random_delta();
    let hash_seed = prg.random_block();
    let zero: Vec<Block> = (0..bits.len()).map(|_| prg.random_block()).collect();
    let active: Vec<Block> = zero
        .iter()
        .zip(bits)
        .map(|(&l, &b)| l ^ delta.block().select(b))
        .collect();
    (delta, hash_seed, zero, active)
}

/// The blocks a garbler sends for `and_gates` AND gates under `scheme`,
/// counted from the scheme's definition: half-gates two blocks a gate;
/// three-halves, per chunk of up to `TABLE_CHUNK_GATES` gates, three
/// 8-byte halves and five bits a gate, each part rounded up to whole blocks.
fn expected_blocks(scheme: Scheme, and_gates: usize) -> usize {
    let chunk_blocks = |n: usize| match scheme {
        Scheme::HalfGates => 2 * n,
        _ => (24 * n).div_ceil(16) + (5 * n).div_ceil(128),
    };
    let full = and_gates / TABLE_CHUNK_GATES;
    full * chunk_blocks(TABLE_CHUNK_GATES) + chunk_blocks(and_gates % TABLE_CHUNK_GATES)
}

/// How a test garbles: the scheme, the hash and the AES backend.
#[derive(Clone, Copy, Debug)]
struct How {
    scheme: Scheme,
    kind: HashKind,
    backend: Engine,
}

/// Garbles and evaluates `plan` as `how` says on `bits` (one per input
/// wire) and decodes; also checks the table count.
fn run_scheme(plan: &Plan, how: How, bits: &[bool], seed: u128) -> Vec<bool> {
    let How {
        scheme,
        kind,
        backend,
    } = how;
    let (delta, hash_seed, zero, active) = labels_for(bits, seed);
    let mut garbler = Garbler::new(plan, TweakableHash::new(kind, backend, hash_seed), delta)
        .with_scheme(scheme, &mut Prg::new(Block(seed ^ 0x5eed)));
    let mut tables = Vec::new();
    let out_zero = garbler.garble(&zero, &mut tables).unwrap();
    assert_eq!(tables.len(), expected_blocks(scheme, plan.and_count()));
    let mut evaluator =
        Evaluator::new(plan, TweakableHash::new(kind, backend, hash_seed)).with_scheme(scheme);
    let out = evaluator
        .evaluate(&active, &mut SliceSource::new(&tables))
        .unwrap();
    decode(&out, &decoding_bits(&out_zero)).unwrap()
}

fn all_gate_kinds() -> Circuit {
    // inputs 0,1 | 2,3; outputs 9..=12
    let gates = vec![
        Gate::And { a: 0, b: 2, out: 4 },
        Gate::Xor { a: 1, b: 3, out: 5 },
        Gate::Inv { a: 4, out: 6 },
        Gate::Eq {
            value: true,
            out: 7,
        },
        Gate::EqW { a: 5, out: 8 },
        Gate::And { a: 6, b: 7, out: 9 },
        Gate::And {
            a: 8,
            b: 1,
            out: 10,
        },
        Gate::Xor {
            a: 9,
            b: 10,
            out: 11,
        },
        Gate::Eq {
            value: false,
            out: 12,
        },
    ];
    Circuit::new(13, vec![2, 2], vec![4], gates, Format::BristolFashion).unwrap()
}

#[test]
fn every_gate_kind_on_every_input_backend_and_hash() {
    let plan = Plan::new(&all_gate_kinds());
    for backend in Engine::all() {
        for kind in [HashKind::Mitccrh, HashKind::Tccr] {
            for scheme in Scheme::ALL {
                for x in 0..16u32 {
                    let bits: Vec<bool> = (0..4).map(|i| x >> i & 1 == 1).collect();
                    let expected = plan.eval_bits(&bits);
                    let (x0, x1, y0, y1) = (bits[0], bits[1], bits[2], bits[3]);
                    let w9 = !(x0 & y0);
                    let w10 = (x1 ^ y1) & x1;
                    assert_eq!(expected, vec![w9, w10, w9 ^ w10, false]);
                    let how = How {
                        scheme,
                        kind,
                        backend,
                    };
                    let got = run_scheme(&plan, how, &bits, x as u128 + 1);
                    assert_eq!(got, expected, "{backend:?} {kind:?} {scheme}");
                }
            }
        }
    }
}

/// A wide, deep circuit so runs are longer than a batch and tables span
/// several chunks (a batch straddles a chunk boundary).
#[test]
fn many_chunks_and_straddling_batches() {
    let (c, lanes) = three_wide_layers();
    let plan = Plan::new(&c);
    assert_eq!(plan.and_count(), 9000);
    let mut prg = Prg::new(Block(7));
    let bits: Vec<bool> = (0..2 * lanes).map(|_| prg.random_block().lsb()).collect();
    let expected = plan.eval_bits(&bits);
    for scheme in Scheme::ALL {
        assert_eq!(
            run_scheme(
                &plan,
                How {
                    scheme,
                    kind: HashKind::default(),
                    backend: Engine::best(),
                },
                &bits,
                99
            ),
            expected,
            "{scheme}"
        );
    }
}

/// Three layers of 3000 ANDs, each followed by an XOR: runs and chunks of
/// odd lengths, so no batch or kernel group lines up with a chunk. Returns
/// the circuit and its lane count (two input groups of that width).
fn three_wide_layers() -> (Circuit, u32) {
    let lanes = 3000u32;
    let mut gates = Vec::new();
    let mut next = 2 * lanes;
    let mut layer: Vec<u32> = (0..lanes).collect();
    for round in 0..3 {
        let mut new_layer = Vec::new();
        for (i, &w) in layer.iter().enumerate() {
            let other = lanes + ((i as u32 + round) % lanes);
            gates.push(Gate::And {
                a: w,
                b: other,
                out: next,
            });
            gates.push(Gate::Xor {
                a: next,
                b: other,
                out: next + 1,
            });
            new_layer.push(next + 1);
            next += 2;
        }
        layer = new_layer;
    }
    // copy the last layer to the output wires at the end
    for &w in &layer {
        gates.push(Gate::EqW { a: w, out: next });
        next += 1;
    }
    let c = Circuit::new(
        next as u64,
        vec![lanes, lanes],
        vec![lanes],
        gates,
        Format::BristolFashion,
    )
    .unwrap();
    (c, lanes)
}

/// Tables and output labels of two garblings in a row (fresh tweaks), and
/// the evaluator's output labels on them, for one backend.
fn garble_twice(plan: &Plan, scheme: Scheme, kind: HashKind, backend: Engine) -> Vec<Vec<Block>> {
    let mut prg = Prg::new(Block(5));
    let delta = prg.random_delta();
    let seed = prg.random_block();
    let zero: Vec<Block> = (0..plan.num_inputs()).map(|_| prg.random_block()).collect();
    let active: Vec<Block> = zero
        .iter()
        .map(|&l| l ^ delta.block().select(prg.random_block().lsb()))
        .collect();
    let mut garbler = Garbler::new(plan, TweakableHash::new(kind, backend, seed), delta)
        .with_scheme(scheme, &mut Prg::new(Block(6)));
    let mut evaluator =
        Evaluator::new(plan, TweakableHash::new(kind, backend, seed)).with_scheme(scheme);
    let mut seen = Vec::new();
    for _ in 0..2 {
        let mut tables = Vec::new();
        seen.push(garbler.garble(&zero, &mut tables).unwrap());
        let source = &mut SliceSource::new(&tables);
        seen.push(evaluator.evaluate(&active, source).unwrap());
        seen.push(tables);
    }
    seen
}

#[test]
fn every_backend_garbles_and_evaluates_the_same_bytes() {
    // The fused x86 kernels (TCCR on AES-NI and VAES) against the generic
    // batched path, which the portable backend always takes.
    let (wide, _) = three_wide_layers();
    for circuit in [all_gate_kinds(), wide] {
        let plan = Plan::new(&circuit);
        for kind in [HashKind::Tccr, HashKind::Mitccrh] {
            for scheme in Scheme::ALL {
                let expected = garble_twice(&plan, scheme, kind, Engine::baseline());
                for backend in Engine::all() {
                    let got = garble_twice(&plan, scheme, kind, backend);
                    assert!(
                        got == expected,
                        "{backend:?} {kind:?} {scheme} differs from portable"
                    );
                }
            }
        }
    }
}

#[test]
fn repeated_garbling_uses_fresh_tweaks_and_stays_correct() {
    let plan = Plan::new(&all_gate_kinds());
    let mut prg = Prg::new(Block(3));
    let delta = prg.random_delta();
    let seed = prg.random_block();
    let hash = TweakableHash::new(HashKind::default(), Engine::best(), seed);
    let mut garbler = Garbler::new(&plan, hash.clone(), delta.clone());
    let mut evaluator = Evaluator::new(&plan, hash);
    let mut first_tables = Vec::new();
    for x in 0..16u32 {
        let bits: Vec<bool> = (0..4).map(|i| x >> i & 1 == 1).collect();
        let zero: Vec<Block> = (0..4).map(|_| prg.random_block()).collect();
        let active: Vec<Block> = zero
            .iter()
            .zip(&bits)
            .map(|(&l, &b)| l ^ delta.block().select(b))
            .collect();
        let mut tables = Vec::new();
        let out_zero = garbler.garble(&zero, &mut tables).unwrap();
        let out = evaluator
            .evaluate(&active, &mut SliceSource::new(&tables))
            .unwrap();
        assert_eq!(
            decode(&out, &decoding_bits(&out_zero)).unwrap(),
            plan.eval_bits(&bits)
        );
        if x == 0 {
            first_tables = tables;
        } else {
            assert_ne!(tables, first_tables);
        }
    }
}

#[test]
fn wrong_input_count_and_short_tables_are_errors() {
    let plan = Plan::new(&all_gate_kinds());
    let hash = TweakableHash::new(HashKind::default(), Engine::best(), Block(1));
    let mut garbler = Garbler::new(&plan, hash.clone(), Delta::new(Block(5)));
    assert_eq!(
        garbler.garble(&[Block::ZERO; 3], &mut DiscardSink),
        Err(GarbleError::InputCount {
            expected: 4,
            got: 3
        })
    );
    let mut evaluator = Evaluator::new(&plan, hash.clone());
    let short = [Block::ZERO; 3];
    assert_eq!(
        evaluator.evaluate(&[Block::ZERO; 4], &mut SliceSource::new(&short)),
        Err(GarbleError::Tables(TablesExhausted))
    );
    // A source that breaks the contract and lends a shorter chunk than asked.
    struct ShortChunks;
    impl TableSource for ShortChunks {
        type Error = core::convert::Infallible;
        fn next_tables(&mut self, len: usize) -> Result<&[Block], Self::Error> {
            Ok(&[Block::ZERO; 1][..len.min(1)])
        }
    }
    let expected = 2 * plan.and_count().min(TABLE_CHUNK_GATES);
    assert_eq!(
        evaluator.evaluate(&[Block::ZERO; 4], &mut ShortChunks),
        Err(GarbleError::ChunkLength { expected, got: 1 })
    );
    // Tables of the other scheme: a three-halves evaluator asks for fewer
    // blocks than half-gates sent, so the chunk does not end where it must.
    let mut tables = Vec::new();
    let wide = Plan::new(&three_wide_layers().0);
    let zero = vec![Block(3); wide.num_inputs()];
    Garbler::new(&wide, hash.clone(), Delta::new(Block(5)))
        .garble(&zero, &mut tables)
        .unwrap();
    let mut evaluator = Evaluator::new(&wide, hash).with_scheme(Scheme::ThreeHalves);
    let r = evaluator.evaluate(&zero, &mut SliceSource::new(&tables));
    assert!(
        r.is_ok() || matches!(r, Err(GarbleError::Tables(_))),
        "{r:?}"
    );
}

/// The scalar half-gates AND gate on every truth-table row, for every pair
/// of permute bits: the evaluator gets `C0 ⊕ ab·Δ` (a keyed AES stands in
/// for the hash; correctness holds for any function).
#[test]
fn half_gate_truth_table_all_cases() {
    let mut prg = Prg::new(Block(17));
    for trial in 0..64u32 {
        let delta = prg.random_delta().block();
        let a0 = Block(prg.random_block().0 & !1 | (trial & 1) as u128);
        let b0 = Block(prg.random_block().0 & !1 | ((trial >> 1) & 1) as u128);
        let aes = crate::aes::Aes128::new(prg.random_block());
        let hash = |x: Block, t: u64| aes.encrypt_block(x ^ Block(t as u128));
        let h = [
            hash(a0, 0),
            hash(a0 ^ delta, 0),
            hash(b0, 1),
            hash(b0 ^ delta, 1),
        ];
        let (c0, tables) = half_gate(a0, b0, delta, &h);
        for a in [false, true] {
            for b in [false, true] {
                let (x, y) = (a0 ^ delta.select(a), b0 ^ delta.select(b));
                let c = half_gate_evaluate(x, y, &[hash(x, 0), hash(y, 1)], &tables);
                assert_eq!(c, c0 ^ delta.select(a && b), "trial {trial} a {a} b {b}");
            }
        }
    }
}

#[test]
fn decoding_needs_one_bit_per_label() {
    let labels = [Block(1), Block(2), Block(3)];
    assert_eq!(
        decode(&labels, &[true, false, true]),
        Ok(vec![false, false, false])
    );
    assert_eq!(
        decode(&labels, &[true, false]),
        Err(DecodeLengths { labels: 3, bits: 2 })
    );
    assert_eq!(
        decode(&labels[..1], &[true, false]),
        Err(DecodeLengths { labels: 1, bits: 2 })
    );
}

#[test]
fn secrets_do_not_show_in_debug() {
    let plan = Plan::new(&all_gate_kinds());
    let hash = TweakableHash::new(HashKind::default(), Engine::best(), Block(1));
    let garbler = Garbler::new(&plan, hash, Delta::new(Block(5)));
    assert_eq!(format!("{garbler:?}"), "Garbler(<secret>)");
}

/// Garbles and evaluates `circuit` as a stream of planned windows on `bits`
/// and decodes; also checks the table count.
fn run_stream(circuit: &Circuit, how: How, bits: &[bool], seed: u128) -> Vec<bool> {
    use crate::circuit::stream::CircuitStream;
    let How {
        scheme,
        kind,
        backend,
    } = how;
    let (delta, hash_seed, zero, active) = labels_for(bits, seed);
    let mut garbler = Garbler::streaming(TweakableHash::new(kind, backend, hash_seed), delta)
        .with_scheme(scheme, &mut Prg::new(Block(seed)));
    let mut tables = Vec::new();
    let out_zero = garbler
        .garble_stream(&zero, &mut CircuitStream::new(circuit), &mut tables)
        .unwrap();
    assert_eq!(tables.len(), expected_blocks(scheme, circuit.and_count()));
    let mut evaluator =
        Evaluator::streaming(TweakableHash::new(kind, backend, hash_seed)).with_scheme(scheme);
    let out = evaluator
        .evaluate_stream(
            &active,
            circuit.and_count(),
            &mut CircuitStream::new(circuit),
            &mut SliceSource::new(&tables),
        )
        .unwrap();
    decode(&out, &decoding_bits(&out_zero)).unwrap()
}

#[test]
fn streamed_garbling_matches_plaintext_on_every_backend_and_hash() {
    let mut circuits = vec![
        all_gate_kinds(),
        crate::secure::circuits::and_heavy(100_000),
    ];
    for path in [
        "circuits/psi_sort_64x32.txt",
        "circuits/reference/bristol_fashion/aes_128.txt",
    ] {
        let full = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
        circuits.push(crate::circuit::bristol::read_file(&full).unwrap());
    }
    let mut prg = Prg::new(Block(31));
    for circuit in &circuits {
        let bits: Vec<bool> = (0..circuit.total_inputs())
            .map(|_| prg.random_block().lsb())
            .collect();
        let mut groups = Vec::new();
        let mut rest = &bits[..];
        for &n in circuit.input_sizes() {
            let (head, tail) = rest.split_at(n as usize);
            groups.push(head.to_vec());
            rest = tail;
        }
        let want: Vec<bool> = circuit.eval(&groups).unwrap().concat();
        for backend in Engine::all() {
            for kind in [HashKind::Tccr, HashKind::Mitccrh] {
                for scheme in Scheme::ALL {
                    assert_eq!(
                        run_stream(
                            circuit,
                            How {
                                scheme,
                                kind,
                                backend
                            },
                            &bits,
                            7
                        ),
                        want,
                        "{backend:?} {kind:?} {scheme}"
                    );
                }
            }
        }
    }
}

#[test]
fn a_stream_with_other_and_counts_than_agreed_is_an_error() {
    use crate::circuit::stream::CircuitStream;
    let circuit = all_gate_kinds();
    let mut prg = Prg::new(Block(3));
    let delta = prg.random_delta();
    let hash = || TweakableHash::new(HashKind::Tccr, Engine::baseline(), Block(9));
    let zero = vec![Block(1); 4];
    let mut tables = Vec::new();
    Garbler::streaming(hash(), delta)
        .garble_stream(&zero, &mut CircuitStream::new(&circuit), &mut tables)
        .unwrap();
    for agreed in [circuit.and_count() - 1, circuit.and_count() + 1] {
        let r = Evaluator::streaming(hash()).evaluate_stream(
            &zero,
            agreed,
            &mut CircuitStream::new(&circuit),
            &mut SliceSource::new(&tables),
        );
        // Fewer agreed: the stream has an AND gate too many. More agreed: the
        // evaluator expects a longer chunk than the garbler sent.
        assert!(
            matches!(r, Err(GarbleError::Source(_) | GarbleError::Tables(_))),
            "{agreed}: {r:?}"
        );
    }
}

#[test]
fn a_plan_garbler_and_a_stream_evaluator_interoperate() {
    // The stream plans each window exactly as `Plan` does (same order of AND
    // gates, so the same tweaks and tables): either party may stream.
    use crate::circuit::stream::CircuitStream;
    let circuit = crate::secure::circuits::and_heavy(80_000);
    let plan = Plan::new(&circuit);
    let bits: Vec<bool> = (0..circuit.total_inputs()).map(|i| i % 5 < 2).collect();
    let (delta, hash_seed, zero, active) = labels_for(&bits, 12);
    let hash = || TweakableHash::new(HashKind::Tccr, Engine::best(), hash_seed);
    let mut tables = Vec::new();
    let out_zero = Garbler::new(&plan, hash(), delta)
        .garble(&zero, &mut tables)
        .unwrap();
    let out = Evaluator::streaming(hash())
        .evaluate_stream(
            &active,
            circuit.and_count(),
            &mut CircuitStream::new(&circuit),
            &mut SliceSource::new(&tables),
        )
        .unwrap();
    let groups = vec![bits[..32].to_vec(), bits[32..].to_vec()];
    assert_eq!(
        decode(&out, &decoding_bits(&out_zero)).unwrap(),
        circuit.eval(&groups).unwrap().concat()
    );
}
