//! AES-128 encryption of many blocks per call, fixed-key and multi-key, over
//! runtime-selected backends.
//!
//! This module owns the block cipher and nothing else: the choice of backend
//! ([`Backend`], detected once with `cpufeatures` / `std::arch`), fixed-key
//! encryption of many blocks ([`Aes128`]) and multi-key encryption with a
//! batched, interleaved key schedule ([`MultiKeyAes`], the engine of the
//! re-keyed hash in [`crate::hash`]).
//!
//! Backends (each in its own file):
//! - `portable`: the RustCrypto `aes` crate (fixsliced constant-time software
//!   AES where the CPU has no AES instructions; note that the crate itself uses
//!   AES-NI / ARMv8 internally when it finds them);
//! - `x86` (x86-64 only): AES-NI with 8 independent blocks in flight, following
//!   S. Gueron, "Intel Advanced Encryption Standard (AES) New Instructions Set"
//!   (Intel white paper 323641, rev. 3.01, 2012), and VAES on 256-bit registers
//!   (two blocks per `vaesenc`, 16 blocks in flight);
//! - `aarch64` (little-endian aarch64 only): the ARMv8 cryptography extension
//!   (`AESE`/`AESMC`), 8 blocks in flight.
//!
//! All backends compute AES-128 exactly as FIPS-197 (NIST, 2001) specifies; a
//! [`Block`]'s 16 bytes are the AES state bytes in FIPS-197 order.
//!
//! The backend is chosen once: an [`Aes128`] or [`MultiKeyAes`] stores it and
//! every batch call matches on it once, never per block. The only `unsafe` in
//! the crate's AES code calls `#[target_feature]` kernels and SIMD load/store
//! intrinsics, and kernels are reached only through `Engine`, which can only
//! be built for a backend the running CPU has.

use crate::block::Block;
use crate::cpu::{Checked, Feature};
use zeroize::Zeroize;

#[cfg(all(target_arch = "aarch64", target_endian = "little"))]
mod aarch64;
mod portable;
#[cfg(target_arch = "x86_64")]
pub(crate) mod x86;

#[cfg(target_arch = "x86_64")]
cpufeatures::new!(cpuid_aesni, "aes", "sse2");
#[cfg(target_arch = "x86_64")]
cpufeatures::new!(cpuid_avx2, "aes", "sse2", "avx2");
#[cfg(all(target_arch = "aarch64", target_endian = "little"))]
cpufeatures::new!(cpuid_armv8, "aes");

/// An AES implementation the CPU may have.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Backend {
    /// The `aes` crate; runs everywhere.
    Portable,
    /// x86-64 AES-NI, one block per instruction.
    AesNi,
    /// x86-64 VAES with AVX2: two blocks per 256-bit instruction.
    Vaes,
    /// x86-64 VAES with AVX-512: four blocks per 512-bit instruction where
    /// that pays (the three-halves kernels), VAES on 256 bits elsewhere.
    Vaes512,
    /// aarch64 ARMv8 cryptography extension.
    Armv8,
}

/// An AES backend this CPU is known to have (see [`crate::cpu`]): what
/// [`Aes128`], [`MultiKeyAes`], the hash, the PRG and the sessions take.
pub type Engine = Checked<Backend>;

impl Backend {
    /// The name used by `GC2PC_AES` and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Portable => "portable",
            Backend::AesNi => "aesni",
            Backend::Vaes => "vaes",
            Backend::Vaes512 => "vaes512",
            Backend::Armv8 => "armv8",
        }
    }

    /// Whether this CPU can run the backend (detected at run time; the answer
    /// is cached after the first call). [`Engine::new`] is the checked form.
    pub fn is_available(self) -> bool {
        match self {
            Backend::Portable => true,
            #[cfg(target_arch = "x86_64")]
            Backend::AesNi => cpuid_aesni::get(),
            // cpufeatures 0.3.1 demands the AVX-512 (zmm) OS state for `vaes`,
            // so it says "no" on VAES+AVX2 CPUs without AVX-512 (AMD Zen 3,
            // Intel Alder Lake). std's detection checks the right state.
            #[cfg(target_arch = "x86_64")]
            Backend::Vaes => cpuid_avx2::get() && std::arch::is_x86_feature_detected!("vaes"),
            #[cfg(target_arch = "x86_64")]
            Backend::Vaes512 => {
                Backend::Vaes.is_available() && std::arch::is_x86_feature_detected!("avx512f")
            }
            #[cfg(all(target_arch = "aarch64", target_endian = "little"))]
            Backend::Armv8 => cpuid_armv8::get(),
            #[allow(unreachable_patterns)]
            _ => false,
        }
    }
}

/// Slowest first: on x86-64 the best is VAES, then AES-NI, then portable;
/// on aarch64 ARMv8, then portable (see `benches/aes.rs` for the order).
impl Feature for Backend {
    const FAMILY: &'static str = "AES";
    const ALL: &'static [Backend] = &[
        Backend::Portable,
        Backend::AesNi,
        Backend::Vaes,
        Backend::Vaes512,
        Backend::Armv8,
    ];
    fn name(self) -> &'static str {
        Backend::name(self)
    }
    fn is_available(self) -> bool {
        Backend::is_available(self)
    }
}

/// The 11 round keys of AES-128 (FIPS-197 §5.2), as the hardware backends use
/// them; zeroized on drop.
#[derive(Clone)]
pub(crate) struct RoundKeys(pub(crate) [Block; 11]);

impl Drop for RoundKeys {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

/// Where the keys of a multi-key batch come from: key `i` of `len()`.
pub(crate) trait KeySource {
    /// How many keys.
    fn len(&self) -> usize;
    /// Key `i < len()`.
    fn key(&self, i: usize) -> Block;
}

/// Explicit keys.
impl KeySource for &[Block] {
    #[inline(always)]
    fn len(&self) -> usize {
        <[Block]>::len(self)
    }
    #[inline(always)]
    fn key(&self, i: usize) -> Block {
        self[i]
    }
}

/// The kernels: reached only through an [`Engine`], which can only be
/// obtained for a backend the running CPU has, so every `unsafe` call below is
/// justified by the check in [`Checked::new`].
impl Engine {
    /// Expands `key` for this engine.
    fn expand(self, key: Block) -> Expanded {
        match self.get() {
            Backend::Portable => Expanded::Portable(portable::Cipher::new(key)),
            #[cfg(target_arch = "x86_64")]
            // SAFETY: Engine::new checked that the CPU has AES-NI (VAES implies it).
            Backend::AesNi | Backend::Vaes | Backend::Vaes512 => {
                Expanded::Hardware(unsafe { x86::aesni::expand(key) })
            }
            #[cfg(all(target_arch = "aarch64", target_endian = "little"))]
            // SAFETY: Engine::new checked that the CPU has the ARMv8 AES extension.
            Backend::Armv8 => Expanded::Hardware(unsafe { aarch64::expand(key) }),
            #[allow(unreachable_patterns)]
            _ => unreachable!("Engine holds only available backends"),
        }
    }

    /// Encrypts `blocks` in place under the expanded key `keys` (which this
    /// engine made).
    fn encrypt(self, keys: &Expanded, blocks: &mut [Block]) {
        match (self.get(), keys) {
            (_, Expanded::Portable(cipher)) => cipher.encrypt_blocks(blocks),
            #[cfg(target_arch = "x86_64")]
            (Backend::AesNi | Backend::Vaes | Backend::Vaes512, Expanded::Hardware(rk)) => {
                match x86::X86::of(self) {
                    Some(isa) => x86::encrypt(isa, rk, blocks),
                    None => unreachable!("AES-NI and VAES have a width"),
                }
            }
            #[cfg(all(target_arch = "aarch64", target_endian = "little"))]
            // SAFETY: Engine::new checked that the CPU has the ARMv8 AES extension.
            (Backend::Armv8, Expanded::Hardware(rk)) => unsafe { aarch64::encrypt(rk, blocks) },
            #[allow(unreachable_patterns)]
            _ => unreachable!("keys expanded by another engine"),
        }
    }

    /// `blocks[i] = E_{k(i / P)}(s_i) ⊕ (SIGMA ? s_i : 0)` with
    /// `s_i = SIGMA ? σ(blocks[i]) : blocks[i]`, for `P` = 1 or 2 blocks per
    /// key; `blocks.len() == P * keys.len()`.
    pub(crate) fn multi_key<K: KeySource, const P: usize, const SIGMA: bool>(
        self,
        keys: K,
        blocks: &mut [Block],
    ) {
        assert!(P == 1 || P == 2, "1 or 2 blocks per key");
        assert_eq!(blocks.len(), P * keys.len(), "blocks per key");
        match self.get() {
            Backend::Portable => portable::multi_key::<K, P, SIGMA>(&keys, blocks),
            #[cfg(target_arch = "x86_64")]
            // SAFETY: Engine::new checked that the CPU has AES-NI.
            Backend::AesNi => unsafe { x86::aesni::multi_key::<K, P, SIGMA>(&keys, blocks) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: Engine::new checked that the CPU has VAES, AVX2 and AES-NI.
            Backend::Vaes | Backend::Vaes512 => unsafe {
                x86::vaes::multi_key::<K, P, SIGMA>(&keys, blocks)
            },
            #[cfg(all(target_arch = "aarch64", target_endian = "little"))]
            // SAFETY: Engine::new checked that the CPU has the ARMv8 AES extension.
            Backend::Armv8 => unsafe { aarch64::multi_key::<K, P, SIGMA>(&keys, blocks) },
            #[allow(unreachable_patterns)]
            _ => unreachable!("Engine holds only available backends"),
        }
    }
}

/// An expanded key in the form its engine uses.
#[derive(Clone)]
enum Expanded {
    Portable(portable::Cipher),
    #[cfg_attr(
        not(any(
            target_arch = "x86_64",
            all(target_arch = "aarch64", target_endian = "little")
        )),
        allow(dead_code)
    )]
    Hardware(RoundKeys),
}

/// σ(a‖b) = (a⊕b)‖a on the two 64-bit halves (high‖low) — GKWY20 §7.3's
/// linear orthomorphism, shared by the kernels' reference paths.
#[inline(always)]
pub(crate) fn sigma(x: Block) -> Block {
    Block::from_halves(x.high(), x.high() ^ x.low())
}

/// AES-128 with one expanded key, bound to a backend. The round keys are
/// zeroized on drop (hardware backends) and `Debug` never shows them.
#[derive(Clone)]
pub struct Aes128 {
    engine: Engine,
    keys: Expanded,
}

impl Aes128 {
    /// AES-128 under `key` on the best backend.
    pub fn new(key: Block) -> Aes128 {
        Aes128::with_engine(key, Engine::best())
    }

    /// AES-128 under `key` on `engine`.
    pub fn with_engine(key: Block, engine: Engine) -> Aes128 {
        Aes128 {
            engine,
            keys: engine.expand(key),
        }
    }

    /// The backend this instance runs on.
    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// Encrypts one block.
    pub fn encrypt_block(&self, block: Block) -> Block {
        let mut one = [block];
        self.engine.encrypt(&self.keys, &mut one);
        one[0]
    }

    /// Encrypts every block in place (8 blocks in flight on AES-NI and ARMv8,
    /// 16 on VAES; any length).
    pub fn encrypt_blocks(&self, blocks: &mut [Block]) {
        self.engine.encrypt(&self.keys, blocks);
    }

    /// The x86 register width and round keys, where the backend is AES-NI or
    /// VAES: the fused hash and garbling kernels take them. Holding an
    /// `Aes128` on a backend proves the CPU has it (its `Engine` was
    /// checked), which is what makes calling those kernels sound.
    #[cfg(target_arch = "x86_64")]
    pub(crate) fn x86_round_keys(&self) -> Option<(x86::X86, &RoundKeys)> {
        match (x86::X86::of(self.engine), &self.keys) {
            (Some(isa), Expanded::Hardware(rk)) => Some((isa, rk)),
            _ => None,
        }
    }
}

impl core::fmt::Debug for Aes128 {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Aes128({})", self.engine.name())
    }
}

/// Multi-key AES-128: each block under its own key, with the key schedules of
/// many keys computed at once and interleaved with the encryption itself
/// (on-the-fly round keys; 2 keys per 256-bit register on VAES, using the
/// `aesenclast`+shuffle form of the key expansion since `aeskeygenassist` has
/// no 256-bit form). This is what the re-keyed MITCCRH hash of GKWY20 (ePrint
/// 2019/1168) needs: one fresh key per tweak.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MultiKeyAes {
    engine: Engine,
}

impl MultiKeyAes {
    /// Multi-key AES on `engine`.
    pub fn new(engine: Engine) -> MultiKeyAes {
        MultiKeyAes { engine }
    }

    /// The backend in use.
    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// In place, `blocks[i] = AES_{keys[i / m]}(blocks[i])` with
    /// `m = blocks.len() / keys.len()` blocks per key. The fused fast path
    /// serves `m` = 1 and 2; other `m` expand each key and encrypt its run.
    ///
    /// # Panics
    /// If `blocks.len()` is not a multiple of `keys.len()` (or `keys` is empty
    /// while `blocks` is not).
    pub fn encrypt(&self, keys: &[Block], blocks: &mut [Block]) {
        if keys.is_empty() {
            assert!(blocks.is_empty(), "blocks without keys");
            return;
        }
        assert_eq!(
            blocks.len() % keys.len(),
            0,
            "blocks.len() must be a multiple of keys.len()"
        );
        match blocks.len() / keys.len() {
            1 => self.engine.multi_key::<&[Block], 1, false>(keys, blocks),
            2 => self.engine.multi_key::<&[Block], 2, false>(keys, blocks),
            m => {
                for (key, run) in keys.iter().zip(blocks.chunks_exact_mut(m)) {
                    let expanded = self.engine.expand(*key);
                    self.engine.encrypt(&expanded, run);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Block {
        let mut bytes = [0u8; 16];
        for (i, byte) in bytes.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap();
        }
        Block::from_bytes(bytes)
    }

    #[test]
    fn fips197_c1_on_every_backend() {
        let key = hex("000102030405060708090a0b0c0d0e0f");
        let pt = hex("00112233445566778899aabbccddeeff");
        let ct = hex("69c4e0d86a7b0430d8cdb78070b4c55a");
        for engine in Engine::all() {
            let aes = Aes128::with_engine(key, engine);
            assert_eq!(aes.encrypt_block(pt), ct, "{engine}");
        }
    }

    #[test]
    fn hardware_round_keys_match_fips197_a1() {
        // FIPS-197 App. A.1: the last round key for 2b7e1516…
        let key = hex("2b7e151628aed2a6abf7158809cf4f3c");
        let last = hex("d014f9a8c9ee2589e13f0cc8b6630ca6");
        for engine in Engine::all() {
            if let Expanded::Hardware(rk) = engine.expand(key) {
                assert_eq!(rk.0[0], key);
                assert_eq!(rk.0[10], last, "{engine}");
            }
        }
    }

    #[test]
    fn from_name_and_names() {
        for &backend in <Backend as Feature>::ALL {
            match Engine::from_name(backend.name()) {
                Ok(e) => assert!(e.get() == backend && backend.is_available()),
                Err(e) => {
                    assert!(!backend.is_available());
                    assert_eq!(
                        e,
                        crate::cpu::CpuError::Unavailable {
                            family: "AES",
                            name: backend.name()
                        }
                    );
                }
            }
        }
        let unknown = Engine::from_name("foo").unwrap_err().to_string();
        assert_eq!(
            unknown,
            "\"foo\" is not an AES backend (known: portable, aesni, vaes, vaes512, armv8)"
        );
        assert!(Engine::best().get().is_available());
        assert_eq!(Engine::all()[0].get(), Backend::Portable);
        assert!(Engine::all().contains(&Engine::best()));
    }

    #[test]
    fn debug_hides_keys() {
        let aes = Aes128::new(Block(0x1234_5678));
        let shown = format!("{aes:?}");
        assert!(shown.starts_with("Aes128(") && !shown.contains("5678"));
    }
}
