//! How frames are cut out of what a transport carries, and how an item
//! becomes a frame.
//!
//! 1. [`Records`] - fixed-size records, each read exactly (looping over
//!    short reads): a pipe's or a fifo's, below `PIPE_BUF`.
//! 2. [`LengthPrefixed`] - a `u32` length (little-endian), then that many
//!    bytes: a byte stream's (Unix stream, TCP).
//! 3. [`Packets`] - the transport keeps boundaries: one send is one
//!    message (seqpacket).
//!
//! A frame once started is finished, whatever the bound left (within
//! [`FOREVER`]), or the stream would be torn for everyone. The broken
//! framing, one read taken as one record, is `unframed`'s.

use super::{ChannelError, invalid};
use crate::os::framing::{FrameError, Rest, read_exact};
use crate::os::poll::wait_for;
use crate::process::queue::FOREVER;
use nix::errno::Errno;
use nix::poll::PollFlags;
use nix::sys::socket::MsgFlags;
use std::os::fd::{AsRawFd, OwnedFd};
use std::time::Instant;

/// One item on the wire: a `u64`, little-endian.
pub const RECORD: usize = 8;

/// The broken variants' record: more than twice `PIPE_BUF`, so no pipe
/// write of it is atomic and no small buffer holds it whole.
pub const LARGE_RECORD: usize = 2 * super::PIPE_BUF + RECORD;

/// What pads a large record after its item: it decodes to no item any
/// producer puts (and not to [`STOP`](crate::process::queue::STOP)).
pub const PADDING: u8 = 0x5A;

/// The largest length-prefixed frame a reader accepts.
pub const FRAME_MAX: usize = 256 * 1024 * 1024;

/// The largest seqpacket message a channel reads.
pub const PACKET_MAX: usize = 64 * 1024;

/// How a channel cuts frames out of its bytes.
pub trait Framing: Send + Sync + 'static {
    /// The size of a record read whole, for a framing of fixed records: a
    /// pipe sizes its buffer and its room by it.
    fn record(&self) -> Option<usize> {
        None
    }

    /// `item` as a frame.
    fn encode(&self, item: u64) -> Vec<u8>;

    /// The bytes that go on the wire for `frame` (a frame the framing
    /// cannot carry is refused).
    fn wire(&self, frame: &[u8]) -> Result<Vec<u8>, ChannelError>;

    /// Reads one frame, its first byte by `deadline`: the frame, and the
    /// bytes it took off the wire.
    fn read(&self, fd: &OwnedFd, deadline: Instant) -> Result<(Vec<u8>, usize), ChannelError>;
}

/// Fixed-size records of this many bytes: the item in the first 8, then
/// [`PADDING`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Records(pub usize);

impl Framing for Records {
    fn record(&self) -> Option<usize> {
        Some(self.0)
    }

    fn encode(&self, item: u64) -> Vec<u8> {
        let mut record = vec![PADDING; self.0];
        record[..RECORD].copy_from_slice(&item.to_le_bytes());
        record
    }

    fn wire(&self, frame: &[u8]) -> Result<Vec<u8>, ChannelError> {
        record_wire(frame, self.0)
    }

    fn read(&self, fd: &OwnedFd, deadline: Instant) -> Result<(Vec<u8>, usize), ChannelError> {
        let mut record = vec![0; self.0];
        read_exact(fd, &mut record, deadline, Rest::Within(FOREVER))?;
        Ok((record, self.0))
    }
}

/// A record on the wire is itself, if it has the record size.
pub(super) fn record_wire(frame: &[u8], size: usize) -> Result<Vec<u8>, ChannelError> {
    if frame.len() != size {
        return Err(invalid("a record must have the channel's record size"));
    }
    Ok(frame.to_vec())
}

/// A `u32` length (little-endian), then that many bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LengthPrefixed;

impl Framing for LengthPrefixed {
    fn encode(&self, item: u64) -> Vec<u8> {
        item.to_le_bytes().to_vec()
    }

    fn wire(&self, frame: &[u8]) -> Result<Vec<u8>, ChannelError> {
        if frame.len() > FRAME_MAX {
            return Err(invalid("frame too large"));
        }
        let mut wire = Vec::with_capacity(4 + frame.len());
        wire.extend_from_slice(&(frame.len() as u32).to_le_bytes());
        wire.extend_from_slice(frame);
        Ok(wire)
    }

    fn read(&self, fd: &OwnedFd, deadline: Instant) -> Result<(Vec<u8>, usize), ChannelError> {
        let mut len = [0; 4];
        read_exact(fd, &mut len, deadline, Rest::Within(FOREVER))?;
        let n = u32::from_le_bytes(len) as usize;
        if n > FRAME_MAX {
            return Err(ChannelError::broken("a frame's length is out of bounds"));
        }
        let mut body = vec![0; n];
        // The frame has started: its body comes within FOREVER, and an
        // end of file before it tears the frame.
        read_exact(
            fd,
            &mut body,
            crate::os::deadline(FOREVER),
            Rest::ByDeadline,
        )
        .map_err(|e| match e {
            FrameError::Empty => FrameError::Stalled,
            FrameError::Closed => FrameError::Cut,
            other => other,
        })?;
        Ok((body, 4 + n))
    }
}

/// One send is one message: the transport keeps boundaries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Packets;

impl Framing for Packets {
    fn encode(&self, item: u64) -> Vec<u8> {
        item.to_le_bytes().to_vec()
    }

    fn wire(&self, frame: &[u8]) -> Result<Vec<u8>, ChannelError> {
        // An empty message reads like end-of-file.
        if frame.is_empty() || frame.len() > PACKET_MAX {
            return Err(invalid("a packet must have 1 to PACKET_MAX bytes"));
        }
        Ok(frame.to_vec())
    }

    /// One seqpacket message: one `recv` takes exactly one, whole.
    fn read(&self, fd: &OwnedFd, deadline: Instant) -> Result<(Vec<u8>, usize), ChannelError> {
        let mut buf = vec![0; PACKET_MAX];
        let packet = when_readable(fd, deadline, || {
            // MSG_TRUNC: the message's real length, even if longer than buf.
            match nix::sys::socket::recv(fd.as_raw_fd(), &mut buf, MsgFlags::MSG_TRUNC) {
                Ok(0) => Err(ChannelError::Closed),
                Ok(n) if n > PACKET_MAX => {
                    Err(ChannelError::broken("a message larger than PACKET_MAX"))
                }
                Ok(n) => Ok(Some(buf[..n].to_vec())),
                Err(Errno::EAGAIN | Errno::EINTR) => Ok(None),
                Err(e) => Err(e.into()),
            }
        })?;
        let n = packet.len();
        Ok((packet, n))
    }
}

/// Tries `attempt` until it answers, waiting between tries (poll, bounded
/// by `deadline`) for `fd` to be readable. `Ok(None)`: not yet (EAGAIN or
/// EINTR); nothing by the deadline is [`ChannelError::Empty`].
pub(super) fn when_readable<T>(
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
