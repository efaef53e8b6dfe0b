//! Stream sockets: a Unix domain socket in the run's private directory,
//! and TCP on 127.0.0.1 at a port the kernel picks. Each worker connects,
//! writes one record and closes; the parent accepts one connection per
//! worker and reads exactly one record from each. A stream has no message
//! boundaries: reading "one recv = one message" is the lessons' bug.

use super::{Mailbox, Partial};
use crate::process::arena::Arena;
use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
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

/// Accepts `workers` connections and reads one record from each.
fn accept_records<L: Listen>(
    listener: &L,
    workers: usize,
    deadline: Instant,
) -> io::Result<Vec<Partial>>
where
    L::Stream: Timeouts,
{
    listener.set_nonblocking(true)?;
    let mut partials = Vec::with_capacity(workers);
    while partials.len() < workers {
        match listener.accept_one() {
            Ok(mut stream) => {
                let left = deadline
                    .saturating_duration_since(Instant::now())
                    .max(Duration::from_millis(1));
                stream.blocking_with_timeout(left)?;
                let mut record = [0; Partial::SIZE];
                stream.read_exact(&mut record)?;
                partials.push(Partial::decode(&record));
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

pub struct Unix {
    path: PathBuf,
    listener: UnixListener,
}

impl Mailbox for Unix {
    fn open(arena: &Arena, _: usize) -> io::Result<Self> {
        let path = arena.file("pi.sock");
        let listener = UnixListener::bind(&path)?;
        Ok(Unix { path, listener })
    }

    fn send(&self, partial: Partial) -> io::Result<()> {
        UnixStream::connect(&self.path)?.write_all(&partial.encode())
    }

    fn collect(&mut self, workers: usize, deadline: Instant) -> io::Result<Vec<Partial>> {
        accept_records(&self.listener, workers, deadline)
    }
}

pub struct Tcp {
    listener: TcpListener,
}

impl Mailbox for Tcp {
    fn open(_: &Arena, _: usize) -> io::Result<Self> {
        Ok(Tcp {
            listener: TcpListener::bind(("127.0.0.1", 0))?,
        })
    }

    fn send(&self, partial: Partial) -> io::Result<()> {
        TcpStream::connect(self.listener.local_addr()?)?.write_all(&partial.encode())
    }

    fn collect(&mut self, workers: usize, deadline: Instant) -> io::Result<Vec<Partial>> {
        accept_records(&self.listener, workers, deadline)
    }
}
