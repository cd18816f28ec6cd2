//! Secure values: [`Bit`], [`UInt`], [`SInt`] and the width-erased [`Word`].
//!
//! Every word operation uses the cheapest free-XOR circuit we know; XOR,
//! NOT, shifts and rotations by constants are free, and a constant operand
//! folds away the gates it decides. AND counts (n = the width) are stated
//! per operation and checked by `tests/secure.rs`:
//!
//! | operation | AND gates |
//! |---|---|
//! | `a + b`, `a - b` | n − 1 (ripple carry, one AND per bit: Boyar–Peralta style carry `c ⊕ ((a ⊕ c) ∧ (b ⊕ c))`) |
//! | `a.lt(b)` and `le`, `gt`, `ge` | n |
//! | `a.eq(b)`, `a.ne(b)` | n − 1 |
//! | `s.select(a, b)` | n |
//! | `a & b`, `a \| b` | n |
//! | `a * b` (mod 2^n, schoolbook) | n² − n + 1 |
//! | `a.min(b)`, `a.max(b)` | 2n |
//! | `-a` | at most n − 1 |
//!
//! (Kolesnikov–Sadeghi–Schneider, "Improved garbled circuit building blocks
//! and applications to auctions and computing minima", CANS 2009, give the
//! one-AND-per-bit adder, comparator and multiplexer.)

use super::ctx::{Ctx, Inner, ONE, W, ZERO, const_of, constant};
use super::{Error, Party, RevealTo};
use zeroize::Zeroizing;

/// Wires held by a value, one reference each.
#[doc(hidden)]
pub struct Bits {
    pub(crate) ctx: Ctx,
    pub(crate) w: Vec<W>,
}

impl Bits {
    pub(crate) fn new(ctx: &Ctx, w: Vec<W>) -> Bits {
        Bits {
            ctx: ctx.clone(),
            w,
        }
    }
}

impl Clone for Bits {
    fn clone(&self) -> Bits {
        let mut inner = self.ctx.inner();
        for &w in &self.w {
            inner.share(w);
        }
        drop(inner);
        Bits {
            ctx: self.ctx.clone(),
            w: self.w.clone(),
        }
    }
}

impl Drop for Bits {
    fn drop(&mut self) {
        if let Ok(mut inner) = self.ctx.0.try_borrow_mut() {
            inner.unref_all(&self.w);
        }
    }
}

/// A secure value made of wires: what [`Bit::select`], [`super::sort`] and
/// the generic helpers take.
pub trait Secure: Clone + sealed::Sealed {
    /// The value's wires, least significant first.
    #[doc(hidden)]
    fn bits(&self) -> &Bits;
    /// A value of this type (and width) on fresh wires.
    #[doc(hidden)]
    fn with_bits(&self, bits: Bits) -> Self;
    /// Whether its order is signed (for comparisons and sorting).
    #[doc(hidden)]
    fn signed(&self) -> bool {
        false
    }
    /// The width in bits.
    fn width(&self) -> usize {
        self.bits().w.len()
    }
    /// The context it belongs to.
    fn ctx(&self) -> &Ctx {
        &self.bits().ctx
    }
}

mod sealed {
    pub trait Sealed {}
}

/// Checks that two values share a context (mixing two programs' values is
/// a programming error).
fn same_ctx(a: &Bits, b: &Bits) {
    assert!(
        a.ctx.same(&b.ctx),
        "secure values of two different contexts were combined"
    );
}

// --- word circuits on wires -------------------------------------------------

/// `a + b + cin` mod 2^n: n − 1 ANDs with a constant `cin`.
pub(crate) fn add_w(inner: &mut Inner, a: &[W], b: &[W], cin: W) -> Vec<W> {
    let n = a.len();
    let mut out = Vec::with_capacity(n);
    let mut c = inner.share(cin);
    for i in 0..n {
        let axc = inner.xor(a[i], c);
        out.push(inner.xor(axc, b[i]));
        if i + 1 < n {
            let bxc = inner.xor(b[i], c);
            let t = inner.and(axc, bxc);
            let next = inner.xor(c, t);
            inner.unref(t);
            inner.unref(bxc);
            inner.unref(c);
            c = next;
        }
        inner.unref(axc);
    }
    inner.unref(c);
    out
}

fn not_w(inner: &mut Inner, a: &[W]) -> Vec<W> {
    a.iter().map(|&w| inner.not(w)).collect()
}

/// `a − b` mod 2^n = `a + ¬b + 1`: n − 1 ANDs.
pub(crate) fn sub_w(inner: &mut Inner, a: &[W], b: &[W]) -> Vec<W> {
    let nb = not_w(inner, b);
    let out = add_w(inner, a, &nb, ONE);
    inner.unref_all(&nb);
    out
}

/// `a < b` unsigned: `lt' = lt ⊕ ((a_i ⊕ b_i) ∧ (b_i ⊕ lt))` from the least
/// significant bit up: n ANDs.
pub(crate) fn lt_w(inner: &mut Inner, a: &[W], b: &[W]) -> W {
    let mut lt = ZERO;
    for (&x, &y) in a.iter().zip(b) {
        let d = inner.xor(x, y);
        let e = inner.xor(y, lt);
        let t = inner.and(d, e);
        let next = inner.xor(lt, t);
        inner.unref(d);
        inner.unref(e);
        inner.unref(t);
        inner.unref(lt);
        lt = next;
    }
    lt
}

/// The AND of all `ws` as a balanced tree: len − 1 ANDs (consumes `ws`).
fn and_tree(inner: &mut Inner, mut ws: Vec<W>) -> W {
    if ws.is_empty() {
        return ONE;
    }
    while ws.len() > 1 {
        let mut next = Vec::with_capacity(ws.len().div_ceil(2));
        for pair in ws.chunks(2) {
            if let [x, y] = *pair {
                next.push(inner.and(x, y));
                inner.unref(x);
                inner.unref(y);
            } else {
                next.push(pair[0]);
            }
        }
        ws = next;
    }
    ws[0]
}

/// `a == b`: n − 1 ANDs.
pub(crate) fn eq_w(inner: &mut Inner, a: &[W], b: &[W]) -> W {
    let same: Vec<W> = a
        .iter()
        .zip(b)
        .map(|(&x, &y)| {
            let d = inner.xor(x, y);
            let e = inner.not(d);
            inner.unref(d);
            e
        })
        .collect();
    and_tree(inner, same)
}

/// `s ? a : b`: n ANDs.
pub(crate) fn mux_w(inner: &mut Inner, s: W, a: &[W], b: &[W]) -> Vec<W> {
    a.iter().zip(b).map(|(&x, &y)| inner.mux(s, x, y)).collect()
}

/// `a · b` mod 2^n, schoolbook: n² − n + 1 ANDs.
fn mul_w(inner: &mut Inner, a: &[W], b: &[W]) -> Vec<W> {
    let n = a.len();
    let mut acc: Vec<W> = a.iter().map(|&x| inner.and(x, b[0])).collect();
    for i in 1..n {
        let partial: Vec<W> = a[..n - i].iter().map(|&x| inner.and(x, b[i])).collect();
        let sum = add_w(inner, &acc[i..], &partial, ZERO);
        inner.unref_all(&partial);
        for (slot, w) in acc[i..].iter_mut().zip(sum) {
            inner.unref(*slot);
            *slot = w;
        }
    }
    acc
}

/// `a` with its top bit flipped: signed order becomes unsigned order.
fn flip_top(inner: &mut Inner, a: &[W]) -> Vec<W> {
    let n = a.len();
    let mut out: Vec<W> = a[..n - 1].iter().map(|&w| inner.share(w)).collect();
    out.push(inner.not(a[n - 1]));
    out
}

/// `a < b`, signed or not: n ANDs.
fn less(inner: &mut Inner, a: &[W], b: &[W], signed: bool) -> W {
    if signed && !a.is_empty() {
        let (fa, fb) = (flip_top(inner, a), flip_top(inner, b));
        let lt = lt_w(inner, &fa, &fb);
        inner.unref_all(&fa);
        inner.unref_all(&fb);
        lt
    } else {
        lt_w(inner, a, b)
    }
}

fn bitwise(inner: &mut Inner, a: &[W], b: &[W], op: fn(&mut Inner, W, W) -> W) -> Vec<W> {
    a.iter().zip(b).map(|(&x, &y)| op(inner, x, y)).collect()
}

/// Runs `f` on the context of `a` (and `b`, which must share it).
fn with2<T>(a: &Bits, b: &Bits, f: impl FnOnce(&mut Inner, &[W], &[W]) -> T) -> T {
    same_ctx(a, b);
    assert_eq!(
        a.w.len(),
        b.w.len(),
        "secure values of two different widths were combined"
    );
    let mut inner = a.ctx.inner();
    f(&mut inner, &a.w, &b.w)
}

fn with1<T>(a: &Bits, f: impl FnOnce(&mut Inner, &[W]) -> T) -> T {
    let mut inner = a.ctx.inner();
    f(&mut inner, &a.w)
}

fn bits_of_u128(value: u128, width: usize) -> Zeroizing<Vec<bool>> {
    Zeroizing::new((0..width).map(|i| value >> i & 1 == 1).collect())
}

fn u128_of_bits(bits: &[bool]) -> u128 {
    bits.iter()
        .enumerate()
        .fold(0u128, |acc, (i, &b)| acc | (b as u128) << i)
}

fn shares(inner: &mut Inner, ws: &[W]) -> Vec<W> {
    ws.iter().map(|&w| inner.share(w)).collect()
}

// --- Bit ----------------------------------------------------------------------

/// A secret bit.
#[derive(Clone)]
pub struct Bit(pub(crate) Bits);

impl core::fmt::Debug for Bit {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Bit(<secret>)")
    }
}

impl sealed::Sealed for Bit {}
impl Secure for Bit {
    fn bits(&self) -> &Bits {
        &self.0
    }
    fn with_bits(&self, bits: Bits) -> Bit {
        Bit(bits)
    }
}

impl Bit {
    /// An input bit of `owner`; `value` is needed where this party owns it.
    pub fn input(ctx: &Ctx, owner: Party, value: Option<bool>) -> Result<Bit, Error> {
        let bits = value.map(|v| Zeroizing::new(vec![v]));
        Ok(Bit(Bits::new(ctx, ctx.input_wires(owner, 1, bits)?)))
    }

    /// A public constant (no gates).
    pub fn constant(ctx: &Ctx, value: bool) -> Bit {
        Bit(Bits::new(ctx, vec![constant(value)]))
    }

    fn w(&self) -> W {
        self.0.w[0]
    }

    /// `s ? a : b` for any secure value: one AND per bit.
    pub fn select<T: Secure>(&self, a: &T, b: &T) -> T {
        let (x, y) = (a.bits(), b.bits());
        same_ctx(&self.0, x);
        same_ctx(x, y);
        assert_eq!(x.w.len(), y.w.len(), "select between values of two widths");
        let w = mux_w(&mut self.0.ctx.inner(), self.w(), &x.w, &y.w);
        a.with_bits(Bits::new(&self.0.ctx, w))
    }

    /// `(b, a)` when the bit is set, else `(a, b)`, for any secure values of
    /// one width: one AND per bit (the comparator of sorting networks).
    pub fn swap<T: Secure>(&self, a: &T, b: &T) -> (T, T) {
        let (mut x, mut y) = (a.bits().clone(), b.bits().clone());
        same_ctx(&self.0, &x);
        same_ctx(&x, &y);
        assert_eq!(x.w.len(), y.w.len(), "swap of values of two widths");
        cswap(self.w(), &mut x, &mut y);
        (a.with_bits(x), b.with_bits(y))
    }

    /// Reveals the bit to `to`; `Some` where this party learns it.
    pub fn reveal(&self, to: RevealTo) -> Result<Option<bool>, Error> {
        Ok(self.0.ctx.reveal_wires(&self.0.w, to)?.map(|b| b[0]))
    }

    /// The bit as a 1-bit unsigned integer.
    pub fn to_uint(&self) -> UInt<1> {
        UInt(self.0.clone())
    }

    /// The public value, when the bit is a constant.
    pub fn as_constant(&self) -> Option<bool> {
        const_of(self.w())
    }
}

macro_rules! bit_op {
    ($trait:ident, $method:ident, $f:expr) => {
        impl core::ops::$trait<&Bit> for &Bit {
            type Output = Bit;
            fn $method(self, rhs: &Bit) -> Bit {
                let w = with2(&self.0, &rhs.0, |inner, a, b| $f(inner, a[0], b[0]));
                Bit(Bits::new(&self.0.ctx, vec![w]))
            }
        }
        impl core::ops::$trait<Bit> for Bit {
            type Output = Bit;
            fn $method(self, rhs: Bit) -> Bit {
                core::ops::$trait::$method(&self, &rhs)
            }
        }
        impl core::ops::$trait<&Bit> for Bit {
            type Output = Bit;
            fn $method(self, rhs: &Bit) -> Bit {
                core::ops::$trait::$method(&self, rhs)
            }
        }
    };
}

bit_op!(BitAnd, bitand, Inner::and);
bit_op!(BitOr, bitor, Inner::or);
bit_op!(BitXor, bitxor, Inner::xor);

impl core::ops::Not for &Bit {
    type Output = Bit;
    fn not(self) -> Bit {
        let w = with1(&self.0, |inner, a| inner.not(a[0]));
        Bit(Bits::new(&self.0.ctx, vec![w]))
    }
}

impl core::ops::Not for Bit {
    type Output = Bit;
    fn not(self) -> Bit {
        !&self
    }
}

// --- integers -------------------------------------------------------------------

/// A secret unsigned integer of `N` bits (1 ≤ N ≤ 128), arithmetic mod 2^N.
#[derive(Clone)]
pub struct UInt<const N: usize>(pub(crate) Bits);

/// A secret signed (two's complement) integer of `N` bits (1 ≤ N ≤ 128),
/// arithmetic mod 2^N.
#[derive(Clone)]
pub struct SInt<const N: usize>(pub(crate) Bits);

/// `UInt<8>`.
pub type U8 = UInt<8>;
/// `UInt<16>`.
pub type U16 = UInt<16>;
/// `UInt<32>`.
pub type U32 = UInt<32>;
/// `UInt<64>`.
pub type U64 = UInt<64>;
/// `UInt<128>`.
pub type U128 = UInt<128>;
/// `SInt<8>`.
pub type I8 = SInt<8>;
/// `SInt<16>`.
pub type I16 = SInt<16>;
/// `SInt<32>`.
pub type I32 = SInt<32>;
/// `SInt<64>`.
pub type I64 = SInt<64>;
/// `SInt<128>`.
pub type I128 = SInt<128>;

const fn check_width(n: usize) {
    assert!(n >= 1 && n <= 128, "secure integers are 1 to 128 bits wide");
}

fn too_wide(value: impl core::fmt::Display, width: usize, kind: &'static str) -> Error {
    Error::TooWide {
        value: value.to_string(),
        width,
        kind,
    }
}

impl<const N: usize> UInt<N> {
    const WIDTH: () = check_width(N);

    fn fits(value: u128) -> bool {
        N >= 128 || value >> N == 0
    }

    /// An input of `owner`; `value` is needed where this party owns it (the
    /// other party's value, if given, is ignored).
    pub fn input<V: Into<u128>>(ctx: &Ctx, owner: Party, value: Option<V>) -> Result<Self, Error> {
        let () = Self::WIDTH;
        let bits = match value.map(Into::into) {
            Some(v) if !Self::fits(v) => return Err(too_wide(v, N, "unsigned integer")),
            Some(v) => Some(bits_of_u128(v, N)),
            None => None,
        };
        Ok(UInt(Bits::new(ctx, ctx.input_wires(owner, N, bits)?)))
    }

    /// `count` inputs of `owner` at once (one message of labels, or one OT
    /// extension, for all of them instead of one each); `values` (exactly
    /// `count` of them) is needed where this party owns them.
    pub fn input_all<V: Into<u128> + Copy>(
        ctx: &Ctx,
        owner: Party,
        count: usize,
        values: Option<&[V]>,
    ) -> Result<Vec<Self>, Error> {
        let () = Self::WIDTH;
        let words = input_checked(ctx, owner, count, N, values, |v: V| {
            let v: u128 = v.into();
            if Self::fits(v) {
                Ok(v)
            } else {
                Err(too_wide(v, N, "unsigned integer"))
            }
        })?;
        Ok(words.into_iter().map(UInt).collect())
    }

    /// An input given as `N / 8` little-endian bytes (N a multiple of 8).
    pub fn input_bytes(ctx: &Ctx, owner: Party, value: Option<&[u8]>) -> Result<Self, Error> {
        let () = Self::WIDTH;
        if !N.is_multiple_of(8) {
            return Err(Error::Shape(format!("{N} bits are not whole bytes")));
        }
        let bits = match value {
            Some(bytes) if bytes.len() != N / 8 => {
                return Err(Error::Shape(format!(
                    "{} bytes given for a {N}-bit integer",
                    bytes.len()
                )));
            }
            Some(bytes) => Some(Zeroizing::new(
                (0..N).map(|i| bytes[i / 8] >> (i % 8) & 1 == 1).collect(),
            )),
            None => None,
        };
        Ok(UInt(Bits::new(ctx, ctx.input_wires(owner, N, bits)?)))
    }

    /// A public constant (no gates).
    pub fn constant(ctx: &Ctx, value: u128) -> Result<Self, Error> {
        let () = Self::WIDTH;
        if !Self::fits(value) {
            return Err(too_wide(value, N, "unsigned integer"));
        }
        Ok(UInt(Bits::new(
            ctx,
            (0..N).map(|i| constant(value >> i & 1 == 1)).collect(),
        )))
    }

    /// Reveals the value to `to`; `Some` where this party learns it.
    pub fn reveal(&self, to: RevealTo) -> Result<Option<u128>, Error> {
        Ok(self
            .0
            .ctx
            .reveal_wires(&self.0.w, to)?
            .map(|b| u128_of_bits(&b)))
    }

    /// Reveals all of `values` at once (one round of messages instead of one
    /// per value); `Some` where this party learns them.
    pub fn reveal_all(values: &[Self], to: RevealTo) -> Result<Option<Vec<u128>>, Error> {
        let parts: Vec<&Bits> = values.iter().map(|v| &v.0).collect();
        Ok(reveal_words(&parts, to)?.map(|b| b.chunks(N).map(u128_of_bits).collect()))
    }

    /// Reveals the value as `N / 8` little-endian bytes.
    pub fn reveal_bytes(&self, to: RevealTo) -> Result<Option<Vec<u8>>, Error> {
        Ok(self.0.ctx.reveal_wires(&self.0.w, to)?.map(|bits| {
            let mut out = vec![0u8; N.div_ceil(8)];
            for (i, b) in bits.iter().enumerate() {
                out[i / 8] |= (*b as u8) << (i % 8);
            }
            out
        }))
    }

    /// Zero-extends or truncates to `M` bits (free).
    pub fn resize<const M: usize>(&self) -> UInt<M> {
        let () = UInt::<M>::WIDTH;
        let w = with1(&self.0, |inner, a| {
            (0..M)
                .map(|i| a.get(i).map_or(ZERO, |&w| inner.share(w)))
                .collect()
        });
        UInt(Bits::new(&self.0.ctx, w))
    }

    /// The same bits as a signed integer (free).
    pub fn as_signed(&self) -> SInt<N> {
        SInt(self.0.clone())
    }
}

impl<const N: usize> SInt<N> {
    const WIDTH: () = check_width(N);

    fn fits(value: i128) -> bool {
        N >= 128 || (value >> (N - 1) == 0 || value >> (N - 1) == -1)
    }

    /// An input of `owner`; `value` is needed where this party owns it.
    pub fn input<V: Into<i128>>(ctx: &Ctx, owner: Party, value: Option<V>) -> Result<Self, Error> {
        let () = Self::WIDTH;
        let bits = match value.map(Into::into) {
            Some(v) if !Self::fits(v) => return Err(too_wide(v, N, "signed integer")),
            Some(v) => Some(bits_of_u128(v as u128, N)),
            None => None,
        };
        Ok(SInt(Bits::new(ctx, ctx.input_wires(owner, N, bits)?)))
    }

    /// A public constant (no gates).
    pub fn constant(ctx: &Ctx, value: i128) -> Result<Self, Error> {
        let () = Self::WIDTH;
        if !Self::fits(value) {
            return Err(too_wide(value, N, "signed integer"));
        }
        Ok(SInt(Bits::new(
            ctx,
            (0..N)
                .map(|i| constant((value as u128) >> i & 1 == 1))
                .collect(),
        )))
    }

    /// Reveals the value to `to`; `Some` where this party learns it.
    pub fn reveal(&self, to: RevealTo) -> Result<Option<i128>, Error> {
        Ok(self.0.ctx.reveal_wires(&self.0.w, to)?.map(|b| {
            let raw = u128_of_bits(&b);
            // Sign-extend from N bits.
            ((raw << (128 - N)) as i128) >> (128 - N)
        }))
    }

    /// `count` inputs of `owner` at once (see [`UInt::input_all`]).
    pub fn input_all<V: Into<i128> + Copy>(
        ctx: &Ctx,
        owner: Party,
        count: usize,
        values: Option<&[V]>,
    ) -> Result<Vec<Self>, Error> {
        let () = Self::WIDTH;
        let words = input_checked(ctx, owner, count, N, values, |v: V| {
            let v: i128 = v.into();
            if Self::fits(v) {
                Ok(v as u128)
            } else {
                Err(too_wide(v, N, "signed integer"))
            }
        })?;
        Ok(words.into_iter().map(SInt).collect())
    }

    /// Reveals all of `values` at once (see [`UInt::reveal_all`]).
    pub fn reveal_all(values: &[Self], to: RevealTo) -> Result<Option<Vec<i128>>, Error> {
        let parts: Vec<&Bits> = values.iter().map(|v| &v.0).collect();
        Ok(reveal_words(&parts, to)?.map(|b| {
            b.chunks(N)
                .map(|c| ((u128_of_bits(c) << (128 - N)) as i128) >> (128 - N))
                .collect()
        }))
    }

    /// Sign-extends or truncates to `M` bits (free).
    pub fn resize<const M: usize>(&self) -> SInt<M> {
        let () = SInt::<M>::WIDTH;
        let w = with1(&self.0, |inner, a| {
            (0..M)
                .map(|i| inner.share(*a.get(i).unwrap_or(&a[N - 1])))
                .collect()
        });
        SInt(Bits::new(&self.0.ctx, w))
    }

    /// The same bits as an unsigned integer (free).
    pub fn as_unsigned(&self) -> UInt<N> {
        UInt(self.0.clone())
    }

    /// Whether the value is negative (free).
    pub fn is_negative(&self) -> Bit {
        self.bit(N - 1)
    }
}

/// `count` inputs of `width` bits in one piece from plaintext `values`
/// (exactly `count`, where this party owns them), each checked and turned
/// into its bits by `raw`.
fn input_checked<V: Copy>(
    ctx: &Ctx,
    owner: Party,
    count: usize,
    width: usize,
    values: Option<&[V]>,
    raw: impl Fn(V) -> Result<u128, Error>,
) -> Result<Vec<Bits>, Error> {
    let bits = match values {
        Some(values) if values.len() != count => {
            return Err(Error::Shape(format!(
                "{} values given for {count} inputs",
                values.len()
            )));
        }
        Some(values) => {
            let mut bits = Zeroizing::new(Vec::with_capacity(count * width));
            for &v in values {
                let v = raw(v)?;
                bits.extend((0..width).map(|i| v >> i & 1 == 1));
            }
            Some(bits)
        }
        None => None,
    };
    input_bits(ctx, owner, count, width, bits)
}

/// `count` inputs of `width` bits in one piece (one input of the backend);
/// `bits` (all of them, one input after the other) where this party owns
/// them.
fn input_bits(
    ctx: &Ctx,
    owner: Party,
    count: usize,
    width: usize,
    bits: Option<Zeroizing<Vec<bool>>>,
) -> Result<Vec<Bits>, Error> {
    let wires = ctx.input_wires(owner, count * width, bits)?;
    if width == 0 {
        return Ok((0..count).map(|_| Bits::new(ctx, Vec::new())).collect());
    }
    Ok(wires
        .chunks(width)
        .map(|w| Bits::new(ctx, w.to_vec()))
        .collect())
}

/// Reveals the wires of `parts` in one reveal: the bits, concatenated.
fn reveal_words(parts: &[&Bits], to: RevealTo) -> Result<Option<Vec<bool>>, Error> {
    let Some(first) = parts.first() else {
        return Ok(Some(Vec::new()));
    };
    for p in parts {
        same_ctx(first, p);
    }
    let wires = concat(&first.ctx, parts);
    let bits = first.ctx.reveal_wires(&wires, to);
    first.ctx.inner().unref_all(&wires);
    bits
}

fn shift_right(a: &Bits, k: usize, arithmetic: bool) -> Bits {
    let n = a.w.len();
    let w = with1(a, |inner, w| {
        let fill = if arithmetic { w[n - 1] } else { ZERO };
        (0..n)
            .map(|i| inner.share(*w.get(i + k).unwrap_or(&fill)))
            .collect()
    });
    Bits::new(&a.ctx, w)
}

macro_rules! int_type {
    ($ty:ident, $signed:expr) => {
        impl<const N: usize> core::fmt::Debug for $ty<N> {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                write!(f, "{}<{}>(<secret>)", stringify!($ty), N)
            }
        }

        impl<const N: usize> sealed::Sealed for $ty<N> {}
        impl<const N: usize> Secure for $ty<N> {
            fn bits(&self) -> &Bits {
                &self.0
            }
            fn with_bits(&self, bits: Bits) -> Self {
                $ty(bits)
            }
            fn signed(&self) -> bool {
                $signed
            }
        }
    };
}

macro_rules! int_common {
    ([$($g:tt)*] $ty:ty) => {
        impl<$($g)*> $ty {
            fn cmp_bit(&self, other: &Self, swap: bool, negate: bool) -> Bit {
                let (a, b) = if swap { (other, self) } else { (self, other) };
                let signed = self.signed();
                let w = with2(a.bits(), b.bits(), |inner, x, y| {
                    let lt = less(inner, x, y, signed);
                    if negate {
                        let n = inner.not(lt);
                        inner.unref(lt);
                        n
                    } else {
                        lt
                    }
                });
                Bit(Bits::new(self.ctx(), vec![w]))
            }

            /// Bit `i`, least significant first (for a signed value, the
            /// last bit is the sign). Free.
            pub fn bit(&self, i: usize) -> Bit {
                let w = with1(self.bits(), |inner, a| inner.share(a[i]));
                Bit(Bits::new(self.ctx(), vec![w]))
            }

            /// `self < other` (n ANDs).
            pub fn lt(&self, other: &Self) -> Bit {
                self.cmp_bit(other, false, false)
            }
            /// `self > other` (n ANDs).
            pub fn gt(&self, other: &Self) -> Bit {
                self.cmp_bit(other, true, false)
            }
            /// `self ≤ other` (n ANDs).
            pub fn le(&self, other: &Self) -> Bit {
                self.cmp_bit(other, true, true)
            }
            /// `self ≥ other` (n ANDs).
            pub fn ge(&self, other: &Self) -> Bit {
                self.cmp_bit(other, false, true)
            }
            /// `self == other` (n − 1 ANDs).
            pub fn eq(&self, other: &Self) -> Bit {
                let w = with2(self.bits(), other.bits(), eq_w);
                Bit(Bits::new(self.ctx(), vec![w]))
            }
            /// `self != other` (n − 1 ANDs).
            pub fn ne(&self, other: &Self) -> Bit {
                !self.eq(other)
            }
            /// The smaller of the two (2n ANDs).
            pub fn min(&self, other: &Self) -> Self {
                self.lt(other).select(self, other)
            }
            /// The larger of the two (2n ANDs).
            pub fn max(&self, other: &Self) -> Self {
                self.gt(other).select(self, other)
            }
            /// Shift left by a constant (free).
            pub fn shl_const(&self, k: usize) -> Self {
                let n = self.width();
                let w = with1(self.bits(), |inner, a| {
                    (0..n)
                        .map(|i| if i < k { ZERO } else { inner.share(a[i - k]) })
                        .collect()
                });
                self.with_bits(Bits::new(self.ctx(), w))
            }
            /// Rotate left by a constant (free).
            pub fn rotl(&self, k: usize) -> Self {
                let n = self.width();
                let w = with1(self.bits(), |inner, a| {
                    (0..n)
                        .map(|i| inner.share(a[(i + n - k % n) % n]))
                        .collect()
                });
                self.with_bits(Bits::new(self.ctx(), w))
            }
            /// Rotate right by a constant (free).
            pub fn rotr(&self, k: usize) -> Self {
                self.rotl(self.width() - k % self.width())
            }
            /// Shift right by a constant, filling with the sign bit where
            /// the value is signed and with 0 otherwise (free).
            pub fn shr_const(&self, k: usize) -> Self {
                self.with_bits(shift_right(self.bits(), k, self.signed()))
            }
            /// The value as a width-erased [`Word`] (free).
            pub fn to_word(&self) -> Word {
                Word {
                    bits: self.bits().clone(),
                    signed: self.signed(),
                }
            }
        }

        int_op!([$($g)*] $ty, Add, add, |inner: &mut Inner, a: &[W], b: &[W]| add_w(
            inner, a, b, ZERO
        ));
        int_op!([$($g)*] $ty, Sub, sub, sub_w);
        int_op!([$($g)*] $ty, Mul, mul, mul_w);
        int_op!([$($g)*] $ty, BitAnd, bitand, |inner: &mut Inner,
                                      a: &[W],
                                      b: &[W]| {
            bitwise(inner, a, b, Inner::and)
        });
        int_op!([$($g)*] $ty, BitOr, bitor, |inner: &mut Inner, a: &[W], b: &[W]| {
            bitwise(inner, a, b, Inner::or)
        });
        int_op!([$($g)*] $ty, BitXor, bitxor, |inner: &mut Inner,
                                      a: &[W],
                                      b: &[W]| {
            bitwise(inner, a, b, Inner::xor)
        });

        impl<$($g)*> core::ops::Not for &$ty {
            type Output = $ty;
            fn not(self) -> $ty {
                let w = with1(self.bits(), not_w);
                self.with_bits(Bits::new(self.ctx(), w))
            }
        }
        impl<$($g)*> core::ops::Not for $ty {
            type Output = $ty;
            fn not(self) -> $ty {
                !&self
            }
        }
        impl<$($g)*> core::ops::Neg for &$ty {
            type Output = $ty;
            /// Two's complement negation (at most n − 1 ANDs).
            fn neg(self) -> $ty {
                let w = with1(self.bits(), |inner, a| {
                    let zeros = vec![ZERO; a.len()];
                    sub_w(inner, &zeros, a)
                });
                self.with_bits(Bits::new(self.ctx(), w))
            }
        }
        impl<$($g)*> core::ops::Neg for $ty {
            type Output = $ty;
            fn neg(self) -> $ty {
                -&self
            }
        }
        impl<$($g)*> core::ops::Shl<usize> for &$ty {
            type Output = $ty;
            fn shl(self, k: usize) -> $ty {
                self.shl_const(k)
            }
        }
        impl<$($g)*> core::ops::Shr<usize> for &$ty {
            type Output = $ty;
            fn shr(self, k: usize) -> $ty {
                self.shr_const(k)
            }
        }
    };
}

macro_rules! int_op {
    ([$($g:tt)*] $ty:ty, $trait:ident, $method:ident, $f:expr) => {
        impl<$($g)*> core::ops::$trait<&$ty> for &$ty {
            type Output = $ty;
            fn $method(self, rhs: &$ty) -> $ty {
                let w = with2(self.bits(), rhs.bits(), $f);
                self.with_bits(Bits::new(self.ctx(), w))
            }
        }
        impl<$($g)*> core::ops::$trait<$ty> for $ty {
            type Output = $ty;
            fn $method(self, rhs: $ty) -> $ty {
                core::ops::$trait::$method(&self, &rhs)
            }
        }
        impl<$($g)*> core::ops::$trait<&$ty> for $ty {
            type Output = $ty;
            fn $method(self, rhs: &$ty) -> $ty {
                core::ops::$trait::$method(&self, rhs)
            }
        }
    };
}

int_type!(UInt, false);
int_type!(SInt, true);
int_common!([const N: usize] UInt<N>);
int_common!([const N: usize] SInt<N>);
int_common!([] Word);

// --- Word ---------------------------------------------------------------------

/// A secret integer whose width is known at run time: the fields of the rows
/// that [`super::sort_rows`] sorts. Convert with [`UInt::to_word`] and
/// [`Word::to_uint`].
#[derive(Clone)]
pub struct Word {
    pub(crate) bits: Bits,
    pub(crate) signed: bool,
}

impl core::fmt::Debug for Word {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Word<{}>(<secret>)", self.bits.w.len())
    }
}

impl sealed::Sealed for Word {}
impl Secure for Word {
    fn bits(&self) -> &Bits {
        &self.bits
    }
    fn with_bits(&self, bits: Bits) -> Word {
        Word {
            bits,
            signed: self.signed,
        }
    }
    fn signed(&self) -> bool {
        self.signed
    }
}

impl Word {
    /// An unsigned input of `owner`, `width` bits (any width); `value` (its
    /// bits, least significant first, exactly `width` of them) is needed
    /// where this party owns it.
    pub fn input(
        ctx: &Ctx,
        owner: Party,
        width: usize,
        value: Option<&[bool]>,
    ) -> Result<Word, Error> {
        Ok(Word::input_all(ctx, owner, 1, width, value)?.remove(0))
    }

    /// `count` unsigned inputs of `owner`, `width` bits each, in one input
    /// (one OT extension for the evaluator's); `bits` holds them one after
    /// the other, each least significant bit first.
    pub fn input_all(
        ctx: &Ctx,
        owner: Party,
        count: usize,
        width: usize,
        bits: Option<&[bool]>,
    ) -> Result<Vec<Word>, Error> {
        let total = count
            .checked_mul(width)
            .ok_or_else(|| Error::Shape("too many input bits".into()))?;
        if let Some(bits) = bits
            && bits.len() != total
        {
            return Err(Error::Shape(format!(
                "{} bits given for {count} inputs of {width} bits",
                bits.len()
            )));
        }
        let bits = bits.map(|b| Zeroizing::new(b.to_vec()));
        Ok(input_bits(ctx, owner, count, width, bits)?
            .into_iter()
            .map(|bits| Word {
                bits,
                signed: false,
            })
            .collect())
    }

    /// A public unsigned constant of `width` bits: `value` mod 2^width,
    /// zero-extended (no gates).
    pub fn constant(ctx: &Ctx, width: usize, value: u128) -> Word {
        let w = (0..width)
            .map(|i| constant(i < 128 && value >> i & 1 == 1))
            .collect();
        Word {
            bits: Bits::new(ctx, w),
            signed: false,
        }
    }

    /// The bits `bits` (least significant first) as an unsigned word (free).
    pub fn from_bits(bits: &[Bit]) -> Word {
        let ctx = bits
            .first()
            .expect("a word has at least one bit")
            .0
            .ctx
            .clone();
        let parts: Vec<&Bits> = bits.iter().map(|b| &b.0).collect();
        for p in &parts {
            same_ctx(parts[0], p);
        }
        Word {
            bits: Bits::new(&ctx, concat(&ctx, &parts)),
            signed: false,
        }
    }

    /// `self` followed by `high` (its bits above `self`'s): free.
    pub fn concat(&self, high: &Word) -> Word {
        same_ctx(&self.bits, &high.bits);
        Word {
            bits: Bits::new(
                &self.bits.ctx,
                concat(&self.bits.ctx, &[&self.bits, &high.bits]),
            ),
            signed: self.signed,
        }
    }

    /// Bits `range` of the value as an unsigned word (free).
    pub fn slice(&self, range: core::ops::Range<usize>) -> Word {
        let w = with1(&self.bits, |inner, a| shares(inner, &a[range]));
        Word {
            bits: Bits::new(&self.bits.ctx, w),
            signed: false,
        }
    }

    /// The same bits, ordered as two's-complement signed integers.
    pub fn as_signed(&self) -> Word {
        Word {
            bits: self.bits.clone(),
            signed: true,
        }
    }

    /// The same bits, ordered as unsigned integers.
    pub fn as_unsigned(&self) -> Word {
        Word {
            bits: self.bits.clone(),
            signed: false,
        }
    }

    /// Reveals the value to `to`: its bits, least significant first, where
    /// this party learns them.
    pub fn reveal(&self, to: RevealTo) -> Result<Option<Vec<bool>>, Error> {
        reveal_words(&[&self.bits], to)
    }

    /// Back to a `UInt<N>`, if the width is N.
    pub fn to_uint<const N: usize>(&self) -> Result<UInt<N>, Error> {
        if self.bits.w.len() != N {
            return Err(Error::Shape(format!(
                "a {}-bit word is not a UInt<{N}>",
                self.bits.w.len()
            )));
        }
        Ok(UInt(self.bits.clone()))
    }

    /// Back to an `SInt<N>`, if the width is N.
    pub fn to_sint<const N: usize>(&self) -> Result<SInt<N>, Error> {
        if self.bits.w.len() != N {
            return Err(Error::Shape(format!(
                "a {}-bit word is not an SInt<{N}>",
                self.bits.w.len()
            )));
        }
        Ok(SInt(self.bits.clone()))
    }
}

/// `a < b` in each value's order (N ANDs).
pub(crate) fn less_than<T: Secure>(a: &T, b: &T) -> Bit {
    let w = with2(a.bits(), b.bits(), |inner, x, y| {
        less(inner, x, y, a.signed())
    });
    Bit(Bits::new(a.ctx(), vec![w]))
}

/// Sum of `values` (wires), n − 1 ANDs per addition.
pub(crate) fn add_bits(a: &Bits, b: &Bits) -> Bits {
    let w = with2(a, b, |inner, x, y| add_w(inner, x, y, ZERO));
    Bits::new(&a.ctx, w)
}

/// Concatenated copies of the wires of `parts` (shared, free).
pub(crate) fn concat(ctx: &Ctx, parts: &[&Bits]) -> Vec<W> {
    let mut inner = ctx.inner();
    parts
        .iter()
        .flat_map(|p| shares(&mut inner, &p.w))
        .collect()
}

/// Conditionally swaps `a` and `b` (equal widths) when `s`: one AND per bit
/// (`d = s ∧ (a ⊕ b)`, `a ⊕= d`, `b ⊕= d`).
pub(crate) fn cswap(s: W, a: &mut Bits, b: &mut Bits) {
    cswap_w(&mut a.ctx.inner(), s, &mut a.w, &mut b.w);
}

/// Conditionally swaps the wires `x` and `y` (equal lengths) when `s`: one
/// AND per pair.
pub(crate) fn cswap_w(inner: &mut Inner, s: W, x: &mut [W], y: &mut [W]) {
    for (a, b) in x.iter_mut().zip(y.iter_mut()) {
        let d0 = inner.xor(*a, *b);
        let d = inner.and(s, d0);
        let na = inner.xor(*a, d);
        let nb = inner.xor(*b, d);
        for w in [d0, d, *a, *b] {
            inner.unref(w);
        }
        *a = na;
        *b = nb;
    }
}
