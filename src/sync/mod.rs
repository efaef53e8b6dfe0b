//! The primitives facade: every model and strategy imports its atomics,
//! locks, condition variables, cells and threads from here, never from `std`
//! or `loom` directly, so the same code runs on real threads ([`Std`]),
//! under the model checker ([`Loom`]) and under a randomised scheduler
//! ([`Shuttle`]).
//!
//! The facade is a trait, [`Backend`], rather than a `cfg` switch: a plain
//! `cargo test` builds both backends at once and needs no `RUSTFLAGS`.

mod atomic;
mod barrier;
mod loom_backend;
pub(crate) mod record;
mod same;
pub(crate) mod seq_cst;
mod shuttle_backend;
mod std_backend;

pub use atomic::{AtomicFlag, AtomicPointer, AtomicWord};
pub use barrier::Barrier;
pub use loom_backend::{LOOM_UNYIELDED_SPINS, Loom, LoomLimitHit};
pub use shuttle_backend::Shuttle;
pub use std_backend::{SpawnFailed, Std};

use record::Op;
use std::mem::ManuallyDrop;
use std::ops::{Deref, DerefMut};
use std::time::Duration;

pub use std::sync::atomic::Ordering;

/// The primitives a model or strategy may use. Implemented by [`Std`],
/// [`Loom`] and [`Shuttle`].
pub trait Backend: Sized + Send + Sync + 'static {
    /// `"std"`, `"loom"` or `"shuttle"`.
    const NAME: &'static str;

    /// Every thread of one run runs on one OS thread (loom and shuttle run
    /// them as coroutines): the facade's records of a run are then one log
    /// on that thread, rather than one slot per OS thread.
    const SHARED_OS_THREAD: bool = false;

    /// The backend's `AtomicUsize`.
    type AtomicUsize: AtomicWord<usize>;
    /// The backend's `AtomicI64`.
    type AtomicI64: AtomicWord<i64>;
    /// The backend's `AtomicU32`.
    type AtomicU32: AtomicWord<u32>;
    /// The backend's `AtomicU64`.
    type AtomicU64: AtomicWord<u64>;
    /// The backend's `AtomicBool`.
    type AtomicBool: AtomicFlag;
    /// The backend's `AtomicPtr<T>`.
    type AtomicPtr<T>: AtomicPointer<T>;
    /// A memory fence (std's `std::sync::atomic::fence`). Loom models a
    /// `SeqCst` fence as `AcqRel`, as it does every `SeqCst` access.
    fn fence(order: Ordering);

    /// The backend's mutex guarding a `T`.
    type Mutex<T: Send>: Send + Sync;
    /// The guard [`Backend::lock`] returns: the mutex is held while it lives.
    type MutexGuard<'a, T: Send + 'a>: DerefMut<Target = T>;
    /// Creates an unlocked mutex guarding `value`.
    fn new_mutex<T: Send>(value: T) -> Self::Mutex<T>;
    /// Blocks until the mutex is free, then holds it; a poisoned mutex is
    /// taken anyway.
    fn lock<T: Send>(mutex: &Self::Mutex<T>) -> Self::MutexGuard<'_, T>;
    /// Holds the mutex if it is free (a poisoned one too); None if another
    /// thread holds it. Never blocks.
    fn try_lock<T: Send>(mutex: &Self::Mutex<T>) -> Option<Self::MutexGuard<'_, T>>;

    /// The backend's condition variable.
    type Condvar: Send + Sync;
    /// Creates a condition variable no thread waits on.
    fn new_condvar() -> Self::Condvar;
    /// Releases the guard's mutex and blocks until notified, then takes the
    /// mutex again. It may wake spuriously: callers wait in a loop on their
    /// condition.
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
    /// Wakes one thread waiting on `cv`, if any.
    fn notify_one(cv: &Self::Condvar);
    /// Wakes every thread waiting on `cv`.
    fn notify_all(cv: &Self::Condvar);

    /// The backend's readers-writer lock guarding a `T`.
    type RwLock<T: Send + Sync>: Send + Sync;
    /// The shared guard [`Backend::read`] returns.
    type ReadGuard<'a, T: Send + Sync + 'a>: Deref<Target = T>;
    /// The exclusive guard [`Backend::write`] returns.
    type WriteGuard<'a, T: Send + Sync + 'a>: DerefMut<Target = T>;
    /// Creates an unlocked readers-writer lock guarding `value`.
    fn new_rwlock<T: Send + Sync>(value: T) -> Self::RwLock<T>;
    /// Blocks until no writer holds the lock, then holds it shared; a
    /// poisoned lock is taken anyway.
    fn read<T: Send + Sync>(lock: &Self::RwLock<T>) -> Self::ReadGuard<'_, T>;
    /// Blocks until no reader or writer holds the lock, then holds it alone;
    /// a poisoned lock is taken anyway.
    fn write<T: Send + Sync>(lock: &Self::RwLock<T>) -> Self::WriteGuard<'_, T>;
    /// Holds the lock shared if no writer holds it; None otherwise. Never blocks.
    fn try_read<T: Send + Sync>(lock: &Self::RwLock<T>) -> Option<Self::ReadGuard<'_, T>>;
    /// Holds the lock alone if nobody holds it; None otherwise. Never blocks.
    fn try_write<T: Send + Sync>(lock: &Self::RwLock<T>) -> Option<Self::WriteGuard<'_, T>>;

    /// A cell whose accesses the backend may track: loom reports two
    /// unsynchronised accesses as a data race ("Causality violation").
    type UnsafeCell<T>;
    /// Creates a cell holding `value`.
    fn new_cell<T>(value: T) -> Self::UnsafeCell<T>;
    /// Calls `f` with a pointer to the cell's value, recording a mutable
    /// access (loom checks it against every other access to the cell).
    fn cell_with_mut<T, R>(cell: &Self::UnsafeCell<T>, f: impl FnOnce(*mut T) -> R) -> R;

    /// The handle [`Backend::spawn`] returns, to [`Backend::join`] the
    /// thread: the backend's own handle and the thread's index ([`Spawned`]).
    type JoinHandle<T: Send + 'static>;
    /// Starts a thread running `f`. A thread the backend cannot give panics
    /// with a typed payload: [`SpawnFailed`] on std, [`LoomLimitHit`] under loom.
    fn spawn<F, T>(f: F) -> Self::JoinHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static;
    /// Waits for the thread to finish: its result, or the payload it panicked with.
    fn join<T: Send + 'static>(handle: Self::JoinHandle<T>) -> std::thread::Result<T>;

    /// Called in every spin loop, with the number of times this waiter has
    /// spun so far: on std a growing burst of CPU hints, then a yield to the
    /// OS (a spinner must not starve a preempted holder on a busy 2-core
    /// machine); under loom nothing for the first [`LOOM_UNYIELDED_SPINS`]
    /// spins (a plain branch point, so a spinner that gives up early is
    /// caught) and then a yield (which loom otherwise stops with "exceeded
    /// maximum number of branches"): a lock that gives up only after more
    /// spins is not searched by loom. Under shuttle a yield: the random
    /// scheduler may run the spinner again at once (a give-up is found with
    /// some probability, halving per spin), PCT lowers its priority.
    fn spin_hint(spins: u32);

    /// The calling thread's index: see [`thread_index`].
    fn thread_index() -> usize;

    /// Names the calling thread for recorded steps and deadlock reports.
    fn set_worker(index: usize);
    /// The index given to [`Backend::set_worker`] on this thread (0 if none).
    fn worker() -> usize;
}

/// The backend's `AtomicUsize` (`AtomicUsize::<B>::new(0)`; the methods
/// are [`AtomicWord`]'s).
pub type AtomicUsize<B> = <B as Backend>::AtomicUsize;
/// The backend's `AtomicI64` (methods: [`AtomicWord`]).
pub type AtomicI64<B> = <B as Backend>::AtomicI64;
/// The backend's `AtomicU32` (methods: [`AtomicWord`]).
pub type AtomicU32<B> = <B as Backend>::AtomicU32;
/// The backend's `AtomicU64` (methods: [`AtomicWord`]).
pub type AtomicU64<B> = <B as Backend>::AtomicU64;
/// The backend's `AtomicBool` (methods: [`AtomicFlag`]).
pub type AtomicBool<B> = <B as Backend>::AtomicBool;
/// The backend's `AtomicPtr<T>` (methods: [`AtomicPointer`]).
pub type AtomicPtr<B, T> = <B as Backend>::AtomicPtr<T>;

/// A memory fence on backend `B` (std's `std::sync::atomic::fence`).
pub fn fence<B: Backend>(order: Ordering) {
    B::fence(order)
}

/// The calling thread's index within one run of a program: 0 on the thread
/// that runs the program (its main thread), then 1, 2, ... for the threads
/// the facade's [`Backend::spawn`] created, in the order they were spawned
/// (by any thread of the run).
///
/// What "one run" is, per backend:
/// - loom: one execution (the count lives in a loom lazy static, which
///   loom makes afresh for each execution);
/// - shuttle: one schedule (shuttle's own task id, numbered afresh per schedule);
/// - std: one spawn tree. The first thread to spawn is its root (index 0)
///   and every thread spawned from it, directly or not, shares its count.
///   The threads tier runs each round on a fresh thread, so each round
///   counts from 1 again; a thread the facade did not spawn reads 0.
///
/// The built-in drivers spawn their workers in order, so there worker `i`'s
/// index is `i` (the index [`Backend::set_worker`] gives it too).
pub fn thread_index<B: Backend>() -> usize {
    B::thread_index()
}

/// The handle of a thread the facade spawned: the backend's own handle and
/// the thread's index ([`thread_index`]), which names it in the records
/// (`join T1`).
pub struct Spawned<H> {
    handle: H,
    index: usize,
}

impl<H> Spawned<H> {
    pub(crate) fn new(handle: H, index: usize) -> Self {
        Spawned { handle, index }
    }

    /// The thread's index ([`thread_index`] on that thread).
    pub fn index(&self) -> usize {
        self.index
    }

    pub(crate) fn into_parts(self) -> (H, usize) {
        (self.handle, self.index)
    }
}

/// A mutex from the backend, with a `std`-like API. Its lock, try_lock
/// and unlock (the guard's drop) are recorded.
pub struct Mutex<B: Backend, T: Send>(B::Mutex<T>);

/// The guard of a [`Mutex`]: the backend's guard, and the mutex's address
/// for the unlock's record.
pub struct MutexGuard<'a, B: Backend, T: Send + 'a> {
    inner: ManuallyDrop<B::MutexGuard<'a, T>>,
    mutex: usize,
}

impl<'a, B: Backend, T: Send + 'a> MutexGuard<'a, B, T> {
    fn new(inner: B::MutexGuard<'a, T>, mutex: usize) -> Self {
        MutexGuard {
            inner: ManuallyDrop::new(inner),
            mutex,
        }
    }

    /// The backend's guard, without the unlock (a condition-variable wait
    /// takes it over).
    fn into_inner(self) -> (B::MutexGuard<'a, T>, usize) {
        let mut me = ManuallyDrop::new(self);
        // SAFETY: `me` is never dropped, so its `inner` is taken exactly
        // once, here, and never used again.
        let inner = unsafe { ManuallyDrop::take(&mut me.inner) };
        (inner, me.mutex)
    }
}

impl<B: Backend, T: Send> Drop for MutexGuard<'_, B, T> {
    fn drop(&mut self) {
        record::around::<B, _>(
            Op::Unlock,
            self.mutex,
            || {
                // SAFETY: drop runs once and `inner` is not used after it;
                // `into_inner` forgets the guard, so it never gets here.
                unsafe { ManuallyDrop::drop(&mut self.inner) }
            },
            |_, _| {},
        )
    }
}

impl<B: Backend, T: Send> Mutex<B, T> {
    /// Creates an unlocked mutex guarding `value`.
    pub fn new(value: T) -> Self {
        Mutex(B::new_mutex(value))
    }

    /// Locks, ignoring poisoning: a panicking worker is reported by the
    /// checker, and the others must still be able to finish.
    pub fn lock(&self) -> MutexGuard<'_, B, T> {
        let at = record::address(self);
        let inner = record::around::<B, _>(Op::Lock, at, || B::lock(&self.0), |_, _| {});
        MutexGuard::new(inner, at)
    }

    /// Locks if the mutex is free (a poisoned one too); None if another
    /// thread holds it. Never blocks.
    pub fn try_lock(&self) -> Option<MutexGuard<'_, B, T>> {
        let at = record::address(self);
        record::around::<B, _>(
            Op::TryLock,
            at,
            || B::try_lock(&self.0),
            |guard, raw| raw.ok = guard.is_some(),
        )
        .map(|inner| MutexGuard::new(inner, at))
    }
}

impl<B: Backend, T: Send> Deref for MutexGuard<'_, B, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.inner
    }
}

impl<B: Backend, T: Send> DerefMut for MutexGuard<'_, B, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.inner
    }
}

/// A condition variable from the backend; its waits and notifies are
/// recorded.
pub struct Condvar<B: Backend>(B::Condvar);

impl<B: Backend> Default for Condvar<B> {
    fn default() -> Self {
        Self::new()
    }
}

impl<B: Backend> Condvar<B> {
    /// Creates a condition variable no thread waits on.
    pub fn new() -> Self {
        Condvar(B::new_condvar())
    }

    /// Releases the guard's mutex, blocks until notified and takes it again;
    /// see [`Backend::wait`] (it may wake spuriously).
    pub fn wait<'a, T: Send>(&self, guard: MutexGuard<'a, B, T>) -> MutexGuard<'a, B, T> {
        let (inner, mutex) = guard.into_inner();
        let inner = record::wait::<B, _>(
            Op::Wait,
            record::address(self),
            mutex,
            || B::wait(&self.0, inner),
            |_| false,
        );
        MutexGuard::new(inner, mutex)
    }

    /// Waits as [`Condvar::wait`] but at most `timeout`; the flag says whether
    /// it timed out (see [`Backend::wait_timeout`]).
    pub fn wait_timeout<'a, T: Send>(
        &self,
        guard: MutexGuard<'a, B, T>,
        timeout: Duration,
    ) -> (MutexGuard<'a, B, T>, bool) {
        let (inner, mutex) = guard.into_inner();
        let (inner, timed_out) = record::wait::<B, _>(
            Op::WaitTimeout,
            record::address(self),
            mutex,
            || B::wait_timeout(&self.0, inner, timeout),
            |(_, timed_out)| *timed_out,
        );
        (MutexGuard::new(inner, mutex), timed_out)
    }

    /// Wakes one waiting thread, if any.
    pub fn notify_one(&self) {
        record::around::<B, _>(
            Op::NotifyOne,
            record::address(self),
            || B::notify_one(&self.0),
            |_, _| {},
        )
    }

    /// Wakes every waiting thread.
    pub fn notify_all(&self) {
        record::around::<B, _>(
            Op::NotifyAll,
            record::address(self),
            || B::notify_all(&self.0),
            |_, _| {},
        )
    }
}

/// A readers-writer lock from the backend; its locks and unlocks are
/// recorded.
pub struct RwLock<B: Backend, T: Send + Sync>(B::RwLock<T>);

/// The shared guard of a [`RwLock`].
pub struct RwLockReadGuard<'a, B: Backend, T: Send + Sync + 'a> {
    inner: ManuallyDrop<B::ReadGuard<'a, T>>,
    lock: usize,
}

/// The exclusive guard of a [`RwLock`].
pub struct RwLockWriteGuard<'a, B: Backend, T: Send + Sync + 'a> {
    inner: ManuallyDrop<B::WriteGuard<'a, T>>,
    lock: usize,
}

impl<B: Backend, T: Send + Sync> Drop for RwLockReadGuard<'_, B, T> {
    fn drop(&mut self) {
        record::around::<B, _>(
            Op::ReadUnlock,
            self.lock,
            // SAFETY: drop runs once and `inner` is not used after it.
            || unsafe { ManuallyDrop::drop(&mut self.inner) },
            |_, _| {},
        )
    }
}

impl<B: Backend, T: Send + Sync> Drop for RwLockWriteGuard<'_, B, T> {
    fn drop(&mut self) {
        record::around::<B, _>(
            Op::WriteUnlock,
            self.lock,
            // SAFETY: drop runs once and `inner` is not used after it.
            || unsafe { ManuallyDrop::drop(&mut self.inner) },
            |_, _| {},
        )
    }
}

impl<B: Backend, T: Send + Sync> Deref for RwLockReadGuard<'_, B, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.inner
    }
}

impl<B: Backend, T: Send + Sync> Deref for RwLockWriteGuard<'_, B, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.inner
    }
}

impl<B: Backend, T: Send + Sync> DerefMut for RwLockWriteGuard<'_, B, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.inner
    }
}

impl<B: Backend, T: Send + Sync> RwLock<B, T> {
    /// Creates an unlocked readers-writer lock guarding `value`.
    pub fn new(value: T) -> Self {
        RwLock(B::new_rwlock(value))
    }

    fn read_guard<'a>(&self, inner: B::ReadGuard<'a, T>) -> RwLockReadGuard<'a, B, T> {
        RwLockReadGuard {
            inner: ManuallyDrop::new(inner),
            lock: record::address(self),
        }
    }

    fn write_guard<'a>(&self, inner: B::WriteGuard<'a, T>) -> RwLockWriteGuard<'a, B, T> {
        RwLockWriteGuard {
            inner: ManuallyDrop::new(inner),
            lock: record::address(self),
        }
    }

    /// Holds the lock shared, blocking while a writer holds it.
    pub fn read(&self) -> RwLockReadGuard<'_, B, T> {
        let at = record::address(self);
        let inner = record::around::<B, _>(Op::Read, at, || B::read(&self.0), |_, _| {});
        self.read_guard(inner)
    }

    /// Holds the lock alone, blocking while anyone else holds it.
    pub fn write(&self) -> RwLockWriteGuard<'_, B, T> {
        let at = record::address(self);
        let inner = record::around::<B, _>(Op::Write, at, || B::write(&self.0), |_, _| {});
        self.write_guard(inner)
    }

    /// Holds the lock shared if no writer holds it; None otherwise.
    pub fn try_read(&self) -> Option<RwLockReadGuard<'_, B, T>> {
        let at = record::address(self);
        record::around::<B, _>(
            Op::TryRead,
            at,
            || B::try_read(&self.0),
            |guard, raw| raw.ok = guard.is_some(),
        )
        .map(|inner| self.read_guard(inner))
    }

    /// Holds the lock alone if nobody holds it; None otherwise.
    pub fn try_write(&self) -> Option<RwLockWriteGuard<'_, B, T>> {
        let at = record::address(self);
        record::around::<B, _>(
            Op::TryWrite,
            at,
            || B::try_write(&self.0),
            |guard, raw| raw.ok = guard.is_some(),
        )
        .map(|inner| self.write_guard(inner))
    }
}
