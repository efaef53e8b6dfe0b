//! The queue contract, after Python's `queue.Queue` / `JoinableQueue` test
//! suite, plus close: written once, in the thread queue's vocabulary
//! (`BoundedQueue<u64>` and its typed refusals, the item handed back), and
//! run by tests/contract_queue.rs over every thread queue ([`threads`])
//! and every process queue ([`processes`], through
//! `racelab::process::queue::bounded::Bounded`).
//!
//! A case that needs other parties (a get blocked when close comes, a
//! joiner) has the subject run them: threads of the test for a thread
//! queue, forked worker processes for a process queue. The case learns
//! that a party is blocked from the queue itself (a thread queue's probe,
//! a process queue's ledger), never from a sleep, and every wait is
//! bounded.
//!
//! The broken queues meet the contract too: it is sequential, one party
//! at a time inside the queue, and a race needs several. Their negative
//! controls are where the races are run (tests/loom_queue.rs,
//! tests/threads_queue.rs, tests/process_queue.rs).

#![allow(dead_code)] // each test file uses a different part

pub mod processes;
pub mod threads;

use racelab::model::queue::{
    BoundedQueue, Closed, GetError, PutTimeoutError, TaskDoneTooOften, TryPutError,
};
use racelab::os::poll::poll_until;
use racelab::process::queue::{FOREVER, Role};
use std::time::Duration;

/// A bound for the timed forms' timeouts (they must run out).
const SHORT: Duration = Duration::from_millis(20);
/// Puts tried before a queue with no bound in items must have said Full.
const FILL_LIMIT: u64 = 1 << 20;

/// One queue implementation under the contract.
pub trait Subject {
    /// For messages: the queue's name.
    fn name(&self) -> String;
    /// A fresh, open queue bounded at `capacity` (a kernel transport's
    /// bound is its buffer's).
    fn open(&self, capacity: usize) -> Box<dyn Opened>;
}

/// A queue under test, and the means to run other parties on it.
pub trait Opened {
    fn queue(&self) -> &dyn BoundedQueue<u64>;
    /// Whether the queue keeps its bound in items (a kernel transport
    /// bounds its buffer in bytes: its capacity is `usize::MAX`).
    fn bounded_in_items(&self) -> bool;
    /// Starts one party per entry, all at once.
    fn start(&self, parties: &[Party]) -> Box<dyn Parties + '_>;
    /// Waits (bounded) until `n` parties are blocked inside the queue,
    /// waiting for `on`; a failure if they never are.
    fn until_blocked(&self, n: usize, on: Wait);
}

/// What a party blocked in the queue waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wait {
    /// An item (a get).
    NotEmpty,
    /// Room (a put).
    NotFull,
    /// Every item done (a join).
    AllDone,
}

/// A party: its role (a forked worker tells its process queue, which
/// keeps only the pipe ends that role uses) and what it does; it answers
/// with text.
#[derive(Clone, Copy)]
pub struct Party {
    pub role: Role,
    pub body: fn(&dyn BoundedQueue<u64>) -> String,
}

/// Parties started on a queue.
pub trait Parties {
    /// Whether any party has answered yet (without waiting).
    fn answered(&mut self) -> bool;
    /// Every party's answer, in order (each wait bounded; a party that
    /// never answers or fails is a failure).
    fn answers(self: Box<Self>) -> Vec<String>;
}

/// Every case, in order, on fresh queues of `subject`.
pub fn contract(subject: &dyn Subject) {
    fresh_queue_is_empty_and_not_full(subject);
    non_blocking_forms_refuse_and_hand_the_item_back(subject);
    timed_forms_time_out_and_hand_the_item_back(subject);
    items_come_out_in_order(subject);
    close_refuses_puts_and_drains_gets(subject);
    close_wakes_every_blocked_get(subject);
    close_wakes_a_blocked_get_while_a_producer_lives(subject);
    close_wakes_a_blocked_put_and_hands_the_item_back(subject);
    task_done_too_often_is_an_error(subject);
    join_returns_once_every_item_is_done_and_again_at_once(subject);
}

/// Puts 0, 1, ... without waiting until the queue refuses one as Full,
/// handing it back; how many it took.
fn fill(name: &str, q: &dyn BoundedQueue<u64>) -> u64 {
    let mut n = 0;
    loop {
        match q.try_put(n) {
            Ok(()) => n += 1,
            Err(refused) => {
                assert_eq!(
                    refused,
                    TryPutError::Full(n),
                    "{name}: put {n} without waiting"
                );
                return n;
            }
        }
        assert!(n < FILL_LIMIT, "{name}: {n} puts and never full");
    }
}

/// A get that answers with what it got.
const GETTER: Party = Party {
    role: Role::Consumer,
    body: |q| format!("{:?}", q.get()),
};

fn fresh_queue_is_empty_and_not_full(s: &dyn Subject) {
    let name = s.name();
    let opened = s.open(2);
    let q = opened.queue();
    assert_eq!(q.len(), 0, "{name}");
    assert!(q.is_empty() && !q.is_full(), "{name}");
    let capacity = if opened.bounded_in_items() {
        2
    } else {
        usize::MAX
    };
    assert_eq!(q.capacity(), capacity, "{name}");
    assert!(!q.is_closed(), "{name}");
    assert!(
        q.join_timeout(Duration::ZERO),
        "{name}: join on a fresh queue"
    );
    assert_eq!(q.try_get(), Err(GetError::Empty), "{name}");
    assert_eq!(q.try_put(1), Ok(()), "{name}: a fresh queue is not full");
}

fn non_blocking_forms_refuse_and_hand_the_item_back(s: &dyn Subject) {
    let name = s.name();
    let opened = s.open(3);
    let q = opened.queue();
    assert_eq!(q.try_get(), Err(GetError::Empty), "{name}");
    let n = fill(&name, q);
    assert!(n >= 1, "{name}");
    assert_eq!(q.len() as u64, n, "{name}");
    assert_eq!(q.high_water() as u64, n, "{name}");
    if opened.bounded_in_items() {
        assert_eq!(n, 3, "{name}: full at its capacity");
        assert!(q.is_full(), "{name}");
    }
    assert_eq!(q.try_get(), Ok(0), "{name}");
    assert_eq!(q.try_put(99), Ok(()), "{name}: room again");
    for i in 1..n {
        assert_eq!(q.try_get(), Ok(i), "{name}");
    }
    assert_eq!(q.try_get(), Ok(99), "{name}");
    assert_eq!(q.try_get(), Err(GetError::Empty), "{name}");
}

fn timed_forms_time_out_and_hand_the_item_back(s: &dyn Subject) {
    let name = s.name();
    let opened = s.open(1);
    let q = opened.queue();
    assert_eq!(q.get_timeout(SHORT), Err(GetError::Timeout), "{name}");
    let n = fill(&name, q);
    assert_eq!(
        q.put_timeout(7, SHORT),
        Err(PutTimeoutError::Timeout(7)),
        "{name}"
    );
    for i in 0..n {
        assert_eq!(q.get_timeout(SHORT), Ok(i), "{name}");
    }
    assert_eq!(q.get_timeout(SHORT), Err(GetError::Timeout), "{name}");
}

fn items_come_out_in_order(s: &dyn Subject) {
    let name = s.name();
    let opened = s.open(5);
    let q = opened.queue();
    for i in 0..5 {
        q.put(i).unwrap();
    }
    let got: Vec<u64> = (0..5).map(|_| q.get().unwrap()).collect();
    assert_eq!(got, [0, 1, 2, 3, 4], "{name}");
    assert_eq!(q.high_water(), 5, "{name}");
}

fn close_refuses_puts_and_drains_gets(s: &dyn Subject) {
    let name = s.name();
    let opened = s.open(3);
    let q = opened.queue();
    q.put(1).unwrap();
    q.put(2).unwrap();
    q.close();
    assert!(q.is_closed(), "{name}");
    assert_eq!(q.put(3), Err(Closed(3)), "{name}");
    assert_eq!(q.try_put(4), Err(TryPutError::Closed(4)), "{name}");
    assert_eq!(
        q.put_timeout(5, Duration::ZERO),
        Err(PutTimeoutError::Closed(5)),
        "{name}"
    );
    assert_eq!(q.get(), Ok(1), "{name}: a closed queue drains");
    assert_eq!(q.try_get(), Ok(2), "{name}");
    assert_eq!(q.get(), Err(GetError::Closed), "{name}");
    assert_eq!(q.try_get(), Err(GetError::Closed), "{name}");
    assert_eq!(
        q.get_timeout(Duration::ZERO),
        Err(GetError::Closed),
        "{name}"
    );
    q.close();
    assert!(q.is_closed(), "{name}: closing twice is harmless");
    assert_eq!(q.get(), Err(GetError::Closed), "{name}");
}

fn close_wakes_every_blocked_get(s: &dyn Subject) {
    let name = s.name();
    let opened = s.open(1);
    let parties = opened.start(&[GETTER, GETTER]);
    opened.until_blocked(2, Wait::NotEmpty);
    opened.queue().close();
    assert_eq!(
        parties.answers(),
        ["Err(Closed)"; 2],
        "{name}: close must wake every blocked get"
    );
}

/// A producer still alive (idle) keeps its own sending end: a pipe's
/// end-of-file cannot come, yet close must still reach the get.
fn close_wakes_a_blocked_get_while_a_producer_lives(s: &dyn Subject) {
    let name = s.name();
    let opened = s.open(1);
    let producer = Party {
        role: Role::Producer,
        body: |q| {
            let closed = poll_until(FOREVER, || q.is_closed());
            format!("producer saw the close: {closed}")
        },
    };
    let parties = opened.start(&[producer, GETTER]);
    opened.until_blocked(1, Wait::NotEmpty);
    opened.queue().close();
    assert_eq!(
        parties.answers(),
        ["producer saw the close: true", "Err(Closed)"],
        "{name}: close must wake a blocked get while a producer lives"
    );
}

fn close_wakes_a_blocked_put_and_hands_the_item_back(s: &dyn Subject) {
    let name = s.name();
    let opened = s.open(1);
    let n = fill(&name, opened.queue());
    assert!(n < u64::from(u32::MAX), "{name}");
    let putter = Party {
        role: Role::Producer,
        body: |q| format!("{:?}", q.put(u64::from(u32::MAX))),
    };
    let parties = opened.start(&[putter]);
    opened.until_blocked(1, Wait::NotFull);
    opened.queue().close();
    assert_eq!(
        parties.answers(),
        [format!("Err(Closed({}))", u32::MAX)],
        "{name}: close must wake a blocked put and hand the item back"
    );
}

fn task_done_too_often_is_an_error(s: &dyn Subject) {
    let name = s.name();
    let opened = s.open(2);
    let q = opened.queue();
    assert_eq!(q.task_done(), Err(TaskDoneTooOften), "{name}");
    q.put(1).unwrap();
    // Put but not taken: still nothing to mark done.
    assert_eq!(q.task_done(), Err(TaskDoneTooOften), "{name}");
    q.get().unwrap();
    assert_eq!(q.task_done(), Ok(()), "{name}");
    assert_eq!(q.task_done(), Err(TaskDoneTooOften), "{name}");
}

fn join_returns_once_every_item_is_done_and_again_at_once(s: &dyn Subject) {
    let name = s.name();
    let opened = s.open(2);
    let q = opened.queue();
    q.put(1).unwrap();
    q.put(2).unwrap();
    assert!(!q.join_timeout(SHORT), "{name}: join with items unfinished");
    let joiner = Party {
        role: Role::Producer,
        body: |q| {
            q.join();
            "joined".to_string()
        },
    };
    let mut parties = opened.start(&[joiner]);
    opened.until_blocked(1, Wait::AllDone);
    for _ in 0..2 {
        q.get().unwrap();
        assert!(
            !parties.answered(),
            "{name}: join returned before every item was done"
        );
        q.task_done().unwrap();
    }
    assert_eq!(
        parties.answers(),
        ["joined"],
        "{name}: join must return once every item is done"
    );
    assert!(q.join_timeout(Duration::ZERO), "{name}: join again");
    assert!(q.join_timeout(Duration::ZERO), "{name}: and again");
}
