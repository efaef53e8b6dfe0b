//! The facade's own record of a shuttle or loom execution: one step per
//! facade operation (lock, unlock, wait, notify, atomic access, spawn,
//! join), so user code with no probe calls still gets a trace.
//!
//! A stub on this branch: the facade fills it (issue 12's facade work);
//! until then an execution has no facade steps and a trace shows only
//! what the probe recorded.

use crate::workload::probe::Step;

/// The facade steps of the current (or, after it ended, the last) shuttle
/// or loom execution on this OS thread, as
/// [`Action::Facade`](crate::workload::probe::Action::Facade) steps.
pub(crate) fn execution_steps() -> Vec<Step> {
    Vec::new()
}
