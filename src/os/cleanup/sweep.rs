//! The sweep: what runs killed with SIGKILL left behind, removed.
//!
//! An entry is swept only when all of these hold:
//! - its name is `racelab-<pid>-...` (a queue: `/racelab-<pid>-...`);
//! - it belongs to the user running the sweep;
//! - process `<pid>` no longer exists (`kill(pid, 0)` fails with ESRCH).
//!
//! A live run's files are never touched (its pid exists), nor another
//! user's. A pid reused by an unrelated process keeps its dead run's files
//! until that process ends too: the sweep errs on the side of leaving.
//! (A run in another pid namespace sharing this /dev/shm would look dead:
//! racelab does not share /dev/shm across namespaces.)
//!
//! Queue names are unlinked right after they are made, so a queue is left
//! only when its run was killed in that instant. Its name is then written
//! in the run's directory (`mq_name::MARKER`), which the sweep reads
//! before removing the directory; where /dev/mqueue is mounted, the sweep
//! also looks there.

use super::{arena_bases, remove_at};
use crate::os::arena::PREFIX;
use crate::os::mq_name;
use nix::errno::Errno;
use nix::sys::signal::kill;
use nix::unistd::Pid;
use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// Where the kernel lists message queues, if it is mounted.
const MQUEUE_FS: &str = "/dev/mqueue";

/// One thing the sweep removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Swept {
    /// A run's directory (or a stray file named like one).
    Path {
        /// Where it was.
        path: PathBuf,
        /// The pid in its name: the run that made it, now gone.
        owner: u32,
    },
    /// A POSIX message queue.
    Queue {
        /// Its name, as `mq_unlink` takes it (`/racelab-<pid>-...`).
        name: String,
        /// The pid in its name: the run that made it, now gone.
        owner: u32,
    },
}

impl std::fmt::Display for Swept {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Swept::Path { path, owner } => {
                write!(
                    f,
                    "removed {} (its run, pid {owner}, is gone)",
                    path.display()
                )
            }
            Swept::Queue { name, owner } => {
                write!(
                    f,
                    "removed message queue {name} (its run, pid {owner}, is gone)"
                )
            }
        }
    }
}

/// The owner pid in `racelab-<pid>-...`.
pub fn owner(name: &str) -> Option<u32> {
    let rest = name.strip_prefix(PREFIX)?;
    let (pid, _) = rest.split_once('-')?;
    pid.parse().ok().filter(|&p| p > 0)
}

/// Whether process `pid` exists (EPERM: it does, as another user's).
pub fn alive(pid: u32) -> bool {
    let Ok(pid) = i32::try_from(pid) else {
        return false;
    };
    !matches!(kill(Pid::from_raw(pid), None), Err(Errno::ESRCH))
}

/// Removes what dead runs of this user left; returns what it removed.
pub fn sweep() -> Vec<Swept> {
    let mut swept = Vec::new();
    for base in arena_bases() {
        sweep_dir(&base, &mut swept);
    }
    sweep_queue_fs(&mut swept);
    swept
}

/// The sweep every process run does before it makes its first arena: what
/// it removed goes to stderr, one line each; nothing when nothing was left.
pub fn sweep_quietly() {
    for s in sweep() {
        eprintln!("racelab: {s}");
    }
}

/// Entries of `dir` named `racelab-<pid>-...` of a dead `pid` owned by us.
fn dead_entries(dir: &Path) -> Vec<(std::ffi::OsString, u32)> {
    // SAFETY: geteuid only reads this process's credentials.
    let me = unsafe { libc::geteuid() };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let pid = owner(e.file_name().to_str()?)?;
            let mine = e.metadata().is_ok_and(|m| m.uid() == me);
            (mine && !alive(pid)).then(|| (e.file_name(), pid))
        })
        .collect()
}

fn sweep_dir(base: &Path, swept: &mut Vec<Swept>) {
    let dead = dead_entries(base);
    if dead.is_empty() {
        return;
    }
    let Ok(dir) = std::fs::File::open(base) else {
        return;
    };
    for (name, pid) in dead {
        let path = base.join(&name);
        unlink_listed_queues(&path, pid, swept);
        let Ok(c_name) = CString::new(name.as_bytes()) else {
            continue;
        };
        use std::os::fd::AsRawFd;
        if remove_at(dir.as_raw_fd(), &c_name) {
            swept.push(Swept::Path { path, owner: pid });
        }
    }
}

/// Unlinks the queues a dead run's directory lists (names of that run
/// only: `/racelab-<pid>-...`).
fn unlink_listed_queues(run: &Path, pid: u32, swept: &mut Vec<Swept>) {
    let Ok(listed) = std::fs::read_to_string(run.join(mq_name::MARKER)) else {
        return;
    };
    for name in listed.lines() {
        let owned = name
            .strip_prefix('/')
            .and_then(owner)
            .is_some_and(|o| o == pid);
        if owned && mq_name::unlink(name) {
            swept.push(Swept::Queue {
                name: name.to_string(),
                owner: pid,
            });
        }
    }
}

fn sweep_queue_fs(swept: &mut Vec<Swept>) {
    for (name, pid) in dead_entries(Path::new(MQUEUE_FS)) {
        let name = format!("/{}", name.to_string_lossy());
        if mq_name::unlink(&name) {
            swept.push(Swept::Queue { name, owner: pid });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_owner_is_the_pid_after_the_prefix() {
        assert_eq!(owner("racelab-123-0-abc"), Some(123));
        assert_eq!(owner("racelab-123-00ab"), Some(123));
        assert_eq!(owner("racelab--1-x"), None);
        assert_eq!(owner("racelab-0-x"), None);
        assert_eq!(owner("racelab-12x-0"), None);
        assert_eq!(owner("other-123-0"), None);
        assert_eq!(owner("racelab-123"), None);
    }

    #[test]
    fn this_process_is_alive_and_an_unused_pid_is_not() {
        assert!(alive(std::process::id()));
        // Above /proc/sys/kernel/pid_max's largest possible value (2^22).
        assert!(!alive(5_000_000));
    }
}
