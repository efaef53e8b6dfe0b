//! A concurrent program written against the facade, with its own
//! assertions: the shape of `loom::model(|| ...)`, run on every tier.

use super::check::Check;
use crate::check::Violation;
use crate::sync::Backend;
use crate::tier::threads::{self, Racers};
use crate::tier::{Tier, loom, shuttle};
use crate::workload::worker_label;

/// A program's body on each backend: one generic function, instantiated
/// three times (the [`program!`](crate::program) macro does it).
#[derive(Clone, Copy)]
pub struct ProgramForms {
    /// The body on loom.
    pub loom: fn(),
    /// The body on real threads.
    pub threads: fn(),
    /// The body on shuttle.
    pub shuttle: fn(),
}

/// One run of a body: its panics are the tiers' to classify (a user's
/// assertion, a deadlock, a data race).
fn once(body: fn()) -> Result<(), Vec<Violation>> {
    body();
    Ok(())
}

/// Names the program's threads in evidence: `main`, then `T0`, `T1`, ...
fn label(i: usize) -> String {
    worker_label("T", i)
}

/// The check of a program: `workload` names it in the report.
pub fn check(subject: &str, workload: &'static str, forms: ProgramForms) -> Check {
    add(Check::new(format!("program {subject}")), workload, forms)
}

/// Adds a program's runs on loom, threads and shuttle to `check`.
pub(crate) fn add(check: Check, workload: &'static str, forms: ProgramForms) -> Check {
    check
        .plan(workload, Tier::Loom, move |s| {
            loom::explore(&s.loom, label, move |_| once(forms.loom)).outcome
        })
        .plan(workload, Tier::Threads, move |s| {
            // The program spawns its own threads: the driver records only
            // main's, and the facade's records show the rest.
            let racers = Racers {
                threads: 0,
                parties: 1,
                operations: 1,
            };
            threads::rounds(&s.threads, racers, &label, move |_, _, progress| {
                let main = progress.worker(0);
                main.call(crate::workload::progress::Op::Join);
                let result = once(forms.threads);
                main.ret();
                result
            })
        })
        .plan(workload, Tier::Shuttle, move |s| {
            shuttle::explore(&s.shuttle, label, move |_| once(forms.shuttle))
        })
}

/// The forms of a generic body `f::<B>` on the three backends.
pub fn forms_of(loom: fn(), threads: fn(), shuttle: fn()) -> ProgramForms {
    ProgramForms {
        loom,
        threads,
        shuttle,
    }
}

/// Joins a facade thread, handing its panic on as it was (so a user's
/// assertion in a spawned thread reaches the checker as an assertion, not
/// as `unwrap` on an `Err`).
pub fn join<B: Backend, T: Send + 'static>(handle: B::JoinHandle<T>) -> T {
    B::join(handle).unwrap_or_else(|payload| std::panic::resume_unwind(payload))
}
