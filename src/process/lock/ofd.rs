//! An open-file-description record lock, `fcntl(F_OFD_SETLK)` (Linux).
//! **Correct**: like flock, the lock belongs to the open file description,
//! and each worker opens its own after the fork; unlike the classic record
//! lock, closing another descriptor of the file does not drop it.
//!
//! Kill -9: the dead worker's description is closed and the lock released
//! (`KillOutcome::Released`).

use super::fcntl::{open_rw, record_unlock, try_record_lock};
use super::{Acquired, LockError, ProcessLock, poll_until};
use std::fs::File;
use std::path::PathBuf;
use std::time::Duration;

pub struct OfdLock {
    path: PathBuf,
    file: Option<File>,
}

impl OfdLock {
    pub fn new(path: PathBuf) -> std::io::Result<OfdLock> {
        File::create(&path)?;
        Ok(OfdLock { path, file: None })
    }
}

impl ProcessLock for OfdLock {
    fn name(&self) -> &'static str {
        "ofd"
    }

    fn attach(&mut self) -> std::io::Result<()> {
        self.file = Some(open_rw(&self.path)?);
        Ok(())
    }

    fn acquire(&mut self, within: Duration) -> Result<Acquired, LockError> {
        let file = self
            .file
            .as_ref()
            .ok_or(LockError::Os("not attached".into()))?;
        if poll_until(within, || try_record_lock(file, true))? {
            Ok(Acquired::Clean)
        } else {
            Err(LockError::Stuck { holder: None })
        }
    }

    fn release(&mut self) {
        if let Some(file) = &self.file {
            record_unlock(file, true);
        }
    }
}
