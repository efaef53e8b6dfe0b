//! Why a send or a receive did not happen, as the channel's callers see
//! it: a queue's `Full`, `Empty` and `Closed`, or the system's error.

use crate::os::framing::FrameError;
use crate::process::queue::QueueError;
use nix::errno::Errno;
use std::io;

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
    /// The system refused, or the channel broke its own framing.
    Os(io::Error),
}

impl ChannelError {
    /// The channel broke its own framing (a frame cut or left half way).
    pub(super) fn broken(message: &str) -> ChannelError {
        ChannelError::Os(io::Error::other(message.to_string()))
    }
}

/// A frame the channel cannot carry.
pub(super) fn invalid(message: &str) -> ChannelError {
    ChannelError::Os(io::Error::new(io::ErrorKind::InvalidInput, message))
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

impl From<FrameError> for ChannelError {
    fn from(e: FrameError) -> Self {
        match e {
            FrameError::Empty => ChannelError::Empty,
            FrameError::Closed => ChannelError::Closed,
            FrameError::Cut => ChannelError::broken("end of file inside a frame"),
            FrameError::Stalled => ChannelError::broken("a frame was left half read"),
            FrameError::Os(e) => ChannelError::Os(e),
        }
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
