//! `net`: framing, counters, flush, and typed errors for closed connections,
//! timeouts, and truncated, oversized or unexpected frames, over `mem` and TCP.

use gc2pc::Block;
use gc2pc::net::{self, Channel, MAX_FRAME, NetError, mem, tcp};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::thread;
use std::time::{Duration, Instant};

const T: Duration = Duration::from_secs(2);

fn blocks(n: usize, salt: u128) -> Vec<Block> {
    (0..n as u128)
        .map(|i| Block::new(i.wrapping_mul(0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c835) ^ salt))
        .collect()
}

fn tcp_pair() -> (Channel, Channel) {
    tcp::loopback_pair(T).expect("a loopback TCP pair")
}

/// Sends a mix of frames both ways and checks contents and counters.
fn round_trip(mut a: Channel, mut b: Channel) {
    a.set_timeout(T).unwrap();
    b.set_timeout(T).unwrap();
    let big = blocks(100_000, 7); // 1.6 MB: crosses the 256 KiB buffer many times
    let big2 = big.clone();
    let h = thread::spawn(move || {
        let mut got = vec![Block::ZERO; 100_000];
        b.recv_blocks(&mut got).unwrap();
        assert_eq!(got, big2);
        let mut bytes = [0u8; 5];
        b.recv_bytes_exact(&mut bytes).unwrap();
        assert_eq!(&bytes, b"hello");
        assert_eq!(b.recv_bytes(10).unwrap(), b"");
        assert_eq!(b.recv_block().unwrap(), Block::new(42));
        let mut small = vec![Block::ZERO; 3];
        b.recv_blocks(&mut small).unwrap();
        assert_eq!(small, blocks(3, 1));
        let large = b.recv_bytes(1 << 20).unwrap();
        assert_eq!(large.len(), 300_000);
        assert!(large.iter().enumerate().all(|(i, &x)| x == i as u8));
        b.send_bytes(b"ack").unwrap();
        b.flush().unwrap();
        b
    });
    a.send_blocks(&big).unwrap();
    a.send_bytes(b"hello").unwrap();
    a.send_bytes(b"").unwrap();
    a.send_block(Block::new(42)).unwrap();
    a.send_blocks(&blocks(3, 1)).unwrap();
    let large: Vec<u8> = (0..300_000).map(|i| i as u8).collect();
    a.send_bytes(&large).unwrap();
    a.flush().unwrap();
    assert_eq!(a.recv_bytes(3).unwrap(), b"ack");
    let b = h.join().unwrap();
    let expected = 4 * 6 + 1_600_000 + 5 + 16 + 48 + 300_000;
    assert_eq!(a.bytes_sent(), expected as u64);
    assert_eq!(b.bytes_received(), expected as u64);
    assert_eq!(b.bytes_sent(), 7);
    assert_eq!(a.bytes_received(), 7);
}

#[test]
fn mem_round_trip_and_counters() {
    let (a, b) = mem::pair();
    round_trip(a, b);
}

#[test]
fn tcp_round_trip_and_counters() {
    let (a, b) = tcp_pair();
    round_trip(a, b);
}

#[test]
fn nothing_arrives_before_flush_but_all_after() {
    let (mut a, mut b) = mem::pair();
    b.set_timeout(Duration::from_millis(200)).unwrap();
    a.send_blocks(&blocks(10, 0)).unwrap();
    let mut got = vec![Block::ZERO; 10];
    assert!(matches!(b.recv_blocks(&mut got), Err(NetError::Timeout)));
    let (mut a, mut b) = mem::pair();
    a.send_blocks(&blocks(10, 0)).unwrap();
    a.flush().unwrap();
    b.recv_blocks(&mut got).unwrap();
    assert_eq!(got, blocks(10, 0));
}

#[test]
fn unexpected_length_is_typed() {
    let (mut a, mut b) = mem::pair();
    b.set_timeout(T).unwrap();
    a.send_blocks(&blocks(5, 0)).unwrap();
    a.send_bytes(b"abc").unwrap();
    a.flush().unwrap();
    let mut got = vec![Block::ZERO; 4];
    match b.recv_blocks(&mut got) {
        Err(NetError::UnexpectedLength { expected, got }) => {
            assert_eq!((expected, got), (64, 80))
        }
        other => panic!("{other:?}"),
    }
    let (mut a, mut b) = mem::pair();
    a.send_bytes(b"abcd").unwrap();
    a.flush().unwrap();
    let mut three = [0u8; 3];
    assert!(matches!(
        b.recv_bytes_exact(&mut three),
        Err(NetError::UnexpectedLength {
            expected: 3,
            got: 4
        })
    ));
    let (mut a, mut b) = mem::pair();
    a.send_bytes(b"abcd").unwrap();
    a.flush().unwrap();
    assert!(matches!(
        b.recv_bytes(3),
        Err(NetError::FrameTooLarge { len: 4, max: 3 })
    ));
}

#[test]
fn sending_an_oversized_frame_is_refused() {
    let (mut a, _b) = mem::pair();
    let huge = vec![0u8; MAX_FRAME + 1];
    assert!(matches!(
        a.send_bytes(&huge),
        Err(NetError::FrameTooLarge { .. })
    ));
}

/// A hostile header announcing 4 GiB must be refused without allocating.
#[test]
fn oversized_prefix_from_raw_peer_mem() {
    let (mut ch, _r, mut w) = mem::raw_pair();
    ch.set_timeout(T).unwrap();
    w.write_all(&u32::MAX.to_le_bytes()).unwrap();
    assert!(matches!(
        ch.recv_bytes(usize::MAX),
        Err(NetError::FrameTooLarge { len, max }) if len == u32::MAX as usize && max == MAX_FRAME
    ));
    let (mut ch, _r, mut w) = mem::raw_pair();
    w.write_all(&u32::MAX.to_le_bytes()).unwrap();
    let mut got = vec![Block::ZERO; 8];
    assert!(matches!(
        ch.recv_blocks(&mut got),
        Err(NetError::UnexpectedLength { expected: 128, .. })
    ));
}

#[test]
fn truncated_frame_then_close_is_closed_mem() {
    let (mut ch, r, mut w) = mem::raw_pair();
    ch.set_timeout(T).unwrap();
    w.write_all(&64u32.to_le_bytes()).unwrap();
    w.write_all(&[1u8; 40]).unwrap();
    drop((r, w));
    let mut got = vec![Block::ZERO; 4];
    let start = Instant::now();
    assert!(matches!(ch.recv_blocks(&mut got), Err(NetError::Closed)));
    assert!(start.elapsed() < T);
}

#[test]
fn truncated_frame_without_close_times_out_mem() {
    let (mut ch, _r, mut w) = mem::raw_pair();
    ch.set_timeout(Duration::from_millis(300)).unwrap();
    w.write_all(&64u32.to_le_bytes()).unwrap();
    w.write_all(&[1u8; 40]).unwrap();
    let mut got = vec![Block::ZERO; 4];
    let start = Instant::now();
    assert!(matches!(ch.recv_blocks(&mut got), Err(NetError::Timeout)));
    assert!(start.elapsed() < T);
}

#[test]
fn peer_dropped_mem() {
    let (mut a, b) = mem::pair();
    a.set_timeout(T).unwrap();
    drop(b);
    assert!(matches!(a.recv_bytes(10), Err(NetError::Closed)));
    a.send_bytes(b"x").unwrap(); // buffered
    assert!(matches!(a.flush(), Err(NetError::Closed)));
}

fn raw_tcp() -> (Channel, TcpStream) {
    let listener = tcp::listen("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let raw = TcpStream::connect(addr).unwrap();
    let mut ch = listener.accept(T).unwrap();
    ch.set_timeout(T).unwrap();
    (ch, raw)
}

#[test]
fn tcp_oversized_prefix() {
    let (mut ch, mut raw) = raw_tcp();
    raw.write_all(&(MAX_FRAME as u32 + 1).to_le_bytes())
        .unwrap();
    raw.flush().unwrap();
    assert!(matches!(
        ch.recv_bytes(usize::MAX),
        Err(NetError::FrameTooLarge { .. })
    ));
}

#[test]
fn tcp_truncated_then_closed() {
    let (mut ch, mut raw) = raw_tcp();
    raw.write_all(&32u32.to_le_bytes()).unwrap();
    raw.write_all(&[0u8; 20]).unwrap();
    drop(raw);
    let mut got = [Block::ZERO; 2];
    let start = Instant::now();
    assert!(matches!(ch.recv_blocks(&mut got), Err(NetError::Closed)));
    assert!(start.elapsed() < T);
}

#[test]
fn tcp_silent_peer_times_out() {
    let (mut ch, mut raw) = raw_tcp();
    ch.set_timeout(Duration::from_millis(300)).unwrap();
    raw.write_all(&[16, 0]).unwrap(); // half a header
    let start = Instant::now();
    assert!(matches!(ch.recv_block(), Err(NetError::Timeout)));
    let el = start.elapsed();
    assert!(el >= Duration::from_millis(250) && el < T, "{el:?}");
}

#[test]
fn tcp_frames_are_what_the_wire_says() {
    // The raw side sees exactly the documented wire format.
    let (mut ch, mut raw) = raw_tcp();
    ch.send_blocks(&[Block::new(1), Block::new(2)]).unwrap();
    ch.flush().unwrap();
    let mut wire = [0u8; 36];
    raw.set_read_timeout(Some(T)).unwrap();
    raw.read_exact(&mut wire).unwrap();
    assert_eq!(&wire[..4], &32u32.to_le_bytes());
    assert_eq!(&wire[4..20], &Block::new(1).to_bytes());
    assert_eq!(&wire[20..], &Block::new(2).to_bytes());
}

#[test]
fn tcp_connect_times_out_or_is_refused_quickly() {
    // Bind and drop to get a port nobody listens on.
    let addr = {
        let l = tcp::listen("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let start = Instant::now();
    let r = tcp::connect(addr, Duration::from_millis(300));
    assert!(matches!(r, Err(NetError::Timeout)), "{r:?}");
    assert!(start.elapsed() < T);
    let l = tcp::listen("127.0.0.1:0").unwrap();
    assert!(matches!(
        l.accept(Duration::from_millis(100)),
        Err(NetError::Timeout)
    ));
}

#[test]
fn default_timeout_is_documented_value() {
    let (a, _b) = mem::pair();
    assert_eq!(a.timeout(), net::DEFAULT_TIMEOUT);
}
