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
//!   present a certificate and both verify the peer's against their `--tls-ca`
//!   (webpki path validation, the usual validity dates). The client also checks
//!   that the server's certificate names the server (a DNS name or an IP
//!   address SAN); the server accepts any client name its roots vouch for.
//! - Only TLS 1.3 is offered or accepted; no session tickets, no resumption.
//! - The handshake completes *before* the channel is handed to the protocol:
//!   after it, the server sends [`READY`] and the client waits for it, so a
//!   client whose certificate the server refused learns it (from the server's
//!   alert) before it sends any gc2pc message, and both sides fail with an
//!   error that names the cause ([`TlsError::Handshake`]).
//! - The handshake runs under the channel's timeout (set on the socket first),
//!   so a silent peer cannot hold it forever.
//!
//! # Pinning without a PKI
//! [`self_signed`] makes an end-entity certificate with no basic-constraints
//! extension (not a CA), signed by its own key, with the name as subject
//! common name and SAN and both the server- and client-auth extended key
//! usages. Put such a certificate in the peer's `--tls-ca` and webpki takes it
//! as a trust anchor (subject and public key); the same certificate presented
//! in the handshake then chains to that anchor in one step (its issuer is the
//! anchor's subject and its signature verifies with the anchor's key). Nobody
//! without the private key can present a certificate that does, so trusting
//! the file is pinning the key. A real CA bundle works the same way.
//!
//! # Channel halves
//! [`Channel`] wants a read half and a write half; both share one
//! `rustls::StreamOwned` behind an `Arc<Mutex<…>>`. One thread uses a channel
//! at a time, so the lock is never contended. Timeouts are set on the
//! underlying `TcpStream`.

use super::{Channel, NetError, ReadHalf, WriteHalf};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::server::WebPkiClientVerifier;
use rustls::{
    CertificateError, ClientConfig, ClientConnection, RootCertStore, ServerConfig,
    ServerConnection, StreamOwned,
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
        /// Which file (e.g. "--tls-cert").
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

/// The three files of one party: its certificate chain, its private key, and
/// the certificates it trusts for the peer (a CA, or the peer's own pinned
/// certificate).
#[derive(Debug)]
pub struct TlsFiles {
    /// Our certificate chain, end-entity first.
    pub certs: Vec<CertificateDer<'static>>,
    /// Our private key (PKCS#8, SEC1 or PKCS#1). Never printed.
    key: PrivateKeyDer<'static>,
    /// Trust anchors for the peer.
    pub roots: Vec<CertificateDer<'static>>,
}

impl Clone for TlsFiles {
    fn clone(&self) -> TlsFiles {
        TlsFiles {
            certs: self.certs.clone(),
            key: self.key.clone_key(),
            roots: self.roots.clone(),
        }
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
    /// Reads `--tls-cert` (PEM chain), `--tls-key` (PEM private key) and
    /// `--tls-ca` (PEM certificates to trust for the peer).
    pub fn load(cert: &Path, key: &Path, ca: &Path) -> Result<TlsFiles, TlsError> {
        let file_error = |what, path: &Path, reason| TlsError::File {
            what,
            path: path.to_path_buf(),
            reason,
        };
        let certs = certs_from_pem(&read_file("--tls-cert", cert)?)
            .map_err(|r| file_error("--tls-cert", cert, r))?;
        let key_pem = zeroize::Zeroizing::new(read_file("--tls-key", key)?);
        let key = PrivateKeyDer::from_pem_slice(&key_pem).map_err(|e| {
            file_error(
                "--tls-key",
                key,
                format!("holds no usable PEM private key ({e})"),
            )
        })?;
        let roots = certs_from_pem(&read_file("--tls-ca", ca)?)
            .map_err(|r| file_error("--tls-ca", ca, r))?;
        Ok(TlsFiles { certs, key, roots })
    }

    /// The same from PEM text in memory (tests, benchmarks).
    pub fn from_pem(cert: &str, key: &str, ca: &str) -> Result<TlsFiles, TlsError> {
        let config = |what: &str, e: String| TlsError::Config(format!("{what}: {e}"));
        Ok(TlsFiles {
            certs: certs_from_pem(cert.as_bytes()).map_err(|e| config("certificate", e))?,
            key: PrivateKeyDer::from_pem_slice(key.as_bytes())
                .map_err(|e| config("private key", e.to_string()))?,
            roots: certs_from_pem(ca.as_bytes()).map_err(|e| config("trusted peer", e))?,
        })
    }

    fn root_store(&self) -> Result<Arc<RootCertStore>, TlsError> {
        let mut store = RootCertStore::empty();
        for cert in &self.roots {
            store.add(cert.clone()).map_err(|e| {
                TlsError::Config(format!(
                    "--tls-ca holds a certificate webpki cannot use: {e}"
                ))
            })?;
        }
        Ok(Arc::new(store))
    }
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The garbler's (TLS server's) configuration: TLS 1.3 only, our certificate,
/// and client certificates required and verified against `files.roots`.
pub fn server_config(files: &TlsFiles) -> Result<Arc<ServerConfig>, TlsError> {
    let verifier = WebPkiClientVerifier::builder_with_provider(files.root_store()?, provider())
        .build()
        .map_err(|e| TlsError::Config(format!("cannot verify peers with --tls-ca: {e}")))?;
    let mut config = ServerConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(|e| TlsError::Config(e.to_string()))?
        .with_client_cert_verifier(verifier)
        .with_single_cert(files.certs.clone(), files.key.clone_key())
        .map_err(|e| TlsError::Config(format!("--tls-cert and --tls-key: {e}")))?;
    config.send_tls13_tickets = 0;
    config.session_storage = Arc::new(rustls::server::NoServerSessionStorage {});
    Ok(Arc::new(config))
}

/// The evaluator's (TLS client's) configuration: TLS 1.3 only, server
/// certificates verified against `files.roots`, our certificate presented.
pub fn client_config(files: &TlsFiles) -> Result<Arc<ClientConfig>, TlsError> {
    let mut config = ClientConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(|e| TlsError::Config(e.to_string()))?
        .with_root_certificates(files.root_store()?)
        .with_client_auth_cert(files.certs.clone(), files.key.clone_key())
        .map_err(|e| TlsError::Config(format!("--tls-cert and --tls-key: {e}")))?;
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
                "{peer} closed the connection during the TLS handshake (does it run with TLS, and does its --tls-ca trust our --tls-cert?)"
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
                    "it is not signed by any certificate in --tls-ca (unknown issuer)".to_string()
                }
                CertificateError::NotValidForName
                | CertificateError::NotValidForNameContext { .. } => format!(
                    "it is not valid for the name {:?} (pass the name its certificate holds with --tls-name): {tls}",
                    name.unwrap_or("?")
                ),
                CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                    format!("it has expired: {tls}")
                }
                CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                    format!("it is not valid yet: {tls}")
                }
                _ => tls.to_string(),
            };
            format!("{peer}'s certificate is not trusted by --tls-ca: {why}")
        }
        E::NoCertificatesPresented => {
            format!("{peer} presented no certificate (both parties need --tls-cert and --tls-key)")
        }
        E::AlertReceived(alert) => format!(
            "{peer} refused the TLS handshake (alert: {alert:?}): does its --tls-ca trust our --tls-cert?"
        ),
        E::InvalidMessage(_) | E::InappropriateMessage { .. } => format!(
            "{peer} does not speak TLS 1.3 (is it running without --tls-cert/--tls-key/--tls-ca?): {tls}"
        ),
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
    let mut channel = channel_over(tls)?;
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
        TlsError::Config(format!(
            "{server_name:?} is not a DNS name or IP address (see --tls-name)"
        ))
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
    let mut channel = channel_over(tls)?;
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
pub struct SelfSigned {
    /// The certificate: give it to the peer (its `--tls-ca`).
    pub cert_pem: String,
    /// The private key (PKCS#8): keep it secret (our `--tls-key`).
    pub key_pem: zeroize::Zeroizing<String>,
    /// SHA-256 of the certificate's DER encoding, lowercase hex with colons.
    pub fingerprint: String,
}

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
    let digest = {
        use sha2::{Digest, Sha256};
        Sha256::digest(cert.der().as_ref())
    };
    let fingerprint = digest
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":");
    Ok(SelfSigned {
        cert_pem: cert.pem(),
        key_pem: zeroize::Zeroizing::new(key.serialize_pem()),
        fingerprint,
    })
}

#[cfg(test)]
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

    #[test]
    fn bad_files_are_clear_errors() {
        assert!(TlsFiles::from_pem("nope", "nope", "nope").is_err());
        let g = party("g");
        let err = TlsFiles::from_pem(&g.cert_pem, &g.cert_pem, &g.cert_pem).unwrap_err();
        assert!(err.to_string().contains("private key"), "{err}");
        assert!(self_signed("not a name!", 1).is_err());
    }
}
