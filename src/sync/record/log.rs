//! The steps of one loom execution or shuttle schedule, every thread's.
//!
//! Loom and shuttle run all threads of an execution on the one OS thread
//! that runs the search, so a std thread-local holds one log for all of
//! them; the worker of a step is [`Backend::thread_index`](crate::sync::Backend::thread_index).
//! The tier turns the log on and clears it at each execution ([`begin`]);
//! while it is off (the default) a facade operation costs one branch here.
//! Only the last [`CAP`] steps are kept: a trace shows how a run ended.

use super::Raw;
use super::text::{self, Names};
use crate::workload::probe::{Action, Step};
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;

/// Steps kept per execution: the last ones.
pub(crate) const CAP: usize = 4096;

thread_local! {
    static ON: Cell<bool> = const { Cell::new(false) };
    static LOG: RefCell<VecDeque<(usize, Raw)>> = const { RefCell::new(VecDeque::new()) };
}

/// Turns the log on for this OS thread and clears it: called by the tier
/// before each execution.
pub(crate) fn begin() {
    ON.with(|on| on.set(true));
    LOG.with_borrow_mut(VecDeque::clear);
}

/// Turns the log off (what it holds stays readable).
pub(crate) fn end() {
    ON.with(|on| on.set(false));
}

/// Appends the step `raw()` of worker `worker()`, if the log is on.
#[inline]
pub(crate) fn push(worker: impl FnOnce() -> usize, raw: impl FnOnce() -> Raw) {
    // Not while unwinding: loom's thread-locals (the worker's index) may
    // be gone once loom has stopped an execution (a deadlock), and a panic
    // in a guard's drop then would abort the process.
    if ON.with(Cell::get) && !std::thread::panicking() {
        let step = (worker(), raw());
        if step.1.op == super::Op::Spin {
            return;
        }
        LOG.with_borrow_mut(|log| {
            if log.len() == CAP {
                log.pop_front();
            }
            log.push_back(step);
        });
    }
}

/// The facade steps of the current execution (the last [`CAP`]), oldest
/// first, as [`Action::Facade`] steps named in order of first appearance.
pub(crate) fn execution_steps() -> Vec<Step> {
    let mut names = Names::default();
    LOG.with_borrow(|log| {
        log.iter()
            .map(|(worker, raw)| Step {
                worker: *worker,
                action: Action::Facade {
                    op: text::describe(raw, &mut names),
                },
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::super::Op;
    use super::*;

    #[test]
    fn the_log_keeps_the_last_steps_of_the_execution_only() {
        begin();
        for i in 0..CAP + 3 {
            push(|| i % 2, || Raw::new(Op::Lock, 7));
        }
        let steps = execution_steps();
        assert_eq!(steps.len(), CAP);
        assert_eq!(steps[0].worker, 1, "the first three steps were dropped");
        assert_eq!(
            steps[0].action,
            Action::Facade {
                op: "lock m0".into()
            }
        );
        end();
        push(|| 0, || Raw::new(Op::Lock, 7));
        assert_eq!(execution_steps().len(), CAP, "off: nothing recorded");
        begin();
        assert!(execution_steps().is_empty(), "a new execution starts empty");
        end();
    }
}
