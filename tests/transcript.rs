//! A whole session from fixed seeds, over an in-memory channel whose bytes
//! are recorded both ways: the result is the circuit's known answer
//! (AES-128, FIPS-197), the transcript is byte for byte the same when the
//! seeds are, and changes when either party's seed does. Both schemes.

use gc2pc::aes::Engine;
use gc2pc::circuit::{Plan, bristol};
use gc2pc::garble::Scheme;
use gc2pc::net::{Channel, ReadHalf, WriteHalf, mem};
use gc2pc::ot::ideal::ideal_cot;
use gc2pc::prg::Prg;
use gc2pc::protocol::{Agreement, EvaluatorSession, GarblerPrep, GarblerSession};
use gc2pc::{Block, Delta};
use std::io::{self, Read, Write};
use std::sync::{Arc, Mutex};
use std::time::Duration;

mod common;

type Log = Arc<Mutex<Vec<u8>>>;

/// A reader that keeps a copy of what it reads.
struct TeeReader<R>(R, Log);

impl<R: ReadHalf> Read for TeeReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.0.read(buf)?;
        self.1.lock().unwrap().extend_from_slice(&buf[..n]);
        Ok(n)
    }
}

impl<R: ReadHalf> ReadHalf for TeeReader<R> {
    fn set_read_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        self.0.set_read_timeout(timeout)
    }
}

/// A writer that keeps a copy of what it writes.
struct TeeWriter<W>(W, Log);

impl<W: WriteHalf> Write for TeeWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.0.write(buf)?;
        self.1.lock().unwrap().extend_from_slice(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

impl<W: WriteHalf> WriteHalf for TeeWriter<W> {
    fn set_write_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        self.0.set_write_timeout(timeout)
    }
}

/// What each party sent, and what the evaluator learned.
#[derive(Debug, PartialEq)]
struct Transcript {
    to_evaluator: Vec<u8>,
    to_garbler: Vec<u8>,
    output: Vec<Vec<bool>>,
}

/// One AES-128 session with the garbler's secrets from `garbler_seed` and
/// the evaluator's from `evaluator_seed`.
fn session(scheme: Scheme, garbler_seed: u128, evaluator_seed: u128) -> Transcript {
    recorded(scheme, garbler_seed, evaluator_seed, false)
}

/// [`session`], its OTs from IKNP or (`ideal`) from an ideal COT.
fn recorded(scheme: Scheme, garbler_seed: u128, evaluator_seed: u128, ideal: bool) -> Transcript {
    let rc = common::reference_circuit("bristol_fashion/aes_128.txt");
    let circuit = bristol::read_file(&rc.path).unwrap();
    let plan = Plan::new(&circuit);
    let mut agreement = Agreement::default_for(&circuit);
    agreement.scheme = scheme;
    let vector = &rc.vectors[0];
    let (to_evaluator, to_garbler): (Log, Log) = Default::default();
    let (mut garbler_channel, reader, writer) = mem::raw_pair();
    garbler_channel
        .set_timeout(Duration::from_secs(30))
        .unwrap();
    let mut evaluator_channel = Channel::new(
        Box::new(TeeReader(reader, to_evaluator.clone())),
        Box::new(TeeWriter(writer, to_garbler.clone())),
    )
    .unwrap();
    evaluator_channel
        .set_timeout(Duration::from_secs(30))
        .unwrap();
    let engine = Engine::best();
    if ideal {
        let (cot_sender, cot_receiver) = ideal_cot(
            Block::new(evaluator_seed),
            Delta::new(Block::new(garbler_seed)),
        );
        let output = std::thread::scope(|s| {
            let garbler = s.spawn(|| {
                let mut session = GarblerSession::start_with_cot(
                    garbler_channel,
                    &circuit,
                    &plan,
                    agreement.clone(),
                    engine,
                    Prg::new(Block::new(garbler_seed)),
                    cot_sender,
                )
                .unwrap();
                session.run(&vector.inputs[..1]).unwrap();
            });
            let mut session = EvaluatorSession::start_with_cot(
                evaluator_channel,
                &circuit,
                &plan,
                agreement.clone(),
                engine,
                cot_receiver,
            )
            .unwrap();
            let output = session.run(&vector.inputs[1..]).unwrap();
            garbler.join().unwrap();
            output
        });
        let take = |log: Log| std::mem::take(&mut *log.lock().unwrap());
        return Transcript {
            to_evaluator: take(to_evaluator),
            to_garbler: take(to_garbler),
            output,
        };
    }
    let prep = GarblerPrep::with_rng(&circuit, &agreement, Prg::new(Block::new(garbler_seed)));
    let output = std::thread::scope(|s| {
        let garbler = s.spawn(|| {
            let mut session = GarblerSession::start_prepared(
                garbler_channel,
                &circuit,
                &plan,
                agreement.clone(),
                engine,
                prep,
            )
            .unwrap();
            session.run(&vector.inputs[..1]).unwrap();
        });
        let mut session = EvaluatorSession::start_with_rng(
            evaluator_channel,
            &circuit,
            &plan,
            agreement.clone(),
            engine,
            Prg::new(Block::new(evaluator_seed)),
        )
        .unwrap();
        let output = session.run(&vector.inputs[1..]).unwrap();
        garbler.join().unwrap();
        output
    });
    let take = |log: Log| std::mem::take(&mut *log.lock().unwrap());
    Transcript {
        to_evaluator: take(to_evaluator),
        to_garbler: take(to_garbler),
        output,
    }
}

#[test]
fn a_session_from_fixed_seeds_has_a_fixed_transcript() {
    let rc = common::reference_circuit("bristol_fashion/aes_128.txt");
    for scheme in Scheme::ALL {
        let first = session(scheme, 1, 2);
        assert_eq!(first.output, rc.vectors[0].outputs, "{scheme}: FIPS-197");
        // Garbled tables alone are at least the scheme's size per AND gate.
        let tables = 16 * scheme.table_blocks(rc.and_gates);
        assert!(first.to_evaluator.len() > tables, "{scheme}");
        // The evaluator sends its hello, base-OT points, 128 OT columns
        // of 16 bytes per input bit (padded) and the KOS rows and check.
        assert!(first.to_garbler.len() > 16 * 128, "{scheme}");
        let again = session(scheme, 1, 2);
        assert!(
            first.to_evaluator == again.to_evaluator,
            "{scheme}: same seeds"
        );
        assert!(first.to_garbler == again.to_garbler, "{scheme}: same seeds");
        let garbler_reseeded = session(scheme, 3, 2);
        assert_eq!(garbler_reseeded.output, first.output);
        assert!(
            garbler_reseeded.to_evaluator != first.to_evaluator,
            "{scheme}"
        );
        let evaluator_reseeded = session(scheme, 1, 4);
        assert_eq!(evaluator_reseeded.output, first.output);
        assert!(
            evaluator_reseeded.to_garbler != first.to_garbler,
            "{scheme}"
        );
        assert_eq!(
            (
                evaluator_reseeded.to_evaluator.len(),
                evaluator_reseeded.to_garbler.len()
            ),
            (first.to_evaluator.len(), first.to_garbler.len()),
            "{scheme}: the sizes do not depend on secrets"
        );
    }
}

/// The protocol above OT alone: the same session with an ideal COT (no
/// base OTs, no extension) gives the FIPS-197 answer, and the evaluator
/// then sends only its hello, nothing of OT.
#[test]
fn a_session_over_the_ideal_cot_computes_the_same() {
    let rc = common::reference_circuit("bristol_fashion/aes_128.txt");
    for scheme in Scheme::ALL {
        let ideal = recorded(scheme, 5, 6, true);
        assert_eq!(ideal.output, rc.vectors[0].outputs, "{scheme}: FIPS-197");
        let real = session(scheme, 5, 6);
        assert!(
            ideal.to_garbler.len() + 16 * 128 < real.to_garbler.len(),
            "{scheme}: {} vs {} bytes",
            ideal.to_garbler.len(),
            real.to_garbler.len()
        );
        assert_eq!(
            ideal,
            recorded(scheme, 5, 6, true),
            "{scheme}: deterministic"
        );
    }
}
