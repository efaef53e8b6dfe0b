//! The queue adapter: a [`ProcessQueue`] over a [`Channel`]. Items are
//! `u64`s, turned into frames by the channel's framing; the [`Ledger`]
//! keeps task_done/join and the closed flag the kernel lacks.

use super::{CLOSED_CHECK, Channel, ChannelError, Fifo, LengthPrefixed, Locks, Packets, Pipe};
use super::{RECORD, Records, Seqpacket, Tcp, UnixStream, pipe_large, unframed, unique};
use crate::os::arena::Arena;
use crate::process::queue::{Ledger, ProcessQueue, QueueError, Role, Via};
use std::io;
use std::time::{Duration, Instant};

/// A [`ProcessQueue`] over a [`Channel`].
pub struct ChannelQueue {
    channel: Channel,
    ledger: Ledger,
}

impl ChannelQueue {
    /// Opens `via`'s channel in `arena` (in the parent, before any fork):
    /// its transport, framing and locks.
    pub fn open(arena: &Arena, via: Via) -> io::Result<ChannelQueue> {
        let channel = match via {
            Via::Pipe => Channel::open::<Pipe>(arena, Records(RECORD), Locks::NONE)?,
            Via::Fifo => Channel::open::<Fifo>(arena, Records(RECORD), Locks::NONE)?,
            Via::UnixStream => Channel::open::<UnixStream>(arena, LengthPrefixed, Locks::BOTH)?,
            Via::Seqpacket => Channel::open::<Seqpacket>(arena, Packets, Locks::NONE)?,
            Via::Tcp => Channel::open::<Tcp>(arena, LengthPrefixed, Locks::BOTH)?,
            Via::PipeLarge => pipe_large::open(arena)?,
            Via::StreamUnframed => unframed::open(arena)?,
            Via::Shm
            | Via::ShmSemaphores
            | Via::Manager
            | Via::MessageQueue
            | Via::Spool
            | Via::ShmUnlocked
            | Via::ShmIf
            | Via::SpoolInPlace => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("{via} is not a kernel transport"),
                ));
            }
        };
        let ledger = Ledger::new(arena, &unique(via.name()))?;
        Ok(ChannelQueue { channel, ledger })
    }

    /// The byte channel under the queue.
    pub fn channel(&self) -> &Channel {
        &self.channel
    }

    /// The item in a frame's first 8 bytes (a short frame is zero-filled).
    fn decode(frame: &[u8]) -> u64 {
        let mut word = [0; RECORD];
        let n = frame.len().min(RECORD);
        word[..n].copy_from_slice(&frame[..n]);
        u64::from_le_bytes(word)
    }
}

impl ProcessQueue for ChannelQueue {
    fn capacity(&self) -> Option<usize> {
        None
    }

    fn enter(&self, role: Role) {
        self.channel.enter(role);
    }

    fn arm_race_window(&self) {
        // A failure leaves the race to chance; the negative control that
        // expects it every run then says so.
        let _ = self.channel.arm();
    }

    fn put(&self, item: u64, within: Duration) -> Result<(), QueueError> {
        let _putting = self.ledger.start_put()?;
        let _blocked = self.ledger.blocking();
        self.ledger.will_put(item);
        let frame = self.channel.framing().encode(item);
        let sent = self
            .channel
            .send_until(&frame, within, &|| self.ledger.is_closed());
        self.ledger.did_put(item, sent.is_ok());
        Ok(sent?)
    }

    /// Reads in slices of [`CLOSED_CHECK`]: end-of-file needs every
    /// process's write end closed, and a producer still alive (idle, or
    /// finishing) holds one; so a get also reports closed once the queue
    /// is closed, no put is under way and no byte is left unread.
    fn get(&self, within: Duration) -> Result<u64, QueueError> {
        let _blocked = self.ledger.blocking();
        let deadline = crate::os::deadline(within);
        loop {
            let slice = deadline
                .saturating_duration_since(Instant::now())
                .min(CLOSED_CHECK);
            match self.channel.recv(slice) {
                Ok(frame) => {
                    let item = Self::decode(&frame);
                    self.ledger.took(item);
                    return Ok(item);
                }
                Err(ChannelError::Empty) => {
                    // In this order: closed with no put under way, then
                    // nothing in flight.
                    if self.ledger.closed_for_good() && self.channel.in_flight() <= 0 {
                        return Err(QueueError::Closed);
                    }
                    if Instant::now() >= deadline {
                        return Err(QueueError::Empty);
                    }
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    fn close(&self) -> Result<(), QueueError> {
        self.ledger.close();
        self.channel.close_write();
        Ok(())
    }

    fn ledger(&self) -> &Ledger {
        &self.ledger
    }
}
