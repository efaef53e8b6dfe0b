//! Loom: the bounded queue. Two producers, two consumers, capacity 1, at
//! preemption bound 2 (the correct queue: ~46k executions; see DESIGN.md:
//! unbounded runs exceed 300 s). Each bug also has the smallest
//! configuration that shows only it.

mod common;

use common::{assert_caught, assert_holds, loom};
use racelab::check::ViolationKind::{CapacityExceeded, Deadlock, PopFromEmpty};
use racelab::matrix::Plan;
use racelab::model::ModelKind::Queue;
use racelab::workload::queue::{Ending, QueuePlan};

const fn plan(producers: usize, consumers: usize, items: usize, ending: Ending) -> Plan {
    Plan::Queue(QueuePlan {
        producers,
        consumers,
        items,
        capacity: 1,
        ending,
    })
}

const BOUND: Option<usize> = Some(2);

#[test]
fn condvar_queue_loses_nothing_and_wakes_everyone_on_close() {
    assert_holds(
        "queue/condvar 2P 2C close",
        &loom(Queue, "condvar", plan(2, 2, 1, Ending::Close), BOUND),
    );
}

#[test]
fn condvar_queue_stops_consumers_with_one_sentinel_each() {
    assert_holds(
        "queue/condvar 2P 2C sentinels",
        &loom(Queue, "condvar", plan(2, 2, 1, Ending::Sentinels), BOUND),
    );
}

#[test]
fn condvar_queue_keeps_fifo_per_producer() {
    assert_holds(
        "queue/condvar 1P 2C 2 items",
        &loom(Queue, "condvar", plan(1, 2, 2, Ending::Close), BOUND),
    );
}

#[test]
fn consumers_never_told_to_stop_hang() {
    let outcome = loom(Queue, "condvar", plan(1, 1, 1, Ending::Never), None);
    assert_caught("queue/condvar without an ending", &outcome, Deadlock);
    assert!(
        outcome.violations[0]
            .evidence
            .contains("C0 waits on not_empty"),
        "{:?}",
        outcome.violations
    );
}

#[test]
fn waiting_with_if_pops_from_an_empty_queue() {
    // One producer: only the consumer side can go wrong.
    assert_caught(
        "queue/condvar-if 1P 2C",
        &loom(Queue, "condvar-if", plan(1, 2, 1, Ending::Close), BOUND),
        PopFromEmpty,
    );
}

#[test]
fn waiting_with_if_overfills_the_queue() {
    // One consumer: only the producer side can go wrong.
    let outcome = loom(Queue, "condvar-if", plan(2, 1, 2, Ending::Close), BOUND);
    assert_caught("queue/condvar-if 2P 1C", &outcome, CapacityExceeded);
}

#[test]
fn one_condvar_with_notify_one_deadlocks() {
    let outcome = loom(Queue, "one-condvar", plan(2, 2, 1, Ending::Close), BOUND);
    assert_caught("queue/one-condvar", &outcome, Deadlock);
    assert!(
        outcome.violations[0].evidence.contains("waits on changed"),
        "{:?}",
        outcome.violations
    );
}

#[test]
fn checking_capacity_outside_the_lock_overfills_the_queue() {
    let outcome = loom(
        Queue,
        "unlocked-capacity",
        plan(2, 1, 1, Ending::Close),
        BOUND,
    );
    assert_caught("queue/unlocked-capacity", &outcome, CapacityExceeded);
}
