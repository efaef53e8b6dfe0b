//! The primitives facade: every model and strategy imports its atomics,
//! locks, condition variables, cells and threads from here, never from `std`
//! or `loom` directly, so the same code runs on real threads ([`Std`]),
//! under the model checker ([`Loom`]) and under a randomised scheduler
//! ([`Shuttle`]).
//!
//! The facade is a trait, [`Backend`], rather than a `cfg` switch: a plain
//! `cargo test` builds both backends at once and needs no `RUSTFLAGS`.

mod loom_backend;
mod same;
mod shuttle_backend;
mod std_backend;

pub use loom_backend::{Loom, LoomLimitHit};
pub use shuttle_backend::Shuttle;
pub use std_backend::{SpawnFailed, Std};

use std::ops::{Deref, DerefMut};
use std::time::Duration;

pub use std::sync::atomic::Ordering;

/// An atomic machine word of type `V` (`usize`, `i64`).
pub trait AtomicWord<V>: Send + Sync + 'static {
    fn new(value: V) -> Self;
    fn load(&self, order: Ordering) -> V;
    fn store(&self, value: V, order: Ordering);
    fn swap(&self, value: V, order: Ordering) -> V;
    fn compare_exchange(
        &self,
        current: V,
        new: V,
        success: Ordering,
        failure: Ordering,
    ) -> Result<V, V>;
    fn fetch_add(&self, value: V, order: Ordering) -> V;
    fn fetch_sub(&self, value: V, order: Ordering) -> V;
}

/// The primitives a model or strategy may use. Implemented by [`Std`],
/// [`Loom`] and [`Shuttle`].
pub trait Backend: Sized + Send + Sync + 'static {
    /// `"std"`, `"loom"` or `"shuttle"`.
    const NAME: &'static str;

    type AtomicUsize: AtomicWord<usize>;
    type AtomicI64: AtomicWord<i64>;

    type Mutex<T: Send>: Send + Sync;
    type MutexGuard<'a, T: Send + 'a>: DerefMut<Target = T>;
    fn new_mutex<T: Send>(value: T) -> Self::Mutex<T>;
    fn lock<T: Send>(mutex: &Self::Mutex<T>) -> Self::MutexGuard<'_, T>;

    type Condvar: Send + Sync;
    fn new_condvar() -> Self::Condvar;
    fn wait<'a, T: Send>(
        cv: &Self::Condvar,
        guard: Self::MutexGuard<'a, T>,
    ) -> Self::MutexGuard<'a, T>;
    /// Waits at most `timeout`; the flag says whether it timed out. (Loom never
    /// times out: there a timed wait is an untimed one.)
    fn wait_timeout<'a, T: Send>(
        cv: &Self::Condvar,
        guard: Self::MutexGuard<'a, T>,
        timeout: Duration,
    ) -> (Self::MutexGuard<'a, T>, bool);
    fn notify_one(cv: &Self::Condvar);
    fn notify_all(cv: &Self::Condvar);

    type RwLock<T: Send + Sync>: Send + Sync;
    type ReadGuard<'a, T: Send + Sync + 'a>: Deref<Target = T>;
    type WriteGuard<'a, T: Send + Sync + 'a>: DerefMut<Target = T>;
    fn new_rwlock<T: Send + Sync>(value: T) -> Self::RwLock<T>;
    fn read<T: Send + Sync>(lock: &Self::RwLock<T>) -> Self::ReadGuard<'_, T>;
    fn write<T: Send + Sync>(lock: &Self::RwLock<T>) -> Self::WriteGuard<'_, T>;

    /// A cell whose accesses the backend may track: loom reports two
    /// unsynchronised accesses as a data race ("Causality violation").
    type UnsafeCell<T>;
    fn new_cell<T>(value: T) -> Self::UnsafeCell<T>;
    fn cell_with_mut<T, R>(cell: &Self::UnsafeCell<T>, f: impl FnOnce(*mut T) -> R) -> R;

    type JoinHandle<T: Send + 'static>;
    fn spawn<F, T>(f: F) -> Self::JoinHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static;
    fn join<T: Send + 'static>(handle: Self::JoinHandle<T>) -> std::thread::Result<T>;

    /// Called in every spin loop, with the number of times this waiter has
    /// spun so far: on std a growing burst of CPU hints, then a yield to the
    /// OS (a spinner must not starve a preempted holder on a busy 2-core
    /// machine); under loom a yield (which loom otherwise stops with
    /// "exceeded maximum number of branches").
    fn spin_hint(spins: u32);

    /// Names the calling thread for recorded steps and deadlock reports.
    fn set_worker(index: usize);
    /// The index given to [`Backend::set_worker`] on this thread (0 if none).
    fn worker() -> usize;
}

/// A mutex from the backend, with a `std`-like API.
pub struct Mutex<B: Backend, T: Send>(B::Mutex<T>);

/// The guard of a [`Mutex`].
pub struct MutexGuard<'a, B: Backend, T: Send + 'a>(B::MutexGuard<'a, T>);

impl<B: Backend, T: Send> Mutex<B, T> {
    pub fn new(value: T) -> Self {
        Mutex(B::new_mutex(value))
    }

    /// Locks, ignoring poisoning: a panicking worker is reported by the
    /// checker, and the others must still be able to finish.
    pub fn lock(&self) -> MutexGuard<'_, B, T> {
        MutexGuard(B::lock(&self.0))
    }
}

impl<B: Backend, T: Send> Deref for MutexGuard<'_, B, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<B: Backend, T: Send> DerefMut for MutexGuard<'_, B, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

/// A condition variable from the backend.
pub struct Condvar<B: Backend>(B::Condvar);

impl<B: Backend> Default for Condvar<B> {
    fn default() -> Self {
        Self::new()
    }
}

impl<B: Backend> Condvar<B> {
    pub fn new() -> Self {
        Condvar(B::new_condvar())
    }

    pub fn wait<'a, T: Send>(&self, guard: MutexGuard<'a, B, T>) -> MutexGuard<'a, B, T> {
        MutexGuard(B::wait(&self.0, guard.0))
    }

    pub fn wait_timeout<'a, T: Send>(
        &self,
        guard: MutexGuard<'a, B, T>,
        timeout: Duration,
    ) -> (MutexGuard<'a, B, T>, bool) {
        let (guard, timed_out) = B::wait_timeout(&self.0, guard.0, timeout);
        (MutexGuard(guard), timed_out)
    }

    pub fn notify_one(&self) {
        B::notify_one(&self.0)
    }

    pub fn notify_all(&self) {
        B::notify_all(&self.0)
    }
}

/// A readers-writer lock from the backend.
pub struct RwLock<B: Backend, T: Send + Sync>(B::RwLock<T>);

impl<B: Backend, T: Send + Sync> RwLock<B, T> {
    pub fn new(value: T) -> Self {
        RwLock(B::new_rwlock(value))
    }

    pub fn read(&self) -> B::ReadGuard<'_, T> {
        B::read(&self.0)
    }

    pub fn write(&self) -> B::WriteGuard<'_, T> {
        B::write(&self.0)
    }
}
