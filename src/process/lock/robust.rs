//! A process-shared, robust pthread mutex in the shared region.
//! **Correct**: `PTHREAD_PROCESS_SHARED` makes it work across processes
//! mapping the same memory.
//!
//! Kill -9: the kernel's robust futex list marks the mutex; the next
//! `lock` returns `EOWNERDEAD` with the mutex held. The new holder repairs
//! the state and calls `pthread_mutex_consistent`
//! (`KillOutcome::Recovered`). Unlocking without that makes the mutex
//! `ENOTRECOVERABLE` for ever.

use super::{Acquired, LockError, ProcessLock, realtime_deadline};
use crate::process::region::RegionWords;
use crate::process::strategy::{Expected, Facts, KillOutcome, ProcessLockImpl, Site};
use std::time::Duration;

/// The robust, process-shared pthread mutex in the region's `mutex` field.
pub struct RobustMutex<'a> {
    shared: &'a RegionWords,
}

impl<'a> RobustMutex<'a> {
    /// Initialises the mutex in the region (in the parent, before the fork).
    pub fn new(shared: &'a RegionWords) -> std::io::Result<RobustMutex<'a>> {
        // SAFETY: the mutex lives in the shared mapping, which nobody else
        // uses before the fork.
        unsafe { init_robust(shared.mutex.get())? };
        Ok(RobustMutex { shared })
    }
}

/// Initialises `*mutex` as a robust, process-shared pthread mutex.
///
/// # Safety
/// `mutex` must point to writable memory (shared with the other processes
/// before they fork) that no thread or process uses yet.
pub(crate) unsafe fn init_robust(mutex: *mut libc::pthread_mutex_t) -> std::io::Result<()> {
    // SAFETY: `attr` is initialised by pthread_mutexattr_init before any
    // other use and destroyed after; the caller vouches for `mutex`.
    unsafe {
        let mut attr: libc::pthread_mutexattr_t = std::mem::zeroed();
        check(libc::pthread_mutexattr_init(&mut attr))?;
        check(libc::pthread_mutexattr_setpshared(
            &mut attr,
            libc::PTHREAD_PROCESS_SHARED,
        ))?;
        check(libc::pthread_mutexattr_setrobust(
            &mut attr,
            libc::PTHREAD_MUTEX_ROBUST,
        ))?;
        let done = libc::pthread_mutex_init(mutex, &attr);
        libc::pthread_mutexattr_destroy(&mut attr);
        check(done)
    }
}

fn check(code: libc::c_int) -> std::io::Result<()> {
    if code == 0 {
        Ok(())
    } else {
        Err(std::io::Error::from_raw_os_error(code))
    }
}

impl Facts for RobustMutex<'_> {
    const NAME: &'static str = "robust-mutex";
    const SUMMARY: &'static str = "robust process-shared pthread mutex in shared memory";
}

impl Expected for RobustMutex<'_> {
    const CORRECT: bool = true;
    const KILL_OUTCOME: KillOutcome = KillOutcome::Recovered;
}

impl ProcessLockImpl for RobustMutex<'_> {
    fn create<'a>(site: &Site<'a>) -> std::io::Result<Box<dyn ProcessLock + 'a>> {
        Ok(Box::new(RobustMutex::new(site.shared)?))
    }
}

impl ProcessLock for RobustMutex<'_> {
    fn acquire(&mut self, within: Duration) -> Result<Acquired, LockError> {
        let deadline = realtime_deadline(within);
        // SAFETY: the mutex was initialised process-shared before the fork
        // and the mapping outlives `self`.
        let code = unsafe { libc::pthread_mutex_timedlock(self.shared.mutex.get(), &deadline) };
        match code {
            0 => Ok(Acquired::Clean),
            libc::EOWNERDEAD => Ok(Acquired::OwnerDied),
            libc::ETIMEDOUT => Err(LockError::Stuck { holder: None }),
            libc::ENOTRECOVERABLE => Err(LockError::NotRecoverable),
            e => Err(LockError::Os(
                std::io::Error::from_raw_os_error(e).to_string(),
            )),
        }
    }

    fn release(&mut self) {
        // SAFETY: we hold the mutex (acquire succeeded); see `acquire`.
        unsafe { libc::pthread_mutex_unlock(self.shared.mutex.get()) };
    }

    fn mark_consistent(&mut self) {
        // SAFETY: called holding the mutex after EOWNERDEAD, as required.
        unsafe { libc::pthread_mutex_consistent(self.shared.mutex.get()) };
    }
}
