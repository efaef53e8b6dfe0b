//! A POSIX message queue, named `/racelab-<pid>-<n>` and created
//! exclusively with mode 0600. The kernel bounds it (10 messages of at most
//! 8 KiB by default): a worker whose message does not fit blocks until the
//! parent takes one. The guard closes and unlinks it, even on failure.

use super::{Mailbox, Partial};
use crate::process::arena::{Arena, PREFIX};
use nix::mqueue::{MQ_OFlag, MqAttr, MqdT, mq_close, mq_open, mq_receive, mq_send, mq_unlink};
use nix::poll::{PollFd, PollFlags, poll};
use nix::sys::stat::Mode;
use std::ffi::CString;
use std::io;
use std::os::fd::AsFd;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Instant;

pub struct MessageQueue {
    name: CString,
    queue: Option<MqdT>,
    creator: u32,
}

impl Mailbox for MessageQueue {
    fn open(_: &Arena, _: usize) -> io::Result<Self> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let name = format!(
            "/{PREFIX}{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Relaxed)
        );
        let name = CString::new(name).expect("no NUL in a queue name");
        let attr = MqAttr::new(0, 10, Partial::SIZE as _, 0);
        let flags = MQ_OFlag::O_CREAT | MQ_OFlag::O_EXCL | MQ_OFlag::O_RDWR | MQ_OFlag::O_NONBLOCK;
        let queue = mq_open(
            name.as_c_str(),
            flags,
            Mode::S_IRUSR | Mode::S_IWUSR,
            Some(&attr),
        )?;
        Ok(MessageQueue {
            name,
            queue: Some(queue),
            creator: std::process::id(),
        })
    }

    fn send(&self, partial: Partial) -> io::Result<()> {
        // The inherited descriptor is non-blocking: open a blocking one.
        let queue = mq_open(
            self.name.as_c_str(),
            MQ_OFlag::O_WRONLY,
            Mode::empty(),
            None,
        )?;
        let sent = mq_send(&queue, &partial.encode(), 0);
        mq_close(queue)?;
        Ok(sent?)
    }

    fn collect(&mut self, workers: usize, deadline: Instant) -> io::Result<Vec<Partial>> {
        let queue = self.queue.as_ref().expect("open until dropped");
        let mut partials = Vec::with_capacity(workers);
        while partials.len() < workers {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "no message before the deadline",
                ));
            }
            let timeout = super::poll_timeout(left);
            if poll(
                &mut [PollFd::new(queue.as_fd(), PollFlags::POLLIN)],
                timeout,
            )? == 0
            {
                continue;
            }
            let mut record = [0; Partial::SIZE];
            match mq_receive(queue, &mut record, &mut 0) {
                Ok(Partial::SIZE) => partials.push(Partial::decode(&record)),
                Ok(n) => return Err(io::Error::other(format!("a message of {n} bytes"))),
                Err(nix::errno::Errno::EAGAIN) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(partials)
    }
}

impl Drop for MessageQueue {
    fn drop(&mut self) {
        if let Some(queue) = self.queue.take() {
            let _ = mq_close(queue);
        }
        // Only the creator removes the name (a worker's copy is never
        // dropped, it ends in _exit, but be explicit).
        if std::process::id() == self.creator {
            let _ = mq_unlink(self.name.as_c_str());
        }
    }
}
