//! The counter: increment, decrement, get.
//!
//! Specification: after any set of operations, `get()` equals the initial
//! value plus the increments minus the decrements. The racy counter of
//! docs/scenarios.md §2: one thread adds 1 n times, another subtracts 1 n
//! times; the result must be 0. A violation is a *lost update*.

use crate::lock::Lock;
use crate::sync::{AtomicWord, Backend, Ordering::*};
use crate::workload::probe::Probe;

/// The counter's operations.
pub trait Counter: Send + Sync + 'static {
    /// Adds 1.
    fn increment(&self);
    /// Subtracts 1.
    fn decrement(&self);
    /// The current value.
    fn get(&self) -> i64;
}

/// A counter implementation that the checkers can build on any backend.
pub trait CounterImpl<B: Backend>: Counter {
    /// A counter at 0 whose steps are recorded by `probe`.
    fn new(probe: Probe) -> Self;
}

/// The counter's value, as the trace names it.
pub const VAR: &str = "x";

/// The trace's name for an update by `delta`.
fn op_name(delta: i64) -> String {
    if delta >= 0 { "increment" } else { "decrement" }.to_string()
}

/// Records a `get` (the checker's final read, so the trace ends with the
/// value the invariant judged) and hands the value back.
fn traced_get(probe: &Probe, value: i64) -> i64 {
    probe.call(|| "get".to_string());
    probe.ret(|| "get".to_string(), || value.to_string());
    value
}

/// Read, then write, inside the strategy's exclusive section. With a correct
/// lock this is the textbook locked `x += 1`; with [`crate::lock::NoLock`]
/// it is the racy one.
pub struct LockedCounter<B: Backend, L: Lock<B>> {
    lock: L,
    value: B::AtomicI64,
    probe: Probe,
}

impl<B: Backend, L: Lock<B>> LockedCounter<B, L> {
    fn add(&self, delta: i64) {
        self.probe.call(|| op_name(delta));
        self.lock.exclusive(|| {
            self.probe.acquire(L::NAME);
            let seen = self.value.load(Relaxed);
            self.probe.read(VAR, seen);
            self.probe.window();
            self.value.store(seen + delta, Relaxed);
            self.probe.write(VAR, seen + delta);
            self.probe.release(L::NAME);
        })
    }
}

impl<B: Backend, L: Lock<B>> Counter for LockedCounter<B, L> {
    fn increment(&self) {
        self.add(1)
    }
    fn decrement(&self) {
        self.add(-1)
    }
    fn get(&self) -> i64 {
        traced_get(&self.probe, self.lock.shared(|| self.value.load(Relaxed)))
    }
}

impl<B: Backend, L: Lock<B>> CounterImpl<B> for LockedCounter<B, L> {
    fn new(probe: Probe) -> Self {
        LockedCounter {
            lock: L::new(),
            value: B::AtomicI64::new(0),
            probe,
        }
    }
}

/// Each step locked, the pair not: `let v = lock(read); lock(write v + 1)`.
/// Broken: another thread's whole update fits between the two sections and
/// is overwritten. Locking every access is not the same as locking the
/// operation.
pub struct SplitLockCounter<B: Backend, L: Lock<B>> {
    lock: L,
    value: B::AtomicI64,
    probe: Probe,
}

impl<B: Backend, L: Lock<B>> SplitLockCounter<B, L> {
    fn add(&self, delta: i64) {
        self.probe.call(|| op_name(delta));
        let seen = self.lock.exclusive(|| {
            self.probe.acquire(L::NAME);
            let seen = self.value.load(Relaxed);
            self.probe.read(VAR, seen);
            self.probe.release(L::NAME);
            seen
        });
        self.probe.window();
        self.lock.exclusive(|| {
            self.probe.acquire(L::NAME);
            self.value.store(seen + delta, Relaxed);
            self.probe.write(VAR, seen + delta);
            self.probe.release(L::NAME);
        })
    }
}

impl<B: Backend, L: Lock<B>> Counter for SplitLockCounter<B, L> {
    fn increment(&self) {
        self.add(1)
    }
    fn decrement(&self) {
        self.add(-1)
    }
    fn get(&self) -> i64 {
        traced_get(
            &self.probe,
            self.lock.exclusive(|| self.value.load(Relaxed)),
        )
    }
}

impl<B: Backend, L: Lock<B>> CounterImpl<B> for SplitLockCounter<B, L> {
    fn new(probe: Probe) -> Self {
        SplitLockCounter {
            lock: L::new(),
            value: B::AtomicI64::new(0),
            probe,
        }
    }
}

/// Lock-free: one `fetch_add`, a single indivisible read-modify-write.
/// Correct, with any ordering: atomic read-modify-writes on one word are
/// never lost (Relaxed suffices when nothing else is published with it).
pub struct AtomicCounter<B: Backend> {
    value: B::AtomicI64,
    probe: Probe,
}

impl<B: Backend> AtomicCounter<B> {
    fn add(&self, delta: i64) {
        self.probe.call(|| op_name(delta));
        let old = self.value.fetch_add(delta, Relaxed);
        self.probe.read(VAR, old);
        self.probe.write(VAR, old + delta);
    }
}

impl<B: Backend> Counter for AtomicCounter<B> {
    fn increment(&self) {
        self.add(1)
    }
    fn decrement(&self) {
        self.add(-1)
    }
    fn get(&self) -> i64 {
        traced_get(&self.probe, self.value.load(Relaxed))
    }
}

impl<B: Backend> CounterImpl<B> for AtomicCounter<B> {
    fn new(probe: Probe) -> Self {
        AtomicCounter {
            value: B::AtomicI64::new(0),
            probe,
        }
    }
}
