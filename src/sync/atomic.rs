//! The atomic traits of the facade: one trait per kind of atomic, each
//! method std's method of the same name with std's semantics; the backend
//! decides what an ordering can show (loom explores the orderings, shuttle
//! treats every access as `SeqCst`).

use super::Ordering;

/// An atomic integer of type `V` (`usize`, `i64`, `u32`, `u64`).
///
/// Each method is std's method of the same name (`std::sync::atomic::AtomicUsize`),
/// with std's semantics.
pub trait AtomicWord<V>: Send + Sync + 'static {
    /// Creates the atomic holding `value`.
    fn new(value: V) -> Self;
    /// Loads the value.
    fn load(&self, order: Ordering) -> V;
    /// Stores `value`.
    fn store(&self, value: V, order: Ordering);
    /// Stores `value` and returns the previous value.
    fn swap(&self, value: V, order: Ordering) -> V;
    /// Stores `new` if the value is `current`: `Ok` with the previous value on
    /// success, `Err` with the value found on failure.
    fn compare_exchange(
        &self,
        current: V,
        new: V,
        success: Ordering,
        failure: Ordering,
    ) -> Result<V, V>;
    /// Adds `value` (wrapping on overflow) and returns the previous value.
    fn fetch_add(&self, value: V, order: Ordering) -> V;
    /// Subtracts `value` (wrapping on overflow) and returns the previous value.
    fn fetch_sub(&self, value: V, order: Ordering) -> V;
    /// Bitwise "or" with `value`; returns the previous value.
    fn fetch_or(&self, value: V, order: Ordering) -> V;
    /// Bitwise "and" with `value`; returns the previous value.
    fn fetch_and(&self, value: V, order: Ordering) -> V;
    /// Bitwise "xor" with `value`; returns the previous value.
    fn fetch_xor(&self, value: V, order: Ordering) -> V;
    /// Stores the larger of the value and `value`; returns the previous value.
    fn fetch_max(&self, value: V, order: Ordering) -> V;
    /// Stores the smaller of the value and `value`; returns the previous value.
    fn fetch_min(&self, value: V, order: Ordering) -> V;
}

/// An atomic boolean: std's `AtomicBool` methods of the same names.
pub trait AtomicFlag: Send + Sync + 'static {
    /// Creates the flag holding `value`.
    fn new(value: bool) -> Self;
    /// Loads the value.
    fn load(&self, order: Ordering) -> bool;
    /// Stores `value`.
    fn store(&self, value: bool, order: Ordering);
    /// Stores `value` and returns the previous value.
    fn swap(&self, value: bool, order: Ordering) -> bool;
    /// Stores `new` if the value is `current`: `Ok` with the previous value
    /// on success, `Err` with the value found on failure.
    fn compare_exchange(
        &self,
        current: bool,
        new: bool,
        success: Ordering,
        failure: Ordering,
    ) -> Result<bool, bool>;
    /// Logical "or" with `value`; returns the previous value.
    fn fetch_or(&self, value: bool, order: Ordering) -> bool;
    /// Logical "and" with `value`; returns the previous value.
    fn fetch_and(&self, value: bool, order: Ordering) -> bool;
}

/// An atomic raw pointer to a `T`: std's `AtomicPtr` methods of the same
/// names. The pointer is only stored and compared: dereferencing it is the
/// caller's `unsafe` business.
pub trait AtomicPointer<T>: Send + Sync {
    /// Creates the atomic holding `value`.
    fn new(value: *mut T) -> Self;
    /// Loads the pointer.
    fn load(&self, order: Ordering) -> *mut T;
    /// Stores `value`.
    fn store(&self, value: *mut T, order: Ordering);
    /// Stores `value` and returns the previous pointer.
    fn swap(&self, value: *mut T, order: Ordering) -> *mut T;
    /// Stores `new` if the pointer is `current`: `Ok` with the previous
    /// pointer on success, `Err` with the pointer found on failure.
    fn compare_exchange(
        &self,
        current: *mut T,
        new: *mut T,
        success: Ordering,
        failure: Ordering,
    ) -> Result<*mut T, *mut T>;
}
