//! Operations over arrays of secure values: sum and bitonic sort.
//!
//! The sort is Batcher's bitonic network (Batcher, "Sorting networks and
//! their applications", AFIPS 1968) in its form for any number of elements
//! (Lang, "Bitonic sorting network for n not a power of 2"): the network
//! does not depend on the data, so the garbled circuit reveals nothing. A
//! comparator costs K ANDs to compare (K = key bits) plus one AND per bit of
//! the row to swap; `n·⌈log n⌉·(⌈log n⌉+1)/4` comparators at most.

use super::Error;
use super::value::{Bits, Secure, Word, add_bits, concat, cswap, less_than};

/// One row of [`sort_rows`]: its key fields first, then its payload.
pub type Row = Vec<Word>;

/// The sum of `values` mod 2^n ((k − 1)(n − 1) ANDs for k values of n
/// bits); `None` for no values.
pub fn sum<T: Secure>(values: &[T]) -> Option<T> {
    let (first, rest) = values.split_first()?;
    let mut acc: Bits = first.bits().clone();
    for v in rest {
        assert_eq!(v.width(), first.width(), "sum of values of two widths");
        acc = add_bits(&acc, v.bits());
    }
    Some(first.with_bits(acc))
}

/// Sorts `values` in place (ascending, or descending), obliviously: n ANDs
/// per comparison plus n per swap, for n-bit values.
pub fn sort<T: Secure>(values: &mut [T], descending: bool) {
    if let Some(first) = values.first() {
        let width = first.width();
        assert!(
            values.iter().all(|v| v.width() == width),
            "sort of values of two widths"
        );
    }
    network(values.len(), !descending, &mut |i, j, up| {
        // Swap when the pair is out of order for this direction.
        let (a, b) = (&values[i], &values[j]);
        let s = if up { less_than(b, a) } else { less_than(a, b) };
        let s_w = s.bits().w[0];
        let (left, right) = values.split_at_mut(j);
        let mut x = left[i].bits().clone();
        let mut y = right[0].bits().clone();
        cswap(s_w, &mut x, &mut y);
        drop(s);
        left[i] = left[i].with_bits(x);
        right[0] = right[0].with_bits(y);
    });
}

/// Sorts `rows` by their first `key_fields` fields (lexicographically, the
/// first field most significant, each in its own signed or unsigned order),
/// moving the whole rows; every row must have the same field widths. K ANDs
/// per comparison (K = the key bits) plus one per bit of a row per swap.
pub fn sort_rows(rows: &mut [Row], key_fields: usize, descending: bool) -> Result<(), Error> {
    let Some(first) = rows.first() else {
        return Ok(());
    };
    if key_fields == 0 || key_fields > first.len() {
        return Err(Error::Shape(format!(
            "{key_fields} key fields for rows of {} fields",
            first.len()
        )));
    }
    let shape: Vec<(usize, bool)> = first.iter().map(|w| (w.width(), w.signed())).collect();
    for row in rows.iter() {
        let this: Vec<(usize, bool)> = row.iter().map(|w| (w.width(), w.signed())).collect();
        if this != shape {
            return Err(Error::Shape(
                "rows to sort have different field widths".into(),
            ));
        }
    }
    let ctx = first[0].ctx().clone();
    // The key of a row as one unsigned word: the last key field lowest, each
    // signed field with its top bit flipped (free).
    let key = |row: &Row| -> Word {
        let parts: Vec<&Bits> = row[..key_fields].iter().rev().map(|w| w.bits()).collect();
        let mut wires = concat(&ctx, &parts);
        let mut inner = ctx.inner();
        let mut at = 0;
        for w in row[..key_fields].iter().rev() {
            at += w.width();
            if w.signed() {
                let top = wires[at - 1];
                wires[at - 1] = inner.not(top);
                inner.unref(top);
            }
        }
        drop(inner);
        Word {
            bits: Bits::new(&ctx, wires),
            signed: false,
        }
    };
    network(rows.len(), !descending, &mut |i, j, up| {
        let (ka, kb) = (key(&rows[i]), key(&rows[j]));
        let s = if up {
            less_than(&kb, &ka)
        } else {
            less_than(&ka, &kb)
        };
        drop((ka, kb));
        let s_w = s.bits().w[0];
        let (left, right) = rows.split_at_mut(j);
        for (x, y) in left[i].iter_mut().zip(right[0].iter_mut()) {
            let mut bx = x.bits.clone();
            let mut by = y.bits.clone();
            cswap(s_w, &mut bx, &mut by);
            x.bits = bx;
            y.bits = by;
        }
        drop(s);
    });
    Ok(())
}

/// Runs the bitonic network on `n` elements: `cmp(i, j, up)` (i < j) must
/// order elements i and j ascending when `up`, else descending.
fn network(n: usize, up: bool, cmp: &mut impl FnMut(usize, usize, bool)) {
    fn sort(lo: usize, n: usize, up: bool, cmp: &mut impl FnMut(usize, usize, bool)) {
        if n > 1 {
            let m = n / 2;
            sort(lo, m, !up, cmp);
            sort(lo + m, n - m, up, cmp);
            merge(lo, n, up, cmp);
        }
    }
    fn merge(lo: usize, n: usize, up: bool, cmp: &mut impl FnMut(usize, usize, bool)) {
        if n > 1 {
            // The greatest power of two below n.
            let m = 1usize << (usize::BITS - 1 - (n - 1).leading_zeros());
            for i in lo..lo + n - m {
                cmp(i, i + m, up);
            }
            merge(lo, m, up, cmp);
            merge(lo + m, n - m, up, cmp);
        }
    }
    sort(0, n, up, cmp);
}
