//! The real thing: `std::sync` and `std::thread`.

use super::record::{self, Op};
use super::{Backend, Ordering};
use std::cell::{Cell, RefCell};
use std::sync::Arc;
use std::sync::atomic::AtomicUsize;

/// The payload of the panic [`Std`]'s spawn raises when the system refuses
/// a thread (the reason inside): the run could not be set up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpawnFailed(pub String);

/// Real threads and the standard library's primitives.
#[derive(Debug, Clone, Copy, Default)]
pub struct Std;

super::same::atomics!(Std, std::sync::atomic);

thread_local! {
    static WORKER: Cell<usize> = const { Cell::new(0) };
    // This thread's index (see `super::thread_index`): 0 on a thread the
    // facade did not spawn, set by `spawn` on the others.
    static INDEX: Cell<usize> = const { Cell::new(0) };
    // The count of threads in this thread's spawn tree (its root included),
    // shared by every thread the root spawned, directly or not; None until
    // a root spawns its first thread.
    static TREE: RefCell<Option<Arc<AtomicUsize>>> = const { RefCell::new(None) };
}

impl Backend for Std {
    const NAME: &'static str = "std";

    super::same::same_api!(std::sync);

    super::same::untracked_cell!();

    type JoinHandle<T: Send + 'static> = super::Spawned<std::thread::JoinHandle<T>>;
    fn spawn<F, T>(f: F) -> Self::JoinHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        // A thread the system refuses is a setup failure, not the code's:
        // a typed payload the threads tier turns into "inconclusive".
        let tree = TREE.with(|tree| {
            Arc::clone(
                tree.borrow_mut()
                    .get_or_insert_with(|| Arc::new(AtomicUsize::new(1))),
            )
        });
        let index = tree.fetch_add(1, Ordering::Relaxed);
        // The round's records, if the threads tier keeps any, go with the
        // thread as its spawn tree does.
        let recording = record::round::current();
        let handle = record::around::<Self, _>(
            Op::Spawn,
            index,
            || {
                std::thread::Builder::new()
                    .spawn(move || {
                        INDEX.with(|i| i.set(index));
                        TREE.with(|t| *t.borrow_mut() = Some(tree));
                        let _recorded = recording.map(|r| r.install(index));
                        f()
                    })
                    .unwrap_or_else(|e| std::panic::panic_any(SpawnFailed(e.to_string())))
            },
            |_, _| {},
        );
        super::Spawned::new(handle, index)
    }

    fn thread_index() -> usize {
        INDEX.with(Cell::get)
    }

    fn fence(order: Ordering) {
        record::around::<Self, _>(
            Op::Fence,
            0,
            || std::sync::atomic::fence(order),
            |_, raw| raw.arg = record::ordering_code(order),
        )
    }

    fn spin_hint(spins: u32) {
        record::around::<Self, _>(Op::Spin, 0, || spin(spins), |_, _| {})
    }
}

/// Std's spin hint (see [`Backend::spin_hint`]).
fn spin(spins: u32) {
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
