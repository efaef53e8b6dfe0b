//! From raw steps to the rows of a readable trace.
//!
//! Three rules keep the table minimal without hiding anything that matters:
//! 1. The `none` strategy takes no lock, so its "lock none" / "unlock none"
//!    steps are dropped (they mark where a lock *would* be).
//! 2. The queue's `all_done` condition (task_done / join bookkeeping) is
//!    dropped unless someone is left waiting on it.
//! 3. A call immediately followed by its own return (no other thread ran
//!    in between) is one row: `get() -> 1`.
//! 4. A read that returns an older value than the last write to its
//!    variable (weak memory: a Relaxed load) says so: `(stale: last write 1)`.
//! 5. Everything else is one row per step, in the order loom ran them.

use super::Row;
use crate::lock::{Lock, NoLock};
use crate::probe::{Action, ProbeState, Step};
use crate::sync::Std;
use std::collections::BTreeMap;

/// The rows of a failing execution (`last`: the probe's state at its end);
/// `label` names a worker.
pub fn rows(last: &ProbeState, label: &dyn Fn(usize) -> String) -> Vec<Row> {
    let no_lock = <NoLock as Lock<Std>>::NAME;
    // join()'s bookkeeping matters only if someone is stuck in it.
    let join_matters = last.waiting.values().any(|on| *on == JOIN);
    let kept: Vec<&Step> = last
        .steps
        .iter()
        .filter(|s| match &s.action {
            Action::Acquire { lock } | Action::Release { lock } => *lock != no_lock,
            Action::Wait { on } | Action::Woke { on } | Action::Notify { on, .. } => {
                *on != JOIN || join_matters
            }
            _ => true,
        })
        .collect();
    let mut rows = Vec::with_capacity(kept.len());
    let mut last_write: BTreeMap<&str, i64> = BTreeMap::new();
    let mut i = 0;
    while i < kept.len() {
        let step = kept[i];
        match step.action {
            Action::Write { var, value } => {
                last_write.insert(var, value);
            }
            Action::Read { var, value } if last_write.get(var).is_some_and(|w| *w != value) => {
                rows.push(Row {
                    thread: label(step.worker),
                    text: format!(
                        "{} (stale: last write {})",
                        text(&step.action),
                        last_write[var]
                    ),
                    action: step.action.clone(),
                });
                i += 1;
                continue;
            }
            _ => {}
        }
        if let (Action::Call { op }, Some(next)) = (&step.action, kept.get(i + 1))
            && next.worker == step.worker
            && let Action::Return { op: done, result } = &next.action
            && base(done) == base(op)
        {
            rows.push(Row {
                thread: label(step.worker),
                text: format!("{} -> {result}", call(op)),
                action: next.action.clone(),
            });
            i += 2;
            continue;
        }
        rows.push(Row {
            thread: label(step.worker),
            text: text(&step.action),
            action: step.action.clone(),
        });
        i += 1;
    }
    rows
}

use crate::model::queue::LEN;

/// The condition `join` waits on (see [`crate::model::queue`]).
const JOIN: &str = "all_done";

/// The operation's name without its arguments: `put(P0#1)` -> `put`.
fn base(op: &str) -> &str {
    op.split('(').next().unwrap_or(op)
}

/// `get` -> `get()`; `buy(0)` stays.
fn call(op: &str) -> String {
    if op.contains('(') {
        op.to_string()
    } else {
        format!("{op}()")
    }
}

/// One step as the table prints it.
pub fn text(action: &Action) -> String {
    match action {
        Action::Call { op } => call(op),
        Action::Return { op, result } => format!("{} -> {result}", call(op)),
        Action::Read { var, value } => format!("read {var} = {value}"),
        Action::Write { var, value } => format!("write {var} = {value}"),
        Action::Acquire { lock } => format!("lock ({lock})"),
        Action::Release { lock } => format!("unlock ({lock})"),
        Action::Wait { on } => format!("wait on {on}"),
        Action::Woke { on } => format!("woke from {on}"),
        Action::Notify { on, all: false } => format!("notify_one {on}"),
        Action::Notify { on, all: true } => format!("notify_all {on}"),
    }
}

/// Ends the trace at the push that took the queue past `capacity`: that
/// row is the violation, and what follows is the consumers draining it.
pub fn cut_after_overflow(rows: &mut Vec<Row>, capacity: usize) {
    let over = rows.iter().position(|r| {
        matches!(r.action, Action::Write { var, value } if var == LEN && value > capacity as i64)
    });
    if let Some(at) = over {
        rows.truncate(at + 1);
    }
}
