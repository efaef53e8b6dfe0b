//! What the processes tier and [`lessons`](crate::lessons) build on: the
//! operating system's pieces, each wrapped once.
//!
//! - [`arena`]: a run's private directory (in /dev/shm, or the temporary
//!   directory when /dev/shm is missing), removed with the run.
//! - [`crew`]: worker processes forked together, released together by a
//!   start barrier, reaped always.
//! - [`progress`]: the shared board where each worker records its step and
//!   its completed operations, and the watchdog that reads it.
//! - [`cleanup`]: nothing left behind, whatever ends a run (signals, the
//!   sweep of what a SIGKILL left).
//! - [`mapping`]: a shared memory mapping, allocated up front.
//! - [`window`]: the race window, one design for threads and processes.
//! - [`poll`]: bounded waits by looking again (a condition, a descriptor).
//! - [`semaphore`]: a process-shared POSIX semaphore, every wait bounded.
//! - [`framing`]: one whole frame read from a non-blocking descriptor.
//! - `mq_name`: private, unpredictable POSIX message queue names.

pub mod arena;
pub mod cleanup;
pub mod crew;
pub mod framing;
pub mod mapping;
pub(crate) mod mq_name;
pub mod poll;
pub mod progress;
pub mod semaphore;
pub mod window;

use std::time::{Duration, Instant};

/// The longest wait racelab takes: a bound beyond it (a caller's
/// `Duration::MAX`) is cut to it, so no deadline overflows.
pub const LONGEST_WAIT: Duration = Duration::from_secs(365 * 24 * 3600);

/// `within` from now, at most [`LONGEST_WAIT`] away.
pub fn deadline(within: Duration) -> Instant {
    Instant::now() + within.min(LONGEST_WAIT)
}
