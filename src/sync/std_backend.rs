//! The real thing: `std::sync` and `std::thread`.

use super::{AtomicWord, Backend, Ordering};
use std::cell::Cell;
use std::sync::PoisonError;
use std::sync::atomic::{AtomicI64, AtomicUsize};
use std::time::Duration;

/// The payload of the panic [`Std`]'s spawn raises when the system refuses
/// a thread (the reason inside): the run could not be set up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpawnFailed(pub String);

/// Real threads and the standard library's primitives.
#[derive(Debug, Clone, Copy, Default)]
pub struct Std;

macro_rules! atomic_word {
    ($atomic:ty, $value:ty) => {
        impl AtomicWord<$value> for $atomic {
            fn new(value: $value) -> Self {
                <$atomic>::new(value)
            }
            fn load(&self, order: Ordering) -> $value {
                <$atomic>::load(self, order)
            }
            fn store(&self, value: $value, order: Ordering) {
                <$atomic>::store(self, value, order)
            }
            fn swap(&self, value: $value, order: Ordering) -> $value {
                <$atomic>::swap(self, value, order)
            }
            fn compare_exchange(
                &self,
                current: $value,
                new: $value,
                success: Ordering,
                failure: Ordering,
            ) -> Result<$value, $value> {
                <$atomic>::compare_exchange(self, current, new, success, failure)
            }
            fn fetch_add(&self, value: $value, order: Ordering) -> $value {
                <$atomic>::fetch_add(self, value, order)
            }
            fn fetch_sub(&self, value: $value, order: Ordering) -> $value {
                <$atomic>::fetch_sub(self, value, order)
            }
        }
    };
}
pub(crate) use atomic_word;

atomic_word!(AtomicUsize, usize);
atomic_word!(AtomicI64, i64);

thread_local! {
    static WORKER: Cell<usize> = const { Cell::new(0) };
}

impl Backend for Std {
    const NAME: &'static str = "std";

    type AtomicUsize = AtomicUsize;
    type AtomicI64 = AtomicI64;

    type Mutex<T: Send> = std::sync::Mutex<T>;
    type MutexGuard<'a, T: Send + 'a> = std::sync::MutexGuard<'a, T>;
    fn new_mutex<T: Send>(value: T) -> Self::Mutex<T> {
        std::sync::Mutex::new(value)
    }
    fn lock<T: Send>(mutex: &Self::Mutex<T>) -> Self::MutexGuard<'_, T> {
        mutex.lock().unwrap_or_else(PoisonError::into_inner)
    }

    type Condvar = std::sync::Condvar;
    fn new_condvar() -> Self::Condvar {
        std::sync::Condvar::new()
    }
    fn wait<'a, T: Send>(
        cv: &Self::Condvar,
        guard: Self::MutexGuard<'a, T>,
    ) -> Self::MutexGuard<'a, T> {
        cv.wait(guard).unwrap_or_else(PoisonError::into_inner)
    }
    fn wait_timeout<'a, T: Send>(
        cv: &Self::Condvar,
        guard: Self::MutexGuard<'a, T>,
        timeout: Duration,
    ) -> (Self::MutexGuard<'a, T>, bool) {
        let (guard, result) = cv
            .wait_timeout(guard, timeout)
            .unwrap_or_else(PoisonError::into_inner);
        (guard, result.timed_out())
    }
    fn notify_one(cv: &Self::Condvar) {
        cv.notify_one()
    }
    fn notify_all(cv: &Self::Condvar) {
        cv.notify_all()
    }

    type RwLock<T: Send + Sync> = std::sync::RwLock<T>;
    type ReadGuard<'a, T: Send + Sync + 'a> = std::sync::RwLockReadGuard<'a, T>;
    type WriteGuard<'a, T: Send + Sync + 'a> = std::sync::RwLockWriteGuard<'a, T>;
    fn new_rwlock<T: Send + Sync>(value: T) -> Self::RwLock<T> {
        std::sync::RwLock::new(value)
    }
    fn read<T: Send + Sync>(lock: &Self::RwLock<T>) -> Self::ReadGuard<'_, T> {
        lock.read().unwrap_or_else(PoisonError::into_inner)
    }
    fn write<T: Send + Sync>(lock: &Self::RwLock<T>) -> Self::WriteGuard<'_, T> {
        lock.write().unwrap_or_else(PoisonError::into_inner)
    }

    type UnsafeCell<T> = std::cell::UnsafeCell<T>;
    fn new_cell<T>(value: T) -> Self::UnsafeCell<T> {
        std::cell::UnsafeCell::new(value)
    }
    fn cell_with_mut<T, R>(cell: &Self::UnsafeCell<T>, f: impl FnOnce(*mut T) -> R) -> R {
        f(cell.get())
    }

    type JoinHandle<T: Send + 'static> = std::thread::JoinHandle<T>;
    fn spawn<F, T>(f: F) -> Self::JoinHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        // A thread the system refuses is a setup failure, not the code's:
        // a typed payload the threads tier turns into "inconclusive".
        std::thread::Builder::new()
            .spawn(f)
            .unwrap_or_else(|e| std::panic::panic_any(SpawnFailed(e.to_string())))
    }
    fn join<T: Send + 'static>(handle: Self::JoinHandle<T>) -> std::thread::Result<T> {
        handle.join()
    }

    fn spin_hint(spins: u32) {
        // As crossbeam's Backoff: 1, 2, 4 .. 64 hints, then yield.
        if spins < 7 {
            for _ in 0..1u32 << spins {
                std::hint::spin_loop();
            }
        } else {
            // A spinner whose run the watchdog gave up on (a livelock)
            // stops here, so the run can return; the check is off the
            // fast path. `resume_unwind`: no panic message, it is no bug.
            if crate::workload::progress::abandoned_here() {
                std::panic::resume_unwind(Box::new(crate::workload::progress::Abandoned));
            }
            std::thread::yield_now();
        }
    }

    fn set_worker(index: usize) {
        WORKER.with(|w| w.set(index))
    }
    fn worker() -> usize {
        WORKER.with(Cell::get)
    }
}
