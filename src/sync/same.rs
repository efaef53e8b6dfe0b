//! What the three backends write the same way, written once: their
//! mutexes, condition variables and read-write locks share std's API (loom
//! and shuttle mirror it), so [`same_api!`] states those items once for a
//! module path; [`atomic_word!`] does the same for the atomics.

/// Implements [`AtomicWord`](super::AtomicWord) for an atomic type whose
/// methods have std's signatures.
macro_rules! atomic_word {
    ($atomic:ty, $value:ty) => {
        impl $crate::sync::AtomicWord<$value> for $atomic {
            fn new(value: $value) -> Self {
                <$atomic>::new(value)
            }
            fn load(&self, order: $crate::sync::Ordering) -> $value {
                <$atomic>::load(self, order)
            }
            fn store(&self, value: $value, order: $crate::sync::Ordering) {
                <$atomic>::store(self, value, order)
            }
            fn swap(&self, value: $value, order: $crate::sync::Ordering) -> $value {
                <$atomic>::swap(self, value, order)
            }
            fn compare_exchange(
                &self,
                current: $value,
                new: $value,
                success: $crate::sync::Ordering,
                failure: $crate::sync::Ordering,
            ) -> Result<$value, $value> {
                <$atomic>::compare_exchange(self, current, new, success, failure)
            }
            fn fetch_add(&self, value: $value, order: $crate::sync::Ordering) -> $value {
                <$atomic>::fetch_add(self, value, order)
            }
            fn fetch_sub(&self, value: $value, order: $crate::sync::Ordering) -> $value {
                <$atomic>::fetch_sub(self, value, order)
            }
        }
    };
}
pub(crate) use atomic_word;

/// The [`Backend`](super::Backend) items every backend takes from its
/// `sync` module as they are (`std::sync`, `loom::sync`,
/// `shuttle::sync`): the mutex, the condition variable, the read-write
/// lock (a poisoned lock is taken anyway: a panicking worker is reported
/// by the tier, not by every thread after it), and `join`. Also the worker
/// index, kept in a thread-local named `WORKER` that each backend declares
/// with its own `thread_local!` (loom's and shuttle's threads share one OS
/// thread, so a std thread-local would be shared by all of them).
macro_rules! same_api {
    ($($sync:ident)::+) => {
        type Mutex<T: Send> = $($sync)::+::Mutex<T>;
        type MutexGuard<'a, T: Send + 'a> = $($sync)::+::MutexGuard<'a, T>;
        fn new_mutex<T: Send>(value: T) -> Self::Mutex<T> {
            $($sync)::+::Mutex::new(value)
        }
        fn lock<T: Send>(mutex: &Self::Mutex<T>) -> Self::MutexGuard<'_, T> {
            mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
        }

        type Condvar = $($sync)::+::Condvar;
        fn new_condvar() -> Self::Condvar {
            $($sync)::+::Condvar::new()
        }
        fn wait<'a, T: Send>(
            cv: &Self::Condvar,
            guard: Self::MutexGuard<'a, T>,
        ) -> Self::MutexGuard<'a, T> {
            cv.wait(guard).unwrap_or_else(std::sync::PoisonError::into_inner)
        }
        fn wait_timeout<'a, T: Send>(
            cv: &Self::Condvar,
            guard: Self::MutexGuard<'a, T>,
            timeout: std::time::Duration,
        ) -> (Self::MutexGuard<'a, T>, bool) {
            let (guard, result) = cv
                .wait_timeout(guard, timeout)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            (guard, result.timed_out())
        }
        fn notify_one(cv: &Self::Condvar) {
            cv.notify_one()
        }
        fn notify_all(cv: &Self::Condvar) {
            cv.notify_all()
        }

        type RwLock<T: Send + Sync> = $($sync)::+::RwLock<T>;
        type ReadGuard<'a, T: Send + Sync + 'a> = $($sync)::+::RwLockReadGuard<'a, T>;
        type WriteGuard<'a, T: Send + Sync + 'a> = $($sync)::+::RwLockWriteGuard<'a, T>;
        fn new_rwlock<T: Send + Sync>(value: T) -> Self::RwLock<T> {
            $($sync)::+::RwLock::new(value)
        }
        fn read<T: Send + Sync>(lock: &Self::RwLock<T>) -> Self::ReadGuard<'_, T> {
            lock.read().unwrap_or_else(std::sync::PoisonError::into_inner)
        }
        fn write<T: Send + Sync>(lock: &Self::RwLock<T>) -> Self::WriteGuard<'_, T> {
            lock.write().unwrap_or_else(std::sync::PoisonError::into_inner)
        }

        fn join<T: Send + 'static>(handle: Self::JoinHandle<T>) -> std::thread::Result<T> {
            handle.join()
        }

        fn set_worker(index: usize) {
            WORKER.with(|w| w.set(index))
        }
        fn worker() -> usize {
            WORKER.with(std::cell::Cell::get)
        }
    };
}
pub(crate) use same_api;

/// The [`Backend`](super::Backend) cell items of a backend that tracks no
/// cell access (std, and shuttle, which has no cell tracking): a plain
/// `std::cell::UnsafeCell`.
macro_rules! untracked_cell {
    () => {
        type UnsafeCell<T> = std::cell::UnsafeCell<T>;
        fn new_cell<T>(value: T) -> Self::UnsafeCell<T> {
            std::cell::UnsafeCell::new(value)
        }
        fn cell_with_mut<T, R>(cell: &Self::UnsafeCell<T>, f: impl FnOnce(*mut T) -> R) -> R {
            f(cell.get())
        }
    };
}
pub(crate) use untracked_cell;
