//! Why a worker process gave up, typed, and what that means for the
//! verdict: the one place the process tier decides it.
//!
//! A worker's body returns [`WorkerError`]; the crew adds what only the
//! parent sees ([`Failure`]: a panic, a death, a stall). [`Findings`]
//! gathers them for one round and sorts each into evidence against the code
//! under test (a [`Violation`]) or a run the checker could not carry out
//! (an [`Inconclusive`]). Nothing here looks at the wording of a message.

use super::lock::LockError;
use crate::check::{Violation, ViolationKind};
use crate::os::crew::Failure;
use crate::os::progress::{LastSteps, Position};
use crate::tier::{Inconclusive, Limit, Outcome, Work};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Why a worker's body stopped short.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum WorkerError {
    /// The lock was not taken: still held at the deadline, stale, not
    /// recoverable, or the system refused the lock call.
    Lock(LockError),
    /// The worker could not set itself up (open its lock file, reach the
    /// server): the environment's failure.
    Setup(String),
    /// The state's store could not be read or written (the database file):
    /// the environment's failure.
    Store(String),
    /// The database read back as no valid document: a torn write, which
    /// is the code under test's.
    Torn(String),
    /// The server strategy answered something that is no answer.
    BadAnswer(String),
}

impl std::fmt::Display for WorkerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WorkerError::Lock(e) => write!(f, "{e}"),
            WorkerError::Setup(e) => write!(f, "setup failed: {e}"),
            WorkerError::Store(e) => write!(f, "the store failed: {e}"),
            WorkerError::Torn(seen) => write!(f, "torn database read: {seen:?}"),
            WorkerError::BadAnswer(a) => write!(f, "the server answered {a:?}"),
        }
    }
}

impl From<LockError> for WorkerError {
    fn from(e: LockError) -> Self {
        WorkerError::Lock(e)
    }
}

impl From<super::filedb::ReadError> for WorkerError {
    fn from(e: super::filedb::ReadError) -> Self {
        match e {
            super::filedb::ReadError::Io(e) => WorkerError::Store(e),
            super::filedb::ReadError::Torn(seen) => WorkerError::Torn(seen),
        }
    }
}

/// What one round's workers and setup left behind.
#[derive(Debug, Default)]
pub struct Findings {
    /// The invariants the round broke, with their evidence.
    pub violations: Vec<Violation>,
    /// The first reason the round could not be run as planned.
    pub setup: Option<String>,
    /// Workers cut off when the run stalled, and where each was.
    pub stalled: Vec<(String, Position)>,
    /// The stated time without progress, once the watchdog fired.
    pub stall: Option<Duration>,
    /// A worker still progressing when the round's cap ran out.
    pub time_cap: Option<String>,
    /// How the round came to what it found: each worker's last steps
    /// ([`super::trace`]). Every violation carries it.
    pub trace: Option<String>,
}

impl Findings {
    /// The round could not be set up: `what` failed with `e`.
    pub fn setup_failed(&mut self, what: &str, e: impl std::fmt::Display) {
        self.setup.get_or_insert_with(|| format!("{what}: {e}"));
    }

    /// Nothing was found, and the round ran as planned.
    pub fn is_clean(&self) -> bool {
        self.violations.is_empty()
            && self.setup.is_none()
            && self.stalled.is_empty()
            && self.time_cap.is_none()
    }

    /// Whether the round ran as planned, so that its state can be checked
    /// against the plan (a worker that never set up did none of its share).
    pub fn ran_as_planned(&self) -> bool {
        self.setup.is_none() && self.stalled.is_empty() && self.time_cap.is_none()
    }

    /// A worker's body gave up with `e`.
    pub fn worker_error(&mut self, who: &str, e: WorkerError) {
        let violation = |kind| Violation::new(kind, format!("{who}: {e}"));
        match &e {
            WorkerError::Lock(LockError::Os(_)) | WorkerError::Setup(_) | WorkerError::Store(_) => {
                self.setup_failed(who, &e)
            }
            WorkerError::Lock(
                LockError::Stuck { .. } | LockError::Stale { .. } | LockError::NotRecoverable,
            ) => self.violations.push(violation(ViolationKind::Deadlock)),
            WorkerError::Torn(_) => self.violations.push(violation(ViolationKind::Miscount)),
            WorkerError::BadAnswer(_) => self.violations.push(violation(ViolationKind::Panicked)),
        }
    }

    /// A worker gave no result at all. (A caller that reads more into a
    /// panic, as the queue's "pop from empty", matches it first.)
    pub fn failure(&mut self, who: &str, failure: Failure) {
        match failure {
            Failure::Panicked(_) | Failure::Died(_) => self.violations.push(Violation::new(
                ViolationKind::Panicked,
                format!("{who}: {failure}"),
            )),
            Failure::Stalled(at) => self.stalled.push((who.to_string(), at)),
            Failure::TimedOut => {
                self.time_cap
                    .get_or_insert_with(|| format!("{who} was still running at the deadline"));
            }
            Failure::NotStarted => self.setup_failed(who, failure),
        }
    }

    /// Keeps the round's trace: the workers named by `who`, with the last
    /// steps the crew's board kept of each.
    pub fn traced(&mut self, who: &[String], steps: &[LastSteps]) {
        self.trace = Some(super::trace::render(who, steps));
    }

    /// The watchdog fired after `stall` without progress.
    pub fn stalled_after(&mut self, stall: Duration) {
        self.stall = Some(stall);
    }

    /// The violations, a hang last (its cause, if a worker's failure
    /// explains it, comes first), each with the round's trace.
    pub fn violations(&self) -> Vec<Violation> {
        let found = self.untraced();
        match &self.trace {
            Some(trace) => found
                .into_iter()
                .map(|v| v.with_trace(trace.clone()))
                .collect(),
            None => found,
        }
    }

    fn untraced(&self) -> Vec<Violation> {
        let mut found = self.violations.clone();
        if !self.stalled.is_empty() {
            let stall = self.stall.unwrap_or(crate::os::progress::STALL);
            let at: Vec<String> = self
                .stalled
                .iter()
                .map(|(who, at)| format!("{who} {at}"))
                .collect();
            found.push(Violation::new(
                ViolationKind::Hang,
                format!("no operation completed for {stall:.1?}: {}", at.join(", ")),
            ));
        }
        found
    }

    /// Why the round is inconclusive, if it is. A setup failure means the
    /// run was not the planned one: it outranks what the run showed.
    pub fn inconclusive(&self) -> Option<Inconclusive> {
        if let Some(why) = &self.setup {
            Some(Inconclusive::new(Limit::Setup, why.clone()))
        } else {
            self.time_cap
                .as_ref()
                .map(|why| Inconclusive::new(Limit::TimeCap, why.clone()))
        }
    }

    /// The round's verdict: its violations (none: it held), or why it
    /// decided nothing. A setup failure outranks what the run showed (the
    /// run was not the planned one); a violation outranks a time cap.
    pub fn conclude(&self) -> Result<Vec<Violation>, Inconclusive> {
        let violations = self.violations();
        match self.inconclusive() {
            Some(why) if self.setup.is_some() || violations.is_empty() => Err(why),
            _ => Ok(violations),
        }
    }

    /// The outcome of rounds that ended with these findings.
    pub fn outcome(&self, work: Work, elapsed: Duration) -> Outcome {
        let (violations, inconclusive) = match self.conclude() {
            Ok(violations) => (violations, None),
            Err(why) => (Vec::new(), Some(why)),
        };
        Outcome {
            violations,
            work,
            elapsed,
            inconclusive,
        }
    }
}

/// Why a process run gave no verdict. Typed, so that a command line can
/// tell bad input (its exit code 2) from a run that failed (exit 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunError {
    /// The plan asks for what this run cannot do: the caller's input.
    Plan(String),
    /// The run could not be carried out (set up, or finished in time): the
    /// environment's or the checker's limit, never the code's fault.
    Inconclusive(Inconclusive),
}

impl RunError {
    /// The run could not be set up: `what` failed with `e`.
    pub fn setup(what: &str, e: impl std::fmt::Display) -> RunError {
        RunError::Inconclusive(Inconclusive::new(Limit::Setup, format!("{what}: {e}")))
    }
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RunError::Plan(e) => f.write_str(e),
            RunError::Inconclusive(why) => write!(f, "inconclusive: {why}"),
        }
    }
}

impl std::error::Error for RunError {}

/// A processes-tier cell: up to `rounds` runs of `round`, stopping at the
/// first violation or the first run that could not be carried out
/// (inconclusive), by the one rounds loop ([`crate::tier::rounds`]). `ops`
/// is the operations one round runs, for the report.
pub fn rounds(
    rounds: u32,
    ops: u64,
    mut round: impl FnMut() -> Result<Vec<Violation>, RunError>,
) -> Outcome {
    crate::tier::rounds::repeat(rounds, || crate::tier::rounds::RoundEnd {
        operations: ops,
        found: round().map_err(|e| match e {
            RunError::Inconclusive(why) => why,
            RunError::Plan(e) => Inconclusive::new(Limit::Setup, format!("the plan: {e}")),
        }),
    })
}

/// For callers that only report it: bad input keeps its kind.
impl From<RunError> for std::io::Error {
    fn from(e: RunError) -> Self {
        let kind = match e {
            RunError::Plan(_) => std::io::ErrorKind::InvalidInput,
            RunError::Inconclusive(_) => std::io::ErrorKind::Other,
        };
        std::io::Error::new(kind, e)
    }
}
