use super::{Lock, MutualExclusion};
use crate::sync::{Backend, RwLock};

/// A readers-writer lock (`std::sync::RwLock`). Correct: writers (a buy, an
/// increment) are exclusive; readers (a search) share the lock with each
/// other, so searches run concurrently and never see a half-done buy.
pub struct RwLockStrategy<B: Backend>(RwLock<B, ()>);

impl<B: Backend> Lock<B> for RwLockStrategy<B> {
    const NAME: &'static str = "rwlock";

    fn new() -> Self {
        RwLockStrategy(RwLock::new(()))
    }

    fn exclusive<R>(&self, f: impl FnOnce() -> R) -> R {
        let _writer = self.0.write();
        f()
    }

    fn shared<R>(&self, f: impl FnOnce() -> R) -> R {
        let _reader = self.0.read();
        f()
    }
}

// SAFETY: a write guard excludes every other guard; unlock happens-before
// the next lock.
unsafe impl<B: Backend> MutualExclusion<B> for RwLockStrategy<B> {}
