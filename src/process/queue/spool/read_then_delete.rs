//! `spool-no-rename` (broken; a negative control, caught every run): the
//! naive claim, reading the smallest file in `new/` and then deleting it,
//! with no atomic claim between.
//!
//! Two consumers can read the same file before either deletes it: both
//! deliver the item (a duplicate), and the semaphores' count of items no
//! longer matches the files (one file is left with no permit; a get's look
//! without one still delivers it). When the duplicate is a sentinel, both
//! consumers stop and the other sentinel stays in `new/`.
//!
//! A race window, armed only for a producer/consumer run, holds the first
//! consumer between its read and its delete until the other consumer has
//! read the same file, so the duplicate shows in every run. The window
//! only waits; the read and the delete are the naive claim's own.

use super::{Claim, decode, path};
use crate::os::arena::Arena;
use crate::os::mapping::Mapped;
use crate::os::window::KeyedWindow;
use crate::process::queue::{QueueError, WINDOW};
use std::ffi::OsStr;
use std::fs;
use std::io::{self, ErrorKind};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};

/// Read the file, then delete it: two readers can win. Broken.
pub struct ReadThenDelete {
    /// Keyed by the file: only readers of the same file meet.
    window: Mapped<KeyedWindow>,
    /// The race window is armed (a run's parent did, before the fork).
    armed: AtomicBool,
}

impl Claim for ReadThenDelete {
    fn new(arena: &Arena) -> io::Result<ReadThenDelete> {
        // SAFETY: an all-zero KeyedWindow is an open window nobody holds,
        // used through shared references only.
        let window = unsafe { Mapped::<KeyedWindow>::create(arena, "spool-window")? };
        Ok(ReadThenDelete {
            window,
            armed: AtomicBool::new(false),
        })
    }

    fn take(&self, dir: &Path, key: &OsStr) -> Result<Option<u64>, QueueError> {
        let queued = path(dir, "new", key);
        let bytes = match fs::read(&queued) {
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
            other => other?,
        };
        self.window(key);
        // The bug: whoever read it, deletes it, and delivers it.
        match fs::remove_file(&queued) {
            Err(e) if e.kind() == ErrorKind::NotFound => {}
            other => other?,
        }
        decode(&bytes).map(Some)
    }

    fn arm(&self) {
        self.armed.store(true, SeqCst);
    }
}

impl ReadThenDelete {
    /// The race window between a read and its delete: the first reader
    /// waits until another reader has read the same file (or the window's
    /// bound passes); later readers go straight on.
    fn window(&self, key: &OsStr) {
        if !self.armed.load(SeqCst) {
            return;
        }
        // Any name may be planted in `new/`: a key that is no number is
        // nobody's, and u64::MAX is no key either.
        if let Some(key) = key.to_str().and_then(|k| k.parse::<u64>().ok()) {
            self.window.get().pass(key, WINDOW);
        }
    }
}
