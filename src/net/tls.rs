//! Mutually authenticated TLS 1.3 (RFC 8446) under a [`Channel`], with
//! `rustls` and the `ring` provider.
//!
//! This module owns the TLS plumbing of gc2pc: loading PEM certificates and
//! keys ([`TlsFiles`]), building the two `rustls` configurations
//! ([`server_config`], [`client_config`]), running the handshake on a connected
//! `TcpStream` ([`accept`], [`connect`]) and generating self-signed
//! certificates for pinning ([`self_signed`], used by `gc2pc keygen`).
//!
//! # Roles and guarantees
//! - The garbler is the TLS server and the evaluator the TLS client; both
//!   present a certificate and both verify the peer's against their
//!   [`PeerTrust`]: pinned certificates and, optionally, CAs. The client also
//!   checks that the server's certificate names the server (a DNS name or an
//!   IP address SAN); with [`TlsFiles::allow`] either side accepts only peers
//!   whose certificate holds one of the allowed names.
//! - Only TLS 1.3 is offered or accepted; no session tickets, no resumption.
//! - The handshake completes *before* the channel is handed to the protocol:
//!   after it, the server sends [`READY`] and the client waits for it, so a
//!   client whose certificate the server refused learns it (from the server's
//!   alert) before it sends any gc2pc message, and both sides fail with an
//!   error that names the cause ([`TlsError::Handshake`]).
//! - The peer's identity (certificate subject and SHA-256 fingerprint) is on
//!   the channel afterwards ([`Channel::peer_identity`]) for logs and quotas.
//! - Each read and write of the handshake runs under the channel's timeout; a
//!   caller that wants a bound on the whole handshake arms a
//!   [`super::tcp::Watchdog`] on the socket first (the CLI does).
//!
//! # Pinning is not a trust anchor
//! A certificate in `--tls-ca` that is not a CA (no basic-constraints `cA`,
//! as [`self_signed`] writes) is a **pin**: the peer must present exactly that
//! certificate, compared by the SHA-256 fingerprint of its DER encoding (the
//! fingerprint `gc2pc keygen` prints; [`TlsFiles::pin`] takes one as text,
//! `SHA256:ab:cd:…`), and it must be within its validity dates. A pin never
//! vouches for any other certificate: whoever holds a pinned certificate's key
//! cannot mint certificates for other names (the flaw of treating a
//! self-signed certificate as a webpki trust anchor, which this replaces). A
//! pinned certificate that has expired is refused when the file is loaded.
//! Certificates in `--tls-ca` that *are* CAs are trust anchors as usual
//! (webpki path validation, validity dates); with a real CA, restrict the
//! peer names with [`TlsFiles::allow`] (`--tls-allow`), since a CA vouches
//! for many names.
//!
//! # Channel halves
//! [`Channel`] wants a read half and a write half; both share one
//! `rustls::StreamOwned` behind an `Arc<Mutex<…>>`. One thread uses a channel
//! at a time, so the lock is never contended. Timeouts are set on the
//! underlying `TcpStream`.

use super::{Channel, NetError, PeerIdentity, ReadHalf, WriteHalf};
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::server::{ParsedCertificate, WebPkiClientVerifier};
use rustls::{
    CertificateError, ClientConfig, ClientConnection, DigitallySignedStruct, DistinguishedName,
    RootCertStore, ServerConfig, ServerConnection, SignatureScheme, StreamOwned,
};
use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// What the server sends once the handshake has completed on its side (the
/// client's certificate verified): 16 bytes, the first application data.
pub const READY: [u8; 16] = *b"gc2pc tls ready\n";

/// What can go wrong setting up TLS.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A certificate or key file could not be read or holds nothing usable.
    #[error("{what} {}: {reason}", path.display())]
    File {
        /// Which file (e.g. "our certificate").
        what: &'static str,
        /// Its path.
        path: PathBuf,
        /// Why it cannot be used.
        reason: String,
    },
    /// The certificates and key do not make a usable configuration.
    #[error("TLS configuration: {0}")]
    Config(String),
    /// The TLS handshake failed: the message names the cause.
    #[error("TLS handshake failed: {0}")]
    Handshake(String),
    /// The connection failed before or during the handshake.
    #[error(transparent)]
    Net(#[from] NetError),
    /// A certificate could not be generated.
    #[error("cannot generate a certificate: {0}")]
    Generate(String),
}

/// One party's TLS material: its certificate chain, its private key, and
/// whom it accepts as the peer ([`PeerTrust`]).
#[derive(Debug)]
pub struct TlsFiles {
    /// Our certificate chain, end-entity first.
    pub certs: Vec<CertificateDer<'static>>,
    /// Our private key (PKCS#8, SEC1 or PKCS#1). Never printed.
    key: PrivateKeyDer<'static>,
    /// Whom we accept as the peer.
    pub trust: PeerTrust,
}

impl Clone for TlsFiles {
    fn clone(&self) -> TlsFiles {
        TlsFiles {
            certs: self.certs.clone(),
            key: self.key.clone_key(),
            trust: self.trust.clone(),
        }
    }
}

/// SHA-256 of a certificate's DER encoding.
pub fn fingerprint(cert: &[u8]) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    Sha256::digest(cert).into()
}

/// A fingerprint as `gc2pc keygen` prints it and `--tls-pin` takes it:
/// `SHA256:` and lowercase hex pairs separated by colons.
pub fn format_fingerprint(fingerprint: &[u8; 32]) -> String {
    let hex: Vec<String> = fingerprint.iter().map(|b| format!("{b:02x}")).collect();
    format!("SHA256:{}", hex.join(":"))
}

/// Reads a fingerprint written as [`format_fingerprint`] does; the `SHA256:`
/// prefix and the colons are optional, hex digits of either case.
pub fn parse_fingerprint(text: &str) -> Option<[u8; 32]> {
    let text = text.trim();
    let hex = text
        .strip_prefix("SHA256:")
        .or_else(|| text.strip_prefix("sha256:"))
        .unwrap_or(text);
    let digits: Vec<u8> = hex.bytes().filter(|&b| b != b':').collect();
    if digits.len() != 64 || !digits.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    let mut out = [0u8; 32];
    for (byte, pair) in out.iter_mut().zip(digits.chunks(2)) {
        let pair = std::str::from_utf8(pair).ok()?;
        *byte = u8::from_str_radix(pair, 16).ok()?;
    }
    Some(out)
}

/// What we read from a certificate to decide on it and to log it.
struct CertFacts {
    subject: String,
    /// Subject common names and DNS / IP subject alternative names.
    names: Vec<String>,
    is_ca: bool,
    not_before: i64,
    not_after: i64,
}

impl CertFacts {
    fn parse(der: &[u8]) -> Result<CertFacts, String> {
        use x509_parser::extensions::GeneralName;
        let (_, cert) = x509_parser::parse_x509_certificate(der)
            .map_err(|e| format!("not an X.509 certificate: {e}"))?;
        let mut names: Vec<String> = cert
            .subject()
            .iter_common_name()
            .filter_map(|cn| cn.as_str().ok().map(str::to_string))
            .collect();
        if let Ok(Some(san)) = cert.subject_alternative_name() {
            for name in &san.value.general_names {
                match name {
                    GeneralName::DNSName(dns) => names.push(dns.to_string()),
                    GeneralName::IPAddress(ip) => match ip.len() {
                        4 => names.push(
                            std::net::Ipv4Addr::from(<[u8; 4]>::try_from(*ip).expect("4"))
                                .to_string(),
                        ),
                        16 => names.push(
                            std::net::Ipv6Addr::from(<[u8; 16]>::try_from(*ip).expect("16"))
                                .to_string(),
                        ),
                        _ => {}
                    },
                    _ => {}
                }
            }
        }
        Ok(CertFacts {
            subject: cert.subject().to_string(),
            names,
            is_ca: cert.is_ca(),
            not_before: cert.validity().not_before.timestamp(),
            not_after: cert.validity().not_after.timestamp(),
        })
    }
}

fn unix_now() -> i64 {
    UnixTime::now().as_secs() as i64
}

fn date(secs: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(secs).map_or_else(
        |_| format!("{secs} s after 1970"),
        |t| {
            let (y, m, d) = t.to_calendar_date();
            format!("{y}-{:02}-{d:02}", m as u8)
        },
    )
}

/// One pinned certificate: its fingerprint and, for messages, where it came
/// from.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Pin {
    fingerprint: [u8; 32],
    label: String,
}

/// Whom a party accepts as its peer: pinned certificates (by SHA-256
/// fingerprint), CA certificates (trust anchors), and optionally a list of
/// names the peer's certificate must hold (see the module documentation).
#[derive(Clone, Debug, Default)]
pub struct PeerTrust {
    pins: Vec<Pin>,
    cas: Vec<CertificateDer<'static>>,
    allowed: Vec<String>,
}

/// A peer certificate whose names are not on the allowlist.
#[derive(Debug, thiserror::Error)]
#[error("its names [{}] are not among the allowed peer names [{}]", .names.join(", "), .allowed.join(", "))]
struct NotAllowed {
    names: Vec<String>,
    allowed: Vec<String>,
}

impl PeerTrust {
    /// Sorts PEM certificates into pins (end-entity certificates) and CAs;
    /// a pinned certificate outside its validity dates is refused here.
    fn add_pem(&mut self, pem: &[u8]) -> Result<(), String> {
        for cert in certs_from_pem(pem)? {
            let facts = CertFacts::parse(&cert)?;
            if facts.is_ca {
                self.cas.push(cert);
                continue;
            }
            let now = unix_now();
            if now > facts.not_after {
                return Err(format!(
                    "the pinned certificate of {} expired on {}: ask the peer for a new one",
                    facts.subject,
                    date(facts.not_after)
                ));
            }
            if now < facts.not_before {
                return Err(format!(
                    "the pinned certificate of {} is not valid before {}",
                    facts.subject,
                    date(facts.not_before)
                ));
            }
            self.pins.push(Pin {
                fingerprint: fingerprint(&cert),
                label: facts.subject,
            });
        }
        Ok(())
    }

    /// Whether nothing is trusted at all (then no peer can be accepted).
    pub fn is_empty(&self) -> bool {
        self.pins.is_empty() && self.cas.is_empty()
    }

    /// Number of pinned certificates and of CA certificates.
    pub fn counts(&self) -> (usize, usize) {
        (self.pins.len(), self.cas.len())
    }

    fn root_store(&self) -> Result<Arc<RootCertStore>, TlsError> {
        let mut store = RootCertStore::empty();
        for cert in &self.cas {
            store.add(cert.clone()).map_err(|e| {
                TlsError::Config(format!(
                    "the trusted certificates hold a CA certificate webpki cannot use: {e}"
                ))
            })?;
        }
        Ok(Arc::new(store))
    }

    /// Decides on the peer's end-entity certificate: a pin (and within its
    /// dates), or else what `by_ca` says (webpki path validation against the
    /// CAs); then the allowlist.
    fn check(
        &self,
        end_entity: &CertificateDer<'_>,
        now: UnixTime,
        by_ca: Option<&dyn Fn() -> Result<(), rustls::Error>>,
    ) -> Result<(), rustls::Error> {
        let bad = |e: CertificateError| rustls::Error::InvalidCertificate(e);
        let facts = CertFacts::parse(end_entity).map_err(|_| bad(CertificateError::BadEncoding))?;
        let print = fingerprint(end_entity);
        if self.pins.iter().any(|p| p.fingerprint == print) {
            let secs = now.as_secs() as i64;
            if secs > facts.not_after {
                return Err(bad(CertificateError::ExpiredContext {
                    time: now,
                    not_after: UnixTime::since_unix_epoch(std::time::Duration::from_secs(
                        facts.not_after.max(0) as u64,
                    )),
                }));
            }
            if secs < facts.not_before {
                return Err(bad(CertificateError::NotValidYetContext {
                    time: now,
                    not_before: UnixTime::since_unix_epoch(std::time::Duration::from_secs(
                        facts.not_before.max(0) as u64,
                    )),
                }));
            }
        } else {
            match by_ca {
                Some(verify) if !self.cas.is_empty() => verify()?,
                _ => return Err(bad(CertificateError::UnknownIssuer)),
            }
        }
        if !self.allowed.is_empty()
            && !facts
                .names
                .iter()
                .any(|n| self.allowed.iter().any(|a| a.eq_ignore_ascii_case(n)))
        {
            return Err(bad(CertificateError::Other(rustls::OtherError(Arc::new(
                NotAllowed {
                    names: facts.names,
                    allowed: self.allowed.clone(),
                },
            )))));
        }
        Ok(())
    }
}

/// The identity a verified peer certificate shows, for logs and quotas.
fn identity_of(cert: &CertificateDer<'_>) -> PeerIdentity {
    PeerIdentity {
        subject: CertFacts::parse(cert).map_or_else(|_| "?".into(), |f| f.subject),
        fingerprint: format_fingerprint(&fingerprint(cert)),
    }
}

/// Verifies the peer by [`PeerTrust`] (both roles), with TLS 1.3 handshake
/// signatures checked by the provider's algorithms.
#[derive(Debug)]
struct PeerVerifier {
    trust: PeerTrust,
    provider: Arc<rustls::crypto::CryptoProvider>,
    server_ca: Option<Arc<WebPkiServerVerifier>>,
    client_ca: Option<Arc<dyn ClientCertVerifier>>,
}

impl PeerVerifier {
    fn new(trust: &PeerTrust) -> Result<PeerVerifier, TlsError> {
        let provider = provider();
        let (server_ca, client_ca) = if trust.cas.is_empty() {
            (None, None)
        } else {
            let roots = trust.root_store()?;
            let server =
                WebPkiServerVerifier::builder_with_provider(roots.clone(), provider.clone())
                    .build()
                    .map_err(|e| {
                        TlsError::Config(format!(
                            "cannot verify peers with the trusted certificates: {e}"
                        ))
                    })?;
            let client = WebPkiClientVerifier::builder_with_provider(roots, provider.clone())
                .build()
                .map_err(|e| {
                    TlsError::Config(format!(
                        "cannot verify peers with the trusted certificates: {e}"
                    ))
                })?;
            (Some(server), Some(client))
        };
        Ok(PeerVerifier {
            trust: trust.clone(),
            provider,
            server_ca,
            client_ca,
        })
    }

    fn tls13(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

fn no_tls12() -> rustls::Error {
    rustls::Error::PeerIncompatible(rustls::PeerIncompatible::Tls12NotOffered)
}

impl ServerCertVerifier for PeerVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let by_ca = || -> Result<(), rustls::Error> {
            match &self.server_ca {
                Some(v) => v
                    .verify_server_cert(end_entity, intermediates, server_name, ocsp, now)
                    .map(|_| ()),
                None => Err(rustls::Error::InvalidCertificate(
                    CertificateError::UnknownIssuer,
                )),
            }
        };
        self.trust.check(end_entity, now, Some(&by_ca))?;
        // A pin too must name the server we meant to reach.
        rustls::client::verify_server_name(&ParsedCertificate::try_from(end_entity)?, server_name)?;
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        _: &[u8],
        _: &CertificateDer<'_>,
        _: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Err(no_tls12())
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.tls13(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.schemes()
    }
}

impl ClientCertVerifier for PeerVerifier {
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        let by_ca = || -> Result<(), rustls::Error> {
            match &self.client_ca {
                Some(v) => v
                    .verify_client_cert(end_entity, intermediates, now)
                    .map(|_| ()),
                None => Err(rustls::Error::InvalidCertificate(
                    CertificateError::UnknownIssuer,
                )),
            }
        };
        self.trust.check(end_entity, now, Some(&by_ca))?;
        Ok(ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        _: &[u8],
        _: &CertificateDer<'_>,
        _: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Err(no_tls12())
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.tls13(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.schemes()
    }
}

fn certs_from_pem(pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, String> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("not a PEM certificate file: {e}"))?;
    if certs.is_empty() {
        return Err("holds no PEM certificate (BEGIN CERTIFICATE)".into());
    }
    Ok(certs)
}

fn read_file(what: &'static str, path: &Path) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|e| TlsError::File {
        what,
        path: path.to_path_buf(),
        reason: e.to_string(),
    })
}

impl TlsFiles {
    /// Reads `--tls-cert` (PEM chain), `--tls-key` (PEM private key) and, if
    /// given, `--tls-ca` (PEM certificates: pins and CAs, see the module
    /// documentation). Add pins with [`TlsFiles::pin`]; a configuration that
    /// trusts nothing is refused when the TLS configuration is built.
    pub fn load(cert: &Path, key: &Path, ca: Option<&Path>) -> Result<TlsFiles, TlsError> {
        let file_error = |what, path: &Path, reason| TlsError::File {
            what,
            path: path.to_path_buf(),
            reason,
        };
        let certs = certs_from_pem(&read_file("our certificate", cert)?)
            .map_err(|r| file_error("our certificate", cert, r))?;
        let key_pem = zeroize::Zeroizing::new(read_file("our private key", key)?);
        let key = PrivateKeyDer::from_pem_slice(&key_pem).map_err(|e| {
            file_error(
                "our private key",
                key,
                format!("holds no usable PEM private key ({e})"),
            )
        })?;
        let mut trust = PeerTrust::default();
        if let Some(ca) = ca {
            trust
                .add_pem(&read_file("the trusted certificates", ca)?)
                .map_err(|r| file_error("the trusted certificates", ca, r))?;
        }
        Ok(TlsFiles { certs, key, trust })
    }

    /// The same from PEM text in memory (tests, benchmarks).
    pub fn from_pem(cert: &str, key: &str, ca: &str) -> Result<TlsFiles, TlsError> {
        let config = |what: &str, e: String| TlsError::Config(format!("{what}: {e}"));
        let mut trust = PeerTrust::default();
        trust
            .add_pem(ca.as_bytes())
            .map_err(|e| config("trusted peer", e))?;
        Ok(TlsFiles {
            certs: certs_from_pem(cert.as_bytes()).map_err(|e| config("certificate", e))?,
            key: PrivateKeyDer::from_pem_slice(key.as_bytes())
                .map_err(|e| config("private key", e.to_string()))?,
            trust,
        })
    }

    /// Also accepts the peer certificate with this SHA-256 fingerprint
    /// (`SHA256:ab:cd:…` as `gc2pc keygen` prints it; `--tls-pin`).
    pub fn pin(mut self, text: &str) -> Result<TlsFiles, TlsError> {
        let fingerprint = parse_fingerprint(text).ok_or_else(|| {
            TlsError::Config(format!(
                "the pin {text:?} is not a SHA-256 fingerprint (expected SHA256: and 64 hex digits, colons allowed, as `gc2pc keygen` prints)"
            ))
        })?;
        self.trust.pins.push(Pin {
            fingerprint,
            label: format_fingerprint(&fingerprint),
        });
        Ok(self)
    }

    /// Accepts only peers whose certificate holds `name` (or another allowed
    /// name) as its common name or a subject alternative name (`--tls-allow`).
    pub fn allow(mut self, name: &str) -> TlsFiles {
        self.trust.allowed.push(name.to_string());
        self
    }

    fn verifier(&self) -> Result<Arc<PeerVerifier>, TlsError> {
        if self.trust.is_empty() {
            return Err(TlsError::Config(
                "no peer is trusted: give the peer's certificate or a CA as trusted certificates, or pin its fingerprint".into(),
            ));
        }
        Ok(Arc::new(PeerVerifier::new(&self.trust)?))
    }
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The garbler's (TLS server's) configuration: TLS 1.3 only, our certificate,
/// and client certificates required and verified by `files.trust`.
pub fn server_config(files: &TlsFiles) -> Result<Arc<ServerConfig>, TlsError> {
    let verifier = files.verifier()?;
    let mut config = ServerConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(|e| TlsError::Config(e.to_string()))?
        .with_client_cert_verifier(verifier)
        .with_single_cert(files.certs.clone(), files.key.clone_key())
        .map_err(|e| TlsError::Config(format!("our certificate and key: {e}")))?;
    config.send_tls13_tickets = 0;
    config.session_storage = Arc::new(rustls::server::NoServerSessionStorage {});
    Ok(Arc::new(config))
}

/// The evaluator's (TLS client's) configuration: TLS 1.3 only, server
/// certificates verified by `files.trust`, our certificate presented.
pub fn client_config(files: &TlsFiles) -> Result<Arc<ClientConfig>, TlsError> {
    let mut config = ClientConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(|e| TlsError::Config(e.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(files.verifier()?)
        .with_client_auth_cert(files.certs.clone(), files.key.clone_key())
        .map_err(|e| TlsError::Config(format!("our certificate and key: {e}")))?;
    config.resumption = rustls::client::Resumption::disabled();
    Ok(Arc::new(config))
}

/// One TLS stream shared by the two halves of a channel.
type Shared<C> = Arc<Mutex<StreamOwned<C, TcpStream>>>;

struct TlsReader<C>(Shared<C>);
struct TlsWriter<C>(Shared<C>);

fn lock<C>(shared: &Shared<C>) -> MutexGuard<'_, StreamOwned<C, TcpStream>> {
    // A panic while holding the lock leaves a stream we simply keep using:
    // any inconsistency surfaces as a TLS error on the next read or write.
    shared
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl<C> Read for TlsReader<C>
where
    StreamOwned<C, TcpStream>: Read,
{
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        lock(&self.0).read(buf)
    }
}

impl<C: Send> ReadHalf for TlsReader<C>
where
    StreamOwned<C, TcpStream>: Read,
{
    fn set_read_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        lock(&self.0).sock.set_read_timeout(timeout)
    }
}

impl<C> Write for TlsWriter<C>
where
    StreamOwned<C, TcpStream>: Write,
{
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        lock(&self.0).write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        lock(&self.0).flush()
    }
}

impl<C: Send> WriteHalf for TlsWriter<C>
where
    StreamOwned<C, TcpStream>: Write,
{
    fn set_write_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        lock(&self.0).sock.set_write_timeout(timeout)
    }
}

fn channel_over<C: Send + 'static>(stream: StreamOwned<C, TcpStream>) -> Result<Channel, NetError>
where
    StreamOwned<C, TcpStream>: Read + Write,
{
    let shared = Arc::new(Mutex::new(stream));
    Channel::new(
        Box::new(TlsReader(shared.clone())),
        Box::new(TlsWriter(shared)),
    )
}

/// Which side we are, for messages.
#[derive(Clone, Copy)]
enum Side {
    Server,
    Client,
}

impl Side {
    fn peer(self) -> &'static str {
        match self {
            Side::Server => "the evaluator",
            Side::Client => "the garbler",
        }
    }
}

/// Turns a handshake failure into a sentence naming the cause.
fn explain(side: Side, error: io::Error, name: Option<&str>) -> TlsError {
    let peer = side.peer();
    let Some(tls) = error
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
    else {
        return match NetError::from(error) {
            NetError::Closed => TlsError::Handshake(format!(
                "{peer} closed the connection during the TLS handshake (does it run with TLS, and does it trust our certificate?)"
            )),
            NetError::Timeout => TlsError::Handshake(format!(
                "timed out waiting for {peer} during the TLS handshake"
            )),
            other => TlsError::Net(other),
        };
    };
    use rustls::Error as E;
    let message = match tls {
        E::InvalidCertificate(cause) => {
            let why = match cause {
                CertificateError::UnknownIssuer | CertificateError::BadSignature => {
                    "it is neither pinned (its SHA-256 fingerprint is not that of a trusted certificate or a pin) nor issued by a trusted CA".to_string()
                }
                CertificateError::Other(other) => other.0.to_string(),
                CertificateError::NotValidForName
                | CertificateError::NotValidForNameContext { .. } => format!(
                    "it is not valid for the name {:?} (expect the name its certificate holds): {tls}",
                    name.unwrap_or("?")
                ),
                CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                    format!("it has expired (a pinned certificate must be renewed and pinned again): {tls}")
                }
                CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                    format!("it is not valid yet: {tls}")
                }
                _ => tls.to_string(),
            };
            format!("{peer}'s certificate is not trusted: {why}")
        }
        E::NoCertificatesPresented => {
            format!("{peer} presented no certificate (both parties need a certificate and key)")
        }
        E::AlertReceived(alert) => format!(
            "{peer} refused the TLS handshake (alert: {alert:?}): does it trust our certificate?"
        ),
        E::InvalidMessage(_) | E::InappropriateMessage { .. } => {
            format!("{peer} does not speak TLS 1.3 (is it running without TLS?): {tls}")
        }
        E::PeerIncompatible(_) => {
            format!("{peer}'s TLS is incompatible (gc2pc needs TLS 1.3): {tls}")
        }
        _ => format!("with {peer}: {tls}"),
    };
    TlsError::Handshake(message)
}

fn prepare(stream: &TcpStream, timeout: Duration) -> Result<(), NetError> {
    let timeout = timeout.max(Duration::from_millis(1));
    stream.set_nonblocking(false)?;
    stream.set_nodelay(true)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    Ok(())
}

/// The server side: runs the TLS handshake on an accepted stream (the
/// evaluator's certificate verified), sends [`READY`], and returns a channel
/// with `timeout` for reads and writes.
pub fn accept(
    stream: TcpStream,
    config: Arc<ServerConfig>,
    timeout: Duration,
) -> Result<Channel, TlsError> {
    prepare(&stream, timeout)?;
    let conn = ServerConnection::new(config).map_err(|e| TlsError::Config(e.to_string()))?;
    let mut tls = StreamOwned::new(conn, stream);
    let handshake = (|| -> io::Result<()> {
        while tls.conn.is_handshaking() {
            tls.conn.complete_io(&mut tls.sock)?;
        }
        tls.write_all(&READY)?;
        tls.flush()
    })();
    handshake.map_err(|e| explain(Side::Server, e, None))?;
    let peer = tls
        .conn
        .peer_certificates()
        .and_then(|c| c.first())
        .map(identity_of);
    let mut channel = channel_over(tls)?;
    channel.set_peer_identity(peer);
    channel.set_timeout(timeout)?;
    Ok(channel)
}

/// The client side: runs the TLS handshake on a connected stream, checking
/// that the server's certificate is trusted and names `server_name` (a DNS
/// name or an IP address), waits for the server's [`READY`], and returns a
/// channel with `timeout` for reads and writes.
pub fn handshake_client(
    stream: TcpStream,
    config: Arc<ClientConfig>,
    server_name: &str,
    timeout: Duration,
) -> Result<Channel, TlsError> {
    let name = ServerName::try_from(server_name.to_string()).map_err(|_| {
        TlsError::Config(format!("{server_name:?} is not a DNS name or IP address"))
    })?;
    prepare(&stream, timeout)?;
    let conn = ClientConnection::new(config, name).map_err(|e| TlsError::Config(e.to_string()))?;
    let mut tls = StreamOwned::new(conn, stream);
    let handshake = (|| -> io::Result<[u8; 16]> {
        while tls.conn.is_handshaking() {
            tls.conn.complete_io(&mut tls.sock)?;
        }
        tls.flush()?;
        let mut ready = [0u8; 16];
        tls.read_exact(&mut ready)?;
        Ok(ready)
    })();
    let ready = handshake.map_err(|e| explain(Side::Client, e, Some(server_name)))?;
    if ready != READY {
        return Err(TlsError::Handshake(
            "the garbler's first message after the TLS handshake is not gc2pc's".into(),
        ));
    }
    let peer = tls
        .conn
        .peer_certificates()
        .and_then(|c| c.first())
        .map(identity_of);
    let mut channel = channel_over(tls)?;
    channel.set_peer_identity(peer);
    channel.set_timeout(timeout)?;
    Ok(channel)
}

/// Connects to `addr` and runs the client handshake ([`handshake_client`]).
pub fn connect<A: ToSocketAddrs>(
    addr: A,
    config: Arc<ClientConfig>,
    server_name: &str,
    timeout: Duration,
) -> Result<Channel, TlsError> {
    let stream = super::tcp::connect_stream(addr, timeout)?;
    handshake_client(stream, config, server_name, timeout)
}

/// A freshly generated certificate and its private key, both PEM.
#[cfg(feature = "keygen")]
pub struct SelfSigned {
    /// The certificate: give it to the peer (its `--tls-ca`).
    pub cert_pem: String,
    /// The private key (PKCS#8): keep it secret (our `--tls-key`).
    pub key_pem: zeroize::Zeroizing<String>,
    /// SHA-256 of the certificate's DER encoding, as [`format_fingerprint`]
    /// writes it (what `--tls-pin` takes).
    pub fingerprint: String,
}

#[cfg(feature = "keygen")]
impl core::fmt::Debug for SelfSigned {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SelfSigned")
            .field("fingerprint", &self.fingerprint)
            .finish_non_exhaustive()
    }
}

/// A self-signed ECDSA P-256 end-entity certificate for `name` (a DNS name or
/// an IP address: the SAN the evaluator checks, and the subject common name),
/// valid from yesterday for `days` days, usable for both server and client
/// authentication and as its own pinned trust anchor (see the module docs).
#[cfg(feature = "keygen")]
pub fn self_signed(name: &str, days: u32) -> Result<SelfSigned, TlsError> {
    use rcgen::{CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair, SerialNumber};
    let generate = |e: rcgen::Error| TlsError::Generate(e.to_string());
    if name.is_empty() {
        return Err(TlsError::Generate("the name is empty".into()));
    }
    if ServerName::try_from(name.to_string()).is_err() {
        return Err(TlsError::Generate(format!(
            "{name:?} is neither a DNS name nor an IP address"
        )));
    }
    let key = KeyPair::generate().map_err(generate)?;
    let mut params = CertificateParams::new(vec![name.to_string()]).map_err(generate)?;
    params.distinguished_name = rcgen::DistinguishedName::new();
    params.distinguished_name.push(DnType::CommonName, name);
    params
        .distinguished_name
        .push(DnType::OrganizationName, "gc2pc party");
    params.is_ca = IsCa::NoCa;
    params.extended_key_usages = vec![
        ExtendedKeyUsagePurpose::ServerAuth,
        ExtendedKeyUsagePurpose::ClientAuth,
    ];
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now - time::Duration::days(1);
    params.not_after = now + time::Duration::days(i64::from(days.max(1)));
    let mut serial = [0u8; 16];
    getrandom::fill(&mut serial).map_err(|e| TlsError::Generate(e.to_string()))?;
    serial[0] &= 0x7f;
    params.serial_number = Some(SerialNumber::from_slice(&serial));
    let cert = params.self_signed(&key).map_err(generate)?;
    let fingerprint = format_fingerprint(&fingerprint(cert.der()));
    Ok(SelfSigned {
        cert_pem: cert.pem(),
        key_pem: zeroize::Zeroizing::new(key.serialize_pem()),
        fingerprint,
    })
}

#[cfg(all(test, feature = "keygen"))]
mod tests {
    use super::*;
    use crate::net::tcp;

    fn party(name: &str) -> SelfSigned {
        self_signed(name, 30).unwrap()
    }

    fn files(me: &SelfSigned, trusted: &SelfSigned) -> TlsFiles {
        TlsFiles::from_pem(&me.cert_pem, &me.key_pem, &trusted.cert_pem).unwrap()
    }

    /// Runs a server with `server` and a client with `client` (checking the
    /// name `name`); returns both results.
    fn pair(
        server: TlsFiles,
        client: TlsFiles,
        name: &str,
    ) -> (Result<Channel, TlsError>, Result<Channel, TlsError>) {
        let t = Duration::from_secs(5);
        let listener = tcp::listen("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let sconf = server_config(&server).unwrap();
        let cconf = client_config(&client).unwrap();
        std::thread::scope(|s| {
            let srv = s.spawn(|| accept(listener.accept_stream(t).unwrap(), sconf, t));
            let cli = connect(addr, cconf, name, t);
            (srv.join().unwrap(), cli)
        })
    }

    #[test]
    fn pinned_self_signed_certificates_talk() {
        let (g, e) = (party("garbler.example"), party("evaluator.example"));
        let (s, c) = pair(files(&g, &e), files(&e, &g), "garbler.example");
        let (mut s, mut c) = (s.unwrap(), c.unwrap());
        s.send_bytes(b"hello").unwrap();
        s.flush().unwrap();
        assert_eq!(c.recv_bytes(100).unwrap(), b"hello");
        c.send_blocks(&[crate::block::Block(42); 3]).unwrap();
        c.flush().unwrap();
        let mut got = [crate::block::Block::ZERO; 3];
        s.recv_blocks(&mut got).unwrap();
        assert_eq!(got, [crate::block::Block(42); 3]);
    }

    #[test]
    fn an_ip_address_name_works() {
        let (g, e) = (party("127.0.0.1"), party("evaluator"));
        let (s, c) = pair(files(&g, &e), files(&e, &g), "127.0.0.1");
        s.unwrap();
        c.unwrap();
    }

    #[test]
    fn an_untrusted_client_is_refused_on_both_sides() {
        let (g, e, mallory) = (party("g"), party("e"), party("e"));
        let (s, c) = pair(files(&g, &e), files(&mallory, &g), "g");
        let (s, c) = (s.unwrap_err().to_string(), c.unwrap_err().to_string());
        assert!(
            s.contains("the evaluator's certificate is not trusted"),
            "{s}"
        );
        assert!(c.contains("the garbler refused the TLS handshake"), "{c}");
    }

    #[test]
    fn an_untrusted_server_is_refused_on_both_sides() {
        let (g, e, mallory) = (party("g"), party("e"), party("g"));
        let (s, c) = pair(files(&mallory, &e), files(&e, &g), "g");
        let (s, c) = (s.unwrap_err().to_string(), c.unwrap_err().to_string());
        assert!(
            c.contains("the garbler's certificate is not trusted"),
            "{c}"
        );
        assert!(s.contains("the evaluator refused the TLS handshake"), "{s}");
    }

    #[test]
    fn a_wrong_name_is_refused() {
        let (g, e) = (party("g.example"), party("e"));
        let (_, c) = pair(files(&g, &e), files(&e, &g), "other.example");
        let c = c.unwrap_err().to_string();
        assert!(c.contains("not valid for the name"), "{c}");
    }

    /// A certificate for `name` with `issuer`'s name, signed by `issuer_key`
    /// (a forgery when the issuer is only a pinned end entity).
    fn signed_by(name: &str, issuer: &SelfSigned, is_ca: bool) -> (String, String) {
        use rcgen::{CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair};
        let issuer_key = KeyPair::from_pem(&issuer.key_pem).unwrap();
        // The issuer's distinguished name, as its certificate has it.
        let facts = CertFacts::parse(
            &CertificateDer::pem_slice_iter(issuer.cert_pem.as_bytes())
                .next()
                .unwrap()
                .unwrap(),
        )
        .unwrap();
        let mut issuer_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        for part in facts.subject.split(", ") {
            match part.split_once('=') {
                Some(("CN", v)) => issuer_params.distinguished_name.push(DnType::CommonName, v),
                Some(("O", v)) => issuer_params
                    .distinguished_name
                    .push(DnType::OrganizationName, v),
                _ => {}
            }
        }
        let issuer = Issuer::new(issuer_params, issuer_key);
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(vec![name.to_string()]).unwrap();
        params.distinguished_name.push(DnType::CommonName, name);
        params.is_ca = if is_ca {
            IsCa::Ca(rcgen::BasicConstraints::Unconstrained)
        } else {
            IsCa::NoCa
        };
        params.extended_key_usages = vec![
            ExtendedKeyUsagePurpose::ServerAuth,
            ExtendedKeyUsagePurpose::ClientAuth,
        ];
        let cert = params.signed_by(&key, &issuer).unwrap();
        (cert.pem(), key.serialize_pem())
    }

    /// A self-signed CA certificate and key.
    fn ca(name: &str) -> SelfSigned {
        use rcgen::{CertificateParams, DnType, IsCa, KeyPair};
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.distinguished_name.push(DnType::CommonName, name);
        params.is_ca = IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params.key_usages = vec![
            rcgen::KeyUsagePurpose::KeyCertSign,
            rcgen::KeyUsagePurpose::DigitalSignature,
        ];
        let cert = params.self_signed(&key).unwrap();
        SelfSigned {
            fingerprint: format_fingerprint(&fingerprint(cert.der())),
            cert_pem: cert.pem(),
            key_pem: zeroize::Zeroizing::new(key.serialize_pem()),
        }
    }

    #[test]
    fn a_pinned_key_cannot_mint_a_certificate_for_another_pinned_name() {
        // The garbler pins both A and B in one --tls-ca file; B signs a
        // certificate for A's name with B's key (issuer: B's subject).
        let (g, a, b) = (party("g"), party("a.example"), party("b.example"));
        let both = format!("{}{}", a.cert_pem, b.cert_pem);
        let (forged_cert, forged_key) = signed_by("a.example", &b, false);
        let server = TlsFiles::from_pem(&g.cert_pem, &g.key_pem, &both).unwrap();
        let forger = TlsFiles::from_pem(&forged_cert, &forged_key, &g.cert_pem).unwrap();
        let (s, _) = pair(server.clone(), forger, "g");
        let s = s.unwrap_err().to_string();
        assert!(s.contains("neither pinned"), "{s}");
        // A itself, and B itself, are still accepted.
        for peer in [&a, &b] {
            let (s, c) = pair(server.clone(), files(peer, &g), "g");
            let id = s.unwrap().peer_identity().cloned().unwrap();
            assert_eq!(id.fingerprint, peer.fingerprint);
            c.unwrap();
        }
    }

    #[test]
    fn an_expired_pin_is_refused_when_loaded_and_when_presented() {
        use rcgen::{CertificateParams, DnType, KeyPair};
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(vec!["old.example".to_string()]).unwrap();
        params
            .distinguished_name
            .push(DnType::CommonName, "old.example");
        let now = time::OffsetDateTime::now_utc();
        params.not_before = now - time::Duration::days(30);
        params.not_after = now - time::Duration::days(1);
        let old = params.self_signed(&key).unwrap();
        let g = party("g");
        let err = TlsFiles::from_pem(&g.cert_pem, &g.key_pem, &old.pem()).unwrap_err();
        assert!(err.to_string().contains("expired"), "{err}");
        // Pinned by fingerprint instead: refused in the handshake.
        let server = TlsFiles::from_pem(&g.cert_pem, &g.key_pem, &g.cert_pem)
            .unwrap()
            .pin(&format_fingerprint(&fingerprint(old.der())))
            .unwrap();
        let client = TlsFiles::from_pem(&old.pem(), &key.serialize_pem(), &g.cert_pem).unwrap();
        let (s, _) = pair(server, client, "g");
        let s = s.unwrap_err().to_string();
        assert!(s.contains("expired"), "{s}");
    }

    #[test]
    fn pins_by_fingerprint_text() {
        let (g, e, m) = (party("g"), party("e"), party("m"));
        let server = |pin: &str| {
            // Trust only the pin (the file pins an unrelated certificate).
            TlsFiles::from_pem(&g.cert_pem, &g.key_pem, &party("x").cert_pem)
                .unwrap()
                .pin(pin)
                .unwrap()
        };
        let (s, c) = pair(server(&e.fingerprint), files(&e, &g), "g");
        s.unwrap();
        c.unwrap();
        let bare = e.fingerprint.trim_start_matches("SHA256:").replace(':', "");
        let (s, _) = pair(server(&bare.to_uppercase()), files(&e, &g), "g");
        s.unwrap();
        let (s, _) = pair(server(&m.fingerprint), files(&e, &g), "g");
        assert!(s.is_err());
        assert!(
            TlsFiles::from_pem(&g.cert_pem, &g.key_pem, &g.cert_pem)
                .unwrap()
                .pin("SHA256:12")
                .is_err()
        );
        assert_eq!(
            parse_fingerprint(&e.fingerprint).map(|f| format_fingerprint(&f)),
            Some(e.fingerprint.clone())
        );
    }

    #[test]
    fn a_ca_vouches_only_for_allowed_names() {
        let authority = ca("Test CA");
        let (g_cert, g_key) = signed_by("g.example", &authority, false);
        let (e_cert, e_key) = signed_by("e.example", &authority, false);
        let (m_cert, m_key) = signed_by("m.example", &authority, false);
        let server = TlsFiles::from_pem(&g_cert, &g_key, &authority.cert_pem)
            .unwrap()
            .allow("e.example");
        let client = |c: &str, k: &str| TlsFiles::from_pem(c, k, &authority.cert_pem).unwrap();
        let (s, c) = pair(server.clone(), client(&e_cert, &e_key), "g.example");
        assert!(
            s.unwrap()
                .peer_identity()
                .unwrap()
                .subject
                .contains("e.example")
        );
        c.unwrap();
        let (s, _) = pair(server, client(&m_cert, &m_key), "g.example");
        let s = s.unwrap_err().to_string();
        assert!(
            s.contains("allowed peer names") && s.contains("m.example"),
            "{s}"
        );
    }

    #[test]
    fn bad_files_are_clear_errors() {
        assert!(TlsFiles::from_pem("nope", "nope", "nope").is_err());
        let g = party("g");
        let err = TlsFiles::from_pem(&g.cert_pem, &g.cert_pem, &g.cert_pem).unwrap_err();
        assert!(err.to_string().contains("private key"), "{err}");
        assert!(self_signed("not a name!", 1).is_err());
    }
}
