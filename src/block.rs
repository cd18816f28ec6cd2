//! `Block`, the 128-bit value that everything in gc2pc is made of (wire labels,
//! AES states and keys, OT messages), and `Delta`, the global free-XOR offset.
//!
//! Byte order: a block's 16 bytes are `u128::to_le_bytes` of its value, and those
//! 16 bytes are exactly the AES state / key bytes in FIPS-197 order. Bit 0 of the
//! value (the least significant bit of byte 0) is the point-and-permute bit.

use core::fmt;
use core::ops::{BitAnd, BitAndAssign, BitXor, BitXorAssign};
use zeroize::{Zeroize, ZeroizeOnDrop};

/// 128 bits, 16-byte aligned, cheap to copy. XOR and AND act bitwise.
///
/// `Pod`: on a little-endian CPU the in-memory bytes of a `[Block]` are the
/// blocks' `to_bytes`, so channels send and receive block slices as they lie
/// in memory (`bytemuck::cast_slice`), without a copy per block.
#[derive(Clone, Copy, PartialEq, Eq, Default, Hash, bytemuck::Pod, bytemuck::Zeroable)]
#[repr(transparent)]
pub struct Block(pub(crate) u128);

/// Blocks hold labels and keys; they are zeroized through `Vec<Block>::zeroize()`.
impl zeroize::DefaultIsZeroes for Block {}

impl Block {
    /// The block holding the 128-bit integer `x` (byte 0 of
    /// [`Block::to_bytes`] is its least significant byte).
    #[inline(always)]
    pub const fn new(x: u128) -> Block {
        Block(x)
    }

    /// The block as a 128-bit integer (see [`Block::new`]).
    #[inline(always)]
    pub const fn to_u128(self) -> u128 {
        self.0
    }

    /// The all-zero block.
    pub const ZERO: Block = Block(0);
    /// The all-ones block.
    pub const ONES: Block = Block(u128::MAX);

    /// The block whose AES-state bytes are `bytes`.
    #[inline(always)]
    pub const fn from_bytes(bytes: [u8; 16]) -> Block {
        Block(u128::from_le_bytes(bytes))
    }

    /// The AES-state bytes of this block.
    #[inline(always)]
    pub const fn to_bytes(self) -> [u8; 16] {
        self.0.to_le_bytes()
    }

    /// The point-and-permute bit (bit 0 of byte 0).
    #[inline(always)]
    pub const fn lsb(self) -> bool {
        self.0 & 1 == 1
    }

    /// This block if `bit` is set, else zero; branch-free.
    #[inline(always)]
    pub const fn select(self, bit: bool) -> Block {
        Block(self.0 & (bit as u128).wrapping_neg())
    }

    /// The block with its two 64-bit halves given (`low` is bytes 0..8).
    #[inline(always)]
    pub const fn from_halves(low: u64, high: u64) -> Block {
        Block(low as u128 | (high as u128) << 64)
    }

    /// The low 64 bits (bytes 0..8).
    #[inline(always)]
    pub const fn low(self) -> u64 {
        self.0 as u64
    }

    /// The high 64 bits (bytes 8..16).
    #[inline(always)]
    pub const fn high(self) -> u64 {
        (self.0 >> 64) as u64
    }

    /// The block with its two 64-bit halves exchanged.
    #[inline(always)]
    pub const fn swap_halves(self) -> Block {
        Block(self.0.rotate_left(64))
    }
}

impl BitXor for Block {
    type Output = Block;
    #[inline(always)]
    fn bitxor(self, rhs: Block) -> Block {
        Block(self.0 ^ rhs.0)
    }
}

impl BitXorAssign for Block {
    #[inline(always)]
    fn bitxor_assign(&mut self, rhs: Block) {
        self.0 ^= rhs.0;
    }
}

impl BitAnd for Block {
    type Output = Block;
    #[inline(always)]
    fn bitand(self, rhs: Block) -> Block {
        Block(self.0 & rhs.0)
    }
}

impl BitAndAssign for Block {
    #[inline(always)]
    fn bitand_assign(&mut self, rhs: Block) {
        self.0 &= rhs.0;
    }
}

impl From<[u8; 16]> for Block {
    fn from(bytes: [u8; 16]) -> Block {
        Block::from_bytes(bytes)
    }
}

impl From<Block> for [u8; 16] {
    fn from(block: Block) -> [u8; 16] {
        block.to_bytes()
    }
}

/// Hex of the 16 bytes in AES order. Blocks that hold secrets live inside types
/// (`Delta`, garbler state, OT keys) whose `Debug` does not show them.
impl fmt::Debug for Block {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for byte in self.to_bytes() {
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

/// The global free-XOR offset Δ: a secret block whose lsb is 1, so that the two
/// labels of every wire have opposite point-and-permute bits. Zeroized on drop,
/// and its `Debug` never shows it.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct Delta(Block);

impl Delta {
    /// Δ from any block: the lsb is forced to 1.
    #[inline]
    pub fn new(block: Block) -> Delta {
        Delta(Block(block.0 | 1))
    }

    /// The value of Δ as a block (lsb = 1).
    #[inline(always)]
    pub fn block(&self) -> Block {
        self.0
    }

    /// Bit `i` of Δ (0 = the lsb, always 1); IKNP uses these as base-OT choices.
    #[inline]
    pub fn bit(&self, i: usize) -> bool {
        assert!(i < 128, "Delta has 128 bits");
        (self.0.0 >> i) & 1 == 1
    }
}

impl fmt::Debug for Delta {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Delta(<secret>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_round_trip_and_lsb_is_bit_zero_of_byte_zero() {
        let mut bytes = [0u8; 16];
        bytes[0] = 1;
        bytes[15] = 0x80;
        let block = Block::from_bytes(bytes);
        assert!(block.lsb());
        assert_eq!(block.to_bytes(), bytes);
        assert_eq!(block.0, 1 | 1 << 127);
        assert!(!Block::from_bytes([0xfe; 16]).lsb());
    }

    #[test]
    fn select_and_xor() {
        let a = Block(0x1234_5678_9abc_def0_1122_3344_5566_7788);
        assert_eq!(a.select(true), a);
        assert_eq!(a.select(false), Block::ZERO);
        assert_eq!(a ^ a, Block::ZERO);
        assert_eq!(a & Block::ONES, a);
        assert_eq!(Block::from_halves(a.low(), a.high()), a);
        assert_eq!(a.swap_halves(), Block::from_halves(a.high(), a.low()));
    }

    #[test]
    fn delta_has_lsb_one_and_hides_itself() {
        let delta = Delta::new(Block(0xfe));
        assert!(delta.block().lsb());
        assert!(delta.bit(0) && delta.bit(1) && !delta.bit(8));
        assert_eq!(format!("{delta:?}"), "Delta(<secret>)");
    }
}
