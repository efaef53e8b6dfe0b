//! A check: the runs an implementation gets, each a closure over the
//! settings, run when asked for its [`Report`].

use super::report::{Report, Run};
use crate::process::ProcessConfig;
use crate::tier::loom::LoomConfig;
use crate::tier::shuttle::{DEFAULT_SEED, ShuttleConfig};
use crate::tier::threads::{Perturb, ThreadsConfig};
use crate::tier::{Outcome, Tier};
use std::time::Duration;

/// The environment variable that sets the shuttle seed of every check
/// (the replay line of a shuttle failure names it).
pub const SEED_VAR: &str = "RACELAB_SEED";

/// How hard each tier pushes. [`Settings::default`] suits a `#[test]`: a
/// few seconds per workload on a 2-core machine.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The tiers to run on (each workload runs on those it has a form for).
    pub tiers: Vec<Tier>,
    /// Loom: the deepest preemption bound, and the time cap for the whole
    /// search of one workload.
    pub loom: LoomConfig,
    /// Real threads: rounds, race window, stall.
    pub threads: ThreadsConfig,
    /// Shuttle: schedules in all, deepest PCT depth, seed, step cap.
    pub shuttle: ShuttleConfig,
    /// Processes: rounds, deadlines.
    pub processes: ProcessConfig,
}

impl Default for Settings {
    fn default() -> Self {
        let seed = std::env::var(SEED_VAR)
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(DEFAULT_SEED);
        let mut loom = LoomConfig::bounded(Some(2));
        loom.max_duration = Duration::from_secs(60);
        Settings {
            tiers: Tier::ALL.to_vec(),
            loom,
            // A race window in racelab's own model code (a user's lock
            // inside the counter) waits this long for a second thread: the
            // barrier starts them within microseconds.
            // User code opens no race window: perturb every facade
            // operation, seeded as shuttle is, so a failure replays.
            threads: ThreadsConfig {
                rounds: 20,
                hold: Duration::from_millis(20),
                perturb: Perturb::on(seed),
                ..ThreadsConfig::default()
            },
            shuttle: ShuttleConfig::new(2_000, seed),
            processes: crate::matrix::Scale::STANDARD.processes.config,
        }
    }
}

/// One run a check will make: a workload on a tier.
pub(crate) struct Planned {
    pub(crate) workload: &'static str,
    pub(crate) tier: Tier,
    pub(crate) run: Box<dyn Fn(&Settings) -> Ran>,
}

/// What one planned run returns: its outcome, and the plan it ran (for a
/// ladder, the rung it stopped on) in words, empty when there is nothing
/// to say.
pub(crate) struct Ran {
    pub(crate) outcome: Outcome,
    pub(crate) plan: String,
}

impl From<Outcome> for Ran {
    fn from(outcome: Outcome) -> Self {
        Ran {
            outcome,
            plan: String::new(),
        }
    }
}

/// What a check will run, and how hard. Made by the macros
/// ([`program!`](crate::program), [`counter!`](crate::counter),
/// [`office!`](crate::office), [`queue!`](crate::queue),
/// [`lock!`](macro@crate::lock)) or by [`crate::matrix::Pair::check`]; run by
/// [`Check::run`] or one of the `assert_*` shortcuts.
pub struct Check {
    subject: String,
    planned: Vec<Planned>,
    settings: Settings,
}

impl Check {
    /// A check of `subject` that runs nothing yet.
    pub(crate) fn new(subject: impl Into<String>) -> Self {
        Check {
            subject: subject.into(),
            planned: Vec::new(),
            settings: Settings::default(),
        }
    }

    /// Adds a run of `workload` on `tier`.
    pub(crate) fn plan(
        self,
        workload: &'static str,
        tier: Tier,
        run: impl Fn(&Settings) -> Outcome + 'static,
    ) -> Self {
        self.plan_ran(workload, tier, move |s| run(s).into())
    }

    /// Adds a run of `workload` on `tier` that also says which plan it ran.
    pub(crate) fn plan_ran(
        mut self,
        workload: &'static str,
        tier: Tier,
        run: impl Fn(&Settings) -> Ran + 'static,
    ) -> Self {
        self.planned.push(Planned {
            workload,
            tier,
            run: Box::new(run),
        });
        self
    }

    /// Only these tiers.
    pub fn tiers(mut self, tiers: &[Tier]) -> Self {
        self.settings.tiers = tiers.to_vec();
        self
    }

    /// Loom's deepest preemption bound (None: every interleaving).
    pub fn loom_bound(mut self, bound: Option<usize>) -> Self {
        self.settings.loom.preemption_bound = bound;
        self
    }

    /// Shuttle's schedules, in all.
    pub fn schedules(mut self, iterations: u64) -> Self {
        self.settings.shuttle.iterations = iterations;
        self
    }

    /// Shuttle's seed and the threads tier's perturbation seed (also set
    /// by the `RACELAB_SEED` environment variable).
    pub fn seed(mut self, seed: u64) -> Self {
        self.settings.shuttle.seed = seed;
        if let Perturb::On(knobs) = &mut self.settings.threads.perturb {
            knobs.seed = seed;
        }
        self
    }

    /// Schedule perturbation on real threads ([`Perturb`]): on by default,
    /// seeded with the check's seed.
    pub fn perturb(mut self, perturb: Perturb) -> Self {
        self.settings.threads.perturb = perturb;
        self
    }

    /// Rounds on real threads.
    pub fn rounds(mut self, rounds: u32) -> Self {
        self.settings.threads.rounds = rounds;
        self
    }

    /// Every setting at once.
    pub fn settings(mut self, settings: Settings) -> Self {
        self.settings = settings;
        self
    }

    /// The settings it will run with.
    pub fn current(&self) -> &Settings {
        &self.settings
    }

    /// Runs every planned workload on every chosen tier, in order.
    pub fn run(&self) -> Report {
        let runs = self
            .planned
            .iter()
            .filter(|p| self.settings.tiers.contains(&p.tier))
            .map(|p| {
                let Ran { outcome, plan } = (p.run)(&self.settings);
                Run {
                    workload: p.workload.to_string(),
                    tier: p.tier,
                    replay: replay(p.tier, &outcome, &self.settings),
                    outcome,
                    plan,
                }
            })
            .collect();
        Report {
            subject: self.subject.clone(),
            runs,
        }
    }

    /// Runs, then [`Report::assert_holds`]; returns the report.
    #[track_caller]
    pub fn assert_holds(&self) -> Report {
        let report = self.run();
        report.assert_holds();
        report
    }

    /// Runs, then [`Report::assert_violated`]; returns the report.
    #[track_caller]
    pub fn assert_violated(&self, kind: crate::check::ViolationKind) -> Report {
        let report = self.run();
        report.assert_violated(kind);
        report
    }
}

/// How to run this again: the test that ran it (a `#[test]` thread is named
/// after its test), with the seed for shuttle.
fn replay(tier: Tier, outcome: &Outcome, settings: &Settings) -> String {
    let test = std::thread::current()
        .name()
        .filter(|n| *n != "main")
        .map(|n| format!("cargo test -- --exact {n}"))
        .unwrap_or_else(|| "rerun the same check".to_string());
    match (tier, outcome.work) {
        (Tier::Shuttle, crate::tier::Work::Schedules { seed, .. }) => {
            format!("{SEED_VAR}={seed} {test}")
        }
        (Tier::Threads, _) if let Some(seed) = settings.threads.perturb.seed() => format!(
            "{SEED_VAR}={seed} {test} (the same seeded delays, but the OS still schedules: \
             a real-threads replay is best effort)"
        ),
        (Tier::Loom, _) => {
            format!("{test} (loom is deterministic: the same search, the same failure)")
        }
        _ => format!("{test} (real threads and processes: a rerun is a new draw)"),
    }
}
