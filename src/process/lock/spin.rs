//! A spin lock on a word of the shared region: compare-exchange 0 -> pid
//! with Acquire, store 0 with Release. **Correct** while every holder
//! lives; the pid in the word is the evidence when one does not.
//!
//! Kill -9: the word keeps the dead holder's pid and nobody clears it; the
//! next acquire spins to its deadline and reports who holds it
//! (`KillOutcome::Stuck`).

use super::{Acquired, LockError, ProcessLock};
use crate::os::poll::{Nap, try_poll_until};
use crate::process::region::RegionWords;
use crate::process::strategy::{Expected, Facts, KillOutcome, ProcessLockImpl, Site};
use std::sync::atomic::Ordering::{Acquire, Relaxed, Release};
use std::time::Duration;

/// The spin lock on the region's `spin` word (the thread tier's
/// counterpart is [`crate::lock::SpinLock`]).
pub struct ShmSpinLock<'a> {
    shared: &'a RegionWords,
}

impl<'a> ShmSpinLock<'a> {
    /// The spin lock on `shared`'s `spin` word.
    pub fn new(shared: &'a RegionWords) -> ShmSpinLock<'a> {
        ShmSpinLock { shared }
    }
}

impl Facts for ShmSpinLock<'_> {
    const NAME: &'static str = "spin";
    const SUMMARY: &'static str = "spin lock on a shared memory word";
}

impl Expected for ShmSpinLock<'_> {
    const CORRECT: bool = true;
    const KILL_OUTCOME: KillOutcome = KillOutcome::Stuck;
}

impl ProcessLockImpl for ShmSpinLock<'_> {
    fn create<'a>(site: &Site<'a>) -> std::io::Result<Box<dyn ProcessLock + 'a>> {
        Ok(Box::new(ShmSpinLock::new(site.shared)))
    }
}

impl ProcessLock for ShmSpinLock<'_> {
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
