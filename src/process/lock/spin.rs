//! A spin lock on a word of the shared region: compare-exchange 0 -> pid
//! with Acquire, store 0 with Release. **Correct** while every holder
//! lives; the pid in the word is the evidence when one does not.
//!
//! Kill -9: the word keeps the dead holder's pid and nobody clears it; the
//! next acquire spins to its deadline and reports who holds it
//! (`KillOutcome::Stuck`).

use super::{Acquired, LockError, ProcessLock};
use crate::os::poll::{Nap, try_poll_until};
use crate::process::region::Shared;
use std::sync::atomic::Ordering::{Acquire, Relaxed, Release};
use std::time::Duration;

pub struct SpinLock<'a> {
    shared: &'a Shared,
}

impl<'a> SpinLock<'a> {
    pub fn new(shared: &'a Shared) -> SpinLock<'a> {
        SpinLock { shared }
    }
}

impl ProcessLock for SpinLock<'_> {
    fn name(&self) -> &'static str {
        "spin"
    }

    fn acquire(&mut self, within: Duration) -> Result<Acquired, LockError> {
        let me = std::process::id() as i32;
        let word = &self.shared.spin;
        let mut try_lock = || {
            // Spin a little on a plain load before each sleep: the holder
            // usually lets go within microseconds.
            for _ in 0..1_000 {
                if word.load(Relaxed) == 0 && word.compare_exchange(0, me, Acquire, Relaxed).is_ok()
                {
                    return Ok(true);
                }
                std::hint::spin_loop();
            }
            Ok(false)
        };
        if try_poll_until(within, Nap::STEADY, &mut try_lock)? {
            Ok(Acquired::Clean)
        } else {
            let holder = word.load(Relaxed);
            Err(LockError::Stuck {
                holder: (holder != 0).then_some(holder),
            })
        }
    }

    fn release(&mut self) {
        self.shared.spin.store(0, Release);
    }
}
