//! An emulated wide-area link between two loopback sockets, in process: each
//! direction is a rate-limited queue (the bottleneck, serialising bytes at the
//! link's rate) followed by a fixed one-way delay, as `tc netem` would do
//! with `rate` and `delay`, but with no kernel module and no privileges, so
//! `gc2pc bench --link` runs anywhere.
//!
//! [`Link::start`] listens on a loopback port; each connection accepted there
//! is connected on to `target` and its bytes are forwarded both ways through
//! the emulated link. The connection costs what TCP's handshake costs: the
//! client's first bytes leave one RTT after it connects, the server's 1.5.
//! What is not modelled: loss, reordering and TCP's congestion window (the
//! sockets at both ends are on loopback, with loopback's window), so the
//! figures are a lower bound on what a real link of that rate and delay
//! takes.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The most bytes forwarded as one piece (the granularity of the rate).
const PIECE: usize = 16 * 1024;

/// A link's round-trip time and rate.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LinkSpec {
    /// Round-trip time (twice the one-way delay).
    pub rtt: Duration,
    /// Rate of each direction, bits per second.
    pub bits_per_s: f64,
}

impl LinkSpec {
    /// `RTT_MS,MBIT` (e.g. `20,1000` for 20 ms and 1 Gbit/s).
    pub fn parse(text: &str) -> Result<LinkSpec, String> {
        let (rtt, rate) = text
            .split_once(',')
            .ok_or_else(|| format!("expected RTT_MS,MBIT (e.g. 20,1000), not `{text}`"))?;
        let rtt: f64 = rtt
            .trim()
            .parse()
            .map_err(|_| format!("the round-trip time `{rtt}` is not a number of ms"))?;
        let mbit: f64 = rate
            .trim()
            .parse()
            .map_err(|_| format!("the rate `{rate}` is not a number of Mbit/s"))?;
        if !(0.0..=10_000.0).contains(&rtt) {
            return Err(format!(
                "a round-trip time of {rtt} ms is out of range (0 to 10 000)"
            ));
        }
        if !(0.1..=100_000.0).contains(&mbit) {
            return Err(format!(
                "a rate of {mbit} Mbit/s is out of range (0.1 to 100 000)"
            ));
        }
        Ok(LinkSpec {
            rtt: Duration::from_secs_f64(rtt / 1e3),
            bits_per_s: mbit * 1e6,
        })
    }

    /// The time `bytes` take to go through the bottleneck.
    fn serialise(&self, bytes: usize) -> Duration {
        Duration::from_secs_f64(bytes as f64 * 8.0 / self.bits_per_s)
    }
}

impl core::fmt::Display for LinkSpec {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "{} ms RTT, {} Mbit/s",
            self.rtt.as_secs_f64() * 1e3,
            self.bits_per_s / 1e6
        )
    }
}

/// A running link emulator: connect to [`Link::addr`] to reach the target
/// through the emulated link.
#[derive(Debug)]
pub struct Link {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    bytes: Arc<[AtomicU64; 2]>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Link {
    /// Forwards every connection to `addr` of the returned link on to
    /// `target` through an emulated link of `spec`.
    pub fn start(spec: LinkSpec, target: SocketAddr) -> std::io::Result<Link> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let bytes = Arc::new([AtomicU64::new(0), AtomicU64::new(0)]);
        let (stop2, bytes2) = (stop.clone(), bytes.clone());
        let thread = std::thread::Builder::new()
            .name("link-emulator".into())
            .spawn(move || {
                loop {
                    match listener.accept() {
                        Ok((client, _)) => {
                            let opened = Instant::now();
                            if let Ok(server) = TcpStream::connect(target) {
                                let _ = client.set_nonblocking(false);
                                forward_both(spec, client, server, opened, &bytes2);
                            }
                        }
                        // Stopped only once no connection is waiting: one
                        // made before the drop is still forwarded.
                        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                            if stop2.load(Ordering::Relaxed) {
                                return;
                            }
                            std::thread::sleep(Duration::from_millis(1));
                        }
                        Err(_) => return,
                    }
                }
            })?;
        Ok(Link {
            addr,
            stop,
            bytes,
            thread: Some(thread),
        })
    }

    /// Where to connect.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Bytes carried so far: (towards the target, back from it).
    pub fn bytes(&self) -> (u64, u64) {
        (
            self.bytes[0].load(Ordering::Relaxed),
            self.bytes[1].load(Ordering::Relaxed),
        )
    }
}

impl Drop for Link {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Starts both directions of one connection (each on two threads: the
/// bottleneck and the delivery), detached: they end with the connection.
/// As over TCP, the client's first bytes leave one RTT after it starts to
/// connect (after the SYN and SYN-ACK) and the server's 1.5 RTT after (its
/// accept returns with the client's ACK).
fn forward_both(
    spec: LinkSpec,
    client: TcpStream,
    server: TcpStream,
    opened: Instant,
    bytes: &Arc<[AtomicU64; 2]>,
) {
    for stream in [&client, &server] {
        let _ = stream.set_nodelay(true);
    }
    let pairs = [
        (client.try_clone(), server.try_clone(), 0, spec.rtt),
        (server.try_clone(), client.try_clone(), 1, spec.rtt * 3 / 2),
    ];
    for (from, to, dir, wait) in pairs {
        let opened = opened + wait;
        let (Ok(from), Ok(to)) = (from, to) else {
            return;
        };
        let bytes = bytes.clone();
        let _ = std::thread::Builder::new()
            .name("link-direction".into())
            .spawn(move || direction(spec, from, to, opened, &bytes[dir]));
    }
}

/// One direction: read what the sender writes, let it leave the bottleneck
/// at the link's rate (never before the connection is open), and deliver it
/// one one-way delay later. The queue is bounded (twice the bandwidth-delay
/// product, at least 64 pieces), so a fast sender is held back by TCP's own
/// flow control, as behind a real bottleneck.
fn direction(
    spec: LinkSpec,
    mut from: TcpStream,
    to: TcpStream,
    opened: Instant,
    count: &AtomicU64,
) {
    let bdp = spec.bits_per_s / 8.0 * spec.rtt.as_secs_f64();
    let depth = ((2.0 * bdp / PIECE as f64) as usize).max(64);
    let (send, recv) = crossbeam::channel::bounded::<(Instant, Vec<u8>)>(depth);
    let one_way = spec.rtt / 2;
    let deliver = std::thread::Builder::new()
        .name("link-delivery".into())
        .spawn(move || {
            let mut to = to;
            for (at, piece) in recv {
                let now = Instant::now();
                if at > now {
                    std::thread::sleep(at - now);
                }
                if to.write_all(&piece).is_err() {
                    break;
                }
            }
            let _ = to.shutdown(Shutdown::Write);
        });
    let Ok(deliver) = deliver else {
        return;
    };
    let mut free_at = opened;
    let mut buf = vec![0u8; PIECE];
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        count.fetch_add(n as u64, Ordering::Relaxed);
        let leaves = free_at.max(Instant::now()) + spec.serialise(n);
        free_at = leaves;
        if send.send((leaves + one_way, buf[..n].to_vec())).is_err() {
            break;
        }
    }
    drop(send);
    let _ = deliver.join();
    let _ = from.shutdown(Shutdown::Read);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An echo server behind the link: a small message takes one RTT (plus
    /// the connection's RTT for the first), a large one its size at the rate.
    #[test]
    fn round_trips_and_rate_are_emulated() {
        let server = TcpListener::bind("127.0.0.1:0").unwrap();
        let target = server.local_addr().unwrap();
        let echo = std::thread::spawn(move || {
            let (mut s, _) = server.accept().unwrap();
            let mut buf = vec![0u8; 1 << 16];
            loop {
                match s.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => s.write_all(&buf[..n]).unwrap(),
                }
            }
        });
        let spec = LinkSpec::parse("40,80").unwrap();
        let link = Link::start(spec, target).unwrap();
        let start = Instant::now();
        let mut c = TcpStream::connect(link.addr()).unwrap();
        c.set_nodelay(true).unwrap();
        let mut one = [0u8; 1];
        c.write_all(b"x").unwrap();
        c.read_exact(&mut one).unwrap();
        let first = start.elapsed();
        // Connection (1 RTT) and the echo (1 RTT).
        assert!(first >= Duration::from_millis(80), "{first:?}");
        let t = Instant::now();
        c.write_all(b"y").unwrap();
        c.read_exact(&mut one).unwrap();
        let second = t.elapsed();
        assert!(second >= Duration::from_millis(40), "{second:?}");
        // 1 MB each way at 80 Mbit/s: at least 0.1 s to go through.
        let big = vec![7u8; 1_000_000];
        let t = Instant::now();
        let reader = {
            let mut c = c.try_clone().unwrap();
            std::thread::spawn(move || {
                let mut back = vec![0u8; 1_000_000];
                c.read_exact(&mut back).unwrap();
                back
            })
        };
        c.write_all(&big).unwrap();
        let back = reader.join().unwrap();
        assert_eq!(back, big);
        assert!(
            t.elapsed() >= Duration::from_millis(100),
            "{:?}",
            t.elapsed()
        );
        assert_eq!(link.bytes().0, 1_000_002);
        drop(c);
        echo.join().unwrap();
    }

    #[test]
    fn specs_parse_with_clear_errors() {
        let s = LinkSpec::parse("20,1000").unwrap();
        assert_eq!(s.rtt, Duration::from_millis(20));
        assert_eq!(s.bits_per_s, 1e9);
        for bad in ["20", "x,1", "20,y", "-1,100", "20,0", "20,1e9"] {
            assert!(LinkSpec::parse(bad).is_err(), "{bad}");
        }
    }
}
