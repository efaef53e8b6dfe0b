//! Shuttle's controlled primitives: each run follows one schedule chosen by
//! a randomised scheduler (uniform random or PCT), so larger configurations
//! than loom can exhaust still get many distinct interleavings. Code run on
//! this backend must run inside a shuttle runner (see [`crate::tier::shuttle`]).
//!
//! Shuttle models every atomic access as SeqCst and has no cell tracking:
//! a Relaxed-ordering bug is invisible to it, and the cell below is a plain
//! `std::cell::UnsafeCell` (so [`crate::lock::Locked::new_unchecked`] with a
//! broken lock stays loom-only). Shuttle never times out (as loom):
//! a timed wait is an untimed one.

use super::{Backend, Ordering};
use std::cell::Cell;

/// Shuttle's controlled primitives: one scheduler-chosen interleaving per run.
#[derive(Debug, Clone, Copy, Default)]
pub struct Shuttle;

super::same::atomics!(shuttle::sync::atomic);

shuttle::lazy_static! {
    // Threads created in this schedule, the main task included: shuttle
    // keeps lazy statics per execution, so each schedule starts at 1.
    static ref THREADS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(1);
}

shuttle::thread_local! {
    // Shuttle runs every thread as a continuation on one OS thread, so a
    // std thread-local would be shared by all of them.
    static WORKER: Cell<usize> = Cell::new(0);
    // This thread's index (see `super::thread_index`): 0 on the main task.
    static INDEX: Cell<usize> = Cell::new(0);
}

impl Backend for Shuttle {
    const NAME: &'static str = "shuttle";

    super::same::same_api!(shuttle::sync);

    super::same::untracked_cell!();

    type JoinHandle<T: Send + 'static> = shuttle::thread::JoinHandle<T>;
    fn spawn<F, T>(f: F) -> Self::JoinHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let index = THREADS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        shuttle::thread::spawn(move || {
            INDEX.with(|i| i.set(index));
            f()
        })
    }

    fn thread_index() -> usize {
        INDEX.with(Cell::get)
    }

    fn fence(order: Ordering) {
        shuttle::sync::atomic::fence(order)
    }

    /// A yield point: the scheduler deprioritises a spinner, so a spin lock
    /// does not run a schedule into shuttle's step bound.
    fn spin_hint(_spins: u32) {
        shuttle::hint::spin_loop()
    }
}
