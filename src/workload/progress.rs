//! What each worker of a real-threads run is doing, from the driver's own
//! records, so that a watchdog can tell a run that progresses from one that
//! is stuck, whatever the code under test tells its probe.
//!
//! A driver wraps each operation it asks of the model in
//! [`Tracker::call`] / [`Tracker::ret`]: a few relaxed stores to the
//! worker's own cache line (no contention between workers), and one branch
//! on `None` when nobody watches (loom, shuttle). The watchdog of the
//! threads tier ([`crate::tier::threads`]) sums the completed operations;
//! when the sum stops moving it names, per worker, the operation called and
//! not returned.
//!
//! A watchdog that gives up on a run calls [`Progress::abandon`]: spinners
//! that go through the facade's spin hint ([`crate::sync::Std`]) unwind with
//! an [`Abandoned`] payload, and the driver's release hooks run (the queue
//! closes, which wakes every blocked put and get). A thread blocked where
//! nothing can wake it (a mutex held by a thread that waits for it) is left
//! behind.

use serde::Serialize;
use std::cell::RefCell;
use std::sync::atomic::{
    AtomicBool, AtomicU64, AtomicUsize,
    Ordering::{Acquire, Relaxed, Release},
};
use std::sync::{Arc, Mutex, PoisonError};

/// An operation a driver asks of the model (or, for `main`, of the run).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[repr(usize)]
pub enum Op {
    /// The counter's `increment`.
    Increment = 1,
    /// The counter's `decrement`.
    Decrement,
    /// The office's `search`: how many tickets are left.
    Search,
    /// The office's `buy`.
    Buy,
    /// The queue's `put`.
    Put,
    /// The queue's `get`.
    Get,
    /// The queue's `task_done`: one taken item processed.
    TaskDone,
    /// `main` waits for the workers (joins their threads, or the queue).
    Join,
    /// `main` tells the consumers to stop.
    Close,
}

impl Op {
    const ALL: [Op; 9] = [
        Op::Increment,
        Op::Decrement,
        Op::Search,
        Op::Buy,
        Op::Put,
        Op::Get,
        Op::TaskDone,
        Op::Join,
        Op::Close,
    ];

    /// Its name in the watchdog's evidence (`increment`, `task_done`).
    pub fn name(self) -> &'static str {
        match self {
            Op::Increment => "increment",
            Op::Decrement => "decrement",
            Op::Search => "search",
            Op::Buy => "buy",
            Op::Put => "put",
            Op::Get => "get",
            Op::TaskDone => "task_done",
            Op::Join => "join",
            Op::Close => "close",
        }
    }

    fn from_code(code: usize) -> Option<Op> {
        Op::ALL.into_iter().find(|op| *op as usize == code)
    }
}

/// `Slot::doing` when the worker is between operations.
const IDLE: usize = 0;
/// `Slot::doing` once the worker's body has returned or unwound.
const FINISHED: usize = usize::MAX;

/// One worker's record, alone on its cache line: only its worker writes it.
#[repr(align(64))]
#[derive(Default)]
struct Slot {
    /// Operations returned.
    done: AtomicU64,
    /// `IDLE`, `FINISHED`, or the `Op` called and not yet returned.
    doing: AtomicUsize,
}

type ReleaseHook = Box<dyn Fn() + Send + Sync>;

struct Board {
    slots: Vec<Slot>,
    abandoned: AtomicBool,
    releases: Mutex<Vec<ReleaseHook>>,
}

/// The progress records of one run. Cloning shares them.
#[derive(Clone, Default)]
pub struct Progress(Option<Arc<Board>>);

/// Where one worker was, as the watchdog saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Where {
    /// Not started, or between two operations.
    Between {
        /// Operations it has returned from.
        done: u64,
    },
    /// Inside `op`, its `done + 1`-th operation.
    In {
        /// The operation called and not yet returned.
        op: Op,
        /// Operations it has returned from.
        done: u64,
    },
    /// Its body has returned or unwound.
    Finished {
        /// Operations it has returned from.
        done: u64,
    },
}

/// The payload a spinner unwinds with once its run is abandoned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Abandoned;

thread_local! {
    // The run the current thread works for, if a watchdog watches it.
    static WATCHED: RefCell<Option<Arc<Board>>> = const { RefCell::new(None) };
}

/// True when the calling thread works for a run its watchdog gave up on.
/// Cheap enough for a spin loop's slow path.
pub fn abandoned_here() -> bool {
    WATCHED.with(|w| {
        w.borrow()
            .as_ref()
            .is_some_and(|b| b.abandoned.load(Acquire))
    })
}

impl Progress {
    /// Nobody watches: every call is a branch on `None`.
    pub fn none() -> Self {
        Progress(None)
    }

    /// Records for `workers` workers, indexed as the probe names them
    /// (`0` is `main`).
    pub fn watched(workers: usize) -> Self {
        Progress(Some(Arc::new(Board {
            slots: (0..workers).map(|_| Slot::default()).collect(),
            abandoned: AtomicBool::new(false),
            releases: Mutex::new(Vec::new()),
        })))
    }

    /// Does a watchdog watch the run (real threads), or nobody (loom,
    /// shuttle)?
    pub fn is_watched(&self) -> bool {
        self.0.is_some()
    }

    /// The records of worker `index`, for the thread that runs it. Marks
    /// the worker finished when dropped (also when it unwinds).
    pub fn worker(&self, index: usize) -> Tracker {
        if let Some(board) = &self.0 {
            WATCHED.with(|w| *w.borrow_mut() = Some(Arc::clone(board)));
        }
        Tracker {
            board: self.0.clone().filter(|b| index < b.slots.len()),
            index,
        }
    }

    /// Operations returned so far, over every worker.
    pub fn total(&self) -> u64 {
        self.0.as_ref().map_or(0, |b| {
            b.slots.iter().map(|s| s.done.load(Relaxed)).sum::<u64>()
        })
    }

    /// Where each worker is, by index.
    pub fn snapshot(&self) -> Vec<Where> {
        let Some(board) = &self.0 else {
            return Vec::new();
        };
        board
            .slots
            .iter()
            .map(|slot| {
                let doing = slot.doing.load(Acquire);
                let done = slot.done.load(Relaxed);
                match (doing, Op::from_code(doing)) {
                    (FINISHED, _) => Where::Finished { done },
                    (_, Some(op)) => Where::In { op, done },
                    _ => Where::Between { done },
                }
            })
            .collect()
    }

    /// Runs `release` when the run is abandoned (at once if it already is):
    /// what wakes the driver's blocked threads, as closing a queue.
    pub fn on_abandon(&self, release: impl Fn() + Send + Sync + 'static) {
        if let Some(board) = &self.0 {
            if board.abandoned.load(Acquire) {
                release();
                return;
            }
            let mut releases = board
                .releases
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            releases.push(Box::new(release));
        }
    }

    /// Gives up on the run: spinners unwind, release hooks run.
    pub fn abandon(&self) {
        if let Some(board) = &self.0 {
            board.abandoned.store(true, Release);
            let releases = board
                .releases
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            for release in releases.iter() {
                release();
            }
        }
    }

    /// Has the watchdog given up on the run?
    pub fn abandoned(&self) -> bool {
        self.0.as_ref().is_some_and(|b| b.abandoned.load(Acquire))
    }
}

/// One worker's handle on its record.
pub struct Tracker {
    board: Option<Arc<Board>>,
    index: usize,
}

impl Tracker {
    fn slot(&self) -> Option<&Slot> {
        self.board.as_ref().map(|b| &b.slots[self.index])
    }

    /// The worker calls `op`.
    pub fn call(&self, op: Op) {
        if let Some(slot) = self.slot() {
            slot.doing.store(op as usize, Release);
        }
    }

    /// The operation called last returned.
    pub fn ret(&self) {
        if let Some(slot) = self.slot() {
            // Only this worker writes its slot: a load and a store, no RMW.
            slot.done.store(slot.done.load(Relaxed) + 1, Relaxed);
            slot.doing.store(IDLE, Release);
        }
    }

    /// Runs `f` as operation `op`.
    pub fn run<R>(&self, op: Op, f: impl FnOnce() -> R) -> R {
        self.call(op);
        let result = f();
        self.ret();
        result
    }
}

impl Drop for Tracker {
    fn drop(&mut self) {
        if let Some(slot) = self.slot() {
            slot.doing.store(FINISHED, Release);
            // The thread no longer works for this run: a later spin of its
            // own must not unwind because this run was abandoned.
            WATCHED.with(|w| {
                let mut watched = w.borrow_mut();
                if watched
                    .as_ref()
                    .zip(self.board.as_ref())
                    .is_some_and(|(a, b)| Arc::ptr_eq(a, b))
                {
                    *watched = None;
                }
            });
        }
    }
}
