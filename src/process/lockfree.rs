//! The lock-free strategy on the shared region. **Correct**: the counter is
//! one `fetch_add`; a buy compare-exchanges the remaining count from the
//! value it read to one less, and a buyer whose read went stale fails the
//! swap and looks again: the decision and the sale are one atomic step.
//!
//! Kill -9: no lock is held; a buyer killed between its read and its swap
//! changed nothing (`KillOutcome::Unaffected`).

use super::ProcessConfig;
use super::counter::ProcessCounter;
use super::failure::{RunError, WorkerError};
use super::kill::{Aftermath, Tried, Victim};
use super::region::RegionWords;
use super::strategy::{Expected, Facts, KillOutcome, OwnForms, Site};
use super::tickets::books::Books;
use super::tickets::office::{ProcessOffice, Sale};
use super::{Pace, SetupError};
use crate::os::progress::{self, Mark};
use std::sync::atomic::Ordering::{AcqRel, Acquire, Relaxed, Release, SeqCst};
use std::time::Duration;

/// The lock-free strategy: atomics on the shared region's words.
pub struct LockFree;

impl Facts for LockFree {
    const NAME: &'static str = "atomic";
    const SUMMARY: &'static str = "lock-free fetch_add / compare-exchange in shared memory";
}

impl Expected for LockFree {
    const CORRECT: bool = true;
    const KILL_OUTCOME: KillOutcome = KillOutcome::Unaffected;
}

impl OwnForms for LockFree {
    fn counter<'a>(site: &Site<'a>) -> Box<dyn ProcessCounter + 'a> {
        Box::new(FetchAddCounter {
            shared: site.shared,
        })
    }

    fn office<'a>(site: &Site<'a>, capacity: usize) -> Box<dyn ProcessOffice + 'a> {
        Box::new(CasOffice {
            shared: site.shared,
            capacity,
        })
    }
}

/// The counter as one `fetch_add`.
struct FetchAddCounter<'a> {
    shared: &'a RegionWords,
}

impl ProcessCounter for FetchAddCounter<'_> {
    fn add(&mut self, delta: i64, _pace: &Pace) -> Result<(), WorkerError> {
        let seen = self.shared.counter.fetch_add(delta, Relaxed);
        progress::note(Mark::Wrote(seen + delta));
        progress::finish();
        Ok(())
    }

    fn value(&mut self, _within: Duration) -> Result<i64, SetupError> {
        Ok(self.shared.counter.load(Relaxed))
    }
}

/// The ticket office in the shared region's words, sold by
/// compare-exchange.
struct CasOffice<'a> {
    shared: &'a RegionWords,
    capacity: usize,
}

impl ProcessOffice for CasOffice<'_> {
    fn open(&mut self, tickets: usize, _config: &ProcessConfig) -> Result<(), RunError> {
        self.shared.open(tickets)
    }

    fn search(&self) -> i64 {
        self.shared.tickets_left()
    }

    fn buy(&mut self, buyer: usize, pace: &Pace) -> Result<Sale, WorkerError> {
        let seat = buy(self.shared, self.capacity, buyer, pace);
        progress::note(seat.map_or(Mark::SoldOut, |s| Mark::Sold(s as u64)));
        progress::finish();
        Ok(Sale { seat, held: None })
    }

    fn books(&mut self, _within: Duration) -> Result<(i64, Vec<Option<usize>>), WorkerError> {
        self.shared.read(self.capacity)
    }

    fn hold(&mut self, _victim: Victim, then: &mut dyn FnMut()) -> Result<(), WorkerError> {
        // Read, decided, not yet swapped.
        let _ = self.shared.remaining.load(SeqCst);
        then();
        Ok(())
    }

    fn probe(&mut self, _within: Duration) -> Tried {
        // No lock: nothing keeps a second buyer out.
        Tried::Took
    }

    fn aftermath(&mut self) -> std::io::Result<Aftermath> {
        Ok(Aftermath::NothingHeld)
    }
}

/// Buys one seat with compare-exchange; None when sold out.
fn buy(shared: &RegionWords, capacity: usize, buyer: usize, pace: &Pace<'_>) -> Option<usize> {
    let mut left = shared.remaining.load(Acquire);
    loop {
        if left <= 0 {
            return None;
        }
        pace.pass_window();
        match shared
            .remaining
            .compare_exchange(left, left - 1, AcqRel, Acquire)
        {
            Ok(_) => {
                let seat = capacity - left as usize;
                shared.seats[seat].store(buyer as u64 + 1, Release);
                return Some(seat);
            }
            Err(now) => left = now,
        }
    }
}
