//! Run-time CPU feature detection, done once and carried as a value.
//!
//! A family of SIMD kernels (the AES backends of [`crate::aes`], the
//! bit-matrix transposes of [`crate::ot::transpose`]) is an enum implementing
//! [`Feature`]. A [`Checked`] backend can only be obtained by asking the CPU
//! ([`Checked::new`], [`Checked::best`], [`Checked::all`],
//! [`Checked::from_name`]); the AES, hash, PRG and session constructors take
//! one, so "this CPU lacks VAES" is an error where the caller picks the
//! backend, never a panic deep inside a session. This follows the `aes`
//! crate's `InitToken` and curve25519-dalek's backend selection.
//!
//! The library never reads the environment: the command line maps
//! `GC2PC_AES` to a backend with [`Checked::from_name`].

/// A family of kernels selected at run time.
pub trait Feature: Copy + Eq + core::fmt::Debug + 'static {
    /// The family, for messages ("AES", "transpose").
    const FAMILY: &'static str;
    /// Every member, available or not, slowest first: the best available
    /// one is the last available one (`ALL[0]` must run everywhere).
    const ALL: &'static [Self];
    /// The member's name in reports, errors and `GC2PC_AES`.
    fn name(self) -> &'static str;
    /// Whether this CPU has it (run-time detection; cached by the detector).
    fn is_available(self) -> bool;
}

/// A backend of family `B` that this CPU is known to have. The only ways to
/// get one check the CPU, which is what makes calling its
/// `#[target_feature]` kernels sound.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Checked<B>(B);

/// Why a backend cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CpuError {
    /// No member of the family has this name.
    #[error("{name:?} is not an {family} backend (known: {known})")]
    Unknown {
        /// The family ("AES", "transpose").
        family: &'static str,
        /// The name asked for.
        name: String,
        /// The family's names, comma-separated.
        known: String,
    },
    /// The backend exists but this CPU lacks the instructions.
    #[error("the {family} backend {name} is not available on this CPU")]
    Unavailable {
        /// The family ("AES", "transpose").
        family: &'static str,
        /// The backend's name.
        name: &'static str,
    },
}

impl<B: Feature> Checked<B> {
    /// `backend`, if this CPU has it.
    pub fn new(backend: B) -> Result<Checked<B>, CpuError> {
        if backend.is_available() {
            Ok(Checked(backend))
        } else {
            Err(CpuError::Unavailable {
                family: B::FAMILY,
                name: backend.name(),
            })
        }
    }

    /// The member called `name`, if it exists and this CPU has it.
    pub fn from_name(name: &str) -> Result<Checked<B>, CpuError> {
        let backend = B::ALL
            .iter()
            .copied()
            .find(|b| b.name() == name)
            .ok_or_else(|| CpuError::Unknown {
                family: B::FAMILY,
                name: name.to_string(),
                known: B::ALL
                    .iter()
                    .map(|b| b.name())
                    .collect::<Vec<_>>()
                    .join(", "),
            })?;
        Checked::new(backend)
    }

    /// The member that runs everywhere (`ALL[0]`, plain Rust).
    pub fn baseline() -> Checked<B> {
        Checked(B::ALL[0])
    }

    /// The fastest member this CPU has.
    pub fn best() -> Checked<B> {
        Checked(
            B::ALL
                .iter()
                .rev()
                .copied()
                .find(|b| b.is_available())
                .unwrap_or(B::ALL[0]),
        )
    }

    /// Every member this CPU has, slowest (the portable one) first.
    pub fn all() -> Vec<Checked<B>> {
        B::ALL
            .iter()
            .copied()
            .filter(|b| b.is_available())
            .map(Checked)
            .collect()
    }

    /// The backend.
    pub fn get(self) -> B {
        self.0
    }

    /// The backend's name.
    pub fn name(self) -> &'static str {
        self.0.name()
    }
}

impl<B: Feature> core::fmt::Display for Checked<B> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.0.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn family<B: Feature>() {
        let all = Checked::<B>::all();
        assert_eq!(all[0], Checked::<B>::baseline(), "{}", B::FAMILY);
        assert!(B::ALL[0].is_available());
        assert!(all.contains(&Checked::<B>::best()));
        for &b in B::ALL {
            assert_eq!(Checked::new(b).is_ok(), b.is_available());
            assert_eq!(Checked::<B>::from_name(b.name()).ok(), Checked::new(b).ok());
            assert_eq!(B::ALL.iter().filter(|c| c.name() == b.name()).count(), 1);
        }
        // The best is the last available one, slowest first.
        let last = B::ALL.iter().rev().find(|b| b.is_available()).unwrap();
        assert_eq!(Checked::<B>::best().get(), *last);
        assert!(matches!(
            Checked::<B>::from_name("no such backend"),
            Err(CpuError::Unknown { .. })
        ));
    }

    #[test]
    fn every_family_checks_and_orders_its_backends() {
        family::<crate::aes::Backend>();
        family::<crate::ot::transpose::Backend>();
        family::<crate::ot::kos::ClmulBackend>();
    }
}
