//! The processes tier: real processes (fork), shared state in a file or a
//! shared memory mapping, locks from the kernel or in shared memory.
//!
//! Processes share no memory (`scenario::child_write_is_invisible`): state
//! two workers both change must live where both reach it.
//! - [`filedb`]: the lessons' JSON ticket database, written atomically.
//! - [`region`]: a `MAP_SHARED` mapping holding the counter and the shared
//!   ticket office as atomic words, read and written as separate steps.
//! - [`server`]: a process that owns the state and answers requests over a
//!   Unix socket (the lessons' `Manager`).
//!
//! [`crew`](crate::os::crew) forks the workers behind a start barrier and collects their
//! results; [`progress`](crate::os::progress) is where each worker records its step and its
//! completed operations, so the parent calls a run stuck once none
//! completed for a stated time (a hang, with where each worker was) rather
//! than waiting out a fixed deadline; [`failure`] sorts what went wrong,
//! by type, into a violation or an inconclusive run (one that could not be
//! set up is never a verdict on the code); [`window`](crate::os::window) holds a race window
//! open in shared memory so that a broken strategy fails every run. [`counter`] and
//! [`tickets`] run the two models and check them with the same
//! [`crate::check`] invariants as every other tier; [`kill`] kills a worker
//! holding the lock and reports what became of the lock.

pub mod counter;
pub mod failure;
pub mod filedb;
pub mod kill;
pub mod lock;
pub mod lockfree;
pub mod queue;
pub mod region;
pub mod server;
pub mod tickets;

use crate::os::arena::Arena;
use lock::ProcessLock;
use region::Region;
use serde::Serialize;
use std::time::Duration;

/// The process strategies, by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Strategy {
    Flock,
    Ofd,
    Fcntl,
    LockFile,
    RobustMutex,
    Semaphore1,
    Spin,
    Atomic,
    Server,
    None,
    Semaphore2,
    InheritedFlock,
}

/// What becomes of the lock when its holder is killed with SIGKILL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum KillOutcome {
    /// The kernel released it with the dead process's descriptors.
    Released,
    /// The next holder was told the owner died, repaired the state and
    /// marked the lock consistent.
    Recovered,
    /// Still held by the dead worker at the deadline.
    Stuck,
    /// A lock file naming a dead pid stays behind.
    Stale,
    /// The dead worker's permit is gone; the others still work.
    Leaked,
    /// Nothing held anything (no lock, lock-free, a server, or a lock that
    /// excluded nobody in the first place).
    Unaffected,
}

impl Strategy {
    pub const ALL: [Strategy; 12] = [
        Strategy::Flock,
        Strategy::Ofd,
        Strategy::Fcntl,
        Strategy::LockFile,
        Strategy::RobustMutex,
        Strategy::Semaphore1,
        Strategy::Spin,
        Strategy::Atomic,
        Strategy::Server,
        Strategy::None,
        Strategy::Semaphore2,
        Strategy::InheritedFlock,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Strategy::Flock => "flock",
            Strategy::Ofd => "ofd",
            Strategy::Fcntl => "fcntl",
            Strategy::LockFile => "lockfile",
            Strategy::RobustMutex => "robust-mutex",
            Strategy::Semaphore1 => "semaphore-1",
            Strategy::Spin => "spin",
            Strategy::Atomic => "atomic",
            Strategy::Server => "server",
            Strategy::None => "none",
            Strategy::Semaphore2 => "semaphore-2",
            Strategy::InheritedFlock => "inherited-flock",
        }
    }

    pub fn parse(name: &str) -> Option<Strategy> {
        Strategy::ALL.into_iter().find(|s| s.name() == name)
    }

    /// Does it keep the state correct?
    pub fn correct(self) -> bool {
        !matches!(
            self,
            Strategy::None | Strategy::Semaphore2 | Strategy::InheritedFlock
        )
    }

    pub fn summary(self) -> &'static str {
        match self {
            Strategy::Flock => "flock(2) on a lock file opened by each worker",
            Strategy::Ofd => "open-file-description record lock (F_OFD_SETLK)",
            Strategy::Fcntl => "classic fcntl record lock (F_SETLK)",
            Strategy::LockFile => "O_CREAT|O_EXCL lock file, unlinked to release",
            Strategy::RobustMutex => "robust process-shared pthread mutex in shared memory",
            Strategy::Semaphore1 => "process-shared semaphore, 1 permit",
            Strategy::Spin => "spin lock on a shared memory word",
            Strategy::Atomic => "lock-free fetch_add / compare-exchange in shared memory",
            Strategy::Server => "a server process owns the state (Unix socket)",
            Strategy::None => "no lock: read, then write",
            Strategy::Semaphore2 => "process-shared semaphore, 2 permits",
            Strategy::InheritedFlock => "flock on a descriptor opened before the fork",
        }
    }

    /// The documented kill -9 outcome (see each strategy's file).
    pub fn kill_outcome(self) -> KillOutcome {
        match self {
            Strategy::Flock | Strategy::Ofd | Strategy::Fcntl => KillOutcome::Released,
            Strategy::RobustMutex => KillOutcome::Recovered,
            Strategy::Semaphore1 | Strategy::Spin => KillOutcome::Stuck,
            Strategy::LockFile => KillOutcome::Stale,
            Strategy::Semaphore2 => KillOutcome::Leaked,
            Strategy::Atomic | Strategy::Server | Strategy::None | Strategy::InheritedFlock => {
                KillOutcome::Unaffected
            }
        }
    }

    /// Where the strategy keeps the ticket office.
    pub(crate) fn access<'a>(
        self,
        arena: &Arena,
        region: &'a Region,
    ) -> std::io::Result<Access<'a>> {
        let shared = region.shared();
        let lock_path = arena.file("lock");
        let lock: Box<dyn ProcessLock + 'a> = match self {
            Strategy::Atomic => return Ok(Access::LockFree),
            Strategy::Server => return Ok(Access::Server),
            Strategy::Flock => Box::new(lock::FlockLock::new(lock_path)?),
            Strategy::Ofd => Box::new(lock::RecordLock::ofd(lock_path)?),
            Strategy::Fcntl => Box::new(lock::RecordLock::classic(lock_path)?),
            Strategy::LockFile => Box::new(lock::LockFile::new(lock_path)),
            Strategy::RobustMutex => Box::new(lock::RobustMutex::new(shared)?),
            Strategy::Semaphore1 => Box::new(lock::SemaphoreLock::new(shared, 1)?),
            Strategy::Semaphore2 => Box::new(lock::SemaphoreLock::new(shared, 2)?),
            Strategy::Spin => Box::new(lock::SpinLock::new(shared)),
            Strategy::None => Box::new(lock::NoLock),
            Strategy::InheritedFlock => Box::new(lock::InheritedFlock::new(lock_path)?),
        };
        Ok(Access::Locked(lock))
    }
}

impl std::fmt::Display for Strategy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// How a worker reaches the state.
pub(crate) enum Access<'a> {
    Locked(Box<dyn ProcessLock + 'a>),
    LockFree,
    Server,
}

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
    /// The lessons' JSON database file, written by temporary file + rename.
    File,
    /// The shared region's words: the count and the seats, each read and
    /// written as separate steps under the lock.
    Memory,
}

impl Store {
    pub fn parse(name: &str) -> Option<Store> {
        match name {
            "file" => Some(Store::File),
            "memory" => Some(Store::Memory),
            _ => None,
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
