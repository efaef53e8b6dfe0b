//! The shuttle tier: randomised schedules for configurations loom cannot
//! exhaust (more threads, more operations), against the real implementation
//! (the [`Shuttle`] backend of the facade).
//!
//! A search runs `iterations` schedules in all, drawn in turn by the
//! schedulers of a portfolio (PCT of depth 2, 3 and 4, uniform random: see
//! [`portfolio`] for the order and why), and stops at the first failure.
//!
//! Every search is replayable from the seed it reports ([`Work::Schedules`]):
//! the reported seed is the failing schedule's own, and it names its
//! scheduler and everything that scheduler drew, so `--seed S` (or
//! `RACELAB_SEED=S`) reruns that very schedule first, whichever scheduler
//! found it.
//!
//! Shuttle models every atomic as SeqCst: Relaxed-ordering bugs are
//! invisible here (loom proves them).

pub mod portfolio;
pub mod shrink;

use super::{Inconclusive, Outcome, Work};
use crate::check::{Violation, checker_limit};
use crate::sync::{Backend, Shuttle};
use crate::workload::probe::{Probe, ProbeState};
use crate::workload::progress::Progress;
use crate::workload::{Form, Workload};
use portfolio::{Current, PCT2, PCT3, PCT4, PORTFOLIO, Portfolio, RANDOM, decode};
use serde::Deserialize;
use shuttle::scheduler::Scheduler;
use shuttle::{Config, FailurePersistence, MaxSteps, Runner};
use std::sync::atomic::{AtomicU64, Ordering::SeqCst};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How hard to search.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShuttleConfig {
    /// Schedules in all, over every scheduler of the portfolio.
    pub iterations: u64,
    /// The deepest PCT the portfolio runs (bug depth: priority change
    /// points + 1); 1 runs random schedules only.
    pub pct_depth: usize,
    /// Where the search starts; see the module docs for replay.
    pub seed: u64,
    /// Scheduling steps one schedule may take; a schedule past it makes the
    /// search inconclusive ([`Limit::StepCap`](super::Limit::StepCap)).
    pub max_steps: usize,
}

/// The step cap the matrix uses: far above what any built-in plan needs
/// (a few thousand steps), so only a livelock reaches it.
pub const DEFAULT_MAX_STEPS: usize = 100_000;

/// The seed the matrix and the tests use unless told otherwise: a fixed one,
/// so a verdict never depends on luck (`--seed` explores other schedules).
pub const DEFAULT_SEED: u64 = 20_251_123;

impl ShuttleConfig {
    /// `iterations` schedules in all from `seed`, PCT up to depth 4 (the
    /// whole [`portfolio::ROTATION`]), the default step cap.
    pub fn new(iterations: u64, seed: u64) -> Self {
        ShuttleConfig {
            iterations,
            pct_depth: 4,
            seed,
            max_steps: DEFAULT_MAX_STEPS,
        }
    }
}

/// Installs shuttle's panic hook now (with one empty run), so that a caller
/// can replace it: shuttle installs it once, on its first run, and it
/// prints to stderr on every panic. The matrix silences panics this way.
pub fn init_panic_hook() {
    shuttle::check(|| {});
}

/// Searches the schedules of `form` with `plan` under shuttle: every
/// tier's entry has this shape, `run(form, plan, config)`. See
/// [`explore`].
pub fn run<P: Workload>(form: Form<Shuttle, P>, plan: &P, config: &ShuttleConfig) -> Outcome {
    let plan = *plan;
    explore(
        config,
        move |i| plan.label(i),
        move |probe| form.drive(&plan, probe, None, &Progress::none()),
    )
}

/// Searches `body` (one execution: spawn, run, check) under shuttle. `label`
/// names a worker in evidence.
pub fn explore<F, N>(config: &ShuttleConfig, label: N, body: F) -> Outcome
where
    N: Fn(usize) -> String + Send + 'static,
    F: Fn(Probe) -> Result<(), Vec<Violation>> + Send + Sync + 'static,
{
    let config = *config;
    // A thread of its own: a failing run unwinds out of shuttle's runner,
    // and its thread-local state goes with the thread.
    std::thread::Builder::new()
        .name("racelab-shuttle".into())
        .spawn(move || search(&config, &label, Arc::new(body)))
        .expect("spawn the shuttle runner thread")
        .join()
        .unwrap_or_else(|payload| std::panic::resume_unwind(payload))
}

/// Searches `body` with a scheduler of the caller's (shuttle's own
/// `PctScheduler`, to compare the portfolio with it): the schedules it
/// draws, up to the first failure. The [`Work::Schedules`] it reports names
/// the scheduler [`GIVEN`], with seed 0: only the caller knows how to
/// replay its scheduler (so a failure here carries no shrunk trace).
pub fn explore_with<S, F, N>(scheduler: S, max_steps: usize, label: N, body: F) -> Outcome
where
    S: Scheduler + Send + 'static,
    N: Fn(usize) -> String + Send + 'static,
    F: Fn(Probe) -> Result<(), Vec<Violation>> + Send + Sync + 'static,
{
    std::thread::Builder::new()
        .name("racelab-shuttle".into())
        .spawn(move || {
            let started = Instant::now();
            let (count, stop, _) = schedules(scheduler, max_steps, false, &label, Arc::new(body));
            let work = Work::Schedules {
                count,
                scheduler: GIVEN,
                seed: 0,
            };
            match stop {
                Some(stop) => outcome(stop, work, started.elapsed()),
                None => Outcome::holds(work, started.elapsed()),
            }
        })
        .expect("spawn the shuttle runner thread")
        .join()
        .unwrap_or_else(|payload| std::panic::resume_unwind(payload))
}

/// [`run`] with a scheduler of the caller's: see [`explore_with`].
pub fn run_with<P: Workload, S: Scheduler + Send + 'static>(
    form: Form<Shuttle, P>,
    plan: &P,
    scheduler: S,
    max_steps: usize,
) -> Outcome {
    let plan = *plan;
    explore_with(
        scheduler,
        max_steps,
        move |i| plan.label(i),
        move |probe| form.drive(&plan, probe, None, &Progress::none()),
    )
}

/// The name [`explore_with`] gives a scheduler of the caller's.
pub const GIVEN: &str = "given";

fn search<F, N>(config: &ShuttleConfig, label: &N, body: Arc<F>) -> Outcome
where
    N: Fn(usize) -> String,
    F: Fn(Probe) -> Result<(), Vec<Violation>> + Send + Sync + 'static,
{
    let started = Instant::now();
    let current: Arc<Mutex<Current>> = Arc::default();
    let portfolio = Portfolio::new(
        config.seed,
        config.iterations,
        config.pct_depth,
        Arc::clone(&current),
    );
    let (count, stop, _) = schedules(portfolio, config.max_steps, false, label, Arc::clone(&body));
    let Some(stop) = stop else {
        let work = Work::Schedules {
            count,
            scheduler: PORTFOLIO,
            seed: config.seed,
        };
        return Outcome::holds(work, started.elapsed());
    };
    let (seed, choices) = {
        let current = current.lock().unwrap_or_else(PoisonError::into_inner);
        (current.seed, current.choices.clone())
    };
    let scheduler = decode(seed).0.name();
    let work = Work::Schedules {
        count,
        scheduler,
        seed,
    };
    let stop = match stop {
        Stop::Violated(mut violations) => {
            let found = shrink::Found {
                scheduler,
                seed,
                count,
                kind: violations[0].kind,
                choices,
            };
            if let Some(trace) = shrink::trace(&found, config.max_steps, label, body) {
                violations[0] = violations[0].clone().with_trace(trace.text());
            }
            Stop::Violated(violations)
        }
        limit => limit,
    };
    outcome(stop, work, started.elapsed())
}

/// Reads a scheduler name back (from a matrix report's JSON) as the
/// `&'static str` [`Work::Schedules`] holds; any other name is refused.
pub(crate) fn scheduler_named<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<&'static str, D::Error> {
    let name = String::deserialize(d)?;
    // `pct` and `random+pct` name the searches before the portfolio, in
    // reports written then.
    [
        RANDOM,
        PCT2,
        PCT3,
        PCT4,
        PORTFOLIO,
        GIVEN,
        "pct",
        "random+pct",
    ]
    .into_iter()
    .find(|known| *known == name)
    .ok_or_else(|| serde::de::Error::custom(format!("unknown shuttle scheduler `{name}`")))
}

/// Why a schedule stopped the search.
enum Stop {
    /// The code under test broke an invariant.
    Violated(Vec<Violation>),
    /// Shuttle's own cap stopped the schedule.
    Limit(Inconclusive),
}

fn outcome(stop: Stop, work: Work, elapsed: Duration) -> Outcome {
    let (violations, inconclusive) = match stop {
        Stop::Violated(violations) => (violations, None),
        Stop::Limit(why) => (Vec::new(), Some(why)),
    };
    Outcome {
        violations,
        work,
        elapsed,
        inconclusive,
    }
}

/// One scheduler's run: the schedules it ran, why the first one that
/// failed stopped (None if none did), and what the probe saw in the last
/// schedule (its steps too when `record_steps`).
fn schedules<S, F, N>(
    scheduler: S,
    max_steps: usize,
    record_steps: bool,
    label: &N,
    body: Arc<F>,
) -> (u64, Option<Stop>, ProbeState)
where
    S: Scheduler + 'static,
    N: Fn(usize) -> String,
    F: Fn(Probe) -> Result<(), Vec<Violation>> + Send + Sync + 'static,
{
    let probe = Probe::new(None, record_steps, Shuttle::worker);
    let executions = Arc::new(AtomicU64::new(0));
    let found: Arc<Mutex<Option<Vec<Violation>>>> = Arc::default();
    let mut config = Config::new();
    // We report the seed ourselves; shuttle's printout would name a schedule
    // string our command line does not take.
    config.failure_persistence = FailurePersistence::None;
    // A spinner that never yields the lock would otherwise spin forever;
    // a schedule past the cap is inconclusive, not the code's fault.
    config.max_steps = MaxSteps::FailAfter(max_steps);
    // Shuttle warns once per run that it treats Relaxed as SeqCst; the
    // pairs' expectations say so already (`Expect::Either`).
    config.silence_warnings = true;
    let runner = Runner::new(scheduler, config);
    let result = {
        let (probe, executions, found) =
            (probe.clone(), Arc::clone(&executions), Arc::clone(&found));
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
            runner.run(move || {
                executions.fetch_add(1, SeqCst);
                probe.reset();
                crate::sync::record::log::begin();
                if let Err(violations) = body(probe.clone()) {
                    let first = violations[0].to_string();
                    *found.lock().unwrap_or_else(PoisonError::into_inner) = Some(violations);
                    panic!("racelab: {first}");
                }
            })
        }))
    };
    crate::sync::record::log::end();
    let stop = match result {
        Ok(_) => None,
        Err(payload) => Some(
            match found.lock().unwrap_or_else(PoisonError::into_inner).take() {
                Some(violations) => Stop::Violated(violations),
                None => match checker_limit(&*payload) {
                    Some(why) => Stop::Limit(why),
                    None => Stop::Violated(vec![Violation::from_payload(
                        &*payload,
                        &probe.snapshot(),
                        label,
                    )]),
                },
            },
        ),
    };
    (executions.load(SeqCst), stop, probe.snapshot())
}
