//! An in-process pair of connected [`Channel`]s on bounded `crossbeam`
//! channels: for tests, benchmarks and the demo.
//!
//! Each direction carries the chunks the sending channel writes out (up to its
//! 256 KiB buffer per chunk); consumed chunks go back to the writer for reuse,
//! so a long transfer allocates nothing after warm-up. At most
//! [`QUEUE_CHUNKS`] chunks are in flight per direction, which gives the same
//! back-pressure a socket does. Dropping one side makes the other side's reads
//! fail with [`NetError::Closed`](super::NetError::Closed) once it has
//! consumed what was already sent, and its writes fail at once.

use super::{Channel, ReadHalf, WriteHalf};
use crossbeam::channel::{Receiver, RecvTimeoutError, SendTimeoutError, Sender, bounded};
use std::io::{self, Read, Write};
use std::time::Duration;

/// Chunks in flight per direction before a writer blocks.
pub const QUEUE_CHUNKS: usize = 64;

/// Two channels connected to each other.
pub fn pair() -> (Channel, Channel) {
    let ((ar, aw), (br, bw)) = halves();
    let a = Channel::new(Box::new(ar), Box::new(aw)).expect("mem halves accept any timeout");
    let b = Channel::new(Box::new(br), Box::new(bw)).expect("mem halves accept any timeout");
    (a, b)
}

/// A channel and the raw, unframed byte halves of its peer: for tests that
/// play a hostile peer writing crafted bytes. Dropping the halves closes the
/// connection.
pub fn raw_pair() -> (Channel, MemReader, MemWriter) {
    let ((ar, aw), (br, bw)) = halves();
    let a = Channel::new(Box::new(ar), Box::new(aw)).expect("mem halves accept any timeout");
    (a, br, bw)
}

/// Two connected pairs of halves.
fn halves() -> ((MemReader, MemWriter), (MemReader, MemWriter)) {
    let (a_to_b, b_from_a) = bounded(QUEUE_CHUNKS);
    let (b_to_a, a_from_b) = bounded(QUEUE_CHUNKS);
    let (a_recycle_tx, a_recycle_rx) = bounded(QUEUE_CHUNKS);
    let (b_recycle_tx, b_recycle_rx) = bounded(QUEUE_CHUNKS);
    (
        (
            MemReader::new(a_from_b, b_recycle_tx),
            MemWriter::new(a_to_b, a_recycle_rx),
        ),
        (
            MemReader::new(b_from_a, a_recycle_tx),
            MemWriter::new(b_to_a, b_recycle_rx),
        ),
    )
}

/// The sending half of one direction.
pub struct MemWriter {
    tx: Sender<Vec<u8>>,
    recycle: Receiver<Vec<u8>>,
    timeout: Option<Duration>,
}

impl MemWriter {
    fn new(tx: Sender<Vec<u8>>, recycle: Receiver<Vec<u8>>) -> MemWriter {
        MemWriter {
            tx,
            recycle,
            timeout: None,
        }
    }
}

impl Write for MemWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let mut chunk = self.recycle.try_recv().unwrap_or_default();
        chunk.clear();
        chunk.extend_from_slice(buf);
        let sent = match self.timeout {
            Some(t) => self.tx.send_timeout(chunk, t),
            None => self
                .tx
                .send(chunk)
                .map_err(|e| SendTimeoutError::Disconnected(e.0)),
        };
        match sent {
            Ok(()) => Ok(buf.len()),
            Err(SendTimeoutError::Timeout(_)) => Err(io::ErrorKind::TimedOut.into()),
            Err(SendTimeoutError::Disconnected(_)) => Err(io::ErrorKind::BrokenPipe.into()),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl WriteHalf for MemWriter {
    fn set_write_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        self.timeout = timeout;
        Ok(())
    }
}

/// The receiving half of one direction.
pub struct MemReader {
    rx: Receiver<Vec<u8>>,
    recycle: Sender<Vec<u8>>,
    cur: Vec<u8>,
    pos: usize,
    timeout: Option<Duration>,
}

impl MemReader {
    fn new(rx: Receiver<Vec<u8>>, recycle: Sender<Vec<u8>>) -> MemReader {
        MemReader {
            rx,
            recycle,
            cur: Vec::new(),
            pos: 0,
            timeout: None,
        }
    }
}

impl Read for MemReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if self.pos == self.cur.len() {
            let next = match self.timeout {
                Some(t) => self.rx.recv_timeout(t),
                None => self.rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
            };
            let next = match next {
                Ok(v) => v,
                Err(RecvTimeoutError::Timeout) => return Err(io::ErrorKind::TimedOut.into()),
                Err(RecvTimeoutError::Disconnected) => return Ok(0),
            };
            let used = std::mem::replace(&mut self.cur, next);
            self.pos = 0;
            if used.capacity() > 0 {
                // The writer may be gone or its pool full: then just drop it.
                let _ = self.recycle.try_send(used);
            }
        }
        let n = buf.len().min(self.cur.len() - self.pos);
        buf[..n].copy_from_slice(&self.cur[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

impl ReadHalf for MemReader {
    fn set_read_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        self.timeout = timeout;
        Ok(())
    }
}
