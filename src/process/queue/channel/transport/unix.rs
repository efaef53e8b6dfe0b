//! Unix socket pairs (`socketpair`), inherited across fork.
//!
//! - [`UnixStream`] (`SOCK_STREAM`): a byte stream with no boundaries. A
//!   write may go out in pieces, and one read may return part of a message
//!   or several: so each frame is a `u32` length then the payload, a write
//!   lock keeps a frame whole while its writer finishes it (partial writes
//!   included), and a read lock keeps one reader on one frame. This is
//!   Python's `multiprocessing.Queue`: a pipe plus `_rlock` and `_wlock`.
//! - [`Seqpacket`] (`SOCK_SEQPACKET`): the kernel keeps message boundaries
//!   and each `send` and `recv` is atomic, so one send is one message, read
//!   by exactly one reader: no lock and no length prefix are needed.

use super::{Ends, Transport, socket_send, socket_send_buffer};
use crate::os::arena::Arena;
use crate::process::queue::channel::Framing;
use nix::sys::socket::{AddressFamily, SockFlag, SockType, socketpair};
use std::io;
use std::os::fd::OwnedFd;

/// A `SOCK_STREAM` Unix socket pair.
pub struct UnixStream;

/// A `SOCK_SEQPACKET` Unix socket pair.
pub struct Seqpacket;

fn pair(kind: SockType) -> io::Result<Ends> {
    let flags = SockFlag::SOCK_NONBLOCK | SockFlag::SOCK_CLOEXEC;
    let (read, write) = socketpair(AddressFamily::Unix, kind, None, flags)?;
    Ok(Ends { read, write })
}

impl Transport for UnixStream {
    fn open(_: &Arena, _: &str, _: &dyn Framing) -> io::Result<(UnixStream, Ends)> {
        Ok((UnixStream, pair(SockType::Stream)?))
    }

    fn write_some(&self, fd: &OwnedFd, bytes: &[u8]) -> nix::Result<usize> {
        socket_send(fd, bytes)
    }

    fn send_buffer(&self, write_end: &OwnedFd) -> io::Result<usize> {
        socket_send_buffer(write_end)
    }
}

impl Transport for Seqpacket {
    fn open(_: &Arena, _: &str, _: &dyn Framing) -> io::Result<(Seqpacket, Ends)> {
        Ok((Seqpacket, pair(SockType::SeqPacket)?))
    }

    fn write_some(&self, fd: &OwnedFd, bytes: &[u8]) -> nix::Result<usize> {
        socket_send(fd, bytes)
    }

    fn send_buffer(&self, write_end: &OwnedFd) -> io::Result<usize> {
        socket_send_buffer(write_end)
    }
}
