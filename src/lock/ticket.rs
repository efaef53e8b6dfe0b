use super::{Lock, MutualExclusion, OnDrop};
use crate::sync::{AtomicWord, Backend, Ordering::*};

/// A ticket lock: take a number, wait until it is served. Correct and
/// FIFO-fair: threads enter in the order they took their tickets, so none
/// starves (unlike a spin lock, where the fastest core keeps winning).
pub struct TicketLock<B: Backend> {
    /// The next number to hand out.
    next: B::AtomicUsize,
    /// The number now allowed in. Release on unlock, Acquire on entry.
    serving: B::AtomicUsize,
}

impl<B: Backend> Lock<B> for TicketLock<B> {
    const NAME: &'static str = "ticket";

    fn new() -> Self {
        TicketLock {
            next: B::AtomicUsize::new(0),
            serving: B::AtomicUsize::new(0),
        }
    }

    fn exclusive<R>(&self, f: impl FnOnce() -> R) -> R {
        let mine = self.next.fetch_add(1, Relaxed);
        let mut spins = 0;
        while self.serving.load(Acquire) != mine {
            B::spin_hint(spins);
            spins += 1;
        }
        let _unlock = OnDrop(|| self.serving.store(mine.wrapping_add(1), Release));
        f()
    }
}

// SAFETY: only the holder of number `serving` runs; it hands over with a
// Release store that the next holder's Acquire load reads.
unsafe impl<B: Backend> MutualExclusion<B> for TicketLock<B> {}
