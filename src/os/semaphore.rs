//! A process-shared POSIX counting semaphore (`sem_init` with pshared = 1)
//! for a `#[repr(C)]` layout in a shared mapping, every wait bounded.
//!
//! A semaphore counts permits: a wait takes one (sleeping while there is
//! none), a post gives one back, or gives one for the first time. Used
//! with one permit it is a lock ([`Semaphore::lock`]); with more, it bounds
//! how many are inside (a bounded buffer's free slots and items). It has
//! no owner: a process killed holding a permit leaves it taken, and the
//! next wait for it runs out at its bound.

use crate::process::lock::realtime_deadline;
use std::cell::UnsafeCell;
use std::io;
use std::time::Duration;

/// A process-shared semaphore, in place in a shared mapping.
///
/// Initialised once, by [`init`](Semaphore::init), in the constructor that
/// maps the layout holding it, before anything else can reach it: every
/// other method relies on that.
#[repr(transparent)]
pub struct Semaphore(UnsafeCell<libc::sem_t>);

// SAFETY: a POSIX semaphore is made for concurrent use, through libc on
// its pointer only (never through `&mut`).
unsafe impl Sync for Semaphore {}

impl Semaphore {
    /// Gives the semaphore `permits` permits.
    ///
    /// # Safety
    /// Nobody uses the semaphore yet, and it lives where every process
    /// that will use it maps it shared, at the same address (a layout
    /// mapped by the parent before the fork).
    pub unsafe fn init(&self, permits: u32) -> io::Result<()> {
        // SAFETY: the caller's promise; pshared = 1: processes share it.
        if unsafe { libc::sem_init(self.0.get(), 1, permits) } != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    /// Takes a permit, waiting until `deadline` (an absolute
    /// `CLOCK_REALTIME` time, as `sem_timedwait` wants); whether it got
    /// one. A signal does not end the wait.
    pub fn wait_until(&self, deadline: &libc::timespec) -> io::Result<bool> {
        loop {
            // SAFETY: initialised before anyone could reach it (see the
            // type), process-shared, in a mapping that outlives `self`.
            if unsafe { libc::sem_timedwait(self.0.get(), deadline) } == 0 {
                return Ok(true);
            }
            let e = io::Error::last_os_error();
            match e.raw_os_error() {
                Some(libc::EINTR) => continue,
                Some(libc::ETIMEDOUT) => return Ok(false),
                _ => return Err(e),
            }
        }
    }

    /// Takes a permit, waiting at most `within`; whether it got one.
    pub fn wait(&self, within: Duration) -> io::Result<bool> {
        self.wait_until(&realtime_deadline(within))
    }

    /// Gives a permit.
    pub fn post(&self) {
        // SAFETY: initialised before anyone could reach it (see the type).
        unsafe { libc::sem_post(self.0.get()) };
    }

    /// Takes a permit for as long as the [`Permit`] lives, waiting at most
    /// `within` (`None`: none came). A semaphore of one permit used as a
    /// lock.
    pub fn lock(&self, within: Duration) -> io::Result<Option<Permit<'_>>> {
        // Made only once the permit is ours: a Permit posts when it drops.
        Ok(self.wait(within)?.then(|| Permit(self)))
    }
}

/// A permit taken by [`Semaphore::lock`], given back when it drops.
pub struct Permit<'a>(&'a Semaphore);

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        self.0.post();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lock_that_times_out_gives_back_no_permit_it_did_not_take() {
        let sem = Box::new(Semaphore(UnsafeCell::new(
            // SAFETY: all-zero bytes are a valid sem_t to initialise.
            unsafe { std::mem::zeroed() },
        )));
        // SAFETY: nobody else uses it; a process-private use of a pshared
        // semaphore is allowed.
        unsafe { sem.init(1).unwrap() };
        let held = sem.lock(Duration::ZERO).unwrap().expect("the one permit");
        assert!(sem.lock(Duration::from_millis(5)).unwrap().is_none());
        assert!(sem.lock(Duration::ZERO).unwrap().is_none(), "still held");
        drop(held);
        assert!(sem.lock(Duration::ZERO).unwrap().is_some());
    }
}
