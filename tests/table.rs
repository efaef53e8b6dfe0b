//! The strategy table is consistent: every broken pair is expected to be
//! caught under loom (the tier that decides every interleaving), every
//! correct one to hold on every tier, and no pair appears twice.

use racelab::strategy::{self, Expect};
use racelab::tier::Tier;
use std::collections::HashSet;

#[test]
fn broken_pairs_are_expected_caught_under_loom_and_correct_ones_to_hold() {
    for pair in strategy::all() {
        let name = format!("{}/{}", pair.model, pair.strategy);
        if pair.correct {
            for tier in Tier::ALL {
                assert_eq!(pair.expect(tier), Expect::Holds, "{name} on {tier}");
            }
        } else {
            assert!(
                matches!(pair.loom, Expect::Violates(kinds) if !kinds.is_empty()),
                "{name}"
            );
        }
    }
}

#[test]
fn every_pair_is_listed_once() {
    let mut seen = HashSet::new();
    for pair in strategy::all() {
        assert!(
            seen.insert((pair.model, pair.strategy)),
            "{}/{} twice",
            pair.model,
            pair.strategy
        );
    }
    assert_eq!(seen.len(), 24);
}
