//! The counter workload (the lessons' add/subtract pair, generalised) and
//! its invariant: no lost update.

use super::{Violation, ViolationKind, thousands};
use crate::model::counter::CounterImpl;
use crate::sync::Backend;
use crate::workload::probe::Probe;
use crate::workload::progress::{Op, Progress};
use serde::Serialize;
use std::sync::{Arc, Barrier};

/// `adders` threads each increment `ops` times, `subtractors` threads each
/// decrement `ops` times.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CounterPlan {
    pub adders: usize,
    pub subtractors: usize,
    pub ops: u64,
}

impl CounterPlan {
    pub fn threads(&self) -> usize {
        self.adders + self.subtractors
    }

    pub fn operations(&self) -> u64 {
        self.threads() as u64 * self.ops
    }

    pub fn expected(&self) -> i64 {
        (self.adders as i64 - self.subtractors as i64) * self.ops as i64
    }
}

/// Runs the plan on backend `B` with counter `C`; `start` lines the threads
/// up so they race from the first operation (std tier); `progress` records
/// each operation for the threads tier's watchdog. Returns the final value.
pub fn drive<B: Backend, C: CounterImpl<B>>(
    plan: &CounterPlan,
    probe: Probe,
    start: Option<Arc<Barrier>>,
    progress: &Progress,
) -> Result<i64, Vec<Violation>> {
    let counter = Arc::new(C::new(probe));
    let handles: Vec<_> = (0..plan.threads())
        .map(|i| {
            let counter = Arc::clone(&counter);
            let start = start.clone();
            let progress = progress.clone();
            let adds = i < plan.adders;
            let ops = plan.ops;
            B::spawn(move || {
                B::set_worker(i + 1);
                let track = progress.worker(i + 1);
                if let Some(start) = start {
                    start.wait();
                }
                for _ in 0..ops {
                    if adds {
                        track.run(Op::Increment, || counter.increment())
                    } else {
                        track.run(Op::Decrement, || counter.decrement())
                    }
                }
            })
        })
        .collect();
    let main = progress.worker(0);
    main.call(Op::Join);
    for handle in handles {
        if let Err(payload) = B::join(handle) {
            std::panic::resume_unwind(payload);
        }
    }
    main.ret();
    let value = counter.get();
    check(plan, value).map(|()| value)
}

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
