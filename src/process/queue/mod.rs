//! Bounded queues between processes (docs/scenarios.md §3–4): one contract,
//! many implementations, the same property checks for all of them.
//!
//! A [`ProcessQueue`] is made by the parent before the fork (see [`Via`]),
//! inherited by every worker, and used by producers, consumers and the
//! parent alike. Items are `u64`s (`producer << 32 | seq`, or [`STOP`]).
//! Every operation takes a bound: a put that finds no room in time is
//! [`QueueError::Full`], a get that finds nothing is
//! [`QueueError::Empty`] (a zero bound is Python's `block=False`).
//!
//! Two families, one file per queue (crossbeam's `flavors/` way):
//! - **queues we build**: a ring in shared memory ([`shm`]) guarded by a
//!   robust process-shared mutex and condition variables
//!   (`shm/locked.rs`), or by the classic three counting semaphores
//!   (`shm/semaphores.rs`); and their broken forms (`shm/unlocked.rs`,
//!   `shm/if_not_while.rs`). Or a server process that owns the items
//!   ([`manager`]).
//! - **kernel transports used as queues**: the kernel holds the items and
//!   bounds them, a shared [`Ledger`] adds what the kernel lacks
//!   (task_done/join and the closed flag):
//!   - [`channel`]: a pipe, a fifo, a Unix stream or seqpacket socket
//!     pair, a TCP connection (`channel/transport/`), cut into frames
//!     (`channel/framing.rs`) and guarded by process-shared locks where
//!     the transport does not keep items whole. Plus their broken forms:
//!     records above PIPE_BUF with no write lock, torn
//!     (`channel/pipe_large.rs`), and a reader that takes one read of a
//!     stream for one record (`channel/unframed.rs`).
//!   - [`mqueue`]: a POSIX message queue, bounded by `mq_maxmsg`.
//!   - [`spool`]: a spool directory, one file per message, claimed by
//!     atomic rename; and its broken form that claims by reading then
//!     deleting (`spool/read_then_delete.rs`).
//!
//! A user's queue is made the same way: [`ProcessQueueImpl`] says how,
//! [`queue_form`] makes it a [`QueueForm`] beside the built-ins.
//!
//! [`run`] drives any of them with producer and consumer processes and
//! checks the run with the thread tier's invariants
//! ([`check::queue::check`](crate::check::queue::check)).

pub mod bounded;
pub mod channel;
pub mod form;
pub mod ledger;
pub mod manager;
pub mod mqueue;
pub mod run;
pub mod shm;
pub mod spool;

pub use form::{ProcessQueueImpl, QueueForm, queue_form};
pub use ledger::Ledger;

use crate::check::ViolationKind;
use crate::os::arena::Arena;
use serde::Serialize;
use std::io;
use std::time::Duration;

/// The item that tells a consumer to stop: the sentinel of
/// docs/scenarios.md §4.
pub const STOP: u64 = u64::MAX;

/// How long a "blocking" operation may wait before it reports failure:
/// nothing in racelab waits forever.
pub const FOREVER: Duration = Duration::from_secs(30);

/// How long a broken queue's race window waits for the other parties (see
/// [`ProcessQueue::arm_race_window`]).
pub const WINDOW: Duration = Duration::from_secs(5);

/// The item producer `p` puts as its `seq`th.
pub fn item(producer: usize, seq: usize) -> u64 {
    ((producer as u64) << 32) | seq as u64
}

/// `(producer, seq)` of an item.
pub fn split(item: u64) -> (u32, u32) {
    ((item >> 32) as u32, item as u32)
}

/// Why a process queue refused an operation: the thread queue's refusals
/// (Full, Empty, Closed, task_done and join), and the ways a queue across
/// processes can fail besides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub enum QueueError {
    /// A put found no room within its bound (Python's `queue.Full`).
    Full,
    /// A get found no item within its bound (Python's `queue.Empty`).
    Empty,
    /// The queue was closed: puts are refused; gets drain it, then get this.
    Closed,
    /// More task_done calls than items taken.
    TaskDoneTooOften,
    /// A join whose bound ran out with items still unfinished.
    JoinTimedOut,
    /// A timeout below zero (or not a number): Python's ValueError.
    NegativeTimeout,
    /// A timeout longer than racelab ever waits (a year), or infinite.
    TimeoutTooLong,
    /// A lock inside the queue was still held at its bound (the message
    /// says which): the queue is stuck, not the system.
    Stuck(String),
    /// The queue handed back what is no item, or its server answered what
    /// is no answer (the message says what): the queue's fault.
    Corrupt(String),
    /// The operating system refused (the message says what).
    Os(String),
}

impl std::fmt::Display for QueueError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            QueueError::Full => f.write_str("full"),
            QueueError::Empty => f.write_str("empty"),
            QueueError::Closed => f.write_str("closed"),
            QueueError::TaskDoneTooOften => f.write_str("task_done() called too many times"),
            QueueError::JoinTimedOut => f.write_str("join timed out"),
            QueueError::NegativeTimeout => f.write_str("'timeout' must be a non-negative number"),
            QueueError::TimeoutTooLong => write!(
                f,
                "'timeout' must be at most {} s (a year)",
                crate::os::LONGEST_WAIT.as_secs()
            ),
            QueueError::Stuck(e) | QueueError::Corrupt(e) | QueueError::Os(e) => {
                write!(f, "{e}")
            }
        }
    }
}

impl From<io::Error> for QueueError {
    fn from(e: io::Error) -> Self {
        QueueError::Os(e.to_string())
    }
}

impl From<nix::errno::Errno> for QueueError {
    fn from(e: nix::errno::Errno) -> Self {
        QueueError::Os(e.desc().to_string())
    }
}

/// A timeout in seconds as Python's `queue.Queue` takes it: negative or
/// not a number is refused, as `queue.Queue.put(timeout=-1)` refuses it;
/// so is one beyond a year (infinity included): nothing in racelab waits
/// forever.
pub fn timeout(seconds: f64) -> Result<Duration, QueueError> {
    if seconds.is_nan() || seconds < 0.0 {
        return Err(QueueError::NegativeTimeout);
    }
    match Duration::try_from_secs_f64(seconds) {
        Ok(d) if d <= crate::os::LONGEST_WAIT => Ok(d),
        _ => Err(QueueError::TimeoutTooLong),
    }
}

/// What a worker does with the queue after the fork.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Puts items.
    Producer,
    /// Gets items.
    Consumer,
}

/// A bounded queue shared by processes. Made in the parent before the
/// fork; every method takes `&self` so forked workers use their inherited
/// copy as is.
pub trait ProcessQueue: Send + Sync {
    /// The bound in items, where the queue itself keeps it (a kernel
    /// buffer's bound in items is not fixed: `None`).
    fn capacity(&self) -> Option<usize>;

    /// Called once in a worker right after the fork: a pipe's consumer
    /// drops its copy of the write end (or it would never see end-of-file).
    fn enter(&self, _role: Role) {}

    /// Before the fork of a producer/consumer run: a broken queue opens
    /// the race window that makes its bug show in every run (see
    /// `os::window`). Correct queues have none.
    fn arm_race_window(&self) {}

    /// Puts `item`, waiting at most `within` for room.
    fn put(&self, item: u64, within: Duration) -> Result<(), QueueError>;

    /// Takes the next item, waiting at most `within` for one.
    fn get(&self, within: Duration) -> Result<u64, QueueError>;

    /// Refuses further puts and wakes every blocked get and put; gets
    /// drain what is queued, then report [`QueueError::Closed`].
    fn close(&self) -> Result<(), QueueError>;

    /// The shared task_done/join counters and closed flag.
    fn ledger(&self) -> &Ledger;

    /// Marks one item taken by a get as processed.
    fn task_done(&self) -> Result<(), QueueError> {
        self.ledger().task_done()
    }

    /// Waits until every item put has been marked done.
    fn join(&self, within: Duration) -> Result<(), QueueError> {
        self.ledger().join(within)
    }

    /// The most items the queue held at once, where it can tell.
    fn high_water(&self) -> Option<usize> {
        None
    }

    /// [`put`](Self::put) with a timeout in seconds, negative refused.
    fn put_timeout(&self, item: u64, seconds: f64) -> Result<(), QueueError> {
        self.put(item, timeout(seconds)?)
    }

    /// [`get`](Self::get) with a timeout in seconds, negative refused.
    fn get_timeout(&self, seconds: f64) -> Result<u64, QueueError> {
        self.get(timeout(seconds)?)
    }
}

/// Every process queue racelab has, correct and broken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Via {
    /// Shared-memory ring, robust mutex and condition variables.
    Shm,
    /// Shared-memory ring, counting semaphores (empty, full, mutex).
    ShmSemaphores,
    /// The manager design (docs/scenarios.md §3): a server process owns
    /// the items.
    Manager,
    /// Broken: the ring with no lock at all.
    ShmUnlocked,
    /// Broken: `if` instead of `while` around the condition wait.
    ShmIf,
    /// POSIX message queue: the kernel holds and bounds the items.
    #[serde(rename = "mqueue")]
    MessageQueue,
    /// Spool directory, one file per message, claimed by atomic rename.
    Spool,
    /// Broken: the spool claiming a file by reading then deleting it.
    #[serde(rename = "spool-no-rename")]
    SpoolInPlace,
    /// Anonymous pipe, 8-byte records (atomic below PIPE_BUF).
    Pipe,
    /// Named pipe in the run's arena, 8-byte records.
    Fifo,
    /// Unix stream socket pair, length-prefixed frames, read/write locks.
    UnixStream,
    /// Unix seqpacket socket pair: the kernel keeps message boundaries.
    #[serde(rename = "unix-seqpacket")]
    Seqpacket,
    /// One TCP connection on 127.0.0.1, framed and locked as the Unix stream.
    Tcp,
    /// Broken: the pipe with records above PIPE_BUF and no write lock.
    PipeLarge,
    /// Broken: the Unix stream with no length prefix and no read lock,
    /// one read taken as one record.
    #[serde(rename = "unix-stream-unframed")]
    StreamUnframed,
}

impl Via {
    /// Every process queue, the correct ones first, in the order
    /// `racelab queue --via all` runs them.
    pub const ALL: [Via; 15] = [
        Via::Shm,
        Via::ShmSemaphores,
        Via::Manager,
        Via::MessageQueue,
        Via::Spool,
        Via::Pipe,
        Via::Fifo,
        Via::UnixStream,
        Via::Seqpacket,
        Via::Tcp,
        Via::ShmUnlocked,
        Via::ShmIf,
        Via::SpoolInPlace,
        Via::PipeLarge,
        Via::StreamUnframed,
    ];

    /// Its name on the command line and in JSON (`shm`, `pipe-large`).
    pub fn name(self) -> &'static str {
        match self {
            Via::Shm => "shm",
            Via::ShmSemaphores => "shm-semaphores",
            Via::Manager => "manager",
            Via::ShmUnlocked => "shm-unlocked",
            Via::ShmIf => "shm-if",
            Via::MessageQueue => "mqueue",
            Via::Spool => "spool",
            Via::SpoolInPlace => "spool-no-rename",
            Via::Pipe => "pipe",
            Via::Fifo => "fifo",
            Via::UnixStream => "unix-stream",
            Via::Seqpacket => "unix-seqpacket",
            Via::Tcp => "tcp",
            Via::PipeLarge => "pipe-large",
            Via::StreamUnframed => "unix-stream-unframed",
        }
    }

    /// The queue named `name`, if any.
    pub fn parse(name: &str) -> Option<Via> {
        Via::ALL.into_iter().find(|v| v.name() == name)
    }

    /// One line: what it is.
    pub fn summary(self) -> &'static str {
        match self {
            Via::Shm => "ring in shared memory, robust mutex + condition variables",
            Via::ShmSemaphores => "ring in shared memory, counting semaphores empty/full/mutex",
            Via::Manager => "a server process owns the items; one request per connection",
            Via::ShmUnlocked => "ring in shared memory, no lock (broken)",
            Via::ShmIf => "ring in shared memory, `if` instead of `while` (broken)",
            Via::MessageQueue => "POSIX message queue, the kernel bounds it (mq_maxmsg)",
            Via::Spool => "spool directory, a file per message, claimed by atomic rename",
            Via::SpoolInPlace => "spool directory, claimed by reading then deleting (broken)",
            Via::Pipe => "anonymous pipe, 8-byte records, atomic below PIPE_BUF",
            Via::Fifo => "named pipe in the run's private directory, 8-byte records",
            Via::UnixStream => {
                "Unix stream socket pair, length-prefixed frames, read/write semaphores"
            }
            Via::Seqpacket => "Unix seqpacket socket pair, the kernel keeps message boundaries",
            Via::Tcp => "TCP on 127.0.0.1, length-prefixed frames, read/write semaphores",
            Via::PipeLarge => "pipe, records above PIPE_BUF, no write lock (broken: torn)",
            Via::StreamUnframed => {
                "Unix stream, no length prefix, one read taken as one record (broken)"
            }
        }
    }

    /// For a broken queue, the violation every run must report.
    pub fn breaks_with(self) -> Option<ViolationKind> {
        self.violations().first().copied()
    }

    /// The violations a run over this queue must report: none for a
    /// correct queue, its one kind for a broken one (the verdict the
    /// strategy table expects).
    pub fn violations(self) -> &'static [ViolationKind] {
        match self {
            Via::ShmUnlocked => &[ViolationKind::LostItem],
            Via::ShmIf => &[ViolationKind::PopFromEmpty],
            Via::SpoolInPlace => &[ViolationKind::DuplicatedItem],
            // The second record read starts inside a torn one: padding.
            Via::PipeLarge => &[ViolationKind::CorruptItem],
            // No record fits the shrunk buffer: each comes out as several.
            Via::StreamUnframed => &[ViolationKind::DuplicatedItem],
            _ => &[],
        }
    }

    /// Makes the queue in `arena` (in the parent, before any fork). A
    /// kernel transport's bound is its buffer's: `capacity` is for the
    /// rings.
    pub fn open(self, arena: &Arena, capacity: usize) -> io::Result<Box<dyn ProcessQueue>> {
        use shm::{IfNotWhile, Locked, Semaphores, ShmQueue, Unlocked, WhileLoop};
        use spool::{ReadThenDelete, Rename, Spool};
        fn boxed(queue: impl ProcessQueue + 'static) -> io::Result<Box<dyn ProcessQueue>> {
            Ok(Box::new(queue))
        }
        match self {
            Via::Shm => boxed(ShmQueue::<Locked<WhileLoop>>::new(arena, capacity)?),
            Via::ShmSemaphores => boxed(ShmQueue::<Semaphores>::new(arena, capacity)?),
            Via::Manager => boxed(manager::Manager::new(arena, capacity)?),
            Via::ShmUnlocked => boxed(ShmQueue::<Unlocked>::new(arena, capacity)?),
            Via::ShmIf => boxed(ShmQueue::<Locked<IfNotWhile>>::new(arena, capacity)?),
            Via::MessageQueue => boxed(mqueue::MessageQueue::new(arena, capacity)?),
            Via::Spool => boxed(Spool::<Rename>::new(arena, capacity)?),
            Via::SpoolInPlace => boxed(Spool::<ReadThenDelete>::new(arena, capacity)?),
            Via::Pipe
            | Via::Fifo
            | Via::UnixStream
            | Via::Seqpacket
            | Via::Tcp
            | Via::PipeLarge
            | Via::StreamUnframed => boxed(channel::ChannelQueue::open(arena, self)?),
        }
    }
}

impl std::fmt::Display for Via {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_queue_is_known_by_one_name() {
        for via in Via::ALL {
            let json = serde_json::to_string(&via).unwrap();
            assert_eq!(json, format!("\"{}\"", via.name()));
            assert_eq!(Via::parse(via.name()), Some(via));
        }
    }
}
