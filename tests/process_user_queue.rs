//! A user's own process queues, written here as a user would write them
//! against racelab's public traits, run through the process queue workload
//! as the built-ins are:
//! - `Delegating`, a queue that hands every operation to a built-in ring
//!   (as a user wrapping one for logging would): it holds.
//! - `OwnMemory`, items in a `VecDeque` in the queue's own fields, its
//!   ledger shared as it should be: each forked producer fills its own copy
//!   and no consumer ever sees an item: every item is lost, every run.

mod common;

use racelab::check::ViolationKind;
use racelab::os::arena::Arena;
use racelab::process::queue::run::run;
use racelab::process::queue::{
    Ledger, ProcessQueue, ProcessQueueImpl, QueueError, Role, Via, queue_form,
};
use racelab::workload::queue::{Ending, QueuePlan};
use std::collections::VecDeque;
use std::io;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Every operation handed to the built-in shared-memory ring.
struct Delegating(Box<dyn ProcessQueue>);

impl ProcessQueueImpl for Delegating {
    const NAME: &'static str = "user-delegating";
    const SUMMARY: &'static str = "every operation handed to the built-in shm ring";

    fn create(arena: &Arena, capacity: usize) -> io::Result<Box<dyn ProcessQueue>> {
        Ok(Box::new(Delegating(Via::Shm.open(arena, capacity)?)))
    }
}

impl ProcessQueue for Delegating {
    fn capacity(&self) -> Option<usize> {
        self.0.capacity()
    }
    fn enter(&self, role: Role) {
        self.0.enter(role)
    }
    fn put(&self, item: u64, within: Duration) -> Result<(), QueueError> {
        self.0.put(item, within)
    }
    fn get(&self, within: Duration) -> Result<u64, QueueError> {
        self.0.get(within)
    }
    fn close(&self) -> Result<(), QueueError> {
        self.0.close()
    }
    fn ledger(&self) -> &Ledger {
        self.0.ledger()
    }
    fn high_water(&self) -> Option<usize> {
        self.0.high_water()
    }
}

/// Broken: the items live in the queue's own fields, each process's copy.
struct OwnMemory {
    items: Mutex<VecDeque<u64>>,
    ledger: Ledger,
}

impl ProcessQueueImpl for OwnMemory {
    const NAME: &'static str = "user-own-memory";
    const SUMMARY: &'static str = "items in a VecDeque in the queue's own memory";

    fn create(arena: &Arena, _capacity: usize) -> io::Result<Box<dyn ProcessQueue>> {
        Ok(Box::new(OwnMemory {
            items: Mutex::new(VecDeque::new()),
            ledger: Ledger::new(arena, "own-memory")?,
        }))
    }
}

impl ProcessQueue for OwnMemory {
    fn capacity(&self) -> Option<usize> {
        None
    }

    fn put(&self, item: u64, _within: Duration) -> Result<(), QueueError> {
        let _putting = self.ledger.start_put()?;
        self.ledger.will_put(item);
        self.items.lock().unwrap().push_back(item);
        self.ledger.did_put(item, true);
        Ok(())
    }

    fn get(&self, within: Duration) -> Result<u64, QueueError> {
        let deadline = Instant::now() + within;
        loop {
            if let Some(item) = self.items.lock().unwrap().pop_front() {
                self.ledger.took(item);
                return Ok(item);
            }
            if self.ledger.closed_for_good() {
                return Err(QueueError::Closed);
            }
            if Instant::now() >= deadline {
                return Err(QueueError::Empty);
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    fn close(&self) -> Result<(), QueueError> {
        self.ledger.close();
        Ok(())
    }

    fn ledger(&self) -> &Ledger {
        &self.ledger
    }
}

/// 3 producers of 3 items, 2 consumers, capacity 2, closed at the end.
const PLAN: QueuePlan = QueuePlan {
    producers: 3,
    consumers: 2,
    items: 3,
    capacity: 2,
    ending: Ending::Close,
};

common::forked_tests! {
    #![rusty_fork(timeout_ms = 120_000)]

    #[test]
    fn user_queue_over_a_correct_ring_delivers_every_item_once_in_order() {
        let r = run(&PLAN, queue_form::<Delegating>(), Duration::from_secs(20)).expect("runs");
        assert!(r.violations.is_empty(), "{r:?}");
        assert_eq!(r.report.processed_at_join, Some(9), "{r:?}");
        assert_eq!(r.via.name(), "user-delegating");
        let outcome = racelab::tier::processes::run(
            queue_form::<Delegating>(),
            &PLAN,
            &racelab::process::ProcessConfig::default(),
        );
        assert!(outcome.violations.is_empty(), "{outcome:?}");
        assert!(outcome.inconclusive.is_none(), "{outcome:?}");
    }

    #[test]
    fn user_queue_in_its_own_memory_loses_every_item() {
        let r = run(&PLAN, queue_form::<OwnMemory>(), Duration::from_millis(300)).expect("runs");
        let kinds: Vec<ViolationKind> = r.violations.iter().map(|v| v.kind).collect();
        assert!(kinds.contains(&ViolationKind::LostItem), "{r:?}");
        let received: usize = r.report.received.iter().map(Vec::len).sum();
        assert_eq!(received, 0, "{r:?}");
    }
}
