//! Any process queue spoken to as a thread queue: [`Bounded`] is a
//! [`BoundedQueue<u64>`], so one contract (Python's `queue.Queue` /
//! `JoinableQueue`, plus close) is written once, in the thread queue's
//! vocabulary, and run over the thread and the process queues alike.
//!
//! Each operation is the process queue's bounded one, and each refusal the
//! thread queue's typed error, the item handed back:
//!
//! | [`BoundedQueue`]       | [`ProcessQueue`]        | refusals                                      |
//! |------------------------|-------------------------|-----------------------------------------------|
//! | `put(item)`            | `put(item, FOREVER)`    | closed: [`Closed(item)`](Closed)              |
//! | `try_put(item)`        | `put(item, 0)`          | full, closed: [`TryPutError`]                 |
//! | `put_timeout(item, t)` | `put(item, t)`          | full: timeout, closed: [`PutTimeoutError`]    |
//! | `get()`                | `get(FOREVER)`          | closed: [`GetError::Closed`]                  |
//! | `try_get()`            | `get(0)`                | empty: [`GetError::Empty`], closed            |
//! | `get_timeout(t)`       | `get(t)`                | empty: [`GetError::Timeout`], closed          |
//! | `task_done()`          | `task_done()`           | [`TaskDoneTooOften`]                          |
//! | `join()`               | `join(FOREVER)`         |                                               |
//! | `join_timeout(t)`      | `join(t)`               | not all done in time: `false`                 |
//! | `close()`, `is_closed()` | `close()`, the ledger's closed flag |                                  |
//!
//! **What is no contract answer panics.** An operating-system error, a
//! queue stuck on a lock or handing back what is no item, and a "blocking"
//! put, get or join still waiting at [`FOREVER`] (nothing in racelab waits
//! forever: by then the queue is stuck) have no place in the thread
//! queue's vocabulary. The adapter panics with the typed error's text, so
//! a test over it fails loudly, naming what went wrong, instead of reading
//! a wrong answer as a right one.
//!
//! What the trait asks besides the operations:
//! - [`capacity`](BoundedQueue::capacity) is the queue's own bound where
//!   it keeps one; a kernel transport bounds its buffer in bytes, not
//!   items: `usize::MAX` then, and [`is_full`](BoundedQueue::is_full) is
//!   never true (a put finds the buffer full by trying).
//! - [`len`](BoundedQueue::len) and, for a queue that keeps none of its
//!   own, [`high_water`](BoundedQueue::high_water) are counted by the
//!   adapter in shared memory (made before the fork, as the queue is):
//!   every process that puts and gets through its copy of the adapter is
//!   counted. Approximate under concurrency, as Python's `qsize()`.

use super::{FOREVER, ProcessQueue, QueueError, Via};
use crate::model::queue::{
    BoundedQueue, Closed, GetError, PutTimeoutError, TaskDoneTooOften, TryPutError,
};
use crate::os::arena::Arena;
use crate::os::mapping::Mapped;
use std::io;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering::SeqCst};
use std::time::Duration;

/// What the adapter counts, shared by every process that inherited it.
#[repr(C)]
#[derive(Default)]
struct Tally {
    /// Items put minus items taken through the adapter (a get may count
    /// before the put that sent its item: read as at least zero).
    len: AtomicI64,
    /// The most `len` ever was.
    high_water: AtomicU64,
}

/// A process queue as a [`BoundedQueue<u64>`] (see the module doc).
pub struct Bounded {
    queue: Box<dyn ProcessQueue>,
    tally: Mapped<Tally>,
    /// For panic messages: the queue's name.
    name: String,
}

impl Bounded {
    /// Opens `via` in `arena` with `capacity` (in the parent, before any
    /// fork) and wraps it.
    pub fn open(via: Via, arena: &Arena, capacity: usize) -> io::Result<Bounded> {
        Bounded::new(via.open(arena, capacity)?, arena, via.name())
    }

    /// Wraps `queue`, its counts made in `arena`; `name` is for messages.
    pub fn new(queue: Box<dyn ProcessQueue>, arena: &Arena, name: &str) -> io::Result<Bounded> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let file = format!("bounded-{}.tally", NEXT.fetch_add(1, SeqCst));
        // SAFETY: all-zero atomics are a valid Tally, only ever used
        // through shared references.
        let tally = unsafe { Mapped::<Tally>::create(arena, &file)? };
        Ok(Bounded {
            queue,
            tally,
            name: name.to_string(),
        })
    }

    /// The process queue itself: its role after the fork
    /// ([`ProcessQueue::enter`]), its ledger.
    pub fn queue(&self) -> &dyn ProcessQueue {
        self.queue.as_ref()
    }

    /// No answer the contract has: fails loudly (see the module doc).
    fn no_answer(&self, op: &str, error: &QueueError) -> ! {
        panic!("{}: {op}: {error}", self.name)
    }

    fn put_within(&self, item: u64, within: Duration) -> Result<(), QueueError> {
        self.queue.put(item, within)?;
        let t = self.tally.get();
        let len = t.len.fetch_add(1, SeqCst) + 1;
        t.high_water.fetch_max(len.max(0) as u64, SeqCst);
        Ok(())
    }

    fn get_within(&self, within: Duration) -> Result<u64, QueueError> {
        let item = self.queue.get(within)?;
        self.tally.get().len.fetch_sub(1, SeqCst);
        Ok(item)
    }
}

impl BoundedQueue<u64> for Bounded {
    fn capacity(&self) -> usize {
        self.queue.capacity().unwrap_or(usize::MAX)
    }

    fn put(&self, item: u64) -> Result<(), Closed<u64>> {
        match self.put_within(item, FOREVER) {
            Ok(()) => Ok(()),
            Err(QueueError::Closed) => Err(Closed(item)),
            Err(QueueError::Full) => self.no_answer(
                &format!("put (no room within {FOREVER:?}: stuck)"),
                &QueueError::Full,
            ),
            Err(e) => self.no_answer("put", &e),
        }
    }

    fn try_put(&self, item: u64) -> Result<(), TryPutError<u64>> {
        match self.put_within(item, Duration::ZERO) {
            Ok(()) => Ok(()),
            Err(QueueError::Full) => Err(TryPutError::Full(item)),
            Err(QueueError::Closed) => Err(TryPutError::Closed(item)),
            Err(e) => self.no_answer("try_put", &e),
        }
    }

    fn put_timeout(&self, item: u64, timeout: Duration) -> Result<(), PutTimeoutError<u64>> {
        match self.put_within(item, timeout) {
            Ok(()) => Ok(()),
            Err(QueueError::Full) => Err(PutTimeoutError::Timeout(item)),
            Err(QueueError::Closed) => Err(PutTimeoutError::Closed(item)),
            Err(e) => self.no_answer("put_timeout", &e),
        }
    }

    fn get(&self) -> Result<u64, GetError> {
        match self.get_within(FOREVER) {
            Ok(item) => Ok(item),
            Err(QueueError::Closed) => Err(GetError::Closed),
            Err(QueueError::Empty) => self.no_answer(
                &format!("get (nothing within {FOREVER:?}: stuck)"),
                &QueueError::Empty,
            ),
            Err(e) => self.no_answer("get", &e),
        }
    }

    fn try_get(&self) -> Result<u64, GetError> {
        match self.get_within(Duration::ZERO) {
            Ok(item) => Ok(item),
            Err(QueueError::Empty) => Err(GetError::Empty),
            Err(QueueError::Closed) => Err(GetError::Closed),
            Err(e) => self.no_answer("try_get", &e),
        }
    }

    fn get_timeout(&self, timeout: Duration) -> Result<u64, GetError> {
        match self.get_within(timeout) {
            Ok(item) => Ok(item),
            Err(QueueError::Empty) => Err(GetError::Timeout),
            Err(QueueError::Closed) => Err(GetError::Closed),
            Err(e) => self.no_answer("get_timeout", &e),
        }
    }

    fn close(&self) {
        if let Err(e) = self.queue.close() {
            self.no_answer("close", &e)
        }
    }

    fn is_closed(&self) -> bool {
        self.queue.ledger().is_closed()
    }

    fn task_done(&self) -> Result<(), TaskDoneTooOften> {
        match self.queue.task_done() {
            Ok(()) => Ok(()),
            Err(QueueError::TaskDoneTooOften) => Err(TaskDoneTooOften),
            Err(e) => self.no_answer("task_done", &e),
        }
    }

    fn join(&self) {
        if let Err(e) = self.queue.join(FOREVER) {
            self.no_answer(&format!("join (not all done within {FOREVER:?})"), &e)
        }
    }

    fn join_timeout(&self, timeout: Duration) -> bool {
        match self.queue.join(timeout) {
            Ok(()) => true,
            Err(QueueError::JoinTimedOut) => false,
            Err(e) => self.no_answer("join_timeout", &e),
        }
    }

    fn len(&self) -> usize {
        self.tally.get().len.load(SeqCst).max(0) as usize
    }

    fn high_water(&self) -> usize {
        self.queue
            .high_water()
            .unwrap_or_else(|| self.tally.get().high_water.load(SeqCst) as usize)
    }
}
