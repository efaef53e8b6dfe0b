//! The classic POSIX record lock, `fcntl(F_SETLK)` on the whole file.
//! **Correct** between processes, as long as a worker never closes another
//! descriptor of the same file while it holds the lock: these locks belong
//! to the (process, file) pair, and closing *any* descriptor of the file
//! drops them. Opening the database, reading it and closing it again while
//! holding a lock on the database file itself silently unlocks it
//! (`tests/process_locks.rs` shows the trap; OFD locks do not have it).
//!
//! Kill -9: the kernel drops a dead process's record locks
//! (`KillOutcome::Released`).

use super::{Acquired, LockError, ProcessLock, poll_until};
use nix::errno::Errno;
use nix::fcntl::{FcntlArg, fcntl};
use std::fs::File;
use std::os::fd::AsFd;
use std::path::PathBuf;
use std::time::Duration;

/// A whole-file record lock request (`l_len` 0: to the end of the file).
pub(crate) fn whole_file(kind: libc::c_int) -> libc::flock {
    libc::flock {
        l_type: kind as libc::c_short,
        l_whence: libc::SEEK_SET as libc::c_short,
        l_start: 0,
        l_len: 0,
        l_pid: 0,
    }
}

/// One non-blocking attempt: Ok(true) locked, Ok(false) busy.
pub(crate) fn try_record_lock(file: &File, ofd: bool) -> Result<bool, LockError> {
    let request = whole_file(libc::F_WRLCK);
    let arg = if ofd {
        FcntlArg::F_OFD_SETLK(&request)
    } else {
        FcntlArg::F_SETLK(&request)
    };
    match fcntl(file.as_fd(), arg) {
        Ok(_) => Ok(true),
        Err(Errno::EAGAIN | Errno::EACCES) => Ok(false),
        Err(e) => Err(LockError::Os(e.to_string())),
    }
}

pub(crate) fn record_unlock(file: &File, ofd: bool) {
    let request = whole_file(libc::F_UNLCK);
    let arg = if ofd {
        FcntlArg::F_OFD_SETLK(&request)
    } else {
        FcntlArg::F_SETLK(&request)
    };
    let _ = fcntl(file.as_fd(), arg);
}

pub struct FcntlLock {
    path: PathBuf,
    file: Option<File>,
}

impl FcntlLock {
    pub fn new(path: PathBuf) -> std::io::Result<FcntlLock> {
        File::create(&path)?;
        Ok(FcntlLock { path, file: None })
    }

    /// The open lock file (after `attach`).
    pub fn file(&self) -> Option<&File> {
        self.file.as_ref()
    }
}

/// Opens `path` for writing (a write lock needs a writable descriptor).
pub(crate) fn open_rw(path: &PathBuf) -> std::io::Result<File> {
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
}

impl ProcessLock for FcntlLock {
    fn name(&self) -> &'static str {
        "fcntl"
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
        if poll_until(within, || try_record_lock(file, false))? {
            Ok(Acquired::Clean)
        } else {
            Err(LockError::Stuck { holder: None })
        }
    }

    fn release(&mut self) {
        if let Some(file) = &self.file {
            record_unlock(file, false);
        }
    }
}
