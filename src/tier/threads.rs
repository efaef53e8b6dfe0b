//! The threads tier: real threads, many operations.
//!
//! A broken strategy must fail every run, not usually. Two devices make it
//! so: a start barrier (all threads race from the first operation) and a
//! [`RaceWindow`] held open at the strategy's weak point until the other
//! threads walk in. A run is repeated for up to `rounds` rounds and stops at
//! the first violation; a correct strategy must survive them all.

use super::{Outcome, Work};
use crate::check::Violation;
use crate::probe::{Probe, RaceWindow};
use crate::sync::{Backend, Std};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

/// How hard to push.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThreadsConfig {
    /// Repeat up to this many times; stop at the first violation.
    pub rounds: u32,
    /// How long the race window waits for a second thread (once per round).
    pub hold: Duration,
}

impl Default for ThreadsConfig {
    fn default() -> Self {
        ThreadsConfig {
            rounds: 1,
            hold: Duration::from_millis(300),
        }
    }
}

/// One round: given a fresh probe and start barrier, run and check.
pub type Round<'a> = dyn Fn(Probe, Arc<Barrier>) -> Result<(), Vec<Violation>> + 'a;

/// The shape of one round.
#[derive(Debug, Clone, Copy)]
pub struct Racers {
    /// Threads released together by the start barrier.
    pub threads: usize,
    /// How many of them the race window waits for.
    pub parties: usize,
    /// Operations one round runs (for the report).
    pub operations: u64,
}

/// Runs up to `config.rounds` rounds of `round`; returns at the first
/// violation.
pub fn run(config: &ThreadsConfig, racers: Racers, round: &Round<'_>) -> Outcome {
    let started = Instant::now();
    let mut operations = 0;
    let mut rounds = 0;
    let mut violations = Vec::new();
    while rounds < config.rounds.max(1) {
        rounds += 1;
        let window = RaceWindow::new(racers.parties, config.hold);
        let probe = Probe::new(Some(window), false, Std::worker);
        operations += racers.operations;
        if let Err(found) = round(probe, Arc::new(Barrier::new(racers.threads))) {
            violations = found;
            break;
        }
    }
    Outcome {
        violations,
        work: Work::Operations {
            count: operations,
            rounds,
        },
        elapsed: started.elapsed(),
        inconclusive: None,
    }
}
