//! The processes tier: forked workers, the state in a file or a shared
//! mapping, locks from the kernel or in shared memory, queues the parent
//! makes before the fork (the process forms themselves are in
//! [`crate::process`]).
//!
//! A model's process form is a value, chosen at run time: a process
//! strategy ([`Strategy`]) for the counter and the tickets, a process
//! queue ([`Via`]) for the queue. Each round forks afresh in a fresh arena;
//! [`run`] repeats rounds as every tier does ([`rounds`](super::rounds)).

use crate::check::Violation;
pub use crate::process::ProcessConfig;
use crate::process::failure::{self, RunError};
use crate::process::queue::Via;
use crate::process::{Strategy, counter, queue, tickets};
use crate::tier::Outcome;
use crate::workload::Workload;
use crate::workload::counter::CounterPlan;
use crate::workload::queue::QueuePlan;
use crate::workload::tickets::TicketsPlan;
use std::time::Duration;

/// A plan whose model runs across processes.
pub trait ProcessWorkload: Workload {
    /// Which implementation crosses processes.
    type Form: Copy + Send + Sync + 'static;

    /// One round in fresh processes: its violations (none: it held), or
    /// why it could not be carried out.
    fn round(&self, form: Self::Form, config: &ProcessConfig) -> Result<Vec<Violation>, RunError>;
}

/// Runs `form` with `plan` in real processes, up to `config.rounds`
/// rounds: every tier's entry has this shape, `run(form, plan, config)`.
/// A round stops the run at its first violation, or when it could not be
/// carried out (inconclusive).
pub fn run<P: ProcessWorkload>(form: P::Form, plan: &P, config: &ProcessConfig) -> Outcome {
    failure::rounds(config.rounds, plan.operations(), || {
        plan.round(form, config)
    })
}

impl ProcessWorkload for CounterPlan {
    type Form = Strategy;

    fn round(&self, form: Strategy, config: &ProcessConfig) -> Result<Vec<Violation>, RunError> {
        match counter::round(form, self, config) {
            Ok(_) => Ok(Vec::new()),
            Err(found) => found.conclude().map_err(RunError::Inconclusive),
        }
    }
}

impl ProcessWorkload for TicketsPlan {
    type Form = Strategy;

    fn round(&self, form: Strategy, config: &ProcessConfig) -> Result<Vec<Violation>, RunError> {
        tickets::rush(form, self, config).map(|run| run.violations)
    }
}

/// How long the parent waits in `join`: a correct queue is done in
/// milliseconds, and a join that runs out is no violation by itself (the
/// items' fate is).
const QUEUE_JOIN: Duration = Duration::from_secs(1);

impl ProcessWorkload for QueuePlan {
    type Form = Via;

    /// A process queue takes its bounds from the plan (and the parent's
    /// join waits `QUEUE_JOIN`).
    fn round(&self, form: Via, _: &ProcessConfig) -> Result<Vec<Violation>, RunError> {
        queue::run::run(self, form, QUEUE_JOIN).map(|run| run.violations)
    }
}
