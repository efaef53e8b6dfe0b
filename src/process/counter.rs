//! The counter across processes: workers add or subtract one, many times,
//! on a word of the shared region, each `x += 1` a separate load and store
//! under the strategy (or one `fetch_add`, or a request to the server).
//! Checked by [`crate::check::counter::check`], as on every tier.

use super::failure::{Findings, WorkerError};
use super::lock::exclusive;
use super::region::Region;
use super::server::{self, Server};
use super::{Access, ProcessConfig, Strategy, lockfree};
use crate::check::counter::check;
use crate::os::arena::Arena;
use crate::os::crew::Crew;
use crate::os::progress::{self, STALL, Step, Watchdog};
use crate::os::window::Window;
use crate::tier::{Outcome, Work};
use crate::workload::counter::CounterPlan;
use std::cell::RefCell;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Instant;

/// Runs up to `config.rounds` rounds; stops at the first round that found
/// something (a violation, or a reason it could not be run).
pub fn run(strategy: Strategy, plan: &CounterPlan, config: &ProcessConfig) -> Outcome {
    let started = Instant::now();
    let mut rounds = 0;
    let mut findings = Findings::default();
    while rounds < config.rounds.max(1) && findings.is_clean() {
        rounds += 1;
        if let Err(found) = round(strategy, plan, config) {
            findings = found;
        }
    }
    // A round that could not be set up ran none of its operations.
    let rounds = rounds - u32::from(findings.setup.is_some());
    findings.outcome(
        Work::Operations {
            count: plan.operations() * u64::from(rounds),
            rounds,
        },
        started.elapsed(),
    )
}

/// One round in a fresh arena: fork, race, check. The final value, or what
/// the round found instead.
pub fn round(
    strategy: Strategy,
    plan: &CounterPlan,
    config: &ProcessConfig,
) -> Result<i64, Findings> {
    let setup = |what: &'static str| {
        move |e: std::io::Error| {
            let mut found = Findings::default();
            found.setup_failed(what, e);
            found
        }
    };
    let arena = Arena::new().map_err(setup("the run's directory"))?;
    let region = Region::create(&arena).map_err(setup("the shared region"))?;
    let shared = region.shared();
    let access = RefCell::new(
        strategy
            .access(&arena, &region)
            .map_err(setup("the lock"))?,
    );
    let server = match strategy {
        Strategy::Server => {
            Some(Server::start(&arena, 0, config.deadline).map_err(setup("the server"))?)
        }
        _ => None,
    };
    let socket = server.as_ref().map(|s| s.path().to_path_buf());
    let window = Window {
        parties: plan.threads() as u32,
        hold: config.hold,
    };
    let crew = Crew::spawn(plan.threads(), |i| -> Result<(), WorkerError> {
        let delta = if i < plan.adders { 1 } else { -1 };
        let mut access = access.borrow_mut();
        if let Access::Locked(lock) = &mut *access {
            lock.attach()
                .map_err(|e| WorkerError::Setup(format!("opening the lock: {e}")))?;
        }
        for _ in 0..plan.ops {
            match &mut *access {
                Access::Locked(lock) => exclusive(
                    lock.as_mut(),
                    config.lock_within,
                    || {},
                    || {
                        let seen = shared.counter.load(Relaxed);
                        window.pass(shared);
                        shared.counter.store(seen + delta, Relaxed);
                    },
                )?,
                Access::LockFree => {
                    lockfree::add(shared, delta);
                    progress::finish();
                }
                Access::Server => {
                    let op = if delta > 0 { "inc" } else { "dec" };
                    progress::enter(Step::Request);
                    server::request(socket.as_deref().expect("server"), op)
                        .map_err(|e| WorkerError::Store(format!("the server: {e}")))?;
                    progress::finish();
                }
            }
        }
        Ok(())
    })
    .map_err(setup("forking the workers"))?;
    let mut found = Findings::default();
    let mut watchdog = Watchdog::new(STALL);
    for (i, result) in crew
        .collect_watched::<Result<(), WorkerError>>(&mut watchdog, config.deadline)
        .into_iter()
        .enumerate()
    {
        let who = format!("worker {i}");
        match result {
            Ok(Ok(())) => {}
            Ok(Err(e)) => found.worker_error(&who, e),
            Err(failure) => found.failure(&who, failure),
        }
    }
    if !found.stalled.is_empty() {
        found.stalled_after(watchdog.stall());
    }
    let value = match server {
        Some(server) => match server.stop(config.deadline) {
            Ok(state) => Some(state.counter),
            Err(e) => {
                found.setup_failed("stopping the server", e);
                None
            }
        },
        None => Some(shared.counter.load(Relaxed)),
    };
    match value {
        Some(value) if found.is_clean() => {
            check(plan, value).map(|()| value).map_err(|v| Findings {
                violations: v,
                ..Findings::default()
            })
        }
        _ => Err(found),
    }
}
