//! One TCP connection on 127.0.0.1: a byte stream framed and locked as the
//! Unix stream is (a `u32` length prefix, a read lock and a write lock).
//!
//! A TCP reader's read does not reopen the writer's window by one frame, so
//! the kernel's bound is no queue's bound: the channel keeps its own, at
//! most [`TCP_BUDGET`] bytes in flight.

use super::{Ends, Transport, socket_send, socket_send_buffer};
use crate::os::arena::Arena;
use crate::process::queue::channel::Framing;
use std::io;
use std::net::{TcpListener, TcpStream};
use std::os::fd::OwnedFd;

/// The most bytes a TCP channel lets be in flight.
pub const TCP_BUDGET: usize = 16 * 1024;

/// One TCP connection on 127.0.0.1: the client end writes, the server end
/// reads.
pub struct Tcp;

impl Transport for Tcp {
    fn open(_: &Arena, _: &str, _: &dyn Framing) -> io::Result<(Tcp, Ends)> {
        let listener = TcpListener::bind(("127.0.0.1", 0))?;
        let client = TcpStream::connect(listener.local_addr()?)?;
        // Any local process may connect to the port first: accept until
        // the peer is our own client (each accept returns a connection
        // already made, so this ends).
        let server = loop {
            let (server, peer) = listener.accept()?;
            if peer == client.local_addr()? {
                break server;
            }
        };
        drop(listener);
        // Small frames go out at once, not after the next ack.
        client.set_nodelay(true)?;
        client.set_nonblocking(true)?;
        server.set_nonblocking(true)?;
        let ends = Ends {
            read: OwnedFd::from(server),
            write: OwnedFd::from(client),
        };
        Ok((Tcp, ends))
    }

    fn write_some(&self, fd: &OwnedFd, bytes: &[u8]) -> nix::Result<usize> {
        socket_send(fd, bytes)
    }

    fn send_buffer(&self, write_end: &OwnedFd) -> io::Result<usize> {
        socket_send_buffer(write_end)
    }

    fn budget(&self, _: &OwnedFd, _: &dyn Framing) -> io::Result<usize> {
        Ok(TCP_BUDGET)
    }
}
