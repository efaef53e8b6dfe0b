//! The counter across processes: workers add or subtract one, many times,
//! on a word of the shared region, each `x += 1` a separate load and store
//! under the strategy's lock (or one `fetch_add`, or a request to the
//! server). Checked by [`crate::check::counter::check`], as on every tier.
//!
//! The round below runs any `ProcessCounter` and never asks which one it
//! has: `CounterUnderLock` takes any [`ProcessLock`]; the lock-free
//! strategy's form is in [`super::lockfree`], the server's in
//! [`super::server`].

use super::failure::{Findings, WorkerError};
use super::lock::{ProcessLock, exclusive};
use super::region::{Region, RegionWords};
use super::strategy::Site;
use super::{Pace, ProcessConfig, ProcessForm, SetupError};
use crate::check::counter::check;
use crate::os::arena::Arena;
use crate::os::crew::Crew;
use crate::os::progress::{self, Mark, STALL, Watchdog};
use crate::workload::counter::CounterPlan;
use std::cell::RefCell;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;

/// How a counter worker reaches the count, made in the parent before the
/// fork (each worker then has its own copy).
pub(crate) trait ProcessCounter {
    /// In the parent, before the fork: start what the workers talk to.
    fn open(&mut self, _lifetime: Duration) -> Result<(), SetupError> {
        Ok(())
    }

    /// In the worker, after the fork.
    fn attach(&mut self) -> Result<(), WorkerError> {
        Ok(())
    }

    /// One `x += delta`.
    fn add(&mut self, delta: i64, pace: &Pace) -> Result<(), WorkerError>;

    /// In the parent, once the workers are done: the final count.
    fn value(&mut self, within: Duration) -> Result<i64, SetupError>;
}

/// The counter under a process lock: load, wait in the race window, store,
/// all inside the lock.
pub(crate) struct CounterUnderLock<'a> {
    lock: Box<dyn ProcessLock + 'a>,
    shared: &'a RegionWords,
}

impl<'a> CounterUnderLock<'a> {
    pub fn new(lock: Box<dyn ProcessLock + 'a>, shared: &'a RegionWords) -> CounterUnderLock<'a> {
        CounterUnderLock { lock, shared }
    }
}

impl ProcessCounter for CounterUnderLock<'_> {
    fn attach(&mut self) -> Result<(), WorkerError> {
        self.lock
            .attach()
            .map_err(|e| WorkerError::Setup(format!("opening the lock: {e}")))
    }

    fn add(&mut self, delta: i64, pace: &Pace) -> Result<(), WorkerError> {
        let shared = self.shared;
        exclusive(
            &mut *self.lock,
            pace.lock_within,
            || {},
            || {
                let seen = shared.counter.load(Relaxed);
                progress::note(Mark::Read(seen));
                pace.pass_window();
                shared.counter.store(seen + delta, Relaxed);
                progress::note(Mark::Wrote(seen + delta));
            },
        )?;
        Ok(())
    }

    fn value(&mut self, _within: Duration) -> Result<i64, SetupError> {
        Ok(self.shared.counter.load(Relaxed))
    }
}

/// One round in a fresh arena: fork, race, check. The final value, or what
/// the round found instead (boxed: it carries each worker's trace).
pub fn round(
    form: impl Into<ProcessForm>,
    plan: &CounterPlan,
    config: &ProcessConfig,
) -> Result<i64, Box<Findings>> {
    let setup = |what: &'static str| {
        move |e: std::io::Error| Box::new(Findings::from(SetupError::new(what, e)))
    };
    let arena = Arena::new().map_err(setup("the run's directory"))?;
    let region = Region::create(&arena).map_err(setup("the shared region"))?;
    let site = Site::new(&arena, region.shared());
    let counter = RefCell::new(
        form.into()
            .descriptor()
            .counter(&site)
            .map_err(setup("the lock"))?,
    );
    counter
        .borrow_mut()
        .open(config.deadline)
        .map_err(|e| Box::new(Findings::from(e)))?;
    let pace = Pace::new(plan.threads(), config, region.shared());
    let crew = Crew::spawn(plan.threads(), |i| -> Result<(), WorkerError> {
        let delta = if i < plan.adders { 1 } else { -1 };
        let mut counter = counter.borrow_mut();
        counter.attach()?;
        for _ in 0..plan.ops {
            counter.add(delta, &pace)?;
        }
        Ok(())
    })
    .map_err(setup("forking the workers"))?;
    let mut found = Findings::default();
    let mut watchdog = Watchdog::new(STALL);
    let collected = crew.collect_steps::<Result<(), WorkerError>>(&mut watchdog, config.deadline);
    let who: Vec<String> = (0..plan.threads()).map(|i| format!("worker {i}")).collect();
    found.traced(&who, &collected.steps);
    for (who, result) in who.iter().zip(collected.results) {
        match result {
            Ok(Ok(())) => {}
            Ok(Err(e)) => found.worker_error(who, e),
            Err(failure) => found.failure(who, failure),
        }
    }
    if !found.stalled.is_empty() {
        found.stalled_after(watchdog.stall());
    }
    let value = match counter.borrow_mut().value(config.deadline) {
        Ok(value) => Some(value),
        Err(e) => {
            found.setup_failed(e.what, e.why);
            None
        }
    };
    match value {
        Some(value) if found.is_clean() => check(plan, value).map(|()| value).map_err(|v| {
            Box::new(Findings {
                violations: v,
                trace: found.trace,
                ..Findings::default()
            })
        }),
        _ => Err(Box::new(found)),
    }
}

impl From<SetupError> for Findings {
    fn from(e: SetupError) -> Self {
        let mut found = Findings::default();
        found.setup_failed(e.what, e.why);
        found
    }
}
