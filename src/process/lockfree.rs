//! The lock-free strategy on the shared region. **Correct**: the counter is
//! one `fetch_add`; a buy compare-exchanges the remaining count from the
//! value it read to one less, and a buyer whose read went stale fails the
//! swap and looks again: the decision and the sale are one atomic step.
//!
//! Kill -9: no lock is held; a buyer killed between its read and its swap
//! changed nothing (`KillOutcome::Unaffected`).

use super::region::{MAX_SEATS, Shared};
use crate::os::window::Window;
use std::sync::atomic::Ordering::{AcqRel, Acquire, Relaxed, Release};

/// Fills the hall with `capacity` seats (in the parent, before the fork).
pub fn open_office(shared: &Shared, capacity: usize) {
    assert!(
        capacity <= MAX_SEATS,
        "the shared office has {MAX_SEATS} seats at most"
    );
    shared.remaining.store(capacity as i64, Release);
}

pub fn add(shared: &Shared, delta: i64) {
    shared.counter.fetch_add(delta, Relaxed);
}

/// Buys one seat with compare-exchange; None when sold out.
pub fn buy(shared: &Shared, capacity: usize, buyer: usize, window: &Window) -> Option<usize> {
    let mut left = shared.remaining.load(Acquire);
    loop {
        if left <= 0 {
            return None;
        }
        window.pass(shared);
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

/// Seat -> buyer, from the shared words.
pub fn ledger(shared: &Shared, capacity: usize) -> Vec<Option<usize>> {
    shared.seats[..capacity.min(MAX_SEATS)]
        .iter()
        .map(|s| (s.load(Acquire) as usize).checked_sub(1))
        .collect()
}
