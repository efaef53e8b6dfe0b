//! Reading one whole frame of known size from a non-blocking descriptor
//! (a pipe, a fifo, a stream socket): the one exact reader the process
//! queues' channels and the pi lesson share.
//!
//! A byte stream keeps no boundaries: one read may return part of a frame,
//! and a writer's frame may arrive in pieces. So the reader loops over
//! short reads, waiting with `poll` between them, until the buffer is full.
//! Two bounds: the first byte must come by a deadline, and once the frame
//! has started, the rest must follow within its own bound ([`Rest`]): a
//! reader that gave up inside a frame would leave the stream torn for
//! every reader after it.

use crate::os::poll::wait_for;
use nix::errno::Errno;
use nix::poll::PollFlags;
use std::io;
use std::os::fd::AsFd;
use std::time::{Duration, Instant};

/// How long the rest of a frame may take once its first byte is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rest {
    /// The same deadline as the first byte: the whole frame by then.
    ByDeadline,
    /// This long after the first byte, whatever the deadline.
    Within(Duration),
}

/// Why a frame was not read whole.
#[derive(Debug)]
pub enum FrameError {
    /// Not one byte came by the deadline.
    Empty,
    /// End-of-file before the first byte: every write end is closed.
    Closed,
    /// End-of-file inside the frame: it was cut short.
    Cut,
    /// The frame started, and its rest did not come within its bound.
    Stalled,
    /// The system refused the read or the poll.
    Os(io::Error),
}

impl From<Errno> for FrameError {
    fn from(e: Errno) -> Self {
        FrameError::Os(e.into())
    }
}

/// Reads exactly `buf.len()` bytes from `fd`, which must be non-blocking:
/// the first byte by `deadline`, the rest as `rest` says. `EINTR` and
/// `EAGAIN` are retried.
pub fn read_exact(
    fd: &impl AsFd,
    buf: &mut [u8],
    deadline: Instant,
    rest: Rest,
) -> Result<(), FrameError> {
    let mut filled = 0;
    let mut finish_by = None;
    while filled < buf.len() {
        match nix::unistd::read(fd, &mut buf[filled..]) {
            Ok(0) if filled == 0 => return Err(FrameError::Closed),
            Ok(0) => return Err(FrameError::Cut),
            Ok(n) => {
                filled += n;
                finish_by.get_or_insert(match rest {
                    Rest::ByDeadline => deadline,
                    Rest::Within(bound) => crate::os::deadline(bound),
                });
                continue;
            }
            Err(Errno::EAGAIN | Errno::EINTR) => {}
            Err(e) => return Err(e.into()),
        }
        let left = finish_by
            .unwrap_or(deadline)
            .saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(match filled {
                0 => FrameError::Empty,
                _ => FrameError::Stalled,
            });
        }
        wait_for(fd, PollFlags::POLLIN, left)?;
    }
    Ok(())
}
