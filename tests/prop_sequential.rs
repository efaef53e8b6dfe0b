//! Property: every implementation, broken ones included, meets its model's
//! sequential specification when one thread drives it. The broken ones are
//! wrong only under concurrency, which is the point of the other tiers.
//!
//! The queue is compared step by step with the reference model in
//! `racelab::model::reference`, kept apart from the system under test.

mod common;

use common::seeded_runner;
use proptest::prelude::*;
use racelab::lock::*;
use racelab::model::counter::{AtomicCounter, CounterImpl, LockedCounter, SplitLockCounter};
use racelab::model::queue::{
    CheckOutsideLock, CondvarQueue, IfNotWhile, OneCondvar, QueueImpl, WhileLoop,
};
use racelab::model::reference::{QueueOp, first_disagreement};
use racelab::model::tickets::{
    AtomicOffice, CheckThenActOffice, LockedOffice, SoldOut, Ticket, TicketsImpl,
};
use racelab::sync::Std;
use racelab::workload::probe::Probe;

fn counter_meets_spec<C: CounterImpl<Std>>(ops: &[bool]) -> Result<(), TestCaseError> {
    let counter = C::new(Probe::none());
    let mut expected = 0i64;
    for &up in ops {
        if up {
            counter.increment();
            expected += 1;
        } else {
            counter.decrement();
            expected -= 1;
        }
        prop_assert_eq!(counter.get(), expected);
    }
    Ok(())
}

fn office_meets_spec<O: TicketsImpl<Std>>(
    capacity: usize,
    buyers: &[usize],
) -> Result<(), TestCaseError> {
    let office = O::new(capacity, Probe::none());
    let mut ledger = vec![None; capacity];
    for (sold, &buyer) in buyers.iter().enumerate() {
        let expected = if sold < capacity {
            Ok(Ticket { seat: sold, buyer })
        } else {
            Err(SoldOut)
        };
        prop_assert_eq!(office.buy(buyer), expected);
        if sold < capacity {
            ledger[sold] = Some(buyer);
        }
        prop_assert_eq!(office.search(), capacity.saturating_sub(sold + 1) as i64);
    }
    prop_assert_eq!(office.ledger(), ledger);
    Ok(())
}

macro_rules! for_every_lock {
    ($check:ident, $wrap:ident, $($arg:expr),*) => {{
        $check::<$wrap<Std, MutexLock<Std>>>($($arg),*)?;
        $check::<$wrap<Std, SpinLock<Std>>>($($arg),*)?;
        $check::<$wrap<Std, TicketLock<Std>>>($($arg),*)?;
        $check::<$wrap<Std, RwLockStrategy<Std>>>($($arg),*)?;
        $check::<$wrap<Std, Semaphore1<Std>>>($($arg),*)?;
        $check::<$wrap<Std, NoLock>>($($arg),*)?;
        $check::<$wrap<Std, RelaxedSpinLock<Std>>>($($arg),*)?;
        $check::<$wrap<Std, Semaphore2<Std>>>($($arg),*)?;
    }};
}

#[test]
fn every_counter_meets_the_sequential_spec() {
    seeded_runner(256)
        .run(&prop::collection::vec(any::<bool>(), 0..64), |ops| {
            for_every_lock!(counter_meets_spec, LockedCounter, &ops);
            counter_meets_spec::<SplitLockCounter<Std, MutexLock<Std>>>(&ops)?;
            counter_meets_spec::<AtomicCounter<Std>>(&ops)
        })
        .unwrap();
}

#[test]
fn every_office_meets_the_sequential_spec() {
    seeded_runner(256)
        .run(
            &(0usize..8, prop::collection::vec(0usize..5, 0..12)),
            |(capacity, buyers)| {
                for_every_lock!(office_meets_spec, LockedOffice, capacity, &buyers);
                office_meets_spec::<CheckThenActOffice<Std, MutexLock<Std>>>(capacity, &buyers)?;
                office_meets_spec::<AtomicOffice<Std>>(capacity, &buyers)
            },
        )
        .unwrap();
}

#[test]
fn every_queue_matches_the_reference_model() {
    seeded_runner(256)
        .run(
            &(1usize..4, prop::collection::vec(op(), 0..40)),
            |(capacity, ops)| {
                matches_reference::<CondvarQueue<Std, u32, WhileLoop>>(capacity, &ops)?;
                matches_reference::<CondvarQueue<Std, u32, IfNotWhile>>(capacity, &ops)?;
                matches_reference::<CondvarQueue<Std, u32, OneCondvar>>(capacity, &ops)?;
                matches_reference::<CondvarQueue<Std, u32, CheckOutsideLock>>(capacity, &ops)
            },
        )
        .unwrap();
}

fn op() -> impl Strategy<Value = QueueOp> {
    prop_oneof![
        4 => any::<u32>().prop_map(QueueOp::TryPut),
        4 => Just(QueueOp::TryGet),
        1 => Just(QueueOp::Close),
        2 => Just(QueueOp::TaskDone),
    ]
}

fn matches_reference<Q: QueueImpl<Std, u32>>(
    capacity: usize,
    ops: &[QueueOp],
) -> Result<(), TestCaseError> {
    let queue = Q::new(capacity, Probe::none());
    match first_disagreement(&queue, ops) {
        None => Ok(()),
        Some(diff) => Err(TestCaseError::fail(format!(
            "{}: {diff}",
            std::any::type_name::<Q>()
        ))),
    }
}
