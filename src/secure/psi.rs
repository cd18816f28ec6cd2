//! Private set intersection of identifier sets, as a secure program: what
//! `gc2pc psi` runs.
//!
//! Each party hashes its identifiers to `k`-bit keys (SHA-256, truncated),
//! removes duplicates and sorts them locally; the set sizes are public (the
//! handshake exchanges them, padded with `--pad-to`). The program is the
//! sort–compare design of Huang, Evans and Katz ("Private Set Intersection:
//! Are Garbled Circuits Better than Custom Protocols?", NDSS 2012) with the
//! shuffle replaced by routing: the two sorted lists are merged with
//! Batcher's bitonic merger (Batcher, AFIPS 1968), neighbours are compared
//! (equal keys sit side by side: one in each set), and each match flag is
//! routed back to its element's original position by running the merger's
//! own swaps in reverse (the swap bits stay secret, so the route reveals
//! nothing). The evaluator learns, for each of its keys, whether the garbler
//! holds it — exactly the intersection — and the garbler learns nothing.
//! With `cardinality`, only the number of matches is revealed.
//!
//! Cost for `n` + `m` keys of `k + 1` bits: `(n+m)/2 · ⌈log₂(n+m)⌉`
//! comparators at most, `2(k+1)` ANDs each, then `(n+m−1)·k` for the
//! neighbour tests and one per comparator for the route back: `O((n+m) log
//! (n+m) · k)`.

use super::ctx::{Ctx, Inner, ONE, W, ZERO};
use super::value::{cswap_w, eq_w, lt_w};
use super::{Error, Party, RevealTo};
use zeroize::{Zeroize, Zeroizing};

/// The longest identifier accepted, in bytes.
pub const MAX_ID_BYTES: usize = 1024;

/// The key width for sets of (padded) sizes `n` and `m`: enough bits that
/// any false match among the `n·m` pairs has probability at most 2^-40
/// (`⌈log₂(n·m)⌉ + 40`, at most 120).
pub fn key_width(n: usize, m: usize) -> usize {
    let pairs = (n.max(1) as u128) * (m.max(1) as u128);
    let log = 128 - (pairs - 1).leading_zeros() as usize;
    (log + 40).min(120)
}

/// The `width`-bit key of an identifier: SHA-256 of a domain label and the
/// identifier, truncated.
pub fn key_of(id: &str, width: usize) -> u128 {
    use sha2::{Digest, Sha256};
    let mut hash = Sha256::new();
    hash.update(b"gc2pc psi v1\0");
    hash.update(id.as_bytes());
    let digest = hash.finalize();
    let mut first = [0u8; 16];
    first.copy_from_slice(&digest[..16]);
    let v = u128::from_le_bytes(first);
    if width >= 128 {
        v
    } else {
        v & ((1u128 << width) - 1)
    }
}

/// The keys of one party's identifiers, sorted, padded to `padded` with
/// dummy keys that match nothing (the top bit set, odd for the evaluator,
/// even for the garbler), as `width + 1`-bit values; and the index into
/// `ids` of each real key. Two identifiers with the same key (probability
/// about n²/2^width) are an error.
pub fn sorted_keys(
    ids: &[String],
    width: usize,
    padded: usize,
    party: Party,
) -> Result<(Zeroizing<Vec<u128>>, Vec<usize>), Error> {
    let mut order: Vec<usize> = (0..ids.len()).collect();
    let mut keys: Zeroizing<Vec<u128>> =
        Zeroizing::new(ids.iter().map(|id| key_of(id, width)).collect());
    order.sort_unstable_by_key(|&i| keys[i]);
    let mut sorted: Zeroizing<Vec<u128>> = Zeroizing::new(order.iter().map(|&i| keys[i]).collect());
    keys.zeroize();
    if let Some(k) = (1..sorted.len()).find(|&k| sorted[k - 1] == sorted[k]) {
        return Err(Error::Shape(format!(
            "two different identifiers ({:?} and {:?}) have the same {width}-bit key",
            ids[order[k - 1]],
            ids[order[k]]
        )));
    }
    if sorted.len() > padded {
        return Err(Error::Shape(format!(
            "{} identifiers do not fit in a padded size of {padded}",
            sorted.len()
        )));
    }
    let parity = u128::from(party == Party::Evaluator);
    let real = sorted.len();
    sorted.extend((0..(padded - real) as u128).map(|i| 1u128 << width | (2 * i + parity)));
    Ok((sorted, order))
}

/// What the intersection program reveals to this party.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PsiOutput {
    /// Nothing (the garbler).
    Nothing,
    /// For each of the evaluator's keys (in the order given), whether the
    /// garbler holds it.
    Members(Vec<bool>),
    /// The number of common keys.
    Cardinality(u64),
}

/// The intersection program: `n` garbler keys and `m` evaluator keys of
/// `bits` bits each, each list strictly ascending; this party gives `keys`
/// (its own list, `n` or `m` long). Both parties call it with the same
/// `n`, `m`, `bits` and `cardinality`.
pub fn intersect(
    ctx: &Ctx,
    me: Party,
    keys: &[u128],
    n: usize,
    m: usize,
    bits: usize,
    cardinality: bool,
) -> Result<PsiOutput, Error> {
    if !(1..=128).contains(&bits) {
        return Err(Error::Shape(format!("keys of {bits} bits")));
    }
    let ours = if me == Party::Garbler { n } else { m };
    if keys.len() != ours {
        return Err(Error::Shape(format!(
            "{} keys given for a list of {ours}",
            keys.len()
        )));
    }
    let input = |owner: Party, count: usize| -> Result<Vec<Vec<W>>, Error> {
        let value = (owner == me).then(|| {
            Zeroizing::new(
                keys.iter()
                    .flat_map(|&k| (0..bits).map(move |i| k >> i & 1 == 1))
                    .collect::<Vec<bool>>(),
            )
        });
        let wires = ctx.input_wires(owner, count * bits, value)?;
        Ok(wires.chunks(bits).map(<[W]>::to_vec).collect())
    };
    let a = input(Party::Garbler, n)?;
    let b = input(Party::Evaluator, m)?;

    let mut inner = ctx.inner();
    let total = n + m;
    let size = total.next_power_of_two().max(1);
    // a ‖ +∞ … ‖ reverse(b): bitonic.
    let mut seq: Vec<Option<Vec<W>>> = a.into_iter().map(Some).collect();
    seq.resize(size - m, None);
    seq.extend(b.into_iter().rev().map(Some));
    // Every conditional swap of the merger: (i, j, bit); a static swap has
    // the constant bit 1.
    let mut swaps: Vec<(u32, u32, W)> = Vec::new();
    let mut block = size;
    while block >= 2 {
        let half = block / 2;
        for start in (0..size).step_by(block) {
            for i in start..start + half {
                let j = i + half;
                let (left, right) = seq.split_at_mut(j);
                match (&mut left[i], &mut right[0]) {
                    (Some(x), Some(y)) => {
                        let s = lt_w(&mut inner, y, x);
                        cswap_w(&mut inner, s, x, y);
                        swaps.push((i as u32, j as u32, s));
                    }
                    (slot @ None, other @ Some(_)) => {
                        core::mem::swap(slot, other);
                        swaps.push((i as u32, j as u32, ONE));
                    }
                    _ => {}
                }
            }
        }
        block = half;
    }

    // Neighbours: f[k] = merged[k] == merged[k + 1].
    let merged: Vec<Vec<W>> = seq.into_iter().take(total).flatten().collect();
    let f: Vec<W> = merged
        .windows(2)
        .map(|pair| eq_w(&mut inner, &pair[0], &pair[1]))
        .collect();
    for word in &merged {
        inner.unref_all(word);
    }
    drop(merged);

    if cardinality {
        for &(_, _, s) in &swaps {
            inner.unref(s);
        }
        let width = 64 - (n.min(m) as u64).leading_zeros() as usize + 1;
        let mut count: Vec<W> = vec![ZERO; width];
        for &bit in &f {
            increment(&mut inner, &mut count, bit);
        }
        inner.unref_all(&f);
        drop(inner);
        let bits = ctx.reveal_wires(&count, RevealTo::Evaluator);
        ctx.inner().unref_all(&count);
        return Ok(match bits? {
            Some(bits) => {
                PsiOutput::Cardinality(bits.iter().enumerate().map(|(i, &b)| (b as u64) << i).sum())
            }
            None => PsiOutput::Nothing,
        });
    }

    // Each position's flag: equal to its left or its right neighbour (never
    // both: each set holds a key once), then routed back through the swaps.
    let mut flags: Vec<W> = vec![ZERO; size];
    for (p, flag) in flags.iter_mut().enumerate().take(total) {
        let left = if p > 0 { f[p - 1] } else { ZERO };
        let right = f.get(p).copied().unwrap_or(ZERO);
        *flag = inner.xor(left, right);
    }
    inner.unref_all(&f);
    for &(i, j, s) in swaps.iter().rev() {
        let (left, right) = flags.split_at_mut(j as usize);
        cswap_w(
            &mut inner,
            s,
            &mut left[i as usize..=i as usize],
            &mut right[..1],
        );
        inner.unref(s);
    }
    // The evaluator's key j started at position size − 1 − j.
    let ours: Vec<W> = (0..m).map(|j| flags[size - 1 - j]).collect();
    drop(inner);
    let bits = ctx.reveal_wires(&ours, RevealTo::Evaluator);
    ctx.inner().unref_all(&flags);
    Ok(match bits? {
        Some(bits) => PsiOutput::Members(bits),
        None => PsiOutput::Nothing,
    })
}

/// `count += bit` (the count never overflows its width): one AND per bit.
fn increment(inner: &mut Inner, count: &mut [W], bit: W) {
    let mut carry = inner.share(bit);
    for c in count.iter_mut() {
        let sum = inner.xor(*c, carry);
        let next = inner.and(*c, carry);
        inner.unref(*c);
        inner.unref(carry);
        *c = sum;
        carry = next;
    }
    inner.unref(carry);
}
