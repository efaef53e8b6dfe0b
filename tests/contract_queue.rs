//! The queue contract, after Python's `queue.Queue` / `JoinableQueue` test
//! suite, plus close: run against every discipline of the thread queue.
//! (The broken disciplines pass it too: a sequential contract cannot see a
//! race. That is what the loom and threads tiers are for.)
//!
//! Blocking cases learn that a thread is asleep from the probe's wait table,
//! not from a sleep, and every wait on a thread is bounded.

use racelab::model::queue::{
    CheckOutsideLock, Closed, CondvarQueue, GetError, IfNotWhile, OneCondvar, PutTimeoutError,
    QueueImpl, TaskDoneTooOften, TryPutError, WhileLoop,
};
use racelab::sync::{Backend, Std};
use racelab::workload::probe::Probe;
use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

const BOUND: Duration = Duration::from_secs(10);

fn queue<Q: QueueImpl<Std, u32>>(capacity: usize) -> (Arc<Q>, Probe) {
    let probe = Probe::new(None, false, Std::worker);
    (Arc::new(Q::new(capacity, probe.clone())), probe)
}

/// Runs `f` on a thread named worker 1 and returns a receiver for its
/// result.
fn spawn<R: Send + 'static>(f: impl FnOnce() -> R + Send + 'static) -> mpsc::Receiver<R> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        Std::set_worker(1);
        let _ = tx.send(f());
    });
    rx
}

/// Waits (bounded) until worker 1 is asleep on `on`.
fn until_asleep(probe: &Probe, on: &str) {
    let end = Instant::now() + BOUND;
    while probe.snapshot().waiting.get(&1).copied() != Some(on) {
        assert!(Instant::now() < end, "worker 1 never went to sleep on {on}");
        std::thread::yield_now();
    }
}

fn contract<Q: QueueImpl<Std, u32>>() {
    fresh_queue_is_empty_and_not_full::<Q>();
    try_forms_refuse_and_hand_the_item_back::<Q>();
    timed_forms_time_out_and_hand_the_item_back::<Q>();
    items_come_out_in_order::<Q>();
    close_refuses_puts_and_drains_gets::<Q>();
    close_wakes_a_blocked_get::<Q>();
    close_wakes_a_blocked_put::<Q>();
    task_done_too_often_is_an_error::<Q>();
    join_returns_once_every_item_is_done::<Q>();
}

fn fresh_queue_is_empty_and_not_full<Q: QueueImpl<Std, u32>>() {
    let (q, _) = queue::<Q>(2);
    assert!(q.is_empty() && !q.is_full() && q.len() == 0 && q.capacity() == 2);
    assert!(!q.is_closed());
    assert!(
        q.join_timeout(Duration::ZERO),
        "join on a fresh queue returns at once"
    );
}

fn try_forms_refuse_and_hand_the_item_back<Q: QueueImpl<Std, u32>>() {
    let (q, _) = queue::<Q>(1);
    assert_eq!(q.try_get(), Err(GetError::Empty));
    assert_eq!(q.try_put(1), Ok(()));
    assert!(q.is_full());
    assert_eq!(q.try_put(2), Err(TryPutError::Full(2)));
    assert_eq!(q.try_get(), Ok(1));
}

fn timed_forms_time_out_and_hand_the_item_back<Q: QueueImpl<Std, u32>>() {
    let (q, _) = queue::<Q>(1);
    assert_eq!(
        q.get_timeout(Duration::from_millis(1)),
        Err(GetError::Timeout)
    );
    q.put(7).unwrap();
    assert_eq!(
        q.put_timeout(8, Duration::from_millis(1)),
        Err(PutTimeoutError::Timeout(8))
    );
    assert_eq!(q.get_timeout(Duration::from_millis(1)), Ok(7));
}

fn items_come_out_in_order<Q: QueueImpl<Std, u32>>() {
    let (q, _) = queue::<Q>(5);
    for i in 0..5 {
        q.put(i).unwrap();
    }
    let got: Vec<u32> = (0..5).map(|_| q.get().unwrap()).collect();
    assert_eq!(got, [0, 1, 2, 3, 4]);
    assert_eq!(q.high_water(), 5);
}

fn close_refuses_puts_and_drains_gets<Q: QueueImpl<Std, u32>>() {
    let (q, _) = queue::<Q>(3);
    q.put(1).unwrap();
    q.put(2).unwrap();
    q.close();
    assert!(q.is_closed());
    assert_eq!(q.put(3), Err(Closed(3)));
    assert_eq!(q.try_put(4), Err(TryPutError::Closed(4)));
    assert_eq!(
        q.put_timeout(5, Duration::ZERO),
        Err(PutTimeoutError::Closed(5))
    );
    assert_eq!(q.get(), Ok(1));
    assert_eq!(q.try_get(), Ok(2));
    assert_eq!(q.get(), Err(GetError::Closed));
    assert_eq!(q.try_get(), Err(GetError::Closed));
    assert_eq!(q.get_timeout(Duration::ZERO), Err(GetError::Closed));
}

fn close_wakes_a_blocked_get<Q: QueueImpl<Std, u32>>() {
    let (q, probe) = queue::<Q>(1);
    let getter = spawn({
        let q = Arc::clone(&q);
        move || q.get()
    });
    until_asleep(
        &probe,
        if probe_shared::<Q>() {
            "changed"
        } else {
            "not_empty"
        },
    );
    q.close();
    assert_eq!(
        getter.recv_timeout(BOUND),
        Ok(Err(GetError::Closed)),
        "close must wake a blocked get"
    );
}

fn close_wakes_a_blocked_put<Q: QueueImpl<Std, u32>>() {
    let (q, probe) = queue::<Q>(1);
    q.put(1).unwrap();
    let putter = spawn({
        let q = Arc::clone(&q);
        move || q.put(2)
    });
    until_asleep(
        &probe,
        if probe_shared::<Q>() {
            "changed"
        } else {
            "not_full"
        },
    );
    q.close();
    assert_eq!(
        putter.recv_timeout(BOUND),
        Ok(Err(Closed(2))),
        "close must wake a blocked put and hand the item back"
    );
}

fn task_done_too_often_is_an_error<Q: QueueImpl<Std, u32>>() {
    let (q, _) = queue::<Q>(2);
    assert_eq!(q.task_done(), Err(TaskDoneTooOften));
    q.put(1).unwrap();
    // Put but not taken: still nothing to mark done.
    assert_eq!(q.task_done(), Err(TaskDoneTooOften));
    q.get().unwrap();
    assert_eq!(q.task_done(), Ok(()));
    assert_eq!(q.task_done(), Err(TaskDoneTooOften));
}

fn join_returns_once_every_item_is_done<Q: QueueImpl<Std, u32>>() {
    let (q, probe) = queue::<Q>(2);
    q.put(1).unwrap();
    q.put(2).unwrap();
    let joiner = spawn({
        let q = Arc::clone(&q);
        move || q.join()
    });
    until_asleep(&probe, "all_done");
    for _ in 0..2 {
        q.get().unwrap();
        assert!(
            joiner.try_recv().is_err(),
            "join returned before every item was done"
        );
        q.task_done().unwrap();
    }
    assert_eq!(
        joiner.recv_timeout(BOUND),
        Ok(()),
        "join must return once every item is done"
    );
    // Joining again on a finished queue returns at once.
    assert!(q.join_timeout(Duration::ZERO));
}

/// The one-condvar discipline sleeps everyone on one condition, "changed".
fn probe_shared<Q>() -> bool {
    std::any::type_name::<Q>().contains("OneCondvar")
}

#[test]
fn correct_queue_meets_the_contract() {
    contract::<CondvarQueue<Std, u32, WhileLoop>>();
}

#[test]
fn if_queue_meets_the_sequential_contract() {
    contract::<CondvarQueue<Std, u32, IfNotWhile>>();
}

#[test]
fn one_condvar_queue_meets_the_sequential_contract() {
    contract::<CondvarQueue<Std, u32, OneCondvar>>();
}

#[test]
fn unlocked_capacity_queue_meets_the_sequential_contract() {
    contract::<CondvarQueue<Std, u32, CheckOutsideLock>>();
}
