//! How the bytes of a [`Channel`](super::Channel) travel: one kernel
//! object with a read end and a write end, made by the parent before the
//! fork and inherited by every worker.
//!
//! 1. [`Pipe`] - an anonymous pipe (`pipe2`), parent and children only.
//! 2. [`Fifo`] - a named pipe in the run's private arena, opened by path.
//! 3. [`UnixStream`] - a `SOCK_STREAM` Unix socket pair: a byte stream.
//! 4. [`Seqpacket`] - a `SOCK_SEQPACKET` Unix socket pair: messages.
//! 5. [`Tcp`] - one TCP connection on 127.0.0.1.
//!
//! Every end is non-blocking and close-on-exec; each waits with `poll`.
//! What a transport guarantees decides the framing and the locks a queue
//! over it needs: each file says what its transport guarantees.

mod fifo;
mod pipe;
mod tcp;
mod unix;

pub use fifo::Fifo;
pub use pipe::{PIPE_BUF, Pipe};
pub use tcp::{TCP_BUDGET, Tcp};
pub use unix::{Seqpacket, UnixStream};

use super::Framing;
use super::Role;
use crate::os::arena::Arena;
use nix::sys::socket::{MsgFlags, sockopt};
use std::io;
use std::os::fd::{AsRawFd, OwnedFd};
use std::path::Path;

/// The two ends of a transport as the parent opened them.
pub struct Ends {
    /// The end the consumers read from.
    pub read: OwnedFd,
    /// The end the producers write to.
    pub write: OwnedFd,
}

/// A kernel transport for a channel.
pub trait Transport: Send + Sync + 'static {
    /// Opens both ends (in the parent, before any fork); `name` names its
    /// files in `arena`; a pipe sizes itself for `framing`'s records.
    fn open(arena: &Arena, name: &str, framing: &dyn Framing) -> io::Result<(Self, Ends)>
    where
        Self: Sized;

    /// In a worker right after the fork: keeps only the end `role` uses.
    /// Or a consumer would never see end-of-file: that needs every write
    /// end closed, its own inherited copy included.
    fn enter(&self, role: Role, read: &mut Option<OwnedFd>, write: &mut Option<OwnedFd>) {
        match role {
            Role::Consumer => *write = None,
            Role::Producer => *read = None,
        }
    }

    /// One write of what it takes of `bytes` (`EAGAIN`: no room now).
    fn write_some(&self, fd: &OwnedFd, bytes: &[u8]) -> nix::Result<usize>;

    /// The kernel's send buffer of `write_end`, in bytes.
    fn send_buffer(&self, write_end: &OwnedFd) -> io::Result<usize>;

    /// The most bytes the channel lets be in flight (0: what the kernel
    /// takes): see `room`.
    fn budget(&self, _write_end: &OwnedFd, _framing: &dyn Framing) -> io::Result<usize> {
        Ok(0)
    }

    /// Where it lives in the arena, for a transport opened by path.
    fn path(&self) -> Option<&Path> {
        None
    }
}

/// A socket's write: no SIGPIPE if the readers are gone, `EPIPE` instead.
fn socket_send(fd: &OwnedFd, bytes: &[u8]) -> nix::Result<usize> {
    nix::sys::socket::send(fd.as_raw_fd(), bytes, MsgFlags::MSG_NOSIGNAL)
}

/// A socket's send buffer (`SO_SNDBUF`).
fn socket_send_buffer(fd: &OwnedFd) -> io::Result<usize> {
    Ok(nix::sys::socket::getsockopt(fd, sockopt::SndBuf)?)
}
