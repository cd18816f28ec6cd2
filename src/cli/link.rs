//! Reaching the peer for the commands that run secure programs (`psi`,
//! `garble`/`evaluate --program`): listen or connect, mutual TLS when
//! configured, the plain-TCP warning, and a deadline on the whole session.

use super::party::{
    PLAIN_TCP_WARNING, TlsArgs, host_of, is_loopback, plain_hint, tls_under_deadline, with_deadline,
};
use anyhow::{Context, Result};
use gc2pc::net::{Channel, tcp, tls};
use gc2pc::secure::Party;
use std::time::Duration;

/// Where and how this party meets its peer.
pub struct Peer<'a> {
    /// This party's role: the garbler listens, the evaluator connects.
    pub role: Party,
    /// The address to listen on (garbler) or connect to (evaluator).
    pub addr: &'a str,
    /// TLS options.
    pub tls: &'a TlsArgs,
    /// The name the garbler's certificate must hold (evaluator, TLS).
    pub tls_name: Option<&'a str>,
    /// The bound on each wait and on the TLS handshake.
    pub timeout: Duration,
    /// The bound on the whole session.
    pub limit: Duration,
    /// What the garbler says while it waits (followed by the address).
    pub waiting: String,
}

impl Peer<'_> {
    /// The peer, seen from this party.
    pub fn name(&self) -> &'static str {
        match self.role {
            Party::Garbler => "the evaluator",
            Party::Evaluator => "the garbler",
        }
    }

    /// Meets the peer and runs `work` on the channel under the session
    /// deadline.
    pub fn run<T>(&self, work: impl FnOnce(Channel) -> Result<T>) -> Result<T> {
        let files = self.tls.load()?;
        let stream = match self.role {
            Party::Garbler => {
                let listener = tcp::listen(self.addr).with_context(|| {
                    format!("cannot listen on {} (choose another --listen)", self.addr)
                })?;
                let local = listener.local_addr()?;
                eprintln!(
                    "garbler: {} on {local} (up to {} s{})",
                    self.waiting,
                    self.timeout.as_secs(),
                    if files.is_some() {
                        ", mutual TLS 1.3"
                    } else {
                        ""
                    }
                );
                if files.is_none() && !local.ip().is_loopback() {
                    eprintln!("{PLAIN_TCP_WARNING}");
                }
                listener
                    .accept_stream(self.timeout)
                    .context("no evaluator connected in time")?
            }
            Party::Evaluator => {
                if files.is_none() && !is_loopback(self.addr) {
                    eprintln!("{PLAIN_TCP_WARNING}");
                }
                tcp::connect_stream(self.addr, self.timeout).with_context(|| {
                    format!(
                        "cannot reach the garbler at {} (is it running and listening there?)",
                        self.addr
                    )
                })?
            }
        };
        let socket = stream.try_clone()?;
        with_deadline(&socket, self.limit, || {
            let channel = match &files {
                Some(files) => match self.role {
                    Party::Garbler => {
                        let config = tls::server_config(files)?;
                        tls_under_deadline(&socket, self.timeout, || {
                            tls::accept(stream, config, self.timeout)
                        })?
                    }
                    Party::Evaluator => {
                        let config = tls::client_config(files)?;
                        let host = self.tls_name.unwrap_or_else(|| host_of(self.addr));
                        tls_under_deadline(&socket, self.timeout, || {
                            tls::handshake_client(stream, config, host, self.timeout)
                        })?
                    }
                },
                None => tcp::from_stream(stream)?,
            };
            if let Some(identity) = channel.peer_identity() {
                eprintln!("{}: {} is {identity}", self.role.name(), self.name());
            }
            work(channel).map_err(|e| {
                if files.is_none() {
                    plain_hint(e, self.name())
                } else {
                    e
                }
            })
        })
    }
}
