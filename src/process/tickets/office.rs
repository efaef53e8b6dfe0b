//! How a buyer reaches the ticket office: the [`ProcessOffice`] a rush
//! runs, whatever the strategy. [`OfficeUnderLock`] takes any
//! [`ProcessLock`] around the buy and keeps the office in any [`Books`];
//! the lock-free strategy's office is in [`crate::process::lockfree`], the
//! server's in [`crate::process::server`].

use super::books::Books;
use crate::os::progress::{self, Mark};
use crate::process::failure::{RunError, WorkerError};
use crate::process::kill::{Aftermath, Tried, Victim};
use crate::process::lock::{Acquired, LockError, ProcessLock, exclusive};
use crate::process::region::RegionWords;
use crate::process::{Pace, ProcessConfig};
use std::sync::atomic::Ordering::SeqCst;
use std::time::Duration;

/// One buy's result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Sale {
    /// The seat bought, or None: sold out.
    pub seat: Option<usize>,
    /// When the buy took its lock and let it go (microseconds into the
    /// rush), for a buy that takes one.
    pub held: Option<(u64, u64)>,
}

/// The ticket office as one strategy reaches it, made in the parent
/// before the fork (each buyer then has its own copy).
pub(crate) trait ProcessOffice {
    /// In the parent, before the buyers fork: ready the office for a rush
    /// of `tickets` tickets.
    fn open(&mut self, tickets: usize, config: &ProcessConfig) -> Result<(), RunError>;

    /// In the buyer, after the fork.
    fn attach(&mut self) -> Result<(), WorkerError> {
        Ok(())
    }

    /// Tickets left, read without the lock (-1 when unreadable).
    fn search(&self) -> i64;

    /// One buy.
    fn buy(&mut self, buyer: usize, pace: &Pace<'_>) -> Result<Sale, WorkerError>;

    /// In the parent, after the rush: the remaining count and each seat's
    /// buyer.
    fn books(&mut self, within: Duration) -> Result<(i64, Vec<Option<usize>>), WorkerError>;

    /// The crash fault's victim ([`crate::process::kill`]): goes as far
    /// into a buy as `victim` says, holding what a buy holds, and calls
    /// `then` there (which waits to be killed).
    fn hold(&mut self, victim: Victim, then: &mut dyn FnMut()) -> Result<(), WorkerError>;

    /// From a fresh process: tries to enter a buy for at most `within`.
    fn probe(&mut self, within: Duration) -> Tried;

    /// In the parent, after a buyer was killed without keeping anyone out:
    /// what its death left behind.
    fn aftermath(&mut self) -> std::io::Result<Aftermath>;
}

/// The office under a process lock: each buy reads, decides and writes
/// inside the lock; the books are wherever the store keeps them.
pub(crate) struct OfficeUnderLock<'a> {
    lock: Box<dyn ProcessLock + 'a>,
    books: &'a dyn Books,
    /// Where a buy records who holds the lock (the crash tests).
    shared: &'a RegionWords,
    capacity: usize,
}

impl<'a> OfficeUnderLock<'a> {
    pub fn new(
        lock: Box<dyn ProcessLock + 'a>,
        books: &'a dyn Books,
        shared: &'a RegionWords,
        capacity: usize,
    ) -> OfficeUnderLock<'a> {
        OfficeUnderLock {
            lock,
            books,
            shared,
            capacity,
        }
    }
}

impl ProcessOffice for OfficeUnderLock<'_> {
    fn open(&mut self, tickets: usize, _config: &ProcessConfig) -> Result<(), RunError> {
        self.books.open(tickets)
    }

    fn attach(&mut self) -> Result<(), WorkerError> {
        self.lock
            .attach()
            .map_err(|e| WorkerError::Setup(format!("opening the lock: {e}")))
    }

    fn search(&self) -> i64 {
        self.books.tickets_left()
    }

    /// The buy step under the lock: read, decide, wait in the window, write.
    fn buy(&mut self, buyer: usize, pace: &Pace<'_>) -> Result<Sale, WorkerError> {
        let (books, shared, capacity) = (self.books, self.shared, self.capacity);
        let mut locked_at = 0;
        let seat = exclusive(
            &mut *self.lock,
            pace.lock_within,
            || books.repair(capacity),
            || {
                locked_at = pace.micros();
                shared.holder.store(std::process::id() as i32, SeqCst);
                let sold = books.sell(buyer, capacity, pace);
                if let Ok(seat) = &sold {
                    progress::note(seat.map_or(Mark::SoldOut, |s| Mark::Sold(s as u64)));
                }
                sold
            },
        )??;
        Ok(Sale {
            seat,
            held: Some((locked_at, pace.micros())),
        })
    }

    fn books(&mut self, _within: Duration) -> Result<(i64, Vec<Option<usize>>), WorkerError> {
        self.books.read(self.capacity)
    }

    fn hold(&mut self, victim: Victim, then: &mut dyn FnMut()) -> Result<(), WorkerError> {
        self.attach()?;
        self.lock.acquire(Duration::from_secs(5))?;
        if victim == Victim::HalfSale {
            self.books.sell_half()?;
        }
        then();
        Ok(())
    }

    fn probe(&mut self, within: Duration) -> Tried {
        if let Err(e) = self.lock.attach() {
            return Tried::Error(e.to_string());
        }
        match self.lock.acquire(within) {
            Ok(Acquired::Clean) => {
                self.lock.release();
                Tried::Took
            }
            Ok(Acquired::OwnerDied) => {
                self.books.repair(self.capacity);
                self.lock.mark_consistent();
                self.lock.release();
                Tried::TookOwnerDied
            }
            Err(e @ (LockError::Stuck { .. } | LockError::Stale { .. })) => Tried::Refused(e),
            Err(e) => Tried::Error(e.to_string()),
        }
    }

    fn aftermath(&mut self) -> std::io::Result<Aftermath> {
        Ok(match self.lock.permits() {
            Some((left, of)) if left < of as i32 => Aftermath::PermitGone { left, of },
            _ => Aftermath::NothingHeld,
        })
    }
}
