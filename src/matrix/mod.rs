//! The table: every (model, strategy) pair, what it is, and the verdict it
//! must get on each tier. A broken strategy is a test too: it must be
//! caught, with the named violation.
//!
//! - [`table`]: the pairs, in table order, each with its forms.
//! - [`forms`]: how a tier runs a pair (the pair's form on that tier, handed
//!   to the tier's one entry).
//! - [`scale`]: the plans and configurations each tier runs.

pub mod forms;
pub mod scale;
pub mod table;

pub use forms::ModelForms;
pub use scale::{Plan, Scale};
pub use table::all;

use crate::check::ViolationKind;
use crate::model::ModelKind;
use crate::tier::{Outcome, Tier, Verdict};
use forms::Forms;
use serde::Serialize;

/// The verdict a pair must get on a tier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "verdict", content = "detail")]
pub enum Expect {
    /// Every invariant holds.
    Holds,
    /// Caught, with one of these violations.
    Violates(&'static [ViolationKind]),
    /// This tier cannot decide; the reason says which tier does.
    Either(&'static str),
    /// The pair has no implementation on this tier (a thread lock has no
    /// process form, a process lock no thread form).
    NotApplicable,
}

impl Expect {
    /// Does `outcome` match?
    pub fn accepts(&self, outcome: &Outcome) -> bool {
        match self {
            Expect::Holds => outcome.verdict() == Verdict::Holds,
            Expect::Violates(kinds) => outcome.violations.iter().any(|v| kinds.contains(&v.kind)),
            Expect::Either(_) | Expect::NotApplicable => true,
        }
    }

    /// How the matrix prints it: `holds`, the violations joined by ` | `,
    /// `either` or `n/a`.
    pub fn describe(&self) -> String {
        match self {
            Expect::Holds => "holds".to_string(),
            Expect::Violates(kinds) => {
                let names: Vec<&str> = kinds.iter().map(|k| k.name()).collect();
                names.join(" | ")
            }
            Expect::Either(_) => "either".to_string(),
            Expect::NotApplicable => "n/a".to_string(),
        }
    }
}

/// One row of the table: a model under a strategy.
#[derive(Clone, Copy, Serialize)]
pub struct Pair {
    /// The model it runs.
    pub model: ModelKind,
    /// The strategy's name, as the CLI spells it (`mutex`, `flock`).
    pub strategy: &'static str,
    /// Is the strategy correct (every invariant holds), or a broken one
    /// the checker must catch?
    pub correct: bool,
    /// One line on what the strategy does.
    pub summary: &'static str,
    /// The verdict it must get under loom.
    pub loom: Expect,
    /// The verdict it must get on real threads.
    pub threads: Expect,
    /// The verdict it must get under shuttle.
    pub shuttle: Expect,
    /// The verdict it must get in real processes.
    pub processes: Expect,
    /// What each tier runs for the pair.
    #[serde(skip)]
    forms: Forms,
}

impl Pair {
    /// Does the pair have a form on `tier`? (A process-only strategy such
    /// as flock has none under loom.)
    pub fn runs_on(&self, tier: Tier) -> bool {
        self.expect(tier) != Expect::NotApplicable
    }

    /// The verdict the pair must get on `tier`.
    pub fn expect(&self, tier: Tier) -> Expect {
        match tier {
            Tier::Loom => self.loom,
            Tier::Threads => self.threads,
            Tier::Shuttle => self.shuttle,
            Tier::Processes => self.processes,
        }
    }
}

/// The pair for `model` and `strategy`, if there is one.
pub fn find(model: ModelKind, strategy: &str) -> Option<Pair> {
    all()
        .into_iter()
        .find(|p| p.model == model && p.strategy == strategy)
}
