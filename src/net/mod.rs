//! Channels between the two parties: buffered, length-prefixed frames of bytes
//! and blocks over any pair of byte-stream halves.
//!
//! This module owns [`Channel`] and its transports: [`tcp`] (real sockets,
//! `TCP_NODELAY`) and [`mem`] (an in-process pair on `crossbeam` channels for
//! tests, benches and the demo), and [`tls`] (mutually authenticated TLS 1.3
//! over TCP). A transport only has to provide a
//! [`ReadHalf`] and a [`WriteHalf`].
//!
//! # Wire format
//! Every message is a frame: a `u32` little-endian payload length, then the
//! payload. Blocks travel as their 16 AES-state bytes (`Block::to_bytes`), so a
//! frame of `n` blocks has a payload of `16 n` bytes. A frame is never longer
//! than [`MAX_FRAME`].
//!
//! # Guarantees
//! - The receiver always says how much it expects ([`Channel::recv_blocks`],
//!   [`Channel::recv_bytes_exact`]) or the most it accepts
//!   ([`Channel::recv_bytes`]); the length prefix is checked against that
//!   *before* anything is read or allocated, so a hostile peer can cause an
//!   error ([`NetError::UnexpectedLength`], [`NetError::FrameTooLarge`]) but
//!   never a large allocation or a panic.
//! - Sends are buffered in one fixed buffer and written out when it fills;
//!   nothing reaches the peer for sure until [`Channel::flush`]. Sending and
//!   receiving blocks allocates nothing on the hot path.
//! - A closed connection is [`NetError::Closed`]; a peer silent for longer than
//!   the read timeout (default [`DEFAULT_TIMEOUT`]) is [`NetError::Timeout`].
//!   Writes get the same timeout, so a peer that stops reading cannot block us
//!   forever either.
//! - Byte counters include the 4-byte length prefixes: what both sides report
//!   after a flush agrees exactly (`a.bytes_sent() == b.bytes_received()`).
//! - After any error the stream position is unknown; drop the channel.

pub mod link;
pub mod mem;
pub mod tcp;
pub mod tls;

use crate::block::Block;
use std::io::{self, Read, Write};
use std::time::Duration;

/// The largest frame payload either side sends or accepts: 64 MiB.
pub const MAX_FRAME: usize = 64 << 20;

/// The read (and write) timeout of a new channel.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Size of the send and receive buffers of a channel.
const BUF_SIZE: usize = 256 << 10;

/// Length of a frame header (u32 LE payload length).
const HEADER: usize = 4;

/// What can go wrong on a channel.
#[derive(Debug, thiserror::Error)]
pub enum NetError {
    /// The peer closed the connection (EOF, reset or broken pipe).
    #[error("the peer closed the connection")]
    Closed,
    /// The peer sent nothing (or read nothing) within the timeout.
    #[error("timed out waiting for the peer")]
    Timeout,
    /// A frame longer than we accept: `len` announced (or asked to send), `max`
    /// the limit (the receiver's bound, or [`MAX_FRAME`]).
    #[error("frame of {len} bytes exceeds the limit of {max} bytes")]
    FrameTooLarge {
        /// The announced length.
        len: usize,
        /// The limit it broke.
        max: usize,
    },
    /// A frame whose length differs from what the receiver expects (bytes).
    #[error("expected a frame of {expected} bytes, the peer sent {got}")]
    UnexpectedLength {
        /// Payload bytes the receiver expected.
        expected: usize,
        /// Payload bytes the peer announced.
        got: usize,
    },
    /// Any other I/O error.
    #[error("I/O error: {0}")]
    Io(io::Error),
}

impl From<io::Error> for NetError {
    fn from(e: io::Error) -> NetError {
        use io::ErrorKind::*;
        match e.kind() {
            UnexpectedEof | ConnectionReset | ConnectionAborted | BrokenPipe | NotConnected => {
                NetError::Closed
            }
            WouldBlock | TimedOut => NetError::Timeout,
            _ => NetError::Io(e),
        }
    }
}

/// Who the peer is, as its TLS certificate shows it (set on channels made by
/// [`tls`] after the handshake verified the certificate).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PeerIdentity {
    /// The certificate's subject, e.g. `CN=bank-b.example.com, O=gc2pc party`.
    pub subject: String,
    /// The SHA-256 fingerprint of the certificate (`SHA256:ab:cd:…`).
    pub fingerprint: String,
}

impl core::fmt::Display for PeerIdentity {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{} ({})", self.subject, self.fingerprint)
    }
}

/// The receiving half of a transport: a byte stream with a settable timeout.
/// A read that times out must fail with `WouldBlock` or `TimedOut`; the end of
/// the stream is `Ok(0)`.
pub trait ReadHalf: Read + Send {
    /// Sets how long one read may wait (`None`: forever).
    fn set_read_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()>;
}

/// The sending half of a transport.
pub trait WriteHalf: Write + Send {
    /// Sets how long one write may wait (`None`: forever).
    fn set_write_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()>;
}

/// A framed, buffered, counted connection to the other party. See the module
/// documentation for the wire format and the guarantees.
pub struct Channel {
    reader: Box<dyn ReadHalf>,
    writer: Box<dyn WriteHalf>,
    /// Bytes waiting to be written (at most `BUF_SIZE`, allocated once).
    wbuf: Vec<u8>,
    /// Received bytes `rbuf[rpos..rend]` not yet consumed.
    rbuf: Box<[u8]>,
    rpos: usize,
    rend: usize,
    sent: u64,
    received: u64,
    timeout: Duration,
    peer: Option<PeerIdentity>,
}

impl core::fmt::Debug for Channel {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Channel")
            .field("bytes_sent", &self.sent)
            .field("bytes_received", &self.received)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// The buffers held labels and tables in transit: cleared when the channel
/// goes.
impl Drop for Channel {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        self.wbuf.zeroize();
        self.rbuf.zeroize();
    }
}

impl Channel {
    /// A channel over the given halves, with [`DEFAULT_TIMEOUT`] for reads and
    /// writes.
    pub fn new(reader: Box<dyn ReadHalf>, writer: Box<dyn WriteHalf>) -> Result<Channel, NetError> {
        let mut ch = Channel {
            reader,
            writer,
            wbuf: Vec::with_capacity(BUF_SIZE),
            rbuf: vec![0u8; BUF_SIZE].into_boxed_slice(),
            rpos: 0,
            rend: 0,
            sent: 0,
            received: 0,
            timeout: DEFAULT_TIMEOUT,
            peer: None,
        };
        ch.set_timeout(DEFAULT_TIMEOUT)?;
        Ok(ch)
    }

    /// Sets the read and write timeout (a zero duration is treated as 1 ms).
    pub fn set_timeout(&mut self, timeout: Duration) -> Result<(), NetError> {
        let timeout = timeout.max(Duration::from_millis(1));
        self.reader.set_read_timeout(Some(timeout))?;
        self.writer.set_write_timeout(Some(timeout))?;
        self.timeout = timeout;
        Ok(())
    }

    /// The peer's verified certificate identity (TLS channels), else `None`.
    pub fn peer_identity(&self) -> Option<&PeerIdentity> {
        self.peer.as_ref()
    }

    pub(crate) fn set_peer_identity(&mut self, peer: Option<PeerIdentity>) {
        self.peer = peer;
    }

    /// The current read/write timeout.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Bytes sent so far, length prefixes included (counted when queued).
    pub fn bytes_sent(&self) -> u64 {
        self.sent
    }

    /// Bytes received so far, length prefixes included.
    pub fn bytes_received(&self) -> u64 {
        self.received
    }

    // ---- sending ----

    /// Writes the buffered bytes to the transport (not flushing it).
    fn drain(&mut self) -> Result<(), NetError> {
        if !self.wbuf.is_empty() {
            self.writer.write_all(&self.wbuf)?;
            self.wbuf.clear();
        }
        Ok(())
    }

    /// Queues raw bytes.
    fn put(&mut self, data: &[u8]) -> Result<(), NetError> {
        if self.wbuf.len() + data.len() > BUF_SIZE {
            self.drain()?;
            if data.len() >= BUF_SIZE {
                self.writer.write_all(data)?;
                self.sent += data.len() as u64;
                return Ok(());
            }
        }
        self.wbuf.extend_from_slice(data);
        self.sent += data.len() as u64;
        Ok(())
    }

    fn put_header(&mut self, len: usize) -> Result<(), NetError> {
        if len > MAX_FRAME {
            return Err(NetError::FrameTooLarge {
                len,
                max: MAX_FRAME,
            });
        }
        self.put(&(len as u32).to_le_bytes())
    }

    /// Queues one frame holding `data`.
    pub fn send_bytes(&mut self, data: &[u8]) -> Result<(), NetError> {
        self.put_header(data.len())?;
        self.put(data)
    }

    /// Queues one frame holding the blocks (16 bytes each, `Block::to_bytes`).
    /// At most `MAX_FRAME / 16` blocks per frame. On a little-endian CPU the
    /// blocks' memory is those bytes and goes out as it is (a frame of more
    /// than the buffer, straight from `blocks` to the transport).
    pub fn send_blocks(&mut self, blocks: &[Block]) -> Result<(), NetError> {
        self.put_header(blocks.len() * 16)?;
        #[cfg(target_endian = "little")]
        return self.put(bytemuck::cast_slice(blocks));
        #[cfg(not(target_endian = "little"))]
        {
            for b in blocks {
                self.put(&b.to_bytes())?;
            }
            Ok(())
        }
    }

    /// Queues one frame holding one block.
    pub fn send_block(&mut self, block: Block) -> Result<(), NetError> {
        self.send_blocks(&[block])
    }

    /// Writes everything queued to the peer and flushes the transport.
    pub fn flush(&mut self) -> Result<(), NetError> {
        self.drain()?;
        self.writer.flush()?;
        Ok(())
    }

    // ---- receiving ----

    /// Makes at least `need` (≤ BUF_SIZE) unread bytes available in `rbuf`.
    fn fill(&mut self, need: usize) -> Result<(), NetError> {
        debug_assert!(need <= BUF_SIZE);
        if self.rend - self.rpos >= need {
            return Ok(());
        }
        if self.rpos + need > BUF_SIZE {
            self.rbuf.copy_within(self.rpos..self.rend, 0);
            self.rend -= self.rpos;
            self.rpos = 0;
        }
        while self.rend - self.rpos < need {
            let n = read_some(&mut *self.reader, &mut self.rbuf[self.rend..])?;
            self.rend += n;
        }
        Ok(())
    }

    /// Reads a frame header: the announced payload length.
    fn get_header(&mut self) -> Result<usize, NetError> {
        self.fill(HEADER)?;
        let mut len = [0u8; HEADER];
        len.copy_from_slice(&self.rbuf[self.rpos..self.rpos + HEADER]);
        self.rpos += HEADER;
        self.received += HEADER as u64;
        Ok(u32::from_le_bytes(len) as usize)
    }

    /// Reads exactly `out.len()` payload bytes.
    fn get(&mut self, out: &mut [u8]) -> Result<(), NetError> {
        let buffered = (self.rend - self.rpos).min(out.len());
        out[..buffered].copy_from_slice(&self.rbuf[self.rpos..self.rpos + buffered]);
        self.rpos += buffered;
        self.received += buffered as u64;
        let mut done = buffered;
        // Large remainders go straight into `out`; small ones through rbuf.
        while out.len() - done >= BUF_SIZE / 2 {
            let n = read_some(&mut *self.reader, &mut out[done..])?;
            done += n;
            self.received += n as u64;
        }
        if done < out.len() {
            let rest = out.len() - done;
            self.fill(rest)?;
            out[done..].copy_from_slice(&self.rbuf[self.rpos..self.rpos + rest]);
            self.rpos += rest;
            self.received += rest as u64;
        }
        Ok(())
    }

    fn expect_header(&mut self, expected: usize) -> Result<(), NetError> {
        let got = self.get_header()?;
        if got != expected {
            return Err(NetError::UnexpectedLength { expected, got });
        }
        Ok(())
    }

    /// Receives one frame of exactly `out.len()` bytes into `out`; any other
    /// length is [`NetError::UnexpectedLength`] (nothing of the payload is read).
    pub fn recv_bytes_exact(&mut self, out: &mut [u8]) -> Result<(), NetError> {
        self.expect_header(out.len())?;
        self.get(out)
    }

    /// Receives one frame of at most `max` bytes (and at most [`MAX_FRAME`]);
    /// a longer one is [`NetError::FrameTooLarge`], refused before allocating.
    pub fn recv_bytes(&mut self, max: usize) -> Result<Vec<u8>, NetError> {
        let max = max.min(MAX_FRAME);
        let len = self.get_header()?;
        if len > max {
            return Err(NetError::FrameTooLarge { len, max });
        }
        let mut out = vec![0u8; len];
        self.get(&mut out)?;
        Ok(out)
    }

    /// Receives one frame of exactly `out.len()` blocks into `out`; a frame of
    /// any other length is [`NetError::UnexpectedLength`] (in bytes).
    pub fn recv_blocks(&mut self, out: &mut [Block]) -> Result<(), NetError> {
        let expected = out.len() * 16;
        if expected > MAX_FRAME {
            return Err(NetError::FrameTooLarge {
                len: expected,
                max: MAX_FRAME,
            });
        }
        self.expect_header(expected)?;
        // Little-endian: the blocks' memory is their bytes (see send_blocks).
        #[cfg(target_endian = "little")]
        return self.get(bytemuck::cast_slice_mut(out));
        #[cfg(not(target_endian = "little"))]
        {
            for b in out.iter_mut() {
                let mut a = [0u8; 16];
                self.get(&mut a)?;
                *b = Block::from_bytes(a);
            }
            Ok(())
        }
    }

    /// Receives one frame holding exactly one block.
    pub fn recv_block(&mut self) -> Result<Block, NetError> {
        let mut b = [Block::ZERO];
        self.recv_blocks(&mut b)?;
        Ok(b[0])
    }
}

/// One read of at least one byte: EOF is [`NetError::Closed`], a timeout is
/// [`NetError::Timeout`]; interrupted reads are retried.
fn read_some(reader: &mut dyn ReadHalf, buf: &mut [u8]) -> Result<usize, NetError> {
    loop {
        match reader.read(buf) {
            Ok(0) => return Err(NetError::Closed),
            Ok(n) => return Ok(n),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e.into()),
        }
    }
}
