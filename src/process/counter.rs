//! The counter across processes: workers add or subtract one, many times,
//! on a word of the shared region, each `x += 1` a separate load and store
//! under the strategy (or one `fetch_add`, or a request to the server).
//! Checked by [`crate::check::counter::check`], as on every tier.

use super::arena::Arena;
use super::crew::Crew;
use super::lock::exclusive;
use super::region::Region;
use super::server::{self, Server};
use super::window::Window;
use super::{Access, ProcessConfig, Strategy, failure_violation, lockfree};
use crate::check::Violation;
use crate::check::counter::{CounterPlan, check};
use crate::tier::{Outcome, Work};
use std::cell::RefCell;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Instant;

/// Runs up to `config.rounds` rounds; stops at the first violation.
pub fn run(strategy: Strategy, plan: &CounterPlan, config: &ProcessConfig) -> Outcome {
    let started = Instant::now();
    let mut rounds = 0;
    let mut violations = Vec::new();
    while rounds < config.rounds.max(1) {
        rounds += 1;
        if let Err(found) = round(strategy, plan, config) {
            violations = found;
            break;
        }
    }
    Outcome {
        violations,
        work: Work::Operations {
            count: plan.operations() * u64::from(rounds),
            rounds,
        },
        elapsed: started.elapsed(),
        inconclusive: None,
    }
}

/// One round in a fresh arena: fork, race, check.
pub fn round(
    strategy: Strategy,
    plan: &CounterPlan,
    config: &ProcessConfig,
) -> Result<i64, Vec<Violation>> {
    let io = |e: std::io::Error| vec![failure_violation(0, &format!("setup: {e}"))];
    let arena = Arena::new().map_err(io)?;
    let region = Region::create(&arena).map_err(io)?;
    let shared = region.shared();
    let access = RefCell::new(strategy.access(&arena, &region).map_err(io)?);
    let server = match strategy {
        Strategy::Server => Some(Server::start(&arena, 0, config.deadline).map_err(io)?),
        _ => None,
    };
    let socket = server.as_ref().map(|s| s.path().to_path_buf());
    let window = Window {
        parties: plan.threads() as u32,
        hold: config.hold,
    };
    let crew = Crew::spawn(plan.threads(), |i| -> Result<(), String> {
        let delta = if i < plan.adders { 1 } else { -1 };
        let mut access = access.borrow_mut();
        if let Access::Locked(lock) = &mut *access {
            lock.attach().map_err(|e| e.to_string())?;
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
                )
                .map_err(|e| e.to_string())?,
                Access::LockFree => lockfree::add(shared, delta),
                Access::Server => {
                    let op = if delta > 0 { "inc" } else { "dec" };
                    server::request(socket.as_deref().expect("server"), op)
                        .map_err(|e| e.to_string())?;
                }
            }
        }
        Ok(())
    })
    .map_err(io)?;
    let mut failures = Vec::new();
    for (i, result) in crew
        .collect::<Result<(), String>>(config.deadline)
        .into_iter()
        .enumerate()
    {
        match result {
            Ok(Ok(())) => {}
            Ok(Err(e)) => failures.push(failure_violation(i, &e)),
            Err(e) => failures.push(failure_violation(i, &e.to_string())),
        }
    }
    let value = match server {
        Some(server) => match server.stop(config.deadline) {
            Ok(state) => state.counter,
            Err(e) => return Err(vec![failure_violation(0, &format!("server: {e}"))]),
        },
        None => shared.counter.load(Relaxed),
    };
    if !failures.is_empty() {
        return Err(failures);
    }
    check(plan, value).map(|()| value)
}
