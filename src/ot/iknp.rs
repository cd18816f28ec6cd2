//! IKNP correlated-OT extension (Ishai, Kilian, Nissim, Petrank, "Extending
//! Oblivious Transfers Efficiently", CRYPTO 2003), in the correlated form used
//! by Keller–Orsini–Scholl (CRYPTO 2015), with their consistency check
//! ([`super::kos`]) on every call: a receiver that sends inconsistent columns
//! is caught before the sender uses any of the call's OTs.
//!
//! # Roles
//! The garbler is the extension *sender* ([`IknpSender`]): it holds Δ and is
//! the *receiver* of 128 base OTs with choice bits `Δ_0 … Δ_127`, learning
//! seeds `k_i^{Δ_i}`. The evaluator is the extension *receiver*
//! ([`IknpReceiver`]): it is the base-OT *sender* and knows both seeds
//! `k_i^0, k_i^1` of every column. Base OTs run once, in `setup`; every later
//! call extends on demand.
//!
//! # One batch of m OTs (m a multiple of 128), choice vector r
//! ```text
//! receiver: t_i = G(k_i^0),  u_i = t_i ⊕ G(k_i^1) ⊕ r      ── u_0..u_127 ──►
//! sender:   q_i = G(k_i^{Δ_i}) ⊕ Δ_i·u_i  (= t_i ⊕ Δ_i·r)
//! ```
//! `G` is the AES-CTR [`Prg`] of each column, whose state carries over from
//! call to call. Transposing the 128 × m matrices gives rows with
//! `q_j = t_j ⊕ r_j·Δ`: the sender outputs `m0 = q_j`, the receiver
//! `m_{r_j} = t_j = q_j ⊕ r_j·Δ`. No hash is needed for correlated OT.
//! Then the KOS check over the call's rows and [`kos::EXTRA_ROWS`] more with
//! random choices: each chunk's challenge comes from the Fiat–Shamir
//! transcript of the columns ([`kos::Transcript`]), the receiver sends
//! `(x, t)` right after its last columns, the sender checks: a call is one
//! flight from the receiver, no round trip.
//!
//! # Cost and sizing
//! The receiver sends exactly 16 bytes per OT (one bit per column), plus a
//! 4-byte frame header per chunk; a call for `n` OTs rounds `n` up to a
//! multiple of 128 and no more. Work is streamed in chunks of [`CHUNK`] OTs
//! (each chunk one frame, flushed), so the network and both parties' compute
//! overlap over TCP. Per OT the receiver encrypts 2 AES blocks, the sender 1.

use super::kos::{self, Clmul, Wide};
use super::{CotReceiver, CotSender, OtError, base, transpose};
use crate::block::{Block, Delta};
use crate::net::Channel;
use crate::prg::Prg;
use zeroize::Zeroize;

/// Number of base OTs (columns): the security parameter.
pub const COLUMNS: usize = 128;

/// OTs per chunk (one frame of `16 · CHUNK` bytes).
pub const CHUNK: usize = 1 << 14;

/// Blocks of a column per chunk.
const CHUNK_WORDS: usize = CHUNK / 128;

/// The garbler's side: learns `m0` of each correlated OT.
pub struct IknpSender {
    delta: Delta,
    /// `G(k_i^{Δ_i})` for each column `i`.
    prgs: Vec<Prg>,
    /// `Block::ONES` where `Δ_i = 1`, else zero.
    masks: Vec<Block>,
    done: u64,
    /// Scratch: the received `u` matrix and the `q` matrix of one chunk.
    u: Vec<Block>,
    q: Vec<Block>,
    rows: Vec<Block>,
    /// The KOS check: the multiplication backend, the Fiat–Shamir
    /// transcript and the last chunk's χ seed, the extra rows of a call and
    /// χ scratch.
    clmul: Clmul,
    transcript: kos::Transcript,
    seed: Block,
    extra: Vec<Block>,
    chi: Vec<Block>,
    check: bool,
}

/// The evaluator's side: learns `m0 ⊕ b·Δ` for each choice `b`.
pub struct IknpReceiver {
    prgs0: Vec<Prg>,
    prgs1: Vec<Prg>,
    done: u64,
    /// Scratch: the `t` and `u` matrices of one chunk, the packed choices and
    /// the transposed rows of a partial chunk.
    t: Vec<Block>,
    u: Vec<Block>,
    r: Vec<Block>,
    rows: Vec<Block>,
    /// The KOS check: the multiplication backend, the randomness of the
    /// extra rows' choices, the Fiat–Shamir transcript and the χ seeds of
    /// the chunks not folded in yet, the extra rows of a call and χ scratch.
    clmul: Clmul,
    rng: Prg,
    transcript: kos::Transcript,
    seeds: std::collections::VecDeque<Block>,
    extra: Vec<Block>,
    extra_choices: Vec<bool>,
    chi: Vec<Block>,
    check: bool,
}

impl core::fmt::Debug for IknpSender {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "IknpSender(<secret>, {} OTs done)", self.done)
    }
}

impl core::fmt::Debug for IknpReceiver {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "IknpReceiver(<secret>, {} OTs done)", self.done)
    }
}

impl Drop for IknpSender {
    fn drop(&mut self) {
        self.masks.zeroize();
        self.u.zeroize();
        self.q.zeroize();
        self.rows.zeroize();
        self.extra.zeroize();
    }
}

impl Drop for IknpReceiver {
    fn drop(&mut self) {
        self.t.zeroize();
        self.u.zeroize();
        self.r.zeroize();
        self.rows.zeroize();
        self.extra.zeroize();
        self.extra_choices.zeroize();
    }
}

/// Bit `j` = `bits[j]`, for up to 128 bits: 8 at a time, since
/// `(b_0 + b_1·2^8 + … + b_7·2^56) · 0x0102040810204080` has
/// `b_0 + 2 b_1 + … + 2^7 b_7` in its top byte (each `b_j` is 0 or 1, so no
/// carries reach it).
fn pack_bits(bits: &[bool]) -> u128 {
    debug_assert!(bits.len() <= 128);
    let bytes: &[u8] = bytemuck::cast_slice(bits);
    let mut v = 0u128;
    for (k, eight) in bytes.chunks(8).enumerate() {
        let mut word = [0u8; 8];
        word[..eight.len()].copy_from_slice(eight);
        let packed = u64::from_le_bytes(word).wrapping_mul(0x0102_0408_1020_4080) >> 56;
        v |= (packed as u128) << (8 * k);
    }
    v
}

/// Chunks the receiver sends ahead before it folds in a chunk's KOS challenge.
const FOLD_LAG: usize = 4;

/// χ per batch of the KOS weighting (16 KiB of scratch).
const CHI_BATCH: usize = 1024;

/// `Σ_j χ_j·rows_j` (unreduced) and, with `choices`, `Σ_j r_j·χ_j`, with χ
/// drawn in order from `chi_prg`.
fn weigh(
    clmul: Clmul,
    chi_prg: &mut Prg,
    chi: &mut Vec<Block>,
    rows: &[Block],
    choices: Option<&[bool]>,
) -> (Wide, Block) {
    chi.resize(CHI_BATCH, Block::ZERO);
    let (mut sum, mut x) = (Wide::default(), Block::ZERO);
    for (k, batch) in rows.chunks(CHI_BATCH).enumerate() {
        let chi = &mut chi[..batch.len()];
        chi_prg.fill_blocks(chi);
        sum = sum ^ clmul.dot(batch, chi);
        if let Some(choices) = choices {
            x ^= kos::choice_sum(&choices[k * CHI_BATCH..k * CHI_BATCH + batch.len()], chi);
        }
    }
    (sum, x)
}

/// Blocks needed for `n` OTs: `n` rounded up to a multiple of 128.
fn padded(n: usize) -> usize {
    n.div_ceil(128) * 128
}

/// An [`IknpSender`] whose base-OT receiver message is computed ahead of the
/// connection ([`base::PreparedReceiver`]): see [`IknpSender::prepare`].
#[derive(Debug)]
pub struct PreparedSender {
    delta: Delta,
    base: base::PreparedReceiver,
}

impl PreparedSender {
    /// Runs the prepared base OTs (send the message, read the sender's point,
    /// derive the seeds).
    pub fn setup(self, ch: &mut Channel) -> Result<IknpSender, OtError> {
        let PreparedSender { delta, base } = self;
        let mut seeds = base.run(ch)?;
        let sender = IknpSender::from_base(delta, &seeds);
        seeds.zeroize();
        Ok(sender)
    }
}

impl IknpSender {
    /// The extension sender from its base-OT outputs: `seeds[i] = k_i^{Δ_i}`
    /// (what the 128 base OTs with choice bits Δ gave). No I/O: tests build
    /// one from chosen seeds, sessions from [`PreparedSender::setup`].
    ///
    /// # Panics
    /// Unless there are [`COLUMNS`] seeds.
    pub fn from_base(delta: Delta, seeds: &[Block]) -> IknpSender {
        assert_eq!(seeds.len(), COLUMNS, "one base-OT seed per column");
        IknpSender {
            prgs: seeds.iter().map(|&s| Prg::new(s)).collect(),
            masks: (0..COLUMNS)
                .map(|i| Block::ONES.select(delta.bit(i)))
                .collect(),
            delta,
            done: 0,
            u: vec![Block::ZERO; COLUMNS * CHUNK_WORDS],
            q: vec![Block::ZERO; COLUMNS * CHUNK_WORDS],
            rows: Vec::new(),
            clmul: Clmul::best(),
            transcript: kos::Transcript::new(Block::ZERO),
            seed: Block::ZERO,
            extra: vec![Block::ZERO; kos::EXTRA_ROWS],
            chi: Vec::new(),
            check: true,
        }
    }

    /// Computes the base-OT receiver message for choice bits Δ before any
    /// connection (most of the garbler's base-OT work; `prg` supplies its
    /// randomness); [`PreparedSender::setup`] finishes over a channel.
    pub fn prepare(delta: &Delta, prg: &mut Prg) -> PreparedSender {
        let mut choices: Vec<bool> = (0..COLUMNS).map(|i| delta.bit(i)).collect();
        let base = base::PreparedReceiver::new(&choices, prg);
        choices.zeroize();
        PreparedSender {
            delta: delta.clone(),
            base,
        }
    }

    /// Runs the 128 base OTs as base-OT receiver with choice bits Δ (one
    /// round trip); `prg` supplies the base-OT randomness.
    pub fn setup(ch: &mut Channel, delta: &Delta, prg: &mut Prg) -> Result<IknpSender, OtError> {
        IknpSender::prepare(delta, prg).setup(ch)
    }

    /// Starts a call of `out.len()` correlated OTs (no I/O): feed it the
    /// receiver's messages in the order [`SenderCall::needs`] asks for them;
    /// when it needs nothing more, `out` holds `m0` of each OT.
    pub fn begin<'a>(&'a mut self, out: &'a mut [Block]) -> SenderCall<'a> {
        let check = !out.is_empty() && self.check;
        let mut call = SenderCall {
            sender: self,
            out,
            start: 0,
            sum: Wide::default(),
            check,
            stage: SenderStage::Rows,
        };
        call.advance();
        call
    }

    /// One chunk of `m` (multiple of 128, ≤ CHUNK) OTs into `out` (`m`
    /// blocks) from the columns already in `self.u`.
    fn absorb(&mut self, m: usize, out: &mut [Block]) {
        let w = m / 128;
        let u = &self.u[..COLUMNS * w];
        let q = &mut self.q[..COLUMNS * w];
        if self.check {
            self.seed = self.transcript.chunk_seed(u);
        }
        for (i, prg) in self.prgs.iter_mut().enumerate() {
            let col = &mut q[i * w..(i + 1) * w];
            prg.fill_blocks(col);
            let mask = self.masks[i];
            for (qv, &uv) in col.iter_mut().zip(&u[i * w..(i + 1) * w]) {
                *qv ^= uv & mask;
            }
        }
        transpose::transpose(q, out);
    }
}

/// The last message of an IKNP call with the KOS check: the receiver's
/// `x = Σ r_j·χ_j` and `t = Σ χ_j·t_j` (reduced).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct KosCheck {
    /// `Σ r_j·χ_j`.
    pub x: Block,
    /// `Σ χ_j·t_j`.
    pub t: Block,
}

impl core::fmt::Debug for KosCheck {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("KosCheck(<secret>)")
    }
}

/// What an IKNP sender's call waits for next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SenderNeeds {
    /// A [`ReceiverMessage::Columns`] of this many blocks, to be written
    /// into [`SenderCall::columns_buffer`].
    Columns(usize),
    /// The [`KosCheck`].
    Check,
    /// Nothing: the call is complete.
    Done,
    /// Nothing: the KOS check failed, the call's outputs were cleared and
    /// must not be used; the call takes no more messages.
    Failed,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SenderStage {
    Rows,
    Extra,
    Check,
    Done,
    Failed,
}

/// One call of the IKNP sender as a state machine without I/O (see
/// [`IknpSender::begin`]).
pub struct SenderCall<'a> {
    sender: &'a mut IknpSender,
    out: &'a mut [Block],
    start: usize,
    /// Σ χ_j·q_j over the rows so far.
    sum: Wide,
    check: bool,
    stage: SenderStage,
}

impl core::fmt::Debug for SenderCall<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "SenderCall({:?}, <secret>)", self.needs())
    }
}

impl SenderCall<'_> {
    /// What the call waits for.
    pub fn needs(&self) -> SenderNeeds {
        match self.stage {
            SenderStage::Rows => SenderNeeds::Columns(
                COLUMNS * padded((self.out.len() - self.start).min(CHUNK)) / 128,
            ),
            SenderStage::Extra => SenderNeeds::Columns(COLUMNS * kos::EXTRA_ROWS / 128),
            SenderStage::Check => SenderNeeds::Check,
            SenderStage::Done => SenderNeeds::Done,
            SenderStage::Failed => SenderNeeds::Failed,
        }
    }

    /// Where the expected columns go (as long as [`SenderNeeds::Columns`]
    /// says; empty when the call does not expect columns): the I/O layer
    /// reads the message into it, then calls
    /// [`SenderCall::columns_received`].
    pub fn columns_buffer(&mut self) -> &mut [Block] {
        match self.needs() {
            SenderNeeds::Columns(len) => &mut self.sender.u[..len],
            _ => &mut [],
        }
    }

    /// Absorbs the columns written into [`SenderCall::columns_buffer`].
    ///
    /// # Panics
    /// If the call does not expect columns.
    pub fn columns_received(&mut self) {
        match self.stage {
            SenderStage::Rows => {
                let len = (self.out.len() - self.start).min(CHUNK);
                let (start, sender) = (self.start, &mut *self.sender);
                let rows = &mut self.out[start..start + len];
                if len == CHUNK {
                    sender.absorb(CHUNK, rows);
                } else {
                    let mut padded_rows = std::mem::take(&mut sender.rows);
                    padded_rows.resize(padded(len), Block::ZERO);
                    sender.absorb(padded(len), &mut padded_rows);
                    rows.copy_from_slice(&padded_rows[..len]);
                    sender.rows = padded_rows;
                }
                if self.check {
                    self.sum = self.sum ^ sender.weigh_chunk(&self.out[start..start + len]);
                }
                self.start += len;
            }
            SenderStage::Extra => {
                let sender = &mut *self.sender;
                let mut extra = std::mem::take(&mut sender.extra);
                sender.absorb(kos::EXTRA_ROWS, &mut extra);
                self.sum = self.sum ^ sender.weigh_chunk(&extra);
                sender.extra = extra;
                self.stage = SenderStage::Check;
            }
            _ => panic!("this IKNP call expects no columns now"),
        }
        self.advance();
    }

    /// Checks the receiver's [`KosCheck`] against `Σ χ_j·q_j ⊕ x·Δ`: a
    /// mismatch is [`OtError::Inconsistent`], clears the call's outputs and
    /// ends the call (one try only: a receiver may not test guesses).
    ///
    /// # Panics
    /// If the call does not expect the check.
    pub fn check_received(&mut self, check: KosCheck) -> Result<(), OtError> {
        assert_eq!(
            self.stage,
            SenderStage::Check,
            "this IKNP call expects no check now"
        );
        let sender = &*self.sender;
        let expected = (self.sum ^ sender.clmul.dot(&[check.x], &[sender.delta.block()])).reduce();
        if check.t != expected {
            zeroize::Zeroize::zeroize(&mut *self.out);
            self.stage = SenderStage::Failed;
            return Err(OtError::Inconsistent);
        }
        self.stage = SenderStage::Done;
        self.advance();
        Ok(())
    }

    /// Moves past finished stages; counts the call's OTs when it is done.
    fn advance(&mut self) {
        if self.stage == SenderStage::Rows && self.start == self.out.len() {
            self.stage = if self.check {
                SenderStage::Extra
            } else {
                SenderStage::Done
            };
            if !self.check {
                self.sender.done += self.out.len() as u64;
            }
        } else if self.stage == SenderStage::Done && self.check {
            self.sender.done += self.out.len() as u64;
        }
    }
}

/// The thin I/O layer: drives a [`SenderCall`] over a channel.
impl CotSender for IknpSender {
    fn delta(&self) -> &Delta {
        &self.delta
    }

    fn cots_done(&self) -> u64 {
        self.done
    }

    fn bind(&mut self, nonce: Block) {
        IknpSender::bind(self, nonce)
    }

    fn send_cot_into(&mut self, ch: &mut Channel, out: &mut [Block]) -> Result<(), OtError> {
        let mut call = self.begin(out);
        loop {
            match call.needs() {
                SenderNeeds::Columns(_) => {
                    ch.recv_blocks(call.columns_buffer())?;
                    call.columns_received();
                }
                SenderNeeds::Check => {
                    let mut xt = [Block::ZERO; 2];
                    ch.recv_blocks(&mut xt)?;
                    call.check_received(KosCheck { x: xt[0], t: xt[1] })?;
                }
                SenderNeeds::Done => return Ok(()),
                _ => return Err(OtError::Inconsistent),
            }
        }
    }
}

impl IknpSender {
    /// Turns the KOS check off (both sides must), for `gc2pc bench` to
    /// measure what it costs. Without it IKNP is only semi-honest: never in a
    /// protocol.
    #[doc(hidden)]
    pub fn set_kos_check(&mut self, on: bool) {
        self.check = on;
    }

    /// Binds the KOS transcript to `nonce`, a fresh value of this session
    /// that the sender chose and the receiver learned before any column
    /// (the garbler's hash seed); the receiver must bind the same. Before
    /// any call.
    pub fn bind(&mut self, nonce: Block) {
        self.transcript = kos::Transcript::new(nonce);
    }

    /// `Σ χ_j·q_j` over the rows of the chunk just absorbed, while they are
    /// in cache, χ from the chunk's Fiat–Shamir seed (a hash of the columns,
    /// so drawn after the receiver committed to them, as KOS needs).
    fn weigh_chunk(&mut self, rows: &[Block]) -> Wide {
        let mut chi_prg = Prg::new(self.seed);
        weigh(self.clmul, &mut chi_prg, &mut self.chi, rows, None).0
    }
}

impl IknpReceiver {
    /// Runs the 128 base OTs as base-OT sender (one round trip); `prg`
    /// supplies the base-OT randomness.
    pub fn setup(ch: &mut Channel, prg: &mut Prg) -> Result<IknpReceiver, OtError> {
        let mut seeds = base::send(ch, COLUMNS, prg)?;
        let receiver = IknpReceiver::from_base(&seeds, prg.random_block());
        seeds.zeroize();
        Ok(receiver)
    }

    /// The extension receiver from its base-OT outputs: both seeds
    /// `k_i^0, k_i^1` of every column, and a seed for the KOS check's
    /// random extra choices. No I/O (see [`IknpSender::from_base`]).
    ///
    /// # Panics
    /// Unless there are [`COLUMNS`] seed pairs.
    pub fn from_base(seeds: &[[Block; 2]], rng_seed: Block) -> IknpReceiver {
        assert_eq!(seeds.len(), COLUMNS, "two base-OT seeds per column");
        IknpReceiver {
            prgs0: seeds.iter().map(|s| Prg::new(s[0])).collect(),
            prgs1: seeds.iter().map(|s| Prg::new(s[1])).collect(),
            done: 0,
            t: vec![Block::ZERO; COLUMNS * CHUNK_WORDS],
            u: vec![Block::ZERO; COLUMNS * CHUNK_WORDS],
            r: vec![Block::ZERO; CHUNK_WORDS],
            rows: Vec::new(),
            clmul: Clmul::best(),
            rng: Prg::new(rng_seed),
            transcript: kos::Transcript::new(Block::ZERO),
            seeds: std::collections::VecDeque::new(),
            extra: vec![Block::ZERO; kos::EXTRA_ROWS],
            extra_choices: vec![false; kos::EXTRA_ROWS],
            chi: Vec::new(),
            check: true,
        }
    }

    /// Starts a call of correlated OTs with `choices` (no I/O): send each of
    /// [`ReceiverCall::next_message`]'s messages to the sender in order;
    /// when there is none left, `out` holds `m0 ⊕ b·Δ` for each choice `b`.
    ///
    /// # Panics
    /// Unless `choices` and `out` have the same length.
    pub fn begin<'a>(&'a mut self, choices: &'a [bool], out: &'a mut [Block]) -> ReceiverCall<'a> {
        assert_eq!(choices.len(), out.len(), "one output per choice");
        let check = !out.is_empty() && self.check;
        // A call's seeds are its own (a failed call leaves none behind).
        self.seeds.clear();
        ReceiverCall {
            receiver: self,
            choices,
            out,
            start: 0,
            sums: (Wide::default(), Block::ZERO),
            pending: std::collections::VecDeque::with_capacity(FOLD_LAG + 1),
            check,
            stage: ReceiverStage::Rows,
        }
    }

    /// One chunk: `choices.len() ≤ m` (m multiple of 128, ≤ CHUNK); the
    /// padding choices are 0. Writes `m` rows into `out` and the chunk's
    /// columns into `self.u[..COLUMNS · m / 128]`.
    fn extend(&mut self, m: usize, choices: &[bool], out: &mut [Block]) {
        let w = m / 128;
        let r = &mut self.r[..w];
        r.fill(Block::ZERO);
        for (k, c) in choices.chunks(128).enumerate() {
            r[k] = Block(pack_bits(c));
        }
        let t = &mut self.t[..COLUMNS * w];
        let u = &mut self.u[..COLUMNS * w];
        for i in 0..COLUMNS {
            let tc = &mut t[i * w..(i + 1) * w];
            let uc = &mut u[i * w..(i + 1) * w];
            self.prgs0[i].fill_blocks(tc);
            self.prgs1[i].fill_blocks(uc);
            for ((uv, &tv), &rv) in uc.iter_mut().zip(tc.iter()).zip(r.iter()) {
                *uv ^= tv ^ rv;
            }
        }
        if self.check {
            let seed = self.transcript.chunk_seed(u);
            self.seeds.push_back(seed);
        }
        transpose::transpose(t, out);
    }
}

/// A message from the IKNP receiver to the sender.
#[derive(Debug)]
#[non_exhaustive]
pub enum ReceiverMessage<'a> {
    /// One chunk's 128 columns `u_i` (one bit per OT each).
    Columns(&'a [Block]),
    /// The KOS check, last.
    Check(KosCheck),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ReceiverStage {
    Rows,
    Extra,
    Check,
    /// The check was handed out; the call is counted at the next call.
    Sent,
    Done,
}

/// One call of the IKNP receiver as a state machine without I/O (see
/// [`IknpReceiver::begin`]).
pub struct ReceiverCall<'a> {
    receiver: &'a mut IknpReceiver,
    choices: &'a [bool],
    out: &'a mut [Block],
    start: usize,
    /// `Σ χ_j·t_j` and `Σ r_j·χ_j` of the chunks folded in so far.
    sums: (Wide, Block),
    /// Chunks not folded in yet: a chunk is folded in [`FOLD_LAG`] chunks
    /// later (its rows still in cache, the next chunk's columns out first).
    pending: std::collections::VecDeque<std::ops::Range<usize>>,
    check: bool,
    stage: ReceiverStage,
}

impl core::fmt::Debug for ReceiverCall<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "ReceiverCall({:?}, <secret>)", self.stage)
    }
}

impl ReceiverCall<'_> {
    /// The next message for the sender, or `None` once the call is
    /// complete (`out` then holds the OTs).
    pub fn next_message(&mut self) -> Option<ReceiverMessage<'_>> {
        let n = self.out.len();
        // The oldest chunk's KOS weighting, now that the chunks after it
        // went out (the I/O layer sends each message before asking for the
        // next).
        if self.pending.len() > FOLD_LAG {
            let done = self.pending.pop_front().expect("more than FOLD_LAG");
            self.receiver
                .fold_chunk(&self.choices[done.clone()], &self.out[done], &mut self.sums);
        }
        if self.stage == ReceiverStage::Rows && self.start == n {
            self.stage = if self.check {
                ReceiverStage::Extra
            } else {
                self.receiver.done += n as u64;
                ReceiverStage::Done
            };
        }
        match self.stage {
            ReceiverStage::Rows => {
                let (start, len) = (self.start, (n - self.start).min(CHUNK));
                let receiver = &mut *self.receiver;
                let (c, rows) = (
                    &self.choices[start..start + len],
                    &mut self.out[start..start + len],
                );
                if len == CHUNK {
                    receiver.extend(CHUNK, c, rows);
                } else {
                    let mut padded_rows = std::mem::take(&mut receiver.rows);
                    padded_rows.resize(padded(len), Block::ZERO);
                    receiver.extend(padded(len), c, &mut padded_rows);
                    rows.copy_from_slice(&padded_rows[..len]);
                    receiver.rows = padded_rows;
                }
                if self.check {
                    self.pending.push_back(start..start + len);
                }
                self.start += len;
                Some(ReceiverMessage::Columns(
                    &receiver.u[..COLUMNS * padded(len) / 128],
                ))
            }
            ReceiverStage::Extra => {
                // The extra rows with random choices: their own chunk.
                let receiver = &mut *self.receiver;
                let mut random = [Block::ZERO; kos::EXTRA_ROWS / 128];
                receiver.rng.fill_blocks(&mut random);
                for (j, c) in receiver.extra_choices.iter_mut().enumerate() {
                    *c = (random[j / 128].0 >> (j % 128)) & 1 == 1;
                }
                random.zeroize();
                let (mut extra, extra_choices) = (
                    std::mem::take(&mut receiver.extra),
                    std::mem::take(&mut receiver.extra_choices),
                );
                receiver.extend(kos::EXTRA_ROWS, &extra_choices, &mut extra);
                receiver.extra = extra;
                receiver.extra_choices = extra_choices;
                self.stage = ReceiverStage::Check;
                Some(ReceiverMessage::Columns(
                    &receiver.u[..COLUMNS * kos::EXTRA_ROWS / 128],
                ))
            }
            ReceiverStage::Check => {
                // The last challenges folded in, then (x, t).
                let receiver = &mut *self.receiver;
                for done in self.pending.drain(..) {
                    receiver.fold_chunk(
                        &self.choices[done.clone()],
                        &self.out[done],
                        &mut self.sums,
                    );
                }
                let (extra, extra_choices) = (
                    std::mem::take(&mut receiver.extra),
                    std::mem::take(&mut receiver.extra_choices),
                );
                receiver.fold_chunk(&extra_choices, &extra, &mut self.sums);
                receiver.extra = extra;
                receiver.extra_choices = extra_choices;
                self.stage = ReceiverStage::Sent;
                Some(ReceiverMessage::Check(KosCheck {
                    x: self.sums.1,
                    t: self.sums.0.reduce(),
                }))
            }
            ReceiverStage::Sent => {
                self.receiver.done += n as u64;
                self.stage = ReceiverStage::Done;
                None
            }
            ReceiverStage::Done => None,
        }
    }
}

/// The thin I/O layer: sends a [`ReceiverCall`]'s messages, each flushed.
impl CotReceiver for IknpReceiver {
    fn cots_done(&self) -> u64 {
        self.done
    }

    fn bind(&mut self, nonce: Block) {
        IknpReceiver::bind(self, nonce)
    }

    fn recv_cot_into(
        &mut self,
        ch: &mut Channel,
        choices: &[bool],
        out: &mut [Block],
    ) -> Result<(), OtError> {
        let mut call = self.begin(choices, out);
        while let Some(message) = call.next_message() {
            match message {
                ReceiverMessage::Columns(u) => ch.send_blocks(u)?,
                ReceiverMessage::Check(KosCheck { x, t }) => ch.send_blocks(&[x, t])?,
            }
            ch.flush()?;
        }
        Ok(())
    }
}

impl IknpReceiver {
    /// See [`IknpSender::set_kos_check`].
    #[doc(hidden)]
    pub fn set_kos_check(&mut self, on: bool) {
        self.check = on;
    }

    /// See [`IknpSender::bind`].
    pub fn bind(&mut self, nonce: Block) {
        self.transcript = kos::Transcript::new(nonce);
    }

    /// Adds `Σ χ_j·t_j`, `Σ r_j·χ_j` of the oldest chunk not folded in yet
    /// (with `choices` and `rows`) to `sums`.
    fn fold_chunk(&mut self, choices: &[bool], rows: &[Block], sums: &mut (Wide, Block)) {
        let seed = self
            .seeds
            .pop_front()
            .expect("each chunk's seed is noted when it is sent");
        let mut chi_prg = Prg::new(seed);
        let (t, x) = weigh(self.clmul, &mut chi_prg, &mut self.chi, rows, Some(choices));
        *sums = (sums.0 ^ t, sums.1 ^ x);
    }
}

#[cfg(test)]
mod tests {
    use super::pack_bits;

    #[test]
    fn pack_bits_matches_the_bit_by_bit_definition() {
        for len in [0, 1, 7, 8, 9, 63, 64, 100, 127, 128] {
            let bits: Vec<bool> = (0..len).map(|j| (j * 37 + j / 5) % 3 == 0).collect();
            let want = bits
                .iter()
                .enumerate()
                .fold(0u128, |v, (j, &b)| v | (b as u128) << j);
            assert_eq!(pack_bits(&bits), want, "length {len}");
        }
        assert_eq!(pack_bits(&[true; 128]), u128::MAX);
    }
}
