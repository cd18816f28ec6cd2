//! An ideal correlated OT, for testing what is built on top of OT (random
//! and chosen OT, sessions) without base OTs or an extension: both ends
//! derive the same `m0` stream from a shared seed, and the receiver gets
//! `m0 ⊕ b·Δ`. It sends nothing over the channel it is given. **No
//! security**: each end knows the other's secrets by construction. (The
//! "ideal functionality" of mpz's `ot-core` tests, in this crate's traits.)

use super::{CotReceiver, CotSender, OtError};
use crate::block::{Block, Delta};
use crate::net::Channel;
use crate::prg::Prg;

/// The sender end of an [`ideal_cot`].
pub struct IdealCotSender {
    delta: Delta,
    prg: Prg,
    done: u64,
}

/// The receiver end of an [`ideal_cot`].
pub struct IdealCotReceiver {
    delta: Delta,
    prg: Prg,
    done: u64,
}

impl core::fmt::Debug for IdealCotSender {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "IdealCotSender(<secret>, {} OTs done)", self.done)
    }
}

impl core::fmt::Debug for IdealCotReceiver {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "IdealCotReceiver(<secret>, {} OTs done)", self.done)
    }
}

/// A connected pair of ideal COT ends with correlation `delta`, the `m0`
/// stream drawn from `seed`.
pub fn ideal_cot(seed: Block, delta: Delta) -> (IdealCotSender, IdealCotReceiver) {
    (
        IdealCotSender {
            delta: delta.clone(),
            prg: Prg::new(seed),
            done: 0,
        },
        IdealCotReceiver {
            delta,
            prg: Prg::new(seed),
            done: 0,
        },
    )
}

impl CotSender for IdealCotSender {
    fn delta(&self) -> &Delta {
        &self.delta
    }

    fn cots_done(&self) -> u64 {
        self.done
    }

    fn send_cot_into(&mut self, _ch: &mut Channel, out: &mut [Block]) -> Result<(), OtError> {
        self.prg.fill_blocks(out);
        self.done += out.len() as u64;
        Ok(())
    }
}

impl CotReceiver for IdealCotReceiver {
    fn cots_done(&self) -> u64 {
        self.done
    }

    fn recv_cot_into(
        &mut self,
        _ch: &mut Channel,
        choices: &[bool],
        out: &mut [Block],
    ) -> Result<(), OtError> {
        assert_eq!(choices.len(), out.len(), "one output per choice");
        self.prg.fill_blocks(out);
        let delta = self.delta.block();
        for (m, &c) in out.iter_mut().zip(choices) {
            *m ^= delta.select(c);
        }
        self.done += out.len() as u64;
        Ok(())
    }
}
