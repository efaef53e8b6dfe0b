//! Kernel transports used as queues: the kernel holds the items, racelab
//! cuts them out of the bytes and adds what the kernel lacks (the
//! [`Ledger`](super::Ledger)'s task_done/join and closed flag).
//!
//! A [`Channel`] is a byte channel between processes: one [`Transport`]
//! (how the bytes travel), one [`Framing`] (how frames are cut out of
//! them) and the process-shared [`Locks`] the pair needs. A
//! [`ChannelQueue`] carries items over it. Each queue of this family is
//! one line of [`ChannelQueue::open`]:
//!
//! | queue            | transport      | framing            | locks       |
//! |------------------|----------------|--------------------|-------------|
//! | `pipe`           | [`Pipe`]       | [`Records`] (8)    | none        |
//! | `fifo`           | [`Fifo`]       | [`Records`] (8)    | none        |
//! | `unix-stream`    | [`UnixStream`] | [`LengthPrefixed`] | read, write |
//! | `unix-seqpacket` | [`Seqpacket`]  | [`Packets`]        | none        |
//! | `tcp`            | [`Tcp`]        | [`LengthPrefixed`] | read, write |
//!
//! and two broken forms, each in its own file with the race window that
//! makes it fail every run (an [`Arm`]): [`pipe_large`] (records above
//! PIPE_BUF with no write lock: torn) and [`unframed`] (one read taken as
//! one record).
//!
//! The locks are process-shared POSIX semaphores in a `MAP_SHARED`
//! mapping, not `flock` on an inherited descriptor: an inherited flock
//! belongs to one open file description that every forked sibling shares,
//! so it excludes none of them. A semaphore has no owner: a worker killed
//! while it holds a stream's lock leaves it taken, and the next wait for it
//! runs out at its bound.
//!
//! **End-of-file needs every write end closed.** A consumer sees
//! end-of-file only once no process holds a write end any more, its own
//! copy included: a consumer that keeps the write end it inherited never
//! sees it and waits forever. So [`Channel::enter`] drops the end a worker
//! does not use, and `close` drops the closer's write end.
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
//! gives up its read end, so in a run that does not happen. How many bytes
//! may be in flight is [`room`]'s.

mod error;
mod framing;
pub mod pipe_large;
mod queue;
pub mod room;
mod transport;
pub mod unframed;

pub use error::ChannelError;
use error::invalid;
pub use framing::{
    FRAME_MAX, Framing, LARGE_RECORD, LengthPrefixed, PACKET_MAX, PADDING, Packets, RECORD, Records,
};
pub use queue::ChannelQueue;
pub use transport::{
    Ends, Fifo, PIPE_BUF, Pipe, Seqpacket, TCP_BUDGET, Tcp, Transport, UnixStream,
};

use super::{FOREVER, Role};
use crate::os::arena::Arena;
use crate::os::mapping::Mapped;
use crate::os::poll::{poll_until, wait_for};
use crate::os::semaphore::{Permit, Semaphore};
use nix::errno::Errno;
use nix::poll::PollFlags;
use std::io;
use std::os::fd::OwnedFd;
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, AtomicU64, AtomicUsize, Ordering::SeqCst};
use std::time::{Duration, Instant};

/// A blocked writer looks at the closed flag at least this often.
pub const CLOSED_CHECK: Duration = Duration::from_millis(10);

/// Which process-shared locks guard a channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Locks {
    /// One reader at a time reads one whole frame.
    pub read: bool,
    /// One writer at a time writes one whole frame.
    pub write: bool,
}

impl Locks {
    /// No lock: the transport keeps each frame whole by itself.
    pub const NONE: Locks = Locks {
        read: false,
        write: false,
    };
    /// A read lock and a write lock: a stream needs both to keep frames whole.
    pub const BOTH: Locks = Locks {
        read: true,
        write: true,
    };
}

/// A broken channel's race window, armed before the fork of a
/// producer/consumer run (see
/// [`ProcessQueue::arm_race_window`](super::ProcessQueue::arm_race_window)):
/// what it does at the points of a send and a receive where the race is
/// won or lost. Correct channels have none.
pub trait Arm: Send + Sync + 'static {
    /// In the parent, before the fork, with its write end: opens the
    /// window (and shrinks a buffer so the race can happen).
    fn arm(&self, write_end: &OwnedFd) -> io::Result<()>;

    /// A writer's first write of a frame went out, and not all of it.
    fn mid_frame(&self) {}

    /// A reader is about to read a frame, which must start by `deadline`.
    fn before_read(&self, _deadline: Instant) {}

    /// A reader read a frame.
    fn after_read(&self) {}

    /// A whole frame went out (its writer still holds the write lock).
    fn frame_sent(&self, _write_end: &OwnedFd) {}
}

/// What the processes of one channel share besides the kernel object.
#[repr(C)]
struct Shared {
    read_lock: Semaphore,
    write_lock: Semaphore,
    /// Bytes of frames reserved by writers and not yet taken by readers
    /// (a writer counts before it writes, so it is never below what the
    /// kernel holds).
    in_flight: AtomicI64,
}

/// A byte channel between processes: one kernel transport, its framing
/// and its locks. Made by the parent before the fork; every worker keeps
/// only the end it uses ([`Channel::enter`]).
pub struct Channel {
    transport: Box<dyn Transport>,
    framing: Box<dyn Framing>,
    locks: Locks,
    arm: Option<Box<dyn Arm>>,
    read: Mutex<Option<OwnedFd>>,
    write: Mutex<Option<OwnedFd>>,
    shared: Mapped<Shared>,
    /// The most bytes in flight the channel allows (0: what the kernel
    /// takes). Set before the fork, so every process agrees.
    budget: AtomicUsize,
}

/// Names the files of the channels made in one process apart.
static NEXT: AtomicU64 = AtomicU64::new(0);

/// `stem`, numbered apart from every other name made in this process.
pub(super) fn unique(stem: &str) -> String {
    format!("{stem}-{}", NEXT.fetch_add(1, SeqCst))
}

impl Channel {
    /// Opens transport `T` in `arena` (in the parent, before any fork),
    /// its frames cut by `framing` and guarded by `locks`.
    pub fn open<T: Transport>(
        arena: &Arena,
        framing: impl Framing,
        locks: Locks,
    ) -> io::Result<Channel> {
        let name = unique("channel");
        let (transport, ends) = T::open(arena, &name, &framing)?;
        // SAFETY: zeroed atomics are valid; the semaphores are initialised
        // below before any use, and everything is used through shared
        // references only.
        let shared = unsafe { Mapped::<Shared>::create(arena, &format!("{name}.shared"))? };
        for sem in [&shared.get().read_lock, &shared.get().write_lock] {
            // SAFETY: the semaphore lives in the shared mapping, which no
            // other process uses yet.
            unsafe { sem.init(1)? };
        }
        let channel = Channel {
            transport: Box::new(transport),
            framing: Box::new(framing),
            locks,
            arm: None,
            read: Mutex::new(Some(ends.read)),
            write: Mutex::new(Some(ends.write)),
            shared,
            budget: AtomicUsize::new(0),
        };
        channel.budget.store(channel.room()?, SeqCst);
        Ok(channel)
    }

    /// The channel with `arm` as its race window (still before the fork).
    pub fn armed_with(mut self, arm: impl Arm) -> Channel {
        self.arm = Some(Box::new(arm));
        self
    }

    /// The fifo's path, for a fifo channel.
    pub fn path(&self) -> Option<&Path> {
        self.transport.path()
    }

    /// The framing, which turns items into frames.
    pub fn framing(&self) -> &dyn Framing {
        self.framing.as_ref()
    }

    /// The kernel's send buffer of this process's write end, in bytes
    /// (`SO_SNDBUF` for a socket, the pipe's size for a pipe).
    pub fn send_buffer(&self) -> io::Result<usize> {
        let guard = self.write.lock().expect("write end");
        let fd = guard.as_ref().ok_or_else(|| no_end("write"))?;
        self.transport.send_buffer(fd)
    }

    /// The bound on bytes in flight the transport needs (0: none).
    fn room(&self) -> io::Result<usize> {
        let guard = self.write.lock().expect("write end");
        let fd = guard.as_ref().ok_or_else(|| no_end("write"))?;
        self.transport.budget(fd, self.framing.as_ref())
    }

    /// In a worker right after the fork: keep only the end `role` uses.
    /// A fifo worker opens the path itself.
    pub fn enter(&self, role: Role) {
        let mut read = self.read.lock().expect("read end");
        let mut write = self.write.lock().expect("write end");
        self.transport.enter(role, &mut read, &mut write);
    }

    /// Before the fork of a producer/consumer run: opens the race window,
    /// if the channel has one.
    pub fn arm(&self) -> io::Result<()> {
        let Some(arm) = &self.arm else {
            return Ok(());
        };
        {
            let guard = self.write.lock().expect("write end");
            arm.arm(guard.as_ref().ok_or_else(|| no_end("write"))?)?;
        }
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
        let wire = self.framing.wire(frame)?;
        let deadline = crate::os::deadline(within);
        let _lock = if self.locks.write {
            Some(lock(
                &self.s().write_lock,
                deadline,
                stop,
                ChannelError::Full,
            )?)
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
        let _lock = if self.locks.read {
            Some(lock(
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
        if let Some(arm) = &self.arm {
            arm.before_read(deadline);
        }
        let (frame, taken) = self.framing.read(fd, deadline)?;
        if let Some(arm) = &self.arm {
            arm.after_read();
        }
        self.s().in_flight.fetch_sub(taken as i64, SeqCst);
        Ok(frame)
    }

    fn s(&self) -> &Shared {
        self.shared.get()
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
            match self.transport.write_some(fd, &wire[sent..]) {
                Ok(n) => {
                    sent += n;
                    if sent == wire.len() {
                        if let Some(arm) = &self.arm {
                            arm.frame_sent(fd);
                        }
                        return Ok(());
                    }
                    if finish_by.is_none() {
                        finish_by = Some(Instant::now() + FOREVER);
                        if let Some(arm) = &self.arm {
                            arm.mid_frame();
                        }
                    }
                    continue;
                }
                Err(Errno::EAGAIN) => {}
                Err(Errno::EINTR) => continue,
                Err(Errno::EPIPE) => {
                    let e = ChannelError::broken("no reader left: every read end is closed");
                    return Err((sent, e));
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
                    Some(_) => (sent, ChannelError::broken("a frame was left half written")),
                });
            }
            wait_for(fd, PollFlags::POLLOUT, left.min(CLOSED_CHECK))
                .map_err(|e| (sent, e.into()))?;
        }
    }
}

/// Takes the lock `sem` before `deadline` (then `late`), in slices so
/// `stop` is looked at every [`CLOSED_CHECK`].
fn lock<'a>(
    sem: &'a Semaphore,
    deadline: Instant,
    stop: &dyn Fn() -> bool,
    late: ChannelError,
) -> Result<Permit<'a>, ChannelError> {
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if let Some(permit) = sem.lock(left.min(CLOSED_CHECK))? {
            return Ok(permit);
        }
        if stop() {
            return Err(ChannelError::Closed);
        }
        if Instant::now() >= deadline {
            return Err(late);
        }
    }
}

fn no_end(which: &str) -> io::Error {
    io::Error::other(format!("this process has no {which} end (see enter)"))
}
