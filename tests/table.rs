//! The strategy table is consistent: every broken pair is expected to be
//! caught on the tier that decides it (loom, which decides every
//! interleaving, or processes for a strategy that exists only there),
//! every correct one to hold on every tier where it has a form, and no
//! pair appears twice.

use racelab::matrix::{self, Expect};
use racelab::tier::Tier;
use std::collections::HashSet;

#[test]
fn broken_pairs_are_expected_caught_and_correct_ones_to_hold() {
    for pair in matrix::all() {
        let name = format!("{}/{}", pair.model, pair.strategy);
        let on: Vec<Tier> = Tier::ALL
            .into_iter()
            .filter(|t| pair.expect(*t) != Expect::NotApplicable)
            .collect();
        assert!(!on.is_empty(), "{name} runs nowhere");
        if pair.correct {
            for tier in on {
                assert_eq!(pair.expect(tier), Expect::Holds, "{name} on {tier}");
            }
        } else {
            let decider = if pair.loom == Expect::NotApplicable {
                pair.processes
            } else {
                pair.loom
            };
            assert!(
                matches!(decider, Expect::Violates(kinds) if !kinds.is_empty()),
                "{name}"
            );
        }
    }
}

#[test]
fn every_pair_is_listed_once() {
    let mut seen = HashSet::new();
    for pair in matrix::all() {
        assert!(
            seen.insert((pair.model, pair.strategy)),
            "{}/{} twice",
            pair.model,
            pair.strategy
        );
    }
    // 24 with a loom and a thread form; 14 that exist only in processes
    // (7 strategies, on the counter and the ticket office); one queue pair
    // per process queue.
    let queues = racelab::process::queue::Via::ALL.len();
    assert_eq!(queues, 15);
    assert_eq!(seen.len(), 38 + queues);
}
