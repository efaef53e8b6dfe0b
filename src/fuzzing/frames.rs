//! The length-prefixed frame reader ([`LengthPrefixed`]) of the
//! process queue's Unix stream and TCP transports, fed bytes no writer of
//! ours would write. Two properties on every input:
//!
//! - **Any bytes**: the input, written as it is into a channel with that
//!   framing, is read back as exactly the frames [`decode`] finds in it,
//!   then [`ChannelError::Closed`] if it ends on a frame boundary, or a
//!   typed [`ChannelError::Os`] if it ends inside a frame or announces a
//!   frame longer than [`FRAME_MAX`]. Never a panic, and never a wait: the
//!   writer has closed, so every read answers at once.
//! - **Round trip**: the input cut into frames ([`cut`]), sent by the real
//!   writer over a Unix stream socket pair, comes back frame for frame.
//!
//! The raw bytes go through a fifo rather than the socket pair: a fifo has
//! a path, so the check can write into it with no writer of ours in the
//! way. The reader is the same code whatever the transport.

use super::{Failure, ensure};
use crate::os::arena::Arena;
use crate::process::queue::channel::{
    Channel, ChannelError, FRAME_MAX, Fifo, LengthPrefixed, Locks, UnixStream,
};
use std::io::Write;
use std::time::Duration;

/// The most input bytes a check writes raw before reading: below the
/// fifo's pipe size (16 KiB), so the write never waits for a reader.
pub const MAX_INPUT: usize = 8 * 1024;

/// How a stream of bytes ends, for a length-prefixed reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// After a whole frame (or at once): end-of-file.
    Clean,
    /// Inside a length or a payload.
    Truncated,
    /// At a length above [`FRAME_MAX`].
    OutOfBounds,
}

/// The frames in `bytes` and how they end: the reference the reader is
/// held to (a `u32` little-endian length, then that many bytes).
pub fn decode(mut bytes: &[u8]) -> (Vec<Vec<u8>>, End) {
    let mut frames = Vec::new();
    loop {
        if bytes.is_empty() {
            return (frames, End::Clean);
        }
        let Some((len, rest)) = bytes.split_first_chunk::<4>() else {
            return (frames, End::Truncated);
        };
        let len = u32::from_le_bytes(*len) as usize;
        if len > FRAME_MAX {
            return (frames, End::OutOfBounds);
        }
        if rest.len() < len {
            return (frames, End::Truncated);
        }
        let (frame, rest) = rest.split_at(len);
        frames.push(frame.to_vec());
        bytes = rest;
    }
}

/// `bytes` cut into frames: each frame's length is the next two bytes
/// (little-endian), cut to what is left, and its payload follows them.
pub fn cut(mut bytes: &[u8]) -> Vec<&[u8]> {
    let mut frames = Vec::new();
    while let Some((len, rest)) = bytes.split_first_chunk::<2>() {
        let len = usize::from(u16::from_le_bytes(*len)).min(rest.len());
        let (frame, rest) = rest.split_at(len);
        frames.push(frame);
        bytes = rest;
    }
    frames
}

/// Both properties on `data` (its first [`MAX_INPUT`] bytes).
pub fn check(data: &[u8]) -> Result<(), Failure> {
    let data = &data[..data.len().min(MAX_INPUT)];
    let arena = Arena::new()?;
    let (frames, end) = read_raw(&arena, data)?;
    judge(data, &frames, &end)?;
    round_trip(&arena, &cut(data))
}

/// What the reader made of `bytes` written raw into a fifo channel: the
/// frames it returned, then the error that ended them.
fn read_raw(arena: &Arena, bytes: &[u8]) -> Result<(Vec<Vec<u8>>, ChannelError), Failure> {
    let channel = Channel::open::<Fifo>(arena, LengthPrefixed, Locks::BOTH)?;
    let path = channel
        .path()
        .ok_or_else(|| Failure::Setup(std::io::Error::other("a fifo channel without a path")))?;
    // The fifo has a reader (the channel's), so this open does not block,
    // and the bytes fit in its pipe, so neither does the write.
    let mut writer = std::fs::OpenOptions::new().write(true).open(path)?;
    writer.write_all(bytes)?;
    drop(writer);
    // The last write end: the reader now sees end-of-file after the bytes.
    channel.close_write();
    let mut frames = Vec::new();
    // Each frame takes at least its 4-byte length: any more reads than
    // this and the reader returned frames the bytes do not hold.
    let most = bytes.len() / 4 + 1;
    loop {
        match channel.recv(Duration::ZERO) {
            Ok(frame) => frames.push(frame),
            Err(end) => return Ok((frames, end)),
        }
        ensure(frames.len() <= most, || {
            format!("{} frames read from {} bytes", frames.len(), bytes.len())
        })?;
    }
}

/// Holds the reader's answer to `bytes` to [`decode`]'s.
pub fn judge(bytes: &[u8], frames: &[Vec<u8>], end: &ChannelError) -> Result<(), Failure> {
    let (expected, expected_end) = decode(bytes);
    ensure(frames == expected, || {
        format!(
            "read {} frames of lengths {:?}, the bytes hold {} of lengths {:?}",
            frames.len(),
            frames.iter().map(Vec::len).collect::<Vec<_>>(),
            expected.len(),
            expected.iter().map(Vec::len).collect::<Vec<_>>(),
        )
    })?;
    let ends_right = match expected_end {
        End::Clean => matches!(end, ChannelError::Closed),
        End::Truncated | End::OutOfBounds => matches!(end, ChannelError::Os(_)),
    };
    ensure(ends_right, || {
        format!("the bytes end {expected_end:?}, the reader said {end:?}")
    })
}

/// Sends `frames` with the real writer and reads them back. A send that
/// finds no room (the socket's buffer counts each small send at far more
/// than its bytes) is [`ChannelError::Full`] within a zero bound, the right
/// answer: the frames sent so far are read back, and the send tried again
/// on an empty channel, where it must go through.
fn round_trip(arena: &Arena, frames: &[&[u8]]) -> Result<(), Failure> {
    let channel = Channel::open::<UnixStream>(arena, LengthPrefixed, Locks::BOTH)?;
    let mut pending: Vec<&[u8]> = Vec::new();
    for &frame in frames {
        let mut sent = channel.send(frame, Duration::ZERO);
        if matches!(sent, Err(ChannelError::Full)) && !pending.is_empty() {
            read_back(&channel, &mut pending)?;
            sent = channel.send(frame, Duration::ZERO);
        }
        if let Err(e) = sent {
            return Err(Failure::Broken(format!(
                "a {}-byte frame was refused with {} before it unread: {e:?}",
                frame.len(),
                pending.len()
            )));
        }
        pending.push(frame);
    }
    read_back(&channel, &mut pending)?;
    channel.close_write();
    let after = channel.recv(Duration::ZERO);
    ensure(matches!(after, Err(ChannelError::Closed)), || {
        format!("after every frame and the close, read {after:?}")
    })
}

/// Reads `pending` back in order, and empties it.
fn read_back(channel: &Channel, pending: &mut Vec<&[u8]>) -> Result<(), Failure> {
    for frame in pending.drain(..) {
        let back = channel.recv(Duration::ZERO);
        ensure(matches!(&back, Ok(b) if b == frame), || {
            format!("sent a {}-byte frame, read {back:?}", frame.len())
        })?;
    }
    Ok(())
}
