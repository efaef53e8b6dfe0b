use super::{Lock, MutualExclusion};
use crate::sync::{Backend, Mutex};

/// The backend's own mutex (a futex-based `std::sync::Mutex` on Linux).
/// Correct: the reference every other strategy is compared with.
pub struct MutexLock<B: Backend>(Mutex<B, ()>);

impl<B: Backend> Lock<B> for MutexLock<B> {
    const NAME: &'static str = "mutex";

    fn new() -> Self {
        MutexLock(Mutex::new(()))
    }

    fn exclusive<R>(&self, f: impl FnOnce() -> R) -> R {
        let _guard = self.0.lock();
        f()
    }
}

// SAFETY: a mutex admits one guard at a time, and its unlock happens-before
// the next lock.
unsafe impl<B: Backend> MutualExclusion<B> for MutexLock<B> {}
