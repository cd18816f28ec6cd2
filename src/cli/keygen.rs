//! `gc2pc keygen`: a self-signed certificate and private key for one party,
//! so that two parties can pin each other's certificates (`--tls-ca` = the
//! peer's certificate) without running a PKI. See `gc2pc::net::tls`.

use anyhow::{Context, Result, bail};
use clap::Args;
use gc2pc::net::tls;
use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};

/// `gc2pc keygen`.
#[derive(Args, Debug)]
pub struct KeygenArgs {
    /// The party's name: a DNS name or an IP address. The evaluator checks the
    /// garbler's certificate against the host it connects to (or --tls-name).
    #[arg(long, value_name = "NAME")]
    pub name: String,
    /// Where to write the certificate (PEM; give it to the peer as its --tls-ca).
    /// Default: NAME.crt
    #[arg(long, value_name = "FILE")]
    pub cert: Option<PathBuf>,
    /// Where to write the private key (PEM, mode 0600; keep it secret: your
    /// --tls-key). Default: NAME.key
    #[arg(long, value_name = "FILE")]
    pub key: Option<PathBuf>,
    /// Days the certificate stays valid.
    #[arg(long, value_name = "DAYS", default_value_t = 825)]
    pub days: u32,
    /// Overwrite existing files.
    #[arg(long)]
    pub force: bool,
}

/// Writes `data` to `path` with `mode` (on Unix), refusing to overwrite
/// unless `force`.
fn write_file(path: &Path, data: &[u8], mode: u32, force: bool) -> Result<()> {
    let mut options = OpenOptions::new();
    options.write(true);
    if force {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    let mut file = options.open(path).with_context(|| {
        if path.exists() && !force {
            format!(
                "{} already exists (pass --force to overwrite it)",
                path.display()
            )
        } else {
            format!("cannot write {}", path.display())
        }
    })?;
    #[cfg(unix)]
    if force {
        // An existing file keeps its old mode on open: set it explicitly.
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(mode))?;
    }
    file.write_all(data)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// Runs `gc2pc keygen`.
pub fn run(args: KeygenArgs) -> Result<()> {
    let cert_path = args
        .cert
        .unwrap_or_else(|| PathBuf::from(format!("{}.crt", args.name)));
    let key_path = args
        .key
        .unwrap_or_else(|| PathBuf::from(format!("{}.key", args.name)));
    if cert_path == key_path {
        bail!("--cert and --key must be different files");
    }
    let generated = tls::self_signed(&args.name, args.days)?;
    write_file(&key_path, generated.key_pem.as_bytes(), 0o600, args.force)?;
    write_file(&cert_path, generated.cert_pem.as_bytes(), 0o644, args.force)?;
    outln!("certificate  {}", cert_path.display());
    outln!("private key  {} (mode 0600)", key_path.display());
    outln!("name         {}", args.name);
    outln!("SHA-256      {}", generated.fingerprint);
    eprintln!(
        "Give {} to the other party (their --tls-ca, which pins exactly this certificate; or they pass --tls-pin with the fingerprint above) and compare the SHA-256 fingerprint with them over another channel; keep {} secret (your --tls-key).",
        cert_path.display(),
        key_path.display()
    );
    Ok(())
}
