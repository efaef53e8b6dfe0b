//! The process queues under the contract: each `Via`, opened in an arena
//! of its own and spoken to through `Bounded`, the thread queue's
//! vocabulary; other parties are forked worker processes, and the queue's
//! ledger counts those blocked inside it.
//!
//! Plus the one case the thread queue's vocabulary cannot say: timeouts
//! given in seconds, as Python gives them.

use super::{Opened, Parties, Party, Subject, Wait};
use racelab::model::queue::BoundedQueue;
use racelab::os::arena::Arena;
use racelab::os::crew::Crew;
use racelab::os::poll::poll_until;
use racelab::process::queue::bounded::Bounded;
use racelab::process::queue::{FOREVER, QueueError, Via};
use std::time::Duration;

/// The process queue `via`.
pub struct Processes(pub Via);

impl Subject for Processes {
    fn name(&self) -> String {
        self.0.name().to_string()
    }

    fn open(&self, capacity: usize) -> Box<dyn Opened> {
        let arena = Arena::new().unwrap();
        let queue = Bounded::open(self.0, &arena, capacity).unwrap();
        Box::new(OpenProcesses {
            via: self.0,
            queue,
            _arena: arena,
        })
    }
}

struct OpenProcesses {
    via: Via,
    // Dropped before the arena that holds its files.
    queue: Bounded,
    _arena: Arena,
}

impl Opened for OpenProcesses {
    fn queue(&self) -> &dyn BoundedQueue<u64> {
        &self.queue
    }

    fn bounded_in_items(&self) -> bool {
        self.queue.queue().capacity().is_some()
    }

    /// Party `i` is forked worker `i`, which first takes its role.
    fn start(&self, parties: &[Party]) -> Box<dyn Parties + '_> {
        let mut crew = Crew::spawn(parties.len(), |i| {
            self.queue.queue().enter(parties[i].role);
            (parties[i].body)(&self.queue)
        })
        .unwrap();
        crew.start();
        Box::new(ProcessParties(crew))
    }

    /// The ledger counts blocked workers, not what they wait for.
    fn until_blocked(&self, n: usize, _on: Wait) {
        let ledger = self.queue.queue().ledger();
        assert!(
            poll_until(FOREVER, || ledger.blocked() >= n as u32),
            "{}: {n} worker(s) never blocked",
            self.via
        );
    }
}

struct ProcessParties(Crew);

impl Parties for ProcessParties {
    fn answered(&mut self) -> bool {
        self.0.poll();
        (0..self.0.pids().len()).any(|i| self.0.ended(i))
    }

    fn answers(self: Box<Self>) -> Vec<String> {
        self.0
            .collect::<String>(FOREVER + FOREVER)
            .into_iter()
            .enumerate()
            .map(|(i, r)| r.unwrap_or_else(|f| panic!("worker {i}: {f}")))
            .collect()
    }
}

/// Timeouts in seconds, as Python gives them (`put_timeout` and
/// `get_timeout` in `f64`, which a `Duration` cannot make negative):
/// below zero or not a number is refused, and so is one beyond a year;
/// neither loses the item. A `Duration` beyond any clock is cut, not
/// overflowed.
pub fn timeouts_in_seconds_are_checked_and_lose_nothing(via: Via) {
    let arena = Arena::new().unwrap();
    let bounded = Bounded::open(via, &arena, 2).unwrap();
    let q = bounded.queue();
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
    assert_eq!(bounded.put_timeout(8, Duration::MAX), Ok(()), "{via}");
    assert_eq!(bounded.get_timeout(Duration::MAX), Ok(8), "{via}");
    assert_eq!(
        q.get_timeout(0.0),
        Err(QueueError::Empty),
        "{via}: and only it"
    );
}
