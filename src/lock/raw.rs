use super::{Lock, OnDrop};
use crate::sync::Backend;

/// A lock in `lock_api`'s raw shape: `lock`, `try_lock` and a separate
/// `unlock`, no data inside. This is the shape a user's own lock usually
/// has, and the one in which a bug can sit *after* the unlock (a write
/// made once the lock is given back). [`Raw`] makes any `RawLock` a
/// [`Lock`], so it can guard every model ([`crate::model`]) and plain data
/// ([`super::Locked`]).
///
/// Nothing here is `unsafe` to implement: racelab checks the claim a
/// `lock_api::RawMutex` makes (one holder at a time, each unlock
/// happens-before the next lock) rather than trusting it.
///
/// ```
/// use racelab::lock::RawLock;
/// use racelab::sync::{AtomicFlag, Backend, Ordering::*};
///
/// /// Test-and-set: correct.
/// pub struct Tas<B: Backend>(B::AtomicBool);
///
/// impl<B: Backend> RawLock<B> for Tas<B> {
///     const NAME: &'static str = "tas";
///     fn new() -> Self {
///         Tas(B::AtomicBool::new(false))
///     }
///     fn try_lock(&self) -> bool {
///         !self.0.swap(true, Acquire)
///     }
///     fn unlock(&self) {
///         self.0.store(false, Release)
///     }
/// }
/// ```
pub trait RawLock<B: Backend>: Send + Sync + 'static {
    /// The lock's name in reports and traces.
    const NAME: &'static str;

    /// An unlocked lock.
    fn new() -> Self;

    /// Takes the lock if it is free now; true if it did.
    fn try_lock(&self) -> bool;

    /// Blocks until the lock is taken. The default spins on
    /// [`try_lock`](Self::try_lock), calling the facade's spin hint between
    /// tries (which every backend needs: see [`Backend::spin_hint`]).
    fn lock(&self) {
        let mut spins = 0;
        while !self.try_lock() {
            B::spin_hint(spins);
            spins = spins.saturating_add(1);
        }
    }

    /// Gives the lock back. Called only by the thread that holds it.
    fn unlock(&self);
}

/// A [`RawLock`] as a [`Lock`]: `exclusive(f)` is `lock(); f(); unlock()`,
/// the unlock made even when `f` unwinds.
pub struct Raw<L>(L);

impl<L> Raw<L> {
    /// The raw lock inside.
    pub fn raw(&self) -> &L {
        &self.0
    }
}

impl<B: Backend, L: RawLock<B>> Lock<B> for Raw<L> {
    const NAME: &'static str = L::NAME;

    fn new() -> Self {
        Raw(L::new())
    }

    fn exclusive<R>(&self, f: impl FnOnce() -> R) -> R {
        self.0.lock();
        let _unlock = OnDrop(|| self.0.unlock());
        f()
    }
}
