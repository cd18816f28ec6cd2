//! The context: wires with reference counts, the current window of gates
//! with their stages, and the backend that takes each window.
//!
//! A wire's name is its label slot in a session: a name whose last value
//! is dropped is reused only after the current window is flushed, so within
//! a window every name is written once and the window can be reordered by
//! stage ([`crate::circuit::stream::Segment::from_stages`]) without a
//! planner; liveness is the lifetime of the Rust values.

use super::{Error, Party, RevealTo};
use crate::circuit::Gate;
use crate::circuit::plan::WINDOW_GATES;
use std::cell::RefCell;
use std::rc::Rc;
use zeroize::Zeroizing;

/// A wire as values hold it: a name (below [`ZERO`]) or a public constant.
pub(crate) type W = u32;
/// The constant 0.
pub(crate) const ZERO: W = u32::MAX;
/// The constant 1.
pub(crate) const ONE: W = u32::MAX - 1;
/// The most input bits a backend takes in one call (one message of labels
/// or one OT extension: 16 MiB of labels).
const INPUT_PIECE: usize = 1 << 20;
/// Names stay below the constants.
const MAX_NAMES: u32 = ONE;

/// The constant wire for `bit`.
#[inline]
pub(crate) fn constant(bit: bool) -> W {
    if bit { ONE } else { ZERO }
}

/// `Some(bit)` for a constant wire.
#[inline]
pub(crate) fn const_of(w: W) -> Option<bool> {
    match w {
        ZERO => Some(false),
        ONE => Some(true),
        _ => None,
    }
}

/// What a context does with its program: evaluate it, count it, write it,
/// or garble / evaluate it in a session.
pub(crate) trait Backend {
    /// Whether this backend needs the value of an input owned by `owner`.
    fn needs_value(&self, owner: Party) -> bool;
    /// Input bits `bits` (when needed) on the fresh names `names`; `check`
    /// is the digest of the gate stream so far (as for every event).
    fn input(
        &mut self,
        owner: Party,
        names: &[u32],
        bits: Option<&[bool]>,
        check: [u8; 16],
    ) -> Result<(), Error>;
    /// One window of gates over names (every name below `num_names`), in
    /// program order, with the stage of each gate (see
    /// [`crate::circuit::stream::Segment::from_stages`]).
    fn window(
        &mut self,
        gates: &[Gate],
        stages: &[u32],
        num_names: usize,
        check: [u8; 16],
    ) -> Result<(), Error>;
    /// Reveals `wires` (names or constants; the window was just flushed):
    /// `Some` bits, one per wire, where this party learns them. `check` is
    /// the digest of the gate stream so far.
    fn reveal(
        &mut self,
        wires: &[W],
        to: RevealTo,
        check: [u8; 16],
    ) -> Result<Option<Vec<bool>>, Error>;
    /// Bytes sent and received so far (a session's channel; 0 elsewhere).
    fn traffic(&self) -> (u64, u64) {
        (0, 0)
    }
    /// The end of the program (after the last window); `check` is the
    /// digest of the whole gate stream.
    fn finish(&mut self, check: [u8; 16]) -> Result<(), Error> {
        let _ = check;
        Ok(())
    }
}

/// A running digest of the gate stream (input, gate and reveal events over
/// names), which the parties compare at every reveal. It catches two
/// honest parties running different programs; it is not meant to resist an
/// adversary (a malicious garbler can garble anything anyway).
#[derive(Clone, Copy, Debug)]
struct Mix([u64; 2]);

impl Mix {
    #[inline]
    fn add(&mut self, word: u64) {
        const K0: u64 = 0x9e37_79b9_7f4a_7c15;
        const K1: u64 = 0xc2b2_ae3d_27d4_eb4f;
        self.0[0] = (self.0[0] ^ word).wrapping_mul(K0).rotate_left(29);
        self.0[1] = (self.0[1].rotate_left(17) ^ word).wrapping_mul(K1);
    }

    fn bytes(&self) -> [u8; 16] {
        let mut out = [0u8; 16];
        out[..8].copy_from_slice(&self.0[0].to_le_bytes());
        out[8..].copy_from_slice(&self.0[1].to_le_bytes());
        out
    }
}

pub(crate) struct Inner {
    /// Per name: references held by values and by operations in progress.
    refs: Vec<u32>,
    /// Per name: its stage in the current window (0 for a name written
    /// before it: the stages of a window's outputs are reset at its flush).
    stage: Vec<u32>,
    next_name: u32,
    /// Names free for reuse now.
    free_names: Vec<u32>,
    /// Names that died in this window, reusable after it is flushed (so
    /// that every name is written at most once per window).
    pending_free: Vec<u32>,
    gates: Vec<Gate>,
    stages: Vec<u32>,
    digest: Mix,
    and_gates: u64,
    backend: Box<dyn Backend>,
    /// The first error, until a fallible call returns it.
    error: Option<Error>,
    failed: bool,
}

/// A program's context: a cheap handle that every value holds. Make one with
/// [`super::plaintext`], [`super::count`], [`super::write_bristol`] or a
/// [`super::Session`].
#[derive(Clone)]
pub struct Ctx(pub(crate) Rc<RefCell<Inner>>);

impl core::fmt::Debug for Ctx {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Ctx(..)")
    }
}

impl Ctx {
    pub(crate) fn new(backend: Box<dyn Backend>) -> Ctx {
        Ctx(Rc::new(RefCell::new(Inner {
            refs: Vec::new(),
            stage: Vec::new(),
            next_name: 0,
            free_names: Vec::new(),
            pending_free: Vec::new(),
            gates: Vec::with_capacity(WINDOW_GATES),
            stages: Vec::with_capacity(WINDOW_GATES),
            digest: Mix([0x6763_3270_6370_726f, 0x6772_616d_2076_3100]),
            and_gates: 0,
            backend,
            error: None,
            failed: false,
        })))
    }

    #[inline]
    pub(crate) fn inner(&self) -> std::cell::RefMut<'_, Inner> {
        self.0.borrow_mut()
    }

    /// AND gates this program has emitted so far.
    pub fn and_gates(&self) -> u64 {
        self.0.borrow().and_gates
    }

    /// Bytes this party has sent and received so far (in a session).
    pub fn traffic(&self) -> (u64, u64) {
        self.0.borrow().backend.traffic()
    }

    /// Whether both contexts are the same.
    pub(crate) fn same(&self, other: &Ctx) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }

    /// New input wires of `owner`, `width` of them; `bits` is the value
    /// (needed where this party supplies it).
    pub(crate) fn input_wires(
        &self,
        owner: Party,
        width: usize,
        bits: Option<Zeroizing<Vec<bool>>>,
    ) -> Result<Vec<W>, Error> {
        let mut inner = self.inner();
        inner.check()?;
        let needed = inner.backend.needs_value(owner);
        if needed && bits.is_none() {
            return Err(Error::MissingInput(owner.name()));
        }
        let names: Vec<W> = (0..width)
            .map(|_| {
                let name = inner.fresh();
                inner.stage[name as usize] = 0;
                name
            })
            .collect();
        inner
            .digest
            .add(0x1_0000_0000 | (owner as u64) << 40 | width as u64);
        let bits = if needed { bits } else { None };
        let check = inner.digest.bytes();
        // In pieces of at most INPUT_PIECE bits (one message each, well
        // under the channel's frame limit).
        let mut result = Ok(());
        for (k, piece) in names.chunks(INPUT_PIECE).enumerate() {
            let at = k * INPUT_PIECE;
            let piece_bits = bits.as_ref().map(|b| &b[at..at + piece.len()]);
            result = inner.backend.input(owner, piece, piece_bits, check);
            if result.is_err() {
                break;
            }
        }
        if let Err(e) = result {
            inner.failed = true;
            for &w in &names {
                inner.unref(w);
            }
            return Err(e);
        }
        Ok(names)
    }

    /// Reveals `wires`: the window is flushed and the backend decodes.
    pub(crate) fn reveal_wires(
        &self,
        wires: &[W],
        to: RevealTo,
    ) -> Result<Option<Vec<bool>>, Error> {
        let mut inner = self.inner();
        inner.flush();
        inner.check()?;
        for &w in wires {
            inner.digest.add(0x2_0000_0000 | w as u64);
        }
        inner.digest.add(0x3_0000_0000 | to.code() as u64);
        let check = inner.digest.bytes();
        match inner.backend.reveal(wires, to, check) {
            Ok(bits) => Ok(bits),
            Err(e) => {
                inner.failed = true;
                Err(e)
            }
        }
    }

    /// Flushes the last window and ends the program.
    pub(crate) fn finish(&self) -> Result<(), Error> {
        let mut inner = self.inner();
        inner.flush();
        inner.check()?;
        let check = inner.digest.bytes();
        let result = inner.backend.finish(check);
        if result.is_err() {
            inner.failed = true;
        }
        result
    }
}

impl Inner {
    /// Returns the pending error, or [`Error::Failed`] once it was returned.
    fn check(&mut self) -> Result<(), Error> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        if self.failed {
            return Err(Error::Failed);
        }
        Ok(())
    }

    /// A fresh name with one reference.
    #[inline]
    fn fresh(&mut self) -> W {
        let name = match self.free_names.pop() {
            Some(name) => name,
            None => {
                let name = self.next_name;
                assert!(name < MAX_NAMES, "more than 2^32 − 2 live wires");
                self.next_name += 1;
                self.refs.push(0);
                self.stage.push(0);
                name
            }
        };
        self.refs[name as usize] = 1;
        name
    }

    /// One more reference to `w`.
    #[inline]
    pub(crate) fn share(&mut self, w: W) -> W {
        if w < ONE {
            self.refs[w as usize] += 1;
        }
        w
    }

    /// One reference fewer; the wire dies with its last.
    #[inline]
    pub(crate) fn unref(&mut self, w: W) {
        if w >= ONE {
            return;
        }
        let r = &mut self.refs[w as usize];
        debug_assert!(*r > 0, "wire {w} released twice");
        *r -= 1;
        if *r == 0 {
            self.die(w);
        }
    }

    fn die(&mut self, w: W) {
        self.pending_free.push(w);
    }

    /// The stage of `w` in the current window (0 if written before it).
    #[inline]
    fn stage_of(&self, w: W) -> u32 {
        self.stage[w as usize]
    }

    /// Appends a gate reading `a` (and `b`) and returns its fresh output.
    /// Its stage: after the latest input's, rounded up to a free stage (even);
    /// an AND gate takes the AND stage after that (odd).
    #[inline]
    fn push(&mut self, kind: u8, a: W, b: W) -> W {
        let (sa, sb) = (self.stage_of(a), self.stage_of(b));
        let free = (sa.max(sb) + 1) & !1;
        let out = self.fresh();
        let (gate, stage) = match kind {
            0 => {
                self.and_gates += 1;
                (Gate::And { a, b, out }, free + 1)
            }
            1 => (Gate::Xor { a, b, out }, free),
            _ => (Gate::Inv { a, out }, free),
        };
        self.stage[out as usize] = stage;
        self.digest
            .add((kind as u64) << 62 ^ (a as u64) << 31 ^ b as u64 ^ (out as u64) << 13);
        self.gates.push(gate);
        self.stages.push(stage);
        if self.gates.len() == WINDOW_GATES {
            self.flush();
        }
        out
    }

    /// Hands the window to the backend and starts a new one.
    pub(crate) fn flush(&mut self) {
        if !self.gates.is_empty() {
            if !self.failed {
                let check = self.digest.bytes();
                if let Err(e) =
                    self.backend
                        .window(&self.gates, &self.stages, self.next_name as usize, check)
                {
                    self.error = Some(e);
                    self.failed = true;
                }
            }
            for gate in &self.gates {
                self.stage[gate.output() as usize] = 0;
            }
            self.gates.clear();
            self.stages.clear();
        }
        self.free_names.append(&mut self.pending_free);
    }

    /// `a ∧ b` (one AND gate unless a constant or equal input decides it).
    #[inline]
    pub(crate) fn and(&mut self, a: W, b: W) -> W {
        match (const_of(a), const_of(b)) {
            (Some(false), _) | (_, Some(false)) => ZERO,
            (Some(true), _) => self.share(b),
            (_, Some(true)) => self.share(a),
            _ if a == b => self.share(a),
            _ => self.push(0, a, b),
        }
    }

    /// `a ⊕ b` (free).
    #[inline]
    pub(crate) fn xor(&mut self, a: W, b: W) -> W {
        match (const_of(a), const_of(b)) {
            (Some(x), Some(y)) => constant(x ^ y),
            (Some(false), _) => self.share(b),
            (_, Some(false)) => self.share(a),
            (Some(true), _) => self.push(2, b, b),
            (_, Some(true)) => self.push(2, a, a),
            _ if a == b => ZERO,
            _ => self.push(1, a, b),
        }
    }

    /// `¬a` (free).
    #[inline]
    pub(crate) fn not(&mut self, a: W) -> W {
        match const_of(a) {
            Some(x) => constant(!x),
            None => self.push(2, a, a),
        }
    }

    /// `a ∨ b` = `a ⊕ b ⊕ (a ∧ b)` (one AND).
    pub(crate) fn or(&mut self, a: W, b: W) -> W {
        let t = self.and(a, b);
        let x = self.xor(a, b);
        let out = self.xor(x, t);
        self.unref(t);
        self.unref(x);
        out
    }

    /// `s ? a : b` = `b ⊕ s ∧ (a ⊕ b)` (one AND).
    pub(crate) fn mux(&mut self, s: W, a: W, b: W) -> W {
        let d = self.xor(a, b);
        let t = self.and(s, d);
        let out = self.xor(b, t);
        self.unref(d);
        self.unref(t);
        out
    }

    /// Releases every wire of `ws`.
    pub(crate) fn unref_all(&mut self, ws: &[W]) {
        for &w in ws {
            self.unref(w);
        }
    }
}
