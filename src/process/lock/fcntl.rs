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

use super::{Acquired, LockError, ProcessLock, acquire_by_polling};
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
fn try_record_lock(file: &File, ofd: bool) -> Result<bool, LockError> {
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

fn record_unlock(file: &File, ofd: bool) {
    let request = whole_file(libc::F_UNLCK);
    let arg = if ofd {
        FcntlArg::F_OFD_SETLK(&request)
    } else {
        FcntlArg::F_SETLK(&request)
    };
    let _ = fcntl(file.as_fd(), arg);
}

/// Whose lock it is: the (process, file) pair's, or the open file
/// description's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordKind {
    /// `F_SETLK`: dropped when the process closes any descriptor of the file.
    Classic,
    /// `F_OFD_SETLK`: held by the open file description (see `ofd.rs`).
    Ofd,
}

/// A whole-file write lock through `fcntl`, of either kind. Each worker
/// opens its own descriptor after the fork (`attach`).
pub struct RecordLock {
    path: PathBuf,
    file: Option<File>,
    kind: RecordKind,
}

impl RecordLock {
    /// The classic record lock (this file's strategy).
    pub fn classic(path: PathBuf) -> std::io::Result<RecordLock> {
        Self::new(path, RecordKind::Classic)
    }

    pub(crate) fn new(path: PathBuf, kind: RecordKind) -> std::io::Result<RecordLock> {
        File::create(&path)?;
        Ok(RecordLock {
            path,
            file: None,
            kind,
        })
    }

    /// The open lock file (after `attach`).
    pub fn file(&self) -> Option<&File> {
        self.file.as_ref()
    }

    fn is_ofd(&self) -> bool {
        self.kind == RecordKind::Ofd
    }
}

/// Opens `path` for writing (a write lock needs a writable descriptor).
pub(crate) fn open_rw(path: &PathBuf) -> std::io::Result<File> {
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
}

impl ProcessLock for RecordLock {
    fn name(&self) -> &'static str {
        match self.kind {
            RecordKind::Classic => "fcntl",
            RecordKind::Ofd => "ofd",
        }
    }

    fn attach(&mut self) -> std::io::Result<()> {
        self.file = Some(open_rw(&self.path)?);
        Ok(())
    }

    fn acquire(&mut self, within: Duration) -> Result<Acquired, LockError> {
        let ofd = self.is_ofd();
        let file = self
            .file
            .as_ref()
            .ok_or(LockError::Os("not attached".into()))?;
        acquire_by_polling(within, || try_record_lock(file, ofd))
    }

    fn release(&mut self) {
        if let Some(file) = &self.file {
            record_unlock(file, self.is_ofd());
        }
    }
}
