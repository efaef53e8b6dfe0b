//! The queue contract over processes, after Python's `queue.Queue` /
//! `JoinableQueue` test suite plus close: the same cases as
//! tests/contract_queue.rs (the thread queue), run against every process
//! queue (`Via::ALL`: the shared-memory rings and the kernel transports).
//!
//! A case that needs a second party (a get blocked when close comes, a
//! joiner) forks it as a worker process; the parent learns it is blocked
//! from the queue's ledger, not from a sleep, and every wait is bounded.
//! The broken queues pass the sequential cases too: their races need
//! several workers, and their race windows are armed only for a
//! producer/consumer run (tests/process_queue.rs catches them there).

use racelab::os::arena::Arena;
use racelab::os::crew::Crew;
use racelab::os::poll::poll_until;
use racelab::process::queue::{FOREVER, ProcessQueue, QueueError, Role, Via};
use rusty_fork::rusty_fork_test;
use std::time::Duration;

const SHORT: Duration = Duration::from_millis(20);
/// Puts tried before a queue with no fixed capacity must have said Full.
const FILL_LIMIT: usize = 1 << 20;

fn open(via: Via, capacity: usize) -> (Arena, Box<dyn ProcessQueue>) {
    let arena = Arena::new().unwrap();
    let q = via.open(&arena, capacity).unwrap();
    (arena, q)
}

/// Runs `body` in `n` forked workers playing `role`; returns the crew.
fn workers(
    q: &dyn ProcessQueue,
    role: Role,
    n: usize,
    body: impl Fn(&dyn ProcessQueue) -> String,
) -> Crew {
    let mut crew = Crew::spawn(n, |_| {
        q.enter(role);
        body(q)
    })
    .unwrap();
    crew.start();
    crew
}

fn worker(q: &dyn ProcessQueue, role: Role, body: impl Fn(&dyn ProcessQueue) -> String) -> Crew {
    workers(q, role, 1, body)
}

fn results(crew: Crew) -> Vec<String> {
    let results = crew.collect::<String>(FOREVER + FOREVER);
    results
        .into_iter()
        .map(|r| r.unwrap_or_else(|f| panic!("{f}")))
        .collect()
}

fn result(crew: Crew) -> String {
    results(crew).remove(0)
}

/// Waits (bounded) until `n` workers are blocked inside the queue.
fn until_blocked(via: Via, q: &dyn ProcessQueue, n: u32) {
    assert!(
        poll_until(FOREVER, || q.ledger().blocked() >= n),
        "{via}: {n} worker(s) never blocked"
    );
}

/// Puts without waiting until the queue says Full; how many it took.
fn fill(via: Via, q: &dyn ProcessQueue) -> usize {
    let mut n = 0;
    loop {
        match q.put(n as u64, Duration::ZERO) {
            Ok(()) => n += 1,
            Err(QueueError::Full) => return n,
            Err(e) => panic!("{via}: put {n} without waiting: {e}"),
        }
        assert!(n < FILL_LIMIT, "{via}: {n} puts and never full");
    }
}

fn contract(via: Via) {
    fresh_queue_is_empty_and_not_full(via);
    non_blocking_forms_say_full_and_empty(via);
    timed_forms_say_full_and_empty(via);
    negative_timeouts_are_refused_and_lose_nothing(via);
    items_come_out_in_order(via);
    close_refuses_puts_and_drains_gets(via);
    close_wakes_every_blocked_get(via);
    close_wakes_a_blocked_get_while_a_producer_lives(via);
    close_wakes_a_blocked_put(via);
    task_done_too_often_is_an_error(via);
    join_returns_once_every_item_is_done_and_twice(via);
}

fn fresh_queue_is_empty_and_not_full(via: Via) {
    let (_a, q) = open(via, 2);
    assert_eq!(q.get(Duration::ZERO), Err(QueueError::Empty), "{via}");
    assert_eq!(
        q.join(Duration::ZERO),
        Ok(()),
        "{via}: join on a fresh queue"
    );
    assert_eq!(
        q.put(1, Duration::ZERO),
        Ok(()),
        "{via}: a fresh queue is not full"
    );
}

fn non_blocking_forms_say_full_and_empty(via: Via) {
    let (_a, q) = open(via, 3);
    let n = fill(via, q.as_ref());
    assert!(n >= 1, "{via}");
    if let Some(capacity) = q.capacity() {
        assert_eq!(n, capacity, "{via}: full at its capacity");
        assert!(q.high_water().is_none_or(|h| h == capacity), "{via}");
    }
    assert_eq!(q.get(Duration::ZERO), Ok(0), "{via}");
    assert_eq!(q.put(99, Duration::ZERO), Ok(()), "{via}: room again");
    for i in 1..n {
        assert_eq!(q.get(Duration::ZERO), Ok(i as u64), "{via}");
    }
    assert_eq!(q.get(Duration::ZERO), Ok(99), "{via}");
    assert_eq!(q.get(Duration::ZERO), Err(QueueError::Empty), "{via}");
}

fn timed_forms_say_full_and_empty(via: Via) {
    let (_a, q) = open(via, 1);
    assert_eq!(q.get(SHORT), Err(QueueError::Empty), "{via}");
    let n = fill(via, q.as_ref());
    assert_eq!(q.put(7, SHORT), Err(QueueError::Full), "{via}");
    for i in 0..n {
        assert_eq!(q.get(SHORT), Ok(i as u64), "{via}");
    }
    assert_eq!(q.get(SHORT), Err(QueueError::Empty), "{via}");
}

fn negative_timeouts_are_refused_and_lose_nothing(via: Via) {
    let (_a, q) = open(via, 2);
    q.put(5, FOREVER).unwrap();
    for bad in [-1.0, -0.001, f64::NAN, f64::NEG_INFINITY] {
        assert_eq!(
            q.put_timeout(6, bad),
            Err(QueueError::NegativeTimeout),
            "{via} {bad}"
        );
        assert_eq!(
            q.get_timeout(bad),
            Err(QueueError::NegativeTimeout),
            "{via} {bad}"
        );
    }
    assert_eq!(
        q.put_timeout(6, f64::INFINITY),
        Err(QueueError::TimeoutTooLong),
        "{via}"
    );
    assert_eq!(
        q.get_timeout(1e300),
        Err(QueueError::TimeoutTooLong),
        "{via}"
    );
    assert_eq!(q.get_timeout(0.0), Ok(5), "{via}: the item is still there");
    // A bound beyond any clock (Duration::MAX) is cut, not overflowed.
    assert_eq!(q.put(8, Duration::MAX), Ok(()), "{via}");
    assert_eq!(q.get(Duration::MAX), Ok(8), "{via}");
    assert_eq!(
        q.get_timeout(0.0),
        Err(QueueError::Empty),
        "{via}: and only it"
    );
}

fn items_come_out_in_order(via: Via) {
    let (_a, q) = open(via, 5);
    for i in 0..5 {
        q.put(i, FOREVER).unwrap();
    }
    let got: Vec<u64> = (0..5).map(|_| q.get(FOREVER).unwrap()).collect();
    assert_eq!(got, [0, 1, 2, 3, 4], "{via}");
    if q.capacity().is_some() {
        assert_eq!(q.high_water(), Some(5), "{via}");
    }
}

fn close_refuses_puts_and_drains_gets(via: Via) {
    let (_a, q) = open(via, 3);
    q.put(1, FOREVER).unwrap();
    q.put(2, FOREVER).unwrap();
    q.close().unwrap();
    assert_eq!(q.put(3, FOREVER), Err(QueueError::Closed), "{via}");
    assert_eq!(q.put(4, Duration::ZERO), Err(QueueError::Closed), "{via}");
    assert_eq!(q.get(FOREVER), Ok(1), "{via}: a closed queue drains");
    assert_eq!(q.get(Duration::ZERO), Ok(2), "{via}");
    assert_eq!(q.get(FOREVER), Err(QueueError::Closed), "{via}");
    assert_eq!(q.get(Duration::ZERO), Err(QueueError::Closed), "{via}");
    assert_eq!(q.close(), Ok(()), "{via}: closing twice is harmless");
}

fn close_wakes_every_blocked_get(via: Via) {
    let (_a, q) = open(via, 1);
    let crew = workers(q.as_ref(), Role::Consumer, 2, |q| {
        format!("{:?}", q.get(FOREVER))
    });
    until_blocked(via, q.as_ref(), 2);
    q.close().unwrap();
    assert_eq!(
        results(crew),
        ["Err(Closed)"; 2],
        "{via}: close must wake every blocked get"
    );
}

/// A producer process still alive (idle) keeps its own sending end: a
/// pipe's end-of-file cannot come, yet close must still reach the get.
fn close_wakes_a_blocked_get_while_a_producer_lives(via: Via) {
    let (_a, q) = open(via, 1);
    let q = q.as_ref();
    let mut crew = Crew::spawn(2, |i| {
        if i == 0 {
            q.enter(Role::Producer);
            let closed = poll_until(FOREVER, || q.ledger().is_closed());
            format!("producer saw the close: {closed}")
        } else {
            q.enter(Role::Consumer);
            format!("{:?}", q.get(FOREVER))
        }
    })
    .unwrap();
    crew.start();
    until_blocked(via, q, 1);
    q.close().unwrap();
    assert_eq!(
        results(crew),
        ["producer saw the close: true", "Err(Closed)"],
        "{via}: close must wake a blocked get while a producer lives"
    );
}

fn close_wakes_a_blocked_put(via: Via) {
    let (_a, q) = open(via, 1);
    fill(via, q.as_ref());
    let crew = worker(q.as_ref(), Role::Producer, |q| {
        format!("{:?}", q.put(2, FOREVER))
    });
    until_blocked(via, q.as_ref(), 1);
    q.close().unwrap();
    assert_eq!(
        result(crew),
        "Err(Closed)",
        "{via}: close must wake a blocked put"
    );
}

fn task_done_too_often_is_an_error(via: Via) {
    let (_a, q) = open(via, 2);
    assert_eq!(q.task_done(), Err(QueueError::TaskDoneTooOften), "{via}");
    q.put(1, FOREVER).unwrap();
    // Put but not taken: still nothing to mark done.
    assert_eq!(q.task_done(), Err(QueueError::TaskDoneTooOften), "{via}");
    q.get(FOREVER).unwrap();
    assert_eq!(q.task_done(), Ok(()), "{via}");
    assert_eq!(q.task_done(), Err(QueueError::TaskDoneTooOften), "{via}");
}

fn join_returns_once_every_item_is_done_and_twice(via: Via) {
    let (_a, q) = open(via, 2);
    q.put(1, FOREVER).unwrap();
    q.put(2, FOREVER).unwrap();
    assert_eq!(q.join(SHORT), Err(QueueError::JoinTimedOut), "{via}");
    // The joiner reports how many items were done when its join returned.
    let crew = worker(q.as_ref(), Role::Producer, |q| match q.join(FOREVER) {
        Ok(()) => q.ledger().processed().to_string(),
        Err(e) => e.to_string(),
    });
    until_blocked(via, q.as_ref(), 1);
    for _ in 0..2 {
        q.get(FOREVER).unwrap();
        q.task_done().unwrap();
    }
    assert_eq!(
        result(crew),
        "2",
        "{via}: join returned before every item was done"
    );
    assert_eq!(q.join(Duration::ZERO), Ok(()), "{via}: join again");
    assert_eq!(q.join(Duration::ZERO), Ok(()), "{via}: and again");
}

rusty_fork_test! {
    #![rusty_fork(timeout_ms = 120_000)]

    #[test]
    fn every_process_queue_meets_the_contract() {
        for via in Via::ALL {
            contract(via);
        }
    }
}
