//! Invariants, verdicts and evidence, shared by every tier.
//!
//! Each model has a check that turns what its workload observed (the
//! drivers are in [`crate::workload`], on every tier alike) into
//! [`Violation`]s, each naming its evidence ("lost 1 of 2 updates", "sold 2
//! tickets of 1").

pub mod assertion;
pub mod counter;
pub mod deadlock;
pub mod queue;
pub mod tickets;

use crate::model::queue::POP_FROM_EMPTY;
use crate::workload::probe::ProbeState;
use serde::{Deserialize, Serialize};
use std::any::Any;
use std::fmt;

/// What went wrong, by kind. Negative controls assert the kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ViolationKind {
    /// The counter's final value is not the net of its operations.
    LostUpdate,
    /// More tickets sold than the hall has.
    Oversold,
    /// One seat sold to two buyers.
    SoldTwice,
    /// Demand covered supply, yet tickets were left unsold.
    LostSale,
    /// The office's own books disagree with the tickets held.
    Miscount,
    /// An item put was never received.
    LostItem,
    /// An item was received twice.
    DuplicatedItem,
    /// An item no producer put: a torn or misframed message.
    CorruptItem,
    /// A consumer received one producer's items out of order.
    FifoBroken,
    /// The queue held more items than its capacity.
    CapacityExceeded,
    /// A consumer popped an empty queue.
    PopFromEmpty,
    /// `join` returned before every item was processed.
    JoinEarly,
    /// An operation returned what its contract forbids at that moment (a
    /// queue's `Closed` before `close()`, a second `task_done` accepted).
    ContractBroken,
    /// Every live thread is blocked and nobody is left to wake them.
    Deadlock,
    /// The run stopped making progress: no operation completed for a stated
    /// time (a deadlock the probe could not see, or a livelock). The
    /// evidence says where each worker was.
    Hang,
    /// Two unsynchronised accesses to plain data (loom's "Causality violation").
    DataRace,
    /// Two threads were inside one lock's critical section at once.
    ExclusionBroken,
    /// The code under test's own assertion failed ([`ensure!`](crate::ensure),
    /// or std's `assert!`, `assert_eq!`, `assert_ne!`); the evidence is its message.
    Assertion,
    /// A worker panicked for another reason.
    Panicked,
}

impl ViolationKind {
    /// Its name in reports and expectations (`lost update`, `oversold`).
    pub fn name(self) -> &'static str {
        match self {
            ViolationKind::LostUpdate => "lost update",
            ViolationKind::Oversold => "oversold",
            ViolationKind::SoldTwice => "sold twice",
            ViolationKind::LostSale => "lost sale",
            ViolationKind::Miscount => "miscount",
            ViolationKind::LostItem => "lost item",
            ViolationKind::DuplicatedItem => "duplicated item",
            ViolationKind::CorruptItem => "corrupt item",
            ViolationKind::FifoBroken => "fifo broken",
            ViolationKind::CapacityExceeded => "capacity exceeded",
            ViolationKind::PopFromEmpty => "pop from empty",
            ViolationKind::JoinEarly => "join returned early",
            ViolationKind::ContractBroken => "contract broken",
            ViolationKind::Deadlock => "deadlock",
            ViolationKind::Hang => "hang",
            ViolationKind::DataRace => "data race",
            ViolationKind::ExclusionBroken => "exclusion broken",
            ViolationKind::Assertion => "assertion failed",
            ViolationKind::Panicked => "panicked",
        }
    }
}

impl fmt::Display for ViolationKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A broken invariant and its evidence.
///
/// Two violations are equal when their kind and evidence are: the trace
/// says how one run came to it, not what it is.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Violation {
    /// Which invariant broke.
    pub kind: ViolationKind,
    /// What was seen, in words ("lost 1 of 2 updates").
    pub evidence: String,
    /// How the run came to it, as text a reader follows step by step: a
    /// column-per-thread table (loom, shuttle) or the seed and each
    /// worker's last steps (real threads, processes). None where the tier
    /// recorded nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace: Option<String>,
}

impl PartialEq for Violation {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind && self.evidence == other.evidence
    }
}

impl Eq for Violation {}

impl Violation {
    /// A violation of `kind` with its `evidence`.
    pub fn new(kind: ViolationKind, evidence: impl Into<String>) -> Self {
        Violation {
            kind,
            evidence: evidence.into(),
            trace: None,
        }
    }

    /// The same violation, with the trace that shows how the run came to it.
    pub fn with_trace(self, trace: impl Into<String>) -> Self {
        Violation {
            trace: Some(trace.into()),
            ..self
        }
    }

    /// Classifies a worker's panic by its payload: an
    /// [`AssertionFailed`](assertion::AssertionFailed) is the code's own
    /// assertion; any other payload is classified by its text
    /// ([`Violation::from_panic`]). Call [`checker_limit`] first.
    pub fn from_payload(
        payload: &(dyn Any + Send),
        state: &ProbeState,
        label: &dyn Fn(usize) -> String,
    ) -> Self {
        if let Some(found) = payload.downcast_ref::<Violation>() {
            // racelab's own check inside a program (the lock check's
            // exclusion program) raises its violation as it is.
            return found.clone();
        }
        match payload.downcast_ref::<assertion::AssertionFailed>() {
            Some(failed) => Violation::new(ViolationKind::Assertion, failed.0.clone()),
            None => Violation::from_panic(&panic_message(payload), state, label),
        }
    }

    /// Classifies a worker's panic by its message: a broken queue's pop from
    /// empty, loom's and shuttle's deadlock reports, loom's data-race report,
    /// a std assertion (`assert!`, `assert_eq!`), or anything else. Call
    /// [`checker_limit`] first: a checker's own stop is no violation. `state` is what the
    /// probe knew when it happened (who waits on what), `label` names a worker.
    pub fn from_panic(message: &str, state: &ProbeState, label: &dyn Fn(usize) -> String) -> Self {
        if let Some(text) = assertion::std_assertion(message) {
            Violation::new(ViolationKind::Assertion, text)
        } else if message.contains(POP_FROM_EMPTY) {
            Violation::new(
                ViolationKind::PopFromEmpty,
                "a consumer woke, did not look again, and popped an empty queue",
            )
        } else if message.starts_with("deadlock") {
            let evidence = deadlock::named(message, state, label)
                .unwrap_or_else(|| deadlock_evidence(state, label));
            Violation::new(ViolationKind::Deadlock, evidence)
        } else if message.contains("Causality violation") {
            Violation::new(
                ViolationKind::DataRace,
                message.lines().next().unwrap_or(message).trim().to_string(),
            )
        } else {
            Violation::new(ViolationKind::Panicked, message.to_string())
        }
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind, self.evidence)
    }
}

/// The checker's own stop, if a panic is one: loom's thread, branch or bound
/// limit, shuttle's step cap. None: the panic is the code under test's.
///
/// This function and [`Violation::from_panic`] are the one place that reads
/// a checker's panic text: loom and shuttle report their limits only as
/// panic messages (loom from its `rt::path`, `rt::execution` and
/// `rt::thread` modules, shuttle from its `runtime::execution`). The facade
/// catches loom's thread limit first and raises a typed
/// [`LoomLimitHit`](crate::sync::LoomLimitHit) instead; the text is kept for
/// code that spawns through loom directly.
pub fn checker_limit(payload: &(dyn Any + Send)) -> Option<crate::tier::Inconclusive> {
    use crate::sync::LoomLimitHit;
    use crate::tier::{Inconclusive, Limit};
    if let Some(LoomLimitHit::Threads { wanted }) = payload.downcast_ref::<LoomLimitHit>() {
        return Some(Inconclusive::new(
            Limit::LoomThreads,
            format!(
                "the program needs {wanted} threads (main included); loom models at most {}",
                loom::MAX_THREADS
            ),
        ));
    }
    let message = panic_message(payload);
    let (limit, reason) = if message.contains("Model exceeded maximum number of branches") {
        (
            Limit::LoomBranches,
            "one execution ran past loom's branch limit: a loop that never lets another \
             thread run (a spin loop that does not go through the facade's spin hint), or \
             spinners that loom keeps scheduling among themselves"
                .to_string(),
        )
    } else if message.contains("self.threads.len() < self.max()") {
        (
            Limit::LoomThreads,
            format!(
                "the program spawned more threads than loom models ({} with main)",
                loom::MAX_THREADS
            ),
        )
    } else if message.contains("preemption_bound too big") {
        (
            Limit::LoomBound,
            format!(
                "loom takes a preemption bound of at most {}",
                crate::tier::loom::MAX_BOUND
            ),
        )
    } else if let Some(rest) = message.strip_prefix("exceeded max_steps bound ") {
        let steps = rest.split('.').next().unwrap_or(rest);
        (
            Limit::StepCap,
            format!(
                "a schedule ran past {steps} steps without finishing: a livelock, or a run \
                 longer than the cap"
            ),
        )
    } else {
        return None;
    };
    Some(Inconclusive::new(limit, reason))
}

/// "deadlock: P0 waits on not_full, C1 waits on not_empty".
pub fn deadlock_evidence(state: &ProbeState, label: &dyn Fn(usize) -> String) -> String {
    if state.waiting.is_empty() {
        return "every thread is blocked".to_string();
    }
    let waits: Vec<String> = state
        .waiting
        .iter()
        .map(|(worker, on)| format!("{} waits on {on}", label(*worker)))
        .collect();
    format!("{}; nobody is left to wake them", waits.join(", "))
}

/// The text of a panic payload.
pub fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else if let Some(failed) = payload.downcast_ref::<assertion::AssertionFailed>() {
        failed.0.clone()
    } else if let Some(found) = payload.downcast_ref::<Violation>() {
        found.to_string()
    } else {
        "a worker panicked".to_string()
    }
}

/// Formats a count with thousands separators: 2000000 -> "2,000,000".
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
