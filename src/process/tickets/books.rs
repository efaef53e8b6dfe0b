//! Where a locked strategy keeps the ticket office's books (the remaining
//! count and the ledger, seat -> buyer): the JSON database of
//! docs/scenarios.md §7 ([`FileDb`], `--store file`) or the shared region's
//! words ([`RegionWords`], `--store memory`). Either way a sale is several
//! steps (read, decide, write) that only the caller's lock makes one.

use crate::os::progress::{self, Mark};
use crate::process::Pace;
use crate::process::failure::{RunError, WorkerError};
use crate::process::filedb::{Db, FileDb};
use crate::process::region::{MAX_SEATS, RegionWords};
use std::collections::BTreeMap;
use std::sync::atomic::Ordering::{Acquire, Relaxed};

/// The office's books.
pub(crate) trait Books {
    /// In the parent, before a rush of `tickets` tickets: ready the books.
    fn open(&self, tickets: usize) -> Result<(), RunError>;

    /// Tickets left, as a search reads them: without the lock (-1 when
    /// they cannot be read).
    fn tickets_left(&self) -> i64;

    /// The sale, under the caller's lock: read the count and, if a ticket
    /// is left, wait in the race window and sell the next of `capacity`
    /// seats to `buyer`. The seat sold, or None when sold out.
    fn sell(
        &self,
        buyer: usize,
        capacity: usize,
        pace: &Pace<'_>,
    ) -> Result<Option<usize>, WorkerError>;

    /// Half a sale: the count lowered, the ledger not (the crash fault's
    /// victim, killed before it finished).
    fn sell_half(&self) -> Result<(), WorkerError>;

    /// After a holder died mid-sale: bring the count back in line with the
    /// seats recorded as sold.
    fn repair(&self, capacity: usize);

    /// The books after the rush: the remaining count and each of the
    /// `capacity` seats' buyer.
    fn read(&self, capacity: usize) -> Result<(i64, Vec<Option<usize>>), WorkerError>;
}

/// The JSON database of docs/scenarios.md §7, written atomically (temporary
/// file and rename): a search never sees a half-written file, so it takes
/// no lock.
impl Books for FileDb {
    fn open(&self, _tickets: usize) -> Result<(), RunError> {
        Ok(())
    }

    fn tickets_left(&self) -> i64 {
        self.load().map_or(-1, |db| db.count)
    }

    fn sell(
        &self,
        buyer: usize,
        capacity: usize,
        pace: &Pace,
    ) -> Result<Option<usize>, WorkerError> {
        let mut db: Db = self.load()?;
        progress::note(Mark::Read(db.count));
        std::thread::sleep(pace.work);
        if db.count <= 0 {
            return Ok(None);
        }
        pace.pass_window();
        let seat = capacity.saturating_sub(db.count as usize);
        db.count -= 1;
        db.ledger.insert(seat, buyer);
        self.store(&db)
            .map_err(|e| WorkerError::Store(e.to_string()))?;
        progress::note(Mark::Wrote(db.count));
        Ok(Some(seat))
    }

    fn sell_half(&self) -> Result<(), WorkerError> {
        let mut sale = self.load()?;
        sale.count -= 1;
        self.store(&sale)
            .map_err(|e| WorkerError::Store(e.to_string()))
    }

    fn repair(&self, capacity: usize) {
        let _ = FileDb::repair(self, capacity);
    }

    fn read(&self, capacity: usize) -> Result<(i64, Vec<Option<usize>>), WorkerError> {
        let db = self.load()?;
        Ok((db.count, by_seat(db.ledger, capacity)))
    }
}

/// The shared region's words: the count and the seats, each read and
/// written as a separate step.
impl Books for RegionWords {
    fn open(&self, tickets: usize) -> Result<(), RunError> {
        if tickets > MAX_SEATS {
            return Err(RunError::Plan(format!(
                "the shared office has {MAX_SEATS} seats at most"
            )));
        }
        self.open_office(tickets);
        Ok(())
    }

    fn tickets_left(&self) -> i64 {
        self.remaining.load(Acquire)
    }

    /// Read the count, wait in the window, write the count, then the seat.
    fn sell(
        &self,
        buyer: usize,
        capacity: usize,
        pace: &Pace,
    ) -> Result<Option<usize>, WorkerError> {
        let left = self.remaining.load(Relaxed);
        progress::note(Mark::Read(left));
        std::thread::sleep(pace.work);
        if left <= 0 {
            return Ok(None);
        }
        pace.pass_window();
        self.remaining.store(left - 1, Relaxed);
        progress::note(Mark::Wrote(left - 1));
        let seat = capacity.saturating_sub(left as usize);
        if let Some(word) = self.seats.get(seat) {
            word.store(buyer as u64 + 1, Relaxed);
        }
        Ok(Some(seat))
    }

    fn sell_half(&self) -> Result<(), WorkerError> {
        self.remaining.fetch_sub(1, Relaxed);
        Ok(())
    }

    fn repair(&self, capacity: usize) {
        let sold = self.ledger(capacity).iter().filter(|s| s.is_some()).count();
        self.remaining.store((capacity - sold) as i64, Relaxed);
    }

    fn read(&self, capacity: usize) -> Result<(i64, Vec<Option<usize>>), WorkerError> {
        Ok((self.remaining.load(Acquire), self.ledger(capacity)))
    }
}

/// A ledger (seat -> buyer) as each of `capacity` seats' buyer; a seat
/// past the capacity is left out.
pub(crate) fn by_seat(ledger: BTreeMap<usize, usize>, capacity: usize) -> Vec<Option<usize>> {
    let mut seats = vec![None; capacity];
    for (seat, buyer) in ledger {
        if let Some(slot) = seats.get_mut(seat) {
            *slot = Some(buyer);
        }
    }
    seats
}
