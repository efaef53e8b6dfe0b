//! How a tier runs a pair: the pair holds its forms, one per tier it runs
//! on, and hands the tier's form, the plan and the tier's configuration to
//! that tier's one entry, `tier::<tier>::run(form, plan, config)`.
//!
//! - loom, threads, shuttle: the same generic model code (the mutex
//!   counter, the condvar queue), made a [`Form`] on the tier's backend
//!   ([`Loom`], [`Std`], [`Shuttle`]) by its model's `form` function;
//! - processes: a process strategy or a process queue
//!   ([`ProcessWorkload::Form`]), which forks its workers itself.

use super::Pair;
use super::scale::{Plan, Scale};
use crate::sync::{Loom, Shuttle, Std};
use crate::tier::loom::{self, Explored, LoomConfig};
use crate::tier::processes::{self, ProcessConfig, ProcessWorkload};
use crate::tier::shuttle::{self, ShuttleConfig};
use crate::tier::threads::{self, ThreadsConfig};
use crate::tier::{Outcome, Tier};
use crate::workload::Form;
use crate::workload::counter::CounterPlan;
use crate::workload::queue::QueuePlan;
use crate::workload::tickets::TicketsPlan;
use ::shuttle as shuttle_rt;

/// A pair's forms, by model (each model has its own plan).
#[derive(Clone, Copy)]
pub(super) enum Forms {
    Counter(ModelForms<CounterPlan>),
    Tickets(ModelForms<TicketsPlan>),
    Queue(ModelForms<QueuePlan>),
}

/// One implementation of a model on each tier; None where it has no form.
/// A built-in pair holds one, and so does the check of a user's
/// implementation ([`crate::verify`]): both are made by the same macros.
pub struct ModelForms<P: ProcessWorkload> {
    /// On loom.
    pub loom: Option<Form<Loom, P>>,
    /// On real threads.
    pub threads: Option<Form<Std, P>>,
    /// On shuttle.
    pub shuttle: Option<Form<Shuttle, P>>,
    /// In real processes.
    pub processes: Option<P::Form>,
}

impl<P: ProcessWorkload> Clone for ModelForms<P> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<P: ProcessWorkload> Copy for ModelForms<P> {}

impl<P: ProcessWorkload> ModelForms<P> {
    /// One model implementation on loom, real threads and shuttle (the
    /// same generic type on each backend), and its process form if the
    /// strategy also exists between processes.
    pub fn threaded(
        loom: Form<Loom, P>,
        threads: Form<Std, P>,
        shuttle: Form<Shuttle, P>,
        processes: Option<P::Form>,
    ) -> Self {
        ModelForms {
            loom: Some(loom),
            threads: Some(threads),
            shuttle: Some(shuttle),
            processes,
        }
    }

    /// A strategy that exists only between processes.
    pub fn processes_only(form: P::Form) -> Self {
        ModelForms {
            loom: None,
            threads: None,
            shuttle: None,
            processes: Some(form),
        }
    }
}

impl From<ModelForms<CounterPlan>> for Forms {
    fn from(forms: ModelForms<CounterPlan>) -> Self {
        Forms::Counter(forms)
    }
}

impl From<ModelForms<TicketsPlan>> for Forms {
    fn from(forms: ModelForms<TicketsPlan>) -> Self {
        Forms::Tickets(forms)
    }
}

impl From<ModelForms<QueuePlan>> for Forms {
    fn from(forms: ModelForms<QueuePlan>) -> Self {
        Forms::Queue(forms)
    }
}

/// Runs `$run` with the pair's forms for its model (`$forms`) and the plan
/// for it (`$plan`); a plan for another model is the caller's bug.
macro_rules! with_plan {
    ($pair:expr, $plan:expr, |$forms:ident, $p:ident| $run:expr) => {
        match (&$pair.forms, $plan) {
            (Forms::Counter($forms), Plan::Counter($p)) => $run,
            (Forms::Tickets($forms), Plan::Tickets($p)) => $run,
            (Forms::Queue($forms), Plan::Queue($p)) => $run,
            (_, plan) => panic!("a {} plan for the {} model", plan.model(), $pair.model),
        }
    };
}

impl Pair {
    /// The pair's form on a tier; `what` names it for the panic when there
    /// is none (ask [`Pair::runs_on`] first).
    fn form<F>(&self, form: Option<F>, what: &str) -> F {
        form.unwrap_or_else(|| panic!("{}/{} has no {what} form", self.model, self.strategy))
    }

    /// Explores the pair under loom with `plan` (which must be for this
    /// pair's model).
    pub fn explore(&self, plan: &Plan, config: &LoomConfig) -> Explored {
        with_plan!(self, plan, |f, p| loom::run(
            self.form(f.loom, "loom"),
            p,
            config
        ))
    }

    /// Runs the pair on real threads with `plan`.
    pub fn stress(&self, plan: &Plan, config: &ThreadsConfig) -> Outcome {
        with_plan!(self, plan, |f, p| threads::run(
            self.form(f.threads, "thread"),
            p,
            config
        ))
    }

    /// Searches the pair's schedules under shuttle with `plan`.
    pub fn shuttle(&self, plan: &Plan, config: &ShuttleConfig) -> Outcome {
        with_plan!(self, plan, |f, p| shuttle::run(
            self.form(f.shuttle, "shuttle"),
            p,
            config
        ))
    }

    /// Searches the pair's schedules under shuttle with `plan` and a
    /// scheduler of the caller's ([`shuttle::run_with`]).
    pub fn shuttle_with<S: shuttle_rt::scheduler::Scheduler + Send + 'static>(
        &self,
        plan: &Plan,
        scheduler: S,
        max_steps: usize,
    ) -> Outcome {
        with_plan!(self, plan, |f, p| shuttle::run_with(
            self.form(f.shuttle, "shuttle"),
            p,
            scheduler,
            max_steps
        ))
    }

    /// Runs the pair in real processes with `plan`.
    pub fn fork(&self, plan: &Plan, config: &ProcessConfig) -> Outcome {
        with_plan!(self, plan, |f, p| processes::run(
            self.form(f.processes, "process"),
            p,
            config
        ))
    }

    /// The check of this pair through the same entry point a user's own
    /// implementation takes ([`crate::verify`]): its forms, every tier it
    /// has one on, the check's own settings.
    pub fn check(&self) -> crate::verify::Check {
        let subject = self.strategy;
        let check = match self.forms {
            Forms::Counter(forms) => crate::verify::model::check(subject, forms),
            Forms::Tickets(forms) => crate::verify::model::check(subject, forms),
            Forms::Queue(forms) => crate::verify::model::check(subject, forms),
        };
        // racelab's own models open a race window at each strategy's weak
        // point: their verdicts need no perturbation, and keep today's.
        check.perturb(crate::tier::threads::Perturb::Off)
    }

    /// Runs the pair on `tier` at `scale`.
    pub fn run(&self, tier: Tier, scale: &Scale) -> Outcome {
        let plan = scale.plan(self.model, tier);
        match tier {
            Tier::Loom => self.explore(&plan, &scale.loom_config(self.model)).outcome,
            Tier::Threads => self.stress(&plan, &scale.threads_config(self.model)),
            Tier::Shuttle => self.shuttle(&plan, &scale.shuttle.config),
            Tier::Processes => self.fork(&plan, &scale.processes.config),
        }
    }
}
