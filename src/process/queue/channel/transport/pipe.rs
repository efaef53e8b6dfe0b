//! An anonymous pipe (`pipe2`), inherited across fork: parent and children
//! only.
//!
//! A write of at most [`PIPE_BUF`] bytes to a pipe is atomic, so with many
//! writers an 8-byte record is never torn; and on Linux a read of exactly
//! one record returns one whole record (the pipe only ever holds whole
//! records), so no lock is needed on either side. A larger write is not
//! atomic: when the pipe fills, the writer sleeps and another writer's
//! bytes land in the middle of its record (`pipe_large`, the broken form).
//!
//! A pipe frees a page only once all of it is read, so the channel keeps
//! its own bound on bytes in flight ([`pipe_room`]).

use super::{Ends, Transport};
use crate::os::arena::Arena;
use crate::process::queue::channel::Framing;
use crate::process::queue::channel::room::{page_size, pipe_room};
use nix::fcntl::{FcntlArg, OFlag, fcntl};
use std::io;
use std::os::fd::OwnedFd;

/// Writes of at most this many bytes to a pipe are atomic.
pub const PIPE_BUF: usize = libc::PIPE_BUF;

/// A pipe for small records: 4 pages, so filling it ends fast.
const SMALL_PIPE: usize = 16 * 1024;

/// A pipe for large records, outside a producer/consumer run: room for a
/// few of them whole.
const LARGE_PIPE: usize = 128 * 1024;

/// An anonymous pipe.
pub struct Pipe;

impl Transport for Pipe {
    fn open(_: &Arena, _: &str, framing: &dyn Framing) -> io::Result<(Pipe, Ends)> {
        let (read, write) = nix::unistd::pipe2(OFlag::O_NONBLOCK | OFlag::O_CLOEXEC)?;
        size_for(&write, framing)?;
        Ok((Pipe, Ends { read, write }))
    }

    fn write_some(&self, fd: &OwnedFd, bytes: &[u8]) -> nix::Result<usize> {
        nix::unistd::write(fd, bytes)
    }

    fn send_buffer(&self, write_end: &OwnedFd) -> io::Result<usize> {
        size(write_end)
    }

    fn budget(&self, write_end: &OwnedFd, framing: &dyn Framing) -> io::Result<usize> {
        budget(write_end, framing)
    }
}

/// Sizes the pipe of `write_end` for `framing`'s records.
pub(super) fn size_for(write_end: &OwnedFd, framing: &dyn Framing) -> io::Result<()> {
    let bytes = match framing.record() {
        Some(n) if n > PIPE_BUF => LARGE_PIPE,
        _ => SMALL_PIPE,
    };
    fcntl(write_end, FcntlArg::F_SETPIPE_SZ(bytes as i32))?;
    Ok(())
}

/// The pipe's size in bytes.
pub(super) fn size(write_end: &OwnedFd) -> io::Result<usize> {
    Ok(fcntl(write_end, FcntlArg::F_GETPIPE_SZ)? as usize)
}

/// The bytes of whole records the pipe takes (see [`pipe_room`]); no
/// bound for frames that are no records.
pub(super) fn budget(write_end: &OwnedFd, framing: &dyn Framing) -> io::Result<usize> {
    Ok(match framing.record() {
        Some(n) => pipe_room(size(write_end)?, page_size(), n),
        None => 0,
    })
}
