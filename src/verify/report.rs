//! What a check found: one line per (workload, tier), and the assertions a
//! `#[test]` makes on it.

use crate::check::ViolationKind;
use crate::tier::{Outcome, Tier, Verdict};
use std::fmt;

/// One workload on one tier: its outcome and how to run it again.
#[derive(Debug, Clone)]
pub struct Run {
    /// What ran: `counter`, `tickets`, `exclusion`, `program`.
    pub workload: String,
    /// Where it ran.
    pub tier: Tier,
    /// What it found, how much it did, and (if inconclusive) why.
    pub outcome: Outcome,
    /// The command that runs it again (with the seed, for shuttle).
    pub replay: String,
    /// The plan it ran, in words (under loom, the rung of the ladder it
    /// stopped on: the smallest plan that failed, or the largest searched).
    pub plan: String,
}

impl Run {
    /// The verdict this run earned.
    pub fn verdict(&self) -> Verdict {
        self.outcome.verdict()
    }
}

/// Everything one check found about one implementation: a [`Run`] per
/// workload and tier it ran on.
#[derive(Debug, Clone)]
pub struct Report {
    /// What was checked (`counter MyCounter`).
    pub subject: String,
    /// One per workload and tier, in the order they ran.
    pub runs: Vec<Run>,
}

impl Report {
    /// The overall verdict: violated if any run was, else inconclusive if
    /// any run was, else holds (and holds only if something ran).
    pub fn verdict(&self) -> Verdict {
        let any = |v| self.runs.iter().any(|r| r.verdict() == v);
        if any(Verdict::Violated) {
            Verdict::Violated
        } else if any(Verdict::Inconclusive) || self.runs.is_empty() {
            Verdict::Inconclusive
        } else {
            Verdict::Holds
        }
    }

    /// The run on `tier` of `workload`, if it ran.
    pub fn run(&self, workload: &str, tier: Tier) -> Option<&Run> {
        self.runs
            .iter()
            .find(|r| r.workload == workload && r.tier == tier)
    }

    /// The verdict on `tier`, over every workload that ran there (None if
    /// none did): violated if one was, else inconclusive if one was.
    pub fn on(&self, tier: Tier) -> Option<Verdict> {
        let here: Vec<Verdict> = self
            .runs
            .iter()
            .filter(|r| r.tier == tier)
            .map(Run::verdict)
            .collect();
        [Verdict::Violated, Verdict::Inconclusive, Verdict::Holds]
            .into_iter()
            .find(|v| here.contains(v))
    }

    /// Every kind of violation found, on any tier, each once, in the order
    /// first found.
    pub fn kinds(&self) -> Vec<ViolationKind> {
        let mut kinds: Vec<ViolationKind> = Vec::new();
        for v in self.runs.iter().flat_map(|r| &r.outcome.violations) {
            if !kinds.contains(&v.kind) {
                kinds.push(v.kind);
            }
        }
        kinds
    }

    /// Panics (with this report) unless every run held: no violation and
    /// nothing inconclusive. For a `#[test]` that proves an implementation.
    #[track_caller]
    pub fn assert_holds(&self) {
        if self.verdict() != Verdict::Holds {
            panic!("expected every tier to hold\n{self}");
        }
    }

    /// Panics (with this report) if any run found a violation; inconclusive
    /// runs are allowed (a checker's limit is no bug).
    #[track_caller]
    pub fn assert_not_violated(&self) {
        if self.verdict() == Verdict::Violated {
            panic!("expected no violation\n{self}");
        }
    }

    /// Panics (with this report) unless some run found a violation of
    /// `kind`. For a negative control: the checker must catch this bug.
    #[track_caller]
    pub fn assert_violated(&self, kind: ViolationKind) {
        if !self.kinds().contains(&kind) {
            panic!("expected a violation of kind `{kind}`\n{self}");
        }
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "racelab: {} -> {}", self.subject, self.verdict())?;
        for run in &self.runs {
            let o = &run.outcome;
            writeln!(
                f,
                "  {:<10} {:<9} {:<12} {} in {:.1?}",
                run.workload,
                run.tier.name(),
                run.verdict().name(),
                o.work,
                o.elapsed
            )?;
            if !run.plan.is_empty() {
                writeln!(f, "      plan: {}", run.plan)?;
            }
            // One round's violations share its trace (the process tier's
            // last steps): printed once, under the first.
            let mut shown: Option<&str> = None;
            for v in &o.violations {
                writeln!(f, "      {v}")?;
                match v.trace.as_deref() {
                    Some(trace) if shown == Some(trace) => {
                        writeln!(f, "        (the trace above)")?;
                    }
                    trace => {
                        for line in trace.iter().flat_map(|t| t.lines()) {
                            writeln!(f, "        {line}")?;
                        }
                        shown = trace.or(shown);
                    }
                }
            }
            if let Some(why) = &o.inconclusive {
                writeln!(f, "      inconclusive: {why}")?;
            }
            if run.verdict() != Verdict::Holds && !run.replay.is_empty() {
                writeln!(f, "      replay: {}", run.replay)?;
            }
        }
        Ok(())
    }
}
