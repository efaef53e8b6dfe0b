//! Whether the code under test used `SeqCst` in the running loom execution.
//!
//! Loom models `SeqCst` as `AcqRel` (its documented limit): a failure in an
//! execution that used `SeqCst` may need the total order loom does not
//! model, so [`crate::tier::loom`] reports it inconclusive
//! ([`Limit::LoomSeqCst`](crate::tier::Limit::LoomSeqCst)) instead of
//! violated. The loom backend notes every ordering its atomics and fences
//! use here. A std thread-local is right: loom runs every model thread as a
//! coroutine on the OS thread that called `loom::model` (the tier's runner
//! thread), so all of an execution's threads see one flag, and the tier
//! resets it before each execution.

use super::Ordering;
use std::cell::Cell;

thread_local! {
    static USED: Cell<bool> = const { Cell::new(false) };
    static QUIET: Cell<bool> = const { Cell::new(false) };
}

/// Notes `order` if it is `SeqCst` (outside [`quiet`]).
pub(crate) fn note(order: Ordering) {
    if order == Ordering::SeqCst && !QUIET.with(Cell::get) {
        USED.with(|used| used.set(true));
    }
}

/// Forgets what was noted: called before each loom execution.
pub(crate) fn reset() {
    USED.with(|used| used.set(false));
}

/// Whether a `SeqCst` access or fence was noted since the last [`reset`].
pub(crate) fn used() -> bool {
    USED.with(Cell::get)
}

/// Runs `f` without noting its orderings: for the checker's own
/// bookkeeping through the facade, whose `SeqCst` is not the code under
/// test's.
pub(crate) fn quiet<R>(f: impl FnOnce() -> R) -> R {
    let was = QUIET.with(|q| q.replace(true));
    let result = f();
    QUIET.with(|q| q.set(was));
    result
}
