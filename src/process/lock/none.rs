//! No lock at all. **Broken**: each worker reads, waits in the race window,
//! and writes back what it read plus one; the others' updates are lost and
//! every buyer who read "1 left" buys it (lost update, oversold).
//!
//! Kill -9: nothing is held, so nothing is stuck (`KillOutcome::Unaffected`).

use super::{Acquired, LockError, ProcessLock};
use std::time::Duration;

pub struct NoLock;

impl ProcessLock for NoLock {
    fn name(&self) -> &'static str {
        "none"
    }

    fn acquire(&mut self, _within: Duration) -> Result<Acquired, LockError> {
        Ok(Acquired::Clean)
    }

    fn release(&mut self) {}
}
