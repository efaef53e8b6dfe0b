//! Where a (model, strategy) pair runs, and what a run reports.
//!
//! - [`loom`]: every interleaving of 2-4 threads within a preemption bound.
//! - [`threads`]: real threads, many operations, a start barrier and a
//!   widened race window so a broken strategy fails every run.
//! - [`shuttle`]: randomised (uniform and PCT) schedules of larger
//!   configurations, each search replayable from its printed seed.
//! - [`processes`]: forked workers, state in a file or a shared mapping,
//!   locks from the kernel or in shared memory (the process forms are in
//!   [`crate::process`]).
//!
//! Every tier has one entry of one shape, `run(form, plan, config)`: the
//! form is the implementation to run (a
//! [`workload::Form`](crate::workload::Form) on the backend of loom, std
//! or shuttle; a process strategy or queue), the plan a
//! [`Workload`](crate::workload::Workload) (how many workers, how many
//! operations), the config how hard the tier pushes. Loom's returns an
//! [`Explored`](loom::Explored) (its [`Outcome`] and what a trace needs),
//! the others an [`Outcome`]. The threads and processes tiers repeat a run
//! in [`rounds`], one loop for both. [`crate::matrix`] holds each pair's
//! forms and makes these calls.

pub mod loom;
pub mod processes;
pub mod rounds;
pub mod shuttle;
pub mod threads;

use crate::check::Violation;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// The tiers, by name.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    strum::Display,
    strum::EnumString,
    strum::IntoStaticStr,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum Tier {
    /// Every interleaving within a preemption bound, weak memory included.
    Loom,
    /// Real threads, many operations, a widened race window.
    Threads,
    /// Randomised schedules of larger configurations, replayable by seed.
    Shuttle,
    /// Forked worker processes.
    Processes,
}

impl Tier {
    /// Every tier, in the matrix's column order.
    pub const ALL: [Tier; 4] = [Tier::Loom, Tier::Threads, Tier::Shuttle, Tier::Processes];

    /// Its name on the command line and in reports (`loom`, `processes`).
    pub fn name(self) -> &'static str {
        self.into()
    }

    /// The tier named `name`, if any.
    pub fn parse(name: &str) -> Option<Tier> {
        name.parse().ok()
    }
}

/// A name fixed in the code. An alias, not `&'static str` written out:
/// serde would otherwise borrow the field from its input and ask for
/// `'de: 'static`, which no parsed report can give.
pub type Name = &'static str;

/// How much a run did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Work {
    /// Loom executions explored, within a preemption bound (None: unbounded).
    Executions {
        /// Executions explored.
        count: u64,
        /// The preemption bound.
        bound: Option<usize>,
    },
    /// Real operations run, over this many rounds.
    Operations {
        /// Operations run, over every round.
        count: u64,
        /// Rounds run.
        rounds: u32,
    },
    /// Shuttle schedules run; `seed` replays the search (see
    /// [`shuttle`]), `scheduler` says which one found it.
    Schedules {
        /// Schedules run.
        count: u64,
        /// Which scheduler found the failure (`random`, `pct-2`, `pct-3`,
        /// `pct-4`), or `portfolio` when none did.
        #[serde(deserialize_with = "shuttle::scheduler_named")]
        scheduler: Name,
        /// The seed that replays it (see [`shuttle`]).
        seed: u64,
    },
}

impl std::fmt::Display for Work {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use crate::check::thousands;
        match self {
            Work::Executions {
                count,
                bound: Some(b),
            } => {
                write!(f, "{} executions (bound {b})", thousands(*count))
            }
            Work::Executions { count, bound: None } => {
                write!(f, "{} executions (exhaustive)", thousands(*count))
            }
            Work::Operations { count, rounds: 1 } => write!(f, "{} ops", thousands(*count)),
            Work::Operations { count, rounds } => {
                write!(f, "{} ops in {rounds} rounds", thousands(*count))
            }
            Work::Schedules {
                count,
                scheduler,
                seed,
            } => write!(
                f,
                "{} schedule{} ({scheduler}, seed {seed})",
                thousands(*count),
                if *count == 1 { "" } else { "s" }
            ),
        }
    }
}

/// What one run of one pair on one tier observed. Read back from JSON by
/// `racelab matrix --merge` and `--jobs`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Outcome {
    /// Empty: every invariant held (as far as the run went).
    pub violations: Vec<Violation>,
    /// How much the run did.
    pub work: Work,
    /// How long it took (milliseconds in JSON).
    #[serde(serialize_with = "as_millis", deserialize_with = "from_millis")]
    pub elapsed: Duration,
    /// Set when the checker stopped without deciding: one of its own limits
    /// or caps, or a run that could not be set up. Never the code under
    /// test's fault; see [`Outcome::verdict`].
    pub inconclusive: Option<Inconclusive>,
}

impl Outcome {
    /// A run that found nothing wrong and was not cut short.
    pub fn holds(work: Work, elapsed: Duration) -> Self {
        Outcome {
            violations: Vec::new(),
            work,
            elapsed,
            inconclusive: None,
        }
    }

    /// A run the checker could not decide.
    pub fn inconclusive(
        limit: Limit,
        reason: impl Into<String>,
        work: Work,
        elapsed: Duration,
    ) -> Self {
        Outcome {
            violations: Vec::new(),
            work,
            elapsed,
            inconclusive: Some(Inconclusive::new(limit, reason)),
        }
    }

    /// The verdict this run earned. A violation is evidence against the
    /// code under test and wins; otherwise a run cut short by the checker
    /// is inconclusive, and only a run that searched its whole stated bound
    /// holds.
    pub fn verdict(&self) -> Verdict {
        if !self.violations.is_empty() {
            Verdict::Violated
        } else if self.inconclusive.is_some() {
            Verdict::Inconclusive
        } else {
            Verdict::Holds
        }
    }
}

/// The three outcomes a check can earn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Every invariant held, within the bound the run states.
    Holds,
    /// The code under test broke an invariant; the evidence says how.
    Violated,
    /// The checker could not decide; the reason says why.
    Inconclusive,
}

impl Verdict {
    /// Its name in reports (`holds`, `violated`, `inconclusive`).
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Holds => "holds",
            Verdict::Violated => "violated",
            Verdict::Inconclusive => "inconclusive",
        }
    }
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Which of the checker's own limits stopped a run. None of them says
/// anything about the code under test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Limit {
    /// The program spawns more threads than loom can model (4 besides the
    /// main thread).
    LoomThreads,
    /// One execution ran past loom's branch limit: a loop that never lets
    /// another thread run, as a spin loop that does not yield to loom.
    LoomBranches,
    /// A preemption bound loom does not take.
    LoomBound,
    /// Loom found a failure in an execution that used `SeqCst`, which loom
    /// models as `AcqRel`: it may need an ordering `SeqCst` forbids.
    LoomSeqCst,
    /// The time cap ran out before the search covered its bound.
    TimeCap,
    /// A shuttle schedule ran past its step cap.
    StepCap,
    /// The run could not be set up (thread spawn, fork, open, mmap, ...).
    Setup,
}

impl Limit {
    /// Its name in reports (`loom branch limit`, `time cap`).
    pub fn name(self) -> &'static str {
        match self {
            Limit::LoomThreads => "loom thread limit",
            Limit::LoomBranches => "loom branch limit",
            Limit::LoomBound => "loom preemption bound",
            Limit::LoomSeqCst => "loom SeqCst weakening",
            Limit::TimeCap => "time cap",
            Limit::StepCap => "step cap",
            Limit::Setup => "setup failed",
        }
    }
}

impl std::fmt::Display for Limit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a run is inconclusive: which limit, and what exactly happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inconclusive {
    /// The limit that stopped the run.
    pub limit: Limit,
    /// What exactly happened, in words.
    pub reason: String,
}

impl Inconclusive {
    /// A stop by `limit`, for `reason`.
    pub fn new(limit: Limit, reason: impl Into<String>) -> Self {
        Inconclusive {
            limit,
            reason: reason.into(),
        }
    }
}

impl std::fmt::Display for Inconclusive {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.limit, self.reason)
    }
}

pub(crate) fn as_millis<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64((d.as_secs_f64() * 1e6).round() / 1e3)
}

/// The inverse of [`as_millis`] (to the microsecond it keeps).
fn from_millis<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    let millis = f64::deserialize(d)?;
    Duration::try_from_secs_f64(millis / 1e3).map_err(serde::de::Error::custom)
}
