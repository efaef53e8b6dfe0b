//! The queue workload checks the whole contract: user-style queues, each
//! the correct condvar queue with one operation broken, are caught with
//! the kind their bug earns (negative controls); the correct queue holds
//! under the same checks (positive control). A search that contradicts the
//! sales before it is caught too.

mod common;

use common::{assert_caught, assert_holds, threads_config};
use racelab::check::ViolationKind::{self, ContractBroken, Miscount};
use racelab::lock::MutexLock;
use racelab::model::queue::{
    BoundedQueue, Closed, CondvarQueue, GetError, PutTimeoutError, QueueImpl, TaskDoneTooOften,
    TryPutError, WhileLoop,
};
use racelab::model::tickets::{Buyer, LockedOffice, SoldOut, Ticket, TicketOffice, TicketsImpl};
use racelab::sync::{Backend, Loom, Std};
use racelab::tier::loom::{self, LoomConfig};
use racelab::tier::{Outcome, threads};
use racelab::workload::probe::Probe;
use racelab::workload::queue::{self, Ending, Msg, QueuePlan};
use racelab::workload::tickets::{self, TicketsPlan};
use std::time::Duration;

/// The bugs, one per marker value.
const DROPS_WHEN_FULL: u8 = 0;
const TASK_DONE_NEVER_REFUSES: u8 = 1;
const TIMED_GET_TIMES_OUT: u8 = 2;
const JOINS_WHEN_EMPTY: u8 = 3;
const CORRECT: u8 = 4;

/// The correct queue with bug `BUG` in one operation, as a user might write it.
struct Buggy<B: Backend, const BUG: u8>(CondvarQueue<B, Msg, WhileLoop>);

impl<B: Backend, const BUG: u8> BoundedQueue<Msg> for Buggy<B, BUG> {
    fn capacity(&self) -> usize {
        self.0.capacity()
    }
    fn put(&self, item: Msg) -> Result<(), Closed<Msg>> {
        self.0.put(item)
    }
    fn try_put(&self, item: Msg) -> Result<(), TryPutError<Msg>> {
        match self.0.try_put(item) {
            // The bug: "full" is reported as done, and the item dropped.
            Err(TryPutError::Full(_)) if BUG == DROPS_WHEN_FULL => Ok(()),
            other => other,
        }
    }
    fn put_timeout(&self, item: Msg, timeout: Duration) -> Result<(), PutTimeoutError<Msg>> {
        self.0.put_timeout(item, timeout)
    }
    fn get(&self) -> Result<Msg, GetError> {
        self.0.get()
    }
    fn try_get(&self) -> Result<Msg, GetError> {
        self.0.try_get()
    }
    fn get_timeout(&self, timeout: Duration) -> Result<Msg, GetError> {
        if BUG == TIMED_GET_TIMES_OUT && timeout < Duration::from_millis(1) {
            // The bug: a short timeout gives up before looking.
            return Err(GetError::Timeout);
        }
        self.0.get_timeout(timeout)
    }
    fn close(&self) {
        self.0.close()
    }
    fn is_closed(&self) -> bool {
        self.0.is_closed()
    }
    fn task_done(&self) -> Result<(), TaskDoneTooOften> {
        let done = self.0.task_done();
        if BUG == TASK_DONE_NEVER_REFUSES {
            return Ok(());
        }
        done
    }
    fn join(&self) {
        if BUG != JOINS_WHEN_EMPTY {
            return self.0.join();
        }
        // The bug: waits for an empty queue, not for every item done.
        let mut spins = 0;
        while !self.0.is_empty() {
            B::spin_hint(spins);
            spins += 1;
        }
    }
    fn join_timeout(&self, timeout: Duration) -> bool {
        self.0.join_timeout(timeout)
    }
    fn len(&self) -> usize {
        self.0.len()
    }
    fn high_water(&self) -> usize {
        self.0.high_water()
    }
}

impl<B: Backend, const BUG: u8> QueueImpl<B, Msg> for Buggy<B, BUG> {
    fn new(capacity: usize, probe: Probe) -> Self {
        Buggy(CondvarQueue::new(capacity, probe))
    }
}

const fn plan(producers: usize, consumers: usize, items: usize) -> QueuePlan {
    QueuePlan {
        producers,
        consumers,
        items,
        capacity: 1,
        ending: Ending::Close,
    }
}

fn on_loom<const BUG: u8>(plan: QueuePlan, bound: Option<usize>) -> Outcome {
    loom::run(
        queue::form::<Loom, Buggy<Loom, BUG>>(),
        &plan,
        &LoomConfig::bounded(bound),
    )
    .outcome
}

fn on_threads<const BUG: u8>(plan: QueuePlan) -> Outcome {
    threads::run(
        queue::form::<Std, Buggy<Std, BUG>>(),
        &plan,
        &threads_config(1),
    )
}

fn caught_everywhere<const BUG: u8>(what: &str, kind: ViolationKind) {
    assert_caught(
        &format!("{what} (loom)"),
        &on_loom::<BUG>(plan(1, 1, 1), None),
        kind,
    );
    assert_caught(
        &format!("{what} (threads)"),
        &on_threads::<BUG>(plan(2, 2, 50)),
        kind,
    );
}

#[test]
fn correct_queue_meets_every_check_of_the_workload() {
    assert_holds(
        "condvar 1P1C 2 items (loom)",
        &on_loom::<CORRECT>(plan(1, 1, 2), None),
    );
    assert_holds(
        "condvar 2P1C (loom)",
        &on_loom::<CORRECT>(plan(2, 1, 1), Some(2)),
    );
    assert_holds(
        "condvar 2P2C (threads)",
        &on_threads::<CORRECT>(plan(2, 2, 200)),
    );
}

#[test]
fn try_put_that_drops_the_item_when_full_is_caught() {
    caught_everywhere::<DROPS_WHEN_FULL>("try_put drops when full", ContractBroken);
}

#[test]
fn task_done_that_never_refuses_is_caught() {
    caught_everywhere::<TASK_DONE_NEVER_REFUSES>("task_done never refuses", ContractBroken);
}

#[test]
fn timed_get_that_times_out_with_an_item_present_is_caught() {
    caught_everywhere::<TIMED_GET_TIMES_OUT>("get_timeout gives up early", ContractBroken);
}

/// An office whose search shows the hall as it was at opening: a cache
/// nobody refreshes.
struct FrozenSearch<B: Backend>(LockedOffice<B, MutexLock<B>>);

impl<B: Backend> TicketOffice for FrozenSearch<B> {
    fn search(&self) -> i64 {
        self.0.capacity() as i64
    }
    fn buy(&self, buyer: Buyer) -> Result<Ticket, SoldOut> {
        self.0.buy(buyer)
    }
    fn capacity(&self) -> usize {
        self.0.capacity()
    }
    fn ledger(&self) -> Vec<Option<Buyer>> {
        self.0.ledger()
    }
}

impl<B: Backend> TicketsImpl<B> for FrozenSearch<B> {
    fn new(capacity: usize, probe: Probe) -> Self {
        FrozenSearch(LockedOffice::new(capacity, probe))
    }
}

#[test]
fn search_that_sees_more_than_the_sales_before_it_leave_is_a_miscount() {
    let plan = TicketsPlan::rush(2, 1);
    let form = tickets::form::<Loom, FrozenSearch<Loom>>();
    let outcome = loom::run(form, &plan, &LoomConfig::bounded(None)).outcome;
    assert_caught("frozen search", &outcome, Miscount);
    assert!(
        outcome
            .violations
            .iter()
            .any(|v| v.kind == Miscount && v.evidence.contains("search saw 1 left after 1")),
        "{:?}",
        outcome.violations
    );
    let correct = tickets::form::<Loom, LockedOffice<Loom, MutexLock<Loom>>>();
    assert_holds(
        "mutex office, searches checked",
        &loom::run(
            correct,
            &TicketsPlan::rush(3, 2),
            &LoomConfig::bounded(Some(2)),
        )
        .outcome,
    );
}
