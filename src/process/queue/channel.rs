//! Kernel transports used as queues: the kernel holds the items, racelab
//! cuts them out of the bytes and adds what the kernel lacks (the
//! [`Ledger`]'s task_done/join and closed flag).
//!
//! One [`Channel`] serves every transport; a [`Recipe`] says how it is
//! opened ([`Transport`]), how frames are cut out of it ([`Framing`]) and
//! which process-shared locks guard it. What each transport guarantees,
//! and so what each recipe needs:
//!
//! - **Pipe** (`pipe2`, parent and children only) and **fifo** (a named
//!   pipe in the run's private [`Arena`], never a fixed /tmp path): a write
//!   of at most `PIPE_BUF` bytes is atomic, so with many writers an 8-byte
//!   record is never torn; and on Linux a read of exactly one record
//!   returns one whole record (the pipe only ever holds whole records), so
//!   no lock is needed on either side. A larger write is not atomic: when
//!   the pipe fills, the writer sleeps and another writer's bytes land in
//!   the middle of its record (the broken [`Framing::Records`] of
//!   [`Via::PipeLarge`]).
//! - **End-of-file needs every write end closed.** A consumer sees
//!   end-of-file only once no process holds a write end any more, its own
//!   copy included: a consumer that keeps the write end it inherited never
//!   sees it and waits forever. So [`Channel::enter`] drops the end a
//!   worker does not use, and `close` drops the closer's write end. The
//!   fifo's parent keeps a write end from before the fork, so a consumer
//!   that opens the path before any producer did never reads a premature
//!   end-of-file; each fifo worker opens the path itself after the fork
//!   (consumers `O_RDONLY | O_NONBLOCK`, producers `O_WRONLY` once a reader
//!   exists, which the parent's read end guarantees).
//! - **Unix stream** socket pair and **TCP** on 127.0.0.1: a byte stream
//!   with no boundaries. A write may go out in pieces, and one read may
//!   return part of a message or several: so each frame is a `u32` length
//!   then the payload, a write lock keeps a frame whole while its writer
//!   finishes it (partial writes included), and a read lock keeps one
//!   reader on one frame. This is Python's `multiprocessing.Queue`: a pipe
//!   plus `_rlock` and `_wlock`. The locks are process-shared POSIX
//!   semaphores in a `MAP_SHARED` mapping, not `flock` on an inherited
//!   descriptor: an inherited flock belongs to one open file description
//!   that every forked sibling shares, so it excludes none of them.
//! - **Unix seqpacket** socket pair: the kernel keeps message boundaries
//!   and each `send` and `recv` is atomic, so one send is one message, read
//!   by exactly one reader: no lock and no length prefix are needed.
//!
//! A semaphore has no owner: a worker killed while it holds a stream's lock
//! leaves it taken, and the next wait for it runs out at its bound.
//!
//! The broken forms (negative controls; each is caught every run):
//! - [`Via::PipeLarge`]: records of
//!   [`LARGE_RECORD`] bytes (item, then [`PADDING`]) from several writers
//!   with no write lock. The reader is right: a read lock and exactly one
//!   record per read. For a producer/consumer run ([`Arm::TearWindow`], as
//!   the tear pitfall does) the pipe is shrunk to one page, so every
//!   record goes in pieces, and the first writer caught mid-record waits
//!   until a second writer has written a piece of its own: the second
//!   record read starts inside a torn one and decodes padding, an item no
//!   producer put.
//! - [`Via::StreamUnframed`]: the Unix stream
//!   with fixed records, no length prefix and no read lock, and a reader
//!   that takes what one read returns as one record, as the lessons' socket
//!   code took one `recv(1024)` for one message. For a run
//!   ([`Arm::SmallSendBuffer`]) the first record goes through a send
//!   buffer smaller than itself, and a reader reads while its writer waits
//!   for room, so it comes out in two reads or more: two messages, the
//!   same item twice.
//!
//! Common semantics. The descriptors are made non-blocking once, in the
//! parent; every wait is `poll` with what is left of the bound, in slices
//! of at most [`CLOSED_CHECK`] for a writer, who looks at the closed flag
//! between slices (so `close` in one process wakes a put blocked in
//! another with `Closed`). A get drains first, then reports closed: at
//! end-of-file, or once the queue is closed with no put under way and no
//! byte unread (a producer still alive holds a write end, so end-of-file
//! alone could wait for it). A frame once started is finished, whatever the
//! bound left (within [`FOREVER`]), or the stream would be torn for
//! everyone. `EINTR` is retried everywhere. A write with no read end left
//! anywhere fails with `EPIPE` rather than killing the writer (sockets send
//! with `MSG_NOSIGNAL`; Rust programs ignore SIGPIPE); the parent never
//! gives up its read end, so in a run that does not happen.
//!
//! Room. The kernel bounds each channel, but not always in a way a queue
//! can use: a pipe frees a page only once all of it is read, and a TCP
//! reader's read does not reopen the writer's window by one frame. So for
//! those the channel keeps its own bound, the bytes in flight (written and
//! not yet read, counted in shared memory): a pipe keeps one page in
//! reserve, which makes every record below the bound fit (a get always
//! makes room for a put), and TCP takes at most [`TCP_BUDGET`] bytes. A
//! frame larger than the bound goes alone, in pieces, as the reader makes
//! room.

use super::ledger::poll_until;
use super::{FOREVER, Ledger, ProcessQueue, QueueError, Role, Via};
use crate::os::arena::Arena;
use crate::os::mapping::Mapped;
use crate::process::lock::realtime_deadline;
use nix::errno::Errno;
use nix::fcntl::{FcntlArg, OFlag, fcntl, open};
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::socket::{AddressFamily, MsgFlags, SockFlag, SockType, setsockopt, sockopt};
use nix::sys::stat::Mode;
use std::cell::UnsafeCell;
use std::io;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{
    AtomicBool, AtomicI64, AtomicU32, AtomicU64, AtomicUsize, Ordering::SeqCst,
};
use std::time::{Duration, Instant};

/// Writes of at most this many bytes to a pipe are atomic.
pub const PIPE_BUF: usize = libc::PIPE_BUF;

/// One item on the wire: a `u64`, little-endian.
pub const RECORD: usize = 8;

/// The broken variants' record: more than twice `PIPE_BUF`, so no pipe
/// write of it is atomic and no small buffer holds it whole.
pub const LARGE_RECORD: usize = 2 * PIPE_BUF + RECORD;

/// What pads a large record after its item: it decodes to no item any
/// producer puts (and not to [`STOP`](super::STOP)).
pub const PADDING: u8 = 0x5A;

/// A blocked writer looks at the closed flag at least this often.
pub const CLOSED_CHECK: Duration = Duration::from_millis(10);

/// The most bytes a TCP channel lets be in flight (see "Room" above).
pub const TCP_BUDGET: usize = 16 * 1024;

/// The largest seqpacket message a channel reads.
pub const PACKET_MAX: usize = 64 * 1024;

/// The largest length-prefixed frame a reader accepts.
pub const FRAME_MAX: usize = 256 * 1024 * 1024;

/// A pipe for small records: 4 pages, so filling it ends fast.
const SMALL_PIPE: usize = 16 * 1024;

/// A pipe for large records, outside a producer/consumer run: room for a
/// few of them whole.
const LARGE_PIPE: usize = 128 * 1024;

/// How long the tear window waits for a second writer.
const WINDOW: Duration = Duration::from_secs(5);

/// How the bytes travel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// An anonymous pipe (`pipe2`), inherited across fork.
    Pipe,
    /// A named pipe in the run's arena, opened by path after the fork.
    Fifo,
    /// A `SOCK_STREAM` Unix socket pair.
    UnixStream,
    /// A `SOCK_SEQPACKET` Unix socket pair.
    Seqpacket,
    /// One TCP connection on 127.0.0.1.
    Tcp,
}

/// How frames are cut out of what the transport carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// Fixed-size records, each read exactly (looping over short reads).
    Records(usize),
    /// A `u32` length (little-endian), then that many bytes.
    LengthPrefixed,
    /// The transport keeps boundaries: one send is one message.
    Packets,
    /// Broken: fixed-size records, but one read is taken as one record,
    /// the lessons' "one `recv` is one message".
    OneReadPerRecord(usize),
}

/// What a producer/consumer run arms before the fork (see
/// [`ProcessQueue::arm_race_window`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arm {
    Nothing,
    /// Shrink the pipe to one page, so every large record is written in
    /// pieces, and hold the first writer caught mid-record until a second
    /// writer has written a piece of its own after it: a torn record in
    /// every run.
    TearWindow,
    /// Shrink the writer's socket send buffer to the minimum, below one
    /// record, for the run's first record, and hold the readers until its
    /// writer is caught mid-record, then the writer until a reader has
    /// taken one read: that read cannot hold the whole record. (Without
    /// the hold, a read that frees room while the writer adds more may
    /// collect the whole record now and then.) Once the record is written
    /// the buffer is restored and the window closed for good, so the
    /// sentinels, which stop the consumers, still fit.
    SmallSendBuffer,
}

/// How one channel is built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recipe {
    pub transport: Transport,
    pub framing: Framing,
    /// One reader at a time reads one whole frame.
    pub read_lock: bool,
    /// One writer at a time writes one whole frame.
    pub write_lock: bool,
    pub arm: Arm,
}

impl Recipe {
    /// The recipe of a kernel-transport queue; `None` for the others.
    pub fn of(via: Via) -> Option<Recipe> {
        let recipe = |transport, framing, locked: bool| Recipe {
            transport,
            framing,
            read_lock: locked,
            write_lock: locked,
            arm: Arm::Nothing,
        };
        Some(match via {
            Via::Pipe => recipe(Transport::Pipe, Framing::Records(RECORD), false),
            Via::Fifo => recipe(Transport::Fifo, Framing::Records(RECORD), false),
            Via::UnixStream => recipe(Transport::UnixStream, Framing::LengthPrefixed, true),
            Via::Seqpacket => recipe(Transport::Seqpacket, Framing::Packets, false),
            Via::Tcp => recipe(Transport::Tcp, Framing::LengthPrefixed, true),
            // The reader is right (a read lock, whole records); the
            // writers are not (records above PIPE_BUF, no write lock).
            Via::PipeLarge => Recipe {
                read_lock: true,
                arm: Arm::TearWindow,
                ..recipe(Transport::Pipe, Framing::Records(LARGE_RECORD), false)
            },
            // The writers are right (a write lock, whole records); the
            // reader takes one read for one record.
            Via::StreamUnframed => Recipe {
                write_lock: true,
                arm: Arm::SmallSendBuffer,
                ..recipe(
                    Transport::UnixStream,
                    Framing::OneReadPerRecord(LARGE_RECORD),
                    false,
                )
            },
            Via::Shm
            | Via::ShmSemaphores
            | Via::Manager
            | Via::MessageQueue
            | Via::Spool
            | Via::ShmUnlocked
            | Via::ShmIf
            | Via::SpoolInPlace => return None,
        })
    }
}

/// Why a send or a receive did not happen.
#[derive(Debug)]
pub enum ChannelError {
    /// No room within the bound.
    Full,
    /// Nothing to read within the bound.
    Empty,
    /// End-of-file (every write end closed), or a send refused because the
    /// queue was closed.
    Closed,
    Os(io::Error),
}

impl From<Errno> for ChannelError {
    fn from(e: Errno) -> Self {
        ChannelError::Os(e.into())
    }
}

impl From<io::Error> for ChannelError {
    fn from(e: io::Error) -> Self {
        ChannelError::Os(e)
    }
}

impl From<ChannelError> for QueueError {
    fn from(e: ChannelError) -> Self {
        match e {
            ChannelError::Full => QueueError::Full,
            ChannelError::Empty => QueueError::Empty,
            ChannelError::Closed => QueueError::Closed,
            ChannelError::Os(e) => QueueError::Os(e.to_string()),
        }
    }
}

fn broken(message: &str) -> ChannelError {
    ChannelError::Os(io::Error::other(message.to_string()))
}

/// What the processes of one channel share besides the kernel object.
#[repr(C)]
struct Shared {
    read_lock: UnsafeCell<libc::sem_t>,
    write_lock: UnsafeCell<libc::sem_t>,
    /// Bytes of frames reserved by writers and not yet taken by readers
    /// (a writer counts before it writes, so it is never below what the
    /// kernel holds).
    in_flight: AtomicI64,
    /// Writers caught mid-record while the race window was open.
    parked: AtomicU32,
    /// Reads taken while the race window was open.
    reads: AtomicU32,
    /// 1 once the race window has closed for good.
    window_closed: AtomicU32,
}

// SAFETY: atomics are Sync; the semaphores are process-shared objects used
// only through libc on their pointers.
unsafe impl Sync for Shared {}

/// A byte channel between processes: one kernel transport, its framing
/// and its locks. Made by the parent before the fork; every worker keeps
/// only the end it uses ([`Channel::enter`]).
pub struct Channel {
    recipe: Recipe,
    read: Mutex<Option<OwnedFd>>,
    write: Mutex<Option<OwnedFd>>,
    /// The fifo's path (inside the arena).
    fifo: Option<PathBuf>,
    shared: Mapped<Shared>,
    /// The most bytes in flight the channel allows (0: what the kernel
    /// takes). Set before the fork, so every process agrees.
    budget: AtomicUsize,
    armed: AtomicBool,
    /// The send buffer before [`Arm::SmallSendBuffer`] shrank it.
    send_buffer_before: AtomicUsize,
}

/// Names the files of the channels made in one process apart.
static NEXT: AtomicU64 = AtomicU64::new(0);

impl Channel {
    /// Opens the transport in `arena` (in the parent, before any fork).
    pub fn open(arena: &Arena, recipe: Recipe) -> io::Result<Channel> {
        let name = format!("channel-{}", NEXT.fetch_add(1, SeqCst));
        let nonblocking = OFlag::O_NONBLOCK | OFlag::O_CLOEXEC;
        let mut fifo = None;
        let (read, write) = match recipe.transport {
            Transport::Pipe => nix::unistd::pipe2(nonblocking)?,
            Transport::Fifo => {
                let path = arena.file(&format!("{name}.fifo"));
                nix::unistd::mkfifo(&path, Mode::S_IRUSR | Mode::S_IWUSR)?;
                // The read end first: opening the write end without
                // blocking needs a reader.
                let read = open(&path, OFlag::O_RDONLY | nonblocking, Mode::empty())?;
                let write = open(&path, OFlag::O_WRONLY | nonblocking, Mode::empty())?;
                fifo = Some(path);
                (read, write)
            }
            Transport::UnixStream | Transport::Seqpacket => {
                let kind = if recipe.transport == Transport::UnixStream {
                    SockType::Stream
                } else {
                    SockType::SeqPacket
                };
                nix::sys::socket::socketpair(
                    AddressFamily::Unix,
                    kind,
                    None,
                    SockFlag::SOCK_NONBLOCK | SockFlag::SOCK_CLOEXEC,
                )?
            }
            Transport::Tcp => {
                let listener = std::net::TcpListener::bind(("127.0.0.1", 0))?;
                let client = std::net::TcpStream::connect(listener.local_addr()?)?;
                // Any local process may connect to the port first: accept
                // until the peer is our own client (each accept returns a
                // connection already made, so this ends).
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
                (OwnedFd::from(server), OwnedFd::from(client))
            }
        };
        if matches!(recipe.transport, Transport::Pipe | Transport::Fifo) {
            let bytes = match recipe.framing {
                Framing::Records(n) if n > PIPE_BUF => LARGE_PIPE,
                _ => SMALL_PIPE,
            };
            fcntl(&write, FcntlArg::F_SETPIPE_SZ(bytes as i32))?;
        }
        // SAFETY: zeroed atomics are valid; the semaphores are initialised
        // below before any use, and everything is used through shared
        // references only.
        let shared = unsafe { Mapped::<Shared>::create(arena, &format!("{name}.shared"))? };
        for sem in [&shared.get().read_lock, &shared.get().write_lock] {
            // SAFETY: the semaphore lives in the shared mapping, which no
            // other process uses yet; pshared = 1 because processes share it.
            if unsafe { libc::sem_init(sem.get(), 1, 1) } != 0 {
                return Err(io::Error::last_os_error());
            }
        }
        let channel = Channel {
            recipe,
            read: Mutex::new(Some(read)),
            write: Mutex::new(Some(write)),
            fifo,
            shared,
            budget: AtomicUsize::new(0),
            armed: AtomicBool::new(false),
            send_buffer_before: AtomicUsize::new(0),
        };
        channel.budget.store(channel.room()?, SeqCst);
        Ok(channel)
    }

    pub fn recipe(&self) -> Recipe {
        self.recipe
    }

    /// The fifo's path, for a fifo channel.
    pub fn path(&self) -> Option<&Path> {
        self.fifo.as_deref()
    }

    /// The kernel's send buffer of this process's write end, in bytes
    /// (`SO_SNDBUF` for a socket, the pipe's size for a pipe).
    pub fn send_buffer(&self) -> io::Result<usize> {
        let guard = self.write.lock().expect("write end");
        let fd = guard.as_ref().ok_or_else(|| no_end("write"))?;
        Ok(match self.recipe.transport {
            Transport::Pipe | Transport::Fifo => fcntl(fd, FcntlArg::F_GETPIPE_SZ)? as usize,
            _ => nix::sys::socket::getsockopt(fd, sockopt::SndBuf)?,
        })
    }

    /// The bound on bytes in flight the transport needs (0: none).
    fn room(&self) -> io::Result<usize> {
        Ok(match (self.recipe.transport, self.recipe.framing) {
            (Transport::Tcp, _) => TCP_BUDGET,
            (Transport::Pipe | Transport::Fifo, Framing::Records(n)) => {
                pipe_room(self.send_buffer()?, page_size(), n)
            }
            _ => 0,
        })
    }

    /// In a worker right after the fork: keep only the end `role` uses.
    /// A fifo worker opens the path itself.
    pub fn enter(&self, role: Role) {
        let mut read = self.read.lock().expect("read end");
        let mut write = self.write.lock().expect("write end");
        let nonblocking = OFlag::O_NONBLOCK | OFlag::O_CLOEXEC;
        match role {
            Role::Consumer => {
                // Or this consumer would never see end-of-file.
                *write = None;
                if let Some(path) = &self.fifo {
                    *read = open(path, OFlag::O_RDONLY | nonblocking, Mode::empty()).ok();
                }
            }
            Role::Producer => {
                *read = None;
                if let Some(path) = &self.fifo {
                    *write = None;
                    // A reader exists (the parent's read end); ENXIO would
                    // mean none does yet: retry, bounded.
                    let mut opened = None;
                    poll_until(FOREVER, || {
                        match open(path, OFlag::O_WRONLY | nonblocking, Mode::empty()) {
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
    }

    /// Before the fork of a producer/consumer run: what [`Arm`] says.
    pub fn arm(&self) -> io::Result<()> {
        self.armed.store(true, SeqCst);
        let guard = self.write.lock().expect("write end");
        let fd = guard.as_ref().ok_or_else(|| no_end("write"))?;
        match self.recipe.arm {
            Arm::Nothing => {}
            Arm::TearWindow => {
                fcntl(fd, FcntlArg::F_SETPIPE_SZ(page_size() as i32))?;
            }
            Arm::SmallSendBuffer => {
                let before = nix::sys::socket::getsockopt(fd, sockopt::SndBuf)?;
                self.send_buffer_before.store(before, SeqCst);
                // The kernel raises 0 to its minimum (4608 bytes here).
                setsockopt(fd, sockopt::SndBuf, &0)?;
            }
        }
        drop(guard);
        self.budget.store(self.room()?, SeqCst);
        Ok(())
    }

    /// Bytes written and not yet read (counted by every writer and reader).
    pub fn in_flight(&self) -> i64 {
        self.s().in_flight.load(SeqCst)
    }

    /// Drops this process's write end: once every process has, readers
    /// see end-of-file.
    pub fn close_write(&self) {
        *self.write.lock().expect("write end") = None;
    }

    /// Sends one frame, waiting at most `within` to start it.
    pub fn send(&self, frame: &[u8], within: Duration) -> Result<(), ChannelError> {
        self.send_until(frame, within, &|| false)
    }

    /// Sends one frame, waiting at most `within` to start it, and giving up
    /// with [`ChannelError::Closed`] once `stop()` holds (checked at least
    /// every [`CLOSED_CHECK`] while waiting). A frame once started is
    /// finished.
    pub fn send_until(
        &self,
        frame: &[u8],
        within: Duration,
        stop: &dyn Fn() -> bool,
    ) -> Result<(), ChannelError> {
        let wire = self.wire(frame)?;
        let deadline = crate::os::deadline(within);
        let _lock = if self.recipe.write_lock {
            Some(self.lock(&self.s().write_lock, deadline, stop, ChannelError::Full)?)
        } else {
            None
        };
        let guard = self.write.lock().expect("write end");
        let fd = guard.as_ref().ok_or_else(|| no_end("write"))?;
        self.reserve(wire.len(), deadline, stop)?;
        self.write_frame(fd, &wire, deadline, stop)
            .map_err(|(sent, e)| {
                if sent == 0 {
                    self.s().in_flight.fetch_sub(wire.len() as i64, SeqCst);
                }
                e
            })
    }

    /// Receives one frame, waiting at most `within` for it to start.
    pub fn recv(&self, within: Duration) -> Result<Vec<u8>, ChannelError> {
        let deadline = crate::os::deadline(within);
        let _lock = if self.recipe.read_lock {
            Some(self.lock(
                &self.s().read_lock,
                deadline,
                &|| false,
                ChannelError::Empty,
            )?)
        } else {
            None
        };
        let guard = self.read.lock().expect("read end");
        let fd = guard.as_ref().ok_or_else(|| no_end("read"))?;
        let (frame, taken) = match self.recipe.framing {
            Framing::Records(n) => {
                let mut record = vec![0; n];
                read_exact(fd, &mut record, deadline, false)?;
                (record, n)
            }
            Framing::LengthPrefixed => {
                let mut len = [0; 4];
                read_exact(fd, &mut len, deadline, false)?;
                let n = u32::from_le_bytes(len) as usize;
                if n > FRAME_MAX {
                    return Err(broken("a frame's length is out of bounds"));
                }
                let mut body = vec![0; n];
                read_exact(fd, &mut body, deadline, true)?;
                (body, 4 + n)
            }
            Framing::Packets => {
                let packet = recv_packet(fd, deadline)?;
                let n = packet.len();
                (packet, n)
            }
            Framing::OneReadPerRecord(n) => {
                self.before_read_window(deadline);
                // The bug: whatever one read returns is one record.
                let chunk = read_once(fd, n, deadline)?;
                self.after_read_window();
                let got = chunk.len();
                (chunk, got)
            }
        };
        self.s().in_flight.fetch_sub(taken as i64, SeqCst);
        Ok(frame)
    }

    fn s(&self) -> &Shared {
        self.shared.get()
    }

    /// The bytes that go on the wire for `frame`.
    fn wire(&self, frame: &[u8]) -> Result<Vec<u8>, ChannelError> {
        let invalid = |m: &str| ChannelError::Os(io::Error::new(io::ErrorKind::InvalidInput, m));
        match self.recipe.framing {
            Framing::Records(n) | Framing::OneReadPerRecord(n) if frame.len() != n => {
                Err(invalid("a record must have the channel's record size"))
            }
            Framing::Records(_) | Framing::OneReadPerRecord(_) => Ok(frame.to_vec()),
            Framing::LengthPrefixed => {
                if frame.len() > FRAME_MAX {
                    return Err(invalid("frame too large"));
                }
                let mut wire = Vec::with_capacity(4 + frame.len());
                wire.extend_from_slice(&(frame.len() as u32).to_le_bytes());
                wire.extend_from_slice(frame);
                Ok(wire)
            }
            // An empty message reads like end-of-file.
            Framing::Packets if frame.is_empty() || frame.len() > PACKET_MAX => {
                Err(invalid("a packet must have 1 to PACKET_MAX bytes"))
            }
            Framing::Packets => Ok(frame.to_vec()),
        }
    }

    /// Takes `sem` before `deadline` (then `late`), in slices so `stop` is
    /// looked at every [`CLOSED_CHECK`].
    fn lock<'a>(
        &'a self,
        sem: &'a UnsafeCell<libc::sem_t>,
        deadline: Instant,
        stop: &dyn Fn() -> bool,
        late: ChannelError,
    ) -> Result<SemGuard<'a>, ChannelError> {
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let slice = realtime_deadline(left.min(CLOSED_CHECK));
            // SAFETY: initialised in `open`, process-shared, in a mapping
            // that lives as long as `self`.
            if unsafe { libc::sem_timedwait(sem.get(), &slice) } == 0 {
                return Ok(SemGuard(sem));
            }
            match Errno::last() {
                Errno::EINTR => continue,
                Errno::ETIMEDOUT => {}
                e => return Err(e.into()),
            }
            if stop() {
                return Err(ChannelError::Closed);
            }
            if Instant::now() >= deadline {
                return Err(late);
            }
        }
    }

    /// Counts `len` bytes in flight, first waiting (bounded, looking at
    /// `stop`) until they fit the channel's bound, if it has one. A frame
    /// larger than the bound goes when nothing else is in flight.
    fn reserve(
        &self,
        len: usize,
        deadline: Instant,
        stop: &dyn Fn() -> bool,
    ) -> Result<(), ChannelError> {
        let in_flight = &self.s().in_flight;
        let budget = self.budget.load(SeqCst) as i64;
        let len = len as i64;
        if budget == 0 {
            in_flight.fetch_add(len, SeqCst);
            return Ok(());
        }
        let fits = |f: i64| (f <= 0 || f + len <= budget).then_some(f + len);
        let mut stopped = false;
        let within = deadline.saturating_duration_since(Instant::now());
        let reserved = poll_until(within, || {
            if in_flight.fetch_update(SeqCst, SeqCst, fits).is_ok() {
                return true;
            }
            stopped = stop();
            stopped
        });
        match (reserved, stopped) {
            (true, false) => Ok(()),
            (true, true) => Err(ChannelError::Closed),
            (false, _) => Err(ChannelError::Full),
        }
    }

    /// Writes all of `wire`: until it starts, bounded by `deadline` and
    /// `stop`; once started, to the end (within [`FOREVER`]). On failure,
    /// how much went out.
    fn write_frame(
        &self,
        fd: &OwnedFd,
        wire: &[u8],
        deadline: Instant,
        stop: &dyn Fn() -> bool,
    ) -> Result<(), (usize, ChannelError)> {
        let mut sent = 0;
        let mut finish_by = None;
        loop {
            match self.write_some(fd, &wire[sent..]) {
                Ok(n) => {
                    sent += n;
                    if sent == wire.len() {
                        self.small_buffer_window(fd);
                        return Ok(());
                    }
                    if finish_by.is_none() {
                        finish_by = Some(Instant::now() + FOREVER);
                        self.mid_record_window();
                    }
                    continue;
                }
                Err(Errno::EAGAIN) => {}
                Err(Errno::EINTR) => continue,
                Err(Errno::EPIPE) => {
                    return Err((sent, broken("no reader left: every read end is closed")));
                }
                Err(e) => return Err((sent, e.into())),
            }
            let until = match finish_by {
                Some(t) => t,
                None if stop() => return Err((sent, ChannelError::Closed)),
                None => deadline,
            };
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(match finish_by {
                    None => (sent, ChannelError::Full),
                    Some(_) => (sent, broken("a frame was left half written")),
                });
            }
            wait_for(fd, PollFlags::POLLOUT, left.min(CLOSED_CHECK)).map_err(|e| (sent, e))?;
        }
    }

    fn write_some(&self, fd: &OwnedFd, bytes: &[u8]) -> nix::Result<usize> {
        match self.recipe.transport {
            Transport::Pipe | Transport::Fifo => nix::unistd::write(fd, bytes),
            // No SIGPIPE if the readers are gone: EPIPE instead.
            _ => nix::sys::socket::send(fd.as_raw_fd(), bytes, MsgFlags::MSG_NOSIGNAL),
        }
    }

    /// Whether this armed run's race window is still open.
    fn window_open(&self, arm: Arm) -> bool {
        self.recipe.arm == arm
            && self.armed.load(SeqCst)
            && self.s().window_closed.load(SeqCst) == 0
    }

    /// After a writer's first partial write of a record, while the window
    /// is open (every wait bounded by [`WINDOW`]):
    /// - [`Arm::TearWindow`]: the first writer caught mid-record waits
    ///   until a second one is too, so the second one's bytes follow the
    ///   first one's piece; then the window closes for good.
    /// - [`Arm::SmallSendBuffer`]: the writer waits until a reader has
    ///   taken one read of what it wrote so far.
    fn mid_record_window(&self) {
        let s = self.s();
        let _waiting = crate::os::progress::in_window();
        let closed = || s.window_closed.load(SeqCst) != 0;
        if self.window_open(Arm::TearWindow) {
            if s.parked.fetch_add(1, SeqCst) == 0 {
                poll_until(WINDOW, || closed() || s.parked.load(SeqCst) >= 2);
            }
            s.window_closed.store(1, SeqCst);
        } else if self.window_open(Arm::SmallSendBuffer) {
            s.parked.fetch_add(1, SeqCst);
            poll_until(WINDOW, || closed() || s.reads.load(SeqCst) >= 1);
        }
    }

    /// Before a read, while the small send buffer's window is open: wait
    /// (bounded) until a writer is caught mid-record.
    fn before_read_window(&self, deadline: Instant) {
        if self.window_open(Arm::SmallSendBuffer) {
            let s = self.s();
            let _waiting = crate::os::progress::in_window();
            let left = deadline.saturating_duration_since(Instant::now());
            poll_until(WINDOW.min(left), || {
                s.window_closed.load(SeqCst) != 0 || s.parked.load(SeqCst) >= 1
            });
        }
    }

    /// After a read that took something, while that window is open.
    fn after_read_window(&self) {
        if self.window_open(Arm::SmallSendBuffer) {
            self.s().reads.fetch_add(1, SeqCst);
        }
    }

    /// After a whole frame went out (write lock held): the end of the
    /// small send buffer's window, which covers only the run's first record.
    fn small_buffer_window(&self, fd: &OwnedFd) {
        let s = self.s();
        if self.recipe.arm != Arm::SmallSendBuffer
            || !self.armed.load(SeqCst)
            || s.window_closed.swap(1, SeqCst) != 0
        {
            return;
        }
        // The kernel doubles what it is given, and reports the doubled size.
        let before = self.send_buffer_before.load(SeqCst) / 2;
        let _ = setsockopt(fd, sockopt::SndBuf, &before);
    }
}

fn no_end(which: &str) -> io::Error {
    io::Error::other(format!("this process has no {which} end (see enter)"))
}

fn page_size() -> usize {
    // SAFETY: sysconf only reads a configuration value.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    usize::try_from(page).unwrap_or(4096).max(1)
}

/// How many bytes of `record`-sized records a pipe of `pipe` bytes takes
/// whole, keeping one page in reserve (0: not even one record).
///
/// Linux keeps a pipe as a ring of pages and frees a page only once all of
/// it was read. A record up to PIPE_BUF never straddles two pages, so with
/// one page's worth of bytes kept free some page always has room. A larger
/// record starts in a fresh page or the end of the last one and takes up
/// to `ceil(record / page) + 1` pages.
fn pipe_room(pipe: usize, page: usize, record: usize) -> usize {
    let pages = pipe / page;
    if pages < 2 || record == 0 {
        return 0;
    }
    if record <= PIPE_BUF && record <= page {
        (pages - 1) * (page / record) * record
    } else {
        (pages - 1) / (record.div_ceil(page) + 1) * record
    }
}

/// Polls `fd` for `events` for at most `left` (EINTR is a wakeup like any
/// other: the caller looks again).
fn wait_for(fd: &OwnedFd, events: PollFlags, left: Duration) -> Result<(), ChannelError> {
    let ms = left.as_micros().div_ceil(1000).min(1_000) as u16;
    let mut fds = [PollFd::new(fd.as_fd(), events)];
    match poll(&mut fds, PollTimeout::from(ms)) {
        Ok(_) | Err(Errno::EINTR) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// Reads exactly `buf.len()` bytes. Until the first byte, bounded by
/// `deadline` ([`ChannelError::Empty`]) and end-of-file is
/// [`ChannelError::Closed`]; once the frame has `started`, to the end
/// within [`FOREVER`].
fn read_exact(
    fd: &OwnedFd,
    buf: &mut [u8],
    deadline: Instant,
    started: bool,
) -> Result<(), ChannelError> {
    let mut filled = 0;
    let mut finish_by = started.then(|| Instant::now() + FOREVER);
    while filled < buf.len() {
        match nix::unistd::read(fd, &mut buf[filled..]) {
            Ok(0) if finish_by.is_none() => return Err(ChannelError::Closed),
            Ok(0) => return Err(broken("end of file inside a frame")),
            Ok(n) => {
                filled += n;
                finish_by.get_or_insert_with(|| Instant::now() + FOREVER);
                continue;
            }
            Err(Errno::EAGAIN | Errno::EINTR) => {}
            Err(e) => return Err(e.into()),
        }
        let left = finish_by
            .unwrap_or(deadline)
            .saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(match finish_by {
                None => ChannelError::Empty,
                Some(_) => broken("a frame was left half read"),
            });
        }
        wait_for(fd, PollFlags::POLLIN, left)?;
    }
    Ok(())
}

/// Tries `attempt` until it answers, waiting between tries (poll, bounded
/// by `deadline`) for `fd` to be readable. `Ok(None)`: not yet (EAGAIN or
/// EINTR); nothing by the deadline is [`ChannelError::Empty`].
fn when_readable<T>(
    fd: &OwnedFd,
    deadline: Instant,
    mut attempt: impl FnMut() -> Result<Option<T>, ChannelError>,
) -> Result<T, ChannelError> {
    loop {
        if let Some(answer) = attempt()? {
            return Ok(answer);
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(ChannelError::Empty);
        }
        wait_for(fd, PollFlags::POLLIN, left)?;
    }
}

/// One read of at most `n` bytes, whatever it returns: the lessons' bug.
fn read_once(fd: &OwnedFd, n: usize, deadline: Instant) -> Result<Vec<u8>, ChannelError> {
    let mut buf = vec![0; n];
    when_readable(fd, deadline, || match nix::unistd::read(fd, &mut buf) {
        Ok(0) => Err(ChannelError::Closed),
        Ok(got) => Ok(Some(buf[..got].to_vec())),
        Err(Errno::EAGAIN | Errno::EINTR) => Ok(None),
        Err(e) => Err(e.into()),
    })
}

/// One seqpacket message: one `recv` takes exactly one, whole.
fn recv_packet(fd: &OwnedFd, deadline: Instant) -> Result<Vec<u8>, ChannelError> {
    let mut buf = vec![0; PACKET_MAX];
    when_readable(fd, deadline, || {
        // MSG_TRUNC: the message's real length, even if longer than buf.
        match nix::sys::socket::recv(fd.as_raw_fd(), &mut buf, MsgFlags::MSG_TRUNC) {
            Ok(0) => Err(ChannelError::Closed),
            Ok(n) if n > PACKET_MAX => Err(broken("a message larger than PACKET_MAX")),
            Ok(n) => Ok(Some(buf[..n].to_vec())),
            Err(Errno::EAGAIN | Errno::EINTR) => Ok(None),
            Err(e) => Err(e.into()),
        }
    })
}

struct SemGuard<'a>(&'a UnsafeCell<libc::sem_t>);

impl Drop for SemGuard<'_> {
    fn drop(&mut self) {
        // SAFETY: a guard exists only while we hold a permit of this
        // initialised, process-shared semaphore.
        unsafe { libc::sem_post(self.0.get()) };
    }
}

/// A [`ProcessQueue`] over a [`Channel`]: items are `u64`s, the
/// [`Ledger`] keeps task_done/join and the closed flag.
pub struct ChannelQueue {
    channel: Channel,
    ledger: Ledger,
}

impl ChannelQueue {
    /// Opens `via`'s channel in `arena` (in the parent, before any fork).
    pub fn open(arena: &Arena, via: Via) -> io::Result<ChannelQueue> {
        let recipe = Recipe::of(via).ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{via} is not a kernel transport"),
            )
        })?;
        let channel = Channel::open(arena, recipe)?;
        let ledger = Ledger::new(arena, &format!("{via}-{}", NEXT.fetch_add(1, SeqCst)))?;
        Ok(ChannelQueue { channel, ledger })
    }

    pub fn channel(&self) -> &Channel {
        &self.channel
    }

    /// `item` as a frame. A record carries it in its first 8 bytes, then
    /// [`PADDING`]. An unframed record carries it in every 8-byte word, so
    /// a read that starts anywhere in a record (at a word, as the kernel's
    /// pieces do) still finds that record's item, and a sentinel still
    /// stops a consumer: what breaks is only that one record comes out as
    /// several messages, and a read that spans two as one.
    fn encode(&self, item: u64) -> Vec<u8> {
        let word = item.to_le_bytes();
        match self.channel.recipe.framing {
            Framing::Records(n) => {
                let mut record = vec![PADDING; n];
                record[..RECORD].copy_from_slice(&word);
                record
            }
            Framing::OneReadPerRecord(n) => word.iter().copied().cycle().take(n).collect(),
            Framing::LengthPrefixed | Framing::Packets => word.to_vec(),
        }
    }

    /// The item in a frame's first 8 bytes (a short frame is zero-filled).
    fn decode(frame: &[u8]) -> u64 {
        let mut word = [0; RECORD];
        let n = frame.len().min(RECORD);
        word[..n].copy_from_slice(&frame[..n]);
        u64::from_le_bytes(word)
    }
}

impl ProcessQueue for ChannelQueue {
    fn capacity(&self) -> Option<usize> {
        None
    }

    fn enter(&self, role: Role) {
        self.channel.enter(role);
    }

    fn arm_race_window(&self) {
        // A failure leaves the race to chance; the negative control that
        // expects it every run then says so.
        let _ = self.channel.arm();
    }

    fn put(&self, item: u64, within: Duration) -> Result<(), QueueError> {
        let _putting = self.ledger.start_put()?;
        let _blocked = self.ledger.blocking();
        self.ledger.will_put(item);
        let sent = self
            .channel
            .send_until(&self.encode(item), within, &|| self.ledger.is_closed());
        self.ledger.did_put(item, sent.is_ok());
        Ok(sent?)
    }

    /// Reads in slices of [`CLOSED_CHECK`]: end-of-file needs every
    /// process's write end closed, and a producer still alive (idle, or
    /// finishing) holds one; so a get also reports closed once the queue
    /// is closed, no put is under way and no byte is left unread.
    fn get(&self, within: Duration) -> Result<u64, QueueError> {
        let _blocked = self.ledger.blocking();
        let deadline = crate::os::deadline(within);
        loop {
            let slice = deadline
                .saturating_duration_since(Instant::now())
                .min(CLOSED_CHECK);
            match self.channel.recv(slice) {
                Ok(frame) => {
                    let item = Self::decode(&frame);
                    self.ledger.took(item);
                    return Ok(item);
                }
                Err(ChannelError::Empty) => {
                    // In this order: closed with no put under way, then
                    // nothing in flight.
                    if self.ledger.closed_for_good() && self.channel.in_flight() <= 0 {
                        return Err(QueueError::Closed);
                    }
                    if Instant::now() >= deadline {
                        return Err(QueueError::Empty);
                    }
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    fn close(&self) -> Result<(), QueueError> {
        self.ledger.close();
        self.channel.close_write();
        Ok(())
    }

    fn ledger(&self) -> &Ledger {
        &self.ledger
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_records_keep_one_page_of_the_pipe_free() {
        assert_eq!(pipe_room(16 * 1024, 4096, 8), 12 * 1024);
        assert_eq!(pipe_room(4096, 4096, 8), 0);
    }

    #[test]
    fn every_transport_is_known_by_one_name() {
        for via in Via::ALL.into_iter().filter(|&v| Recipe::of(v).is_some()) {
            let json = serde_json::to_string(&via).unwrap();
            assert_eq!(json, format!("\"{}\"", via.name()));
            assert_eq!(Via::parse(via.name()), Some(via));
        }
    }

    #[test]
    fn large_records_are_counted_by_the_pages_they_may_take() {
        // 32 pages; a record of 8200 bytes may take 4 of them.
        assert_eq!(pipe_room(128 * 1024, 4096, LARGE_RECORD), 7 * LARGE_RECORD);
        // One page: no record fits whole, they go in pieces.
        assert_eq!(pipe_room(4096, 4096, LARGE_RECORD), 0);
    }
}
