//! Counters, checked with `racelab::counter!` (adders and subtractors race;
//! the final value must be the net of their operations).

use super::{Entry, broken, correct};
use racelab::check::ViolationKind::{self, *};
use racelab::model::counter::{Counter, CounterImpl};
use racelab::sync::{AtomicWord, Backend, Mutex, Ordering::*};
use racelab::workload::probe::Probe;

const LOST: &[ViolationKind] = &[LostUpdate];

/// Implements `CounterImpl` for a counter built by `Default`-like `$new`.
macro_rules! counter_impl {
    ($ty:ident, $new:expr) => {
        impl<B: Backend> CounterImpl<B> for $ty<B> {
            fn new(_: Probe) -> Self {
                $new
            }
        }
    };
}

/// One `fetch_add`. Correct.
pub struct FetchAdd<B: Backend>(B::AtomicI64);
counter_impl!(FetchAdd, FetchAdd(B::AtomicI64::new(0)));

impl<B: Backend> Counter for FetchAdd<B> {
    fn increment(&self) {
        self.0.fetch_add(1, Relaxed);
    }
    fn decrement(&self) {
        self.0.fetch_sub(1, Relaxed);
    }
    fn get(&self) -> i64 {
        self.0.load(Relaxed)
    }
}

/// A compare-exchange loop. Correct.
pub struct CasLoop<B: Backend>(B::AtomicI64);
counter_impl!(CasLoop, CasLoop(B::AtomicI64::new(0)));

impl<B: Backend> CasLoop<B> {
    fn add(&self, delta: i64) {
        let mut seen = self.0.load(Relaxed);
        while let Err(now) = self
            .0
            .compare_exchange(seen, seen + delta, Relaxed, Relaxed)
        {
            seen = now;
        }
    }
}

impl<B: Backend> Counter for CasLoop<B> {
    fn increment(&self) {
        self.add(1)
    }
    fn decrement(&self) {
        self.add(-1)
    }
    fn get(&self) -> i64 {
        self.0.load(Relaxed)
    }
}

/// An atomic read, then an atomic write.
pub struct LoadStore<B: Backend>(B::AtomicI64);
counter_impl!(LoadStore, LoadStore(B::AtomicI64::new(0)));

impl<B: Backend> Counter for LoadStore<B> {
    fn increment(&self) {
        // Bug: each access is atomic, the pair is not.
        let v = self.0.load(SeqCst);
        self.0.store(v + 1, SeqCst);
    }
    fn decrement(&self) {
        let v = self.0.load(SeqCst);
        self.0.store(v - 1, SeqCst);
    }
    fn get(&self) -> i64 {
        self.0.load(SeqCst)
    }
}

/// One compare-exchange, no retry.
pub struct CasOnce<B: Backend>(B::AtomicI64);
counter_impl!(CasOnce, CasOnce(B::AtomicI64::new(0)));

impl<B: Backend> CasOnce<B> {
    fn add(&self, delta: i64) {
        let v = self.0.load(Relaxed);
        // Bug: a failed compare-exchange is dropped, not retried.
        let _ = self.0.compare_exchange(v, v + delta, AcqRel, Relaxed);
    }
}

impl<B: Backend> Counter for CasOnce<B> {
    fn increment(&self) {
        self.add(1)
    }
    fn decrement(&self) {
        self.add(-1)
    }
    fn get(&self) -> i64 {
        self.0.load(Acquire)
    }
}

/// Take the value out with a swap, put it back plus one.
pub struct SwapOut<B: Backend>(B::AtomicI64);
counter_impl!(SwapOut, SwapOut(B::AtomicI64::new(0)));

impl<B: Backend> SwapOut<B> {
    fn add(&self, delta: i64) {
        // Bug: the swap takes the value, but another thread's update made
        // meanwhile on the 0 left behind is overwritten by the put-back.
        let v = self.0.swap(0, AcqRel);
        self.0.swap(v + delta, AcqRel);
    }
}

impl<B: Backend> Counter for SwapOut<B> {
    fn increment(&self) {
        self.add(1)
    }
    fn decrement(&self) {
        self.add(-1)
    }
    fn get(&self) -> i64 {
        self.0.load(Acquire)
    }
}

/// Increment under a mutex; decrement "only subtracts", so it skips it.
pub struct HalfLocked<B: Backend> {
    lock: Mutex<B, ()>,
    value: B::AtomicI64,
}
counter_impl!(
    HalfLocked,
    HalfLocked {
        lock: Mutex::new(()),
        value: B::AtomicI64::new(0),
    }
);

impl<B: Backend> Counter for HalfLocked<B> {
    fn increment(&self) {
        let _held = self.lock.lock();
        let v = self.value.load(Relaxed);
        self.value.store(v + 1, Relaxed);
    }
    fn decrement(&self) {
        // Bug: the lock guards nothing if one writer does not take it.
        let v = self.value.load(Relaxed);
        self.value.store(v - 1, Relaxed);
    }
    fn get(&self) -> i64 {
        let _held = self.lock.lock();
        self.value.load(Relaxed)
    }
}

/// Buffer updates in `pending`; flush them to `total` in batches.
pub struct Batched<B: Backend> {
    pending: B::AtomicI64,
    total: B::AtomicI64,
}
counter_impl!(
    Batched,
    Batched {
        pending: B::AtomicI64::new(0),
        total: B::AtomicI64::new(0),
    }
);

impl<B: Backend> Batched<B> {
    const BATCH: i64 = 2;
    fn add(&self, delta: i64) {
        let now = self.pending.fetch_add(delta, Relaxed) + delta;
        if now.abs() >= Self::BATCH {
            // Bug: read, add, then zero: updates that land in between are wiped.
            let moved = self.pending.load(Relaxed);
            self.total.fetch_add(moved, Relaxed);
            self.pending.store(0, Relaxed);
        }
    }
}

impl<B: Backend> Counter for Batched<B> {
    fn increment(&self) {
        self.add(1)
    }
    fn decrement(&self) {
        self.add(-1)
    }
    fn get(&self) -> i64 {
        self.total.load(Relaxed) + self.pending.load(Relaxed)
    }
}

/// Shards, one per worker; whoever fills its shard flushes every shard.
pub struct Sharded<B: Backend> {
    shards: [B::AtomicI64; 4],
    total: B::AtomicI64,
}
counter_impl!(
    Sharded,
    Sharded {
        shards: std::array::from_fn(|_| B::AtomicI64::new(0)),
        total: B::AtomicI64::new(0),
    }
);

impl<B: Backend> Sharded<B> {
    fn add(&self, delta: i64) {
        let mine = &self.shards[B::worker() % self.shards.len()];
        mine.fetch_add(delta, Relaxed);
        // Bug: flushing another thread's shard by load + store races with
        // that thread's own fetch_add on it.
        for shard in &self.shards {
            let moved = shard.load(Relaxed);
            self.total.fetch_add(moved, Relaxed);
            shard.store(0, Relaxed);
        }
    }
}

impl<B: Backend> Counter for Sharded<B> {
    fn increment(&self) {
        self.add(1)
    }
    fn decrement(&self) {
        self.add(-1)
    }
    fn get(&self) -> i64 {
        let shards: i64 = self.shards.iter().map(|s| s.load(Relaxed)).sum();
        self.total.load(Relaxed) + shards
    }
}

/// Lock a mutex made for the call.
pub struct FreshMutex<B: Backend>(B::AtomicI64);
counter_impl!(FreshMutex, FreshMutex(B::AtomicI64::new(0)));

impl<B: Backend> FreshMutex<B> {
    fn add(&self, delta: i64) {
        // Bug: each call locks its own new mutex, which excludes nobody.
        let lock = Mutex::<B, ()>::new(());
        let _held = lock.lock();
        let v = self.0.load(Acquire);
        self.0.store(v + delta, Release);
    }
}

impl<B: Backend> Counter for FreshMutex<B> {
    fn increment(&self) {
        self.add(1)
    }
    fn decrement(&self) {
        self.add(-1)
    }
    fn get(&self) -> i64 {
        self.0.load(Acquire)
    }
}

/// The counter entries.
pub fn entries() -> Vec<Entry> {
    vec![
        correct(
            "counter_fetch_add",
            "counter",
            "one fetch_add per update",
            || racelab::counter!(FetchAdd),
        ),
        correct(
            "counter_cas_loop",
            "counter",
            "compare-exchange retried until it lands",
            || racelab::counter!(CasLoop),
        ),
        broken(
            "counter_load_store",
            "counter",
            "atomic load, then atomic store",
            LOST,
            || racelab::counter!(LoadStore),
        ),
        broken(
            "counter_cas_once",
            "counter",
            "compare-exchange without retry",
            LOST,
            || racelab::counter!(CasOnce),
        ),
        broken(
            "counter_swap_out",
            "counter",
            "swap the value out, swap it back plus one",
            LOST,
            || racelab::counter!(SwapOut),
        ),
        broken(
            "counter_half_locked",
            "counter",
            "increment takes the mutex, decrement does not",
            LOST,
            || racelab::counter!(HalfLocked),
        ),
        broken(
            "counter_batched_flush",
            "counter",
            "batch flush reads, adds, then zeroes: updates in between are lost",
            LOST,
            || racelab::counter!(Batched),
        ),
        broken(
            "counter_sharded_flush",
            "counter",
            "flushes other threads' shards by load + store",
            LOST,
            || racelab::counter!(Sharded),
        ),
        broken(
            "counter_fresh_mutex",
            "counter",
            "locks a mutex made for the call",
            LOST,
            || racelab::counter!(FreshMutex),
        ),
    ]
}
