//! A named pipe (fifo) at a unique path in the run's private directory
//! (mode 0600). The parent opens it read-write, which on Linux neither
//! blocks waiting for a writer nor reads end-of-file between writers.

use super::{Mailbox, Partial, read_records, write_record};
use crate::os::arena::Arena;
use nix::fcntl::{OFlag, open};
use nix::sys::stat::Mode;
use nix::unistd::Pid;
use std::io;
use std::os::fd::OwnedFd;
use std::path::PathBuf;
use std::time::Instant;

pub struct FifoMailbox {
    path: PathBuf,
    read: OwnedFd,
}

impl Mailbox for FifoMailbox {
    fn open(arena: &Arena, _: usize) -> io::Result<Self> {
        let path = arena.file("pi.fifo");
        nix::unistd::mkfifo(&path, Mode::S_IRUSR | Mode::S_IWUSR)?;
        let read = open(
            &path,
            OFlag::O_RDWR | OFlag::O_NONBLOCK | OFlag::O_CLOEXEC,
            Mode::empty(),
        )?;
        Ok(FifoMailbox { path, read })
    }

    fn send(&self, partial: Partial) -> io::Result<()> {
        let write = open(
            &self.path,
            OFlag::O_WRONLY | OFlag::O_CLOEXEC,
            Mode::empty(),
        )?;
        write_record(&write, partial, "the fifo")
    }

    fn collect(
        &mut self,
        workers: usize,
        _: &[Pid],
        deadline: Instant,
    ) -> io::Result<Vec<Partial>> {
        read_records(&self.read, workers, deadline)
    }
}
