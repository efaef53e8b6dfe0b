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

use super::record::{self, Op};
use super::{Backend, Ordering};
use std::cell::Cell;

/// Shuttle's controlled primitives: one scheduler-chosen interleaving per run.
#[derive(Debug, Clone, Copy, Default)]
pub struct Shuttle;

super::same::atomics!(Shuttle, shuttle::sync::atomic);

shuttle::thread_local! {
    // Shuttle runs every thread as a continuation on one OS thread, so a
    // std thread-local would be shared by all of them.
    static WORKER: Cell<usize> = Cell::new(0);
}

impl Backend for Shuttle {
    const NAME: &'static str = "shuttle";
    const SHARED_OS_THREAD: bool = true;

    super::same::same_api!(shuttle::sync);

    super::same::untracked_cell!();

    type JoinHandle<T: Send + 'static> = super::Spawned<shuttle::thread::JoinHandle<T>>;
    fn spawn<F, T>(f: F) -> Self::JoinHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let handle = shuttle::thread::spawn(f);
        let index = usize::from(handle.thread().id());
        record::log::push(Self::thread_index, || record::Raw::new(Op::Spawn, index));
        super::Spawned::new(handle, index)
    }

    /// Shuttle's own task id: it numbers the tasks of each schedule in the
    /// order they were created, the main task 0, and the facade creates no
    /// task but its threads. (A counter of our own in a shuttle lazy static
    /// would add scheduling points, and so change every seed's schedules.)
    fn thread_index() -> usize {
        shuttle::current::get_current_task().map_or(0, usize::from)
    }

    fn fence(order: Ordering) {
        record::around::<Self, _>(
            Op::Fence,
            0,
            || shuttle::sync::atomic::fence(order),
            |_, raw| raw.arg = record::ordering_code(order),
        )
    }

    /// A yield point: the scheduler deprioritises a spinner, so a spin lock
    /// does not run a schedule into shuttle's step bound.
    fn spin_hint(_spins: u32) {
        record::around::<Self, _>(Op::Spin, 0, shuttle::hint::spin_loop, |_, _| {})
    }
}
