//! The model checker: loom's mocks of the same primitives. Code run on this
//! backend must run inside `loom::model` (see [`crate::tier::loom`]).

use super::std_backend::atomic_word;
use super::{AtomicWord, Backend, Ordering};
use loom::sync::atomic::{AtomicI64, AtomicUsize};
use std::cell::Cell;
use std::sync::PoisonError;
use std::time::Duration;

/// Loom's mocked primitives: every interleaving is explored.
#[derive(Debug, Clone, Copy, Default)]
pub struct Loom;

atomic_word!(AtomicUsize, usize);
atomic_word!(AtomicI64, i64);

/// The payload of the panic the facade raises when the code under test asks
/// loom for more than loom can model. It is loom's limit, not the code's
/// fault: [`crate::tier::loom`] downcasts it and reports the search
/// inconclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoomLimitHit {
    /// The execution would hold `wanted` threads (the model's main thread
    /// included); loom models at most [`loom::MAX_THREADS`].
    Threads { wanted: usize },
}

loom::lazy_static! {
    // Threads created in this execution, the model's main thread included:
    // loom keeps lazy statics per execution, so it starts again at 1 for
    // each one. A std atomic: counting must add no branch to loom's search.
    static ref THREADS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(1);
}

loom::thread_local! {
    // Loom runs every model thread as a coroutine on one OS thread, so a
    // std thread-local would be shared by all of them.
    static WORKER: Cell<usize> = Cell::new(0);
}

impl Backend for Loom {
    const NAME: &'static str = "loom";

    type AtomicUsize = AtomicUsize;
    type AtomicI64 = AtomicI64;

    type Mutex<T: Send> = loom::sync::Mutex<T>;
    type MutexGuard<'a, T: Send + 'a> = loom::sync::MutexGuard<'a, T>;
    fn new_mutex<T: Send>(value: T) -> Self::Mutex<T> {
        loom::sync::Mutex::new(value)
    }
    fn lock<T: Send>(mutex: &Self::Mutex<T>) -> Self::MutexGuard<'_, T> {
        mutex.lock().unwrap_or_else(PoisonError::into_inner)
    }

    type Condvar = loom::sync::Condvar;
    fn new_condvar() -> Self::Condvar {
        loom::sync::Condvar::new()
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

    type RwLock<T: Send + Sync> = loom::sync::RwLock<T>;
    type ReadGuard<'a, T: Send + Sync + 'a> = loom::sync::RwLockReadGuard<'a, T>;
    type WriteGuard<'a, T: Send + Sync + 'a> = loom::sync::RwLockWriteGuard<'a, T>;
    fn new_rwlock<T: Send + Sync>(value: T) -> Self::RwLock<T> {
        loom::sync::RwLock::new(value)
    }
    fn read<T: Send + Sync>(lock: &Self::RwLock<T>) -> Self::ReadGuard<'_, T> {
        lock.read().unwrap_or_else(PoisonError::into_inner)
    }
    fn write<T: Send + Sync>(lock: &Self::RwLock<T>) -> Self::WriteGuard<'_, T> {
        lock.write().unwrap_or_else(PoisonError::into_inner)
    }

    type UnsafeCell<T> = loom::cell::UnsafeCell<T>;
    fn new_cell<T>(value: T) -> Self::UnsafeCell<T> {
        loom::cell::UnsafeCell::new(value)
    }
    fn cell_with_mut<T, R>(cell: &Self::UnsafeCell<T>, f: impl FnOnce(*mut T) -> R) -> R {
        cell.with_mut(f)
    }

    type JoinHandle<T: Send + 'static> = loom::thread::JoinHandle<T>;
    fn spawn<F, T>(f: F) -> Self::JoinHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        // Loom would stop with a bare assertion deep in its scheduler: say
        // here, with a typed payload, that the model is too big for loom.
        let wanted = THREADS.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        if wanted > loom::MAX_THREADS {
            std::panic::panic_any(LoomLimitHit::Threads { wanted });
        }
        loom::thread::spawn(f)
    }
    fn join<T: Send + 'static>(handle: Self::JoinHandle<T>) -> std::thread::Result<T> {
        handle.join()
    }

    fn spin_hint(_spins: u32) {
        loom::hint::spin_loop()
    }

    fn set_worker(index: usize) {
        WORKER.with(|w| w.set(index))
    }
    fn worker() -> usize {
        WORKER.with(Cell::get)
    }
}
