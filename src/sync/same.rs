//! What the three backends write the same way, written once: their
//! mutexes, condition variables and read-write locks share std's API (loom
//! and shuttle mirror it), so [`same_api!`] states those items once for a
//! module path; [`atomic_word!`] does the same for the atomics.

/// Implements one atomic method whose orderings the backend may note
/// (loom notes SeqCst: see [`seq_cst`](super::seq_cst)): `$note` is called
/// with every ordering the call uses before the call runs.
macro_rules! noted {
    (@each $note:path, ($($order:ident),+)) => {
        $( $note($order); )+
    };
    ([$($note:path)?] $orders:tt => $call:expr) => {{
        $( $crate::sync::same::noted!(@each $note, $orders); )?
        $call
    }};
}
pub(crate) use noted;

/// Runs one atomic method `$call` as facade operation `$op` of backend
/// `$backend` on `self`, recording its operands (`none` for no operand)
/// and what it returned ([`record::atomic`](super::record::atomic)).
macro_rules! recorded {
    (@value none) => { $crate::sync::record::OPAQUE };
    (@value $v:ident) => { $crate::sync::record::Value::recorded($v) };
    ($backend:ty, $this:tt, $op:ident, $arg:ident, $arg2:ident => $call:expr) => {
        $crate::sync::record::atomic::<$backend, _>(
            $crate::sync::record::Op::$op,
            $crate::sync::record::address($this),
            $crate::sync::same::recorded!(@value $arg),
            $crate::sync::same::recorded!(@value $arg2),
            || $call,
        )
    };
}
pub(crate) use recorded;

/// Implements [`AtomicWord`](super::AtomicWord) for an atomic type whose
/// methods have std's signatures; `$note` (optional) sees every ordering.
macro_rules! atomic_word {
    ($backend:ty, $atomic:ty, $value:ty $(, $note:path)?) => {
        impl $crate::sync::AtomicWord<$value> for $atomic {
            fn new(value: $value) -> Self {
                <$atomic>::new(value)
            }
            fn load(&self, order: $crate::sync::Ordering) -> $value {
                $crate::sync::same::recorded!($backend, self, Load, none, none => $crate::sync::same::noted!([$($note)?] (order) => <$atomic>::load(self, order)))
            }
            fn store(&self, value: $value, order: $crate::sync::Ordering) {
                $crate::sync::same::recorded!($backend, self, Store, value, none => $crate::sync::same::noted!([$($note)?] (order) => <$atomic>::store(self, value, order)))
            }
            fn swap(&self, value: $value, order: $crate::sync::Ordering) -> $value {
                $crate::sync::same::recorded!($backend, self, Swap, value, none => $crate::sync::same::noted!([$($note)?] (order) => <$atomic>::swap(self, value, order)))
            }
            fn compare_exchange(
                &self,
                current: $value,
                new: $value,
                success: $crate::sync::Ordering,
                failure: $crate::sync::Ordering,
            ) -> Result<$value, $value> {
                $crate::sync::same::recorded!($backend, self, Cas, current, new => $crate::sync::same::noted!([$($note)?] (success, failure) =>
                    <$atomic>::compare_exchange(self, current, new, success, failure)))
            }
            fn fetch_add(&self, value: $value, order: $crate::sync::Ordering) -> $value {
                $crate::sync::same::recorded!($backend, self, FetchAdd, value, none => $crate::sync::same::noted!([$($note)?] (order) => <$atomic>::fetch_add(self, value, order)))
            }
            fn fetch_sub(&self, value: $value, order: $crate::sync::Ordering) -> $value {
                $crate::sync::same::recorded!($backend, self, FetchSub, value, none => $crate::sync::same::noted!([$($note)?] (order) => <$atomic>::fetch_sub(self, value, order)))
            }
            fn fetch_or(&self, value: $value, order: $crate::sync::Ordering) -> $value {
                $crate::sync::same::recorded!($backend, self, FetchOr, value, none => $crate::sync::same::noted!([$($note)?] (order) => <$atomic>::fetch_or(self, value, order)))
            }
            fn fetch_and(&self, value: $value, order: $crate::sync::Ordering) -> $value {
                $crate::sync::same::recorded!($backend, self, FetchAnd, value, none => $crate::sync::same::noted!([$($note)?] (order) => <$atomic>::fetch_and(self, value, order)))
            }
            fn fetch_xor(&self, value: $value, order: $crate::sync::Ordering) -> $value {
                $crate::sync::same::recorded!($backend, self, FetchXor, value, none => $crate::sync::same::noted!([$($note)?] (order) => <$atomic>::fetch_xor(self, value, order)))
            }
            fn fetch_max(&self, value: $value, order: $crate::sync::Ordering) -> $value {
                $crate::sync::same::recorded!($backend, self, FetchMax, value, none => $crate::sync::same::noted!([$($note)?] (order) => <$atomic>::fetch_max(self, value, order)))
            }
            fn fetch_min(&self, value: $value, order: $crate::sync::Ordering) -> $value {
                $crate::sync::same::recorded!($backend, self, FetchMin, value, none => $crate::sync::same::noted!([$($note)?] (order) => <$atomic>::fetch_min(self, value, order)))
            }
        }
    };
}
pub(crate) use atomic_word;

/// Implements [`AtomicFlag`](super::AtomicFlag) and
/// [`AtomicPointer`](super::AtomicPointer) for a backend's `AtomicBool` and
/// `AtomicPtr`, and [`AtomicWord`](super::AtomicWord) for its four
/// integers; `$note` (optional) sees every ordering.
macro_rules! atomics {
    ($backend:ty, $($module:ident)::+ $(, $note:path)?) => {
        $crate::sync::same::atomic_word!($backend, $($module)::+::AtomicUsize, usize $(, $note)?);
        $crate::sync::same::atomic_word!($backend, $($module)::+::AtomicI64, i64 $(, $note)?);
        $crate::sync::same::atomic_word!($backend, $($module)::+::AtomicU32, u32 $(, $note)?);
        $crate::sync::same::atomic_word!($backend, $($module)::+::AtomicU64, u64 $(, $note)?);

        impl $crate::sync::AtomicFlag for $($module)::+::AtomicBool {
            fn new(value: bool) -> Self {
                <$($module)::+::AtomicBool>::new(value)
            }
            fn load(&self, order: $crate::sync::Ordering) -> bool {
                $crate::sync::same::recorded!($backend, self, Load, none, none => $crate::sync::same::noted!([$($note)?] (order) => <$($module)::+::AtomicBool>::load(self, order)))
            }
            fn store(&self, value: bool, order: $crate::sync::Ordering) {
                $crate::sync::same::recorded!($backend, self, Store, value, none => $crate::sync::same::noted!([$($note)?] (order) => <$($module)::+::AtomicBool>::store(self, value, order)))
            }
            fn swap(&self, value: bool, order: $crate::sync::Ordering) -> bool {
                $crate::sync::same::recorded!($backend, self, Swap, value, none => $crate::sync::same::noted!([$($note)?] (order) => <$($module)::+::AtomicBool>::swap(self, value, order)))
            }
            fn compare_exchange(
                &self,
                current: bool,
                new: bool,
                success: $crate::sync::Ordering,
                failure: $crate::sync::Ordering,
            ) -> Result<bool, bool> {
                $crate::sync::same::recorded!($backend, self, Cas, current, new => $crate::sync::same::noted!([$($note)?] (success, failure) =>
                    <$($module)::+::AtomicBool>::compare_exchange(self, current, new, success, failure)))
            }
            fn fetch_or(&self, value: bool, order: $crate::sync::Ordering) -> bool {
                $crate::sync::same::recorded!($backend, self, FetchOr, value, none => $crate::sync::same::noted!([$($note)?] (order) => <$($module)::+::AtomicBool>::fetch_or(self, value, order)))
            }
            fn fetch_and(&self, value: bool, order: $crate::sync::Ordering) -> bool {
                $crate::sync::same::recorded!($backend, self, FetchAnd, value, none => $crate::sync::same::noted!([$($note)?] (order) => <$($module)::+::AtomicBool>::fetch_and(self, value, order)))
            }
        }

        impl<T> $crate::sync::AtomicPointer<T> for $($module)::+::AtomicPtr<T> {
            fn new(value: *mut T) -> Self {
                <$($module)::+::AtomicPtr<T>>::new(value)
            }
            fn load(&self, order: $crate::sync::Ordering) -> *mut T {
                $crate::sync::same::recorded!($backend, self, Load, none, none => $crate::sync::same::noted!([$($note)?] (order) => <$($module)::+::AtomicPtr<T>>::load(self, order)))
            }
            fn store(&self, value: *mut T, order: $crate::sync::Ordering) {
                $crate::sync::same::recorded!($backend, self, Store, value, none => $crate::sync::same::noted!([$($note)?] (order) => <$($module)::+::AtomicPtr<T>>::store(self, value, order)))
            }
            fn swap(&self, value: *mut T, order: $crate::sync::Ordering) -> *mut T {
                $crate::sync::same::recorded!($backend, self, Swap, value, none => $crate::sync::same::noted!([$($note)?] (order) => <$($module)::+::AtomicPtr<T>>::swap(self, value, order)))
            }
            fn compare_exchange(
                &self,
                current: *mut T,
                new: *mut T,
                success: $crate::sync::Ordering,
                failure: $crate::sync::Ordering,
            ) -> Result<*mut T, *mut T> {
                $crate::sync::same::recorded!($backend, self, Cas, current, new => $crate::sync::same::noted!([$($note)?] (success, failure) =>
                    <$($module)::+::AtomicPtr<T>>::compare_exchange(self, current, new, success, failure)))
            }
        }
    };
}
pub(crate) use atomics;

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
        type AtomicUsize = $($sync)::+::atomic::AtomicUsize;
        type AtomicI64 = $($sync)::+::atomic::AtomicI64;
        type AtomicU32 = $($sync)::+::atomic::AtomicU32;
        type AtomicU64 = $($sync)::+::atomic::AtomicU64;
        type AtomicBool = $($sync)::+::atomic::AtomicBool;
        type AtomicPtr<T> = $($sync)::+::atomic::AtomicPtr<T>;

        type Mutex<T: Send> = $($sync)::+::Mutex<T>;
        type MutexGuard<'a, T: Send + 'a> = $($sync)::+::MutexGuard<'a, T>;
        fn new_mutex<T: Send>(value: T) -> Self::Mutex<T> {
            $($sync)::+::Mutex::new(value)
        }
        fn lock<T: Send>(mutex: &Self::Mutex<T>) -> Self::MutexGuard<'_, T> {
            mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
        }
        fn try_lock<T: Send>(mutex: &Self::Mutex<T>) -> Option<Self::MutexGuard<'_, T>> {
            $crate::sync::same::untried(mutex.try_lock())
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
        fn try_read<T: Send + Sync>(lock: &Self::RwLock<T>) -> Option<Self::ReadGuard<'_, T>> {
            $crate::sync::same::untried(lock.try_read())
        }
        fn try_write<T: Send + Sync>(lock: &Self::RwLock<T>) -> Option<Self::WriteGuard<'_, T>> {
            $crate::sync::same::untried(lock.try_write())
        }

        fn join<T: Send + 'static>(handle: Self::JoinHandle<T>) -> std::thread::Result<T> {
            let (handle, index) = handle.into_parts();
            $crate::sync::record::around::<Self, _>(
                $crate::sync::record::Op::Join,
                index,
                || handle.join(),
                |result, raw| raw.ok = result.is_ok(),
            )
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

/// A `try_lock`'s result as the facade gives it: the guard, a poisoned
/// lock's guard too (as `lock` takes a poisoned lock), or None when another
/// thread holds it.
pub(crate) fn untried<G>(result: std::sync::TryLockResult<G>) -> Option<G> {
    match result {
        Ok(guard) => Some(guard),
        Err(std::sync::TryLockError::Poisoned(poisoned)) => Some(poisoned.into_inner()),
        Err(std::sync::TryLockError::WouldBlock) => None,
    }
}

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
