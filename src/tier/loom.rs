//! The loom tier: every interleaving within a preemption bound, against
//! the real implementation (the `Loom` backend of the facade).
//!
//! Loom reports a failure only by panicking. This runner catches the panic
//! in a thread of its own (so loom's state dies with it), counts the
//! executions, and turns the panic into a [`Violation`]: our own invariant
//! check (stored before it panics), loom's "deadlock", loom's "Causality
//! violation" (a data race), or a worker's panic.
//!
//! Loom also stops for reasons of its own, and those are no verdict on the
//! code under test: more threads than it models ([`LoomLimitHit`]), an
//! execution past its branch limit, the time cap. Each makes the outcome
//! [inconclusive](super::Inconclusive), with the reason. A preemption bound
//! above [`MAX_BOUND`] is refused before anything runs ([`BoundTooBig`]).

use super::{Inconclusive, Limit, Outcome, Work};
use crate::check::{Violation, checker_limit};
pub use crate::sync::LoomLimitHit;
use crate::sync::{Backend, Loom};
use crate::workload::probe::{Probe, ProbeState};
use crate::workload::progress::Progress;
use crate::workload::{Form, Workload};
use std::sync::atomic::{AtomicU64, Ordering::SeqCst};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// The deepest preemption bound loom takes: it keeps the bound in a `u8`
/// (in its `rt::path` module) and panics on anything larger.
pub const MAX_BOUND: usize = u8::MAX as usize;

/// A preemption bound loom does not take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BoundTooBig {
    /// The bound asked for.
    pub bound: usize,
}

impl std::fmt::Display for BoundTooBig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "preemption bound {} is above loom's maximum of {MAX_BOUND}",
            self.bound
        )
    }
}

impl std::error::Error for BoundTooBig {}

/// How far to search.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoomConfig {
    /// At most this many preemptions per execution; None explores all.
    pub preemption_bound: Option<usize>,
    /// A safety cap on the whole search (every pass of the deepening
    /// together): past it the search stops and the outcome is inconclusive
    /// (a correct strategy is then not proven).
    pub max_duration: Duration,
    /// Record every step (for traces); off in the matrix.
    pub record_steps: bool,
    /// Count a failing execution only if its recorded steps show no stale
    /// read (needs `record_steps`). Explain's first pass: a lesson about
    /// interleaving should not hinge on a Relaxed load returning an old value.
    pub sequential_only: bool,
}

impl LoomConfig {
    /// A search within `bound` preemptions (None: exhaustive), capped at
    /// two minutes, steps not recorded.
    pub fn bounded(bound: Option<usize>) -> Self {
        LoomConfig {
            preemption_bound: bound,
            max_duration: Duration::from_secs(120),
            record_steps: false,
            sequential_only: false,
        }
    }

    /// Refuses a bound loom does not take.
    pub fn validate(&self) -> Result<(), BoundTooBig> {
        match self.preemption_bound {
            Some(bound) if bound > MAX_BOUND => Err(BoundTooBig { bound }),
            _ => Ok(()),
        }
    }
}

/// What an exploration found.
pub struct Explored {
    /// The verdict's evidence and the work done.
    pub outcome: Outcome,
    /// What the probe knew at the end of the last execution (the failing
    /// one, if any).
    pub last: ProbeState,
    /// Failing executions that `sequential_only` set aside (they needed a
    /// stale read), over every pass.
    pub set_aside: u64,
    /// Passes of the deepening run (bound 0, 1, ...); one when unbounded.
    pub passes: usize,
}

/// Explores `form` with `plan` under loom: every tier's entry has this
/// shape, `run(form, plan, config)`. See [`explore`].
pub fn run<P: Workload>(form: Form<Loom, P>, plan: &P, config: &LoomConfig) -> Explored {
    let plan = *plan;
    explore(
        config,
        move |i| plan.label(i),
        move |probe| form.drive(&plan, probe, None, &Progress::none()),
    )
}

/// Explores `body` (one execution of the model: spawn, run, check) under
/// loom. `label` names a worker in evidence.
///
/// With a bound `n` it searches at bound 0, then 1, ... up to `n` and stops
/// at the first failure, so the failure it reports has the fewest
/// preemptions that show it (and a bug is found in far fewer executions
/// than a search that starts at `n`). The executions of every pass count,
/// and `max_duration` caps them all together: each pass gets what is left.
///
/// A bound above [`MAX_BOUND`] runs nothing: the outcome is inconclusive
/// ([`Limit::LoomBound`]); call [`LoomConfig::validate`] first to refuse it.
pub fn explore<F, N>(config: &LoomConfig, label: N, body: F) -> Explored
where
    N: Fn(usize) -> String + Send + 'static,
    F: Fn(Probe) -> Result<(), Vec<Violation>> + Send + Sync + 'static,
{
    if let Err(refused) = config.validate() {
        return Explored {
            outcome: Outcome::inconclusive(
                Limit::LoomBound,
                refused.to_string(),
                Work::Executions {
                    count: 0,
                    bound: config.preemption_bound,
                },
                Duration::ZERO,
            ),
            last: ProbeState::default(),
            set_aside: 0,
            passes: 0,
        };
    }
    let config = *config;
    std::thread::Builder::new()
        .name("racelab-loom".into())
        .spawn(move || deepen(&config, &label, Arc::new(body)))
        .expect("spawn the loom runner thread")
        .join()
        .unwrap_or_else(|payload| std::panic::resume_unwind(payload))
}

/// The passes of [`explore`], on the runner thread.
fn deepen<F, N>(config: &LoomConfig, label: &N, body: Arc<F>) -> Explored
where
    N: Fn(usize) -> String,
    F: Fn(Probe) -> Result<(), Vec<Violation>> + Send + Sync + 'static,
{
    let started = Instant::now();
    // A range, not a list: the bound may be up to MAX_BOUND.
    let (first, last_bound) = match config.preemption_bound {
        None => (None, None),
        Some(n) => (Some(0), Some(n)),
    };
    let mut bound = first;
    let (mut executions, mut set_aside, mut passes) = (0, 0, 0);
    let mut last: Option<Explored> = None;
    loop {
        let left = config.max_duration.saturating_sub(started.elapsed());
        if left.is_zero() {
            // The cap ran out between passes: what was searched holds, but
            // the bound asked for was not covered.
            let searched = last.as_ref().map_or(0, |l| l.passes);
            let mut found = last.unwrap_or_else(|| Explored {
                outcome: Outcome::holds(Work::Executions { count: 0, bound }, Duration::ZERO),
                last: ProbeState::default(),
                set_aside: 0,
                passes: 0,
            });
            found.outcome.inconclusive = Some(time_cap(config, searched));
            found.outcome.elapsed = started.elapsed();
            return found;
        }
        let pass = LoomConfig {
            preemption_bound: bound,
            max_duration: left,
            ..*config
        };
        let body = Arc::clone(&body);
        let mut found = one_pass(&pass, label, move |probe| body(probe));
        passes += 1;
        if let Work::Executions { count, .. } = found.outcome.work {
            executions += count;
        }
        set_aside += found.set_aside;
        found.outcome.work = Work::Executions {
            count: executions,
            bound,
        };
        found.outcome.elapsed = started.elapsed();
        found.set_aside = set_aside;
        found.passes = passes;
        if found.outcome.inconclusive.as_ref().map(|i| i.limit) == Some(Limit::TimeCap) {
            found.outcome.inconclusive = Some(time_cap(config, passes));
        }
        let done = found.outcome.verdict() != super::Verdict::Holds;
        if done || bound == last_bound {
            return found;
        }
        bound = bound.map(|b| b + 1);
        last = Some(found);
    }
}

fn time_cap(config: &LoomConfig, passes: usize) -> Inconclusive {
    let asked = match config.preemption_bound {
        Some(n) => format!("bound {n}"),
        None => "every interleaving".to_string(),
    };
    Inconclusive::new(
        Limit::TimeCap,
        format!(
            "the search stopped at its cap of {:.1?} after {passes} pass{} of the deepening, \
             before it covered {asked}",
            config.max_duration,
            if passes == 1 { "" } else { "es" }
        ),
    )
}

/// The verdict on a failure found in an execution that used `SeqCst`:
/// loom models `SeqCst` as `AcqRel` (its documented limit), so the failure
/// may need an ordering no real machine allows. Every kind is set aside,
/// a deadlock or an assertion too: a stale read loom allows and `SeqCst`
/// forbids can send a thread down a path that ends in either.
fn seq_cst_weakened(violations: &[Violation]) -> Inconclusive {
    let found: Vec<String> = violations.iter().map(Violation::to_string).collect();
    Inconclusive::new(
        Limit::LoomSeqCst,
        format!(
            "loom models SeqCst as AcqRel; this failure may need a SeqCst ordering loom does not \
             model; shuttle (sequentially consistent) confirms or refutes it (loom saw: {})",
            found.join("; ")
        ),
    )
}

/// One pass of the deepening: the search at one preemption bound.
fn one_pass<F, N>(config: &LoomConfig, label: &N, body: F) -> Explored
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
                crate::sync::seq_cst::reset();
                crate::sync::record::log::begin();
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
    crate::sync::record::log::end();
    let last = probe.snapshot();
    // The failing execution's steps, for its trace: the models name theirs
    // through the probe (when recording), user code has the facade's.
    let shown = if last.steps.is_empty() {
        ProbeState {
            steps: crate::sync::record::execution_steps(),
            ..last.clone()
        }
    } else {
        last.clone()
    };
    // Read on this thread, the one loom ran the failing execution on.
    let used_seq_cst = crate::sync::seq_cst::used();
    let mut inconclusive = None;
    let mut violations = match result {
        Ok(()) => Vec::new(),
        Err(payload) => match found.lock().unwrap_or_else(PoisonError::into_inner).take() {
            Some(violations) => violations,
            None => match checker_limit(&*payload) {
                Some(limit) => {
                    inconclusive = Some(limit);
                    Vec::new()
                }
                None => vec![Violation::from_payload(&*payload, &last, label)],
            },
        },
    };
    if !violations.is_empty() && used_seq_cst {
        inconclusive = Some(seq_cst_weakened(&violations));
        violations.clear();
    }
    if let Some(first) = violations.first_mut()
        && first.trace.is_none()
        && let Some(table) = crate::explain::steps_table(&shown, label)
    {
        let bound = config
            .preemption_bound
            .map_or("no preemption bound".to_string(), |b| {
                format!("preemption bound {b}")
            });
        first.trace = Some(format!(
            "loom's failing execution ({bound}; loom's search is deterministic, the same search finds it again):\n{table}"
        ));
    }
    // Loom returns quietly when its cap runs out: only the clock tells a
    // cut search from a complete one (a search that ends right at the cap
    // is called cut: inconclusive, never a false "holds").
    if violations.is_empty() && inconclusive.is_none() && elapsed >= config.max_duration {
        inconclusive = Some(Inconclusive::new(Limit::TimeCap, String::new()));
    }
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
        passes: 1,
    }
}
