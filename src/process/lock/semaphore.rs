//! A process-shared POSIX semaphore in the shared region (`sem_init` with
//! `pshared = 1`). With **1 permit it is correct**: a binary semaphore
//! excludes. With **2 permits it is broken** (a pitfall in
//! docs/scenarios.md: two writers to the database at once): it bounds
//! concurrency to two, and two buyers in the window at once oversell (lost
//! update, oversold).
//!
//! Kill -9: a semaphore has no owner, so nobody gives the dead worker's
//! permit back. With 1 permit the next `sem_timedwait` times out
//! (`KillOutcome::Stuck`); with 2 the next worker gets the other permit,
//! but one is gone for good (`KillOutcome::Leaked`).

use super::{Acquired, LockError, ProcessLock, realtime_deadline};
use crate::process::region::RegionWords;
use crate::process::strategy::{Expected, Facts, KillOutcome, ProcessLockImpl, Site};
use std::time::Duration;

/// The semaphore with `PERMITS` permits: 1 is the correct strategy
/// `semaphore-1`, 2 the broken `semaphore-2`.
pub struct SemaphoreLock<'a, const PERMITS: u32> {
    shared: &'a RegionWords,
}

impl<'a, const PERMITS: u32> SemaphoreLock<'a, PERMITS> {
    /// Initialises the semaphore in the region (in the parent, before the
    /// fork) with `PERMITS` permits.
    pub fn new(shared: &'a RegionWords) -> std::io::Result<SemaphoreLock<'a, PERMITS>> {
        // SAFETY: the semaphore lives in the shared mapping, which nobody
        // uses before the fork; pshared = 1 because processes share it.
        if unsafe { libc::sem_init(shared.sem.get(), 1, PERMITS) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(SemaphoreLock { shared })
    }

    /// Permits available now.
    pub fn available(&self) -> i32 {
        let mut value = 0;
        // SAFETY: the semaphore was initialised; `value` is writable.
        unsafe { libc::sem_getvalue(self.shared.sem.get(), &mut value) };
        value
    }
}

impl<const PERMITS: u32> Facts for SemaphoreLock<'_, PERMITS> {
    const NAME: &'static str = match PERMITS {
        1 => "semaphore-1",
        2 => "semaphore-2",
        _ => "semaphore-n",
    };
    const SUMMARY: &'static str = match PERMITS {
        1 => "process-shared semaphore, 1 permit",
        2 => "process-shared semaphore, 2 permits",
        _ => "process-shared semaphore, several permits",
    };
}

impl<const PERMITS: u32> Expected for SemaphoreLock<'_, PERMITS> {
    const CORRECT: bool = PERMITS == 1;
    const KILL_OUTCOME: KillOutcome = if PERMITS == 1 {
        KillOutcome::Stuck
    } else {
        KillOutcome::Leaked
    };
}

impl<const PERMITS: u32> ProcessLockImpl for SemaphoreLock<'_, PERMITS> {
    fn create<'a>(site: &Site<'a>) -> std::io::Result<Box<dyn ProcessLock + 'a>> {
        Ok(Box::new(SemaphoreLock::<PERMITS>::new(site.shared)?))
    }
}

impl<const PERMITS: u32> ProcessLock for SemaphoreLock<'_, PERMITS> {
    fn acquire(&mut self, within: Duration) -> Result<Acquired, LockError> {
        let deadline = realtime_deadline(within);
        loop {
            // SAFETY: initialised before the fork; the mapping outlives us.
            if unsafe { libc::sem_timedwait(self.shared.sem.get(), &deadline) } == 0 {
                return Ok(Acquired::Clean);
            }
            match std::io::Error::last_os_error().raw_os_error() {
                Some(libc::EINTR) => continue,
                Some(libc::ETIMEDOUT) => return Err(LockError::Stuck { holder: None }),
                e => return Err(LockError::Os(format!("sem_timedwait: {e:?}"))),
            }
        }
    }

    fn release(&mut self) {
        // SAFETY: initialised before the fork; we hold a permit.
        unsafe { libc::sem_post(self.shared.sem.get()) };
    }

    fn permits(&self) -> Option<(i32, u32)> {
        Some((self.available(), PERMITS))
    }
}
