//! Thread lock strategies, one file each.
//!
//! A strategy is a way to make a section of code exclusive, apart from the
//! data it guards (as in `lock_api`): the models in [`crate::model`] keep
//! their state in atomic words and call [`Lock::exclusive`] around each
//! read-modify-write. The broken strategies are deliberately broken: each
//! says how it fails and the checker proves it does.
//!
//! Correct:
//! 1. [`MutexLock`] - the backend's mutex (`std::sync::Mutex`).
//! 2. [`SpinLock`] - test-and-test-and-set, Acquire on lock, Release on unlock.
//! 3. [`TicketLock`] - FIFO-fair: take a number, wait for it to be served.
//! 4. [`RwLockStrategy`] - readers-writer lock: writers exclusive, searches shared.
//! 5. [`Semaphore1`] - a counting semaphore with one permit.
//!
//! A user's own lock in `lock_api`'s shape (lock, try_lock, unlock) is a
//! [`RawLock`]; [`Raw`] makes it a `Lock` (see [`crate::verify`]).
//!
//! Broken:
//! 6. [`NoLock`] - nothing at all: the read and the write are two steps.
//! 7. [`RelaxedSpinLock`] - the spin lock with Relaxed orderings: excludes,
//!    but publishes nothing, so the next holder may read a stale value.
//! 8. [`Semaphore2`] - two permits bound concurrency to two; that is not
//!    mutual exclusion.

mod locked;
mod mutex;
mod none;
mod raw;
mod rwlock;
mod semaphore;
mod spin;
mod spin_relaxed;
mod ticket;

pub use locked::Locked;
pub use mutex::MutexLock;
pub use none::NoLock;
pub use raw::{Raw, RawLock};
pub use rwlock::RwLockStrategy;
pub use semaphore::{Semaphore, Semaphore1, Semaphore2};
pub use spin::SpinLock;
pub use spin_relaxed::RelaxedSpinLock;
pub use ticket::TicketLock;

use crate::sync::Backend;

/// A way to run a closure exclusively (or, for a broken strategy, not).
pub trait Lock<B: Backend>: Send + Sync + 'static {
    /// The name the checker and the trace use.
    const NAME: &'static str;

    /// An unlocked lock.
    fn new() -> Self;

    /// Runs `f` while holding the lock exclusively. The lock is released when
    /// `f` returns or unwinds.
    fn exclusive<R>(&self, f: impl FnOnce() -> R) -> R;

    /// Runs `f` as a reader. Only a readers-writer lock takes anything here:
    /// for every other strategy a read-only snapshot takes no lock at all,
    /// so a search never waits behind a buy.
    fn shared<R>(&self, f: impl FnOnce() -> R) -> R {
        f()
    }
}

/// Marker for the strategies that really give mutual exclusion with
/// happens-before from each unlock to the next lock.
///
/// # Safety
/// While [`Lock::exclusive`] runs a closure, no other `exclusive` closure of
/// the same lock runs, and everything the previous holder wrote is visible.
/// [`Locked`] relies on it to hand out `&mut T`.
pub unsafe trait MutualExclusion<B: Backend>: Lock<B> {}

/// Calls `unlock` when dropped, so a lock is released even if the critical
/// section unwinds.
pub(crate) struct OnDrop<F: FnMut()>(pub(crate) F);

impl<F: FnMut()> Drop for OnDrop<F> {
    fn drop(&mut self) {
        (self.0)()
    }
}
