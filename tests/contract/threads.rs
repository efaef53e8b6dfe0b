//! The thread queue under the contract: a `CondvarQueue` of one
//! discipline; other parties are threads of the test, and the probe's
//! wait table says which of them sleeps on which condition.

use super::{Opened, Parties, Party, Subject, Wait};
use racelab::model::queue::{BoundedQueue, CondvarQueue, Discipline, QueueImpl};
use racelab::sync::{Backend, Std};
use racelab::workload::probe::Probe;
use std::marker::PhantomData;
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

/// Longer than any wait here takes; reaching it is a failure, not a hang.
const BOUND: Duration = Duration::from_secs(10);

/// The thread queue with discipline `D`.
pub struct Threads<D>(PhantomData<D>);

impl<D: Discipline> Threads<D> {
    pub fn new() -> Self {
        Threads(PhantomData)
    }
}

impl<D: Discipline> Subject for Threads<D> {
    fn name(&self) -> String {
        D::NAME.to_string()
    }

    fn open(&self, capacity: usize) -> Box<dyn Opened> {
        let probe = Probe::new(None, false, Std::worker);
        let queue = CondvarQueue::<Std, u64, D>::new(capacity, probe.clone());
        Box::new(OpenThreads::<D> {
            queue: Arc::new(queue),
            probe,
            _discipline: PhantomData,
        })
    }
}

struct OpenThreads<D> {
    queue: Arc<dyn BoundedQueue<u64>>,
    probe: Probe,
    _discipline: PhantomData<D>,
}

impl<D: Discipline> Opened for OpenThreads<D> {
    fn queue(&self) -> &dyn BoundedQueue<u64> {
        self.queue.as_ref()
    }

    fn bounded_in_items(&self) -> bool {
        true
    }

    /// Party `i` runs on a thread named worker `i + 1`.
    fn start(&self, parties: &[Party]) -> Box<dyn Parties + '_> {
        let answers = parties
            .iter()
            .enumerate()
            .map(|(i, party)| {
                let (tx, rx) = mpsc::channel();
                let queue = Arc::clone(&self.queue);
                let body = party.body;
                std::thread::spawn(move || {
                    Std::set_worker(i + 1);
                    let _ = tx.send(body(queue.as_ref()));
                });
                (rx, None)
            })
            .collect();
        Box::new(ThreadParties { answers })
    }

    fn until_blocked(&self, n: usize, on: Wait) {
        // The one-condvar discipline sleeps producers and consumers on
        // one condition, "changed".
        let on = match on {
            Wait::AllDone => "all_done",
            _ if D::ONE_CONDVAR => "changed",
            Wait::NotEmpty => "not_empty",
            Wait::NotFull => "not_full",
        };
        let end = Instant::now() + BOUND;
        while self
            .probe
            .snapshot()
            .waiting
            .values()
            .filter(|w| **w == on)
            .count()
            < n
        {
            assert!(
                Instant::now() < end,
                "{}: {n} thread(s) never went to sleep on {on}",
                D::NAME
            );
            std::thread::yield_now();
        }
    }
}

struct ThreadParties {
    /// Each party's channel, and its answer once received.
    answers: Vec<(mpsc::Receiver<String>, Option<String>)>,
}

impl Parties for ThreadParties {
    fn answered(&mut self) -> bool {
        for (rx, answer) in &mut self.answers {
            if answer.is_none() {
                *answer = rx.try_recv().ok();
            }
        }
        self.answers.iter().any(|(_, answer)| answer.is_some())
    }

    fn answers(self: Box<Self>) -> Vec<String> {
        self.answers
            .into_iter()
            .enumerate()
            .map(|(i, (rx, answer))| {
                answer.unwrap_or_else(|| {
                    rx.recv_timeout(BOUND)
                        .unwrap_or_else(|e| panic!("thread party {i} never answered: {e}"))
                })
            })
            .collect()
    }
}
