//! Stream sockets: a Unix domain socket in the run's private directory,
//! and TCP on 127.0.0.1 at a port the kernel picks. Each worker connects,
//! writes one record and closes; the parent accepts one connection per
//! worker and reads exactly one record from each. A stream has no message
//! boundaries: reading "one recv = one message" is a bug
//! (docs/scenarios.md "Pitfalls").
//!
//! Each listener takes connections only from its own workers; any other
//! is closed unread, and the listener goes on listening:
//! - Unix: the peer's pid (`SO_PEERCRED`, from the kernel) must be one of
//!   the workers'. (The socket's directory is 0700 besides.)
//! - TCP: any local user may connect to a loopback port, and TCP carries
//!   no credentials. So the parent binds one socket per worker to
//!   127.0.0.1 before the fork and keeps it open; worker `i` connects from
//!   socket `i`, and a connection counts only when it comes from the
//!   address of socket `i` and carries worker `i`'s record. Nobody else can
//!   bind those ports while the run holds them (no `SO_REUSEADDR`).

use super::{Mailbox, Partial};
use crate::os::arena::Arena;
use nix::sys::socket::{
    AddressFamily, SockFlag, SockType, SockaddrIn, bind, connect, getsockname, getsockopt, socket,
    sockopt,
};
use nix::unistd::Pid;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, SocketAddrV4, TcpListener, TcpStream};
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// What a stream mailbox needs from its listener.
trait Listen {
    type Stream: Read;
    fn accept_one(&self) -> io::Result<Self::Stream>;
    fn set_nonblocking(&self, on: bool) -> io::Result<()>;
}

impl Listen for UnixListener {
    type Stream = UnixStream;
    fn accept_one(&self) -> io::Result<UnixStream> {
        self.accept().map(|(s, _)| s)
    }
    fn set_nonblocking(&self, on: bool) -> io::Result<()> {
        UnixListener::set_nonblocking(self, on)
    }
}

impl Listen for TcpListener {
    type Stream = TcpStream;
    fn accept_one(&self) -> io::Result<TcpStream> {
        self.accept().map(|(s, _)| s)
    }
    fn set_nonblocking(&self, on: bool) -> io::Result<()> {
        TcpListener::set_nonblocking(self, on)
    }
}

/// Accepts `workers` connections that `admit` lets in and reads one
/// record from each; `admit` may also refuse the record it read. Anything
/// refused is closed and the listening goes on.
fn accept_records<L: Listen>(
    listener: &L,
    workers: usize,
    deadline: Instant,
    mut admit: impl FnMut(&L::Stream, Option<&Partial>) -> bool,
) -> io::Result<Vec<Partial>>
where
    L::Stream: Timeouts,
{
    listener.set_nonblocking(true)?;
    let mut partials = Vec::with_capacity(workers);
    while partials.len() < workers {
        match listener.accept_one() {
            Ok(stream) if !admit(&stream, None) => {
                drop(stream);
                // A stranger connecting without pause must not keep us
                // past the deadline.
                if Instant::now() >= deadline {
                    return Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        "only strangers connected before the deadline",
                    ));
                }
            }
            Ok(mut stream) => {
                let left = deadline
                    .saturating_duration_since(Instant::now())
                    .max(Duration::from_millis(1));
                stream.blocking_with_timeout(left)?;
                let mut record = [0; Partial::SIZE];
                stream.read_exact(&mut record)?;
                let partial = Partial::decode(&record);
                if admit(&stream, Some(&partial)) {
                    partials.push(partial);
                }
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                if Instant::now() >= deadline {
                    return Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        "a worker never connected",
                    ));
                }
                std::thread::sleep(Duration::from_micros(200));
            }
            Err(e) => return Err(e),
        }
    }
    Ok(partials)
}

/// An accepted stream, made blocking with a read timeout.
trait Timeouts {
    fn blocking_with_timeout(&mut self, timeout: Duration) -> io::Result<()>;
}

impl Timeouts for UnixStream {
    fn blocking_with_timeout(&mut self, timeout: Duration) -> io::Result<()> {
        self.set_nonblocking(false)?;
        self.set_read_timeout(Some(timeout))
    }
}

impl Timeouts for TcpStream {
    fn blocking_with_timeout(&mut self, timeout: Duration) -> io::Result<()> {
        self.set_nonblocking(false)?;
        self.set_read_timeout(Some(timeout))
    }
}

pub struct UnixMailbox {
    path: PathBuf,
    listener: UnixListener,
}

impl Mailbox for UnixMailbox {
    fn open(arena: &Arena, _: usize) -> io::Result<Self> {
        let path = arena.file("pi.sock");
        let listener = UnixListener::bind(&path)?;
        Ok(UnixMailbox { path, listener })
    }

    fn send(&self, partial: Partial) -> io::Result<()> {
        UnixStream::connect(&self.path)?.write_all(&partial.encode())
    }

    fn collect(
        &mut self,
        workers: usize,
        from: &[Pid],
        deadline: Instant,
    ) -> io::Result<Vec<Partial>> {
        accept_records(&self.listener, workers, deadline, |stream, _| {
            getsockopt(stream, sockopt::PeerCredentials)
                .is_ok_and(|peer| from.contains(&Pid::from_raw(peer.pid())))
        })
    }
}

pub struct TcpMailbox {
    listener: TcpListener,
    /// Worker `i`'s socket, bound before the fork, and its address.
    sockets: Vec<(OwnedFd, SocketAddr)>,
}

impl Mailbox for TcpMailbox {
    fn open(_: &Arena, workers: usize) -> io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", 0))?;
        let sockets = (0..workers)
            .map(|_| {
                let fd = socket(
                    AddressFamily::Inet,
                    SockType::Stream,
                    SockFlag::SOCK_CLOEXEC,
                    None,
                )?;
                bind(fd.as_raw_fd(), &SockaddrIn::new(127, 0, 0, 1, 0))?;
                let bound: SockaddrIn = getsockname(fd.as_raw_fd())?;
                let addr = SocketAddr::V4(SocketAddrV4::new(bound.ip(), bound.port()));
                Ok((fd, addr))
            })
            .collect::<io::Result<_>>()?;
        Ok(TcpMailbox { listener, sockets })
    }

    fn send(&self, partial: Partial) -> io::Result<()> {
        let (fd, _) = self
            .sockets
            .get(partial.worker as usize)
            .ok_or_else(|| io::Error::other(format!("no socket for worker {}", partial.worker)))?;
        let SocketAddr::V4(to) = self.listener.local_addr()? else {
            return Err(io::Error::other("the listener is not on IPv4"));
        };
        connect(fd.as_raw_fd(), &SockaddrIn::from(to))?;
        TcpStream::from(fd.try_clone()?).write_all(&partial.encode())
    }

    fn collect(
        &mut self,
        workers: usize,
        _: &[Pid],
        deadline: Instant,
    ) -> io::Result<Vec<Partial>> {
        let sockets = &self.sockets;
        accept_records(&self.listener, workers, deadline, |stream, partial| {
            let Ok(peer) = stream.peer_addr() else {
                return false;
            };
            let Some(i) = sockets.iter().position(|(_, addr)| *addr == peer) else {
                return false;
            };
            partial.is_none_or(|p| p.worker as usize == i)
        })
    }
}
