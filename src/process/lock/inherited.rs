//! flock on a descriptor opened *before* the fork. **Broken**: every worker
//! inherits the same open file description, and a flock belongs to the
//! description, not to the process: when one worker holds it, another
//! worker's flock on the same description simply succeeds. It excludes
//! nobody (lost update, oversold).
//!
//! Kill -9: the description stays open in the parent and the siblings, so
//! the kernel releases nothing; a sibling's flock still succeeds, as it did
//! before (`KillOutcome::Unaffected`). A process that opened the file
//! itself would stay blocked until the last sharer closes it.

use super::flock::FlockFile;
use super::{Acquired, LockError, ProcessLock, acquire_by_polling};
use crate::process::strategy::{Expected, Facts, KillOutcome, ProcessLockImpl, Site};
use std::fs::File;
use std::path::PathBuf;
use std::time::Duration;

/// `flock(2)` on one descriptor the parent opened and every worker
/// inherits: it excludes nobody.
pub struct InheritedFlock {
    file: FlockFile,
}

impl InheritedFlock {
    /// Opens the lock file now, in the parent: the mistake.
    pub fn new(path: PathBuf) -> std::io::Result<InheritedFlock> {
        Ok(InheritedFlock {
            file: FlockFile::Open(File::create(&path)?),
        })
    }
}

impl Facts for InheritedFlock {
    const NAME: &'static str = "inherited-flock";
    const SUMMARY: &'static str = "flock on a descriptor opened before the fork";
}

impl Expected for InheritedFlock {
    const CORRECT: bool = false;
    const KILL_OUTCOME: KillOutcome = KillOutcome::Unaffected;
}

impl ProcessLockImpl for InheritedFlock {
    fn create<'a>(site: &Site<'a>) -> std::io::Result<Box<dyn ProcessLock + 'a>> {
        Ok(Box::new(InheritedFlock::new(site.lock_file())?))
    }
}

impl ProcessLock for InheritedFlock {
    // No `attach`: the worker keeps the descriptor it inherited.

    fn acquire(&mut self, within: Duration) -> Result<Acquired, LockError> {
        acquire_by_polling(within, || self.file.try_lock())
    }

    fn release(&mut self) {
        self.file.unlock();
    }
}
