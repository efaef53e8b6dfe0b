//! The threads tier: real threads, many operations.
//!
//! A broken strategy must fail every run, not usually. For racelab's own
//! models two devices make it so: a start barrier (all threads race from
//! the first operation) and a [`RaceWindow`] held open at the strategy's
//! weak point until the other threads walk in. A user's code opens no
//! window: for it the round is perturbed ([`Perturb`]), a seeded delay
//! decision at every facade operation, PCT-style. A run is repeated for up
//! to `rounds` rounds and stops at the first violation; a correct strategy
//! must survive them all.
//!
//! Nothing hangs: each round runs on a thread of its own under a watchdog
//! that counts the operations the driver completes ([`Progress`]) and the
//! facade operations that changed shared state (the facade records every
//! one, per thread: `crate::sync::record`). When nothing progresses for
//! [`ThreadsConfig::stall`] (a spinner's loads and failed attempts are no
//! progress), or every facade thread has sat blocked in a lock, wait or
//! join for [`BLOCKED`], the round is stuck: a [`ViolationKind::Hang`]
//! names where each worker was (the operation it called and that did not
//! return, the object, a lock's holder). The watchdog then abandons the
//! round: every facade operation of its threads unwinds (spinners stop),
//! the driver's release hooks run (a queue closes), and whatever is still
//! blocked after [`GRACE`] (two threads each holding the mutex the other
//! wants) is left behind, blocked for the rest of the process: the run
//! returns. Every violation carries a trace: the seed and round, and each
//! thread's last steps.

use super::rounds::{RoundEnd, repeat};
use super::{Inconclusive, Limit, Outcome};
use crate::check::{Violation, ViolationKind};
use crate::sync::record::round::Recording;
use crate::sync::record::text::Names;
use crate::sync::{Backend, SpawnFailed, Std};
use crate::workload::probe::{Probe, RaceWindow};
use crate::workload::progress::{Abandoned, Progress, Where};
use crate::workload::{Form, Workload};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

pub use crate::sync::record::perturb::{Knobs, Perturb};

/// How long the matrix lets a round go without one operation completing
/// before it calls the round stuck. Generous: a correct strategy on a busy
/// 2-core machine must never trip it, and it must exceed `hold` (a thread
/// waits that long in the race window, alone, under a correct lock).
pub const DEFAULT_STALL: Duration = Duration::from_secs(10);

/// How long an abandoned round gets to return (spinners unwinding,
/// released threads finishing) before its blocked threads are left behind.
pub const GRACE: Duration = Duration::from_secs(2);

/// How often the watchdog looks.
const POLL: Duration = Duration::from_millis(10);

/// How long every facade thread of a round must sit blocked (lock, wait,
/// join: no timeout), with nothing completing, before the watchdog calls
/// it a deadlock without waiting for the whole `stall`.
pub const BLOCKED: Duration = Duration::from_secs(1);

/// How hard to push.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThreadsConfig {
    /// Repeat up to this many times; stop at the first violation.
    pub rounds: u32,
    /// How long the race window waits for a second thread (once per round).
    pub hold: Duration,
    /// No operation completed for this long: the round is stuck (a hang).
    /// Keep it well above `hold`: under a correct lock the first thread in
    /// the race window waits there alone, completing nothing.
    pub stall: Duration,
    /// Seeded delays at every facade operation ([`Perturb`]): what makes
    /// real threads find bugs in code that opens no race window of its own.
    pub perturb: Perturb,
}

impl Default for ThreadsConfig {
    fn default() -> Self {
        ThreadsConfig {
            rounds: 1,
            hold: Duration::from_millis(300),
            stall: DEFAULT_STALL,
            perturb: Perturb::Off,
        }
    }
}

/// One round: given a fresh probe, start barrier and progress records, run
/// and check. The driver records its operations in `Progress`.
pub trait Round:
    Fn(Probe, Arc<Barrier>, Progress) -> Result<(), Vec<Violation>> + Send + Sync
{
}

impl<F> Round for F where
    F: Fn(Probe, Arc<Barrier>, Progress) -> Result<(), Vec<Violation>> + Send + Sync
{
}

/// The shape of one round.
#[derive(Debug, Clone, Copy)]
pub struct Racers {
    /// Threads released together by the start barrier.
    pub threads: usize,
    /// How many of them the race window waits for.
    pub parties: usize,
    /// Operations one round runs (for the report).
    pub operations: u64,
}

/// How one round ended.
enum End {
    /// It returned: its own verdict.
    Returned(Result<(), Vec<Violation>>),
    /// It could not start.
    Setup(String),
}

/// Runs `form` with `plan` on real threads, up to `config.rounds` rounds:
/// every tier's entry has this shape, `run(form, plan, config)`. See
/// [`rounds`].
pub fn run<P: Workload>(form: Form<Std, P>, plan: &P, config: &ThreadsConfig) -> Outcome {
    let racers = Racers {
        threads: plan.threads(),
        parties: plan.parties(),
        operations: plan.operations(),
    };
    let plan = *plan;
    rounds(
        config,
        racers,
        &|i| plan.label(i),
        move |probe, start, progress| form.drive(&plan, probe, Some(start), &progress),
    )
}

/// Runs up to `config.rounds` rounds of `round` ([`repeat`]); returns at
/// the first violation. `label` names worker `i` in evidence (`0` is
/// `main`). A round cut short by a violation counts none of its
/// operations.
pub fn rounds<R>(
    config: &ThreadsConfig,
    racers: Racers,
    label: &dyn Fn(usize) -> String,
    round: R,
) -> Outcome
where
    R: Round + 'static,
{
    let round = Arc::new(round);
    let mut previous: Option<Arc<Recording>> = None;
    let mut number = 0;
    repeat(config.rounds, || {
        let knobs = match config.perturb {
            Perturb::On(knobs) => Some(knobs),
            Perturb::Off => None,
        };
        let recording = Recording::new(number, knobs, previous.as_deref());
        number += 1;
        previous = Some(Arc::clone(&recording));
        match one_round(config, racers, label, &round, &recording) {
            End::Returned(Ok(())) => RoundEnd {
                operations: racers.operations,
                found: Ok(Vec::new()),
            },
            End::Returned(Err(found)) => RoundEnd {
                operations: 0,
                found: Ok(found),
            },
            End::Setup(why) => RoundEnd {
                operations: 0,
                found: Err(Inconclusive::new(Limit::Setup, why)),
            },
        }
    })
}

fn one_round<R: Round + 'static>(
    config: &ThreadsConfig,
    racers: Racers,
    label: &dyn Fn(usize) -> String,
    round: &Arc<R>,
    recording: &Arc<Recording>,
) -> End {
    let trace = |names: &mut Names| recording.trace(config.perturb.seed(), names, label);
    let traced = |violations: Vec<Violation>| -> Vec<Violation> {
        violations
            .into_iter()
            .map(|v| match v.trace {
                Some(_) => v,
                None => v.with_trace(trace(&mut Names::default())),
            })
            .collect()
    };
    match watch(config, racers, label, round, recording) {
        End::Returned(Err(found)) => End::Returned(Err(traced(found))),
        end => end,
    }
}

fn watch<R: Round + 'static>(
    config: &ThreadsConfig,
    racers: Racers,
    label: &dyn Fn(usize) -> String,
    round: &Arc<R>,
    recording: &Arc<Recording>,
) -> End {
    let window = RaceWindow::new(racers.parties, config.hold);
    let probe = Probe::new(Some(window), false, Std::worker);
    let progress = Progress::watched(racers.threads + 1);
    let start = Arc::new(Barrier::new(racers.threads));
    let (tx, rx) = mpsc::channel();
    let spawned = {
        let (round, probe, progress) = (Arc::clone(round), probe.clone(), progress.clone());
        let recording = Arc::clone(recording);
        std::thread::Builder::new()
            .name("racelab-round".into())
            .spawn(move || {
                // The round's thread is its facade thread 0 (`main`).
                let _recorded = recording.install(0);
                let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    round(probe, start, progress)
                }));
                let _ = tx.send(result);
            })
    };
    if let Err(e) = spawned {
        return End::Setup(format!("failed to spawn thread: {e}"));
    }
    let returned = |result: std::thread::Result<Result<(), Vec<Violation>>>| match result {
        Ok(verdict) => verdict,
        // Only after the watchdog gave up, and then the hang says it all.
        Err(payload) if payload.is::<Abandoned>() => Ok(()),
        Err(payload) => Err(vec![Violation::from_payload(
            &*payload,
            &probe.snapshot(),
            label,
        )]),
    };
    // A worker the system refused: the round could not be set up. (Workers
    // spawned before it wait at the start barrier for ever: left behind.)
    let refused = |result: &std::thread::Result<Result<(), Vec<Violation>>>| match result {
        Err(payload) => payload
            .downcast_ref::<SpawnFailed>()
            .map(|SpawnFailed(why)| format!("failed to spawn thread: {why}")),
        Ok(_) => None,
    };
    // Progress: the driver's operations and the facade's that changed
    // shared state; a spinner's loads are not progress.
    let total = || progress.total() + recording.progress();
    let mut seen = total();
    let mut quiet_since = Instant::now();
    // Since when every facade thread has been blocked, with `done` operations.
    let mut blocked_since: Option<(Instant, u64)> = None;
    let mut deadlocked = false;
    loop {
        match rx.recv_timeout(POLL) {
            Ok(result) => {
                return match refused(&result) {
                    Some(why) => End::Setup(why),
                    None => End::Returned(returned(result)),
                };
            }
            Err(RecvTimeoutError::Disconnected) => {
                return End::Returned(Err(vec![Violation::new(
                    ViolationKind::Panicked,
                    "the round's thread ended without a verdict",
                )]));
            }
            Err(RecvTimeoutError::Timeout) => {}
        }
        let now = total();
        if now != seen {
            seen = now;
            quiet_since = Instant::now();
        } else if quiet_since.elapsed() >= config.stall {
            break;
        }
        let done = recording.done();
        blocked_since = match blocked_since {
            Some((since, d)) if d == done && recording.all_blocked() => Some((since, d)),
            _ if recording.all_blocked() => Some((Instant::now(), done)),
            _ => None,
        };
        if blocked_since.is_some_and(|(since, _)| since.elapsed() >= BLOCKED) {
            deadlocked = true;
            break;
        }
    }
    // Stuck: say where everyone was, then let go of the round.
    let stuck = progress.snapshot();
    let mut names = Names::default();
    let trace = recording.trace(config.perturb.seed(), &mut names, label);
    let threads = recording.whereabouts(&mut names, label);
    progress.abandon();
    recording.abandon();
    let deadline = Instant::now() + GRACE;
    let after = match rx.recv_timeout(GRACE) {
        Ok(result) => returned(result).err().unwrap_or_default(),
        Err(_) => Vec::new(),
    };
    // The round may return as soon as its first worker unwinds: give the
    // others what is left of the grace to finish before counting them.
    let left = || {
        let workers = progress
            .snapshot()
            .iter()
            .skip(1)
            .filter(|w| !matches!(w, Where::Finished { .. }))
            .count();
        workers.max(recording.live_workers())
    };
    while left() > 0 && Instant::now() < deadline {
        std::thread::sleep(POLL);
    }
    let left = left();
    let evidence = if deadlocked {
        blocked_evidence(&threads, left)
    } else {
        stall_evidence(config.stall, &stuck, left, label, &threads)
    };
    let mut violations = vec![Violation::new(ViolationKind::Hang, evidence).with_trace(trace)];
    violations.extend(after);
    End::Returned(Err(violations))
}

/// "every thread blocked for 1.0s: T0 in lock m1 (held by T1), T1 in lock
/// m0 (held by T0), main in join T0; 2 threads stayed blocked and were
/// left behind".
fn blocked_evidence(threads: &[String], left: usize) -> String {
    let mut evidence = format!(
        "every thread blocked for {BLOCKED:.1?}: {}",
        threads.join(", ")
    );
    evidence.push_str(&left_behind(left));
    evidence
}

fn left_behind(left: usize) -> String {
    match left {
        0 => "; every worker was released".to_string(),
        1 => "; 1 thread stayed blocked and was left behind".to_string(),
        n => format!("; {n} threads stayed blocked and were left behind"),
    }
}

/// "no operation completed for 10.0s: T0 in increment #2 (1 done), T1 in
/// decrement #1 (0 done), main in join; 2 threads stayed blocked and were
/// left behind".
pub fn hang_evidence(
    stall: Duration,
    stuck: &[Where],
    left: usize,
    label: &dyn Fn(usize) -> String,
) -> String {
    stall_evidence(stall, stuck, left, label, &[])
}

/// [`hang_evidence`], with where each facade thread was (`threads`, from
/// the facade's records) before the threads left behind.
fn stall_evidence(
    stall: Duration,
    stuck: &[Where],
    left: usize,
    label: &dyn Fn(usize) -> String,
    threads: &[String],
) -> String {
    let mut at: Vec<String> = Vec::new();
    // Workers first, main last: the workers are where the bug is.
    let order = (1..stuck.len()).chain(std::iter::once(0).filter(|_| !stuck.is_empty()));
    for index in order {
        let who = label(index);
        match stuck[index] {
            // Main's own steps (join, close) have no count worth telling.
            Where::In { op, .. } if index == 0 => at.push(format!("{who} in {}", op.name())),
            Where::In { op, done } => at.push(format!(
                "{who} in {} #{} ({done} done)",
                op.name(),
                done + 1
            )),
            Where::Between { done } if index > 0 => {
                at.push(format!("{who} between operations ({done} done)"))
            }
            _ => {}
        }
    }
    let mut evidence = format!("no operation completed for {stall:.1?}: {}", at.join(", "));
    if !threads.is_empty() {
        evidence.push_str(&format!("; threads: {}", threads.join(", ")));
    }
    evidence.push_str(&left_behind(left));
    evidence
}
