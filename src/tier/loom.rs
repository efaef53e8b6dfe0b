//! The loom tier: every interleaving within a preemption bound, against
//! the real implementation (the `Loom` backend of the facade).
//!
//! Loom reports a failure only by panicking. This runner catches the panic
//! in a thread of its own (so loom's state dies with it), counts the
//! executions, and turns the panic into a [`Violation`]: our own invariant
//! check (stored before it panics), loom's "deadlock", loom's "Causality
//! violation" (a data race), or a worker's panic.

use super::{Outcome, Work};
use crate::check::{Violation, panic_message};
use crate::probe::{Probe, ProbeState};
use crate::sync::{Backend, Loom};
use std::sync::atomic::{AtomicU64, Ordering::SeqCst};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How far to search.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoomConfig {
    /// At most this many preemptions per execution; None explores all.
    pub preemption_bound: Option<usize>,
    /// A safety cap: past it the search stops, and the outcome says it is
    /// not complete (a correct strategy is then not proven).
    pub max_duration: Duration,
    /// Record every step (for traces); off in the matrix.
    pub record_steps: bool,
    /// Count a failing execution only if its recorded steps show no stale
    /// read (needs `record_steps`). Explain's first pass: a lesson about
    /// interleaving should not hinge on a Relaxed load returning an old value.
    pub sequential_only: bool,
}

impl LoomConfig {
    pub fn bounded(bound: Option<usize>) -> Self {
        LoomConfig {
            preemption_bound: bound,
            max_duration: Duration::from_secs(120),
            record_steps: false,
            sequential_only: false,
        }
    }
}

/// What an exploration found.
pub struct Explored {
    pub outcome: Outcome,
    /// What the probe knew at the end of the last execution (the failing
    /// one, if any).
    pub last: ProbeState,
    /// Failing executions that `sequential_only` set aside (they needed a
    /// stale read), over every pass.
    pub set_aside: u64,
}

/// Explores `body` (one execution of the model: spawn, run, check) under
/// loom. `label` names a worker in evidence.
///
/// With a bound `n` it searches at bound 0, then 1, ... up to `n` and stops
/// at the first failure, so the failure it reports has the fewest
/// preemptions that show it (and a bug is found in far fewer executions
/// than a search that starts at `n`). The executions of every pass count.
pub fn explore<F, N>(config: &LoomConfig, label: N, body: F) -> Explored
where
    N: Fn(usize) -> String + Send + 'static,
    F: Fn(Probe) -> Result<(), Vec<Violation>> + Send + Sync + 'static,
{
    let config = *config;
    std::thread::Builder::new()
        .name("racelab-loom".into())
        .spawn(move || {
            let body = Arc::new(body);
            let bounds: Vec<Option<usize>> = match config.preemption_bound {
                None => vec![None],
                Some(n) => (0..=n).map(Some).collect(),
            };
            let (mut executions, mut elapsed, mut set_aside) = (0, Duration::ZERO, 0);
            let mut last = None;
            for bound in bounds {
                let pass = LoomConfig {
                    preemption_bound: bound,
                    ..config
                };
                let body = Arc::clone(&body);
                let mut found = run(&pass, &label, move |probe| body(probe));
                if let Work::Executions { count, .. } = found.outcome.work {
                    executions += count;
                }
                elapsed += found.outcome.elapsed;
                set_aside += found.set_aside;
                found.outcome.work = Work::Executions {
                    count: executions,
                    bound,
                };
                found.outcome.elapsed = elapsed;
                found.set_aside = set_aside;
                let done = found.outcome.verdict() != super::Verdict::Holds;
                last = Some(found);
                if done {
                    break;
                }
            }
            last.expect("at least one pass")
        })
        .expect("spawn the loom runner thread")
        .join()
        .unwrap_or_else(|payload| std::panic::resume_unwind(payload))
}

fn run<F, N>(config: &LoomConfig, label: &N, body: F) -> Explored
where
    N: Fn(usize) -> String,
    F: Fn(Probe) -> Result<(), Vec<Violation>> + Send + Sync + 'static,
{
    let probe = Probe::new(None, config.record_steps, Loom::worker);
    let executions = Arc::new(AtomicU64::new(0));
    let found: Arc<Mutex<Option<Vec<Violation>>>> = Arc::default();
    let set_aside = Arc::new(AtomicU64::new(0));

    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = config.preemption_bound;
    builder.max_duration = Some(config.max_duration);
    // Loom checks its caps only every `checkpoint_interval` executions.
    builder.checkpoint_interval = 1;

    let sequential_only = config.sequential_only;
    let started = Instant::now();
    let result = {
        let (probe, executions, found, set_aside) = (
            probe.clone(),
            Arc::clone(&executions),
            Arc::clone(&found),
            Arc::clone(&set_aside),
        );
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
            builder.check(move || {
                executions.fetch_add(1, SeqCst);
                probe.reset();
                if let Err(violations) = body(probe.clone()) {
                    if sequential_only && probe.snapshot().stale_read().is_some() {
                        set_aside.fetch_add(1, SeqCst);
                        return;
                    }
                    let first = violations[0].to_string();
                    *found.lock().unwrap_or_else(PoisonError::into_inner) = Some(violations);
                    panic!("racelab: {first}");
                }
            })
        }))
    };
    let elapsed = started.elapsed();
    let last = probe.snapshot();
    let violations = match result {
        Ok(()) => Vec::new(),
        Err(payload) => match found.lock().unwrap_or_else(PoisonError::into_inner).take() {
            Some(violations) => violations,
            None => vec![Violation::from_panic(
                &panic_message(&*payload),
                &last,
                label,
            )],
        },
    };
    let inconclusive = (violations.is_empty() && elapsed >= config.max_duration).then(|| {
        super::Inconclusive::new(
            super::Limit::TimeCap,
            format!(
                "the search stopped after {:.1?}, before it covered its bound",
                config.max_duration
            ),
        )
    });
    Explored {
        outcome: Outcome {
            violations,
            work: Work::Executions {
                count: executions.load(SeqCst),
                bound: config.preemption_bound,
            },
            elapsed,
            inconclusive,
        },
        last,
        set_aside: set_aside.load(SeqCst),
    }
}
