//! Every pair under shuttle: larger configurations than loom can exhaust
//! (5 counter threads x 3 ops, 5 buyers for 3 tickets, 3 producers x 3
//! items and 3 consumers over 2 slots), 1,000 schedules of the portfolio
//! from the fixed seed `DEFAULT_SEED`: deterministic, under a second each.

use racelab::matrix::{self, Scale};
use racelab::tier::shuttle::{DEFAULT_SEED, ShuttleConfig};
use racelab::tier::{Tier, Work};

fn seed_of(work: Work) -> u64 {
    match work {
        Work::Schedules { seed, .. } => seed,
        other => panic!("a shuttle run reports schedules, not {other}"),
    }
}

#[test]
fn every_pair_gets_its_expected_verdict_under_shuttle() {
    let scale = Scale::STANDARD;
    assert_eq!(scale.shuttle.config.seed, DEFAULT_SEED);
    for pair in matrix::all()
        .into_iter()
        .filter(|p| p.runs_on(Tier::Shuttle))
    {
        let outcome = pair.run(Tier::Shuttle, &scale);
        let replay = format!(
            "racelab matrix --model {} --strategy {} --tier shuttle --seed {}",
            pair.model,
            pair.strategy,
            seed_of(outcome.work)
        );
        println!(
            "{}/{}: {} ({replay})",
            pair.model, pair.strategy, outcome.work
        );
        assert!(
            pair.shuttle.accepts(&outcome),
            "{}/{}: expected {}, got {:?}; replay: {replay}",
            pair.model,
            pair.strategy,
            pair.shuttle.describe(),
            outcome.violations
        );
    }
}

#[test]
fn a_failure_replays_from_its_reported_seed_at_the_first_schedule() {
    let scale = Scale::STANDARD;
    for (model, name) in [
        (racelab::model::ModelKind::Queue, "one-condvar"),
        (racelab::model::ModelKind::Counter, "none"),
    ] {
        let pair = matrix::find(model, name).expect("a known pair");
        let plan = scale.plan(model, Tier::Shuttle);
        let first = pair.shuttle(&plan, &scale.shuttle.config);
        assert!(!first.violations.is_empty(), "{model}/{name} must fail");
        let seed = seed_of(first.work);
        println!("{model}/{name}: {} -> replaying seed {seed}", first.work);
        let again = pair.shuttle(
            &plan,
            &ShuttleConfig {
                seed,
                ..scale.shuttle.config
            },
        );
        assert_eq!(again.violations, first.violations, "seed {seed}");
        assert!(
            matches!(again.work, Work::Schedules { count: 1, seed: s, .. } if s == seed),
            "the replay fails at its first schedule: {} (seed {seed})",
            again.work
        );
    }
}

#[test]
fn the_relaxed_spin_lock_is_invisible_to_shuttle() {
    // Shuttle runs Relaxed as SeqCst: this pins the reason for `Either`.
    let scale = Scale::STANDARD;
    let pair = matrix::find(racelab::model::ModelKind::Counter, "spin-relaxed").expect("known");
    let outcome = pair.run(Tier::Shuttle, &scale);
    assert!(
        outcome.violations.is_empty(),
        "seed {}: {:?}",
        seed_of(outcome.work),
        outcome.violations
    );
}
