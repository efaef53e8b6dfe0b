//! The IPC pitfalls of docs/scenarios.md ("Pitfalls"), each built so the
//! broken form fails every run and its fix never does:
//! - [`tear`]: writes larger than PIPE_BUF from several writers interleave
//!   in one pipe; writes up to PIPE_BUF never do.
//! - [`framing`]: one read of a stream socket is not one message; length
//!   framing restores the boundaries.
//! - [`permits`]: a semaphore with 2 permits bounds concurrency to 2 but is
//!   not mutual exclusion.
//! - [`alarm`]: SIGALRM interrupts a blocking open of a fifo (EINTR).

pub mod alarm;
pub mod framing;
pub mod permits;
pub mod tear;

use std::time::Duration;

/// How long any worker of a pitfall may run before it is killed.
pub const DEADLINE: Duration = Duration::from_secs(30);

/// A crew worker's failure as an io error naming the pitfall.
fn worker_error(what: &str, failure: crate::os::crew::Failure) -> std::io::Error {
    std::io::Error::other(format!("{what}: {failure}"))
}
