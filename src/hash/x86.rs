//! Fused TCCR kernels for x86-64, written once over the register width
//! ([`Width`]: AES-NI on 128 bits, VAES on 256): both AES passes of
//! `H(x, j) = π(π(x) ⊕ j) ⊕ π(x)` in one function, the round keys loaded once
//! per call, the tweaks of consecutive blocks made in registers. The garbling
//! kernels (`crate::garble`) build on [`tccr`].

// Parallel arrays of registers are indexed with one index.
#![allow(clippy::needless_range_loop)]

use crate::aes::RoundKeys;
use crate::aes::x86::{GROUP, Width, kernel, load, store, xor128};
use crate::block::Block;

/// Both TCCR passes on `N` registers `x` with tweak registers `tw` under the
/// round keys `rk`: `π(π(x) ⊕ tw) ⊕ π(x)` per lane.
///
/// Two things keep all the states in flight at once. The middle rounds are
/// a loop over an opaque slice of round keys, which LLVM cannot unroll:
/// unrolled, its scheduler hoists every round key into a register and, out
/// of registers, serializes the states into a few long dependency chains
/// (measured: half the AES throughput); as a loop, each round loads its
/// key once and runs every state. And π(x) waits for the final ⊕ in
/// memory (behind `black_box`), not in `N` more registers.
#[inline(always)]
pub(crate) fn tccr<W: Width, const N: usize>(
    w: W,
    rk: &[W::R; 11],
    x: [W::R; N],
    tw: [W::R; N],
) -> [W::R; N] {
    // Loops, not `array::map`: for large `N` the compiler leaves `map` out of
    // line, where the intrinsics cannot inline.
    let middle = core::hint::black_box(&rk[1..10]);
    let mut s = x;
    for i in 0..N {
        s[i] = w.xor(s[i], rk[0]);
    }
    for k in middle {
        for s in s.iter_mut() {
            *s = w.enc(*s, *k);
        }
    }
    let mut p = s;
    for i in 0..N {
        p[i] = w.enc_last(s[i], rk[10]);
        s[i] = w.xor(w.xor(p[i], tw[i]), rk[0]);
    }
    let p = core::hint::black_box(&mut p);
    for k in middle {
        for s in s.iter_mut() {
            *s = w.enc(*s, *k);
        }
    }
    // aesenclast ends with ⊕ round key, so ⊕ p folds into it.
    for i in 0..N {
        s[i] = w.enc_last(s[i], w.xor(rk[10], p[i]));
    }
    s
}

/// `blocks[i] = H(blocks[i], t0 + i)`: groups of [`GROUP`] registers, then
/// single registers, then a last odd block on 128 bits.
#[inline(always)]
fn consecutive_blocks<W: Width>(w: W, keys: &RoundKeys, t0: u64, blocks: &mut [Block]) {
    let rk = w.round_keys(keys);
    let per = GROUP * W::LANES;
    let mut t = t0;
    let mut groups = blocks.chunks_exact_mut(per);
    for group in &mut groups {
        let x: [W::R; GROUP] = core::array::from_fn(|r| w.load(&group[r * W::LANES..]));
        let y = tccr(w, &rk, x, w.tweaks::<GROUP>(t, 1));
        for (r, y) in y.into_iter().enumerate() {
            w.store(&mut group[r * W::LANES..], y);
        }
        t = t.wrapping_add(per as u64);
    }
    // Then a register at a time, and a last odd block on 128 bits.
    let mut registers = groups.into_remainder().chunks_exact_mut(W::LANES);
    for register in &mut registers {
        let [y] = tccr(w, &rk, [w.load(register)], w.tweaks::<1>(t, 1));
        w.store(register, y);
        t = t.wrapping_add(W::LANES as u64);
    }
    if let [b] = registers.into_remainder() {
        let n = w.narrow();
        let [y] = tccr(n, &n.round_keys(keys), [load(b)], n.tweaks::<1>(t, 1));
        store(b, y);
    }
}

kernel! {
    /// `blocks[i] = H(blocks[i], t0 + i)` (16 blocks in flight on VAES, 8 on
    /// AES-NI).
    pub(super) fn consecutive = consecutive_blocks; (keys: &RoundKeys, t0: u64, blocks: &mut [Block])
}

/// `out[2i] = H(x_i, t0 + i)`, `out[2i+1] = H(x_i ⊕ Δ, t0 + i)`: output block
/// `k` hashes input `k / 2`, ⊕ Δ when `k` is odd, with tweak `t0 + k / 2`.
#[inline(always)]
fn pairs_delta_blocks<W: Width>(
    w: W,
    keys: &RoundKeys,
    t0: u64,
    delta: Block,
    inputs: &[Block],
    out: &mut [Block],
) {
    assert_eq!(out.len(), 2 * inputs.len(), "two outputs per input");
    let rk = w.round_keys(keys);
    let d = load(&delta);
    let per = GROUP * W::LANES;
    let mut t = t0;
    let mut ins = inputs.chunks_exact(per / 2);
    let mut outs = out.chunks_exact_mut(per);
    for (x, o) in (&mut ins).zip(&mut outs) {
        let regs: [W::R; GROUP] = core::array::from_fn(|r| {
            w.gather(|j| {
                let k = r * W::LANES + j;
                let v = load(&x[k / 2]);
                if k % 2 == 1 { xor128(v, d) } else { v }
            })
        });
        let y = tccr(w, &rk, regs, w.tweaks::<GROUP>(t, 2));
        for (r, y) in y.into_iter().enumerate() {
            w.store(&mut o[r * W::LANES..], y);
        }
        t = t.wrapping_add((per / 2) as u64);
    }
    // Then one input at a time: one register on 256 bits, two on 128.
    for (x, o) in ins
        .remainder()
        .iter()
        .zip(outs.into_remainder().chunks_exact_mut(2))
    {
        let v = load(x);
        let block = |k: usize| if k == 1 { xor128(v, d) } else { v };
        if W::LANES == 2 {
            let [y] = tccr(w, &rk, [w.gather(block)], w.tweaks::<1>(t, 2));
            w.store(o, y);
        } else {
            let x = [w.gather(block), w.gather(|_| block(1))];
            let y = tccr(w, &rk, x, w.tweaks::<2>(t, 2));
            w.store(o, y[0]);
            w.store(&mut o[1..], y[1]);
        }
        t = t.wrapping_add(1);
    }
}

kernel! {
    /// `out[2i] = H(x_i, t0 + i)`, `out[2i+1] = H(x_i ⊕ Δ, t0 + i)` with
    /// `x = inputs` (16 blocks in flight on VAES, 8 on AES-NI).
    pub(super) fn pairs_delta = pairs_delta_blocks; (
        keys: &RoundKeys,
        t0: u64,
        delta: Block,
        inputs: &[Block],
        out: &mut [Block],
    )
}
