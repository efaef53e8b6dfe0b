//! A POSIX message queue under an unguessable name (see `mq_name`),
//! created exclusively with mode 0600. The kernel bounds it (10 messages
//! of at most 8 KiB by default): a worker whose message does not fit waits
//! (bounded) until the parent takes one.
//!
//! The parent opens both ends before the fork, a non-blocking one to
//! receive and a blocking one the workers inherit to send, and then
//! unlinks the name: no worker opens it, so nobody else can either, and a
//! run killed even with SIGKILL leaves no queue in the kernel.

use super::{DEADLINE, Mailbox, Partial};
use crate::os::arena::Arena;
use crate::os::mq_name::QueueName;
use crate::os::poll::wait_for;
use crate::process::lock::realtime_deadline;
use nix::errno::Errno;
use nix::mqueue::{MQ_OFlag, MqAttr, MqdT, mq_close, mq_receive};
use nix::poll::PollFlags;
use nix::unistd::Pid;
use std::io;
use std::os::fd::AsRawFd;
use std::time::Instant;

pub struct MqueueMailbox {
    receive: Option<MqdT>,
    send: Option<MqdT>,
}

impl Mailbox for MqueueMailbox {
    fn open(arena: &Arena, _: usize) -> io::Result<Self> {
        let name = QueueName::fresh(arena)?;
        let attr = MqAttr::new(0, 10, Partial::SIZE as _, 0);
        let receive = name.create(MQ_OFlag::O_RDONLY | MQ_OFlag::O_NONBLOCK, &attr)?;
        let send = name.open(MQ_OFlag::O_WRONLY)?;
        // Both ends are open: the name goes now (dropping it unlinks it).
        drop(name);
        Ok(MqueueMailbox {
            receive: Some(receive),
            send: Some(send),
        })
    }

    fn send(&self, partial: Partial) -> io::Result<()> {
        let queue = self.send.as_ref().expect("open until dropped");
        let bytes = partial.encode();
        let until = realtime_deadline(DEADLINE);
        loop {
            // SAFETY: the descriptor is open while `self` lives; `bytes` is
            // Partial::SIZE readable bytes and `until` a valid timespec.
            let sent = unsafe {
                libc::mq_timedsend(
                    queue.as_raw_fd(),
                    bytes.as_ptr().cast(),
                    bytes.len(),
                    0,
                    &until,
                )
            };
            match (sent, Errno::last()) {
                (0, _) => return Ok(()),
                (_, Errno::EINTR) => {}
                (_, e) => return Err(e.into()),
            }
        }
    }

    fn collect(
        &mut self,
        workers: usize,
        _: &[Pid],
        deadline: Instant,
    ) -> io::Result<Vec<Partial>> {
        let queue = self.receive.as_ref().expect("open until dropped");
        let mut partials = Vec::with_capacity(workers);
        while partials.len() < workers {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "no message before the deadline",
                ));
            }
            wait_for(queue, PollFlags::POLLIN, left)?;
            let mut record = [0; Partial::SIZE];
            match mq_receive(queue, &mut record, &mut 0) {
                Ok(Partial::SIZE) => partials.push(Partial::decode(&record)),
                Ok(n) => return Err(io::Error::other(format!("a message of {n} bytes"))),
                Err(Errno::EAGAIN) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(partials)
    }
}

impl Drop for MqueueMailbox {
    fn drop(&mut self) {
        for queue in [self.receive.take(), self.send.take()]
            .into_iter()
            .flatten()
        {
            let _ = mq_close(queue);
        }
    }
}
