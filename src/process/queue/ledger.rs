//! What every process queue shares besides its items: the counters behind
//! task_done/join, the closed flag, a count of workers blocked in the
//! queue, and a count of puts under way (so a closer or a reader knows
//! when no item is still coming). It lives in its own `MAP_SHARED` mapping, so a kernel transport
//! (which holds the items itself) gets `JoinableQueue` semantics too, as
//! Python's `multiprocessing.JoinableQueue` adds a semaphore and a
//! condition to its pipe.
//!
//! The counters are atomics updated with compare-and-swap: no lock, so a
//! worker killed between two of them leaves nothing locked behind.

use super::{QueueError, STOP};
use crate::os::arena::Arena;
use crate::os::mapping::Mapped;
use crate::os::poll::poll_until;
use std::io;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering::SeqCst};
use std::time::Duration;

#[repr(C)]
#[derive(Default)]
struct Cells {
    /// Items put (sentinels excluded), counted once the put succeeded.
    put_count: AtomicU64,
    /// Items put and not yet marked done: join waits for 0. Counted before
    /// the item is sent, so a consumer's task_done never runs ahead of it.
    unfinished: AtomicU64,
    /// Items taken by a get and not yet marked done.
    taken: AtomicU64,
    /// Items marked done.
    processed: AtomicU64,
    closed: AtomicU32,
    /// Workers inside a blocking get or put right now.
    blocked: AtomicU32,
    /// Puts past their check of the closed flag and not yet done.
    putting: AtomicU32,
}

/// A queue's shared counters and closed flag, in a mapping every forked
/// worker inherits.
pub struct Ledger {
    cells: Mapped<Cells>,
}

impl Ledger {
    /// Makes the ledger in `arena` (in the parent, before any fork).
    pub fn new(arena: &Arena, name: &str) -> io::Result<Ledger> {
        // SAFETY: all-zero atomics are valid, and Cells is only used through
        // shared references.
        let cells = unsafe { Mapped::<Cells>::create(arena, &format!("{name}.ledger"))? };
        Ok(Ledger { cells })
    }

    fn c(&self) -> &Cells {
        self.cells.get()
    }

    /// Before sending `item`: it is unfinished from now on.
    pub fn will_put(&self, item: u64) {
        if item != STOP {
            self.c().unfinished.fetch_add(1, SeqCst);
        }
    }

    /// After sending `item` succeeded (`true`) or failed.
    pub fn did_put(&self, item: u64, sent: bool) {
        if item == STOP {
            return;
        }
        if sent {
            self.c().put_count.fetch_add(1, SeqCst);
        } else {
            let _ = self
                .c()
                .unfinished
                .fetch_update(SeqCst, SeqCst, |n| Some(n.saturating_sub(1)));
        }
    }

    /// After a get took `item`.
    pub fn took(&self, item: u64) {
        if item != STOP {
            self.c().taken.fetch_add(1, SeqCst);
        }
    }

    /// Marks one item taken as processed; refused when no taken item is
    /// left unmarked.
    pub fn task_done(&self) -> Result<(), QueueError> {
        let c = self.c();
        c.taken
            .fetch_update(SeqCst, SeqCst, |n| n.checked_sub(1))
            .map_err(|_| QueueError::TaskDoneTooOften)?;
        c.processed.fetch_add(1, SeqCst);
        // A broken queue that hands one item out twice gets more task_done
        // calls than puts: stop at zero rather than wrap around.
        let _ = c
            .unfinished
            .fetch_update(SeqCst, SeqCst, |n| Some(n.saturating_sub(1)));
        Ok(())
    }

    /// Waits (polling, bounded) until nothing put is unfinished.
    pub fn join(&self, within: Duration) -> Result<(), QueueError> {
        let unfinished = &self.c().unfinished;
        let _blocked = self.blocking();
        if poll_until(within, || unfinished.load(SeqCst) == 0) {
            Ok(())
        } else {
            Err(QueueError::JoinTimedOut)
        }
    }

    /// A put about to send: refused once closed, and counted until the
    /// guard drops, so a reader that sees the queue closed with no put
    /// under way (both read in that order) knows no item is still coming.
    pub fn start_put(&self) -> Result<Putting<'_>, QueueError> {
        let c = self.c();
        c.putting.fetch_add(1, SeqCst);
        let putting = Putting(self);
        if self.is_closed() {
            return Err(QueueError::Closed);
        }
        Ok(putting)
    }

    /// Closed, and no put under way: nothing more will be sent.
    pub fn closed_for_good(&self) -> bool {
        self.is_closed() && self.c().putting.load(SeqCst) == 0
    }

    /// After [`close`](Self::close): waits (bounded) for the puts that got
    /// past their check of the flag before it was set, so what a closer
    /// sends next (a marker, a baton) goes after every item ever put. A
    /// blocked put sees the flag within its wait's slice.
    pub fn wait_for_puts(&self, within: Duration) -> bool {
        let putting = &self.c().putting;
        poll_until(within, || putting.load(SeqCst) == 0)
    }

    /// Sets the closed flag: puts are refused from now on.
    pub fn close(&self) {
        self.c().closed.store(1, SeqCst);
    }

    /// Whether the queue was closed.
    pub fn is_closed(&self) -> bool {
        self.c().closed.load(SeqCst) != 0
    }

    /// Items put so far (sentinels excluded).
    pub fn put_count(&self) -> u64 {
        self.c().put_count.load(SeqCst)
    }

    /// Items marked done so far.
    pub fn processed(&self) -> u64 {
        self.c().processed.load(SeqCst)
    }

    /// Items put and not yet marked done: what a join waits for.
    pub fn unfinished(&self) -> u64 {
        self.c().unfinished.load(SeqCst)
    }

    /// Counts the caller as blocked in the queue until the guard drops.
    pub fn blocking(&self) -> Blocked<'_> {
        self.c().blocked.fetch_add(1, SeqCst);
        Blocked(self)
    }

    /// Workers inside a blocking operation now (tests wait for it before
    /// closing, to close on a worker that is really waiting).
    pub fn blocked(&self) -> u32 {
        self.c().blocked.load(SeqCst)
    }
}

/// A put under way (from [`Ledger::start_put`]); dropping it ends the put.
pub struct Putting<'a>(&'a Ledger);

impl Drop for Putting<'_> {
    fn drop(&mut self) {
        self.0.c().putting.fetch_sub(1, SeqCst);
    }
}

/// A worker blocked in the queue (from [`Ledger::blocking`]); dropping it
/// counts the worker out.
pub struct Blocked<'a>(&'a Ledger);

impl Drop for Blocked<'_> {
    fn drop(&mut self) {
        self.0.c().blocked.fetch_sub(1, SeqCst);
    }
}
