//! The processes tier: forked workers, the state in a file or a shared
//! mapping, locks from the kernel or in shared memory, queues the parent
//! makes before the fork (the process forms themselves are in
//! [`crate::process`]).
//!
//! A model's process form is a value, chosen at run time: a process lock
//! or strategy ([`ProcessForm`]: a built-in
//! [`Strategy`](crate::process::Strategy) or a user's
//! [`lock_form`](crate::process::lock_form)) for the counter and the
//! tickets, a process queue ([`QueueForm`]: a built-in
//! [`Via`](crate::process::queue::Via) or a user's
//! [`queue_form`](crate::process::queue::queue_form)) for the queue. Each round forks afresh in a fresh arena;
//! [`run`] repeats rounds as every tier does ([`rounds`](super::rounds)).

use crate::check::Violation;
pub use crate::process::ProcessConfig;
use crate::process::failure::{self, RunError};
use crate::process::queue::QueueForm;
use crate::process::{ProcessForm, counter, queue, tickets};
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
pub fn run<P: ProcessWorkload>(
    form: impl Into<P::Form>,
    plan: &P,
    config: &ProcessConfig,
) -> Outcome {
    let form = form.into();
    failure::rounds(config.rounds, plan.operations(), || {
        plan.round(form, config)
    })
}

impl ProcessWorkload for CounterPlan {
    type Form = ProcessForm;

    fn round(&self, form: ProcessForm, config: &ProcessConfig) -> Result<Vec<Violation>, RunError> {
        match counter::round(form, self, config) {
            Ok(_) => Ok(Vec::new()),
            Err(found) => found.conclude().map_err(RunError::Inconclusive),
        }
    }
}

impl ProcessWorkload for TicketsPlan {
    type Form = ProcessForm;

    fn round(&self, form: ProcessForm, config: &ProcessConfig) -> Result<Vec<Violation>, RunError> {
        tickets::rush(form, self, config).map(|run| run.violations)
    }
}

/// How long the parent waits in `join`: a correct queue is done in
/// milliseconds, and a join that runs out is no violation by itself (the
/// items' fate is).
const QUEUE_JOIN: Duration = Duration::from_secs(1);

impl ProcessWorkload for QueuePlan {
    type Form = QueueForm;

    /// A process queue takes its bounds from the plan (and the parent's
    /// join waits `QUEUE_JOIN`).
    fn round(&self, form: QueueForm, _: &ProcessConfig) -> Result<Vec<Violation>, RunError> {
        queue::run::run(self, form, QUEUE_JOIN).map(|run| run.violations)
    }
}
