//! A POSIX message queue used as a [`ProcessQueue`]: docs/scenarios.md §5's
//! kernel message queue, carrying §4's items.
//!
//! What it guarantees, and what gives it:
//! - **Bound**: the kernel's. The queue is made with `mq_maxmsg` =
//!   capacity and `mq_msgsize` = 8 (one `u64`), so [`capacity`] is exact.
//!   A capacity above `/proc/sys/fs/mqueue/msg_max` (10 by default) is
//!   refused with an error that names the limit, rather than clamped: a
//!   run asked for capacity 20 and silently got 10 would check the wrong
//!   bound. (A privileged process could go above the limit; racelab keeps
//!   to what every user gets.)
//! - **Order**: the kernel delivers the highest priority first and FIFO
//!   within one priority. Every item has priority 1, and one producer's
//!   puts are sequential, so each producer's items come out in order.
//! - **Bounded waits**: `mq_timedsend` / `mq_timedreceive` with an absolute
//!   `CLOCK_REALTIME` deadline, in slices of at most [`SLICE`] so that a
//!   waiting put or get sees a close within one slice. A bound already
//!   passed tries once: `Full` or `Empty` (a zero bound is non-blocking
//!   without touching the shared `O_NONBLOCK` flag of the inherited
//!   descriptor).
//! - **Close**: a message queue has no end-of-file. Close sets the
//!   [`Ledger`]'s flag, waits (bounded) for puts already past their check
//!   of the flag, then sends one marker at priority 0, below every item:
//!   everything put before the close is delivered first. A consumer that
//!   receives the marker sends it back (the baton, for the next waiter)
//!   and reports `Closed`. If the queue is full at close the marker does
//!   not fit; then a get whose slice ends on an empty queue that was
//!   already closed, with no put in flight, reports `Closed`. A put blocked
//!   on a full queue sees the flag after its slice and reports `Closed`.
//! - **task_done / join**: the [`Ledger`], as Python's `JoinableQueue`
//!   adds its own counters to a pipe.
//! - **High water**: `mq_curmsgs` sampled right after each successful put:
//!   a count the queue really held at that moment, so never above the
//!   true peak, though it may miss a peak between two samples.
//! - **Name**: `/racelab-<pid>-<random>` (see `os::mq_name`: nobody can
//!   guess it, and one that exists already is an error naming it),
//!   created `O_EXCL` with mode 0600 and unlinked at once: forked workers inherit the descriptor and never
//!   open the name, so nothing is left in the kernel even when the parent
//!   is killed with SIGKILL and no destructor runs. /dev/mqueue may not be mounted, so the names are not
//!   listed anywhere: [`names_made`] lets a test try `mq_open` on each and
//!   expect `ENOENT`.
//! - A worker killed mid-run leaves nothing locked (the kernel holds the
//!   items); an item in a killed consumer's hands is lost, as with any
//!   queue. A producer killed inside a put leaves close waiting for it
//!   until its bound.
//!
//! [`capacity`]: ProcessQueue::capacity

use super::{FOREVER, Ledger, ProcessQueue, QueueError};
use crate::os::arena::Arena;
use crate::os::deadline;
use crate::os::mapping::Mapped;
use crate::os::mq_name::QueueName;
use crate::process::lock::realtime_deadline;
use nix::errno::Errno;
use nix::mqueue::{MQ_OFlag, MqAttr, MqdT, mq_close, mq_getattr, mq_unlink};
use std::ffi::CString;
use std::io;
use std::os::fd::AsRawFd;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering::SeqCst};
use std::time::{Duration, Instant};

/// The longest a get or put waits before it looks at the closed flag again.
pub const SLICE: Duration = Duration::from_millis(10);

/// The kernel's default `msg_max`, if /proc cannot tell.
pub const DEFAULT_MSG_MAX: usize = 10;

/// Every item's priority.
const ITEM: u32 = 1;
/// The close marker's: below every item, so it comes out last.
const MARKER: u32 = 0;
/// A message is one `u64`.
const SIZE: usize = std::mem::size_of::<u64>();

/// Queue names this process has made so far.
static MADE: Mutex<Vec<CString>> = Mutex::new(Vec::new());

/// Every message queue name this process has made (each one should be
/// gone once its queue was dropped).
pub fn names_made() -> Vec<CString> {
    MADE.lock().unwrap_or_else(|e| e.into_inner()).clone()
}

/// The largest capacity an unprivileged process may ask of the kernel:
/// `/proc/sys/fs/mqueue/msg_max`.
pub fn max_capacity() -> usize {
    std::fs::read_to_string("/proc/sys/fs/mqueue/msg_max")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(DEFAULT_MSG_MAX)
}

#[repr(C)]
#[derive(Default)]
struct Cells {
    /// The most messages seen queued right after a put.
    high_water: AtomicU64,
    /// 1 once a close marker was sent.
    marker_sent: AtomicU32,
}

/// A POSIX message queue used as a process queue: the kernel holds the
/// items and bounds them; the [`Ledger`] adds task_done, join and the
/// closed flag.
pub struct MessageQueue {
    name: CString,
    mqd: Option<MqdT>,
    creator: u32,
    capacity: usize,
    cells: Mapped<Cells>,
    ledger: Ledger,
}

/// The end of the next wait: `deadline`, or one slice from now if sooner.
fn slice_end(deadline: Instant) -> libc::timespec {
    realtime_deadline(
        deadline
            .saturating_duration_since(Instant::now())
            .min(SLICE),
    )
}

impl MessageQueue {
    /// Creates the queue (in the parent, before any fork). A capacity of
    /// 0 or above [`max_capacity`] is refused.
    pub fn new(arena: &Arena, capacity: usize) -> io::Result<MessageQueue> {
        let max = max_capacity();
        if capacity == 0 || capacity > max {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "a POSIX message queue holds 1 to {max} messages here \
                     (/proc/sys/fs/mqueue/msg_max), not {capacity}"
                ),
            ));
        }
        // SAFETY: all-zero atomics are valid, used only through `&Cells`.
        let cells = unsafe { Mapped::<Cells>::create(arena, "mqueue-cells")? };
        let ledger = Ledger::new(arena, "mqueue")?;
        let creator = std::process::id();
        let queue_name = QueueName::fresh(arena)?;
        let attr = MqAttr::new(0, capacity as _, SIZE as _, 0);
        // Blocking descriptor: every wait is bounded by its own deadline.
        let mqd = queue_name.create(MQ_OFlag::O_RDWR | MQ_OFlag::O_CLOEXEC, &attr)?;
        let name = queue_name.as_c_str().to_owned();
        MADE.lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(name.clone());
        // Nobody opens the queue by name: the workers inherit the
        // descriptor. So the name goes at once (dropping it unlinks it),
        // and even a parent killed with SIGKILL (no destructor runs) leaves
        // nothing in the kernel; the queue lives until its last descriptor
        // closes.
        drop(queue_name);
        Ok(MessageQueue {
            name,
            mqd: Some(mqd),
            creator,
            capacity,
            cells,
            ledger,
        })
    }

    /// The queue's name (`/racelab-<pid>-<random>`).
    pub fn name(&self) -> &std::ffi::CStr {
        &self.name
    }

    fn mqd(&self) -> &MqdT {
        self.mqd.as_ref().expect("open until dropped")
    }

    fn c(&self) -> &Cells {
        self.cells.get()
    }

    /// Closed, and no put can still add an item.
    fn drained_when_empty(&self) -> bool {
        self.ledger.closed_for_good()
    }

    /// Sends `item` at `priority`, waiting in slices until `deadline`;
    /// an item (not the marker) gives up once the queue is closed.
    fn send(&self, item: u64, priority: u32, deadline: Instant) -> Result<(), QueueError> {
        let bytes = item.to_le_bytes();
        loop {
            let until = slice_end(deadline);
            // SAFETY: the descriptor is open while `self` lives; `bytes` is
            // SIZE readable bytes and `until` a valid timespec.
            let sent = unsafe {
                libc::mq_timedsend(
                    self.mqd().as_raw_fd(),
                    bytes.as_ptr().cast(),
                    SIZE,
                    priority,
                    &until,
                )
            };
            if sent == 0 {
                return Ok(());
            }
            match Errno::last() {
                Errno::EINTR => {}
                Errno::ETIMEDOUT => {
                    if priority == ITEM && self.ledger.is_closed() {
                        return Err(QueueError::Closed);
                    }
                    if Instant::now() >= deadline {
                        return Err(QueueError::Full);
                    }
                }
                e => return Err(e.into()),
            }
        }
    }

    /// Records how many messages are queued now.
    fn sample_high_water(&self) {
        if let Ok(attr) = mq_getattr(self.mqd()) {
            let queued = attr.curmsgs().max(0) as u64;
            self.c().high_water.fetch_max(queued, SeqCst);
        }
    }
}

impl ProcessQueue for MessageQueue {
    fn capacity(&self) -> Option<usize> {
        Some(self.capacity)
    }

    fn put(&self, item: u64, within: Duration) -> Result<(), QueueError> {
        let deadline = deadline(within);
        // Counted as under way before looking at the flag (close sets the
        // flag before it looks at the count: one of us sees the other).
        let putting = self.ledger.start_put()?;
        let sent = {
            let _blocked = self.ledger.blocking();
            self.ledger.will_put(item);
            let sent = self.send(item, ITEM, deadline);
            self.ledger.did_put(item, sent.is_ok());
            sent
        };
        drop(putting);
        if sent.is_ok() {
            self.sample_high_water();
        }
        sent
    }

    fn get(&self, within: Duration) -> Result<u64, QueueError> {
        let deadline = deadline(within);
        let _blocked = self.ledger.blocking();
        let mut message = [0u8; SIZE];
        loop {
            // Looked at before the receive: if it holds and the receive
            // then finds nothing, the queue was empty after the last put.
            let drained = self.drained_when_empty();
            let until = slice_end(deadline);
            let mut priority = 0;
            // SAFETY: the descriptor is open while `self` lives; `message`
            // is SIZE writable bytes (the queue's msgsize); `priority` and
            // `until` are valid.
            let got = unsafe {
                libc::mq_timedreceive(
                    self.mqd().as_raw_fd(),
                    message.as_mut_ptr().cast(),
                    SIZE,
                    &mut priority,
                    &until,
                )
            };
            if got >= 0 {
                if got as usize != SIZE {
                    return Err(QueueError::Corrupt(format!("a message of {got} bytes")));
                }
                if priority == MARKER {
                    // The baton: put the marker back for the next waiter.
                    // If it does not fit, that waiter sees the close after
                    // its slice instead.
                    let _ = self.send(0, MARKER, Instant::now());
                    return Err(QueueError::Closed);
                }
                let item = u64::from_le_bytes(message);
                self.ledger.took(item);
                return Ok(item);
            }
            match Errno::last() {
                Errno::EINTR => {}
                Errno::ETIMEDOUT => {
                    if drained {
                        return Err(QueueError::Closed);
                    }
                    if Instant::now() >= deadline {
                        return Err(QueueError::Empty);
                    }
                }
                e => return Err(e.into()),
            }
        }
    }

    fn close(&self) -> Result<(), QueueError> {
        self.ledger.close();
        let c = self.c();
        // The marker goes in after every item that will ever be put.
        self.ledger.wait_for_puts(FOREVER);
        if c.marker_sent.load(SeqCst) == 0 {
            match self.send(0, MARKER, Instant::now()) {
                Ok(()) => c.marker_sent.store(1, SeqCst),
                // Full of items: gets find the queue closed once drained.
                Err(QueueError::Full) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    fn high_water(&self) -> Option<usize> {
        Some(self.c().high_water.load(SeqCst) as usize)
    }
}

impl Drop for MessageQueue {
    fn drop(&mut self) {
        if let Some(mqd) = self.mqd.take() {
            let _ = mq_close(mqd);
        }
        // The name was unlinked right after the queue was made; unlinking
        // again (creator only) costs nothing and documents the intent.
        if std::process::id() == self.creator {
            let _ = mq_unlink(self.name.as_c_str());
        }
    }
}
