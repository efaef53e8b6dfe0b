//! What a model tells the checker while it runs.
//!
//! A model calls its [`Probe`] at the points that matter for correctness:
//! around a read and a write of shared state, at a race window, before and
//! after a condition-variable wait, at a notify. On the plain std tier with
//! no probe attached every call is one branch on `None`; under a checker the
//! probe
//! - holds a [`RaceWindow`] open so that a broken strategy fails every run,
//!   not usually (std tier only: under loom every interleaving is explored
//!   anyway);
//! - records [`Step`]s, so a failure can be shown as an interleaving;
//! - keeps, per worker, the condition it is blocked on and the wakeups in
//!   flight, so a deadlock is detected from state (every live worker asleep,
//!   no wakeup pending) rather than from a timeout, and reported by name.
//!
//! The probe uses `std` primitives even under loom. That is sound because
//! loom runs all model threads as coroutines on one OS thread and a probe
//! never holds its lock across a model operation.

use crate::os::window::WindowCell;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// One recorded step of one worker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    /// The worker's index, as the backend numbers its threads (`Backend::worker`).
    pub worker: usize,
    /// What the worker did.
    pub action: Action,
}

/// What a worker did at one step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// An operation of the model began (`increment`, `buy(2)`, `put(P0#1)`).
    Call {
        /// The operation and its arguments, as printed.
        op: String,
    },
    /// The operation returned.
    Return {
        /// The operation, as in its [`Action::Call`].
        op: String,
        /// What it returned, as printed (`seat 0`, `sold out`, `closed`).
        result: String,
    },
    /// A read of a shared variable.
    Read {
        /// The variable's name (`x`, `left`, `len`).
        var: &'static str,
        /// The value read.
        value: i64,
    },
    /// A write of a shared variable.
    Write {
        /// The variable's name.
        var: &'static str,
        /// The value written.
        value: i64,
    },
    /// The worker took the strategy's lock.
    Acquire {
        /// The strategy's name (`Lock::NAME`).
        lock: &'static str,
    },
    /// The worker let the lock go.
    Release {
        /// The strategy's name (`Lock::NAME`).
        lock: &'static str,
    },
    /// The worker went to sleep on a condition.
    Wait {
        /// The condition's name (`not_empty`, `not_full`, `all_done`).
        on: &'static str,
    },
    /// The worker woke from a condition wait.
    Woke {
        /// The condition it slept on.
        on: &'static str,
    },
    /// The worker signalled a condition.
    Notify {
        /// The condition signalled.
        on: &'static str,
        /// `notify_all` rather than `notify_one`.
        all: bool,
    },
    /// A facade operation, recorded by the facade itself (user code makes
    /// no probe calls): `load a1 -> 0`, `lock m0`, `join T1`.
    Facade {
        /// The operation, its object and what it read or wrote, as printed.
        op: String,
    },
}

/// A run-time hook handed to every model instance. Cloning shares it.
#[derive(Clone, Default)]
pub struct Probe(Option<Arc<Inner>>);

struct Inner {
    window: Option<RaceWindow>,
    record_steps: bool,
    worker: fn() -> usize,
    state: Mutex<ProbeState>,
}

/// What the probe knows about a run so far.
#[derive(Debug, Default, Clone)]
pub struct ProbeState {
    /// Every step recorded, in the order they happened (empty unless recording).
    pub steps: Vec<Step>,
    /// The condition each blocked worker waits on, by worker index.
    pub waiting: BTreeMap<usize, &'static str>,
    /// Wakeups sent to a condition with sleepers that no sleeper has taken yet.
    pub pending_wakeups: BTreeMap<&'static str, usize>,
    /// Counts every wait, wake and notify: unchanged means no progress.
    pub events: u64,
}

impl ProbeState {
    /// The index of the first recorded read that did not return the latest
    /// recorded write to its variable. Under loom a Relaxed load may return
    /// an older value; `None` means interleaving alone explains every value.
    pub fn stale_read(&self) -> Option<usize> {
        let mut last: BTreeMap<&str, i64> = BTreeMap::new();
        for (i, step) in self.steps.iter().enumerate() {
            match step.action {
                Action::Write { var, value } => {
                    last.insert(var, value);
                }
                Action::Read { var, value } if last.get(var).is_some_and(|w| *w != value) => {
                    return Some(i);
                }
                _ => {}
            }
        }
        None
    }

    /// Number of workers asleep on `on`.
    fn sleepers(&self, on: &str) -> usize {
        self.waiting.values().filter(|w| **w == on).count()
    }

    /// True when every worker in `live` is asleep and no wakeup is in flight:
    /// nobody is left to wake anybody.
    pub fn all_asleep(&self, live: &[usize]) -> bool {
        !live.is_empty()
            && live.iter().all(|w| self.waiting.contains_key(w))
            && self.pending_wakeups.values().all(|n| *n == 0)
    }
}

impl Probe {
    /// No probe: every call is a no-op. The plain std tier at full speed.
    pub fn none() -> Self {
        Probe(None)
    }

    /// A probe that tracks waits, with an optional race window and step
    /// recording. `worker` names the calling thread (`Backend::worker`).
    pub fn new(window: Option<RaceWindow>, record_steps: bool, worker: fn() -> usize) -> Self {
        Probe(Some(Arc::new(Inner {
            window,
            record_steps,
            worker,
            state: Mutex::new(ProbeState::default()),
        })))
    }

    fn with_state<R>(&self, f: impl FnOnce(&mut ProbeState) -> R) -> Option<R> {
        let inner = self.0.as_ref()?;
        let mut state = inner.state.lock().unwrap_or_else(PoisonError::into_inner);
        Some(f(&mut state))
    }

    fn record(&self, action: impl FnOnce() -> Action) {
        if let Some(inner) = &self.0
            && inner.record_steps
        {
            let worker = (inner.worker)();
            let action = action();
            self.with_state(|s| s.steps.push(Step { worker, action }));
        }
    }

    /// The window between a decision and the write that depends on it. On
    /// the std tier it is held open so that a second thread can walk in.
    pub fn window(&self) {
        if let Some(Inner {
            window: Some(window),
            ..
        }) = self.0.as_deref()
        {
            window.pass();
        }
    }

    /// Records the start of a model operation (`op` is built only when
    /// recording).
    pub fn call(&self, op: impl FnOnce() -> String) {
        self.record(|| Action::Call { op: op() });
    }

    /// Records that the operation `op` returned `result`.
    pub fn ret(&self, op: impl FnOnce() -> String, result: impl FnOnce() -> String) {
        self.record(|| Action::Return {
            op: op(),
            result: result(),
        });
    }

    /// Records a read of the shared variable `var`.
    pub fn read(&self, var: &'static str, value: i64) {
        self.record(|| Action::Read { var, value });
    }

    /// Records a write of the shared variable `var`.
    pub fn write(&self, var: &'static str, value: i64) {
        self.record(|| Action::Write { var, value });
    }

    /// Records that the worker took the lock named `lock`.
    pub fn acquire(&self, lock: &'static str) {
        self.record(|| Action::Acquire { lock });
    }

    /// Records that the worker released the lock named `lock`.
    pub fn release(&self, lock: &'static str) {
        self.record(|| Action::Release { lock });
    }

    /// Call with the queue's lock held, just before a condition wait.
    pub fn wait(&self, on: &'static str) {
        if let Some(inner) = &self.0 {
            let worker = (inner.worker)();
            self.record(|| Action::Wait { on });
            self.with_state(|s| {
                s.waiting.insert(worker, on);
                s.events += 1;
            });
        }
    }

    /// Call with the queue's lock held, just after a condition wait returned.
    pub fn woke(&self, on: &'static str) {
        if let Some(inner) = &self.0 {
            let worker = (inner.worker)();
            self.record(|| Action::Woke { on });
            self.with_state(|s| {
                s.waiting.remove(&worker);
                if let Some(n) = s.pending_wakeups.get_mut(on) {
                    *n = n.saturating_sub(1);
                }
                s.events += 1;
            });
        }
    }

    /// Call with the queue's lock held, at a notify.
    pub fn notify(&self, on: &'static str, all: bool) {
        if self.0.is_some() {
            self.record(|| Action::Notify { on, all });
            self.with_state(|s| {
                let sleepers = s.sleepers(on);
                let pending = s.pending_wakeups.entry(on).or_insert(0);
                *pending = if all {
                    sleepers
                } else {
                    (*pending + 1).min(sleepers)
                };
                s.events += 1;
            });
        }
    }

    /// A copy of what the probe knows (empty for [`Probe::none`]).
    pub fn snapshot(&self) -> ProbeState {
        self.with_state(|s| s.clone()).unwrap_or_default()
    }

    /// Forgets everything recorded: loom reuses one probe per execution.
    pub fn reset(&self) {
        self.with_state(|s| *s = ProbeState::default());
        if let Some(Inner {
            window: Some(window),
            ..
        }) = self.0.as_deref()
        {
            window.reset();
        }
    }
}

/// A race window that is held open until `parties` threads are inside it or
/// `hold` has passed since the first one entered, whichever comes first;
/// after that every pass goes straight through.
///
/// Under a correct lock only one thread can ever be inside, so the window
/// costs `hold` once per run and changes nothing. Under a broken one the
/// threads meet in the window, each holding the value it read, and the race
/// is lost every run instead of once in a while. The thread form of
/// [`os::window`](crate::os::window): the same cell and pass, on the heap.
pub struct RaceWindow {
    parties: u32,
    hold: Duration,
    /// Once closed, later passes (every operation of a million-op run)
    /// read one atomic and go on.
    cell: WindowCell,
}

impl RaceWindow {
    /// A window that waits for `parties` threads, holding each at most `hold`.
    pub fn new(parties: usize, hold: Duration) -> Self {
        RaceWindow {
            parties: u32::try_from(parties).unwrap_or(u32::MAX),
            hold,
            cell: WindowCell::new(),
        }
    }

    fn pass(&self) {
        self.cell.pass(self.parties, self.hold);
    }

    fn reset(&self) {
        self.cell.reset();
    }
}
