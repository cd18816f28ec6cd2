//! The properties the fuzz targets check, one function per target.
//!
//! Each function takes the raw fuzz input, runs it through gc2pc and panics
//! (via `assert!`) when a property breaks; gc2pc itself must never panic,
//! whatever the bytes. It returns whether the input was *accepted* (parsed,
//! decoded), so a regression test can assert that a former crash input is
//! now rejected with an error.
//!
//! This file is shared: the libFuzzer targets in `fuzz/fuzz_targets/` call
//! it through the `gc2pc_fuzz` library, and the main crate's
//! `tests/fuzz_regressions.rs` includes it with `#[path]`, so the regression
//! tests run exactly the code the fuzzer ran, on the stable toolchain, in
//! `cargo test`. It may therefore only use `gc2pc` and `std`.

use gc2pc::Block;
use gc2pc::aes::Engine;
use gc2pc::circuit::Plan;
use gc2pc::circuit::value::{self, BitOrder, ValueFormat};
use gc2pc::circuit::{Circuit, Format};
use gc2pc::circuit::{binary, bristol};
use gc2pc::garble::Scheme;
use gc2pc::hash::HashKind;
use gc2pc::net::{Channel, MAX_FRAME, NetError, ReadHalf, WriteHalf, mem};
use gc2pc::ot::iknp::{IknpReceiver, IknpSender};
use gc2pc::ot::{CotReceiver, CotSender, base};
use gc2pc::prg::Prg;
use gc2pc::protocol::handshake::{Hello, Role};
use gc2pc::protocol::{Agreement, EvaluatorSession, GarblerSession, Reveal};
use std::io::{self, Read, Write};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

/// Most text bytes handed to the value parser, so one iteration stays cheap.
pub const MAX_VALUE_TEXT: usize = 4096;

/// `bristol_parse`: arbitrary bytes into [`bristol::parse`]. When they parse,
/// the canonical text from [`bristol::to_string`] must parse again to the
/// same circuit (MAND circuits come back as basic Bristol Fashion), and
/// writing that again must give the same text (canonical form is a fixpoint).
pub fn bristol_parse(data: &[u8]) -> bool {
    let Ok(circuit) = bristol::parse(data) else {
        return false;
    };
    let text = bristol::to_string(&circuit);
    let again = match bristol::parse(text.as_bytes()) {
        Ok(again) => again,
        Err(e) => panic!("the canonical text of a parsed circuit does not parse: {e}\n{text}"),
    };
    assert_eq!(
        again,
        canonical_format(circuit),
        "round trip changed the circuit"
    );
    assert_eq!(
        bristol::to_string(&again),
        text,
        "canonical text is not a fixpoint"
    );
    true
}

/// `binary_parse`: arbitrary bytes into [`binary::read`]. An accepted
/// current-version circuit writes back to exactly the input (the reader
/// accepts only the canonical encoding, its stored plan included); a
/// version-1 one writes and reads back as the same circuit; both survive
/// their Bristol text unchanged.
pub fn binary_parse(data: &[u8]) -> bool {
    let Ok(circuit) = binary::read(data, Some(data.len() as u64)) else {
        return false;
    };
    let bytes = binary::to_bytes(&circuit);
    if data[8..10] == binary::VERSION.to_le_bytes() {
        assert_eq!(bytes, data, "an accepted binary circuit is not canonical");
    } else {
        // A version-1 file: written again in the current version (with its
        // plan), it is the same circuit.
        let again = binary::read(&bytes[..], Some(bytes.len() as u64))
            .expect("the current version reads what it writes");
        assert_eq!(again.gates(), circuit.gates());
        assert_eq!(again.digest(), circuit.digest());
    }
    let text = bristol::to_string(&circuit);
    let again = bristol::parse(text.as_bytes()).expect("its Bristol text parses");
    assert_eq!(
        again.gates(),
        circuit.gates(),
        "the Bristol text changed the gates"
    );
    assert_eq!(again.digest(), circuit.digest());
    true
}

/// The circuit as [`bristol::to_string`] writes it: MAND becomes basic
/// Bristol Fashion.
fn canonical_format(circuit: Circuit) -> Circuit {
    if circuit.format() == Format::BristolFashionMand {
        circuit
            .with_format(Format::BristolFashion)
            .expect("Bristol Fashion holds any circuit")
    } else {
        circuit
    }
}

/// `value_parse`: the first two bytes (little-endian, mod 1025) are the group
/// width, bit 0 of the third byte the bit order, the rest (lossily decoded
/// as UTF-8) the text of an `--input` value. When [`value::parse_value`]
/// accepts it, the result has exactly `width` bits, [`value::format_value`]
/// works in every format, and the formats that the parser reads back
/// (hex and binary in both orders, decimal for LSB-first integers) give
/// the same bits again (width > 0).
pub fn value_parse(data: &[u8]) -> bool {
    let (width, order, text) = split_value_input(data);
    let Ok(bits) = value::parse_value(&text, width, order) else {
        return false;
    };
    assert_eq!(
        bits.len(),
        width,
        "parse_value({text:?}, {width}, {order:?}) has the wrong length"
    );
    for format in [ValueFormat::Hex, ValueFormat::Dec, ValueFormat::Bin] {
        let shown = value::format_value(&bits, format, order);
        // Decimal MSB-first byte strings are for people only.
        let readable = !(order == BitOrder::MsbBytes && format == ValueFormat::Dec);
        if readable {
            match value::parse_value(&shown, width, order) {
                Ok(back) => assert_eq!(
                    back, bits,
                    "{format:?} text {shown:?} of {text:?} reads back differently ({order:?}, width {width})"
                ),
                Err(e) => panic!(
                    "{format:?} text {shown:?} of {text:?} does not read back ({order:?}, width {width}): {e}"
                ),
            }
        }
    }
    true
}

/// Splits a `value_parse` input into width, bit order and text.
pub fn split_value_input(data: &[u8]) -> (usize, BitOrder, String) {
    let byte = |i: usize| data.get(i).copied().unwrap_or(0);
    let width = usize::from(u16::from_le_bytes([byte(0), byte(1)])) % 1025;
    let order = if byte(2) & 1 == 0 {
        BitOrder::LsbInteger
    } else {
        BitOrder::MsbBytes
    };
    let rest = data.get(3..).unwrap_or_default();
    let rest = &rest[..rest.len().min(MAX_VALUE_TEXT)];
    (width, order, String::from_utf8_lossy(rest).into_owned())
}

/// The bytes of a `value_parse` input for `text` at `width` and `order`
/// (for seeds and tests).
pub fn value_input(width: u16, order: BitOrder, text: &str) -> Vec<u8> {
    let mut out = width.to_le_bytes().to_vec();
    out.push(match order {
        BitOrder::LsbInteger => 0,
        BitOrder::MsbBytes => 1,
    });
    out.extend_from_slice(text.as_bytes());
    out
}

/// `handshake_decode`: arbitrary bytes into [`Hello::decode`]. When they
/// decode, the encoding is canonical (`encode` gives back exactly the input
/// bytes), it decodes to the same hello, and the same hello from the other
/// role is found to differ in nothing.
pub fn handshake_decode(data: &[u8]) -> bool {
    let Ok(hello) = Hello::decode(data) else {
        return false;
    };
    let encoded = hello.encode();
    assert_eq!(encoded, data, "the hello encoding is not canonical");
    assert_eq!(
        Hello::decode(&encoded).as_ref(),
        Ok(&hello),
        "encode/decode round trip"
    );
    let peer = Hello {
        role: match hello.role {
            Role::Garbler => Role::Evaluator,
            Role::Evaluator => Role::Garbler,
        },
        ..hello.clone()
    };
    let differences = hello.differences(&peer);
    assert!(
        differences.is_empty(),
        "matching hellos differ: {differences:?}"
    );
    true
}

// ---------------------------------------------------------------------------
// The peer's messages: a channel whose read half replays the fuzz bytes.

/// The peer's side of the wire: replays `data` in reads of at most `chunk`
/// bytes (short reads exercise the channel's buffering), then end of stream,
/// which the channel reports as [`NetError::Closed`] at once: no iteration
/// ever waits for a timeout.
pub struct Replay {
    data: Vec<u8>,
    pos: usize,
    chunk: usize,
}

impl Read for Replay {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = buf.len().min(self.chunk).min(self.data.len() - self.pos);
        buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

impl ReadHalf for Replay {
    fn set_read_timeout(&mut self, _: Option<Duration>) -> io::Result<()> {
        Ok(())
    }
}

/// Where our messages to the peer go: counted and dropped.
pub struct Sink;

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl WriteHalf for Sink {
    fn set_write_timeout(&mut self, _: Option<Duration>) -> io::Result<()> {
        Ok(())
    }
}

/// A channel that reads `data` (in reads of at most `chunk` bytes; 0 means
/// unlimited) as the peer's frames and drops what we send.
pub fn replay_channel(data: &[u8], chunk: usize) -> Channel {
    let reader = Replay {
        data: data.to_vec(),
        pos: 0,
        chunk: if chunk == 0 { usize::MAX } else { chunk },
    };
    let mut ch = Channel::new(Box::new(reader), Box::new(Sink)).expect("replay halves");
    ch.set_timeout(Duration::from_millis(100))
        .expect("replay halves");
    ch
}

/// A little-endian cursor over the fuzz input's control bytes (zeros past the
/// end).
struct Control<'a>(&'a [u8]);

impl Control<'_> {
    fn u8(&mut self) -> u8 {
        let (&b, rest) = self.0.split_first().unwrap_or((&0, &[]));
        self.0 = rest;
        b
    }
    fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.u8(), self.u8()])
    }
}

/// Most operations one `net_frames` input runs.
pub const NET_MAX_OPS: usize = 16;
/// Largest `max` / exact length / block count a `net_frames` operation uses,
/// so the memory a run may use is known (see the target's allocation cap).
pub const NET_MAX_LEN: usize = 1 << 16;

/// `net_frames`: byte 0 is the read size of the peer (0: unlimited), byte 1
/// the number of operations (mod [`NET_MAX_OPS`] + 1), then 3 bytes per
/// operation (kind, u16 size); the rest is the stream from the peer. Runs
/// `recv_bytes(max)`, `recv_bytes_exact`, `recv_blocks`, `recv_block` and a
/// send in that order against a model of the framing (u32 LE length, then
/// the payload): every call must return exactly what the model predicts, the
/// right error variant included ([`NetError::Closed`] for a short stream,
/// `FrameTooLarge` / `UnexpectedLength` with the announced length), and the
/// byte counter must match. Stops at the first error (the stream position is
/// then unknown). Returns whether every operation succeeded.
pub fn net_frames(data: &[u8]) -> bool {
    let mut control = Control(data);
    let chunk = usize::from(control.u8());
    let ops = usize::from(control.u8()) % NET_MAX_OPS + 1;
    let script: Vec<(u8, usize)> = (0..ops)
        .map(|_| (control.u8(), usize::from(control.u16()) % (NET_MAX_LEN + 1)))
        .collect();
    let stream = control.0;
    let mut ch = replay_channel(stream, chunk);
    let mut pos = 0usize; // the model's read position in `stream`
    for (kind, size) in script {
        // The model: the next header, if the stream holds one.
        let header = stream
            .get(pos..pos + 4)
            .map(|h| u32::from_le_bytes(h.try_into().expect("4 bytes")) as usize);
        let payload = |len: usize| stream.get(pos + 4..).and_then(|rest| rest.get(..len));
        match kind % 5 {
            0 => {
                let got = ch.recv_bytes(size);
                let max = size.min(MAX_FRAME);
                match (header, got) {
                    (None, Err(NetError::Closed)) => return false,
                    (Some(len), Err(NetError::FrameTooLarge { len: l, max: m })) => {
                        assert!(
                            len > max && l == len && m == max,
                            "recv_bytes({size}): {len} > {max}"
                        );
                        return false;
                    }
                    (Some(len), Err(NetError::Closed)) if len <= max && payload(len).is_none() => {
                        return false;
                    }
                    (Some(len), Ok(bytes)) if len <= max => {
                        assert_eq!(Some(&bytes[..]), payload(len), "recv_bytes payload");
                        pos += 4 + len;
                    }
                    (header, got) => panic!("recv_bytes({size}) with header {header:?}: {got:?}"),
                }
            }
            1 => {
                let mut out = vec![0u8; size];
                let got = ch.recv_bytes_exact(&mut out);
                if expect_exact(header, got, size, payload(size)).is_err() {
                    return false;
                }
                assert_eq!(Some(&out[..]), payload(size), "recv_bytes_exact payload");
                pos += 4 + size;
            }
            2 | 3 => {
                let n = if kind % 5 == 3 { 1 } else { size / 16 };
                let mut out = vec![Block::ZERO; n];
                let got = if kind % 5 == 3 {
                    ch.recv_block().map(|b| out[0] = b)
                } else {
                    ch.recv_blocks(&mut out)
                };
                let expected = payload(16 * n);
                if expect_exact(header, got, 16 * n, expected).is_err() {
                    return false;
                }
                let expected = expected.expect("checked");
                for (block, bytes) in out.iter().zip(expected.chunks_exact(16)) {
                    let bytes: [u8; 16] = bytes.try_into().expect("16 bytes");
                    assert_eq!(*block, Block::from_bytes(bytes), "recv_blocks payload");
                }
                pos += 4 + 16 * n;
            }
            _ => {
                // Sending must work whatever was received before.
                let sent = ch.bytes_sent();
                ch.send_bytes(&vec![0xa5; size]).expect("send to a sink");
                ch.flush().expect("flush to a sink");
                assert_eq!(ch.bytes_sent(), sent + 4 + size as u64, "send counter");
            }
        }
        assert_eq!(ch.bytes_received(), pos as u64, "receive counter");
    }
    true
}

/// The model's verdict on a receive of exactly `expected` payload bytes:
/// `Ok` if the call succeeded as it should, `Err` if it failed as it should
/// (which ends the run); a panic otherwise.
fn expect_exact(
    header: Option<usize>,
    got: Result<(), NetError>,
    expected: usize,
    payload: Option<&[u8]>,
) -> Result<(), NetError> {
    match (header, got) {
        (None, Err(e @ NetError::Closed)) => Err(e),
        (
            Some(len),
            Err(
                e @ NetError::UnexpectedLength {
                    expected: x,
                    got: g,
                },
            ),
        ) => {
            assert!(
                len != expected && x == expected && g == len,
                "{len} vs {expected}: {e:?}"
            );
            Err(e)
        }
        (Some(len), Err(e @ NetError::Closed)) if len == expected && payload.is_none() => Err(e),
        (Some(len), Ok(())) if len == expected && payload.is_some() => Ok(()),
        (header, got) => panic!("receive of {expected} bytes with header {header:?}: {got:?}"),
    }
}

// ---------------------------------------------------------------------------
// OT: our side of the base OTs and of IKNP, reading the peer's messages.

/// A fixed PRG, so that an input replays the same way every time.
fn fixed_prg(tag: u128) -> Prg {
    Prg::new(Block::new(0x6675_7a7a_2d70_7267_0000_0000_0000_0000 ^ tag))
}

/// Choice bits from the control bytes.
fn choices(seed: u8, n: usize) -> Vec<bool> {
    (0..n)
        .map(|i| (seed.rotate_left(i as u32 % 8) ^ i as u8) & 1 == 1)
        .collect()
}

/// `ot_messages`: byte 0 picks what we run against the peer's bytes, byte 1
/// sizes it; the rest is the stream from the peer.
///
/// - 0: base-OT sender of `1 + b1 % 4` OTs (reads the receiver's points);
/// - 1: base-OT receiver of `1 + b1 % 8` OTs (reads the sender's point `B`);
/// - 2: IKNP sender (the garbler): set-up, then `1 + b1` (≤ 256) correlated
///   OTs (reads `B`, then the matrix `u`);
/// - 3: IKNP receiver (the evaluator): set-up, then `1 + b1` chosen-message
///   OTs (reads the 128 base-OT receiver messages, then the masked pairs).
///
/// Whatever the bytes: an error or a result of the right size, never a panic.
/// Returns whether the OTs completed.
pub fn ot_messages(data: &[u8]) -> bool {
    let mut control = Control(data);
    let mode = control.u8() % 4;
    let size = usize::from(control.u8());
    let mut ch = replay_channel(control.0, 0);
    let mut prg = fixed_prg(u128::from(mode));
    match mode {
        0 => {
            let n = 1 + size % 4;
            base::send(&mut ch, n, &mut prg).is_ok_and(|keys| {
                assert_eq!(keys.len(), n);
                true
            })
        }
        1 => {
            let n = 1 + size % 8;
            base::receive(&mut ch, &choices(size as u8, n), &mut prg).is_ok_and(|keys| {
                assert_eq!(keys.len(), n);
                true
            })
        }
        2 => {
            let delta = fixed_prg(7).random_delta();
            let Ok(mut ot) = IknpSender::setup(&mut ch, &delta, &mut prg) else {
                return false;
            };
            ot.send_cot(&mut ch, 1 + size).is_ok_and(|m0| {
                assert_eq!(m0.len(), 1 + size);
                true
            })
        }
        _ => {
            let Ok(mut ot) = IknpReceiver::setup(&mut ch, &mut prg) else {
                return false;
            };
            let bits = choices(size as u8, 1 + size);
            ot.recv_chosen(&mut ch, &bits).is_ok_and(|m| {
                assert_eq!(m.len(), bits.len());
                true
            })
        }
    }
}

// ---------------------------------------------------------------------------
// A whole evaluator session against a hostile garbler.

/// The circuit the session target runs: `circuits/cmp32.txt` (a < b over 32
/// bits, 32 AND gates) and its plan.
pub fn cmp32() -> &'static (Circuit, Plan) {
    static CMP32: OnceLock<(Circuit, Plan)> = OnceLock::new();
    CMP32.get_or_init(|| {
        let circuit = bristol::parse(include_bytes!("../../circuits/cmp32.txt")).expect("cmp32");
        let plan = Plan::new(&circuit);
        (circuit, plan)
    })
}

/// The session settings byte 0 of an `evaluator_session` input selects:
/// bit 0 clear: the default agreement (the evaluator owns group 1, so IKNP
/// runs), set: the garbler owns both groups (no OT); bit 1: `--reveal both`;
/// bit 2: the MITCCRH hash instead of the default; bit 3: three-halves
/// garbling instead of half-gates.
pub fn session_agreement(config: u8) -> Agreement {
    let (circuit, _) = cmp32();
    let mut agreement = if config & 1 == 0 {
        Agreement::default_for(circuit)
    } else {
        Agreement::with_garbler_groups(circuit, &[0, 1]).expect("cmp32 has 2 groups")
    };
    if config & 2 != 0 {
        agreement.reveal = Reveal::Both;
    }
    if config & 4 != 0 {
        agreement.hash_kind = HashKind::Mitccrh;
    }
    if config & 8 != 0 {
        agreement.scheme = Scheme::ThreeHalves;
    }
    agreement
}

/// The evaluator's input values for `session_agreement(config)`.
fn evaluator_inputs(config: u8, value: u8) -> Vec<Vec<bool>> {
    if config & 1 == 0 {
        vec![
            (0..32)
                .map(|i| (u32::from(value) * 0x0101_0101) >> i & 1 == 1)
                .collect(),
        ]
    } else {
        Vec::new()
    }
}

/// `evaluator_session`: byte 0 selects the session settings
/// ([`session_agreement`]), byte 1 the evaluator's input; the rest is
/// everything the garbler sends. Runs `EvaluatorSession::start` on cmp32 and
/// then `run` up to twice. Every step must return, with an error or (for a
/// well-formed garbler transcript: a semi-honest garbler decides the output)
/// an output of the circuit's shape; never a panic, hang or large
/// allocation. Returns whether a run completed.
pub fn evaluator_session(data: &[u8]) -> bool {
    let mut control = Control(data);
    let config = control.u8() & 15;
    let value = control.u8();
    let (circuit, plan) = cmp32();
    let ch = replay_channel(control.0, 0);
    let backend = Engine::best();
    let Ok(mut session) =
        EvaluatorSession::start(ch, circuit, plan, session_agreement(config), backend)
    else {
        return false;
    };
    let mut completed = false;
    for _ in 0..2 {
        match session.run(&evaluator_inputs(config, value)) {
            Ok(outputs) => {
                assert_eq!(outputs, [vec![outputs[0][0]]], "cmp32 has one output bit");
                completed = true;
            }
            Err(_) => break,
        }
    }
    completed
}

// ---------------------------------------------------------------------------
// Recording honest peers, for seeds and tests.

/// A write half that forwards to another and keeps a copy of every byte.
struct Tee<W> {
    inner: W,
    log: Arc<Mutex<Vec<u8>>>,
}

impl<W: Write> Write for Tee<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.log.lock().expect("log").extend_from_slice(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl<W: WriteHalf> WriteHalf for Tee<W> {
    fn set_write_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        self.inner.set_write_timeout(timeout)
    }
}

/// Runs `us` and an honest `peer` against each other over an in-memory pair
/// and returns every byte the peer sent: the stream a fuzz target replays as
/// the peer. `us` runs on this thread, `peer` on another.
pub fn record_peer<T: Send>(
    us: impl FnOnce(Channel) -> T,
    peer: impl FnOnce(Channel) + Send,
) -> (T, Vec<u8>) {
    let (ours, reader, writer) = mem::raw_pair();
    let log = Arc::new(Mutex::new(Vec::new()));
    let tee = Tee {
        inner: writer,
        log: Arc::clone(&log),
    };
    let theirs = Channel::new(Box::new(reader), Box::new(tee)).expect("mem halves");
    let result = std::thread::scope(|scope| {
        let handle = scope.spawn(move || peer(theirs));
        let result = us(ours);
        handle.join().expect("the honest peer does not panic");
        result
    });
    let bytes = log.lock().expect("log").clone();
    (result, bytes)
}

/// A `ot_messages` input: `mode` and `size` (see [`ot_messages`]) followed
/// by what an honest peer sends.
pub fn record_ot_input(mode: u8, size: u8) -> Vec<u8> {
    let mode = mode % 4;
    let n = usize::from(size);
    let ((), stream) = record_peer(
        |mut ch| {
            // The replayed side's randomness, as `ot_messages` draws it: the
            // peer's KOS answer depends on our challenge.
            let mut prg = fixed_prg(u128::from(mode));
            match mode {
                0 => drop(base::send(&mut ch, 1 + n % 4, &mut prg)),
                1 => drop(base::receive(&mut ch, &choices(size, 1 + n % 8), &mut prg)),
                2 => {
                    let delta = fixed_prg(7).random_delta();
                    let mut ot = IknpSender::setup(&mut ch, &delta, &mut prg).expect("setup");
                    ot.send_cot(&mut ch, 1 + n).expect("cot");
                }
                _ => {
                    let mut ot = IknpReceiver::setup(&mut ch, &mut prg).expect("setup");
                    ot.recv_chosen(&mut ch, &choices(size, 1 + n))
                        .expect("chosen");
                }
            }
        },
        |mut ch| {
            let mut prg = fixed_prg(200);
            match mode {
                0 => drop(base::receive(&mut ch, &choices(size, 1 + n % 4), &mut prg)),
                1 => drop(base::send(&mut ch, 1 + n % 8, &mut prg)),
                2 => {
                    let mut ot = IknpReceiver::setup(&mut ch, &mut prg).expect("setup");
                    ot.recv_cot(&mut ch, &choices(size, 1 + n)).expect("cot");
                }
                _ => {
                    let delta = fixed_prg(8).random_delta();
                    let mut ot = IknpSender::setup(&mut ch, &delta, &mut prg).expect("setup");
                    let msgs: Vec<[Block; 2]> = (0..=n as u128)
                        .map(|i| [Block::new(i), Block::new(!i)])
                        .collect();
                    ot.send_chosen(&mut ch, &msgs).expect("chosen");
                }
            }
        },
    );
    [vec![mode, size], stream].concat()
}

/// An `evaluator_session` input: `config` and the evaluator's `value` byte
/// followed by everything an honest garbler (inputs `garbler_value`) sends in
/// `runs` runs of cmp32.
pub fn record_session_input(config: u8, value: u8, garbler_value: u32, runs: usize) -> Vec<u8> {
    let config = config & 15;
    let (circuit, plan) = cmp32();
    let backend = Engine::best();
    let (outputs, stream) = record_peer(
        |ch| {
            let mut session =
                EvaluatorSession::start(ch, circuit, plan, session_agreement(config), backend)
                    .expect("evaluator start");
            (0..runs)
                .map(|_| {
                    session
                        .run(&evaluator_inputs(config, value))
                        .expect("evaluator run")
                })
                .collect::<Vec<_>>()
        },
        |ch| {
            let mut session =
                GarblerSession::start(ch, circuit, plan, session_agreement(config), backend)
                    .expect("garbler start");
            let bits = |v: u32| (0..32).map(|i| v >> i & 1 == 1).collect::<Vec<bool>>();
            let inputs = if config & 1 == 0 {
                vec![bits(garbler_value)]
            } else {
                vec![bits(garbler_value), bits(u32::from(value) * 0x0101_0101)]
            };
            for _ in 0..runs {
                session.run(&inputs).expect("garbler run");
            }
        },
    );
    let b = u32::from(value) * 0x0101_0101;
    for output in outputs {
        assert_eq!(output, [vec![garbler_value < b]], "honest cmp32 run");
    }
    [vec![config, value], stream].concat()
}
