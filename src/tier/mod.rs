//! Where a (model, strategy) pair runs, and what a run reports.
//!
//! - [`loom`]: every interleaving of 2-4 threads within a preemption bound.
//! - [`threads`]: real threads, many operations, a start barrier and a
//!   widened race window so a broken strategy fails every run.
//! - [`shuttle`]: randomised (uniform and PCT) schedules of larger
//!   configurations, each search replayable from its printed seed.
//! - processes ([`crate::process`]): forked workers, state in a file or a
//!   shared mapping, locks from the kernel or in shared memory.

pub mod loom;
pub mod shuttle;
pub mod threads;

use crate::check::Violation;
use serde::Serialize;
use std::time::Duration;

/// The tiers, by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Tier {
    Loom,
    Threads,
    Shuttle,
    Processes,
}

impl Tier {
    pub const ALL: [Tier; 4] = [Tier::Loom, Tier::Threads, Tier::Shuttle, Tier::Processes];

    pub fn name(self) -> &'static str {
        match self {
            Tier::Loom => "loom",
            Tier::Threads => "threads",
            Tier::Shuttle => "shuttle",
            Tier::Processes => "processes",
        }
    }

    pub fn parse(name: &str) -> Option<Tier> {
        Tier::ALL.into_iter().find(|t| t.name() == name)
    }
}

impl std::fmt::Display for Tier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// How much a run did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Work {
    /// Loom executions explored, within a preemption bound (None: unbounded).
    Executions { count: u64, bound: Option<usize> },
    /// Real operations run, over this many rounds.
    Operations { count: u64, rounds: u32 },
    /// Shuttle schedules run; `seed` replays the search (see
    /// [`shuttle`]), `scheduler` says which one found it.
    Schedules {
        count: u64,
        scheduler: &'static str,
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

/// What one run of one pair on one tier observed.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    /// Empty: every invariant held.
    pub violations: Vec<Violation>,
    pub work: Work,
    #[serde(serialize_with = "as_millis")]
    pub elapsed: Duration,
    /// False when a cap stopped the search before it was exhaustive.
    pub complete: bool,
}

pub(crate) fn as_millis<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64((d.as_secs_f64() * 1e6).round() / 1e3)
}
