//! The processes tier: real processes (fork), shared state in a file or a
//! shared memory mapping, locks from the kernel or in shared memory.
//!
//! Processes share no memory (`scenario::child_write_is_invisible`): state
//! two workers both change must live where both reach it.
//! - [`filedb`]: the JSON ticket database of docs/scenarios.md §7, written
//!   atomically.
//! - [`region`]: a `MAP_SHARED` mapping holding the counter and the shared
//!   ticket office as atomic words, read and written as separate steps.
//! - [`server`]: a process that owns the state and answers requests over a
//!   Unix socket (the manager design of docs/scenarios.md §1).
//!
//! The strategies, one file each, each stating its own facts
//! ([`strategy::Facts`]) beside its code: the locks in [`lock`], the
//! lock-free atomics in [`lockfree`], the server in [`server`];
//! [`Strategy`] lists them. [`counter`] and [`tickets`] run the two models
//! over any strategy's form (a `dyn` lock, or the strategy's own form) and
//! never ask which one they have; they check them with the same
//! [`crate::check`] invariants as every other tier; [`kill`] kills a worker
//! holding the lock and reports what became of the lock. [`queue`] is the
//! third model, the queue across processes.
//!
//! [`crew`](crate::os::crew) forks the workers behind a start barrier and collects their
//! results; [`progress`](crate::os::progress) is where each worker records its step and its
//! completed operations, so the parent calls a run stuck once none
//! completed for a stated time (a hang, with where each worker was) rather
//! than waiting out a fixed deadline, and keeps each worker's last steps,
//! which [`trace`] prints under every violation a round found (one block
//! per worker); [`failure`] sorts what went wrong,
//! by type, into a violation or an inconclusive run (one that could not be
//! set up is never a verdict on the code); [`window`](crate::os::window) holds a race window
//! open in shared memory so that a broken strategy fails every run.

pub mod counter;
pub mod failure;
pub mod filedb;
pub mod kill;
pub mod lock;
pub mod lockfree;
pub mod queue;
pub mod region;
pub mod server;
pub mod strategy;
pub mod tickets;
pub mod trace;

pub use kill::kill_check;
pub use strategy::{
    Descriptor, Expectation, Expected, Facts, KillOutcome, ProcessForm, ProcessLockImpl, Site,
    Strategy, lock_form,
};

use crate::os::window::Window;
use filedb::FileDb;
use region::RegionWords;
use serde::Serialize;
use std::time::{Duration, Instant};
use tickets::books::Books;

/// How hard to push.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProcessConfig {
    /// Repeat up to this many times; stop at the first violation.
    pub rounds: u32,
    /// How long the race window waits for the other workers.
    pub hold: Duration,
    /// How long a worker waits for a lock before reporting it stuck.
    pub lock_within: Duration,
    /// How long a round may take before its workers are killed.
    pub deadline: Duration,
    /// How long a search and a buy each take, as a database query would
    /// (zero for the checks; the join-versus-lock comparison sets it).
    pub work: Duration,
    /// Where the locked strategies keep the ticket office.
    pub store: Store,
}

/// Where a locked strategy keeps the ticket office. (The lock-free
/// strategy always uses shared memory, the server its own memory.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Store {
    /// The JSON database file of docs/scenarios.md §7, written by temporary
    /// file + rename.
    File,
    /// The shared region's words: the count and the seats, each read and
    /// written as separate steps under the lock.
    Memory,
}

impl Store {
    /// The store named `name` (`file` or `memory`), if any.
    pub fn parse(name: &str) -> Option<Store> {
        match name {
            "file" => Some(Store::File),
            "memory" => Some(Store::Memory),
            _ => None,
        }
    }

    /// The books this store keeps: the database file, or the region's words.
    pub(crate) fn books<'a>(self, db: &'a FileDb, shared: &'a RegionWords) -> &'a dyn Books {
        match self {
            Store::File => db,
            Store::Memory => shared,
        }
    }
}

impl Default for ProcessConfig {
    fn default() -> Self {
        ProcessConfig {
            rounds: 1,
            hold: Duration::from_millis(300),
            lock_within: Duration::from_secs(10),
            deadline: Duration::from_secs(30),
            work: Duration::ZERO,
            store: Store::File,
        }
    }
}

/// How one round paces its workers: the race window every form passes
/// between its read and its write, and the bounds from the config.
pub(crate) struct Pace<'a> {
    window: Window,
    /// Where the window keeps its state.
    shared: &'a RegionWords,
    /// How long a worker waits for a lock before reporting it stuck.
    pub lock_within: Duration,
    /// How long a search and a buy each take.
    pub work: Duration,
    /// When the round began (the buyers' logs count from it).
    pub epoch: Instant,
}

impl<'a> Pace<'a> {
    /// The pace for `parties` workers under `config`, its window in
    /// `shared`, counted from now.
    pub fn new(parties: usize, config: &ProcessConfig, shared: &'a RegionWords) -> Pace<'a> {
        Pace {
            window: Window {
                parties: parties as u32,
                hold: config.hold,
            },
            shared,
            lock_within: config.lock_within,
            work: config.work,
            epoch: Instant::now(),
        }
    }

    /// Waits in the race window (see [`Window`]).
    pub fn pass_window(&self) {
        self.window.pass(self.shared);
    }

    /// Microseconds since the round began.
    pub fn micros(&self) -> u64 {
        self.epoch.elapsed().as_micros() as u64
    }
}

/// A step of a run's setup that failed in the parent (the environment's
/// failure, never the code's): what it was, and why.
#[derive(Debug)]
pub(crate) struct SetupError {
    pub what: &'static str,
    pub why: String,
}

impl SetupError {
    pub fn new(what: &'static str, why: impl std::fmt::Display) -> SetupError {
        SetupError {
            what,
            why: why.to_string(),
        }
    }
}

impl From<SetupError> for failure::RunError {
    fn from(e: SetupError) -> Self {
        failure::RunError::setup(e.what, e.why)
    }
}
