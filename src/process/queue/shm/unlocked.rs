//! `shm-unlocked` (broken; a negative control, caught every run): the ring
//! with no lock at all. A put reads the tail, then writes the slot and the
//! new tail: two producers that read the same tail fill the same slot, and
//! an item is lost.
//!
//! The race window holds the first two producers between the read and the
//! write, so they collide every run; consumers hold off while a producer
//! is inside, so no pop lands between the colliding writes and hides the
//! collision.

use super::{Flavor, ShmQueue};
use crate::os::poll::poll_until;
use crate::os::window::{Window, WindowCell};
use crate::process::queue::{QueueError, WINDOW};
use std::sync::atomic::{AtomicU32, Ordering::SeqCst};
use std::time::Duration;

/// The first two producers meet between their read and their write.
const PRODUCERS_MEET: Window = Window {
    parties: 2,
    hold: WINDOW,
};

/// The race window, in the queue's mapping (no lock: nothing else).
#[repr(C)]
pub struct Unlocked {
    /// Inside: producers between their read and their write.
    window: WindowCell,
    /// Producers between their read and their write while the window was
    /// open: consumers wait for 0, so no pop lands between the colliding
    /// writes and hides the collision.
    pending: AtomicU32,
}

impl Flavor for Unlocked {
    fn put(q: &ShmQueue<Self>, item: u64, within: Duration) -> Result<(), QueueError> {
        let u = q.flavor();
        let blocked = q.ledger.blocking();
        if !poll_until(within, || q.has_room()) {
            return Err(QueueError::Full);
        }
        if q.closed() {
            return Err(QueueError::Closed);
        }
        drop(blocked);
        // Read the state, then write it back later: two producers in the
        // window both fill the same slot.
        let windowed = q.armed() && u.window.is_open();
        if windowed {
            u.pending.fetch_add(1, SeqCst);
        }
        q.ledger.will_put(item);
        let tail = q.tail();
        if windowed {
            PRODUCERS_MEET.pass(&u.window);
        }
        q.push(item, tail);
        q.ledger.did_put(item, true);
        if windowed {
            u.pending.fetch_sub(1, SeqCst);
        }
        Ok(())
    }

    fn get(q: &ShmQueue<Self>, within: Duration) -> Result<u64, QueueError> {
        let u = q.flavor();
        // Look at the ring first, then at the window: a producer's pending
        // mark precedes its push, so an item seen here with no producer
        // pending means the colliding writes are both done.
        let _blocked = q.ledger.blocking();
        if !poll_until(within, || q.has_item() && u.pending.load(SeqCst) == 0) {
            return Err(QueueError::Empty);
        }
        let item = q.pop().ok_or(QueueError::Closed)?;
        q.ledger.took(item);
        Ok(item)
    }

    fn close(q: &ShmQueue<Self>) -> Result<(), QueueError> {
        q.ledger.close();
        Ok(())
    }
}
