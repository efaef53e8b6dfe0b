//! `unix-stream-unframed` (broken; a negative control, caught every run):
//! the Unix stream with fixed records, no length prefix and no read lock,
//! and a reader that takes what one read returns as one record
//! ([`OneReadPerRecord`]), as code that takes one `recv(1024)` for one
//! message does (docs/scenarios.md "Pitfalls").
//!
//! The writers are right (a write lock, whole records); the reader is not:
//! a stream keeps no boundaries, and one read may return part of a record
//! or the end of one and the start of the next.
//!
//! The race window ([`SmallSendBuffer`]): the run's first record goes
//! through a send buffer smaller than itself, and a reader reads while its
//! writer waits for room, so it comes out in two reads or more: two
//! messages, the same item twice
//! ([`ViolationKind::DuplicatedItem`](crate::check::ViolationKind::DuplicatedItem)).

use super::framing::{record_wire, when_readable};
use super::{Arm, Channel, ChannelError, Framing, LARGE_RECORD, Locks, UnixStream, unique};
use crate::os::arena::Arena;
use crate::os::mapping::Mapped;
use crate::os::window::WindowCell;
use crate::process::queue::WINDOW;
use nix::errno::Errno;
use nix::sys::socket::{getsockopt, setsockopt, sockopt};
use std::io;
use std::os::fd::OwnedFd;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering::SeqCst};
use std::time::Instant;

/// Opens the broken stream in `arena` (in the parent, before any fork).
pub fn open(arena: &Arena) -> io::Result<Channel> {
    let write_lock_only = Locks {
        read: false,
        write: true,
    };
    let framing = OneReadPerRecord(LARGE_RECORD);
    let channel = Channel::open::<UnixStream>(arena, framing, write_lock_only)?;
    Ok(channel.armed_with(SmallSendBuffer::new(arena)?))
}

/// Broken: records of this many bytes, but one read is taken as one
/// record: "one `recv` is one message" (docs/scenarios.md "Pitfalls").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OneReadPerRecord(pub usize);

impl Framing for OneReadPerRecord {
    /// The item in every 8-byte word, so a read that starts anywhere in a
    /// record (at a word, as the kernel's pieces do) still finds that
    /// record's item, and a sentinel still stops a consumer: what breaks
    /// is only that one record comes out as several messages, and a read
    /// that spans two as one.
    fn encode(&self, item: u64) -> Vec<u8> {
        item.to_le_bytes()
            .iter()
            .copied()
            .cycle()
            .take(self.0)
            .collect()
    }

    fn wire(&self, frame: &[u8]) -> Result<Vec<u8>, ChannelError> {
        record_wire(frame, self.0)
    }

    /// One read of at most a record, whatever it returns: the bug.
    fn read(&self, fd: &OwnedFd, deadline: Instant) -> Result<(Vec<u8>, usize), ChannelError> {
        let mut buf = vec![0; self.0];
        let chunk = when_readable(fd, deadline, || match nix::unistd::read(fd, &mut buf) {
            Ok(0) => Err(ChannelError::Closed),
            Ok(got) => Ok(Some(buf[..got].to_vec())),
            Err(Errno::EAGAIN | Errno::EINTR) => Ok(None),
            Err(e) => Err(e.into()),
        })?;
        let got = chunk.len();
        Ok((chunk, got))
    }
}

/// The meeting of a writer caught mid-record and a reader, in shared memory.
#[repr(C)]
#[derive(Default)]
struct Meeting {
    /// Inside: writers caught mid-record while the window was open.
    window: WindowCell,
    /// Reads taken while the window was open.
    reads: AtomicU32,
}

/// Shrinks the writer's socket send buffer to the minimum, below one
/// record, for the run's first record, and holds the readers until its
/// writer is caught mid-record, then the writer until a reader has taken
/// one read: that read cannot hold the whole record. (Without the hold, a
/// read that frees room while the writer adds more may collect the whole
/// record now and then.) Once the record is written the buffer is restored
/// and the window closed for good, so the sentinels, which stop the
/// consumers, still fit.
pub struct SmallSendBuffer {
    meeting: Mapped<Meeting>,
    /// Armed (a run's parent did, before the fork).
    armed: AtomicBool,
    /// The send buffer before `arm` shrank it.
    before: AtomicUsize,
}

impl SmallSendBuffer {
    /// Makes the meeting's cells in `arena` (in the parent, before any
    /// fork), disarmed.
    pub fn new(arena: &Arena) -> io::Result<SmallSendBuffer> {
        // SAFETY: all-zero atomics are valid (an open, empty window), used
        // through shared references only.
        let meeting = unsafe { Mapped::<Meeting>::create(arena, &unique("small-buffer"))? };
        Ok(SmallSendBuffer {
            meeting,
            armed: AtomicBool::new(false),
            before: AtomicUsize::new(0),
        })
    }

    /// Whether this armed run's window is still open.
    fn open(&self) -> bool {
        self.armed.load(SeqCst) && self.meeting.get().window.is_open()
    }
}

impl Arm for SmallSendBuffer {
    fn arm(&self, write_end: &OwnedFd) -> io::Result<()> {
        self.armed.store(true, SeqCst);
        self.before
            .store(getsockopt(write_end, sockopt::SndBuf)?, SeqCst);
        // The kernel raises 0 to its minimum (4608 bytes here).
        setsockopt(write_end, sockopt::SndBuf, &0)?;
        Ok(())
    }

    /// The writer waits until a reader has taken one read of what it wrote
    /// so far.
    fn mid_frame(&self) {
        if self.open() {
            let m = self.meeting.get();
            let _waiting = crate::os::progress::in_window();
            m.window.enter();
            m.window.wait(WINDOW, || m.reads.load(SeqCst) >= 1);
        }
    }

    /// A reader waits (bounded) until a writer is caught mid-record.
    fn before_read(&self, deadline: Instant) {
        if self.open() {
            let m = self.meeting.get();
            let _waiting = crate::os::progress::in_window();
            let left = deadline.saturating_duration_since(Instant::now());
            m.window.wait(WINDOW.min(left), || m.window.inside() >= 1);
        }
    }

    fn after_read(&self) {
        if self.open() {
            self.meeting.get().reads.fetch_add(1, SeqCst);
        }
    }

    /// The end of the window, which covers only the run's first record:
    /// the buffer as it was.
    fn frame_sent(&self, write_end: &OwnedFd) {
        if !self.armed.load(SeqCst) || !self.meeting.get().window.close() {
            return;
        }
        // The kernel doubles what it is given, and reports the doubled size.
        let before = self.before.load(SeqCst) / 2;
        let _ = setsockopt(write_end, sockopt::SndBuf, &before);
    }
}
