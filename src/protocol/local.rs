//! Both parties in one process, each on its own thread, over loopback TCP:
//! what `gc2pc demo`, the examples and the end-to-end benchmarks run, over
//! plain TCP ([`run_over_loopback`]) or mutual TLS 1.3
//! ([`run_over_loopback_tls`]).

use super::{Agreement, EvaluatorSession, GarblerPrep, GarblerSession, ProtocolError, Stats};
use crate::aes::Engine;
use crate::circuit::stream::FileCircuit;
use crate::circuit::{Circuit, Plan};
use crate::net::{Channel, tcp, tls};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// Bit vectors per group, per execution (inputs or outputs of many runs).
pub type Outputs = Vec<Vec<Vec<bool>>>;

/// The outcome of a local two-party run.
#[derive(Debug, Clone)]
pub struct LocalRun {
    /// The output groups the evaluator learned, one entry per execution.
    pub outputs: Outputs,
    /// The garbler's statistics.
    pub garbler: Stats,
    /// The evaluator's statistics.
    pub evaluator: Stats,
    /// Evaluator's wall time to connect and set up the session (handshake,
    /// base OTs).
    pub setup: Duration,
    /// Evaluator's wall time for all the executions after set-up.
    pub runs: Duration,
}

/// Runs one session over loopback TCP with one execution per element of
/// `garbler_inputs` / `evaluator_inputs` (the same length; each element holds
/// that party's values for the groups it owns).
pub fn run_over_loopback(
    circuit: &Circuit,
    plan: &Plan,
    agreement: &Agreement,
    backend: Engine,
    garbler_inputs: &[Vec<Vec<bool>>],
    evaluator_inputs: &[Vec<Vec<bool>>],
) -> Result<LocalRun, ProtocolError> {
    let s = Session {
        circuit,
        plan,
        agreement,
        backend,
    };
    run_plain(s, garbler_inputs, evaluator_inputs, None)
}

/// [`run_over_loopback`] with the evaluator connecting through an emulated
/// wide-area link ([`crate::net::link`]): the connection costs TCP's
/// handshake, and every byte the link's rate and one-way delay.
pub fn run_over_link(
    circuit: &Circuit,
    plan: &Plan,
    agreement: &Agreement,
    backend: Engine,
    garbler_inputs: &[Vec<Vec<bool>>],
    evaluator_inputs: &[Vec<Vec<bool>>],
    link: crate::net::link::LinkSpec,
) -> Result<LocalRun, ProtocolError> {
    let s = Session {
        circuit,
        plan,
        agreement,
        backend,
    };
    run_plain(s, garbler_inputs, evaluator_inputs, Some(link))
}

/// A whole-circuit session over plain TCP, through `link` if given.
fn run_plain(
    s: Session<'_>,
    garbler_inputs: &[Vec<Vec<bool>>],
    evaluator_inputs: &[Vec<Vec<bool>>],
    link: Option<crate::net::link::LinkSpec>,
) -> Result<LocalRun, ProtocolError> {
    run_session(
        s,
        garbler_inputs,
        evaluator_inputs,
        |listener| Ok(listener.accept(TIMEOUT)?),
        |addr| match link {
            None => Ok(tcp::connect(addr, TIMEOUT)?),
            Some(link) => {
                let emulated =
                    crate::net::link::Link::start(link, addr).map_err(crate::net::NetError::Io)?;
                Ok(tcp::connect(emulated.addr(), TIMEOUT)?)
            }
        },
    )
}

/// [`run_over_loopback`] for one execution of a circuit file (Bristol or
/// binary), streamed by both parties: each reads the file window by window
/// ([`FileCircuit::stream`]), so neither holds the circuit.
pub fn run_file_over_loopback(
    file: &FileCircuit,
    agreement: &Agreement,
    backend: Engine,
    garbler_inputs: &[Vec<bool>],
    evaluator_inputs: &[Vec<bool>],
) -> Result<LocalRun, ProtocolError> {
    let stream = || file.stream().map_err(ProtocolError::Circuit);
    run_pair(
        GarblerPrep::new(file.shape(), agreement)?,
        |channel, prep| {
            let mut session = GarblerSession::start_stream(
                channel,
                file.shape(),
                agreement.clone(),
                backend,
                prep,
            )?;
            session.run_stream(garbler_inputs, &mut stream()?)?;
            Ok(session.stats())
        },
        |channel| {
            let mut session =
                EvaluatorSession::start_stream(channel, file.shape(), agreement.clone(), backend)?;
            let ready = Instant::now();
            let outputs = session.run_stream(evaluator_inputs, &mut stream()?)?;
            Ok((vec![outputs], session.stats(), ready))
        },
        |listener| Ok(listener.accept(TIMEOUT)?),
        |addr| Ok(tcp::connect(addr, TIMEOUT)?),
    )
}

/// Every wait of a local run is bounded by this.
const TIMEOUT: Duration = Duration::from_secs(60);

/// What both parties of a local run share.
#[derive(Clone, Copy)]
struct Session<'a> {
    circuit: &'a Circuit,
    plan: &'a Plan,
    agreement: &'a Agreement,
    backend: Engine,
}

/// A whole-circuit session of one or more executions; see [`run_pair`].
fn run_session(
    s: Session<'_>,
    garbler_inputs: &[Vec<Vec<bool>>],
    evaluator_inputs: &[Vec<Vec<bool>>],
    accept: impl FnOnce(&tcp::Listener) -> Result<Channel, ProtocolError> + Send,
    connect: impl FnOnce(SocketAddr) -> Result<Channel, ProtocolError>,
) -> Result<LocalRun, ProtocolError> {
    assert_eq!(
        garbler_inputs.len(),
        evaluator_inputs.len(),
        "one input set per execution"
    );
    run_pair(
        GarblerPrep::new(s.circuit, s.agreement)?,
        |channel, prep| {
            let mut session = GarblerSession::start_prepared(
                channel,
                s.circuit,
                s.plan,
                s.agreement.clone(),
                s.backend,
                prep,
            )?;
            for inputs in garbler_inputs {
                session.run(inputs)?;
            }
            Ok(session.stats())
        },
        |channel| {
            let mut session = EvaluatorSession::start(
                channel,
                s.circuit,
                s.plan,
                s.agreement.clone(),
                s.backend,
            )?;
            let ready = Instant::now();
            let outputs = evaluator_inputs
                .iter()
                .map(|inputs| session.run(inputs))
                .collect::<Result<_, _>>()?;
            Ok((outputs, session.stats(), ready))
        },
        accept,
        connect,
    )
}

/// Both roles on two threads over a loopback listener; `accept` and `connect`
/// make each side's channel (plain or TLS), `garble` and `evaluate` run each
/// side's session on it (`evaluate` returns its outputs, its statistics and
/// when its set-up ended). The garbler prepared its session (`prep`) first,
/// as a listening garbler does; the evaluator's clock starts after that,
/// before it connects.
fn run_pair(
    prep: GarblerPrep,
    garble: impl FnOnce(Channel, GarblerPrep) -> Result<Stats, ProtocolError> + Send,
    evaluate: impl FnOnce(Channel) -> Result<(Outputs, Stats, Instant), ProtocolError>,
    accept: impl FnOnce(&tcp::Listener) -> Result<Channel, ProtocolError> + Send,
    connect: impl FnOnce(SocketAddr) -> Result<Channel, ProtocolError>,
) -> Result<LocalRun, ProtocolError> {
    let listener = tcp::listen("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    std::thread::scope(|scope| {
        let garbler = scope.spawn(|| -> Result<Stats, ProtocolError> {
            let mut channel = accept(&listener)?;
            channel.set_timeout(TIMEOUT)?;
            garble(channel, prep)
        });
        let evaluated = (|| -> Result<(Outputs, Stats, Duration, Duration), ProtocolError> {
            let start = Instant::now();
            let mut channel = connect(addr)?;
            channel.set_timeout(TIMEOUT)?;
            let (outputs, stats, ready) = evaluate(channel)?;
            Ok((outputs, stats, ready - start, ready.elapsed()))
        })();
        let garbled = garbler.join().expect("the garbler thread does not panic");
        let (outputs, evaluator, setup, runs) = evaluated?;
        Ok(LocalRun {
            outputs,
            garbler: garbled?,
            evaluator,
            setup,
            runs,
        })
    })
}

/// The TLS configurations of a loopback run: the garbler's (server) and the
/// evaluator's (client), and the name the evaluator checks.
#[derive(Clone, Debug)]
pub struct LoopbackTls {
    /// The garbler's configuration.
    pub server: std::sync::Arc<rustls::ServerConfig>,
    /// The evaluator's configuration.
    pub client: std::sync::Arc<rustls::ClientConfig>,
    /// The name in the garbler's certificate.
    pub server_name: String,
}

#[cfg(feature = "keygen")]
impl LoopbackTls {
    /// Two fresh self-signed certificates that pin each other (the garbler's
    /// names `127.0.0.1`).
    pub fn self_signed() -> Result<LoopbackTls, tls::TlsError> {
        let garbler = tls::self_signed("127.0.0.1", 1)?;
        let evaluator = tls::self_signed("evaluator", 1)?;
        let g = tls::TlsFiles::from_pem(&garbler.cert_pem, &garbler.key_pem, &evaluator.cert_pem)?;
        let e =
            tls::TlsFiles::from_pem(&evaluator.cert_pem, &evaluator.key_pem, &garbler.cert_pem)?;
        Ok(LoopbackTls {
            server: tls::server_config(&g)?,
            client: tls::client_config(&e)?,
            server_name: "127.0.0.1".into(),
        })
    }
}

/// A TLS failure as a [`ProtocolError`] (its message kept).
fn tls_error(error: tls::TlsError) -> ProtocolError {
    match error {
        tls::TlsError::Net(e) => ProtocolError::Net(e),
        other => ProtocolError::Net(crate::net::NetError::Io(std::io::Error::other(
            other.to_string(),
        ))),
    }
}

/// [`run_over_loopback`] over mutual TLS 1.3: the same session, with the
/// TLS handshake counted in the evaluator's set-up time.
pub fn run_over_loopback_tls(
    circuit: &Circuit,
    plan: &Plan,
    agreement: &Agreement,
    backend: Engine,
    garbler_inputs: &[Vec<Vec<bool>>],
    evaluator_inputs: &[Vec<Vec<bool>>],
    tls_configs: &LoopbackTls,
) -> Result<LocalRun, ProtocolError> {
    run_session(
        Session {
            circuit,
            plan,
            agreement,
            backend,
        },
        garbler_inputs,
        evaluator_inputs,
        |listener| {
            let stream = listener.accept_stream(TIMEOUT)?;
            tls::accept(stream, tls_configs.server.clone(), TIMEOUT).map_err(tls_error)
        },
        |addr| {
            tls::connect(
                addr,
                tls_configs.client.clone(),
                &tls_configs.server_name,
                TIMEOUT,
            )
            .map_err(tls_error)
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::tcp;

    /// `v` as 32 bits, LSB first.
    fn bits(v: u8) -> Vec<bool> {
        (0..32).map(|i| (u32::from(v) >> i) & 1 == 1).collect()
    }

    /// `circuits/cmp32.txt`: a < b on 32 bits.
    fn lt32() -> Circuit {
        crate::circuit::bristol::parse(include_bytes!("../../circuits/cmp32.txt")).unwrap()
    }

    /// One session over loopback with a garbler started from `prep`.
    fn lt_with_prep(prep: GarblerPrep, x: u8, y: u8) -> bool {
        let circuit = lt32();
        let plan = Plan::new(&circuit);
        let agreement = Agreement::default_for(&circuit);
        let listener = tcp::listen("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::scope(|s| {
            let g = s.spawn(|| {
                let channel = listener.accept(TIMEOUT).unwrap();
                let mut session = GarblerSession::start_prepared(
                    channel,
                    &circuit,
                    &plan,
                    agreement.clone(),
                    Engine::best(),
                    prep,
                )
                .unwrap();
                session.run(&[bits(x)]).unwrap();
            });
            let channel = tcp::connect(addr, TIMEOUT).unwrap();
            let mut session = EvaluatorSession::start(
                channel,
                &circuit,
                &plan,
                agreement.clone(),
                Engine::best(),
            )
            .unwrap();
            let out = session.run(&[bits(y)]).unwrap();
            g.join().unwrap();
            out[0][0]
        })
    }

    #[test]
    fn a_prepared_garbler_computes_the_circuit() {
        let circuit = lt32();
        let agreement = Agreement::default_for(&circuit);
        for (x, y) in [(3u8, 200u8), (200, 3), (77, 77), (0, 1)] {
            let prep = GarblerPrep::new(&circuit, &agreement).unwrap();
            assert_eq!(lt_with_prep(prep, x, y), x < y, "{x} < {y}");
        }
    }

    #[test]
    fn a_preparation_for_another_agreement_is_completed() {
        // Prepared as if the garbler owned every input: no base-OT message.
        let circuit = lt32();
        let all_garbler = Agreement::with_garbler_groups(&circuit, &[0, 1]).unwrap();
        let prep = GarblerPrep::new(&circuit, &all_garbler).unwrap();
        assert!(prep.ot.is_none());
        assert!(lt_with_prep(prep, 5, 9));
        assert!(!lt_with_prep(
            GarblerPrep::new(&circuit, &all_garbler).unwrap(),
            9,
            5
        ));
    }
}
