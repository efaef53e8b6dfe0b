//! A bounded queue shared by processes: a ring of u64 items in a
//! `MAP_SHARED` mapping, guarded by a robust process-shared pthread mutex,
//! with process-shared condition variables for "not empty", "not full" and
//! "all done" (join). Every wait is `pthread_cond_timedwait`: bounded.
//!
//! [`Flavor::Unlocked`] is the broken variant: the same ring with no lock,
//! a put reading the length, then writing the slot and the new length. A
//! race window (see `process::window`) holds two producers between the read
//! and the write, so they fill the same slot and an item is lost every run
//! (consumers hold off while they are inside, so no pop hides it).
//!
//! The ring's fields are atomics even under the mutex: the unlocked
//! variant touches them concurrently, and atomics keep that defined.

use super::pitfall::mapping::Mapped;
use crate::process::arena::Arena;
use crate::process::lock::realtime_deadline;
use std::cell::UnsafeCell;
use std::io;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering::SeqCst};
use std::time::{Duration, Instant};

/// The largest capacity a ring can have.
pub const MAX_CAPACITY: usize = 64;
/// The item that tells a consumer to stop (the lessons' `None`).
pub const STOP: u64 = u64::MAX;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// Robust mutex and condition variables: correct.
    Locked,
    /// No lock, polling: broken (lost items).
    Unlocked,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueueError {
    Closed,
    TimedOut,
    TaskDoneTooOften,
    Os(i32),
}

#[repr(C)]
struct Ring {
    mutex: UnsafeCell<libc::pthread_mutex_t>,
    not_empty: UnsafeCell<libc::pthread_cond_t>,
    not_full: UnsafeCell<libc::pthread_cond_t>,
    all_done: UnsafeCell<libc::pthread_cond_t>,
    head: AtomicU64,
    len: AtomicU64,
    high_water: AtomicU64,
    closed: AtomicU32,
    /// Items put and not yet marked done (join waits for 0).
    unfinished: AtomicU64,
    /// Items marked done.
    processed: AtomicU64,
    /// Items put (sentinels excluded), ever.
    put_count: AtomicU64,
    /// The broken put's race window: producers inside, and 1 once shut.
    window_inside: AtomicU32,
    window_closed: AtomicU32,
    /// Producers between their read and their write while the window was
    /// open: consumers wait for 0, so no pop lands between the colliding
    /// writes and hides the collision.
    window_pending: AtomicU32,
    slots: [AtomicU64; MAX_CAPACITY],
}

// SAFETY: atomics are Sync; the mutex and condvars are process-shared
// pthread objects used only through libc on their pointers.
unsafe impl Sync for Ring {}

pub struct ShmQueue {
    ring: Mapped<Ring>,
    capacity: u64,
    flavor: Flavor,
}

fn os(code: libc::c_int) -> io::Result<()> {
    if code == 0 {
        Ok(())
    } else {
        Err(io::Error::from_raw_os_error(code))
    }
}

impl ShmQueue {
    /// Creates the ring in `arena` (in the parent, before any fork).
    pub fn new(arena: &Arena, capacity: usize, flavor: Flavor) -> io::Result<ShmQueue> {
        if capacity == 0 || capacity > MAX_CAPACITY {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("capacity must be 1 to {MAX_CAPACITY}"),
            ));
        }
        // SAFETY: zeroed atomics are valid; the pthread objects are
        // initialised below before any use, only through their pointers.
        let ring = unsafe { Mapped::<Ring>::create(arena, "shm-queue")? };
        let r = ring.get();
        // SAFETY: the attributes are initialised before use and destroyed
        // after; the objects live in the mapping nobody uses yet.
        unsafe {
            let mut m: libc::pthread_mutexattr_t = std::mem::zeroed();
            os(libc::pthread_mutexattr_init(&mut m))?;
            os(libc::pthread_mutexattr_setpshared(
                &mut m,
                libc::PTHREAD_PROCESS_SHARED,
            ))?;
            os(libc::pthread_mutexattr_setrobust(
                &mut m,
                libc::PTHREAD_MUTEX_ROBUST,
            ))?;
            let done = libc::pthread_mutex_init(r.mutex.get(), &m);
            libc::pthread_mutexattr_destroy(&mut m);
            os(done)?;
            let mut c: libc::pthread_condattr_t = std::mem::zeroed();
            os(libc::pthread_condattr_init(&mut c))?;
            os(libc::pthread_condattr_setpshared(
                &mut c,
                libc::PTHREAD_PROCESS_SHARED,
            ))?;
            for cond in [&r.not_empty, &r.not_full, &r.all_done] {
                os(libc::pthread_cond_init(cond.get(), &c))?;
            }
            libc::pthread_condattr_destroy(&mut c);
        }
        Ok(ShmQueue {
            ring,
            capacity: capacity as u64,
            flavor,
        })
    }

    fn r(&self) -> &Ring {
        self.ring.get()
    }

    fn lock(&self) -> Result<Guard<'_>, QueueError> {
        let deadline = realtime_deadline(Duration::from_secs(30));
        // SAFETY: initialised process-shared in `new`; the mapping outlives us.
        match unsafe { libc::pthread_mutex_timedlock(self.r().mutex.get(), &deadline) } {
            0 => {}
            // A holder died: the ring's fields are atomics written in an
            // order that leaves them consistent, so mark it and go on.
            // SAFETY: we hold the mutex after EOWNERDEAD, as required.
            libc::EOWNERDEAD => unsafe {
                libc::pthread_mutex_consistent(self.r().mutex.get());
            },
            libc::ETIMEDOUT => return Err(QueueError::TimedOut),
            e => return Err(QueueError::Os(e)),
        }
        Ok(Guard(self))
    }

    /// Waits on `cond` (mutex held) until `ready` or the deadline.
    fn wait(
        &self,
        cond: &UnsafeCell<libc::pthread_cond_t>,
        deadline: &libc::timespec,
        ready: impl Fn(&Ring) -> bool,
    ) -> Result<(), QueueError> {
        // `while`, not `if`: a wakeup says "look again", not "it is so".
        while !ready(self.r()) {
            // SAFETY: we hold the mutex; both objects are process-shared.
            match unsafe {
                libc::pthread_cond_timedwait(cond.get(), self.r().mutex.get(), deadline)
            } {
                0 => {}
                libc::ETIMEDOUT => {
                    return if ready(self.r()) {
                        Ok(())
                    } else {
                        Err(QueueError::TimedOut)
                    };
                }
                libc::EOWNERDEAD => {
                    // SAFETY: as in `lock`.
                    unsafe { libc::pthread_mutex_consistent(self.r().mutex.get()) };
                }
                e => return Err(QueueError::Os(e)),
            }
        }
        Ok(())
    }

    pub fn put(&self, item: u64, within: Duration) -> Result<(), QueueError> {
        if self.flavor == Flavor::Unlocked {
            return self.put_unlocked(item, within);
        }
        let _guard = self.lock()?;
        let cap = self.capacity;
        let deadline = realtime_deadline(within);
        self.wait(&self.r().not_full, &deadline, |r| {
            r.closed.load(SeqCst) != 0 || r.len.load(SeqCst) < cap
        })?;
        let r = self.r();
        if r.closed.load(SeqCst) != 0 {
            return Err(QueueError::Closed);
        }
        self.push(item, r.head.load(SeqCst), r.len.load(SeqCst));
        // SAFETY: initialised in `new`.
        unsafe { libc::pthread_cond_signal(r.not_empty.get()) };
        Ok(())
    }

    /// Writes the slot after `head + len` and the new length.
    fn push(&self, item: u64, head: u64, len: u64) {
        let r = self.r();
        let at = (head + len) % self.capacity;
        r.slots[at as usize].store(item, SeqCst);
        r.len.store(len + 1, SeqCst);
        r.high_water.fetch_max(len + 1, SeqCst);
        if item != STOP {
            r.unfinished.fetch_add(1, SeqCst);
            r.put_count.fetch_add(1, SeqCst);
        }
    }

    pub fn get(&self, within: Duration) -> Result<u64, QueueError> {
        if self.flavor == Flavor::Unlocked {
            return self.get_unlocked(within);
        }
        let _guard = self.lock()?;
        let deadline = realtime_deadline(within);
        self.wait(&self.r().not_empty, &deadline, |r| {
            r.closed.load(SeqCst) != 0 || r.len.load(SeqCst) > 0
        })?;
        let item = self.pop().ok_or(QueueError::Closed)?;
        // SAFETY: initialised in `new`.
        unsafe { libc::pthread_cond_signal(self.r().not_full.get()) };
        Ok(item)
    }

    /// Takes the head item, if any (a closed queue still drains).
    fn pop(&self) -> Option<u64> {
        let r = self.r();
        let len = r.len.load(SeqCst);
        if len == 0 {
            return None;
        }
        let head = r.head.load(SeqCst);
        let item = r.slots[head as usize].load(SeqCst);
        r.head.store((head + 1) % self.capacity, SeqCst);
        r.len.store(len - 1, SeqCst);
        Some(item)
    }

    /// Refuses further puts and wakes every waiter; gets drain, then fail.
    pub fn close(&self) -> Result<(), QueueError> {
        let _guard = if self.flavor == Flavor::Locked {
            Some(self.lock()?)
        } else {
            None
        };
        let r = self.r();
        r.closed.store(1, SeqCst);
        // SAFETY: initialised in `new`.
        unsafe {
            libc::pthread_cond_broadcast(r.not_empty.get());
            libc::pthread_cond_broadcast(r.not_full.get());
        }
        Ok(())
    }

    pub fn task_done(&self) -> Result<(), QueueError> {
        let _guard = if self.flavor == Flavor::Locked {
            Some(self.lock()?)
        } else {
            None
        };
        let r = self.r();
        if r.unfinished.load(SeqCst) == 0 {
            return Err(QueueError::TaskDoneTooOften);
        }
        r.processed.fetch_add(1, SeqCst);
        if r.unfinished.fetch_sub(1, SeqCst) == 1 {
            // SAFETY: initialised in `new`.
            unsafe { libc::pthread_cond_broadcast(r.all_done.get()) };
        }
        Ok(())
    }

    /// Waits until every item put has been marked done.
    pub fn join(&self, within: Duration) -> Result<(), QueueError> {
        if self.flavor == Flavor::Unlocked {
            return poll_until(within, || self.r().unfinished.load(SeqCst) == 0);
        }
        let _guard = self.lock()?;
        let deadline = realtime_deadline(within);
        self.wait(&self.r().all_done, &deadline, |r| {
            r.unfinished.load(SeqCst) == 0
        })
    }

    pub fn high_water(&self) -> usize {
        self.r().high_water.load(SeqCst) as usize
    }

    pub fn put_count(&self) -> u64 {
        self.r().put_count.load(SeqCst)
    }

    pub fn processed(&self) -> u64 {
        self.r().processed.load(SeqCst)
    }

    fn put_unlocked(&self, item: u64, within: Duration) -> Result<(), QueueError> {
        let r = self.r();
        poll_until(within, || {
            r.closed.load(SeqCst) != 0 || r.len.load(SeqCst) < self.capacity
        })?;
        if r.closed.load(SeqCst) != 0 {
            return Err(QueueError::Closed);
        }
        // Read the state, then write it back later: two producers in the
        // window both fill the same slot.
        let windowed = r.window_closed.load(SeqCst) == 0;
        if windowed {
            r.window_pending.fetch_add(1, SeqCst);
        }
        let (head, len) = (r.head.load(SeqCst), r.len.load(SeqCst));
        self.window();
        self.push(item, head, len);
        if windowed {
            r.window_pending.fetch_sub(1, SeqCst);
        }
        Ok(())
    }

    /// Holds the first two producers between reading and writing `len`.
    fn window(&self) {
        let r = self.r();
        if r.window_closed.load(SeqCst) != 0 {
            return;
        }
        r.window_inside.fetch_add(1, SeqCst);
        let _ = poll_until(Duration::from_secs(2), || {
            r.window_closed.load(SeqCst) != 0 || r.window_inside.load(SeqCst) >= 2
        });
        r.window_closed.store(1, SeqCst);
    }

    fn get_unlocked(&self, within: Duration) -> Result<u64, QueueError> {
        let r = self.r();
        // Look at the ring first, then at the window: a producer's pending
        // mark precedes its push, so an item seen here with no producer
        // pending means the colliding writes are both done.
        poll_until(within, || {
            (r.closed.load(SeqCst) != 0 || r.len.load(SeqCst) > 0)
                && r.window_pending.load(SeqCst) == 0
        })?;
        self.pop().ok_or(QueueError::Closed)
    }
}

struct Guard<'a>(&'a ShmQueue);

impl Drop for Guard<'_> {
    fn drop(&mut self) {
        // SAFETY: a Guard exists only while we hold the mutex.
        unsafe { libc::pthread_mutex_unlock(self.0.r().mutex.get()) };
    }
}

fn poll_until(within: Duration, ready: impl Fn() -> bool) -> Result<(), QueueError> {
    let deadline = Instant::now() + within;
    while !ready() {
        if Instant::now() >= deadline {
            return Err(QueueError::TimedOut);
        }
        std::thread::sleep(Duration::from_micros(50));
    }
    Ok(())
}
