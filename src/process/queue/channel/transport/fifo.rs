//! A named pipe (fifo) in the run's private arena, never at a fixed /tmp
//! path: a pipe in every other way (see `pipe`), opened by path.
//!
//! End-of-file needs every write end closed. The parent keeps a write end
//! from before the fork, so a consumer that opens the path before any
//! producer did never reads a premature end-of-file; each worker opens the
//! path itself after the fork: consumers `O_RDONLY | O_NONBLOCK`,
//! producers `O_WRONLY` once a reader exists, which the parent's read end
//! guarantees.

use super::{Ends, Transport, pipe};
use crate::os::arena::Arena;
use crate::os::poll::poll_until;
use crate::process::queue::channel::Framing;
use crate::process::queue::{FOREVER, Role};
use nix::errno::Errno;
use nix::fcntl::{OFlag, open};
use nix::sys::stat::Mode;
use std::io;
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};

/// A named pipe at `path`.
pub struct Fifo {
    path: PathBuf,
}

fn nonblocking() -> OFlag {
    OFlag::O_NONBLOCK | OFlag::O_CLOEXEC
}

impl Transport for Fifo {
    fn open(arena: &Arena, name: &str, framing: &dyn Framing) -> io::Result<(Fifo, Ends)> {
        let path = arena.file(&format!("{name}.fifo"));
        nix::unistd::mkfifo(&path, Mode::S_IRUSR | Mode::S_IWUSR)?;
        // The read end first: opening the write end without blocking
        // needs a reader.
        let read = open(&path, OFlag::O_RDONLY | nonblocking(), Mode::empty())?;
        let write = open(&path, OFlag::O_WRONLY | nonblocking(), Mode::empty())?;
        pipe::size_for(&write, framing)?;
        Ok((Fifo { path }, Ends { read, write }))
    }

    /// A fifo worker opens the path itself.
    fn enter(&self, role: Role, read: &mut Option<OwnedFd>, write: &mut Option<OwnedFd>) {
        let path = &self.path;
        match role {
            Role::Consumer => {
                // Or this consumer would never see end-of-file.
                *write = None;
                *read = open(path, OFlag::O_RDONLY | nonblocking(), Mode::empty()).ok();
            }
            Role::Producer => {
                *read = None;
                *write = None;
                // A reader exists (the parent's read end); ENXIO would
                // mean none does yet: retry, bounded.
                let mut opened = None;
                poll_until(FOREVER, || {
                    match open(path, OFlag::O_WRONLY | nonblocking(), Mode::empty()) {
                        Ok(fd) => opened = Some(fd),
                        Err(Errno::ENXIO | Errno::EINTR) => return false,
                        Err(_) => {}
                    }
                    true
                });
                *write = opened;
            }
        }
    }

    fn write_some(&self, fd: &OwnedFd, bytes: &[u8]) -> nix::Result<usize> {
        nix::unistd::write(fd, bytes)
    }

    fn send_buffer(&self, write_end: &OwnedFd) -> io::Result<usize> {
        pipe::size(write_end)
    }

    fn budget(&self, write_end: &OwnedFd, framing: &dyn Framing) -> io::Result<usize> {
        pipe::budget(write_end, framing)
    }

    fn path(&self) -> Option<&Path> {
        Some(&self.path)
    }
}
