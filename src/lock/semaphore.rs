use super::{Lock, MutualExclusion, OnDrop};
use crate::sync::{Backend, Condvar, Mutex};

/// A counting semaphore with `PERMITS` permits, built from a mutex and a
/// condition variable (std has none).
///
/// With one permit it is a mutex: correct. With two it bounds concurrency to
/// two, which is not mutual exclusion: two holders read the same value and
/// one update is lost ([`Semaphore2`]: the "at most 2 writers" semaphore of
/// docs/scenarios.md §5, and the first of its "Pitfalls").
pub struct Semaphore<B: Backend, const PERMITS: usize> {
    /// Permits left.
    permits: Mutex<B, usize>,
    released: Condvar<B>,
}

/// One permit: mutual exclusion. Correct.
pub type Semaphore1<B> = Semaphore<B, 1>;
/// Two permits: two holders at once. Broken.
pub type Semaphore2<B> = Semaphore<B, 2>;

impl<B: Backend, const PERMITS: usize> Semaphore<B, PERMITS> {
    /// Takes a permit, blocking while none is left.
    pub fn acquire(&self) {
        let mut permits = self.permits.lock();
        while *permits == 0 {
            permits = self.released.wait(permits);
        }
        *permits -= 1;
    }

    /// Gives a permit back and wakes one thread waiting for it.
    pub fn release(&self) {
        *self.permits.lock() += 1;
        self.released.notify_one();
    }
}

impl<B: Backend, const PERMITS: usize> Lock<B> for Semaphore<B, PERMITS> {
    const NAME: &'static str = match PERMITS {
        1 => "semaphore-1",
        2 => "semaphore-2",
        _ => "semaphore-n",
    };

    fn new() -> Self {
        Semaphore {
            permits: Mutex::new(PERMITS),
            released: Condvar::new(),
        }
    }

    fn exclusive<R>(&self, f: impl FnOnce() -> R) -> R {
        self.acquire();
        let _release = OnDrop(|| self.release());
        f()
    }
}

// SAFETY: with one permit at most one holder exists; the permit count is
// handed over under the inner mutex, which orders the sections.
unsafe impl<B: Backend> MutualExclusion<B> for Semaphore<B, 1> {}
