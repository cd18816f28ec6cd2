//! Word operations on [`Builder`]: addition, subtraction, comparison,
//! equality, multiplexing, compare-and-swap, multiplication.
//!
//! Words are LSB first. All costs are in AND gates (everything else is free
//! under free-XOR). The adders use the full adder with one AND,
//! `c' = c ⊕ ((a ⊕ c) ∧ (b ⊕ c))`, `s = a ⊕ b ⊕ c` (Kolesnikov–Sadeghi–
//! Schneider, CANS 2009), and comparison is the borrow out of `a − b`, one
//! AND per bit.

use super::{Builder, Wire, Word};

fn same_width(a: &[Wire], b: &[Wire]) {
    assert_eq!(a.len(), b.len(), "words of different widths");
}

impl Builder {
    /// Bitwise `a ⊕ b` (free).
    pub fn xor_words(&mut self, a: &[Wire], b: &[Wire]) -> Word {
        same_width(a, b);
        a.iter().zip(b).map(|(&x, &y)| self.xor(x, y)).collect()
    }

    /// Bitwise `¬a` (free).
    pub fn not_word(&mut self, a: &[Wire]) -> Word {
        a.iter().map(|&x| self.not(x)).collect()
    }

    /// Every bit of `a` AND `bit`: `a` if `bit` else 0 (`a.len()` ANDs).
    pub fn mask(&mut self, a: &[Wire], bit: Wire) -> Word {
        a.iter().map(|&x| self.and(x, bit)).collect()
    }

    /// `a + b mod 2^w` for w-bit words: `w − 1` ANDs (0 for w ≤ 1).
    pub fn add(&mut self, a: &[Wire], b: &[Wire]) -> Word {
        same_width(a, b);
        let w = a.len();
        let mut sum = Vec::with_capacity(w);
        let mut carry: Option<Wire> = None;
        for i in 0..w {
            let (x, y) = (a[i], b[i]);
            let half = self.xor(x, y);
            match carry {
                None => {
                    sum.push(half);
                    if i + 1 < w {
                        carry = Some(self.and(x, y));
                    }
                }
                Some(c) => {
                    sum.push(self.xor(half, c));
                    if i + 1 < w {
                        let xc = self.xor(x, c);
                        let yc = self.xor(y, c);
                        let t = self.and(xc, yc);
                        carry = Some(self.xor(c, t));
                    }
                }
            }
        }
        sum
    }

    /// `c + x` for a one-bit `x`, as an `out_width`-bit word, which must be
    /// `c.len()` (the carry out is dropped: use it when the sum is known to
    /// fit) or `c.len() + 1`. Costs `out_width − 1` ANDs.
    pub fn add_bit(&mut self, c: &[Wire], x: Wire, out_width: usize) -> Word {
        assert!(
            out_width == c.len() || out_width == c.len() + 1,
            "add_bit widens by at most one bit"
        );
        let mut out = Vec::with_capacity(out_width);
        let mut carry = x;
        for (i, &bit) in c.iter().enumerate() {
            out.push(self.xor(bit, carry));
            if i + 1 < out_width {
                carry = self.and(bit, carry);
            }
        }
        if out_width > c.len() {
            out.push(carry);
        }
        out
    }

    /// `a − b mod 2^w` for w-bit words: `w − 1` ANDs.
    pub fn sub(&mut self, a: &[Wire], b: &[Wire]) -> Word {
        same_width(a, b);
        let w = a.len();
        let mut diff = Vec::with_capacity(w);
        let mut borrow: Option<Wire> = None;
        for i in 0..w {
            let half = self.xor(a[i], b[i]);
            diff.push(match borrow {
                None => half,
                Some(br) => self.xor(half, br),
            });
            if i + 1 < w {
                borrow = Some(self.borrow_step(a[i], b[i], borrow, false));
            }
        }
        diff
    }

    /// The borrow out of one bit of `a − b − borrow`, i.e. the majority of
    /// `(¬a, b, borrow)`, computed as `br ⊕ (¬(a ⊕ br) ∧ (b ⊕ br))`: one AND.
    /// With `flip`, the bits are the sign bits of two's-complement values and
    /// are read inverted (which turns a signed comparison into an unsigned
    /// one).
    fn borrow_step(&mut self, a: Wire, b: Wire, borrow: Option<Wire>, flip: bool) -> Wire {
        match borrow {
            None => {
                // ¬a ∧ b (flipped: a ∧ ¬b).
                let (p, q) = if flip {
                    (a, self.not(b))
                } else {
                    (self.not(a), b)
                };
                self.and(p, q)
            }
            Some(br) => {
                let ab = self.xor(a, br);
                let bb = self.xor(b, br);
                let (p, q) = if flip {
                    (ab, self.not(bb))
                } else {
                    (self.not(ab), bb)
                };
                let t = self.and(p, q);
                self.xor(br, t)
            }
        }
    }

    /// `a < b` for w-bit words, unsigned or two's complement: exactly w ANDs
    /// (the borrow out of `a − b`). For w = 0 the constant 0.
    pub fn lt(&mut self, a: &[Wire], b: &[Wire], signed: bool) -> Wire {
        same_width(a, b);
        let w = a.len();
        let mut borrow = None;
        for i in 0..w {
            let flip = signed && i + 1 == w;
            borrow = Some(self.borrow_step(a[i], b[i], borrow, flip));
        }
        borrow.unwrap_or_else(|| self.constant(false))
    }

    /// `a ≤ b`: `¬(b < a)`, w ANDs.
    pub fn le(&mut self, a: &[Wire], b: &[Wire], signed: bool) -> Wire {
        let gt = self.lt(b, a, signed);
        self.not(gt)
    }

    /// The AND of all `bits` in a balanced tree: `n − 1` ANDs, depth
    /// ⌈log₂ n⌉. For no bits the constant 1.
    pub fn and_all(&mut self, bits: &[Wire]) -> Wire {
        if bits.is_empty() {
            return self.constant(true);
        }
        let mut level = bits.to_vec();
        while level.len() > 1 {
            level = level
                .chunks(2)
                .map(|pair| match *pair {
                    [x, y] => self.and(x, y),
                    [x] => x,
                    _ => unreachable!(),
                })
                .collect();
        }
        level[0]
    }

    /// The OR of all `bits` in a balanced tree: `n − 1` ANDs. For no bits the
    /// constant 0.
    pub fn or_all(&mut self, bits: &[Wire]) -> Wire {
        if bits.is_empty() {
            return self.constant(false);
        }
        let mut level = bits.to_vec();
        while level.len() > 1 {
            level = level
                .chunks(2)
                .map(|pair| match *pair {
                    [x, y] => self.or(x, y),
                    [x] => x,
                    _ => unreachable!(),
                })
                .collect();
        }
        level[0]
    }

    /// `a == b`: the AND of the bitwise XNORs, `w − 1` ANDs in a tree of
    /// depth ⌈log₂ w⌉. For w = 0 the constant 1.
    pub fn eq(&mut self, a: &[Wire], b: &[Wire]) -> Wire {
        same_width(a, b);
        let xnors: Word = a
            .iter()
            .zip(b)
            .map(|(&x, &y)| {
                let d = self.xor(x, y);
                self.not(d)
            })
            .collect();
        self.and_all(&xnors)
    }

    /// `if s { a } else { b }`, bitwise `b ⊕ (s ∧ (a ⊕ b))`: w ANDs.
    pub fn mux(&mut self, s: Wire, a: &[Wire], b: &[Wire]) -> Word {
        same_width(a, b);
        a.iter()
            .zip(b)
            .map(|(&x, &y)| {
                let d = self.xor(x, y);
                let t = self.and(s, d);
                self.xor(y, t)
            })
            .collect()
    }

    /// `(b, a)` if `s` else `(a, b)`: w ANDs (`d = s ∧ (a ⊕ b)` is shared by
    /// both outputs).
    pub fn cond_swap(&mut self, s: Wire, a: &[Wire], b: &[Wire]) -> (Word, Word) {
        same_width(a, b);
        let mut lo = Vec::with_capacity(a.len());
        let mut hi = Vec::with_capacity(a.len());
        for (&x, &y) in a.iter().zip(b) {
            let d = self.xor(x, y);
            let t = self.and(s, d);
            lo.push(self.xor(x, t));
            hi.push(self.xor(y, t));
        }
        (lo, hi)
    }

    /// Compare-and-swap, the comparator of sorting networks:
    /// `(min(a, b), max(a, b))`. 2w ANDs (w to compare, w to swap).
    pub fn compare_swap(&mut self, a: &[Wire], b: &[Wire], signed: bool) -> (Word, Word) {
        let swap = self.lt(b, a, signed);
        self.cond_swap(swap, a, b)
    }

    /// `a · b mod 2^w` (schoolbook, truncated): `w² − w + 1` ANDs for w ≥ 1.
    pub fn mul(&mut self, a: &[Wire], b: &[Wire]) -> Word {
        same_width(a, b);
        let w = a.len();
        if w == 0 {
            return Vec::new();
        }
        let mut acc: Word = a.iter().map(|&x| self.and(x, b[0])).collect();
        for i in 1..w {
            let row: Word = a[..w - i].iter().map(|&x| self.and(x, b[i])).collect();
            let high = self.add(&acc[i..], &row);
            acc.truncate(i);
            acc.extend(high);
        }
        acc
    }
}
