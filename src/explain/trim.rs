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
use crate::sync::Std;
use crate::workload::probe::{Action, ProbeState, Step};
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
        Action::Facade { op } => op.clone(),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn step(worker: usize, action: Action) -> Step {
        Step { worker, action }
    }

    fn label(i: usize) -> String {
        format!("W{i}")
    }

    fn texts(steps: Vec<Step>) -> Vec<String> {
        let state = ProbeState {
            steps,
            ..ProbeState::default()
        };
        rows(&state, &label).into_iter().map(|r| r.text).collect()
    }

    #[test]
    fn a_call_and_its_return_fold_only_when_nothing_ran_between() {
        let call = |w| {
            step(
                w,
                Action::Call {
                    op: "get".to_string(),
                },
            )
        };
        let ret = |w| {
            step(
                w,
                Action::Return {
                    op: "get".to_string(),
                    result: "1".to_string(),
                },
            )
        };
        assert_eq!(texts(vec![call(1), ret(1)]), ["get() -> 1"]);
        assert_eq!(
            texts(vec![call(1), call(2), ret(1)]),
            ["get()", "get()", "get() -> 1"]
        );
    }

    #[test]
    fn the_none_strategy_has_no_lock_rows_and_a_real_lock_keeps_them() {
        let steps = vec![
            step(1, Action::Acquire { lock: "none" }),
            step(1, Action::Read { var: "x", value: 0 }),
            step(1, Action::Release { lock: "none" }),
            step(2, Action::Acquire { lock: "mutex" }),
        ];
        assert_eq!(texts(steps), ["read x = 0", "lock (mutex)"]);
    }

    #[test]
    fn a_read_older_than_the_last_write_is_marked_stale() {
        let steps = vec![
            step(1, Action::Write { var: "x", value: 1 }),
            step(2, Action::Read { var: "x", value: 0 }),
            step(2, Action::Read { var: "x", value: 1 }),
        ];
        assert_eq!(
            texts(steps),
            [
                "write x = 1",
                "read x = 0 (stale: last write 1)",
                "read x = 1"
            ]
        );
    }

    #[test]
    fn join_bookkeeping_is_dropped_unless_someone_waits_on_it() {
        let steps = vec![
            step(0, Action::Wait { on: JOIN }),
            step(
                1,
                Action::Notify {
                    on: JOIN,
                    all: true,
                },
            ),
        ];
        assert!(texts(steps.clone()).is_empty());
        let mut stuck = ProbeState {
            steps,
            ..ProbeState::default()
        };
        stuck.waiting.insert(0, JOIN);
        assert_eq!(rows(&stuck, &label).len(), 2);
    }
}
