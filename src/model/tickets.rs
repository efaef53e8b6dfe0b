//! The ticket office: ten buyers, one ticket left.
//!
//! `search()` returns the remaining count and never takes the buy lock
//! exclusively. `buy(buyer)` sells the next seat or says [`SoldOut`].
//! Tickets have identities (seat numbers), so a seat sold twice is visible,
//! not just a count gone wrong.
//!
//! Invariants (checked by [`crate::check::tickets`]): no more tickets sold
//! than the capacity; no seat sold twice; no seat past the last one;
//! remaining + sold == capacity; when demand >= capacity every ticket is
//! sold (no lost sale); the ledger names the buyer who holds each ticket.

use crate::lock::Lock;
use crate::sync::{AtomicWord, Backend, Ordering::*};
use crate::workload::probe::Probe;
use serde::Serialize;

/// Who buys.
pub type Buyer = usize;

/// A sold seat. Seats are numbered from 0 in the order they are sold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Ticket {
    /// The seat sold: past the last seat when the office oversold.
    pub seat: usize,
    /// Who bought it.
    pub buyer: Buyer,
}

/// The refusal: nothing left to sell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SoldOut;

impl std::fmt::Display for SoldOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("sold out")
    }
}

impl std::error::Error for SoldOut {}

/// The office's operations.
pub trait TicketOffice: Send + Sync + 'static {
    /// How many tickets are left: a snapshot, taken without the buy lock.
    fn search(&self) -> i64;
    /// Sells `buyer` the next seat, or [`SoldOut`] if none is left.
    fn buy(&self, buyer: Buyer) -> Result<Ticket, SoldOut>;
    /// How many seats it has.
    fn capacity(&self) -> usize;
    /// Seat -> buyer, as the office recorded it (`None`: unsold).
    fn ledger(&self) -> Vec<Option<Buyer>>;
}

/// An office implementation the checkers can build on any backend.
pub trait TicketsImpl<B: Backend>: TicketOffice {
    /// An office with `capacity` seats, none sold, its steps recorded by
    /// `probe`.
    fn new(capacity: usize, probe: Probe) -> Self;
}

/// The remaining count, as the trace names it.
pub const VAR: &str = "left";

/// The shared state of every office: a remaining count and one word per
/// seat holding `buyer + 1` (0: unsold).
struct OfficeState<B: Backend> {
    remaining: B::AtomicI64,
    seats: Box<[B::AtomicUsize]>,
    probe: Probe,
}

impl<B: Backend> OfficeState<B> {
    fn new(capacity: usize, probe: Probe) -> Self {
        OfficeState {
            remaining: B::AtomicI64::new(capacity as i64),
            seats: (0..capacity).map(|_| B::AtomicUsize::new(0)).collect(),
            probe,
        }
    }

    fn read_remaining(&self) -> i64 {
        let left = self.remaining.load(Relaxed);
        self.probe.read(VAR, left);
        left
    }

    /// Records the sale of the seat that `left` tickets remaining implies.
    /// A seat past the end of the hall is still handed out: that is the
    /// oversell the checker must see.
    fn sell(&self, left: i64, buyer: Buyer) -> Ticket {
        self.remaining.store(left - 1, Relaxed);
        self.probe.write(VAR, left - 1);
        let seat = (self.seats.len() as i64 - left) as usize;
        if let Some(word) = self.seats.get(seat) {
            word.store(buyer + 1, Relaxed);
        }
        Ticket { seat, buyer }
    }

    fn ledger(&self) -> Vec<Option<Buyer>> {
        self.seats
            .iter()
            .map(|s| s.load(Acquire).checked_sub(1))
            .collect()
    }

    fn traced(
        &self,
        buyer: Buyer,
        f: impl FnOnce() -> Result<Ticket, SoldOut>,
    ) -> Result<Ticket, SoldOut> {
        self.probe.call(|| format!("buy({buyer})"));
        let result = f();
        self.probe.ret(
            || format!("buy({buyer})"),
            || match &result {
                Ok(ticket) => format!("seat {}", ticket.seat),
                Err(SoldOut) => "sold out".to_string(),
            },
        );
        result
    }
}

/// Decide and sell inside one exclusive section; search takes the
/// strategy's shared mode (a read lock for [`crate::lock::RwLockStrategy`],
/// nothing for the others).
pub struct LockedOffice<B: Backend, L: Lock<B>> {
    lock: L,
    state: OfficeState<B>,
}

impl<B: Backend, L: Lock<B>> TicketOffice for LockedOffice<B, L> {
    fn search(&self) -> i64 {
        self.lock.shared(|| self.state.remaining.load(Relaxed))
    }

    fn buy(&self, buyer: Buyer) -> Result<Ticket, SoldOut> {
        self.state.traced(buyer, || {
            self.lock.exclusive(|| {
                self.state.probe.acquire(L::NAME);
                let left = self.state.read_remaining();
                let sale = if left > 0 {
                    self.state.probe.window();
                    Ok(self.state.sell(left, buyer))
                } else {
                    Err(SoldOut)
                };
                self.state.probe.release(L::NAME);
                sale
            })
        })
    }

    fn capacity(&self) -> usize {
        self.state.seats.len()
    }

    fn ledger(&self) -> Vec<Option<Buyer>> {
        self.state.ledger()
    }
}

impl<B: Backend, L: Lock<B>> TicketsImpl<B> for LockedOffice<B, L> {
    fn new(capacity: usize, probe: Probe) -> Self {
        LockedOffice {
            lock: L::new(),
            state: OfficeState::new(capacity, probe),
        }
    }
}

/// Check, then act: decide on a count read *outside* the lock, then sell
/// inside it. Broken: every buyer who saw "1 left" before the first sale
/// goes on to buy, and the hall is oversold. The lock protects the write,
/// not the decision.
pub struct CheckThenActOffice<B: Backend, L: Lock<B>> {
    lock: L,
    state: OfficeState<B>,
}

impl<B: Backend, L: Lock<B>> TicketOffice for CheckThenActOffice<B, L> {
    fn search(&self) -> i64 {
        self.lock.shared(|| self.state.remaining.load(Relaxed))
    }

    fn buy(&self, buyer: Buyer) -> Result<Ticket, SoldOut> {
        self.state.traced(buyer, || {
            if self.state.read_remaining() <= 0 {
                return Err(SoldOut);
            }
            self.state.probe.window();
            self.lock.exclusive(|| {
                self.state.probe.acquire(L::NAME);
                let left = self.state.read_remaining();
                let ticket = self.state.sell(left, buyer);
                self.state.probe.release(L::NAME);
                Ok(ticket)
            })
        })
    }

    fn capacity(&self) -> usize {
        self.state.seats.len()
    }

    fn ledger(&self) -> Vec<Option<Buyer>> {
        self.state.ledger()
    }
}

impl<B: Backend, L: Lock<B>> TicketsImpl<B> for CheckThenActOffice<B, L> {
    fn new(capacity: usize, probe: Probe) -> Self {
        CheckThenActOffice {
            lock: L::new(),
            state: OfficeState::new(capacity, probe),
        }
    }
}

/// Lock-free: compare-and-swap the remaining count from `left` to
/// `left - 1`; a buyer whose count went stale fails the swap and looks
/// again. Correct: the decision and the sale are one atomic step. Search is
/// a plain load.
pub struct AtomicOffice<B: Backend> {
    state: OfficeState<B>,
}

impl<B: Backend> TicketOffice for AtomicOffice<B> {
    fn search(&self) -> i64 {
        self.state.remaining.load(Relaxed)
    }

    fn buy(&self, buyer: Buyer) -> Result<Ticket, SoldOut> {
        self.state.traced(buyer, || {
            let mut left = self.state.read_remaining();
            loop {
                if left <= 0 {
                    return Err(SoldOut);
                }
                self.state.probe.window();
                match self
                    .state
                    .remaining
                    .compare_exchange(left, left - 1, AcqRel, Relaxed)
                {
                    Ok(_) => {
                        self.state.probe.write(VAR, left - 1);
                        let seat = self.state.seats.len() - left as usize;
                        self.state.seats[seat].store(buyer + 1, Relaxed);
                        return Ok(Ticket { seat, buyer });
                    }
                    Err(now) => {
                        self.state.probe.read(VAR, now);
                        left = now;
                    }
                }
            }
        })
    }

    fn capacity(&self) -> usize {
        self.state.seats.len()
    }

    fn ledger(&self) -> Vec<Option<Buyer>> {
        self.state.ledger()
    }
}

impl<B: Backend> TicketsImpl<B> for AtomicOffice<B> {
    fn new(capacity: usize, probe: Probe) -> Self {
        AtomicOffice {
            state: OfficeState::new(capacity, probe),
        }
    }
}
