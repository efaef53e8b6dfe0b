//! No lock at all. **Broken**: each worker reads, waits in the race window,
//! and writes back what it read plus one; the others' updates are lost and
//! every buyer who read "1 left" buys it (lost update, oversold).
//!
//! Kill -9: nothing is held, so nothing is stuck (`KillOutcome::Unaffected`).

use super::{Acquired, LockError, ProcessLock};
use crate::process::strategy::{Expected, Facts, KillOutcome, ProcessLockImpl, Site};
use std::time::Duration;

/// The lock that takes nothing (the thread tier's counterpart is
/// [`crate::lock::NoLock`]).
pub struct Unlocked;

impl Facts for Unlocked {
    const NAME: &'static str = "none";
    const SUMMARY: &'static str = "no lock: read, then write";
}

impl Expected for Unlocked {
    const CORRECT: bool = false;
    const KILL_OUTCOME: KillOutcome = KillOutcome::Unaffected;
}

impl ProcessLockImpl for Unlocked {
    fn create<'a>(_site: &Site<'a>) -> std::io::Result<Box<dyn ProcessLock + 'a>> {
        Ok(Box::new(Unlocked))
    }
}

impl ProcessLock for Unlocked {
    fn acquire(&mut self, _within: Duration) -> Result<Acquired, LockError> {
        Ok(Acquired::Clean)
    }

    fn release(&mut self) {}
}
