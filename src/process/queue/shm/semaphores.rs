//! `shm-semaphores`: the textbook bounded buffer on three counting
//! semaphores, `empty` (free slots, starts at capacity), `full` (items,
//! starts at 0) and `mutex` (1).
//!
//! Close posts one extra permit to `empty` and to `full`, a baton that
//! every waiter it wakes passes on. A semaphore has no owner: a worker
//! killed inside leaves `mutex` taken (the next wait reports it at its
//! deadline).

use super::{Flavor, ShmQueue};
use crate::os::semaphore::{Permit, Semaphore};
use crate::process::queue::{FOREVER, QueueError};
use std::io;
use std::time::Duration;

/// The three semaphores, in the queue's mapping.
#[repr(C)]
pub struct Semaphores {
    empty: Semaphore,
    full: Semaphore,
    mutex: Semaphore,
}

impl ShmQueue<Semaphores> {
    /// Takes `mutex`.
    fn lock(&self) -> Result<Permit<'_>, QueueError> {
        self.flavor()
            .mutex
            .lock(FOREVER)?
            .ok_or_else(|| QueueError::Stuck("the queue's mutex semaphore is stuck".into()))
    }
}

impl Flavor for Semaphores {
    unsafe fn init(&self, capacity: u32) -> io::Result<()> {
        for (sem, permits) in [(&self.empty, capacity), (&self.full, 0), (&self.mutex, 1)] {
            // SAFETY: in the new mapping, as the caller promised.
            unsafe { sem.init(permits)? };
        }
        Ok(())
    }

    fn put(q: &ShmQueue<Self>, item: u64, within: Duration) -> Result<(), QueueError> {
        let s = q.flavor();
        let _blocked = q.ledger.blocking();
        if !s.empty.wait(within)? {
            return Err(if q.closed() {
                QueueError::Closed
            } else {
                QueueError::Full
            });
        }
        let guard = q.lock()?;
        if q.closed() {
            drop(guard);
            // Pass the close baton on to the next waiting put.
            s.empty.post();
            return Err(QueueError::Closed);
        }
        q.ledger.will_put(item);
        q.push(item, q.tail());
        q.ledger.did_put(item, true);
        drop(guard);
        s.full.post();
        Ok(())
    }

    fn get(q: &ShmQueue<Self>, within: Duration) -> Result<u64, QueueError> {
        let s = q.flavor();
        let _blocked = q.ledger.blocking();
        if !s.full.wait(within)? {
            // Another getter may hold close's baton this instant.
            return Err(if q.closed() && q.len() == 0 {
                QueueError::Closed
            } else {
                QueueError::Empty
            });
        }
        let guard = q.lock()?;
        match q.pop() {
            Some(item) => {
                q.ledger.took(item);
                drop(guard);
                s.empty.post();
                Ok(item)
            }
            None => {
                // The permit was close's baton: pass it on.
                drop(guard);
                s.full.post();
                Err(QueueError::Closed)
            }
        }
    }

    fn close(q: &ShmQueue<Self>) -> Result<(), QueueError> {
        let s = q.flavor();
        let guard = q.lock()?;
        let first = !q.closed();
        q.ledger.close();
        drop(guard);
        if first {
            // One baton each way; every waiter it wakes passes it on.
            s.full.post();
            s.empty.post();
        }
        Ok(())
    }
}
