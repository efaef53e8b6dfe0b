//! The threads tier: real threads, many operations.
//!
//! A broken strategy must fail every run, not usually. Two devices make it
//! so: a start barrier (all threads race from the first operation) and a
//! [`RaceWindow`] held open at the strategy's weak point until the other
//! threads walk in. A run is repeated for up to `rounds` rounds and stops at
//! the first violation; a correct strategy must survive them all.
//!
//! Nothing hangs: each round runs on a thread of its own under a watchdog
//! that counts the operations the driver completes ([`Progress`]). When no
//! operation completes for [`ThreadsConfig::stall`], whatever the code under
//! test tells its probe, the round is stuck: a [`ViolationKind::Hang`]
//! names where each worker was (the operation it called and that did not
//! return). The watchdog then abandons the round: spinners that go through
//! the facade's spin hint unwind, the driver's release hooks run (a queue
//! closes), and whatever is still blocked after [`GRACE`] (two threads each
//! holding the mutex the other wants) is left behind, blocked for the rest
//! of the process: the run returns.

use super::rounds::{RoundEnd, repeat};
use super::{Inconclusive, Limit, Outcome};
use crate::check::{Violation, ViolationKind};
use crate::sync::{Backend, SpawnFailed, Std};
use crate::workload::probe::{Probe, RaceWindow};
use crate::workload::progress::{Abandoned, Progress, Where};
use crate::workload::{Form, Workload};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

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
}

impl Default for ThreadsConfig {
    fn default() -> Self {
        ThreadsConfig {
            rounds: 1,
            hold: Duration::from_millis(300),
            stall: DEFAULT_STALL,
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
    repeat(config.rounds, || {
        match one_round(config, racers, label, &round) {
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
) -> End {
    let window = RaceWindow::new(racers.parties, config.hold);
    let probe = Probe::new(Some(window), false, Std::worker);
    let progress = Progress::watched(racers.threads + 1);
    let start = Arc::new(Barrier::new(racers.threads));
    let (tx, rx) = mpsc::channel();
    let spawned = {
        let (round, probe, progress) = (Arc::clone(round), probe.clone(), progress.clone());
        std::thread::Builder::new()
            .name("racelab-round".into())
            .spawn(move || {
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
    let mut seen = progress.total();
    let mut quiet_since = Instant::now();
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
        let total = progress.total();
        if total != seen {
            seen = total;
            quiet_since = Instant::now();
        } else if quiet_since.elapsed() >= config.stall {
            break;
        }
    }
    // Stuck: say where everyone was, then let go of the round.
    let stuck = progress.snapshot();
    progress.abandon();
    let deadline = Instant::now() + GRACE;
    let after = match rx.recv_timeout(GRACE) {
        Ok(result) => returned(result).err().unwrap_or_default(),
        Err(_) => Vec::new(),
    };
    // The round may return as soon as its first worker unwinds: give the
    // others what is left of the grace to finish before counting them.
    let left = || {
        progress
            .snapshot()
            .iter()
            .skip(1)
            .filter(|w| !matches!(w, Where::Finished { .. }))
            .count()
    };
    while left() > 0 && Instant::now() < deadline {
        std::thread::sleep(POLL);
    }
    let left = left();
    let mut violations = vec![Violation::new(
        ViolationKind::Hang,
        hang_evidence(config.stall, &stuck, left, label),
    )];
    violations.extend(after);
    End::Returned(Err(violations))
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
    evidence.push_str(&match left {
        0 => "; every worker was released".to_string(),
        1 => "; 1 thread stayed blocked and was left behind".to_string(),
        n => format!("; {n} threads stayed blocked and were left behind"),
    });
    evidence
}
