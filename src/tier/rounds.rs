//! The one rounds loop: the threads and processes tiers repeat a run up to
//! `rounds` times, because a broken strategy may slip through one run of
//! real threads or processes (a correct one must survive them all).

use super::{Inconclusive, Limit, Outcome, Work};
use crate::check::Violation;
use std::time::Instant;

/// How one round ended.
#[derive(Debug)]
pub struct RoundEnd {
    /// The operations the round counts as done, for the report.
    pub operations: u64,
    /// What it found (empty: every invariant held), or why it decided
    /// nothing.
    pub found: Result<Vec<Violation>, Inconclusive>,
}

/// Runs up to `rounds` rounds (at least one) and stops at the first that
/// found a violation or could not decide. A round that could not be set up
/// ([`Limit::Setup`]) ran nothing: it counts neither as a round nor for
/// its operations, and the outcome does not claim otherwise.
pub fn repeat(rounds: u32, mut round: impl FnMut() -> RoundEnd) -> Outcome {
    let started = Instant::now();
    let (mut ran, mut operations) = (0, 0);
    let mut violations = Vec::new();
    let mut inconclusive = None;
    while ran < rounds.max(1) && violations.is_empty() && inconclusive.is_none() {
        let end = round();
        match end.found {
            Err(why) if why.limit == Limit::Setup => {
                inconclusive = Some(why);
                continue;
            }
            Err(why) => inconclusive = Some(why),
            Ok(found) => violations = found,
        }
        ran += 1;
        operations += end.operations;
    }
    Outcome {
        violations,
        work: Work::Operations {
            count: operations,
            rounds: ran,
        },
        elapsed: started.elapsed(),
        inconclusive,
    }
}
