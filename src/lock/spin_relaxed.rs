use super::spin::{LOCKED, UNLOCKED};
use super::{Lock, OnDrop};
use crate::sync::{AtomicWord, Backend, Ordering::*};

/// The spin lock with every ordering Relaxed. Broken: the exchange still admits
/// one holder at a time, but the unlock publishes nothing, so the next
/// holder may read a stale value and write it back: a lost update with the
/// lock "held". Loom finds it at once. On x86-64 the hardware orders these
/// accesses anyway (TSO), so real threads there usually show nothing: the
/// bug is real on ARM and in the compiler's freedom to reorder.
pub struct RelaxedSpinLock<B: Backend> {
    /// [`UNLOCKED`] or [`LOCKED`].
    state: B::AtomicUsize,
}

impl<B: Backend> Lock<B> for RelaxedSpinLock<B> {
    const NAME: &'static str = "spin-relaxed";

    fn new() -> Self {
        RelaxedSpinLock {
            state: B::AtomicUsize::new(UNLOCKED),
        }
    }

    fn exclusive<R>(&self, f: impl FnOnce() -> R) -> R {
        let mut spins = 0;
        while self
            .state
            .compare_exchange(UNLOCKED, LOCKED, Relaxed, Relaxed)
            .is_err()
        {
            B::spin_hint(spins);
            spins += 1;
        }
        let _unlock = OnDrop(|| self.state.store(UNLOCKED, Relaxed));
        f()
    }
}
