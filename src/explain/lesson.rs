//! The lesson of each broken strategy, naming the threads of the trace.

use super::Explanation;
use crate::model::ModelKind;
use crate::workload::probe::Action;

/// The first two threads that read shared state, in trace order
/// (`T0`, `T1` when the trace has no reads).
fn readers(e: &Explanation) -> (String, String) {
    let mut seen: Vec<&str> = Vec::new();
    for row in &e.rows {
        if matches!(row.action, Action::Read { .. }) && !seen.contains(&row.thread.as_str()) {
            seen.push(&row.thread);
        }
    }
    let name =
        |i: usize, fallback: &str| seen.get(i).map_or(fallback.to_string(), |s| s.to_string());
    (name(0, "one thread"), name(1, "another"))
}

/// The last thread that woke from a condition wait.
fn last_woken(e: &Explanation) -> String {
    e.rows
        .iter()
        .rev()
        .find(|r| matches!(r.action, Action::Woke { .. }))
        .map_or("a consumer".to_string(), |r| r.thread.clone())
}

/// The lesson for the failure in `e`.
pub fn lesson(e: &Explanation) -> String {
    let (a, b) = readers(e);
    match (e.model, e.strategy) {
        (ModelKind::Counter, "none") => format!(
            "`x += 1` is a read and a write, and {b} read between {a}'s read and write: \
             both wrote the same value and one update is lost. Make the pair one step: \
             a lock around both, or one atomic fetch_add."
        ),
        (ModelKind::Counter, "split-lock") => format!(
            "every access is locked, the update is not: the lock was free between {a}'s \
             read and its write, and {b} read the same value there. Lock the whole \
             read-modify-write, not each access."
        ),
        (_, "spin-relaxed") => format!(
            "the Relaxed spin lock lets one thread in at a time, but its unlock publishes \
             nothing: {b} took the lock after {a} released it and still read the old value. \
             Unlock with Release and lock with Acquire so the next holder sees the last write."
        ),
        (_, "semaphore-2") => format!(
            "a semaphore with two permits let {a} and {b} into the section together: \
             bounding concurrency is not mutual exclusion. With one permit it is a mutex."
        ),
        (ModelKind::Tickets, "none") => format!(
            "{a} and {b} both read `left = 1` before either sold: the check (`left > 0`) \
             and the sale are two steps and the other buyer ran between them. Decide and \
             sell under one lock, or compare-and-swap the count."
        ),
        (ModelKind::Tickets, "check-then-act") => format!(
            "{b} decided to buy on `left = 1` read outside the lock; by the time it held \
             the lock {a} had taken the ticket, and it sold anyway. A decision made before \
             the lock is only a memory inside it: check again under the lock."
        ),
        (ModelKind::Queue, "condvar-if") => format!(
            "{} woke from its wait and did not look again: another consumer had taken the \
             item between the notify and the wakeup, so it popped an empty queue. Wait in a \
             `while` loop: a wakeup is a hint, not a promise.",
            last_woken(e)
        ),
        (ModelKind::Queue, "one-condvar") => "producers and consumers sleep on one condition \
             variable, so notify_one can wake the wrong side: a consumer's wakeup went to \
             another consumer, the producer that needed it slept on, and at the end everyone \
             waits for a notify nobody will send. Use two condvars (not_full, not_empty), or \
             notify_all."
            .to_string(),
        (ModelKind::Queue, "unlocked-capacity") => "a producer saw room under the lock, \
             unlocked, then pushed; another producer used the same free slot in between. \
             Check and push under one hold of the lock."
            .to_string(),
        _ => format!(
            "the strategy lets two threads interleave inside one operation ({a}, {b}); \
             the invariant breaks between the two steps."
        ),
    }
}
