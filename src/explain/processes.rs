//! `racelab explain` on the processes tier: for a pair that exists only
//! between processes (flock, a shared-memory ring, a pipe), or when asked
//! with `--tier processes`.
//!
//! Real processes give no interleaving to search: the pair runs once per
//! round as the matrix runs it ([`Scale::STANDARD`]'s rounds), with the
//! smallest configuration that shows its bug ([`plan`]), and
//! the explanation is its verdict, its violations, and each violation's
//! trace, the last steps of every worker ([`crate::process::trace`]). A
//! correct pair holds with the work it did. Nothing is drawn at random, so
//! the replay is the same command: a new draw of the OS scheduler, which a
//! broken pair loses every time (its race window, `os::window`).

use super::render::describe_plan;
use crate::check::Violation;
use crate::matrix::{Pair, Plan, Scale};
use crate::model::ModelKind;
use crate::tier::{Inconclusive, Tier, Verdict, Work};
use crate::workload::counter::CounterPlan;
use crate::workload::tickets::TicketsPlan;
use serde::Serialize;
use std::fmt::Write;
use std::time::{Duration, Instant};

/// What `racelab explain --tier processes` found for one pair.
#[derive(Debug, Clone, Serialize)]
pub struct ProcessExplanation {
    /// The pair's model.
    pub model: ModelKind,
    /// The pair's strategy, by its name.
    pub strategy: &'static str,
    /// Always `processes`: which tier ran it.
    pub tier: Tier,
    /// The configuration run.
    pub plan: Plan,
    /// Holds, violated or inconclusive.
    pub verdict: Verdict,
    /// The verdict the table expects on this tier, as the matrix prints it.
    pub expected: String,
    /// Rounds and operations run.
    pub work: Work,
    /// What broke, each with its trace (empty when it held).
    pub violations: Vec<Violation>,
    /// Why the run could not decide, when it could not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inconclusive: Option<Inconclusive>,
    /// The command that runs it again.
    pub replay: String,
    /// Whether the verdict is the one the table expects.
    pub as_expected: bool,
    /// Wall time; not part of the explanation.
    #[serde(skip)]
    pub elapsed: Duration,
}

/// The configuration explain runs for `pair` on processes: as loom's
/// explain, the smallest that shows each bug, so that each worker's ring
/// holds its whole story (two adders of two increments: both read 0 in
/// the race window and both write 1; two buyers for one ticket). The
/// queue keeps the matrix's plan, the shape its broken queues' race
/// windows are built for.
pub fn plan(pair: &Pair) -> Plan {
    match pair.model {
        ModelKind::Counter => Plan::Counter(CounterPlan {
            adders: 2,
            subtractors: 0,
            ops: 2,
        }),
        ModelKind::Tickets => Plan::Tickets(TicketsPlan {
            buyers: 2,
            tickets: 1,
            per_buyer: 1,
        }),
        ModelKind::Queue => Scale::STANDARD.plan(ModelKind::Queue, Tier::Processes),
    }
}

/// Runs `pair` in real processes ([`plan`], the matrix's rounds) and
/// explains what it found. The pair must have a process form
/// ([`Pair::runs_on`]).
pub fn explain(pair: &Pair) -> ProcessExplanation {
    let scale = Scale::STANDARD;
    let plan = plan(pair);
    let started = Instant::now();
    let outcome = pair.fork(&plan, &scale.processes.config);
    let elapsed = started.elapsed();
    let expected = pair.expect(Tier::Processes);
    ProcessExplanation {
        model: pair.model,
        strategy: pair.strategy,
        tier: Tier::Processes,
        plan,
        verdict: outcome.verdict(),
        expected: expected.describe(),
        work: outcome.work,
        as_expected: expected.accepts(&outcome),
        violations: outcome.violations,
        inconclusive: outcome.inconclusive,
        replay: format!(
            "racelab explain {} {} --tier processes",
            pair.model, pair.strategy
        ),
        elapsed,
    }
}

/// The explanation as text: the verdict line, each violation with its
/// trace indented under it (a trace shared with the one above is not
/// repeated), and the replay. No wall time: the CLI adds it.
pub fn text(e: &ProcessExplanation) -> String {
    let mut out = String::new();
    let plan = describe_plan(&e.plan);
    let _ = writeln!(
        out,
        "{} / {} on processes: {} ({plan}), {}; expected: {}",
        e.model,
        e.strategy,
        e.verdict.name(),
        e.work,
        e.expected
    );
    out.push_str(&crate::process::trace::violations_text(
        &e.violations,
        "",
        "violated: ",
    ));
    if let Some(why) = &e.inconclusive {
        let _ = writeln!(out, "inconclusive: {why}");
    }
    let _ = writeln!(
        out,
        "replay:   {} ({})",
        e.replay,
        crate::process::trace::NO_SEED
    );
    out
}
