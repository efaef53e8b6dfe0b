//! The counter's invariant: no lost update.

use super::{Violation, ViolationKind, thousands};
use crate::workload::counter::CounterPlan;

/// No lost update: the final value is the net of every operation.
pub fn check(plan: &CounterPlan, value: i64) -> Result<(), Vec<Violation>> {
    let expected = plan.expected();
    if value == expected {
        return Ok(());
    }
    let evidence = if plan.subtractors == 0 && value < expected {
        format!(
            "lost {} of {} updates (final {value}, expected {expected})",
            thousands((expected - value) as u64),
            thousands(plan.operations())
        )
    } else {
        format!(
            "final {value}, expected {expected}: at least {} of {} updates lost",
            thousands(value.abs_diff(expected)),
            thousands(plan.operations())
        )
    };
    Err(vec![Violation::new(ViolationKind::LostUpdate, evidence)])
}
