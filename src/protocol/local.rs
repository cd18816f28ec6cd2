//! Both parties in one process, each on its own thread, over loopback TCP:
//! what `gc2pc demo`, the examples and the end-to-end benchmarks run.

use super::{Agreement, EvaluatorSession, GarblerSession, ProtocolError, Stats};
use crate::aes::Backend;
use crate::circuit::{Circuit, Plan};
use crate::net::tcp;
use std::time::Duration;

/// The outcome of a local two-party run.
#[derive(Debug, Clone)]
pub struct LocalRun {
    /// The output groups the evaluator learned, one entry per execution.
    pub outputs: Vec<Vec<Vec<bool>>>,
    /// The garbler's statistics.
    pub garbler: Stats,
    /// The evaluator's statistics.
    pub evaluator: Stats,
}

/// Runs one session over loopback TCP with one execution per element of
/// `garbler_inputs` / `evaluator_inputs` (the same length; each element holds
/// that party's values for the groups it owns).
pub fn run_over_loopback(
    circuit: &Circuit,
    plan: &Plan,
    agreement: &Agreement,
    backend: Backend,
    garbler_inputs: &[Vec<Vec<bool>>],
    evaluator_inputs: &[Vec<Vec<bool>>],
) -> Result<LocalRun, ProtocolError> {
    assert_eq!(
        garbler_inputs.len(),
        evaluator_inputs.len(),
        "one input set per execution"
    );
    let timeout = Duration::from_secs(60);
    let listener = tcp::listen("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    std::thread::scope(|scope| {
        let garbler = scope.spawn(|| -> Result<Stats, ProtocolError> {
            let mut channel = listener.accept(timeout)?;
            channel.set_timeout(timeout)?;
            let mut session =
                GarblerSession::start(channel, circuit, plan, agreement.clone(), backend)?;
            for inputs in garbler_inputs {
                session.run(inputs)?;
            }
            Ok(session.stats())
        });
        let evaluated = (|| -> Result<(Vec<Vec<Vec<bool>>>, Stats), ProtocolError> {
            let mut channel = tcp::connect(addr, timeout)?;
            channel.set_timeout(timeout)?;
            let mut session =
                EvaluatorSession::start(channel, circuit, plan, agreement.clone(), backend)?;
            let outputs = evaluator_inputs
                .iter()
                .map(|inputs| session.run(inputs))
                .collect::<Result<_, _>>()?;
            Ok((outputs, session.stats()))
        })();
        let garbled = garbler.join().expect("the garbler thread does not panic");
        let (outputs, evaluator) = evaluated?;
        Ok(LocalRun {
            outputs,
            garbler: garbled?,
            evaluator,
        })
    })
}
