//! `shm`: the ring guarded by a robust process-shared pthread mutex, with
//! process-shared condition variables "not empty", "not full" and "all
//! done" (join). Every wait is `pthread_cond_timedwait`: bounded.
//!
//! A holder killed with SIGKILL leaves the mutex to the next locker with
//! `EOWNERDEAD`; every put and get commits with one store (of the ring's
//! `tail` or `head`), so the ring is consistent at any point of a kill: it
//! is marked consistent and used on.
//!
//! The [`Discipline`] says how a waiter treats a wakeup: the correct
//! [`WhileLoop`] looks again and wakes one waiter; the broken `if` of
//! `shm-if` is `if_not_while`'s.

use super::{Flavor, ShmQueue};
use crate::model::queue::POP_FROM_EMPTY;
use crate::process::lock::realtime_deadline;
use crate::process::lock::robust::init_robust;
use crate::process::queue::{FOREVER, QueueError};
use std::cell::UnsafeCell;
use std::io;
use std::time::Duration;

/// How a waiter treats a wakeup, and how a change is announced.
pub trait Discipline: Send + Sync + 'static {
    /// Its race window's state, in the queue's mapping (all zero: open).
    type Window: Send + Sync;

    /// After a wakeup, look at the condition again (`while`); `false`: go
    /// on, whatever woke us (`if`).
    const LOOK_AGAIN: bool;

    /// Wake every waiter (`notify_all`, as the course behind
    /// docs/scenarios.md §4 did) rather than one.
    const WAKE_ALL: bool;

    /// Before a put takes the mutex, in an armed run.
    fn before_put(_window: &Self::Window) {}

    /// A get, mutex held, is about to sleep on an empty ring in an armed
    /// run: whether the window counts it.
    fn get_sleeps(_window: &Self::Window) -> bool {
        false
    }

    /// A get the window counted woke.
    fn get_woke(_window: &Self::Window) {}
}

/// The correct discipline: look again after every wakeup, wake one.
pub struct WhileLoop;

impl Discipline for WhileLoop {
    type Window = ();
    const LOOK_AGAIN: bool = true;
    const WAKE_ALL: bool = false;
}

/// The mutex and condition variables, in the queue's mapping.
#[repr(C)]
pub struct Locked<D: Discipline> {
    mutex: UnsafeCell<libc::pthread_mutex_t>,
    not_empty: UnsafeCell<libc::pthread_cond_t>,
    not_full: UnsafeCell<libc::pthread_cond_t>,
    all_done: UnsafeCell<libc::pthread_cond_t>,
    window: D::Window,
}

// SAFETY: the mutex and condvars are process-shared objects used only
// through libc on their pointers; the window is Sync.
unsafe impl<D: Discipline> Sync for Locked<D> {}

fn os(code: libc::c_int) -> io::Result<()> {
    if code == 0 {
        Ok(())
    } else {
        Err(io::Error::from_raw_os_error(code))
    }
}

/// Holds the mutex; unlocks it on drop.
struct Guard<'a>(&'a UnsafeCell<libc::pthread_mutex_t>);

impl Drop for Guard<'_> {
    fn drop(&mut self) {
        // SAFETY: a Guard exists only while we hold the mutex.
        unsafe { libc::pthread_mutex_unlock(self.0.get()) };
    }
}

impl<D: Discipline> ShmQueue<Locked<D>> {
    fn lock(&self) -> Result<Guard<'_>, QueueError> {
        let mutex = &self.flavor().mutex;
        let deadline = realtime_deadline(FOREVER);
        // SAFETY: initialised process-shared in `init`; the mapping
        // outlives us.
        match unsafe { libc::pthread_mutex_timedlock(mutex.get(), &deadline) } {
            0 => {}
            // A holder died: every operation commits with one store, so
            // the ring is consistent; mark the mutex so and go on.
            // SAFETY: we hold the mutex after EOWNERDEAD, as required.
            libc::EOWNERDEAD => unsafe {
                libc::pthread_mutex_consistent(mutex.get());
            },
            libc::ETIMEDOUT => return Err(QueueError::Stuck("the queue's mutex is stuck".into())),
            e => return Err(io::Error::from_raw_os_error(e).into()),
        }
        Ok(Guard(mutex))
    }

    /// Waits on `cond` (mutex held) until `ready` or the deadline, when it
    /// reports `late`. `while`, not `if`: a wakeup says "look again", not
    /// "it is so" (unless the discipline is broken).
    fn wait(
        &self,
        cond: &UnsafeCell<libc::pthread_cond_t>,
        deadline: &libc::timespec,
        ready: impl Fn(&Self) -> bool,
        late: QueueError,
    ) -> Result<(), QueueError> {
        let mutex = &self.flavor().mutex;
        while !ready(self) {
            // SAFETY: we hold the mutex; both objects are process-shared.
            match unsafe { libc::pthread_cond_timedwait(cond.get(), mutex.get(), deadline) } {
                0 => {}
                libc::ETIMEDOUT => {
                    return if ready(self) { Ok(()) } else { Err(late) };
                }
                libc::EOWNERDEAD => {
                    // SAFETY: as in `lock`.
                    unsafe { libc::pthread_mutex_consistent(mutex.get()) };
                }
                e => return Err(io::Error::from_raw_os_error(e).into()),
            }
            if !D::LOOK_AGAIN {
                // The bug: whatever woke us, go on.
                return Ok(());
            }
        }
        Ok(())
    }

    /// Wakes one waiter on `cond`, or all of them.
    fn wake(&self, cond: &UnsafeCell<libc::pthread_cond_t>) {
        // SAFETY: initialised in `init`.
        unsafe {
            if D::WAKE_ALL {
                libc::pthread_cond_broadcast(cond.get());
            } else {
                libc::pthread_cond_signal(cond.get());
            }
        }
    }
}

impl<D: Discipline> Flavor for Locked<D> {
    unsafe fn init(&self, _capacity: u32) -> io::Result<()> {
        // SAFETY: the attributes are initialised before use and destroyed
        // after; the objects live in the mapping nobody uses yet.
        unsafe {
            init_robust(self.mutex.get())?;
            let mut c: libc::pthread_condattr_t = std::mem::zeroed();
            os(libc::pthread_condattr_init(&mut c))?;
            os(libc::pthread_condattr_setpshared(
                &mut c,
                libc::PTHREAD_PROCESS_SHARED,
            ))?;
            for cond in [&self.not_empty, &self.not_full, &self.all_done] {
                os(libc::pthread_cond_init(cond.get(), &c))?;
            }
            libc::pthread_condattr_destroy(&mut c);
        }
        Ok(())
    }

    fn put(q: &ShmQueue<Self>, item: u64, within: Duration) -> Result<(), QueueError> {
        let l = q.flavor();
        if q.armed() {
            D::before_put(&l.window);
        }
        let _guard = q.lock()?;
        let deadline = realtime_deadline(within);
        let _blocked = q.ledger.blocking();
        q.wait(&l.not_full, &deadline, ShmQueue::has_room, QueueError::Full)?;
        if q.closed() {
            return Err(QueueError::Closed);
        }
        q.ledger.will_put(item);
        q.push(item, q.tail());
        q.ledger.did_put(item, true);
        q.wake(&l.not_empty);
        Ok(())
    }

    fn get(q: &ShmQueue<Self>, within: Duration) -> Result<u64, QueueError> {
        let l = q.flavor();
        let _guard = q.lock()?;
        let deadline = realtime_deadline(within);
        let _blocked = q.ledger.blocking();
        let windowed = q.armed() && !q.has_item() && D::get_sleeps(&l.window);
        q.wait(
            &l.not_empty,
            &deadline,
            ShmQueue::has_item,
            QueueError::Empty,
        )?;
        if windowed {
            D::get_woke(&l.window);
        }
        match q.pop() {
            Some(item) => {
                q.ledger.took(item);
                q.wake(&l.not_full);
                Ok(item)
            }
            None if q.closed() => Err(QueueError::Closed),
            // Only the `if` discipline gets here: woken, it did not look
            // again.
            None => panic!("{POP_FROM_EMPTY}"),
        }
    }

    fn close(q: &ShmQueue<Self>) -> Result<(), QueueError> {
        let l = q.flavor();
        let _guard = q.lock()?;
        q.ledger.close();
        // SAFETY: initialised in `init`.
        unsafe {
            libc::pthread_cond_broadcast(l.not_empty.get());
            libc::pthread_cond_broadcast(l.not_full.get());
        }
        Ok(())
    }

    fn task_done(q: &ShmQueue<Self>) -> Result<(), QueueError> {
        let _guard = q.lock()?;
        q.ledger.task_done()?;
        if q.ledger.unfinished() == 0 {
            // SAFETY: initialised in `init`.
            unsafe { libc::pthread_cond_broadcast(q.flavor().all_done.get()) };
        }
        Ok(())
    }

    fn join(q: &ShmQueue<Self>, within: Duration) -> Result<(), QueueError> {
        let _guard = q.lock()?;
        let deadline = realtime_deadline(within);
        let _blocked = q.ledger.blocking();
        let done = |q: &ShmQueue<Self>| q.ledger.unfinished() == 0;
        // join loops even under the `if` discipline: its bug is in put and
        // get.
        while !done(q) {
            q.wait(
                &q.flavor().all_done,
                &deadline,
                done,
                QueueError::JoinTimedOut,
            )?;
        }
        Ok(())
    }
}
