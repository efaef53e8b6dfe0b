//! A bounded queue shared by processes: a ring of u64 items in a
//! `MAP_SHARED` mapping ([`Ring`]), in four flavors, one file each. A
//! flavor is the ring's synchronisation: its own fields in the same
//! mapping, and its own put, get and close.
//!
//! 1. [`Locked`] (`shm`) - a robust process-shared mutex and condition
//!    variables, every wait in a `while` loop ([`WhileLoop`]).
//! 2. [`Semaphores`] (`shm-semaphores`) - the textbook bounded buffer on
//!    three counting semaphores.
//! 3. [`Unlocked`] (`shm-unlocked`, broken) - no lock at all: lost items.
//! 4. [`Locked`] with [`IfNotWhile`] (`shm-if`, broken) - `if` instead of
//!    `while` around the condition wait: pop from an empty ring.
//!
//! The broken flavors' race windows are armed only for a producer/consumer
//! run ([`ProcessQueue::arm_race_window`]): a queue used otherwise, as the
//! contract suite uses it, never waits in one.
//!
//! The ring's fields are atomics even under a lock: the unlocked flavor
//! touches them concurrently, and atomics keep that defined behaviour.

mod if_not_while;
mod locked;
mod semaphores;
mod unlocked;

pub use if_not_while::IfNotWhile;
pub use locked::{Discipline, Locked, WhileLoop};
pub use semaphores::Semaphores;
pub use unlocked::Unlocked;

use super::{Ledger, ProcessQueue, QueueError};
use crate::os::arena::Arena;
use crate::os::mapping::Mapped;
use std::io;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::SeqCst};
use std::time::Duration;

/// The largest capacity a ring can have.
pub const MAX_CAPACITY: usize = 64;

/// The items, as every flavor keeps them.
#[repr(C)]
pub struct Ring {
    /// Items ever taken and ever put: the ring holds `tail - head`, slot
    /// `n % capacity` holds item `n`. Each put and each get commits with
    /// one store (of `tail`, of `head`), so a worker killed anywhere
    /// leaves the ring consistent: an item it had not committed is simply
    /// not there (a put) or still there (a get).
    head: AtomicU64,
    tail: AtomicU64,
    high_water: AtomicU64,
    slots: [AtomicU64; MAX_CAPACITY],
}

/// How a ring is synchronised: the flavor's fields, which live in the
/// queue's mapping next to the [`Ring`], and its operations.
pub trait Flavor: Send + Sync + Sized + 'static {
    /// Makes ready what all-zero bytes are not (pthread objects,
    /// semaphores), for a ring of `capacity` items.
    ///
    /// # Safety
    /// `self` is in the queue's new shared mapping, which nobody uses yet.
    unsafe fn init(&self, _capacity: u32) -> io::Result<()> {
        Ok(())
    }

    /// [`ProcessQueue::put`] on a ring of this flavor.
    fn put(q: &ShmQueue<Self>, item: u64, within: Duration) -> Result<(), QueueError>;

    /// [`ProcessQueue::get`] on a ring of this flavor.
    fn get(q: &ShmQueue<Self>, within: Duration) -> Result<u64, QueueError>;

    /// [`ProcessQueue::close`] on a ring of this flavor: set the
    /// [`Ledger`]'s flag and wake every blocked put and get.
    fn close(q: &ShmQueue<Self>) -> Result<(), QueueError>;

    /// [`ProcessQueue::task_done`]: the [`Ledger`]'s by default; a flavor
    /// with a condition for join signals it too.
    fn task_done(q: &ShmQueue<Self>) -> Result<(), QueueError> {
        q.ledger.task_done()
    }

    /// [`ProcessQueue::join`]: the [`Ledger`]'s polling wait by default; a
    /// flavor with a condition for join waits on it.
    fn join(q: &ShmQueue<Self>, within: Duration) -> Result<(), QueueError> {
        q.ledger.join(within)
    }
}

/// The queue's mapping: the ring and the flavor's own fields.
#[repr(C)]
struct Shared<F> {
    ring: Ring,
    flavor: F,
}

/// A ring in shared memory, synchronised by flavor `F`.
pub struct ShmQueue<F> {
    shared: Mapped<Shared<F>>,
    ledger: Ledger,
    capacity: u64,
    /// The race window is armed (a run's parent did, before the fork).
    armed: AtomicBool,
}

impl<F: Flavor> ShmQueue<F> {
    /// Creates the ring in `arena` (in the parent, before any fork).
    pub fn new(arena: &Arena, capacity: usize) -> io::Result<ShmQueue<F>> {
        if capacity == 0 || capacity > MAX_CAPACITY {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("capacity must be 1 to {MAX_CAPACITY}"),
            ));
        }
        // SAFETY: zeroed atomics are valid; what zeroes are not, the
        // flavor initialises below before any use, only through pointers.
        let shared = unsafe { Mapped::<Shared<F>>::create(arena, "shm-queue")? };
        // SAFETY: the mapping is new: nobody uses it yet.
        unsafe { shared.get().flavor.init(capacity as u32)? };
        Ok(ShmQueue {
            shared,
            ledger: Ledger::new(arena, "shm-queue")?,
            capacity: capacity as u64,
            armed: AtomicBool::new(false),
        })
    }

    fn flavor(&self) -> &F {
        &self.shared.get().flavor
    }

    fn ring(&self) -> &Ring {
        &self.shared.get().ring
    }

    /// Whether a run's parent armed the race window.
    fn armed(&self) -> bool {
        self.armed.load(SeqCst)
    }

    fn closed(&self) -> bool {
        self.ledger.is_closed()
    }

    fn has_room(&self) -> bool {
        self.closed() || self.len() < self.capacity
    }

    fn has_item(&self) -> bool {
        self.closed() || self.len() > 0
    }

    /// Items in the ring now.
    fn len(&self) -> u64 {
        let r = self.ring();
        r.tail.load(SeqCst).wrapping_sub(r.head.load(SeqCst))
    }

    /// The next item number a put fills.
    fn tail(&self) -> u64 {
        self.ring().tail.load(SeqCst)
    }

    /// Writes `item` as item number `tail`, then commits it by storing
    /// `tail + 1` (the unlocked flavor read `tail` earlier: two producers
    /// that read the same one fill the same slot).
    fn push(&self, item: u64, tail: u64) {
        let r = self.ring();
        r.slots[(tail % self.capacity) as usize].store(item, SeqCst);
        r.tail.store(tail + 1, SeqCst);
        let held = (tail + 1).wrapping_sub(r.head.load(SeqCst));
        r.high_water.fetch_max(held, SeqCst);
    }

    /// Takes the head item, if any (a closed queue still drains), and
    /// commits by storing `head + 1`.
    fn pop(&self) -> Option<u64> {
        let r = self.ring();
        let head = r.head.load(SeqCst);
        if r.tail.load(SeqCst) == head {
            return None;
        }
        let item = r.slots[(head % self.capacity) as usize].load(SeqCst);
        r.head.store(head + 1, SeqCst);
        Some(item)
    }
}

impl<F: Flavor> ProcessQueue for ShmQueue<F> {
    fn capacity(&self) -> Option<usize> {
        Some(self.capacity as usize)
    }

    fn arm_race_window(&self) {
        self.armed.store(true, SeqCst);
    }

    fn put(&self, item: u64, within: Duration) -> Result<(), QueueError> {
        F::put(self, item, within)
    }

    fn get(&self, within: Duration) -> Result<u64, QueueError> {
        F::get(self, within)
    }

    fn close(&self) -> Result<(), QueueError> {
        F::close(self)
    }

    fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    fn task_done(&self) -> Result<(), QueueError> {
        F::task_done(self)
    }

    fn join(&self, within: Duration) -> Result<(), QueueError> {
        F::join(self, within)
    }

    fn high_water(&self) -> Option<usize> {
        Some(self.ring().high_water.load(SeqCst) as usize)
    }
}
