//! A stream socket carries bytes, not messages (docs/scenarios.md
//! "Pitfalls"). Code that takes one `recv(1024)` for one message breaks:
//! when the writer sends twice before the reader reads, both messages
//! arrive in that one read.
//!
//! To make that certain, the writer (a separate process) sends every
//! message and exits before the parent reads at all. The fix is framing:
//! each message goes out behind its length (4 bytes, little-endian) and
//! the reader reads exactly that many bytes back.

use super::{DEADLINE, worker_error};
use crate::os::crew::Crew;
use std::io::{self, Read, Write};
use std::os::unix::net::UnixStream;

/// How the reader splits the stream into messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    /// The broken way: each `read` of up to 1024 bytes is one message.
    OneReadPerMessage,
    /// A 4-byte length, then that many bytes.
    LengthFramed,
}

/// A child process writes `messages` to one end of a Unix stream socket
/// pair (framed if `reading` expects frames) and exits; then the parent
/// reads the other end until end-of-file and returns what it took for
/// messages.
pub fn stream_messages(reading: Reading, messages: &[&[u8]]) -> io::Result<Vec<Vec<u8>>> {
    let (mut parent_end, child_end) = UnixStream::pair()?;
    let crew = Crew::spawn(1, |_| -> Result<(), String> {
        let mut out = &child_end;
        for m in messages {
            if reading == Reading::LengthFramed {
                let len = u32::try_from(m.len()).map_err(|e| e.to_string())?;
                out.write_all(&len.to_le_bytes())
                    .map_err(|e| e.to_string())?;
            }
            out.write_all(m).map_err(|e| e.to_string())?;
        }
        Ok(())
    })?;
    // The writer has finished (its result is in) before the first read.
    for result in crew.collect::<Result<(), String>>(DEADLINE) {
        result
            .map_err(|f| worker_error("socket writer", f))?
            .map_err(io::Error::other)?;
    }
    drop(child_end);
    parent_end.set_read_timeout(Some(DEADLINE))?;
    match reading {
        Reading::OneReadPerMessage => read_naively(&mut parent_end),
        Reading::LengthFramed => read_frames(&mut parent_end),
    }
}

fn read_naively(stream: &mut UnixStream) -> io::Result<Vec<Vec<u8>>> {
    let mut messages = Vec::new();
    loop {
        let mut buf = [0u8; 1024];
        match stream.read(&mut buf)? {
            0 => return Ok(messages),
            n => messages.push(buf[..n].to_vec()),
        }
    }
}

fn read_frames(stream: &mut UnixStream) -> io::Result<Vec<Vec<u8>>> {
    let mut messages = Vec::new();
    loop {
        // End-of-file is a clean end only between frames: a length cut
        // short is a truncated stream, not the last message.
        let mut len = [0u8; 4];
        let mut filled = 0;
        while filled < len.len() {
            match stream.read(&mut len[filled..])? {
                0 if filled == 0 => return Ok(messages),
                0 => {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        format!("the stream ended {filled} bytes into a 4-byte length"),
                    ));
                }
                n => filled += n,
            }
        }
        let mut body = vec![0u8; u32::from_le_bytes(len) as usize];
        stream.read_exact(&mut body)?;
        messages.push(body);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames_of(bytes: &[u8]) -> io::Result<Vec<Vec<u8>>> {
        let (mut reader, mut writer) = UnixStream::pair()?;
        writer.write_all(bytes)?;
        drop(writer);
        read_frames(&mut reader)
    }

    #[test]
    fn end_of_file_between_frames_is_a_clean_end() {
        let frames = frames_of(&[2, 0, 0, 0, b'h', b'i', 0, 0, 0, 0]).unwrap();
        assert_eq!(frames, [b"hi".to_vec(), Vec::new()]);
    }

    #[test]
    fn a_length_cut_short_is_an_error_not_the_end() {
        let e = frames_of(&[2, 0, 0, 0, b'h', b'i', 9, 0]).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::UnexpectedEof);
        assert!(e.to_string().contains("2 bytes into"), "{e}");
    }

    #[test]
    fn a_body_cut_short_is_an_error() {
        let e = frames_of(&[3, 0, 0, 0, b'h']).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::UnexpectedEof);
    }
}
