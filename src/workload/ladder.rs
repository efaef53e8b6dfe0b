//! Plans grown within a budget: a ladder of plans from the smallest that
//! can show a bug to larger ones, each rung with its loom preemption bound
//! (`CounterPlan::loom_ladder`, `TicketsPlan::loom_ladder`,
//! `QueuePlan::loom_ladder`), climbed by [`climb`] until a rung fails or
//! the budget is spent. Climbing from the smallest rung is the shrinking:
//! the first rung that fails is the smallest plan of the ladder that shows
//! the bug, so its trace is the shortest.

use super::Workload;
use crate::tier::{Limit, Outcome, Verdict};
use std::time::{Duration, Instant};

/// One rung: a plan and loom's preemption bound for it (None: exhaustive).
pub type Rung<P> = (P, Option<usize>);

/// Runs the rungs of `ladder` in order with `run(plan, bound, time left)`,
/// and stops at the first that does not hold (violated or inconclusive):
/// returns that rung's plan and outcome, and how many rungs ran. If every
/// rung holds, the top rung's outcome. If `budget` runs out before the top,
/// the last rung run's plan with an inconclusive outcome ([`Limit::TimeCap`]):
/// the smaller plans held, the larger were not searched. The first rung
/// always runs.
///
/// # Panics
/// If `ladder` is empty: a ladder has at least one rung.
pub fn climb<P: Workload>(
    ladder: &[Rung<P>],
    budget: Duration,
    mut run: impl FnMut(&P, Option<usize>, Duration) -> Outcome,
) -> (P, Outcome, usize) {
    assert!(!ladder.is_empty(), "a ladder has at least one rung");
    let started = Instant::now();
    let mut last: Option<(P, Outcome)> = None;
    for (i, (plan, bound)) in ladder.iter().enumerate() {
        let left = budget.saturating_sub(started.elapsed());
        if let Some((plan, mut outcome)) = last.clone().filter(|_| left.is_zero()) {
            outcome.inconclusive = Some(crate::tier::Inconclusive::new(
                Limit::TimeCap,
                format!(
                    "the budget of {budget:.0?} was spent after {i} of {} plans held; the \
                     larger plans were not searched",
                    ladder.len()
                ),
            ));
            outcome.elapsed = started.elapsed();
            return (plan, outcome, i);
        }
        let outcome = run(plan, *bound, left);
        if outcome.verdict() != Verdict::Holds {
            return (*plan, outcome, i + 1);
        }
        last = Some((*plan, outcome));
    }
    let (plan, outcome) = last.expect("a ladder has at least one rung");
    (plan, outcome, ladder.len())
}
