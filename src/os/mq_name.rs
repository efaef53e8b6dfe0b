//! A POSIX message queue's name, private by construction.
//!
//! A predictable name (`/racelab-<pid>-<n>`, as racelab's queues once
//! had) lets another user create it first and deny the run, and a queue
//! left by a killed run makes the next run with the same pid fail with
//! "File exists".
//! Here a name is `/racelab-<pid>-<random>`: 64 bits from the kernel's
//! random source, so nobody can guess it in advance. It is created with
//! `O_EXCL` (an existing name is an error that names the queue, never a
//! queue someone else made), mode 0600, and unlinked as soon as every
//! descriptor the run needs is open: workers inherit descriptors and never
//! open the name, so a run killed with SIGKILL leaves no queue behind.
//!
//! Until it is unlinked, a name is recorded twice: in the signal handler's
//! slots (see `os::cleanup`), and in the run's directory
//! ([`MARKER`]), where the sweep finds it after a SIGKILL in that instant.

use crate::os::arena::Arena;
use crate::os::cleanup::{self, QueueSlot};
use nix::errno::Errno;
use nix::mqueue::{MQ_OFlag, MqAttr, MqdT, mq_open, mq_unlink};
use nix::sys::stat::Mode;
use std::ffi::{CStr, CString};
use std::io::{self, Write};

/// The file in a run's directory that lists its queue names, one a line.
pub const MARKER: &str = "mqueues";

/// A queue name of this run, unlinked when dropped (by its creator only).
pub(crate) struct QueueName {
    name: CString,
    creator: u32,
    _slot: QueueSlot,
}

/// 64 random bits from the kernel (getrandom(2)).
fn random_u64() -> io::Result<u64> {
    let mut bytes = [0u8; 8];
    loop {
        // SAFETY: getrandom writes at most `bytes.len()` bytes into `bytes`.
        let n = unsafe { libc::getrandom(bytes.as_mut_ptr().cast(), bytes.len(), 0) };
        match n {
            8 => return Ok(u64::from_ne_bytes(bytes)),
            -1 if Errno::last() == Errno::EINTR => {}
            -1 => return Err(io::Error::last_os_error()),
            _ => {}
        }
    }
}

impl QueueName {
    /// A fresh name for a queue of this run, recorded in `arena`.
    pub(crate) fn fresh(arena: &Arena) -> io::Result<QueueName> {
        // Zero marks a free slot in the handler's table: never use it.
        let random = loop {
            let r = random_u64()?;
            if r != 0 {
                break r;
            }
        };
        let creator = std::process::id();
        let mut buf = [0u8; 64];
        let len = cleanup::queue_name_into(&mut buf, creator, random);
        let name = CString::new(&buf[..len]).expect("no NUL inside a queue name");
        let slot = cleanup::track_queue(random);
        let mut marker = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(arena.file(MARKER))?;
        writeln!(marker, "{}", name.to_string_lossy())?;
        Ok(QueueName {
            name,
            creator,
            _slot: slot,
        })
    }

    /// A name of the caller's choosing (tests: a name that already exists).
    #[cfg(test)]
    fn given(name: &str) -> QueueName {
        QueueName {
            name: CString::new(name).expect("no NUL"),
            creator: std::process::id(),
            _slot: cleanup::track_queue(0),
        }
    }

    pub(crate) fn as_c_str(&self) -> &CStr {
        &self.name
    }

    /// Creates the queue, exclusively, mode 0600. `flags` says how this
    /// first descriptor opens it (access mode, `O_NONBLOCK`, `O_CLOEXEC`).
    pub(crate) fn create(&self, flags: MQ_OFlag, attr: &MqAttr) -> io::Result<MqdT> {
        mq_open(
            self.name.as_c_str(),
            flags | MQ_OFlag::O_CREAT | MQ_OFlag::O_EXCL,
            Mode::S_IRUSR | Mode::S_IWUSR,
            Some(attr),
        )
        .map_err(|e| match e {
            Errno::EEXIST => io::Error::new(
                io::ErrorKind::AlreadyExists,
                format!(
                    "message queue {} already exists: someone else made it; \
                     racelab never uses a queue it did not create",
                    self.name.to_string_lossy()
                ),
            ),
            e => io::Error::other(format!(
                "message queue {}: {e}",
                self.name.to_string_lossy()
            )),
        })
    }

    /// Another descriptor on the queue this name was created for.
    pub(crate) fn open(&self, flags: MQ_OFlag) -> io::Result<MqdT> {
        Ok(mq_open(self.name.as_c_str(), flags, Mode::empty(), None)?)
    }
}

impl Drop for QueueName {
    fn drop(&mut self) {
        if std::process::id() == self.creator {
            let _ = mq_unlink(self.name.as_c_str());
        }
    }
}

/// Unlinks the queue `name`; whether it existed.
pub(crate) fn unlink(name: &str) -> bool {
    CString::new(name).is_ok_and(|c| mq_unlink(c.as_c_str()).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fresh_name_is_unguessable_and_recorded_in_the_arena() {
        let arena = Arena::new().unwrap();
        let a = QueueName::fresh(&arena).unwrap();
        let b = QueueName::fresh(&arena).unwrap();
        let prefix = format!("/racelab-{}-", std::process::id());
        let (a_s, b_s) = (a.name.to_string_lossy(), b.name.to_string_lossy());
        assert!(a_s.starts_with(&prefix), "{a_s}");
        assert_eq!(a_s.len(), prefix.len() + 16, "{a_s}");
        assert_ne!(a_s, b_s);
        let listed = std::fs::read_to_string(arena.file(MARKER)).unwrap();
        assert_eq!(listed, format!("{a_s}\n{b_s}\n"));
    }

    #[test]
    fn an_existing_name_is_an_error_that_names_the_queue() {
        let arena = Arena::new().unwrap();
        let mine = QueueName::fresh(&arena).unwrap();
        let attr = MqAttr::new(0, 1, 8, 0);
        let _queue = mine.create(MQ_OFlag::O_RDWR, &attr).unwrap();
        // Someone made this name first: the run refuses it.
        let squatter = QueueName::given(&mine.name.to_string_lossy());
        let err = squatter.create(MQ_OFlag::O_RDWR, &attr).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
        assert!(
            err.to_string().contains(&*mine.name.to_string_lossy()),
            "{err}"
        );
    }
}
