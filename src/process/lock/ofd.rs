//! An open-file-description record lock, `fcntl(F_OFD_SETLK)` (Linux).
//! **Correct**: like flock, the lock belongs to the open file description,
//! and each worker opens its own after the fork; unlike the classic record
//! lock, closing another descriptor of the file does not drop it.
//!
//! Kill -9: the dead worker's description is closed and the lock released
//! (`KillOutcome::Released`).

use super::fcntl::{RecordKind, RecordLock};
use std::path::PathBuf;

impl RecordLock {
    /// The open-file-description record lock (this file's strategy). Same
    /// code as the classic lock but for the fcntl command: the difference
    /// is all in whom the kernel thinks holds it.
    pub fn ofd(path: PathBuf) -> std::io::Result<RecordLock> {
        RecordLock::new(path, RecordKind::Ofd)
    }
}
