//! Real threads: producers and consumers. The correct queue delivers every
//! item exactly once, in order per producer, never above capacity, at the
//! issue's scale (4 producers, 4 consumers, capacity 4) and on drawn
//! configurations. The broken ones are caught within 20 rounds of 2
//! producers and 2 consumers at capacity 1 (each round catches them with
//! probability ~0.9 or more: a miss in all 20 is below 1e-20). Deadlocks are
//! called from state by a watchdog, never by a hung test.

mod common;

use common::{assert_caught, assert_holds, pair, seeded_runner, threads_config};
use proptest::prelude::*;
use racelab::check::ViolationKind::{CapacityExceeded, Deadlock, PopFromEmpty};
use racelab::matrix::Plan;
use racelab::model::ModelKind::Queue;
use racelab::tier::Outcome;
use racelab::workload::queue::{Ending, QueuePlan};

fn stress(strategy: &str, plan: QueuePlan, rounds: u32) -> Outcome {
    pair(Queue, strategy).stress(&Plan::Queue(plan), &threads_config(rounds))
}

const fn plan(
    producers: usize,
    consumers: usize,
    items: usize,
    capacity: usize,
    ending: Ending,
) -> QueuePlan {
    QueuePlan {
        producers,
        consumers,
        items,
        capacity,
        ending,
    }
}

#[test]
fn four_producers_four_consumers_lose_nothing_with_close() {
    assert_holds(
        "queue/condvar close",
        &stress("condvar", plan(4, 4, 5_000, 4, Ending::Close), 1),
    );
}

#[test]
fn four_producers_four_consumers_lose_nothing_with_sentinels() {
    assert_holds(
        "queue/condvar sentinels",
        &stress("condvar", plan(4, 4, 5_000, 4, Ending::Sentinels), 1),
    );
}

#[test]
fn correct_queue_holds_on_drawn_configurations() {
    let configs = (
        1usize..5,
        1usize..5,
        0usize..300,
        1usize..6,
        prop::bool::ANY,
    );
    seeded_runner(16)
        .run(
            &configs,
            |(producers, consumers, items, capacity, close)| {
                let ending = if close {
                    Ending::Close
                } else {
                    Ending::Sentinels
                };
                let plan = plan(producers, consumers, items, capacity, ending);
                let outcome = stress("condvar", plan, 1);
                prop_assert!(
                    outcome.violations.is_empty(),
                    "{plan:?}: {:?}",
                    outcome.violations
                );
                Ok(())
            },
        )
        .unwrap();
}

#[test]
fn consumers_never_told_to_stop_are_reported_not_hung() {
    let outcome = stress("condvar", plan(3, 2, 3, 5, Ending::Never), 1);
    assert_caught("queue/condvar no ending", &outcome, Deadlock);
    let evidence = &outcome.violations[0].evidence;
    assert!(evidence.contains("never told to stop"), "{evidence}");
    assert!(
        evidence.contains("C0 waits on not_empty") && evidence.contains("C1 waits on not_empty"),
        "{evidence}"
    );
}

const SHARP: QueuePlan = plan(2, 2, 1_000, 1, Ending::Close);

#[test]
fn waiting_with_if_is_caught() {
    let outcome = stress("condvar-if", SHARP, 20);
    assert!(
        outcome
            .violations
            .iter()
            .any(|v| v.kind == PopFromEmpty || v.kind == CapacityExceeded),
        "queue/condvar-if: {:?} after {}",
        outcome.violations,
        outcome.work
    );
}

#[test]
fn one_condvar_with_notify_one_deadlocks_and_is_released() {
    let outcome = stress("one-condvar", SHARP, 20);
    assert_caught("queue/one-condvar", &outcome, Deadlock);
    assert!(
        outcome.violations[0].evidence.contains("waits on changed"),
        "{:?}",
        outcome.violations
    );
}

#[test]
fn checking_capacity_outside_the_lock_overfills() {
    assert_caught(
        "queue/unlocked-capacity",
        &stress("unlocked-capacity", SHARP, 20),
        CapacityExceeded,
    );
}
