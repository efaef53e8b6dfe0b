//! The counter workload: the racy add/subtract pair of docs/scenarios.md
//! §2, generalised. Checked by [`crate::check::counter::check`].

use super::{Form, Workload, worker_label};
use crate::check::Violation;
use crate::check::counter::check;
use crate::model::ModelKind;
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
    /// Threads that increment.
    pub adders: usize,
    /// Threads that decrement.
    pub subtractors: usize,
    /// Operations per thread.
    pub ops: u64,
}

impl CounterPlan {
    /// Adders and subtractors together.
    pub fn threads(&self) -> usize {
        self.adders + self.subtractors
    }

    /// Increments and decrements together.
    pub fn operations(&self) -> u64 {
        self.threads() as u64 * self.ops
    }

    /// Loom's ladder (see [`climb`](super::ladder::climb)): two threads
    /// one operation each, then two each (a bug past the first
    /// operation), then three threads.
    pub fn loom_ladder() -> Vec<super::ladder::Rung<Self>> {
        let plan = |adders, ops| CounterPlan {
            adders,
            subtractors: 0,
            ops,
        };
        vec![
            (plan(2, 1), None),
            (plan(2, 2), Some(3)),
            // Three threads at bound 1: at bound 2 a spin lock's three-way
            // contention runs loom past its branch limit or its time cap.
            (plan(3, 1), Some(1)),
        ]
    }

    /// The final value when no update is lost.
    pub fn expected(&self) -> i64 {
        (self.adders as i64 - self.subtractors as i64) * self.ops as i64
    }
}

impl Workload for CounterPlan {
    const MODEL: ModelKind = ModelKind::Counter;

    fn label(&self, index: usize) -> String {
        worker_label("T", index)
    }

    fn threads(&self) -> usize {
        CounterPlan::threads(self)
    }

    /// Two racers show a lost update.
    fn parties(&self) -> usize {
        2
    }

    fn operations(&self) -> u64 {
        CounterPlan::operations(self)
    }
}

/// Counter `C` on backend `B`, as a form a tier runs.
pub fn form<B: Backend, C: CounterImpl<B>>() -> Form<B, CounterPlan> {
    Form::new(|plan, probe, start, progress| drive::<B, C>(plan, probe, start, progress).map(drop))
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
