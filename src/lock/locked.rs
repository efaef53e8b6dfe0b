use super::{Lock, MutualExclusion};
use crate::sync::Backend;
use std::marker::PhantomData;

/// Data guarded by a lock strategy, as `lock_api::Mutex<R, T>`: the lock
/// apart from the data, one generic guarded type.
///
/// ```
/// use racelab::lock::{Locked, TicketLock};
/// use racelab::sync::Std;
/// let names: Locked<Std, TicketLock<Std>, Vec<&str>> = Locked::new(vec![]);
/// names.with(|v| v.push("ada"));
/// assert_eq!(names.with(|v| v.len()), 1);
/// ```
pub struct Locked<B: Backend, L: Lock<B>, T> {
    lock: L,
    data: B::UnsafeCell<T>,
    _backend: PhantomData<B>,
}

// SAFETY: the data is reached only through `with`, inside the lock's
// exclusive section; moving `T` between threads needs `T: Send`.
unsafe impl<B: Backend, L: Lock<B>, T: Send> Sync for Locked<B, L, T> {}
// SAFETY: owning a `Locked` owns the `T`.
unsafe impl<B: Backend, L: Lock<B>, T: Send> Send for Locked<B, L, T> {}

impl<B: Backend, L: MutualExclusion<B>, T> Locked<B, L, T> {
    /// Guards `value` with a strategy that gives mutual exclusion.
    pub fn new(value: T) -> Self {
        // SAFETY: `L: MutualExclusion` is the contract `new_unchecked` needs.
        unsafe { Self::new_unchecked(value) }
    }
}

impl<B: Backend, L: Lock<B>, T> Locked<B, L, T> {
    /// Guards `value` with any strategy, broken ones included.
    ///
    /// # Safety
    /// `L` must give mutual exclusion, or `B` must be loom, whose cell tracks
    /// every access and reports a race as a "Causality violation" panic
    /// instead of letting it happen. That is how the negative controls show a
    /// broken lock racing on plain data.
    pub unsafe fn new_unchecked(value: T) -> Self {
        Locked {
            lock: L::new(),
            data: B::new_cell(value),
            _backend: PhantomData,
        }
    }

    /// Runs `f` on the data inside the lock.
    pub fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        self.lock.exclusive(|| {
            B::cell_with_mut(&self.data, |ptr| {
                // SAFETY: we are inside the exclusive section, and the
                // constructor's contract makes that exclusive (or tracked).
                f(unsafe { &mut *ptr })
            })
        })
    }
}
