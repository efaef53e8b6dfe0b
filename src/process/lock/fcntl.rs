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
//!
//! [`RecordLock`] is the code both record locks share; the open file
//! description's kind is in `ofd.rs`.

use super::{Acquired, LockError, ProcessLock, acquire_by_polling};
use crate::process::strategy::{Expected, Facts, KillOutcome, ProcessLockImpl, Site};
use nix::errno::Errno;
use nix::fcntl::{FcntlArg, fcntl};
use std::fs::File;
use std::marker::PhantomData;
use std::os::fd::AsFd;
use std::path::PathBuf;
use std::time::Duration;

/// A whole-file record lock request (`l_len` 0: to the end of the file).
fn whole_file(kind: libc::c_int) -> libc::flock {
    libc::flock {
        l_type: kind as libc::c_short,
        l_whence: libc::SEEK_SET as libc::c_short,
        l_start: 0,
        l_len: 0,
        l_pid: 0,
    }
}

/// Whose lock it is: the (process, file) pair's ([`Classic`]), or the open
/// file description's ([`Ofd`](super::Ofd)). The code is the same; the
/// fcntl command differs, and with it whom the kernel thinks holds it.
pub trait RecordKind {
    /// The fcntl command that sets (or clears) `request`.
    fn set(request: &libc::flock) -> FcntlArg<'_>;
}

/// `F_SETLK`: held by the (process, file) pair, dropped when the process
/// closes any descriptor of the file.
pub struct Classic;

impl RecordKind for Classic {
    fn set(request: &libc::flock) -> FcntlArg<'_> {
        FcntlArg::F_SETLK(request)
    }
}

/// A whole-file write lock through `fcntl`, of kind `K`. Each worker
/// opens its own descriptor after the fork (`attach`).
pub struct RecordLock<K: RecordKind> {
    path: PathBuf,
    file: Option<File>,
    kind: PhantomData<K>,
}

impl RecordLock<Classic> {
    /// The classic record lock (this file's strategy).
    pub fn classic(path: PathBuf) -> std::io::Result<RecordLock<Classic>> {
        Self::new(path)
    }
}

impl<K: RecordKind> RecordLock<K> {
    pub(crate) fn new(path: PathBuf) -> std::io::Result<RecordLock<K>> {
        File::create(&path)?;
        Ok(RecordLock {
            path,
            file: None,
            kind: PhantomData,
        })
    }

    /// The open lock file (after `attach`).
    pub fn file(&self) -> Option<&File> {
        self.file.as_ref()
    }
}

/// One non-blocking attempt: Ok(true) locked, Ok(false) busy.
fn try_record_lock<K: RecordKind>(file: &File) -> Result<bool, LockError> {
    match fcntl(file.as_fd(), K::set(&whole_file(libc::F_WRLCK))) {
        Ok(_) => Ok(true),
        Err(Errno::EAGAIN | Errno::EACCES) => Ok(false),
        Err(e) => Err(LockError::Os(e.to_string())),
    }
}

/// Opens `path` for writing (a write lock needs a writable descriptor).
fn open_rw(path: &PathBuf) -> std::io::Result<File> {
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
}

impl Facts for RecordLock<Classic> {
    const NAME: &'static str = "fcntl";
    const SUMMARY: &'static str = "classic fcntl record lock (F_SETLK)";
}

impl Expected for RecordLock<Classic> {
    const CORRECT: bool = true;
    const KILL_OUTCOME: KillOutcome = KillOutcome::Released;
}

impl ProcessLockImpl for RecordLock<Classic> {
    fn create<'a>(site: &Site<'a>) -> std::io::Result<Box<dyn ProcessLock + 'a>> {
        Ok(Box::new(RecordLock::classic(site.lock_file())?))
    }
}

impl<K: RecordKind> ProcessLock for RecordLock<K> {
    fn attach(&mut self) -> std::io::Result<()> {
        self.file = Some(open_rw(&self.path)?);
        Ok(())
    }

    fn acquire(&mut self, within: Duration) -> Result<Acquired, LockError> {
        let file = self
            .file
            .as_ref()
            .ok_or(LockError::Os("not attached".into()))?;
        acquire_by_polling(within, || try_record_lock::<K>(file))
    }

    fn release(&mut self) {
        if let Some(file) = &self.file {
            let _ = fcntl(file.as_fd(), K::set(&whole_file(libc::F_UNLCK)));
        }
    }
}
