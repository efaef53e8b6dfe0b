//! `pipe-large` (broken; a negative control, caught every run): the pipe
//! with records of [`LARGE_RECORD`] bytes (the item, then
//! [`PADDING`](super::PADDING)) from several writers with no write lock.
//!
//! The reader is right: a read lock and exactly one record per read. The
//! writers are not: POSIX makes a pipe write atomic only up to `PIPE_BUF`
//! bytes, and a large record goes in pieces whenever the pipe is full, with
//! another writer's pieces in between.
//!
//! The race window ([`TearWindow`], as the tear pitfall does): for a
//! producer/consumer run the pipe is shrunk to one page, so every record
//! goes in pieces, and the first writer caught mid-record waits until a
//! second writer has written a piece of its own. The second record read
//! starts inside a torn one and decodes padding, an item no producer put:
//! [`ViolationKind::CorruptItem`](crate::check::ViolationKind::CorruptItem).

use super::{Arm, Channel, LARGE_RECORD, Locks, Pipe, Records, room::page_size, unique};
use crate::os::arena::Arena;
use crate::os::mapping::Mapped;
use crate::os::window::{Window, WindowCell};
use crate::process::queue::WINDOW;
use nix::fcntl::{FcntlArg, fcntl};
use std::io;
use std::os::fd::OwnedFd;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};

/// Opens the broken pipe in `arena` (in the parent, before any fork).
pub fn open(arena: &Arena) -> io::Result<Channel> {
    let read_lock_only = Locks {
        read: true,
        write: false,
    };
    let channel = Channel::open::<Pipe>(arena, Records(LARGE_RECORD), read_lock_only)?;
    Ok(channel.armed_with(TearWindow::new(arena)?))
}

/// Two writers caught mid-record meet.
const TWO_WRITERS: Window = Window {
    parties: 2,
    hold: WINDOW,
};

/// Holds the first writer caught mid-record until a second one is too.
pub struct TearWindow {
    /// Inside: writers caught mid-record while the window was open.
    window: Mapped<WindowCell>,
    /// Armed (a run's parent did, before the fork).
    armed: AtomicBool,
}

impl TearWindow {
    /// Makes the window's cell in `arena` (in the parent, before any fork),
    /// disarmed.
    pub fn new(arena: &Arena) -> io::Result<TearWindow> {
        // SAFETY: an all-zero WindowCell is an open, empty window, used
        // through shared references only.
        let window = unsafe { Mapped::<WindowCell>::create(arena, &unique("tear-window"))? };
        Ok(TearWindow {
            window,
            armed: AtomicBool::new(false),
        })
    }
}

impl Arm for TearWindow {
    /// Shrinks the pipe to one page, so every large record is written in
    /// pieces.
    fn arm(&self, write_end: &OwnedFd) -> io::Result<()> {
        self.armed.store(true, SeqCst);
        fcntl(write_end, FcntlArg::F_SETPIPE_SZ(page_size() as i32))?;
        Ok(())
    }

    /// The first writer caught mid-record waits until a second one is too,
    /// so the second one's bytes follow the first one's piece; then the
    /// window closes for good.
    fn mid_frame(&self) {
        if self.armed.load(SeqCst) {
            TWO_WRITERS.pass(self.window.get());
        }
    }
}
