//! The check of a model implementation (a counter, a ticket office, a
//! bounded queue): the model's workload on every tier it has a form for.

use super::check::{Check, Ran};
use crate::matrix::scale::{Plans, TierScale};
use crate::matrix::{ModelForms, Plan, Scale};
use crate::tier::processes::ProcessWorkload;
use crate::tier::{Tier, loom, processes, shuttle, threads};
use crate::workload::counter::CounterPlan;
use crate::workload::ladder::{self, Rung};
use crate::workload::queue::Ending;
use crate::workload::queue::QueuePlan;
use crate::workload::tickets::TicketsPlan;

/// A model's plan, as the standard scale sizes it for each tier.
pub trait StandardPlan: ProcessWorkload + std::fmt::Debug {
    /// The plan `tier` runs at `scale`.
    fn at(scale: &Scale, tier: Tier) -> Self;
    /// Loom's plans from the smallest that can show a bug to larger ones,
    /// each with its preemption bound (see [`ladder`]).
    fn ladder() -> Vec<Rung<Self>>;
    /// The workload's name in reports.
    const WORKLOAD: &'static str;
}

macro_rules! standard_plan {
    ($plan:ty, $variant:ident, $name:literal) => {
        impl StandardPlan for $plan {
            const WORKLOAD: &'static str = $name;
            fn ladder() -> Vec<Rung<Self>> {
                <$plan>::loom_ladder()
            }
            fn at(scale: &Scale, tier: Tier) -> Self {
                match scale.plan(<$plan as crate::workload::Workload>::MODEL, tier) {
                    Plan::$variant(plan) => plan,
                    _ => unreachable!("the scale gives each model its own plan"),
                }
            }
        }
    };
}
standard_plan!(CounterPlan, Counter, "counter");
standard_plan!(TicketsPlan, Tickets, "tickets");
standard_plan!(QueuePlan, Queue, "queue");

/// The sizes a check runs: the matrix's, except on real threads, where
/// the matrix runs a million operations once to catch racelab's own
/// strategies through their race windows; a check repeats a smaller
/// workload for [`Settings::threads`](super::Settings)'s rounds instead.
pub const CHECK_SCALE: Scale = Scale {
    threads: TierScale {
        plans: Plans {
            counter: CounterPlan {
                adders: 2,
                subtractors: 2,
                ops: 5_000,
            },
            tickets: TicketsPlan {
                buyers: 8,
                tickets: 3,
                per_buyer: 1,
            },
            queue: QueuePlan {
                producers: 2,
                consumers: 2,
                items: 200,
                capacity: 2,
                ending: Ending::Close,
            },
        },
        config: Scale::STANDARD.threads.config,
    },
    ..Scale::STANDARD
};

/// Adds the runs of one implementation's `forms` to `check`, each tier
/// with its plan at [`CHECK_SCALE`].
pub(crate) fn add<P: StandardPlan>(mut check: Check, forms: ModelForms<P>) -> Check {
    let scale = &CHECK_SCALE;
    if let Some(form) = forms.loom {
        // Climb the ladder: the smallest plan first, larger ones while each
        // holds, within the loom time cap; the first that fails is the
        // smallest failing plan, so its trace stays small.
        let rungs = P::ladder();
        check = check.plan_ran(P::WORKLOAD, Tier::Loom, move |s| {
            let (plan, outcome, climbed) =
                ladder::climb(&rungs, s.loom.max_duration, |plan, bound, left| {
                    let config = loom::LoomConfig {
                        preemption_bound: tighter(bound, s.loom.preemption_bound),
                        max_duration: left,
                        ..s.loom
                    };
                    loom::run(form, plan, &config).outcome
                });
            Ran {
                outcome,
                plan: format!("{plan:?} (plan {climbed} of {})", rungs.len()),
            }
        });
    }
    if let Some(form) = forms.threads {
        let plan = P::at(scale, Tier::Threads);
        check = check.plan(P::WORKLOAD, Tier::Threads, move |s| {
            // The check's own: rounds, race window, stall, perturbation.
            threads::run(form, &plan, &s.threads)
        });
    }
    if let Some(form) = forms.shuttle {
        let plan = P::at(scale, Tier::Shuttle);
        check = check.plan(P::WORKLOAD, Tier::Shuttle, move |s| {
            shuttle::run(form, &plan, &s.shuttle)
        });
    }
    if let Some(form) = forms.processes {
        let plan = P::at(scale, Tier::Processes);
        check = check.plan(P::WORKLOAD, Tier::Processes, move |s| {
            processes::run(form, &plan, &s.processes)
        });
    }
    check
}

/// The check of one model implementation, named `subject`.
pub fn check<P: StandardPlan>(subject: &str, forms: ModelForms<P>) -> Check {
    add(Check::new(format!("{} {subject}", P::WORKLOAD)), forms)
}

/// The tighter of two preemption bounds (None: unbounded).
fn tighter(a: Option<usize>, b: Option<usize>) -> Option<usize> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, None) => a,
        (None, b) => b,
    }
}
