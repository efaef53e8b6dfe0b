//! Process lock strategies, one file each.
//!
//! A process lock guards a critical section shared by separate processes:
//! its state lives where every worker can reach it, in the kernel (a file
//! lock) or in the shared [`Region`](super::region::Region). Each file holds
//! everything about its lock: the code, and its [`Facts`](super::Facts) (its
//! name, the verdict it must get, and what happens when its holder is
//! killed with SIGKILL, [`KillOutcome`](super::KillOutcome), which
//! `tests/process_kill.rs` proves). The models' process forms take any of
//! them as a `dyn` [`ProcessLock`] and never ask which one they have.
//!
//! Correct:
//! 1. [`FlockLock`] - `flock(2)`, a fresh descriptor per worker.
//! 2. [`RecordLock<Ofd>`] - an open-file-description record lock (`F_OFD_SETLK`).
//! 3. [`RecordLock<Classic>`] - the classic POSIX record lock (`F_SETLK`), with its
//!    trap: closing *any* descriptor of the file drops it.
//! 4. [`LockFile`] - `open(O_CREAT | O_EXCL)` a lock file; unlink to release.
//! 5. [`RobustMutex`] - a process-shared, robust pthread mutex.
//! 6. [`SemaphoreLock<1>`] - a process-shared POSIX semaphore, one permit.
//! 7. [`ShmSpinLock`] - a compare-exchange spin lock on a shared word.
//!
//! Broken:
//! 8. [`Unlocked`] - nothing: the read and the write are two steps.
//! 9. [`SemaphoreLock<2>`] - two permits bound concurrency, do not exclude.
//! 10. [`InheritedFlock`] - flock on a descriptor opened *before* the fork:
//!     every worker shares one open file description, and the lock belongs
//!     to it, so it excludes nobody.
//!
//! The lock-free strategy ([`super::lockfree`]) and the server process
//! ([`super::server`]) take no lock at all.

mod fcntl;
mod flock;
mod inherited;
mod lockfile;
mod none;
mod ofd;
pub(crate) mod robust;
mod semaphore;
mod spin;

pub use fcntl::{Classic, RecordKind, RecordLock};
pub use flock::FlockLock;
pub use inherited::InheritedFlock;
pub use lockfile::LockFile;
pub use none::Unlocked;
pub use ofd::Ofd;
pub use robust::RobustMutex;
pub use semaphore::SemaphoreLock;
pub use spin::ShmSpinLock;

use crate::os::poll::{Nap, try_poll_until};
use std::time::Duration;

/// A lock between processes. Built in the parent before the fork; each
/// worker calls [`attach`](ProcessLock::attach) after it.
pub trait ProcessLock {
    /// In the worker, after the fork: open again what must belong to one
    /// process (a lock file's descriptor).
    fn attach(&mut self) -> std::io::Result<()> {
        Ok(())
    }

    /// Takes the lock, waiting at most `within`.
    fn acquire(&mut self, within: Duration) -> Result<Acquired, LockError>;

    /// Gives the lock back.
    fn release(&mut self);

    /// After [`Acquired::OwnerDied`] and a repair: the state is sound again.
    fn mark_consistent(&mut self) {}

    /// For a lock that counts permits (a semaphore): how many are free
    /// now, of how many. After a holder died, fewer than all: its permit
    /// went with it.
    fn permits(&self) -> Option<(i32, u32)> {
        None
    }
}

/// How the lock was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Acquired {
    /// Taken from a holder that released it (or from nobody).
    Clean,
    /// The previous holder died holding it (robust mutex): repair the state,
    /// then call [`ProcessLock::mark_consistent`].
    OwnerDied,
}

/// Why the lock was not taken.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum LockError {
    /// Still held at the deadline; by this pid, when the lock knows it.
    Stuck {
        /// The holder's pid, if the lock records it.
        holder: Option<i32>,
    },
    /// A lock file outlived its holder.
    Stale {
        /// The pid the lock file names, if it holds one.
        holder: Option<i32>,
    },
    /// A robust mutex unlocked without being marked consistent.
    NotRecoverable,
    /// A system call failed; its error, in words.
    Os(String),
}

impl std::fmt::Display for LockError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let by = |h: &Option<i32>| h.map_or(String::new(), |p| format!(" by pid {p}"));
        match self {
            LockError::Stuck { holder } => {
                write!(f, "lock still held{} at the deadline", by(holder))
            }
            LockError::Stale { holder } => write!(f, "stale lock file left{}", by(holder)),
            LockError::NotRecoverable => f.write_str("robust mutex not recoverable"),
            LockError::Os(e) => write!(f, "lock error: {e}"),
        }
    }
}

/// Runs `f` holding `lock`; if the last holder died in its critical
/// section, runs `repair` first. The lock is released when `f` returns.
pub fn exclusive<R>(
    lock: &mut dyn ProcessLock,
    within: Duration,
    repair: impl FnOnce(),
    f: impl FnOnce() -> R,
) -> Result<R, LockError> {
    use crate::os::progress::{Step, enter, finish};
    enter(Step::Locking);
    if lock.acquire(within)? == Acquired::OwnerDied {
        enter(Step::Critical);
        repair();
        lock.mark_consistent();
    }
    enter(Step::Critical);
    let result = f();
    lock.release();
    finish();
    Ok(result)
}

/// `acquire` for a lock with no holder to name: poll `attempt` until it
/// takes the lock ([`Acquired::Clean`]) or `within` passes (stuck).
pub(crate) fn acquire_by_polling(
    within: Duration,
    attempt: impl FnMut() -> Result<bool, LockError>,
) -> Result<Acquired, LockError> {
    if try_poll_until(within, Nap::STEADY, attempt)? {
        Ok(Acquired::Clean)
    } else {
        Err(LockError::Stuck { holder: None })
    }
}

/// An absolute CLOCK_REALTIME time `within` from now, for the pthread and
/// semaphore timed waits.
pub(crate) fn realtime_deadline(within: Duration) -> libc::timespec {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is a valid, writable timespec.
    unsafe { libc::clock_gettime(libc::CLOCK_REALTIME, &mut now) };
    let within = within.min(crate::os::LONGEST_WAIT);
    let nanos = now.tv_nsec as u64 + u64::from(within.subsec_nanos());
    libc::timespec {
        tv_sec: now.tv_sec
            + within.as_secs() as libc::time_t
            + (nanos / 1_000_000_000) as libc::time_t,
        tv_nsec: (nanos % 1_000_000_000) as libc::c_long,
    }
}
