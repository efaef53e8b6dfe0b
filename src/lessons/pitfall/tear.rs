//! Several writers, one pipe. POSIX makes a write of at most PIPE_BUF
//! bytes to a pipe atomic; a larger write may be split, and another
//! writer's bytes land in the middle (docs/scenarios.md "Pitfalls": pipe
//! code that writes large messages from several writers assumes otherwise).
//!
//! Every message is `size` bytes, all equal to its writer's number, so the
//! reader sees a tear as a message-sized chunk whose bytes are not all one
//! writer's. To make the tear certain rather than likely, the pipe is
//! shrunk to [`CAPACITY`], far below the torn message size: a writer fills
//! it, sleeps until the reader makes room, and the kernel hands the room
//! to whichever writer it wakes, message after message.

use super::{DEADLINE, worker_error};
use crate::os::crew::Crew;
use nix::fcntl::{FcntlArg, OFlag, fcntl};
use serde::Serialize;
use std::io;
use std::os::fd::AsFd;
use std::time::Instant;

/// The pipe's capacity for both the torn and the intact run.
pub const CAPACITY: usize = 16 * 1024;

/// Writes of at most this many bytes to a pipe are atomic.
pub const PIPE_BUF: usize = libc::PIPE_BUF;

/// What the reader found in the pipe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TearReport {
    /// Writer processes that ran.
    pub writers: usize,
    /// Bytes per message.
    pub size: usize,
    /// Message-sized chunks read.
    pub chunks: usize,
    /// Chunks mixing bytes of two or more writers.
    pub torn: usize,
    /// Whole messages read per writer (intact chunks).
    pub intact_per_writer: Vec<usize>,
}

/// `writers` processes each write `messages` messages of `size` bytes, one
/// `write` call per message, to one pipe; the parent reads them all.
pub fn pipe_writers(writers: usize, messages: usize, size: usize) -> io::Result<TearReport> {
    if writers == 0 || writers > 255 || messages == 0 || size == 0 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "need 1 to 255 writers, at least one message of at least one byte",
        ));
    }
    let (read, write) = nix::unistd::pipe2(OFlag::O_CLOEXEC)?;
    fcntl(&write, FcntlArg::F_SETPIPE_SZ(CAPACITY as i32))?;
    let mut crew = Crew::spawn(writers, |i| -> Result<(), String> {
        let message = vec![i as u8 + 1; size];
        for _ in 0..messages {
            write_one(&write, &message).map_err(|e| e.to_string())?;
        }
        Ok(())
    })?;
    crew.start();
    let total = writers * messages * size;
    let mut stream = vec![0u8; total];
    let received = crate::lessons::pi::read_exact_until(
        &nonblocking(read)?,
        &mut stream,
        Instant::now() + DEADLINE,
    );
    for result in crew.collect::<Result<(), String>>(DEADLINE) {
        result
            .map_err(|f| worker_error("pipe writer", f))?
            .map_err(io::Error::other)?;
    }
    received?;
    Ok(classify(&stream, writers, size))
}

/// One `write` call for the whole message, as the broken pipe code makes. A
/// blocking pipe write returns short only on a signal; none is sent here.
fn write_one(fd: &impl AsFd, message: &[u8]) -> io::Result<()> {
    let written = nix::unistd::write(fd, message)?;
    if written == message.len() {
        Ok(())
    } else {
        Err(io::Error::other(format!(
            "short write: {written} of {}",
            message.len()
        )))
    }
}

fn nonblocking(fd: std::os::fd::OwnedFd) -> io::Result<std::os::fd::OwnedFd> {
    fcntl(&fd, FcntlArg::F_SETFL(OFlag::O_NONBLOCK))?;
    Ok(fd)
}

fn classify(stream: &[u8], writers: usize, size: usize) -> TearReport {
    let mut report = TearReport {
        writers,
        size,
        chunks: 0,
        torn: 0,
        intact_per_writer: vec![0; writers],
    };
    for chunk in stream.chunks(size) {
        report.chunks += 1;
        let first = chunk[0];
        if chunk.iter().all(|&b| b == first) && (1..=writers).contains(&usize::from(first)) {
            report.intact_per_writer[usize::from(first) - 1] += 1;
        } else {
            report.torn += 1;
        }
    }
    report
}
