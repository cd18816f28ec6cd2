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
        let seeds = base.run(ch)?;
        Ok(IknpSender {
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
        })
    }
}

impl IknpSender {
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

    /// One chunk of `m` (multiple of 128, ≤ CHUNK) OTs into `out` (`m` blocks).
    fn chunk(&mut self, ch: &mut Channel, m: usize, out: &mut [Block]) -> Result<(), OtError> {
        let w = m / 128;
        let u = &mut self.u[..COLUMNS * w];
        let q = &mut self.q[..COLUMNS * w];
        ch.recv_blocks(u)?;
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
        Ok(())
    }
}

impl CotSender for IknpSender {
    fn delta(&self) -> &Delta {
        &self.delta
    }

    fn cots_done(&self) -> u64 {
        self.done
    }

    fn send_cot_into(&mut self, ch: &mut Channel, out: &mut [Block]) -> Result<(), OtError> {
        let n = out.len();
        let check = n > 0 && self.check;
        // Σ χ_j·q_j over the call's rows, chunk by chunk (see `weigh_chunk`).
        let mut sum = Wide::default();
        let mut start = 0;
        while start < n {
            let len = (n - start).min(CHUNK);
            let rows = &mut out[start..start + len];
            if len == CHUNK {
                self.chunk(ch, CHUNK, rows)?;
            } else {
                let mut padded_rows = std::mem::take(&mut self.rows);
                padded_rows.resize(padded(len), Block::ZERO);
                let r = self.chunk(ch, padded(len), &mut padded_rows);
                rows.copy_from_slice(&padded_rows[..len]);
                self.rows = padded_rows;
                r?;
            }
            if check {
                sum = sum ^ self.weigh_chunk(&out[start..start + len]);
            }
            start += len;
        }
        if check {
            self.finish_check(ch, sum)?;
        }
        self.done += n as u64;
        Ok(())
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

    /// `Σ χ_j·q_j` over the rows of the chunk just received, while they are
    /// in cache, χ from the chunk's Fiat–Shamir seed (a hash of the columns,
    /// so drawn after the receiver committed to them, as KOS needs).
    fn weigh_chunk(&mut self, rows: &[Block]) -> Wide {
        let mut chi_prg = Prg::new(self.seed);
        weigh(self.clmul, &mut chi_prg, &mut self.chi, rows, None).0
    }

    /// The end of the KOS check: the extra rows (their own chunk and
    /// challenge), then the receiver's `(x, t)` against `Σ χ_j·q_j ⊕ x·Δ`.
    fn finish_check(&mut self, ch: &mut Channel, sum: Wide) -> Result<(), OtError> {
        let mut extra = std::mem::take(&mut self.extra);
        let r = self.chunk(ch, kos::EXTRA_ROWS, &mut extra);
        let weighed = r.map(|()| self.weigh_chunk(&extra));
        self.extra = extra;
        let sum = sum ^ weighed?;
        let mut xt = [Block::ZERO; 2];
        ch.recv_blocks(&mut xt)?;
        let [x, t] = xt;
        let expected = (sum ^ self.clmul.dot(&[x], &[self.delta.block()])).reduce();
        if t != expected {
            return Err(OtError::Inconsistent);
        }
        Ok(())
    }
}

impl IknpReceiver {
    /// Runs the 128 base OTs as base-OT sender (one round trip); `prg`
    /// supplies the base-OT randomness.
    pub fn setup(ch: &mut Channel, prg: &mut Prg) -> Result<IknpReceiver, OtError> {
        let seeds = base::send(ch, COLUMNS, prg)?;
        let rng = Prg::new(prg.random_block());
        Ok(IknpReceiver {
            prgs0: seeds.iter().map(|s| Prg::new(s[0])).collect(),
            prgs1: seeds.iter().map(|s| Prg::new(s[1])).collect(),
            done: 0,
            t: vec![Block::ZERO; COLUMNS * CHUNK_WORDS],
            u: vec![Block::ZERO; COLUMNS * CHUNK_WORDS],
            r: vec![Block::ZERO; CHUNK_WORDS],
            rows: Vec::new(),
            clmul: Clmul::best(),
            rng,
            transcript: kos::Transcript::new(Block::ZERO),
            seeds: std::collections::VecDeque::new(),
            extra: vec![Block::ZERO; kos::EXTRA_ROWS],
            extra_choices: vec![false; kos::EXTRA_ROWS],
            chi: Vec::new(),
            check: true,
        })
    }

    /// One chunk: `choices.len() ≤ m` (m multiple of 128, ≤ CHUNK); the
    /// padding choices are 0. Writes `m` rows into `out`.
    fn chunk(
        &mut self,
        ch: &mut Channel,
        m: usize,
        choices: &[bool],
        out: &mut [Block],
    ) -> Result<(), OtError> {
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
        ch.send_blocks(u)?;
        ch.flush()?;
        if self.check {
            let seed = self.transcript.chunk_seed(u);
            self.seeds.push_back(seed);
        }
        transpose::transpose(t, out);
        Ok(())
    }
}

impl CotReceiver for IknpReceiver {
    fn cots_done(&self) -> u64 {
        self.done
    }

    fn recv_cot_into(
        &mut self,
        ch: &mut Channel,
        choices: &[bool],
        out: &mut [Block],
    ) -> Result<(), OtError> {
        assert_eq!(choices.len(), out.len(), "one output per choice");
        let n = out.len();
        let check = n > 0 && self.check;
        // A call's seeds are its own (a failed call leaves none behind).
        self.seeds.clear();
        // Σ χ_j·t_j and Σ r_j·χ_j; a chunk is folded in FOLD_LAG chunks
        // later (its rows are still in cache, and the next chunk's columns
        // go out first).
        let mut sums = (Wide::default(), Block::ZERO);
        let mut pending = std::collections::VecDeque::with_capacity(FOLD_LAG + 1);
        let mut start = 0;
        while start < n {
            let len = (n - start).min(CHUNK);
            let (c, rows) = (&choices[start..start + len], &mut out[start..start + len]);
            if len == CHUNK {
                self.chunk(ch, CHUNK, c, rows)?;
            } else {
                let mut padded_rows = std::mem::take(&mut self.rows);
                padded_rows.resize(padded(len), Block::ZERO);
                let r = self.chunk(ch, padded(len), c, &mut padded_rows);
                rows.copy_from_slice(&padded_rows[..len]);
                self.rows = padded_rows;
                r?;
            }
            if check {
                pending.push_back(start..start + len);
                if pending.len() > FOLD_LAG {
                    let done = pending.pop_front().expect("more than FOLD_LAG");
                    self.fold_chunk(&choices[done.clone()], &out[done], &mut sums);
                }
            }
            start += len;
        }
        if check {
            self.finish_check(ch, choices, out, pending, sums)?;
        }
        self.done += n as u64;
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

    /// The end of the KOS check: the extra rows with random choices (their
    /// own chunk), the last challenges folded in, then `(x, t)`.
    fn finish_check(
        &mut self,
        ch: &mut Channel,
        choices: &[bool],
        out: &[Block],
        pending: std::collections::VecDeque<std::ops::Range<usize>>,
        mut sums: (Wide, Block),
    ) -> Result<(), OtError> {
        let mut random = [Block::ZERO; kos::EXTRA_ROWS / 128];
        self.rng.fill_blocks(&mut random);
        for (j, c) in self.extra_choices.iter_mut().enumerate() {
            *c = (random[j / 128].0 >> (j % 128)) & 1 == 1;
        }
        random.zeroize();
        let (mut extra, extra_choices) = (
            std::mem::take(&mut self.extra),
            std::mem::take(&mut self.extra_choices),
        );
        let result = (|| {
            self.chunk(ch, kos::EXTRA_ROWS, &extra_choices, &mut extra)?;
            for done in pending {
                self.fold_chunk(&choices[done.clone()], &out[done], &mut sums);
            }
            self.fold_chunk(&extra_choices, &extra, &mut sums);
            ch.send_blocks(&[sums.1, sums.0.reduce()])?;
            ch.flush()?;
            Ok(())
        })();
        self.extra = extra;
        self.extra_choices = extra_choices;
        result
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
