//! Real threads: the counter. Correct strategies hold at the lessons' scale
//! (one thread adds 1 a million times, another subtracts 1 a million
//! times: the result is 0) and on configurations drawn by proptest; broken
//! ones lose updates every run (start barrier + race window, see
//! `racelab::tier::threads`). Negative controls count increments only, so
//! any lost update shows (an add and a subtract lost together cancel out).
//!
//! The Relaxed spin lock has no test here: x86-64 orders its accesses in
//! hardware, so real threads cannot decide it; loom_counter.rs proves it.

mod common;

use common::{assert_caught, assert_holds, pair, seeded_runner, threads_config};
use proptest::prelude::*;
use racelab::check::ViolationKind::LostUpdate;
use racelab::matrix::Plan;
use racelab::model::ModelKind::Counter;
use racelab::workload::counter::CounterPlan;

const CORRECT: [&str; 6] = ["mutex", "spin", "ticket", "rwlock", "semaphore-1", "atomic"];

fn stress(strategy: &str, plan: CounterPlan) -> racelab::tier::Outcome {
    pair(Counter, strategy).stress(&Plan::Counter(plan), &threads_config(1))
}

#[test]
fn lessons_add_subtract_pair_nets_zero_under_every_correct_strategy() {
    let lessons = CounterPlan {
        adders: 1,
        subtractors: 1,
        ops: 1_000_000,
    };
    for strategy in CORRECT {
        assert_holds(&format!("counter/{strategy}"), &stress(strategy, lessons));
    }
}

#[test]
fn correct_strategies_hold_on_drawn_configurations() {
    let configs = (0usize..4, 0usize..4, 1u64..20_000, 0..CORRECT.len())
        .prop_filter("at least one thread", |(a, s, _, _)| a + s > 0);
    seeded_runner(12)
        .run(&configs, |(adders, subtractors, ops, which)| {
            let plan = CounterPlan {
                adders,
                subtractors,
                ops,
            };
            let outcome = stress(CORRECT[which], plan);
            prop_assert!(
                outcome.violations.is_empty(),
                "{}: {:?} {:?}",
                CORRECT[which],
                plan,
                outcome.violations
            );
            Ok(())
        })
        .unwrap();
}

const RACE: CounterPlan = CounterPlan {
    adders: 2,
    subtractors: 0,
    ops: 100_000,
};

#[test]
fn no_lock_loses_updates_every_run() {
    assert_caught("counter/none", &stress("none", RACE), LostUpdate);
}

#[test]
fn two_permit_semaphore_loses_updates_every_run() {
    assert_caught(
        "counter/semaphore-2",
        &stress("semaphore-2", RACE),
        LostUpdate,
    );
}

#[test]
fn split_lock_loses_updates_every_run() {
    assert_caught(
        "counter/split-lock",
        &stress("split-lock", RACE),
        LostUpdate,
    );
}
