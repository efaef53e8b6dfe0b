//! Ticket offices, checked with `racelab::office!` (buyers search, then
//! rush the hall; no seat sold twice, none past the last, the books agree).

use super::{Entry, broken, correct};
use racelab::check::ViolationKind::{self, *};
use racelab::model::tickets::{Buyer, SoldOut, Ticket, TicketOffice, TicketsImpl};
use racelab::sync::{AtomicWord, Backend, Mutex, Ordering::*, RwLock};
use racelab::workload::probe::Probe;

/// The seats and the count every office here keeps.
pub struct Hall<B: Backend> {
    /// Tickets left.
    remaining: B::AtomicI64,
    /// One word per seat: `buyer + 1`, 0 while unsold.
    seats: Vec<B::AtomicUsize>,
}

impl<B: Backend> Hall<B> {
    fn new(capacity: usize) -> Self {
        Hall {
            remaining: B::AtomicI64::new(capacity as i64),
            seats: (0..capacity).map(|_| B::AtomicUsize::new(0)).collect(),
        }
    }

    /// The seat `left` tickets remaining stands for.
    fn seat(&self, left: i64) -> usize {
        (self.seats.len() as i64 - left) as usize
    }

    /// Writes `buyer` into the ledger at `seat` (a seat past the hall is
    /// handed out unrecorded) and makes the ticket.
    fn record(&self, seat: usize, buyer: Buyer) -> Ticket {
        if let Some(word) = self.seats.get(seat) {
            word.store(buyer + 1, Release);
        }
        Ticket { seat, buyer }
    }

    fn ledger(&self) -> Vec<Option<Buyer>> {
        self.seats
            .iter()
            .map(|s| s.load(Acquire).checked_sub(1))
            .collect()
    }
}

/// Implements the office traits for `$ty`, whose `hall` field is a
/// [`Hall`], whose `buy` is its inherent `sell`, and which `$new` builds
/// from the hall.
macro_rules! office_impl {
    ($ty:ident, |$hall:ident| $new:expr) => {
        impl<B: Backend> TicketOffice for $ty<B> {
            fn search(&self) -> i64 {
                self.hall.remaining.load(Relaxed)
            }
            fn buy(&self, buyer: Buyer) -> Result<Ticket, SoldOut> {
                self.sell(buyer)
            }
            fn capacity(&self) -> usize {
                self.hall.seats.len()
            }
            fn ledger(&self) -> Vec<Option<Buyer>> {
                self.hall.ledger()
            }
        }
        impl<B: Backend> TicketsImpl<B> for $ty<B> {
            fn new(capacity: usize, _: Probe) -> Self {
                let $hall = Hall::new(capacity);
                $new
            }
        }
    };
}

/// Decide and sell under one mutex. Correct.
pub struct Locked<B: Backend> {
    lock: Mutex<B, ()>,
    hall: Hall<B>,
}
office_impl!(Locked, |hall| Locked {
    lock: Mutex::new(()),
    hall
});

impl<B: Backend> Locked<B> {
    fn sell(&self, buyer: Buyer) -> Result<Ticket, SoldOut> {
        let _held = self.lock.lock();
        let left = self.hall.remaining.load(Relaxed);
        if left <= 0 {
            return Err(SoldOut);
        }
        self.hall.remaining.store(left - 1, Relaxed);
        Ok(self.hall.record(self.hall.seat(left), buyer))
    }
}

/// Compare-exchange the count down, then record the seat it won. Correct.
pub struct Cas<B: Backend> {
    hall: Hall<B>,
}
office_impl!(Cas, |hall| Cas { hall });

impl<B: Backend> Cas<B> {
    fn sell(&self, buyer: Buyer) -> Result<Ticket, SoldOut> {
        let mut left = self.hall.remaining.load(Relaxed);
        loop {
            if left <= 0 {
                return Err(SoldOut);
            }
            match self
                .hall
                .remaining
                .compare_exchange(left, left - 1, AcqRel, Relaxed)
            {
                Ok(_) => return Ok(self.hall.record(self.hall.seat(left), buyer)),
                Err(now) => left = now,
            }
        }
    }
}

/// Sell under the mutex, work out the seat number after it.
pub struct SeatOutside<B: Backend> {
    lock: Mutex<B, ()>,
    hall: Hall<B>,
}
office_impl!(SeatOutside, |hall| SeatOutside {
    lock: Mutex::new(()),
    hall
});

impl<B: Backend> SeatOutside<B> {
    fn sell(&self, buyer: Buyer) -> Result<Ticket, SoldOut> {
        {
            let _held = self.lock.lock();
            let left = self.hall.remaining.load(Relaxed);
            if left <= 0 {
                return Err(SoldOut);
            }
            self.hall.remaining.store(left - 1, Relaxed);
        }
        // Bug: read after the unlock, the count may include another sale.
        let now = self.hall.remaining.load(Relaxed);
        Ok(self.hall.record(self.hall.seat(now + 1), buyer))
    }
}

/// Check the count, then take the mutex to sell.
pub struct CheckThenAct<B: Backend> {
    lock: Mutex<B, ()>,
    hall: Hall<B>,
}
office_impl!(CheckThenAct, |hall| CheckThenAct {
    lock: Mutex::new(()),
    hall
});

impl<B: Backend> CheckThenAct<B> {
    fn sell(&self, buyer: Buyer) -> Result<Ticket, SoldOut> {
        // Bug: decided outside the lock: every buyer who saw "1 left" buys.
        if self.hall.remaining.load(Relaxed) <= 0 {
            return Err(SoldOut);
        }
        let _held = self.lock.lock();
        let left = self.hall.remaining.load(Relaxed);
        self.hall.remaining.store(left - 1, Relaxed);
        Ok(self.hall.record(self.hall.seat(left), buyer))
    }
}

/// `fetch_sub` first, give the ticket back if there was none.
pub struct NoFloor<B: Backend> {
    hall: Hall<B>,
}
office_impl!(NoFloor, |hall| NoFloor { hall });

impl<B: Backend> NoFloor<B> {
    fn sell(&self, buyer: Buyer) -> Result<Ticket, SoldOut> {
        // Bug: the count dips below 0 until the refund: a search meanwhile
        // reports a negative number of tickets left.
        let left = self.hall.remaining.fetch_sub(1, AcqRel);
        if left <= 0 {
            self.hall.remaining.fetch_add(1, Relaxed);
            return Err(SoldOut);
        }
        Ok(self.hall.record(self.hall.seat(left), buyer))
    }
}

/// Write the ledger, then try to claim the seat.
pub struct LedgerFirst<B: Backend> {
    hall: Hall<B>,
}
office_impl!(LedgerFirst, |hall| LedgerFirst { hall });

impl<B: Backend> LedgerFirst<B> {
    fn sell(&self, buyer: Buyer) -> Result<Ticket, SoldOut> {
        loop {
            let left = self.hall.remaining.load(Acquire);
            if left <= 0 {
                return Err(SoldOut);
            }
            let seat = self.hall.seat(left);
            // Bug: written before the sale is decided: a buyer who then loses
            // the compare-exchange has overwritten the winner's name.
            let ticket = self.hall.record(seat, buyer);
            if self
                .hall
                .remaining
                .compare_exchange(left, left - 1, AcqRel, Relaxed)
                .is_ok()
            {
                return Ok(ticket);
            }
        }
    }
}

/// A readers-writer lock, held shared to buy.
pub struct ReadLocked<B: Backend> {
    lock: RwLock<B, ()>,
    hall: Hall<B>,
}
office_impl!(ReadLocked, |hall| ReadLocked {
    lock: RwLock::new(()),
    hall
});

impl<B: Backend> ReadLocked<B> {
    fn sell(&self, buyer: Buyer) -> Result<Ticket, SoldOut> {
        // Bug: "buy mostly reads the count", so it takes the read lock:
        // buyers are not excluded from each other.
        let _shared = self.lock.read();
        let left = self.hall.remaining.load(Relaxed);
        if left <= 0 {
            return Err(SoldOut);
        }
        self.hall.remaining.store(left - 1, Relaxed);
        Ok(self.hall.record(self.hall.seat(left), buyer))
    }
}

/// What an office that sells one seat twice may show.
const OVERSOLD: &[ViolationKind] = &[Oversold, SoldTwice, Miscount, LostSale];

/// The office entries.
pub fn entries() -> Vec<Entry> {
    vec![
        correct(
            "office_locked",
            "office",
            "decide and sell under one mutex",
            || racelab::office!(Locked),
        ),
        correct(
            "office_cas",
            "office",
            "compare-exchange the count, then record",
            || racelab::office!(Cas),
        ),
        broken(
            "office_seat_outside_lock",
            "office",
            "seat number read after the unlock (needs 2+ seats)",
            &[SoldTwice, Miscount],
            || racelab::office!(SeatOutside),
        ),
        broken(
            "office_check_then_act",
            "office",
            "checks the count outside the lock, sells inside",
            OVERSOLD,
            || racelab::office!(CheckThenAct),
        ),
        broken(
            "office_fetch_sub_no_floor",
            "office",
            "fetch_sub below 0, then refund: a search can return a negative count",
            &[Miscount],
            || racelab::office!(NoFloor),
        ),
        broken(
            "office_ledger_first",
            "office",
            "ledger written before the compare-exchange decides the sale",
            &[Miscount],
            || racelab::office!(LedgerFirst),
        ),
        broken(
            "office_read_lock_buy",
            "office",
            "buys under the shared (read) side of a RwLock",
            OVERSOLD,
            || racelab::office!(ReadLocked),
        ),
    ]
}
