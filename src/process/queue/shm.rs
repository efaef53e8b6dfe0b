//! A bounded queue shared by processes: a ring of u64 items in a
//! `MAP_SHARED` mapping, in four flavors.
//!
//! - [`Flavor::Locked`]: a robust process-shared pthread mutex with
//!   process-shared condition variables "not empty", "not full" and
//!   "all done" (join). Every wait is `pthread_cond_timedwait`: bounded.
//!   A holder killed with SIGKILL leaves the mutex to the next locker with
//!   `EOWNERDEAD`; every put and get commits with one store (of the
//!   ring's `tail` or `head`), so the ring is consistent at any point
//!   of a kill: it is marked consistent and used on.
//! - [`Flavor::Semaphores`]: the textbook bounded buffer on three counting
//!   semaphores, `empty` (free slots, starts at capacity), `full` (items,
//!   starts at 0) and `mutex` (1). Close posts one extra permit to `empty`
//!   and to `full`, a baton that every waiter it wakes passes on. A
//!   semaphore has no owner: a worker killed inside leaves `mutex` taken
//!   (the next wait reports it at its deadline).
//! - [`Flavor::Unlocked`] (broken): no lock at all. A put reads the tail,
//!   then writes the slot and the new tail. A race window holds two
//!   producers between the read and the write, so they fill the same slot
//!   and an item is lost every run (consumers hold off while a producer is
//!   inside, so no pop hides the collision).
//! - [`Flavor::IfNotWhile`] (broken): the locked ring with `if` instead of
//!   `while` around each wait, and `notify_all` (broadcast) after each put
//!   and get, as in the lessons. The race window lets the first put in
//!   only once both consumers are asleep: its broadcast wakes both, one
//!   takes the item, and the other, not looking again, pops an empty ring
//!   (it panics with the thread model's "pop from empty queue").
//!
//! The race windows are armed only for a producer/consumer run
//! ([`ProcessQueue::arm_race_window`]): a queue used otherwise, as the
//! contract suite uses it, never waits in one.
//!
//! The ring's fields are atomics even under a lock: the unlocked variant
//! touches them concurrently, and atomics keep that defined behaviour.

use super::{FOREVER, Ledger, ProcessQueue, QueueError};
use crate::model::queue::POP_FROM_EMPTY;
use crate::os::arena::Arena;
use crate::os::mapping::Mapped;
use crate::process::lock::realtime_deadline;
use crate::process::lock::robust::init_robust;
use std::cell::UnsafeCell;
use std::io;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering::SeqCst};
use std::time::Duration;

use super::ledger::poll_until;

/// The largest capacity a ring can have.
pub const MAX_CAPACITY: usize = 64;

/// How long a race window waits for the other parties.
const WINDOW: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// Robust mutex and condition variables: correct.
    Locked,
    /// Counting semaphores empty/full/mutex: correct.
    Semaphores,
    /// No lock, polling: broken (lost items).
    Unlocked,
    /// `if` instead of `while`: broken (pop from empty).
    IfNotWhile,
}

#[repr(C)]
struct Ring {
    mutex: UnsafeCell<libc::pthread_mutex_t>,
    not_empty: UnsafeCell<libc::pthread_cond_t>,
    not_full: UnsafeCell<libc::pthread_cond_t>,
    all_done: UnsafeCell<libc::pthread_cond_t>,
    sem_empty: UnsafeCell<libc::sem_t>,
    sem_full: UnsafeCell<libc::sem_t>,
    sem_mutex: UnsafeCell<libc::sem_t>,
    /// Items ever taken and ever put: the ring holds `tail - head`, slot
    /// `n % capacity` holds item `n`. Each put and each get commits with
    /// one store (of `tail`, of `head`), so a worker killed anywhere
    /// leaves the ring consistent: an item it had not committed is simply
    /// not there (a put) or still there (a get).
    head: AtomicU64,
    tail: AtomicU64,
    high_water: AtomicU64,
    /// The unlocked put's window: producers inside, and 1 once shut.
    window_inside: AtomicU32,
    window_closed: AtomicU32,
    /// Producers between their read and their write while the window was
    /// open: consumers wait for 0, so no pop lands between the colliding
    /// writes and hides the collision.
    window_pending: AtomicU32,
    /// The `if` window: 1 once the first put has claimed its turn, the
    /// consumers asleep in it, and those woken from it.
    if_turn: AtomicU32,
    if_asleep: AtomicU32,
    if_woken: AtomicU32,
    slots: [AtomicU64; MAX_CAPACITY],
}

// SAFETY: atomics are Sync; the mutex, condvars and semaphores are
// process-shared objects used only through libc on their pointers.
unsafe impl Sync for Ring {}

pub struct ShmQueue {
    ring: Mapped<Ring>,
    ledger: Ledger,
    capacity: u64,
    flavor: Flavor,
    /// The race windows are armed (a run's parent did, before the fork).
    armed: AtomicBool,
}

fn os(code: libc::c_int) -> io::Result<()> {
    if code == 0 {
        Ok(())
    } else {
        Err(io::Error::from_raw_os_error(code))
    }
}

fn errno() -> i32 {
    io::Error::last_os_error().raw_os_error().unwrap_or(0)
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
        // SAFETY: zeroed atomics are valid; the pthread objects and
        // semaphores are initialised below before any use, only through
        // their pointers.
        let ring = unsafe { Mapped::<Ring>::create(arena, "shm-queue")? };
        let r = ring.get();
        // SAFETY: the attributes are initialised before use and destroyed
        // after; the objects live in the mapping nobody uses yet.
        unsafe {
            init_robust(r.mutex.get())?;
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
            // pshared = 1: processes share them.
            for (sem, value) in [
                (&r.sem_empty, capacity as u32),
                (&r.sem_full, 0),
                (&r.sem_mutex, 1),
            ] {
                if libc::sem_init(sem.get(), 1, value) != 0 {
                    return Err(io::Error::last_os_error());
                }
            }
        }
        Ok(ShmQueue {
            ring,
            ledger: Ledger::new(arena, "shm-queue")?,
            capacity: capacity as u64,
            flavor,
            armed: AtomicBool::new(false),
        })
    }

    fn r(&self) -> &Ring {
        self.ring.get()
    }

    fn lock(&self) -> Result<Guard<'_>, QueueError> {
        let deadline = realtime_deadline(FOREVER);
        // SAFETY: initialised process-shared in `new`; the mapping outlives us.
        match unsafe { libc::pthread_mutex_timedlock(self.r().mutex.get(), &deadline) } {
            0 => {}
            // A holder died: every operation commits with one store, so
            // the ring is consistent; mark the mutex so and go on.
            // SAFETY: we hold the mutex after EOWNERDEAD, as required.
            libc::EOWNERDEAD => unsafe {
                libc::pthread_mutex_consistent(self.r().mutex.get());
            },
            libc::ETIMEDOUT => return Err(QueueError::Stuck("the queue's mutex is stuck".into())),
            e => return Err(io::Error::from_raw_os_error(e).into()),
        }
        Ok(Guard(self))
    }

    /// Waits on `cond` (mutex held) until `ready` or the deadline, when it
    /// reports `late`. `while`, not `if`: a wakeup says "look again", not
    /// "it is so" (except in the broken flavor).
    fn wait(
        &self,
        cond: &UnsafeCell<libc::pthread_cond_t>,
        deadline: &libc::timespec,
        ready: impl Fn(&Self) -> bool,
        late: QueueError,
    ) -> Result<(), QueueError> {
        while !ready(self) {
            // SAFETY: we hold the mutex; both objects are process-shared.
            match unsafe {
                libc::pthread_cond_timedwait(cond.get(), self.r().mutex.get(), deadline)
            } {
                0 => {}
                libc::ETIMEDOUT => {
                    return if ready(self) { Ok(()) } else { Err(late) };
                }
                libc::EOWNERDEAD => {
                    // SAFETY: as in `lock`.
                    unsafe { libc::pthread_mutex_consistent(self.r().mutex.get()) };
                }
                e => return Err(io::Error::from_raw_os_error(e).into()),
            }
            if self.flavor == Flavor::IfNotWhile {
                // The bug: whatever woke us, go on.
                return Ok(());
            }
        }
        Ok(())
    }

    /// Wakes one waiter on `cond`, or all of them in the broken `if`
    /// flavor (the lessons' `notify_all`).
    fn wake(&self, cond: &UnsafeCell<libc::pthread_cond_t>) {
        // SAFETY: initialised in `new`.
        unsafe {
            if self.flavor == Flavor::IfNotWhile {
                libc::pthread_cond_broadcast(cond.get());
            } else {
                libc::pthread_cond_signal(cond.get());
            }
        }
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
        let r = self.r();
        r.tail.load(SeqCst).wrapping_sub(r.head.load(SeqCst))
    }

    /// Writes `item` as item number `tail`, then commits it by storing
    /// `tail + 1` (the unlocked flavor read `tail` earlier: two producers
    /// that read the same one fill the same slot).
    fn push(&self, item: u64, tail: u64) {
        let r = self.r();
        r.slots[(tail % self.capacity) as usize].store(item, SeqCst);
        r.tail.store(tail + 1, SeqCst);
        let held = (tail + 1).wrapping_sub(r.head.load(SeqCst));
        r.high_water.fetch_max(held, SeqCst);
    }

    /// Takes the head item, if any (a closed queue still drains), and
    /// commits by storing `head + 1`.
    fn pop(&self) -> Option<u64> {
        let r = self.r();
        let head = r.head.load(SeqCst);
        if r.tail.load(SeqCst) == head {
            return None;
        }
        let item = r.slots[(head % self.capacity) as usize].load(SeqCst);
        r.head.store(head + 1, SeqCst);
        Some(item)
    }

    fn put_locked(&self, item: u64, within: Duration) -> Result<(), QueueError> {
        self.if_window_put();
        let _guard = self.lock()?;
        let deadline = realtime_deadline(within);
        let _blocked = self.ledger.blocking();
        self.wait(
            &self.r().not_full,
            &deadline,
            Self::has_room,
            QueueError::Full,
        )?;
        if self.closed() {
            return Err(QueueError::Closed);
        }
        let r = self.r();
        self.ledger.will_put(item);
        self.push(item, r.tail.load(SeqCst));
        self.ledger.did_put(item, true);
        self.wake(&r.not_empty);
        Ok(())
    }

    fn get_locked(&self, within: Duration) -> Result<u64, QueueError> {
        let _guard = self.lock()?;
        let deadline = realtime_deadline(within);
        let _blocked = self.ledger.blocking();
        let windowed = self.if_window_open() && !self.has_item();
        if windowed {
            self.r().if_asleep.fetch_add(1, SeqCst);
        }
        self.wait(
            &self.r().not_empty,
            &deadline,
            Self::has_item,
            QueueError::Empty,
        )?;
        if windowed && self.r().if_woken.fetch_add(1, SeqCst) + 1 >= 2 {
            self.r().window_closed.store(1, SeqCst);
        }
        match self.pop() {
            Some(item) => {
                self.ledger.took(item);
                self.wake(&self.r().not_full);
                Ok(item)
            }
            None if self.closed() => Err(QueueError::Closed),
            // Only the `if` flavor gets here: woken, it did not look again.
            None => panic!("{POP_FROM_EMPTY}"),
        }
    }

    fn if_window_open(&self) -> bool {
        self.flavor == Flavor::IfNotWhile
            && self.armed.load(SeqCst)
            && self.r().window_closed.load(SeqCst) == 0
    }

    /// The `if` flavor's race window, before a put takes the lock: the
    /// first put waits until both consumers are asleep, the others until
    /// both have woken (so no second item hides the empty pop).
    fn if_window_put(&self) {
        if !self.if_window_open() {
            return;
        }
        let r = self.r();
        let _waiting = crate::os::progress::in_window();
        let closed = || r.window_closed.load(SeqCst) != 0;
        if r.if_turn.swap(1, SeqCst) == 0 {
            poll_until(WINDOW, || closed() || r.if_asleep.load(SeqCst) >= 2);
        } else if !poll_until(WINDOW, closed) {
            r.window_closed.store(1, SeqCst);
        }
    }

    /// `sem_timedwait` until `deadline`, retried on EINTR; whether it got
    /// the permit.
    pub(super) fn sem_wait(
        sem: &UnsafeCell<libc::sem_t>,
        deadline: &libc::timespec,
    ) -> Result<bool, QueueError> {
        loop {
            // SAFETY: initialised in `new`, process-shared.
            if unsafe { libc::sem_timedwait(sem.get(), deadline) } == 0 {
                return Ok(true);
            }
            match errno() {
                libc::EINTR => continue,
                libc::ETIMEDOUT => return Ok(false),
                e => return Err(io::Error::from_raw_os_error(e).into()),
            }
        }
    }

    pub(super) fn sem_post(sem: &UnsafeCell<libc::sem_t>) {
        // SAFETY: initialised in `new`, process-shared.
        unsafe { libc::sem_post(sem.get()) };
    }

    /// Takes the semaphore flavor's `mutex`.
    fn sem_lock(&self) -> Result<SemGuard<'_>, QueueError> {
        if Self::sem_wait(&self.r().sem_mutex, &realtime_deadline(FOREVER))? {
            Ok(SemGuard(self))
        } else {
            Err(QueueError::Stuck(
                "the queue's mutex semaphore is stuck".into(),
            ))
        }
    }

    fn put_semaphores(&self, item: u64, within: Duration) -> Result<(), QueueError> {
        let r = self.r();
        let _blocked = self.ledger.blocking();
        if !Self::sem_wait(&r.sem_empty, &realtime_deadline(within))? {
            return Err(if self.closed() {
                QueueError::Closed
            } else {
                QueueError::Full
            });
        }
        let guard = self.sem_lock()?;
        if self.closed() {
            drop(guard);
            // Pass the close baton on to the next waiting put.
            Self::sem_post(&r.sem_empty);
            return Err(QueueError::Closed);
        }
        self.ledger.will_put(item);
        self.push(item, r.tail.load(SeqCst));
        self.ledger.did_put(item, true);
        drop(guard);
        Self::sem_post(&r.sem_full);
        Ok(())
    }

    fn get_semaphores(&self, within: Duration) -> Result<u64, QueueError> {
        let r = self.r();
        let _blocked = self.ledger.blocking();
        if !Self::sem_wait(&r.sem_full, &realtime_deadline(within))? {
            // Another getter may hold close's baton this instant.
            return Err(if self.closed() && self.len() == 0 {
                QueueError::Closed
            } else {
                QueueError::Empty
            });
        }
        let guard = self.sem_lock()?;
        match self.pop() {
            Some(item) => {
                self.ledger.took(item);
                drop(guard);
                Self::sem_post(&r.sem_empty);
                Ok(item)
            }
            None => {
                // The permit was close's baton: pass it on.
                drop(guard);
                Self::sem_post(&r.sem_full);
                Err(QueueError::Closed)
            }
        }
    }

    fn put_unlocked(&self, item: u64, within: Duration) -> Result<(), QueueError> {
        let r = self.r();
        let blocked = self.ledger.blocking();
        if !poll_until(within, || self.has_room()) {
            return Err(QueueError::Full);
        }
        if self.closed() {
            return Err(QueueError::Closed);
        }
        drop(blocked);
        // Read the state, then write it back later: two producers in the
        // window both fill the same slot.
        let windowed = self.armed.load(SeqCst) && r.window_closed.load(SeqCst) == 0;
        if windowed {
            r.window_pending.fetch_add(1, SeqCst);
        }
        self.ledger.will_put(item);
        let tail = r.tail.load(SeqCst);
        if windowed {
            self.unlocked_window();
        }
        self.push(item, tail);
        self.ledger.did_put(item, true);
        if windowed {
            r.window_pending.fetch_sub(1, SeqCst);
        }
        Ok(())
    }

    /// Holds the first two producers between reading and writing `len`.
    fn unlocked_window(&self) {
        let r = self.r();
        let _waiting = crate::os::progress::in_window();
        r.window_inside.fetch_add(1, SeqCst);
        poll_until(WINDOW, || {
            r.window_closed.load(SeqCst) != 0 || r.window_inside.load(SeqCst) >= 2
        });
        r.window_closed.store(1, SeqCst);
    }

    fn get_unlocked(&self, within: Duration) -> Result<u64, QueueError> {
        let r = self.r();
        // Look at the ring first, then at the window: a producer's pending
        // mark precedes its push, so an item seen here with no producer
        // pending means the colliding writes are both done.
        let _blocked = self.ledger.blocking();
        if !poll_until(within, || {
            self.has_item() && r.window_pending.load(SeqCst) == 0
        }) {
            return Err(QueueError::Empty);
        }
        let item = self.pop().ok_or(QueueError::Closed)?;
        self.ledger.took(item);
        Ok(item)
    }
}

impl ProcessQueue for ShmQueue {
    fn capacity(&self) -> Option<usize> {
        Some(self.capacity as usize)
    }

    fn arm_race_window(&self) {
        self.armed.store(true, SeqCst);
    }

    fn put(&self, item: u64, within: Duration) -> Result<(), QueueError> {
        match self.flavor {
            Flavor::Locked | Flavor::IfNotWhile => self.put_locked(item, within),
            Flavor::Semaphores => self.put_semaphores(item, within),
            Flavor::Unlocked => self.put_unlocked(item, within),
        }
    }

    fn get(&self, within: Duration) -> Result<u64, QueueError> {
        match self.flavor {
            Flavor::Locked | Flavor::IfNotWhile => self.get_locked(within),
            Flavor::Semaphores => self.get_semaphores(within),
            Flavor::Unlocked => self.get_unlocked(within),
        }
    }

    fn close(&self) -> Result<(), QueueError> {
        let r = self.r();
        match self.flavor {
            Flavor::Locked | Flavor::IfNotWhile => {
                let _guard = self.lock()?;
                self.ledger.close();
                // SAFETY: initialised in `new`.
                unsafe {
                    libc::pthread_cond_broadcast(r.not_empty.get());
                    libc::pthread_cond_broadcast(r.not_full.get());
                }
            }
            Flavor::Semaphores => {
                let guard = self.sem_lock()?;
                let first = !self.closed();
                self.ledger.close();
                drop(guard);
                if first {
                    // One baton each way; every waiter it wakes passes it on.
                    Self::sem_post(&r.sem_full);
                    Self::sem_post(&r.sem_empty);
                }
            }
            Flavor::Unlocked => self.ledger.close(),
        }
        Ok(())
    }

    fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    fn task_done(&self) -> Result<(), QueueError> {
        if !matches!(self.flavor, Flavor::Locked | Flavor::IfNotWhile) {
            return self.ledger.task_done();
        }
        let _guard = self.lock()?;
        self.ledger.task_done()?;
        if self.ledger.unfinished() == 0 {
            // SAFETY: initialised in `new`.
            unsafe { libc::pthread_cond_broadcast(self.r().all_done.get()) };
        }
        Ok(())
    }

    fn join(&self, within: Duration) -> Result<(), QueueError> {
        if !matches!(self.flavor, Flavor::Locked | Flavor::IfNotWhile) {
            return self.ledger.join(within);
        }
        let _guard = self.lock()?;
        let deadline = realtime_deadline(within);
        let _blocked = self.ledger.blocking();
        let done = |q: &Self| q.ledger.unfinished() == 0;
        // join loops even in the `if` flavor: its bug is in put and get.
        while !done(self) {
            self.wait(
                &self.r().all_done,
                &deadline,
                done,
                QueueError::JoinTimedOut,
            )?;
        }
        Ok(())
    }

    fn high_water(&self) -> Option<usize> {
        Some(self.r().high_water.load(SeqCst) as usize)
    }
}

struct Guard<'a>(&'a ShmQueue);

impl Drop for Guard<'_> {
    fn drop(&mut self) {
        // SAFETY: a Guard exists only while we hold the mutex.
        unsafe { libc::pthread_mutex_unlock(self.0.r().mutex.get()) };
    }
}

struct SemGuard<'a>(&'a ShmQueue);

impl Drop for SemGuard<'_> {
    fn drop(&mut self) {
        ShmQueue::sem_post(&self.0.r().sem_mutex);
    }
}
