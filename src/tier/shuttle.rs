//! The shuttle tier: randomised schedules for configurations loom cannot
//! exhaust (more threads, more operations), against the real implementation
//! (the [`Shuttle`] backend of the facade).
//!
//! A search runs `iterations` uniformly random schedules, then `iterations`
//! PCT schedules (Burckhardt et al., ASPLOS 2010: random thread priorities
//! with `pct_depth - 1` priority change points, good at bugs that need a few
//! ordering constraints), and stops at the first failure.
//!
//! Every search is replayable from the seed it reports ([`Work::Schedules`]):
//! - random: each schedule draws its own seed from the previous one, and
//!   the reported seed is the failing schedule's, so `--seed S` reruns that
//!   very schedule first;
//! - PCT: the reported seed is the search's, so `--seed S` reruns the same
//!   search (shuttle's PCT calibrates on its first schedule) to the same
//!   failure.
//!
//! Shuttle models every atomic as SeqCst: Relaxed-ordering bugs are
//! invisible here (loom proves them).

use super::{Inconclusive, Outcome, Work};
use crate::check::{Violation, checker_limit};
use crate::sync::{Backend, Shuttle};
use crate::workload::probe::Probe;
use crate::workload::progress::Progress;
use crate::workload::{Form, Workload};
use serde::Deserialize;
use shuttle::scheduler::{PctScheduler, Schedule, Scheduler, Task, TaskId};
use shuttle::{Config, FailurePersistence, MaxSteps, Runner};
use std::sync::atomic::{AtomicU64, Ordering::SeqCst};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How hard to search.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShuttleConfig {
    /// Schedules per scheduler (random, then PCT).
    pub iterations: u64,
    /// PCT's bug depth: priority change points + 1.
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
    /// `iterations` schedules per scheduler from `seed`, PCT depth 3, the
    /// default step cap.
    pub fn new(iterations: u64, seed: u64) -> Self {
        ShuttleConfig {
            iterations,
            pct_depth: 3,
            seed,
            max_steps: DEFAULT_MAX_STEPS,
        }
    }
}

/// A step of splitmix64: the next schedule's seed, and the random scheduler's
/// generator.
fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Uniformly random choice at every step, one seed per schedule. (Shuttle's
/// own `RandomScheduler` prints its seed from a destructor on every failure
/// and derives per-schedule seeds we could not name for replay.)
struct SeededRandom {
    next_seed: u64,
    left: u64,
    rng: u64,
    /// The running schedule's seed, for the report.
    current: Arc<AtomicU64>,
}

impl Scheduler for SeededRandom {
    fn new_execution(&mut self) -> Option<Schedule> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let seed = self.next_seed;
        self.current.store(seed, SeqCst);
        self.rng = seed;
        let mut chain = seed;
        self.next_seed = splitmix(&mut chain);
        Some(Schedule::new(seed))
    }

    fn next_task(
        &mut self,
        runnable: &[&Task],
        _current: Option<TaskId>,
        _is_yielding: bool,
    ) -> Option<TaskId> {
        let pick = splitmix(&mut self.rng) % runnable.len() as u64;
        Some(runnable[pick as usize].id())
    }

    fn next_u64(&mut self) -> u64 {
        splitmix(&mut self.rng)
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

fn search<F, N>(config: &ShuttleConfig, label: &N, body: Arc<F>) -> Outcome
where
    N: Fn(usize) -> String,
    F: Fn(Probe) -> Result<(), Vec<Violation>> + Send + Sync + 'static,
{
    let started = Instant::now();
    let current = Arc::new(AtomicU64::new(config.seed));
    let random = SeededRandom {
        next_seed: config.seed,
        left: config.iterations,
        rng: config.seed,
        current: Arc::clone(&current),
    };
    let (count, stop) = schedules(random, config.max_steps, label, Arc::clone(&body));
    if let Some(stop) = stop {
        let work = Work::Schedules {
            count,
            scheduler: RANDOM,
            seed: current.load(SeqCst),
        };
        return outcome(stop, work, started.elapsed());
    }
    let pct =
        PctScheduler::new_from_seed(config.seed, config.pct_depth, config.iterations as usize);
    let (more, stop) = schedules(pct, config.max_steps, label, body);
    let work = Work::Schedules {
        count: count + more,
        scheduler: if stop.is_none() { RANDOM_THEN_PCT } else { PCT },
        seed: config.seed,
    };
    match stop {
        Some(stop) => outcome(stop, work, started.elapsed()),
        None => Outcome::holds(work, started.elapsed()),
    }
}

/// The scheduler names a [`Work::Schedules`] carries: the random search
/// found it, PCT found it, or neither found anything.
const RANDOM: &str = "random";
const PCT: &str = "pct";
const RANDOM_THEN_PCT: &str = "random+pct";

/// Reads a scheduler name back (from a matrix report's JSON) as the
/// `&'static str` [`Work::Schedules`] holds; any other name is refused.
pub(crate) fn scheduler_named<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<&'static str, D::Error> {
    let name = String::deserialize(d)?;
    [RANDOM, PCT, RANDOM_THEN_PCT]
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

/// One scheduler's run: the schedules it ran, and why the first one that
/// failed stopped (None if none did).
fn schedules<S, F, N>(
    scheduler: S,
    max_steps: usize,
    label: &N,
    body: Arc<F>,
) -> (u64, Option<Stop>)
where
    S: Scheduler + 'static,
    N: Fn(usize) -> String,
    F: Fn(Probe) -> Result<(), Vec<Violation>> + Send + Sync + 'static,
{
    let probe = Probe::new(None, false, Shuttle::worker);
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
    (executions.load(SeqCst), stop)
}
