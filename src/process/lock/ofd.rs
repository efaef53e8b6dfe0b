//! An open-file-description record lock, `fcntl(F_OFD_SETLK)` (Linux).
//! **Correct**: like flock, the lock belongs to the open file description,
//! and each worker opens its own after the fork; unlike the classic record
//! lock, closing another descriptor of the file does not drop it.
//!
//! Kill -9: the dead worker's description is closed and the lock released
//! (`KillOutcome::Released`).

use super::ProcessLock;
use super::fcntl::{RecordKind, RecordLock};
use crate::process::strategy::{Expected, Facts, KillOutcome, ProcessLockImpl, Site};
use nix::fcntl::FcntlArg;
use std::path::PathBuf;

/// `F_OFD_SETLK`: held by the open file description. Same code as the
/// classic lock but for the fcntl command: the difference is all in whom
/// the kernel thinks holds it.
pub struct Ofd;

impl RecordKind for Ofd {
    fn set(request: &libc::flock) -> FcntlArg<'_> {
        FcntlArg::F_OFD_SETLK(request)
    }
}

impl RecordLock<Ofd> {
    /// The open-file-description record lock (this file's strategy).
    pub fn ofd(path: PathBuf) -> std::io::Result<RecordLock<Ofd>> {
        RecordLock::new(path)
    }
}

impl Facts for RecordLock<Ofd> {
    const NAME: &'static str = "ofd";
    const SUMMARY: &'static str = "open-file-description record lock (F_OFD_SETLK)";
}

impl Expected for RecordLock<Ofd> {
    const CORRECT: bool = true;
    const KILL_OUTCOME: KillOutcome = KillOutcome::Released;
}

impl ProcessLockImpl for RecordLock<Ofd> {
    fn create<'a>(site: &Site<'a>) -> std::io::Result<Box<dyn ProcessLock + 'a>> {
        Ok(Box::new(RecordLock::ofd(site.lock_file())?))
    }
}
