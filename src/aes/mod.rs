//! AES-128 encryption of many blocks per call, fixed-key and multi-key, over
//! runtime-selected backends: x86-64 AES-NI, x86-64 VAES, aarch64 ARMv8 crypto,
//! and a portable one on the `aes` crate.
//!
//! SKELETON: only the portable backend exists so far; the API is final.

use crate::block::Block;
use aes::cipher::{BlockCipherEncrypt, KeyInit};

/// An AES implementation the CPU may have.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Backend {
    /// The `aes` crate; runs everywhere.
    Portable,
    /// x86-64 AES-NI, one block per instruction.
    AesNi,
    /// x86-64 VAES with AVX2: two blocks per 256-bit instruction.
    Vaes,
    /// aarch64 ARMv8 cryptography extension.
    Armv8,
}

/// Why a backend could not be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AesError {
    /// `GC2PC_AES` named something that is not a backend.
    #[error("GC2PC_AES={0:?} is not a backend (use portable, aesni, vaes or armv8)")]
    UnknownBackend(String),
    /// The backend exists but this CPU lacks the instructions.
    #[error("the AES backend {0} is not available on this CPU")]
    Unavailable(&'static str),
}

impl Backend {
    /// Every backend, available or not.
    pub const ALL: [Backend; 4] = [
        Backend::Portable,
        Backend::AesNi,
        Backend::Vaes,
        Backend::Armv8,
    ];

    /// The name used by `GC2PC_AES` and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Portable => "portable",
            Backend::AesNi => "aesni",
            Backend::Vaes => "vaes",
            Backend::Armv8 => "armv8",
        }
    }

    /// Whether this CPU can run the backend.
    pub fn is_available(self) -> bool {
        matches!(self, Backend::Portable)
    }

    /// Every backend this CPU can run, portable first.
    pub fn all_available() -> Vec<Backend> {
        Backend::ALL
            .into_iter()
            .filter(|b| b.is_available())
            .collect()
    }

    /// The fastest backend this CPU has.
    pub fn best() -> Backend {
        Backend::Portable
    }

    /// The backend named by `GC2PC_AES`, or the best one if it is unset.
    pub fn detect() -> Result<Backend, AesError> {
        match std::env::var("GC2PC_AES") {
            Ok(name) if !name.is_empty() => {
                let backend = Backend::ALL
                    .into_iter()
                    .find(|b| b.name() == name)
                    .ok_or(AesError::UnknownBackend(name))?;
                if backend.is_available() {
                    Ok(backend)
                } else {
                    Err(AesError::Unavailable(backend.name()))
                }
            }
            _ => Ok(Backend::best()),
        }
    }
}

/// AES-128 with one expanded key, bound to a backend.
#[derive(Clone)]
pub struct Aes128 {
    backend: Backend,
    cipher: aes::Aes128,
}

impl Aes128 {
    /// AES-128 under `key` on the best backend.
    pub fn new(key: Block) -> Aes128 {
        Aes128 {
            backend: Backend::best(),
            cipher: aes::Aes128::new(&key.to_bytes().into()),
        }
    }

    /// AES-128 under `key` on `backend`; an error if the CPU lacks it.
    pub fn with_backend(key: Block, backend: Backend) -> Result<Aes128, AesError> {
        if !backend.is_available() {
            return Err(AesError::Unavailable(backend.name()));
        }
        Ok(Aes128::new(key))
    }

    /// The backend this instance runs on.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Encrypts one block.
    pub fn encrypt_block(&self, block: Block) -> Block {
        let mut bytes = block.to_bytes().into();
        self.cipher.encrypt_block(&mut bytes);
        Block::from_bytes(bytes.into())
    }

    /// Encrypts every block in place.
    pub fn encrypt_blocks(&self, blocks: &mut [Block]) {
        for block in blocks {
            *block = self.encrypt_block(*block);
        }
    }
}

impl core::fmt::Debug for Aes128 {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Aes128({})", self.backend.name())
    }
}
