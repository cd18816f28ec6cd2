//! What machine a benchmark ran on: CPU model, architecture, cores, and the
//! AES-related CPU features, so results from different CPUs can be joined.

/// A description of this machine.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct System {
    /// CPU model name (from /proc/cpuinfo where there is one).
    pub cpu: String,
    /// `x86_64`, `aarch64`, …
    pub arch: &'static str,
    /// Logical cores available to this process.
    pub cores: usize,
    /// AES-related CPU features detected at run time.
    pub features: Vec<&'static str>,
    /// Whether the run is under an emulator (`GC2PC_EMULATED=1`, set by
    /// scripts/bench-aarch64-qemu.sh): its times are not real.
    pub emulated: bool,
}

impl System {
    /// Detects this machine.
    pub fn detect() -> System {
        System {
            cpu: cpu_model(),
            arch: std::env::consts::ARCH,
            cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
            features: features(),
            emulated: std::env::var_os("GC2PC_EMULATED").is_some_and(|v| v == "1"),
        }
    }
}

fn cpu_model() -> String {
    let info = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    for key in ["model name", "Hardware", "Processor", "cpu model"] {
        let found = info.lines().find_map(|line| {
            let (k, v) = line.split_once(':')?;
            (k.trim() == key && !v.trim().is_empty()).then(|| v.trim().to_string())
        });
        if let Some(model) = found {
            return model;
        }
    }
    let part = info.lines().find_map(|line| {
        let (k, v) = line.split_once(':')?;
        (k.trim() == "CPU part").then(|| v.trim().to_string())
    });
    match part {
        Some(part) => format!("{} CPU part {part}", std::env::consts::ARCH),
        None => format!("unknown {} CPU", std::env::consts::ARCH),
    }
}

#[cfg(target_arch = "x86_64")]
fn features() -> Vec<&'static str> {
    let mut out = Vec::new();
    macro_rules! probe {
        ($($f:tt),*) => { $( if std::is_x86_feature_detected!($f) { out.push($f); } )* };
    }
    probe!(
        "sse2",
        "ssse3",
        "aes",
        "pclmulqdq",
        "avx",
        "avx2",
        "vaes",
        "vpclmulqdq",
        "avx512f"
    );
    out
}

#[cfg(target_arch = "aarch64")]
fn features() -> Vec<&'static str> {
    let mut out = Vec::new();
    macro_rules! probe {
        ($($f:tt),*) => { $( if std::arch::is_aarch64_feature_detected!($f) { out.push($f); } )* };
    }
    probe!("neon", "aes", "pmull", "sha2", "sha3");
    out
}

#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
fn features() -> Vec<&'static str> {
    Vec::new()
}
