//! Every circuit and known-answer vector of circuits-ref, garbled and evaluated
//! on every AES backend this machine has, with both hash constructions and
//! both garbling schemes.

mod common;

use gc2pc::aes::Engine;
use gc2pc::block::Block;
use gc2pc::circuit::Plan;
use gc2pc::garble::Scheme;
use gc2pc::hash::HashKind;
use gc2pc::prg::Prg;

/// Garbles `plan` on `inputs` (bits per group) and returns the decoded outputs
/// split into groups of `output_sizes`.
fn garbled_eval(
    plan: &Plan,
    output_sizes: &[u32],
    inputs: &[Vec<bool>],
    kind: HashKind,
    scheme: Scheme,
    backend: Engine,
    prg: &mut Prg,
) -> Vec<Vec<bool>> {
    let flat = common::garble_and_evaluate(plan, (scheme, kind, backend), &inputs.concat(), prg);
    let mut groups = Vec::new();
    let mut rest = &flat[..];
    for &size in output_sizes {
        let (head, tail) = rest.split_at(size as usize);
        groups.push(head.to_vec());
        rest = tail;
    }
    groups
}

#[test]
fn all_reference_vectors_garbled_on_every_backend_hash_and_scheme() {
    let mut prg = Prg::new(Block::new(0x6763_3270_6320_7465_7374));
    let mut checked = 0;
    for reference in common::reference_circuits() {
        let circuit = reference.load();
        let plan = Plan::new(&circuit);
        assert_eq!(plan.and_count(), reference.and_gates, "{}", reference.name);
        assert_eq!(
            circuit.and_depth(),
            reference.and_depth,
            "{}",
            reference.name
        );
        for backend in Engine::all() {
            for kind in [HashKind::Mitccrh, HashKind::Tccr] {
                for scheme in Scheme::ALL {
                    // Every vector on the default hash of the best backend;
                    // the first two elsewhere, to keep the suite fast on slow
                    // backends.
                    let all = backend == Engine::best() && kind == HashKind::default();
                    let count = if all { reference.vectors.len() } else { 2 };
                    for vector in reference.vectors.iter().take(count) {
                        let out = garbled_eval(
                            &plan,
                            circuit.output_sizes(),
                            &vector.inputs,
                            kind,
                            scheme,
                            backend,
                            &mut prg,
                        );
                        assert_eq!(
                            out,
                            vector.outputs,
                            "{} / {} on {} with {:?}, {scheme}",
                            reference.name,
                            vector.name,
                            backend.name(),
                            kind
                        );
                        checked += 1;
                    }
                }
            }
        }
    }
    assert!(checked >= 840, "checked only {checked} vectors");
}
