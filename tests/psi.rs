//! Private set intersection: the library program against a `HashSet` (sizes
//! equal and different, empty, padded, cardinality), and `gc2pc psi`
//! between two processes on ID files and CSV columns, with bad files.

mod common;

use gc2pc::net::mem;
use gc2pc::secure::psi::{self, PsiOutput};
use gc2pc::secure::{Party, Session};
use std::collections::HashSet;

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

/// Runs the PSI program on two ID lists (padded to `pad`), garbled over an
/// in-memory channel: (garbler's output, evaluator's output, the evaluator's
/// ids in key order).
fn run(
    g: &[String],
    e: &[String],
    pad: Option<(usize, usize)>,
    cardinality: bool,
) -> (PsiOutput, PsiOutput, Vec<usize>) {
    let (pg, pe) = pad.unwrap_or((g.len(), e.len()));
    let width = psi::key_width(pg, pe);
    let (gk, _) = psi::sorted_keys(g, width, pg, Party::Garbler).unwrap();
    let (ek, e_index) = psi::sorted_keys(e, width, pe, Party::Evaluator).unwrap();
    let (a, b) = mem::pair();
    let (go, eo) = std::thread::scope(|s| {
        let go = s.spawn(|| {
            Session::builder(Party::Garbler).build().run(a, |ctx| {
                psi::intersect(ctx, Party::Garbler, &gk, pg, pe, width + 1, cardinality)
            })
        });
        let eo = Session::builder(Party::Evaluator).build().run(b, |ctx| {
            psi::intersect(ctx, Party::Evaluator, &ek, pg, pe, width + 1, cardinality)
        });
        (go.join().unwrap().unwrap(), eo.unwrap())
    });
    (go, eo, e_index)
}

fn ids(rng: &mut Rng, n: usize, universe: u64) -> Vec<String> {
    let mut set = HashSet::new();
    while set.len() < n {
        set.insert(format!("patient-{}", rng.next() % universe));
    }
    set.into_iter().collect()
}

#[test]
fn intersections_match_a_hash_set() {
    let mut rng = Rng(11);
    for (n, m) in [
        (1, 1),
        (5, 9),
        (16, 16),
        (33, 7),
        (0, 4),
        (4, 0),
        (0, 0),
        (100, 120),
    ] {
        let g = ids(&mut rng, n, 150);
        let e = ids(&mut rng, m, 150);
        let expected: HashSet<&String> = g
            .iter()
            .collect::<HashSet<_>>()
            .intersection(&e.iter().collect())
            .copied()
            .collect();
        for pad in [None, Some((n + 3, m + 5))] {
            let (go, eo, index) = run(&g, &e, pad, false);
            assert_eq!(go, PsiOutput::Nothing);
            let PsiOutput::Members(members) = eo else {
                panic!("{eo:?}")
            };
            let found: HashSet<&String> = members
                .iter()
                .zip(index.iter().map(Some).chain(std::iter::repeat(None)))
                .filter(|(m, _)| **m)
                .map(|(_, i)| &e[*i.expect("a padding key never matches")])
                .collect();
            assert_eq!(found, expected, "n={n} m={m} pad={pad:?}");
            let (_, count, _) = run(&g, &e, pad, true);
            assert_eq!(
                count,
                PsiOutput::Cardinality(expected.len() as u64),
                "n={n} m={m}"
            );
        }
    }
}
