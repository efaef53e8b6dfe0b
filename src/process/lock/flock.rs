//! `flock(2)` on a lock file, through nix's `Flock`. **Correct**: each
//! worker opens the file itself after the fork, so each has its own open
//! file description, and the lock, which belongs to the description,
//! excludes the others.
//!
//! Kill -9: the kernel closes the dead worker's descriptors and the lock
//! goes with them (`KillOutcome::Released`).

use super::{Acquired, LockError, ProcessLock, acquire_by_polling};
use crate::process::strategy::{Expected, Facts, KillOutcome, ProcessLockImpl, Site};
use nix::errno::Errno;
use nix::fcntl::{Flock, FlockArg};
use std::fs::File;
use std::path::PathBuf;
use std::time::Duration;

/// A file that is either unlocked or held locked.
pub(crate) enum FlockFile {
    Closed,
    Open(File),
    Held(Flock<File>),
}

impl FlockFile {
    pub(crate) fn try_lock(&mut self) -> Result<bool, LockError> {
        match std::mem::replace(self, FlockFile::Closed) {
            FlockFile::Open(file) => match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
                Ok(held) => {
                    *self = FlockFile::Held(held);
                    Ok(true)
                }
                Err((file, Errno::EWOULDBLOCK)) => {
                    *self = FlockFile::Open(file);
                    Ok(false)
                }
                Err((file, e)) => {
                    *self = FlockFile::Open(file);
                    Err(LockError::Os(e.to_string()))
                }
            },
            held @ FlockFile::Held(_) => {
                *self = held;
                Err(LockError::Os("flock taken twice".into()))
            }
            FlockFile::Closed => Err(LockError::Os("lock file not open".into())),
        }
    }

    pub(crate) fn unlock(&mut self) {
        if let FlockFile::Held(held) = std::mem::replace(self, FlockFile::Closed) {
            // On failure the Flock is dropped, which unlocks it too; the
            // next acquire then finds the file closed and reports it.
            if let Ok(file) = held.unlock() {
                *self = FlockFile::Open(file);
            }
        }
    }
}

/// `flock(2)` on the file at `path`, opened by each worker after the fork.
pub struct FlockLock {
    path: PathBuf,
    file: FlockFile,
}

impl FlockLock {
    /// Creates the lock file (in the parent); workers open it in
    /// [`attach`](ProcessLock::attach).
    pub fn new(path: PathBuf) -> std::io::Result<FlockLock> {
        File::create(&path)?;
        Ok(FlockLock {
            path,
            file: FlockFile::Closed,
        })
    }
}

impl Facts for FlockLock {
    const NAME: &'static str = "flock";
    const SUMMARY: &'static str = "flock(2) on a lock file opened by each worker";
}

impl Expected for FlockLock {
    const CORRECT: bool = true;
    const KILL_OUTCOME: KillOutcome = KillOutcome::Released;
}

impl ProcessLockImpl for FlockLock {
    fn create<'a>(site: &Site<'a>) -> std::io::Result<Box<dyn ProcessLock + 'a>> {
        Ok(Box::new(FlockLock::new(site.lock_file())?))
    }
}

impl ProcessLock for FlockLock {
    fn attach(&mut self) -> std::io::Result<()> {
        self.file = FlockFile::Open(File::open(&self.path)?);
        Ok(())
    }

    fn acquire(&mut self, within: Duration) -> Result<Acquired, LockError> {
        acquire_by_polling(within, || self.file.try_lock())
    }

    fn release(&mut self) {
        self.file.unlock();
    }
}
