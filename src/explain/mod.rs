//! `racelab explain`: the smallest interleaving that breaks a strategy,
//! as a table a reader can follow step by step.
//!
//! Loom prints only the panic message of a failing execution. The models
//! record their own [`Step`](crate::workload::probe::Step)s through the [`Probe`](crate::workload::probe::Probe)
//! (reads and writes with values, lock and unlock, wait, wake, notify, call
//! and return), and [`explain`] runs the loom tier with recording on,
//! searching at preemption bound 0, then 1, 2, ... so the first failing
//! execution it finds is one with the fewest preemptions.
//!
//! Replay is exact: loom's search is a deterministic depth-first walk, so
//! running the same search again (`racelab explain <model> <strategy>
//! --bound N`) finds the same failing execution and the same trace.
//!
//! `racelab explain --tier shuttle` shows the shuttle tier's failure instead
//! ([`explain_shuttle`]): a larger configuration, the failing schedule
//! shrunk to few preemptions ([`crate::tier::shuttle::shrink`]), the same
//! table.
//!
//! - [`trim`] turns raw steps into rows (noise dropped, call and return
//!   folded together).
//! - [`render`] prints the table; [`lesson`] holds the one-paragraph lesson
//!   of each broken strategy.
//! - [`processes`] explains a pair on real processes (a pair loom cannot
//!   run, such as flock or a pipe; or any pair, with `--tier processes`):
//!   its verdict, and each violation's trace, the last steps of every
//!   worker.

pub mod lesson;
pub mod processes;
pub mod render;
pub mod trim;

use crate::check::{Violation, ViolationKind};
use crate::matrix::scale::{Plans, TierScale};
use crate::matrix::{Pair, Plan, Scale};
use crate::model::ModelKind;
use crate::tier::Work;
use crate::tier::loom::{BoundTooBig, LoomConfig};
use crate::workload::counter::CounterPlan;
use crate::workload::probe::Action;
use crate::workload::queue::{Ending, QueuePlan};
use crate::workload::tickets::TicketsPlan;
use serde::Serialize;
use std::time::Duration;

/// The configurations explain runs: the smallest that show each bug, so
/// the trace stays short. Two adders (both read 0, both write 1); two
/// buyers for one ticket; for the queue one producer of two items and two
/// consumers over one slot (the `if` wait and the lost wakeup show there).
pub const PLANS: Scale = Scale {
    loom: TierScale {
        plans: Plans {
            counter: CounterPlan {
                adders: 2,
                subtractors: 0,
                ops: 1,
            },
            tickets: TicketsPlan {
                buyers: 2,
                tickets: 1,
                per_buyer: 1,
            },
            queue: QueuePlan {
                producers: 1,
                consumers: 2,
                items: 2,
                capacity: 1,
                ending: Ending::Close,
            },
        },
        ..Scale::STANDARD.loom
    },
    ..Scale::STANDARD
};

/// The configuration explain runs for `pair`: [`PLANS`], except where a
/// bug needs another shape (two producers racing for the last free slot).
pub fn plan(pair: &Pair) -> Plan {
    match (pair.model, pair.strategy) {
        (ModelKind::Queue, "unlocked-capacity") => Plan::Queue(QueuePlan {
            producers: 2,
            consumers: 1,
            items: 1,
            ..PLANS.loom.plans.queue
        }),
        (model, _) => PLANS.plan(model, crate::tier::Tier::Loom),
    }
}

/// The default deepest preemption bound, per model: deep enough that a
/// "holds" means something, shallow enough to run in seconds (the correct
/// queue takes ~2 s at bound 2, ~11 s at bound 3).
pub fn default_bound(model: ModelKind) -> usize {
    match model {
        ModelKind::Counter | ModelKind::Tickets => 3,
        ModelKind::Queue => 2,
    }
}

pub use crate::tier::Verdict;

/// One row of a trace: who did what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    /// The thread's label: `main`, `T0`, `B1`, `P0`, `C1`.
    pub thread: String,
    /// What it did, as the table prints it.
    pub text: String,
    /// The recorded step (for a folded call and return, the return).
    #[serde(flatten)]
    pub action: Action,
}

/// What `racelab explain` found for one pair.
#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    /// The pair's model.
    pub model: ModelKind,
    /// The pair's strategy, by its name.
    pub strategy: &'static str,
    /// The configuration explored.
    pub plan: Plan,
    /// What the search found: holds, violated or inconclusive.
    pub verdict: Verdict,
    /// Why the search could not decide, when it could not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inconclusive: Option<crate::tier::Inconclusive>,
    /// For a failure, the preemption bound it was found at (the fewest
    /// preemptions that show it); otherwise the deepest bound searched.
    pub bound: usize,
    /// Executions explored over every bound, 0 up to `bound` (both passes).
    pub executions: u64,
    /// The failure needs a stale read (a Relaxed load returning an old
    /// value): no interleaving of whole steps shows it, weak memory does.
    pub weak_memory: bool,
    /// The thread columns, in order.
    pub threads: Vec<String>,
    /// The failing execution, trimmed (empty when the strategy holds).
    pub rows: Vec<Row>,
    /// Every violation the failing execution showed, most telling first.
    pub violations: Vec<Violation>,
    /// For a failure, one paragraph on what it teaches, naming the trace's
    /// threads ([`lesson::lesson`]); `None` when nothing failed.
    pub lesson: Option<String>,
    /// The command that reproduces this exact trace.
    pub replay: String,
    /// Wall time; not part of the trace (goldens leave it out).
    #[serde(skip)]
    pub elapsed: Duration,
}

/// The label of worker `index` for `plan`: `main` for 0, then `T0`.. for
/// counter threads, `B0`.. for buyers, `P0`.. and `C0`.. for the queue.
pub fn labeler(plan: &Plan) -> impl Fn(usize) -> String + Send + 'static {
    let plan = *plan;
    move |index| match (index, plan) {
        (0, _) => "main".to_string(),
        (i, Plan::Counter(_)) => format!("T{}", i - 1),
        (i, Plan::Tickets(_)) => format!("B{}", i - 1),
        (i, Plan::Queue(q)) => q.label(i),
    }
}

/// Explores `pair` under loom at bounds 0..=`max_bound` with steps recorded
/// and explains the first failing execution, or reports that none exists
/// within the bound, or why the search could not decide. A bound loom does
/// not take (above [`MAX_BOUND`](crate::tier::loom::MAX_BOUND)) is refused.
pub fn explain(pair: &Pair, max_bound: usize) -> Result<Explanation, BoundTooBig> {
    explain_plan(pair, &plan(pair), max_bound)
}

/// [`explain`] with a configuration of the caller's (which must be for the
/// pair's model) in place of the pair's own.
pub fn explain_plan(
    pair: &Pair,
    plan: &Plan,
    max_bound: usize,
) -> Result<Explanation, BoundTooBig> {
    let cap = LoomConfig::bounded(Some(max_bound));
    cap.validate()?;
    let plan = *plan;
    let search = |sequential_only, max_duration| {
        let config = LoomConfig {
            record_steps: true,
            sequential_only,
            max_duration,
            ..cap
        };
        pair.explore(&plan, &config)
    };
    // First a failure that interleaving alone explains; only if there is
    // none, but the first pass set some aside, the first one that needs a
    // Relaxed load to return an old value. One time cap for both.
    let mut found = search(true, cap.max_duration);
    let mut weak_memory = false;
    if found.outcome.verdict() == Verdict::Holds && found.set_aside > 0 {
        let before = found.outcome.clone();
        let weak = search(false, cap.max_duration.saturating_sub(before.elapsed));
        // Failing executions were set aside: without the second search's
        // failure the verdict is violated or, if it was cut, inconclusive.
        if !weak.outcome.violations.is_empty() || weak.outcome.inconclusive.is_some() {
            weak_memory = !weak.outcome.violations.is_empty();
            found = weak;
            if let (Work::Executions { count: a, .. }, Work::Executions { count: b, bound }) =
                (before.work, found.outcome.work)
            {
                found.outcome.work = Work::Executions {
                    count: a + b,
                    bound,
                };
            }
            found.outcome.elapsed += before.elapsed;
        }
    }
    let outcome = &found.outcome;
    let (executions, bound) = match outcome.work {
        Work::Executions { count, bound } => (count, bound.unwrap_or(max_bound)),
        _ => (0, max_bound),
    };
    let label = labeler(&plan);
    let violated = !outcome.violations.is_empty();
    let mut rows = if violated {
        trim::rows(&found.last, &label)
    } else {
        Vec::new()
    };
    if let (Some(v), Plan::Queue(q)) = (outcome.violations.first(), &plan)
        && v.kind == ViolationKind::CapacityExceeded
    {
        trim::cut_after_overflow(&mut rows, q.capacity);
    }
    let mut threads: Vec<(usize, String)> = Vec::new();
    for step in &found.last.steps {
        let name = label(step.worker);
        if violated && rows.iter().any(|r| r.thread == name) && !threads.iter().any(|t| t.1 == name)
        {
            threads.push((step.worker, name));
        }
    }
    threads.sort();
    let explanation = Explanation {
        model: pair.model,
        strategy: pair.strategy,
        plan,
        verdict: outcome.verdict(),
        inconclusive: outcome.inconclusive.clone(),
        bound,
        executions,
        weak_memory,
        threads: threads.into_iter().map(|t| t.1).collect(),
        rows,
        // The rows are the trace: the tier's own copy would repeat them.
        violations: outcome
            .violations
            .iter()
            .map(|v| Violation {
                trace: None,
                ..v.clone()
            })
            .collect(),
        lesson: None,
        // The same search again finds the same execution (loom's walk is
        // deterministic). A weak-memory failure comes from the second pass,
        // which runs only after the first one exhausted `max_bound`.
        replay: format!(
            "racelab explain {} {} --bound {}",
            pair.model,
            pair.strategy,
            if weak_memory { max_bound } else { bound }
        ),
        elapsed: outcome.elapsed,
    };
    // Only evidence earns a lesson: an inconclusive search teaches nothing
    // about the strategy.
    let lesson = violated.then(|| lesson::lesson(&explanation));
    Ok(Explanation {
        lesson,
        ..explanation
    })
}

/// What the shuttle tier found for one pair at the matrix's shuttle scale
/// ([`Scale::STANDARD`]): its outcome, whose first violation carries the
/// shrunk trace ([`crate::tier::shuttle::shrink`]), and the plan it ran.
pub fn explain_shuttle(pair: &Pair, seed: Option<u64>) -> (crate::tier::Outcome, Plan) {
    let scale = Scale::STANDARD;
    let plan = scale.plan(pair.model, crate::tier::Tier::Shuttle);
    let mut config = scale.shuttle.config;
    if let Some(seed) = seed {
        config.seed = seed;
    }
    (pair.shuttle(&plan, &config), plan)
}

/// Every explainable pair's model and strategy names, for error messages:
/// those loom searches, then those only real processes run
/// ([`processes`]).
pub fn known_pairs() -> String {
    use crate::tier::Tier;
    let mut out = String::new();
    for model in ModelKind::ALL {
        let names: Vec<&str> = crate::matrix::all()
            .iter()
            .filter(|p| p.model == model && (p.runs_on(Tier::Loom) || p.runs_on(Tier::Processes)))
            .map(|p| p.strategy)
            .collect();
        out.push_str(&format!("  {model}: {}\n", names.join(", ")));
    }
    out
}

/// The most rows a tier's trace prints: the steps that lead to a failure
/// are at its end, and a long execution's beginning is setup.
pub const TRACE_ROWS: usize = 80;

/// One execution's steps (`state`: the probe's named steps, or the
/// facade's own) as the explain table, one column per thread that did
/// something, its last [`TRACE_ROWS`] rows; None when nothing was recorded.
pub fn steps_table(
    state: &crate::workload::probe::ProbeState,
    label: &dyn Fn(usize) -> String,
) -> Option<String> {
    let mut rows = trim::rows(state, label);
    if rows.is_empty() {
        return None;
    }
    let dropped = rows.len().saturating_sub(TRACE_ROWS);
    rows.drain(..dropped);
    let threads = columns(state, &rows, label);
    let mut out = String::new();
    if dropped > 0 {
        out.push_str(&format!("({dropped} earlier steps not shown)\n"));
    }
    out.push_str(&render::grid(&threads, &rows));
    Some(out)
}

/// The thread columns of a trace: every worker that has a row, in the
/// order of their indices.
pub fn columns(
    state: &crate::workload::probe::ProbeState,
    rows: &[Row],
    label: &dyn Fn(usize) -> String,
) -> Vec<String> {
    let mut workers: Vec<usize> = state.steps.iter().map(|s| s.worker).collect();
    workers.sort_unstable();
    workers.dedup();
    workers
        .into_iter()
        .map(label)
        .filter(|name| rows.iter().any(|r| r.thread == *name))
        .collect()
}
