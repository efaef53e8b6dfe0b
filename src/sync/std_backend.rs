//! The real thing: `std::sync` and `std::thread`.

use super::Backend;
use std::cell::Cell;
use std::sync::atomic::{AtomicI64, AtomicUsize};

/// The payload of the panic [`Std`]'s spawn raises when the system refuses
/// a thread (the reason inside): the run could not be set up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpawnFailed(pub String);

/// Real threads and the standard library's primitives.
#[derive(Debug, Clone, Copy, Default)]
pub struct Std;

super::same::atomic_word!(AtomicUsize, usize);
super::same::atomic_word!(AtomicI64, i64);

thread_local! {
    static WORKER: Cell<usize> = const { Cell::new(0) };
}

impl Backend for Std {
    const NAME: &'static str = "std";

    type AtomicUsize = AtomicUsize;
    type AtomicI64 = AtomicI64;

    super::same::same_api!(std::sync);

    super::same::untracked_cell!();

    type JoinHandle<T: Send + 'static> = std::thread::JoinHandle<T>;
    fn spawn<F, T>(f: F) -> Self::JoinHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        // A thread the system refuses is a setup failure, not the code's:
        // a typed payload the threads tier turns into "inconclusive".
        std::thread::Builder::new()
            .spawn(f)
            .unwrap_or_else(|e| std::panic::panic_any(SpawnFailed(e.to_string())))
    }

    fn spin_hint(spins: u32) {
        // As crossbeam's Backoff: 1, 2, 4 .. 64 hints, then yield.
        if spins < 7 {
            for _ in 0..1u32 << spins {
                std::hint::spin_loop();
            }
        } else {
            // A spinner whose run the watchdog gave up on (a livelock)
            // stops here, so the run can return; the check is off the
            // fast path. `resume_unwind`: no panic message, it is no bug.
            if crate::workload::progress::abandoned_here() {
                std::panic::resume_unwind(Box::new(crate::workload::progress::Abandoned));
            }
            std::thread::yield_now();
        }
    }
}
