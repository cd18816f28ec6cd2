//! [`Channel`]s over TCP: [`connect`] for the client, [`listen`] then
//! [`Listener::accept`] for the server. Sockets get `TCP_NODELAY` (the channel
//! does its own buffering and flushes explicitly) and the channel's read and
//! write timeouts.

use super::{Channel, NetError, ReadHalf, WriteHalf};
use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

impl ReadHalf for TcpStream {
    fn set_read_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        TcpStream::set_read_timeout(self, timeout)
    }
}

impl WriteHalf for TcpStream {
    fn set_write_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        TcpStream::set_write_timeout(self, timeout)
    }
}

/// A channel over a connected stream (sets `TCP_NODELAY`, blocking mode, and
/// the default timeout).
pub fn from_stream(stream: TcpStream) -> Result<Channel, NetError> {
    stream.set_nonblocking(false)?;
    stream.set_nodelay(true)?;
    let reader = stream.try_clone()?;
    Channel::new(Box::new(reader), Box::new(stream))
}

/// Connects to `addr`, retrying while the peer refuses (it may not listen
/// yet) until `timeout` has passed: then [`NetError::Timeout`].
pub fn connect<A: ToSocketAddrs>(addr: A, timeout: Duration) -> Result<Channel, NetError> {
    from_stream(connect_stream(addr, timeout)?)
}

/// The TCP stream under [`connect`] (TLS runs its handshake over it).
pub fn connect_stream<A: ToSocketAddrs>(addr: A, timeout: Duration) -> Result<TcpStream, NetError> {
    let addrs: Vec<SocketAddr> = addr.to_socket_addrs()?.collect();
    if addrs.is_empty() {
        return Err(NetError::Io(io::Error::new(
            io::ErrorKind::InvalidInput,
            "the address resolved to nothing",
        )));
    }
    let deadline = Instant::now() + timeout;
    loop {
        let mut last = None;
        for a in &addrs {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(NetError::Timeout);
            }
            match TcpStream::connect_timeout(a, left) {
                Ok(stream) => return Ok(stream),
                Err(e) => last = Some(e),
            }
        }
        let e = last.expect("at least one address");
        match e.kind() {
            io::ErrorKind::ConnectionRefused | io::ErrorKind::ConnectionReset => {
                if Instant::now() >= deadline {
                    return Err(NetError::Timeout);
                }
                std::thread::sleep(Duration::from_millis(10));
            }
            _ => return Err(e.into()),
        }
    }
}

/// A listening socket that hands out [`Channel`]s.
#[derive(Debug)]
pub struct Listener {
    inner: TcpListener,
}

/// Listens on `addr` (port 0: any free port; see [`Listener::local_addr`]).
pub fn listen<A: ToSocketAddrs>(addr: A) -> Result<Listener, NetError> {
    let inner = TcpListener::bind(addr)?;
    inner.set_nonblocking(true)?;
    Ok(Listener { inner })
}

impl Listener {
    /// The address actually bound.
    pub fn local_addr(&self) -> Result<SocketAddr, NetError> {
        Ok(self.inner.local_addr()?)
    }

    /// Waits up to `timeout` for one connection: else [`NetError::Timeout`].
    pub fn accept(&self, timeout: Duration) -> Result<Channel, NetError> {
        from_stream(self.accept_stream(timeout)?)
    }

    /// Like [`Listener::accept`], also returning the raw stream instead of a
    /// channel (tests that play a hostile peer use it).
    pub fn accept_stream(&self, timeout: Duration) -> Result<TcpStream, NetError> {
        let deadline = Instant::now() + timeout;
        loop {
            match self.inner.accept() {
                Ok((stream, _)) => {
                    stream.set_nonblocking(false)?;
                    return Ok(stream);
                }
                Err(e)
                    if e.kind() == io::ErrorKind::WouldBlock
                        || e.kind() == io::ErrorKind::Interrupted =>
                {
                    if Instant::now() >= deadline {
                        return Err(NetError::Timeout);
                    }
                    std::thread::sleep(Duration::from_millis(1));
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
}

/// Two channels connected to each other over loopback TCP (the server's end
/// first), each with read and write timeouts of `timeout`: the TCP
/// counterpart of [`super::mem::pair`], for tests and benchmarks.
pub fn loopback_pair(timeout: Duration) -> Result<(Channel, Channel), NetError> {
    let listener = listen("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let client = std::thread::spawn(move || connect(addr, timeout));
    let server = listener.accept(timeout);
    let client = client.join().map_err(|_| NetError::Timeout)?;
    let (mut server, mut client) = (server?, client?);
    server.set_timeout(timeout)?;
    client.set_timeout(timeout)?;
    Ok((server, client))
}

/// A bound on a whole connection: when `limit` has passed since
/// [`Watchdog::arm`], the socket is shut down in both directions, so whatever
/// read or write is waiting on it (a TLS handshake, a session) fails at once,
/// however slowly the peer keeps sending. The per-read timeout of a channel
/// cannot do this: a peer that sends one byte just before each timeout would
/// hold the connection forever. Dropping the watchdog disarms it.
#[derive(Debug)]
pub struct Watchdog {
    cancel: Option<crossbeam::channel::Sender<()>>,
    fired: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
    limit: Duration,
}

impl Watchdog {
    /// Starts the clock on `stream` (a clone of the socket is kept until the
    /// watchdog is dropped or fires).
    pub fn arm(stream: &TcpStream, limit: Duration) -> Result<Watchdog, NetError> {
        use std::sync::atomic::{AtomicBool, Ordering};
        let socket = stream.try_clone()?;
        let fired = std::sync::Arc::new(AtomicBool::new(false));
        let (cancel, cancelled) = crossbeam::channel::bounded::<()>(1);
        let flag = fired.clone();
        let thread = std::thread::Builder::new()
            .name("gc2pc-watchdog".into())
            .spawn(move || {
                // A message or a disconnect both mean "disarm".
                if let Err(crossbeam::channel::RecvTimeoutError::Timeout) =
                    cancelled.recv_timeout(limit)
                {
                    flag.store(true, Ordering::SeqCst);
                    let _ = socket.shutdown(std::net::Shutdown::Both);
                }
            })?;
        Ok(Watchdog {
            cancel: Some(cancel),
            fired,
            thread: Some(thread),
            limit,
        })
    }

    /// Whether the limit passed and the socket was shut down.
    pub fn fired(&self) -> bool {
        self.fired.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// The limit this watchdog was armed with.
    pub fn limit(&self) -> Duration {
        self.limit
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        drop(self.cancel.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
