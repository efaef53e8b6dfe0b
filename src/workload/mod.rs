//! What runs against a model: a plan and a driver per model ([`counter`],
//! [`tickets`], [`queue`]), generic over the [`Backend`]
//! so the same code runs under loom, on real threads and under shuttle; the
//! [`probe`] a model reports to while it runs (steps, race windows,
//! condition waits) and the [`progress`] each worker records, so a watchdog
//! can tell a stuck run from a slow one; the [`ladder`] of plans a
//! search climbs from the smallest. What a run observed is checked by
//! [`crate::check`].

pub mod counter;
pub mod ladder;
pub mod probe;
pub mod progress;
pub mod queue;
pub mod tickets;

use crate::check::Violation;
use crate::model::ModelKind;
use crate::sync::Backend;
use probe::Probe;
use progress::Progress;
use std::marker::PhantomData;
use std::sync::{Arc, Barrier};

/// A model's plan, as every tier sees it: who the workers are, and how
/// much one run does.
pub trait Workload: Copy + Send + Sync + 'static {
    /// The model the plan exercises.
    const MODEL: ModelKind;

    /// Names worker `index` in evidence and traces: `main` (0), then the
    /// workers (`T0`, `B1`, `P0`, `C1`).
    fn label(&self, index: usize) -> String;

    /// The workers one run spawns, besides main.
    fn threads(&self) -> usize;

    /// How many of them the threads tier's race window waits for.
    fn parties(&self) -> usize;

    /// The operations one run completes, for the report.
    fn operations(&self) -> u64;
}

/// `main` for worker 0, then `{prefix}0`, `{prefix}1`, ...
pub(crate) fn worker_label(prefix: &str, index: usize) -> String {
    match index {
        0 => "main".to_string(),
        i => format!("{prefix}{}", i - 1),
    }
}

/// The driver of plan `P` over one implementation (on one backend).
pub type Driver<P> = fn(&P, Probe, Option<Arc<Barrier>>, &Progress) -> Result<(), Vec<Violation>>;

/// One implementation of a model on backend `B` (a form: the mutex
/// counter, the condvar queue), as its workload drives it. A tier runs a
/// form with a plan: `tier::<tier>::run(form, plan, config)`. Each model
/// makes its forms with its own `form` function
/// ([`counter::form`], [`tickets::form`], [`queue::form`]).
pub struct Form<B, P> {
    drive: Driver<P>,
    backend: PhantomData<fn() -> B>,
}

impl<B, P> Clone for Form<B, P> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<B, P> Copy for Form<B, P> {}

impl<B: Backend, P: Workload> Form<B, P> {
    /// The form whose run is `drive`.
    pub fn new(drive: Driver<P>) -> Self {
        Form {
            drive,
            backend: PhantomData,
        }
    }

    /// One run of `plan`, checked: spawn the workers (lined up at `start`
    /// on real threads), run, check. `progress` records each operation for
    /// the threads tier's watchdog ([`Progress::none`] elsewhere).
    pub fn drive(
        &self,
        plan: &P,
        probe: Probe,
        start: Option<Arc<Barrier>>,
        progress: &Progress,
    ) -> Result<(), Vec<Violation>> {
        (self.drive)(plan, probe, start, progress)
    }
}
