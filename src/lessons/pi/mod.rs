//! The IPC mechanisms of docs/scenarios.md §5, each computing pi.
//!
//! Ten workers each sum a slice of the series `sum 1/(2k+1)^2, k < n` and
//! hand their partial sum to the parent, which prints `pi = sqrt(8 *
//! total)`. The hand-over goes through one [`Via`] at a time: an
//! anonymous pipe, a named pipe, a POSIX message queue, shared memory, a
//! Unix socket, TCP on loopback, or a file per worker. Every mechanism must
//! deliver every partial sum exactly once; the parent adds them in worker
//! order, so every mechanism gives the same pi to the last bit, and it is
//! checked against a single-process sum.
//!
//! Every path lives in the run's private [`Arena`] (a fifo at a fixed path
//! in /tmp is a pitfall, docs/scenarios.md "Pitfalls"); every wait has a
//! deadline; every resource (fifo, queue, socket file, mapping) is removed
//! by a guard.

mod fifo;
mod files;
mod mqueue;
mod pipe;
mod shm;
mod stream;

use crate::os::arena::Arena;
use crate::os::crew::Crew;
use nix::unistd::Pid;
use serde::Serialize;
use std::io;
use std::time::{Duration, Instant};

/// How the partial sums reach the parent.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    strum::Display,
    strum::EnumString,
    strum::IntoStaticStr,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum Via {
    /// An anonymous pipe, inherited across fork (parent and children only).
    Pipe,
    /// A named pipe (fifo) in the run's private directory.
    Fifo,
    /// A POSIX message queue, bounded by the kernel.
    #[strum(serialize = "mqueue")]
    MessageQueue,
    /// A `MAP_SHARED` mapping: one slot per worker.
    #[strum(serialize = "shm")]
    SharedMemory,
    /// A Unix domain stream socket, one connection per worker.
    UnixSocket,
    /// TCP on 127.0.0.1, a port the kernel picks.
    Tcp,
    /// A file per worker, named after its pid, written atomically.
    Files,
}

impl Via {
    /// Every route, in the order `racelab pi --via all` runs them.
    pub const ALL: [Via; 7] = [
        Via::Pipe,
        Via::Fifo,
        Via::MessageQueue,
        Via::SharedMemory,
        Via::UnixSocket,
        Via::Tcp,
        Via::Files,
    ];

    /// Its name on the command line (`pipe`, `mqueue`, `unix-socket`).
    pub fn name(self) -> &'static str {
        self.into()
    }

    /// The route named `name`, if any.
    pub fn parse(name: &str) -> Option<Via> {
        name.parse().ok()
    }
}

/// One worker's partial sum, as it travels: 4 bytes of worker index and 8
/// of the sum's bits, little-endian. Twelve bytes is below PIPE_BUF, so a
/// write of one record to a pipe is atomic even with many writers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Partial {
    /// The index of the worker that summed this slice.
    pub worker: u32,
    /// Its slice's sum.
    pub sum: f64,
}

impl Partial {
    /// Bytes of one encoded record.
    pub const SIZE: usize = 12;

    /// The record as it goes on the wire.
    pub fn encode(self) -> [u8; Self::SIZE] {
        let mut bytes = [0; Self::SIZE];
        bytes[..4].copy_from_slice(&self.worker.to_le_bytes());
        bytes[4..].copy_from_slice(&self.sum.to_bits().to_le_bytes());
        bytes
    }

    /// The record read back from the wire.
    pub fn decode(bytes: &[u8; Self::SIZE]) -> Self {
        let worker = u32::from_le_bytes(bytes[..4].try_into().expect("4 bytes"));
        let bits = u64::from_le_bytes(bytes[4..].try_into().expect("8 bytes"));
        Partial {
            worker,
            sum: f64::from_bits(bits),
        }
    }
}

/// One mechanism's two ends: opened by the parent before the fork, used by
/// the workers to send and by the parent to collect.
trait Mailbox: Sized {
    fn open(arena: &Arena, workers: usize) -> io::Result<Self>;
    /// In a worker, after the fork.
    fn send(&self, partial: Partial) -> io::Result<()>;
    /// In the parent: one partial per worker, or an error at the deadline.
    /// `from` are the workers' pids: a mechanism that can tell who sent a
    /// message takes it only from them.
    fn collect(
        &mut self,
        workers: usize,
        from: &[Pid],
        deadline: Instant,
    ) -> io::Result<Vec<Partial>>;
}

/// The sum of `1/(2k+1)^2` for `k` in `range`.
pub fn series(range: std::ops::Range<u64>) -> f64 {
    range.map(|k| 1.0 / ((2 * k + 1) as f64).powi(2)).sum()
}

/// Worker `i`'s slice of `0..terms` among `workers`.
pub fn slice(i: usize, workers: usize, terms: u64) -> std::ops::Range<u64> {
    let (i, w) = (i as u64, workers as u64);
    (i * terms / w)..((i + 1) * terms / w)
}

/// pi from the single-process sum, adding the slices in the same order as
/// the parent does (so a correct hand-over matches it exactly).
pub fn reference(workers: usize, terms: u64) -> f64 {
    let total: f64 = (0..workers).map(|i| series(slice(i, workers, terms))).sum();
    (8.0 * total).sqrt()
}

/// One computation of pi through one mechanism.
#[derive(Debug, Clone, Serialize)]
pub struct PiRun {
    /// The route the partial sums took.
    pub via: Via,
    /// pi as the parent computed it from the partial sums.
    pub pi: f64,
    /// |pi - the single-process pi|.
    pub error: f64,
    /// Wall time of the whole run: setup, the workers' sums and the hand-over.
    #[serde(serialize_with = "crate::tier::as_millis")]
    pub elapsed: Duration,
}

/// How long a run may take before the workers are killed.
pub const DEADLINE: Duration = Duration::from_secs(60);

/// Computes pi with `workers` processes summing `terms` terms, handing the
/// partial sums over through `via`.
pub fn pi(via: Via, workers: usize, terms: u64) -> io::Result<PiRun> {
    match via {
        Via::Pipe => run::<pipe::PipeMailbox>(via, workers, terms),
        Via::Fifo => run::<fifo::FifoMailbox>(via, workers, terms),
        Via::MessageQueue => run::<mqueue::MqueueMailbox>(via, workers, terms),
        Via::SharedMemory => run::<shm::ShmMailbox>(via, workers, terms),
        Via::UnixSocket => run::<stream::UnixMailbox>(via, workers, terms),
        Via::Tcp => run::<stream::TcpMailbox>(via, workers, terms),
        Via::Files => run::<files::FilesMailbox>(via, workers, terms),
    }
}

fn run<M: Mailbox>(via: Via, workers: usize, terms: u64) -> io::Result<PiRun> {
    if workers == 0 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "at least one worker is needed",
        ));
    }
    let started = Instant::now();
    let arena = Arena::new()?;
    let mut mailbox = M::open(&arena, workers)?;
    let mut crew = Crew::spawn(workers, |i| {
        let partial = Partial {
            worker: i as u32,
            sum: series(slice(i, workers, terms)),
        };
        mailbox.send(partial).map_err(|e| e.to_string())
    })?;
    crew.start();
    let received = mailbox.collect(workers, &crew.pids(), started + DEADLINE);
    for (i, result) in crew
        .collect::<Result<(), String>>(DEADLINE)
        .into_iter()
        .enumerate()
    {
        match result {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(io::Error::other(format!("worker {i} could not send: {e}"))),
            Err(failure) => return Err(io::Error::other(format!("worker {i}: {failure}"))),
        }
    }
    let mut partials = received?;
    partials.sort_by_key(|p| p.worker);
    let workers_seen: Vec<u32> = partials.iter().map(|p| p.worker).collect();
    if workers_seen != (0..workers as u32).collect::<Vec<_>>() {
        return Err(io::Error::other(format!(
            "expected one partial sum per worker, got {workers_seen:?}"
        )));
    }
    let total: f64 = partials.iter().map(|p| p.sum).sum();
    let pi = (8.0 * total).sqrt();
    Ok(PiRun {
        via,
        pi,
        error: (pi - reference(workers, terms)).abs(),
        elapsed: started.elapsed(),
    })
}

/// Reads exactly `buf.len()` bytes from a non-blocking descriptor, all of
/// them by `deadline`.
pub(crate) fn read_exact_until(
    fd: &impl std::os::fd::AsFd,
    buf: &mut [u8],
    deadline: Instant,
) -> io::Result<()> {
    use crate::os::framing::{FrameError, Rest, read_exact};
    read_exact(fd, buf, deadline, Rest::ByDeadline).map_err(|e| match e {
        FrameError::Empty | FrameError::Stalled => {
            io::Error::new(io::ErrorKind::TimedOut, "no message before the deadline")
        }
        FrameError::Closed | FrameError::Cut => {
            io::Error::new(io::ErrorKind::UnexpectedEof, "the writers went away")
        }
        FrameError::Os(e) => e,
    })
}

/// Writes `partial` to `fd` in one `write` (atomic: below PIPE_BUF).
fn write_record(fd: &impl std::os::fd::AsFd, partial: Partial, to: &str) -> io::Result<()> {
    let written = nix::unistd::write(fd, &partial.encode())?;
    if written == Partial::SIZE {
        Ok(())
    } else {
        Err(io::Error::other(format!("short write to {to}")))
    }
}

/// Collects `workers` fixed-size records from one descriptor.
fn read_records(
    fd: &impl std::os::fd::AsFd,
    workers: usize,
    deadline: Instant,
) -> io::Result<Vec<Partial>> {
    (0..workers)
        .map(|_| {
            let mut record = [0; Partial::SIZE];
            read_exact_until(fd, &mut record, deadline).map(|()| Partial::decode(&record))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::Via;

    #[test]
    fn every_route_has_one_name_that_parses_back() {
        let names: Vec<&str> = Via::ALL.iter().map(|v| v.name()).collect();
        assert_eq!(
            names,
            [
                "pipe",
                "fifo",
                "mqueue",
                "shm",
                "unix-socket",
                "tcp",
                "files"
            ]
        );
        for via in Via::ALL {
            assert_eq!(Via::parse(via.name()), Some(via));
            assert_eq!(via.to_string(), via.name());
        }
    }
}
