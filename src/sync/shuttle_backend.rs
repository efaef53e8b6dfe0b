//! Shuttle's controlled primitives: each run follows one schedule chosen by
//! a randomised scheduler (uniform random or PCT), so larger configurations
//! than loom can exhaust still get many distinct interleavings. Code run on
//! this backend must run inside a shuttle runner (see [`crate::tier::shuttle`]).
//!
//! Shuttle models every atomic access as SeqCst and has no cell tracking:
//! a Relaxed-ordering bug is invisible to it, and the cell below is a plain
//! `std::cell::UnsafeCell` (so [`crate::lock::Locked::new_unchecked`] with a
//! broken lock stays loom-only).

use super::std_backend::atomic_word;
use super::{AtomicWord, Backend, Ordering};
use shuttle::sync::atomic::{AtomicI64, AtomicUsize};
use std::cell::Cell;
use std::sync::PoisonError;
use std::time::Duration;

/// Shuttle's controlled primitives: one scheduler-chosen interleaving per run.
#[derive(Debug, Clone, Copy, Default)]
pub struct Shuttle;

atomic_word!(AtomicUsize, usize);
atomic_word!(AtomicI64, i64);

shuttle::thread_local! {
    // Shuttle runs every thread as a continuation on one OS thread, so a
    // std thread-local would be shared by all of them.
    static WORKER: Cell<usize> = Cell::new(0);
}

impl Backend for Shuttle {
    const NAME: &'static str = "shuttle";

    type AtomicUsize = AtomicUsize;
    type AtomicI64 = AtomicI64;

    type Mutex<T: Send> = shuttle::sync::Mutex<T>;
    type MutexGuard<'a, T: Send + 'a> = shuttle::sync::MutexGuard<'a, T>;
    fn new_mutex<T: Send>(value: T) -> Self::Mutex<T> {
        shuttle::sync::Mutex::new(value)
    }
    fn lock<T: Send>(mutex: &Self::Mutex<T>) -> Self::MutexGuard<'_, T> {
        mutex.lock().unwrap_or_else(PoisonError::into_inner)
    }

    type Condvar = shuttle::sync::Condvar;
    fn new_condvar() -> Self::Condvar {
        shuttle::sync::Condvar::new()
    }
    fn wait<'a, T: Send>(
        cv: &Self::Condvar,
        guard: Self::MutexGuard<'a, T>,
    ) -> Self::MutexGuard<'a, T> {
        cv.wait(guard).unwrap_or_else(PoisonError::into_inner)
    }
    /// Shuttle never times out (as loom): a timed wait is an untimed one.
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

    type RwLock<T: Send + Sync> = shuttle::sync::RwLock<T>;
    type ReadGuard<'a, T: Send + Sync + 'a> = shuttle::sync::RwLockReadGuard<'a, T>;
    type WriteGuard<'a, T: Send + Sync + 'a> = shuttle::sync::RwLockWriteGuard<'a, T>;
    fn new_rwlock<T: Send + Sync>(value: T) -> Self::RwLock<T> {
        shuttle::sync::RwLock::new(value)
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

    type JoinHandle<T: Send + 'static> = shuttle::thread::JoinHandle<T>;
    fn spawn<F, T>(f: F) -> Self::JoinHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        shuttle::thread::spawn(f)
    }
    fn join<T: Send + 'static>(handle: Self::JoinHandle<T>) -> std::thread::Result<T> {
        handle.join()
    }

    /// A yield point: the scheduler deprioritises a spinner, so a spin lock
    /// does not run a schedule into shuttle's step bound.
    fn spin_hint(_spins: u32) {
        shuttle::hint::spin_loop()
    }

    fn set_worker(index: usize) {
        WORKER.with(|w| w.set(index))
    }
    fn worker() -> usize {
        WORKER.with(Cell::get)
    }
}
