//! The model checker: loom's mocks of the same primitives. Code run on this
//! backend must run inside `loom::model` (see [`crate::tier::loom`]).

use super::record::{self, Op};
use super::{Backend, Ordering};
use std::cell::Cell;

/// Loom's mocked primitives: every interleaving is explored.
#[derive(Debug, Clone, Copy, Default)]
pub struct Loom;

super::same::atomics!(Loom, loom::sync::atomic, super::seq_cst::note);

/// The payload of the panic the facade raises when the code under test asks
/// loom for more than loom can model. It is loom's limit, not the code's
/// fault: [`crate::tier::loom`] downcasts it and reports the search
/// inconclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoomLimitHit {
    /// The execution would hold `wanted` threads (the model's main thread
    /// included); loom models at most [`loom::MAX_THREADS`].
    Threads {
        /// The threads the execution would hold, the refused one included.
        wanted: usize,
    },
}

/// How many spins of one waiter loom runs without yielding (see
/// [`Backend::spin_hint`]): a spinner that gives up after at most this many
/// spins is caught proceeding unlocked; each unyielded spin costs the
/// search more executions of every spin lock.
pub const LOOM_UNYIELDED_SPINS: u32 = 2;

loom::lazy_static! {
    // Threads created in this execution, the model's main thread included:
    // loom keeps lazy statics per execution, so it starts again at 1 for
    // each one. A std atomic: counting must add no branch to loom's search.
    static ref THREADS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(1);
}

loom::thread_local! {
    // Loom runs every model thread as a coroutine on one OS thread, so a
    // std thread-local would be shared by all of them.
    static WORKER: Cell<usize> = Cell::new(0);
    // This thread's index (see `super::thread_index`): 0 on the model's
    // main thread, set by `spawn` on the others.
    static INDEX: Cell<usize> = Cell::new(0);
}

impl Backend for Loom {
    const NAME: &'static str = "loom";
    const SHARED_OS_THREAD: bool = true;

    super::same::same_api!(loom::sync);

    type UnsafeCell<T> = loom::cell::UnsafeCell<T>;
    fn new_cell<T>(value: T) -> Self::UnsafeCell<T> {
        loom::cell::UnsafeCell::new(value)
    }
    fn cell_with_mut<T, R>(cell: &Self::UnsafeCell<T>, f: impl FnOnce(*mut T) -> R) -> R {
        cell.with_mut(f)
    }

    type JoinHandle<T: Send + 'static> = super::Spawned<loom::thread::JoinHandle<T>>;
    fn spawn<F, T>(f: F) -> Self::JoinHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        // Loom would stop with a bare assertion deep in its scheduler: say
        // here, with a typed payload, that the model is too big for loom.
        let wanted = THREADS.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        if wanted > loom::MAX_THREADS {
            std::panic::panic_any(LoomLimitHit::Threads { wanted });
        }
        // The threads counted so far, main included: the new one's index.
        let index = wanted - 1;
        let handle = record::around::<Self, _>(
            Op::Spawn,
            index,
            || {
                loom::thread::spawn(move || {
                    INDEX.with(|i| i.set(index));
                    f()
                })
            },
            |_, _| {},
        );
        super::Spawned::new(handle, index)
    }

    fn thread_index() -> usize {
        INDEX.with(Cell::get)
    }

    fn fence(order: Ordering) {
        super::seq_cst::note(order);
        record::around::<Self, _>(
            Op::Fence,
            0,
            || loom::sync::atomic::fence(order),
            |_, raw| raw.arg = record::ordering_code(order),
        )
    }

    /// The first [`LOOM_UNYIELDED_SPINS`] spins of a waiter are plain
    /// branch points: loom may keep running the spinner while the holder is
    /// preempted, so a lock that gives up within that many spins and enters
    /// anyway is caught. Later spins yield (loom would otherwise stop a spin
    /// loop at its branch limit): a lock that gives up only after more
    /// spins than that is not searched by loom.
    fn spin_hint(spins: u32) {
        if spins >= LOOM_UNYIELDED_SPINS {
            record::around::<Self, _>(Op::Spin, 0, loom::hint::spin_loop, |_, _| {})
        }
    }
}
