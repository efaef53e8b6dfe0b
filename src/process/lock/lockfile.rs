//! A lock file: `open(O_CREAT | O_EXCL)` succeeds for exactly one process;
//! it writes its pid there and unlinks the file to release. **Correct**
//! while every holder lives.
//!
//! Kill -9: nobody unlinks the file. It stays, naming a dead pid, and every
//! later acquire waits out its deadline (`KillOutcome::Stale`), reported as
//! [`LockError::Stale`] with that pid, never a hang.

use super::{Acquired, LockError, ProcessLock};
use crate::os::poll::{Nap, try_poll_until};
use crate::process::strategy::{Expected, Facts, KillOutcome, ProcessLockImpl, Site};
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

/// The lock file at `path`: held while it exists.
pub struct LockFile {
    path: PathBuf,
}

impl LockFile {
    /// A lock file at `path` (not created until someone takes the lock).
    pub fn new(path: PathBuf) -> LockFile {
        LockFile { path }
    }

    fn holder(&self) -> Option<i32> {
        std::fs::read_to_string(&self.path)
            .ok()?
            .trim()
            .parse()
            .ok()
    }
}

impl Facts for LockFile {
    const NAME: &'static str = "lockfile";
    const SUMMARY: &'static str = "O_CREAT|O_EXCL lock file, unlinked to release";
}

impl Expected for LockFile {
    const CORRECT: bool = true;
    const KILL_OUTCOME: KillOutcome = KillOutcome::Stale;
}

impl ProcessLockImpl for LockFile {
    fn create<'a>(site: &Site<'a>) -> std::io::Result<Box<dyn ProcessLock + 'a>> {
        Ok(Box::new(LockFile::new(site.lock_file())))
    }
}

impl ProcessLock for LockFile {
    fn acquire(&mut self, within: Duration) -> Result<Acquired, LockError> {
        let took = try_poll_until(within, Nap::STEADY, || {
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&self.path)
            {
                Ok(mut file) => {
                    // A reader may see the file before the pid is in it;
                    // the pid is only evidence, never the lock itself.
                    let _ = write!(file, "{}", std::process::id());
                    Ok(true)
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
                Err(e) => Err(LockError::Os(e.to_string())),
            }
        })?;
        if took {
            Ok(Acquired::Clean)
        } else {
            // Busy, or stale: a holder that no longer exists is stale.
            let holder = self.holder();
            let alive = holder.is_some_and(|pid| {
                nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None).is_ok()
            });
            if alive {
                Err(LockError::Stuck { holder })
            } else {
                Err(LockError::Stale { holder })
            }
        }
    }

    fn release(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}
