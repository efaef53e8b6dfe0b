use super::{Lock, MutualExclusion, OnDrop};
use crate::sync::{AtomicWord, Backend, Ordering::*};

/// A spin lock on one word: compare-exchange UNLOCKED -> LOCKED until it
/// succeeds, backing off between tries. (A failed exchange stores nothing,
/// so loom does not take a waiter's retries for progress; a `swap` loop
/// runs loom out of branches.) Correct: the Acquire exchange that takes the
/// lock synchronises with the Release store that freed it, so the holder
/// sees everything the previous holder wrote.
pub struct SpinLock<B: Backend> {
    /// [`UNLOCKED`] or [`LOCKED`].
    state: B::AtomicUsize,
}

/// Nobody holds the lock.
pub const UNLOCKED: usize = 0;
/// Somebody holds the lock.
pub const LOCKED: usize = 1;

impl<B: Backend> Lock<B> for SpinLock<B> {
    const NAME: &'static str = "spin";

    fn new() -> Self {
        SpinLock {
            state: B::AtomicUsize::new(UNLOCKED),
        }
    }

    fn exclusive<R>(&self, f: impl FnOnce() -> R) -> R {
        let mut spins = 0;
        while self
            .state
            .compare_exchange(UNLOCKED, LOCKED, Acquire, Relaxed)
            .is_err()
        {
            B::spin_hint(spins);
            spins += 1;
        }
        let _unlock = OnDrop(|| self.state.store(UNLOCKED, Release));
        f()
    }
}

// SAFETY: the exchange admits one holder; Release/Acquire orders the sections.
unsafe impl<B: Backend> MutualExclusion<B> for SpinLock<B> {}
