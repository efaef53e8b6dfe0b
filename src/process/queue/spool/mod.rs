//! A spool directory used as a [`ProcessQueue`]: one file per message, the
//! maildir way (docs/scenarios.md §5's "a file per child", made a queue).
//!
//! The spool is `<arena>/spool/` with three directories:
//! - `tmp/`: a producer writes its message to `tmp/<key>`, then renames it
//!   into `new/<key>`. Rename is atomic: a consumer sees the whole message
//!   or no file at all, never a half-written one.
//! - `new/`: the queued messages. A consumer claims the smallest key by
//!   renaming it into `cur/<key>`. Exactly one rename of a file succeeds;
//!   a consumer that loses gets `ENOENT` and tries the next key.
//! - `cur/`: claimed messages; the claimer reads its file and removes it.
//!
//! Every message file is removed once consumed; what a dropped queue still
//! holds goes with the arena, and the directory with it. `spool/` is made
//! with mode 0700, so no other user reads or plants a message.
//!
//! **Keys and FIFO per producer.** A key is a global sequence number from
//! a counter in shared memory, zero-padded to 20 digits so that name order
//! is number order. A producer's puts are sequential: its item n is in
//! `new/` before it takes the key for item n+1, so along one producer's
//! items the keys grow, and each item's predecessors are all published
//! before it even has a key. A consumer takes the smallest key present: if
//! a later item of some producer is present, its earlier ones are either
//! present too, with smaller keys (taken first), or already claimed. So no
//! consumer receives a producer's items out of order (two consumers may of
//! course finish theirs in either order).
//!
//! One subtlety makes "the smallest key present" need care: a directory
//! listing is not a snapshot. POSIX promises only the entries that exist
//! for the whole listing; one that appears during it may be missed while
//! a later one is returned. So a consumer takes a key only if its previous
//! listing had it too: that key was then published before this listing
//! began, and so were its predecessors, and this listing shows every one
//! of them not yet claimed. It walks the listing in key order and lists
//! again at the first key it has not seen twice.
//!
//! **Bound.** The classic bounded buffer on two process-shared counting
//! semaphores: `free` (starts at capacity) and `items` (starts at 0). A put
//! takes a `free` permit, publishes, posts `items`; a get takes an `items`
//! permit, claims, removes, posts `free`. `free` is the bound, kept
//! strictly: one permit per message file from its put to its removal
//! (with the atomic claim; the broken one frees a slot twice).
//! `items` wakes a waiting get at once; besides, a get waits in slices of
//! [`SLICE`] and looks in `new/` after each one even without a permit, so
//! a message never waits on a permit gone astray (a consumer killed
//! holding one, or the broken flavor's two permits spent on one file). A
//! permit whose message such a look took is then simply spent.
//!
//! **Close** sets the [`Ledger`]'s flag, waits (bounded) for puts already
//! past their check of it, then posts one extra permit each way: a baton
//! that every waiter it wakes passes on (a put blocked on `free` wakes and
//! reports `Closed`). Once closed with no put in flight, a get that finds
//! nothing to claim reports `Closed`: everything put before the close was
//! delivered first. (A producer killed inside a put holds close up to its
//! bound.)
//!
//! **High water**: the slots held under the semaphore accounting (a
//! message being written, queued or being read), counted when a put takes
//! its `free` permit and when a get gives one back. That is exactly what
//! the semaphores bound, so it is honest about the bound, and it may count
//! a message a little before it appears in `new/` and after it left.
//!
//! **Claim.** How a consumer claims a message file is the spool's
//! [`Claim`]: [`Rename`] (above, correct) or [`ReadThenDelete`]
//! (`spool-no-rename`, broken: read the file, then delete it, with no
//! claim between; with its race window; see `read_then_delete`).

mod read_then_delete;

pub use read_then_delete::ReadThenDelete;

use super::{FOREVER, Ledger, ProcessQueue, QueueError};
use crate::os::arena::Arena;
use crate::os::deadline;
use crate::os::mapping::Mapped;
use crate::os::semaphore::Semaphore;
use std::ffi::{OsStr, OsString};
use std::fs::{self, OpenOptions};
use std::io::{self, ErrorKind, Write};
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, AtomicU32, AtomicU64, Ordering::SeqCst};
use std::time::{Duration, Instant};

/// The spool's directory inside the arena.
pub const DIR: &str = "spool";

/// The longest a get waits before it looks at the closed flag again.
pub const SLICE: Duration = Duration::from_millis(10);

/// Keys are zero-padded to the digits of `u64::MAX`.
const KEY_DIGITS: usize = 20;

/// How a consumer claims a message file.
pub trait Claim: Send + Sync + Sized + 'static {
    /// Made with the spool in `arena` (in the parent, before any fork).
    fn new(arena: &Arena) -> io::Result<Self>;

    /// Takes message `key` from `dir`'s `new/`: its item, or None if
    /// another consumer took it first.
    fn take(&self, dir: &Path, key: &OsStr) -> Result<Option<u64>, QueueError>;

    /// Before the fork of a producer/consumer run: opens the race window,
    /// if the claim has one.
    fn arm(&self) {}
}

/// Rename the file into `cur/`: atomic, one winner. Correct.
pub struct Rename;

impl Claim for Rename {
    fn new(_: &Arena) -> io::Result<Rename> {
        Ok(Rename)
    }

    fn take(&self, dir: &Path, key: &OsStr) -> Result<Option<u64>, QueueError> {
        let claimed = path(dir, "cur", key);
        match fs::rename(path(dir, "new", key), &claimed) {
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
            other => other?,
        }
        let bytes = fs::read(&claimed);
        fs::remove_file(&claimed)?;
        decode(&bytes?).map(Some)
    }
}

#[repr(C)]
struct Cells {
    /// Free slots: starts at capacity.
    free: Semaphore,
    /// Published messages not yet claimed: starts at 0.
    items: Semaphore,
    /// The next message key.
    next_key: AtomicU64,
    /// Slots held under the semaphore accounting, and the most at once.
    held: AtomicI64,
    high_water: AtomicI64,
    /// 1 once close posted its batons.
    batons: AtomicU32,
}

/// A spool directory whose consumers claim a message as `C` says.
pub struct Spool<C: Claim = Rename> {
    dir: PathBuf,
    cells: Mapped<Cells>,
    ledger: Ledger,
    capacity: usize,
    claim: C,
}

/// `sub/key` in the spool at `dir`.
fn path(dir: &Path, sub: &str, key: impl AsRef<OsStr>) -> PathBuf {
    dir.join(sub).join(key.as_ref())
}

/// What is left until `deadline`, at most `cap`.
fn left(deadline: Instant, cap: Duration) -> Duration {
    deadline.saturating_duration_since(Instant::now()).min(cap)
}

fn decode(bytes: &[u8]) -> Result<u64, QueueError> {
    let bytes: [u8; 8] = bytes
        .try_into()
        .map_err(|_| QueueError::Corrupt(format!("a spool message of {} bytes", bytes.len())))?;
    Ok(u64::from_le_bytes(bytes))
}

impl<C: Claim> Spool<C> {
    /// Makes the spool in `arena` (in the parent, before any fork).
    pub fn new(arena: &Arena, capacity: usize) -> io::Result<Spool<C>> {
        // SEM_VALUE_MAX on Linux: a semaphore counts up to INT_MAX.
        let max = i32::MAX as usize;
        if capacity == 0 || capacity > max {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("a spool's capacity must be 1 to {max}, not {capacity}"),
            ));
        }
        let dir = spool_dir(arena);
        // Private whatever the arena's mode: only this user's processes
        // read or plant messages.
        fs::DirBuilder::new().mode(0o700).create(&dir)?;
        for sub in ["tmp", "new", "cur"] {
            fs::create_dir(dir.join(sub))?;
        }
        // SAFETY: zeroed atomics are valid; the semaphores are initialised
        // below before any use, only through their pointers.
        let cells = unsafe { Mapped::<Cells>::create(arena, "spool-cells")? };
        let c = cells.get();
        for (sem, value) in [(&c.free, capacity as u32), (&c.items, 0)] {
            // SAFETY: the semaphore lives in the shared mapping nobody uses
            // yet.
            unsafe { sem.init(value)? };
        }
        Ok(Spool {
            dir,
            cells,
            ledger: Ledger::new(arena, "spool")?,
            capacity,
            claim: C::new(arena)?,
        })
    }

    fn c(&self) -> &Cells {
        self.cells.get()
    }

    fn path(&self, sub: &str, key: impl AsRef<OsStr>) -> PathBuf {
        path(&self.dir, sub, key)
    }

    /// Closed, and no put can still add a message.
    fn drained_when_empty(&self) -> bool {
        self.ledger.closed_for_good()
    }

    /// Writes `item` under the next key in `tmp/`, then renames it into
    /// `new/`: it appears whole or not at all.
    fn publish(&self, item: u64) -> io::Result<()> {
        let key = format!(
            "{:0width$}",
            self.c().next_key.fetch_add(1, SeqCst),
            width = KEY_DIGITS
        );
        let tmp = self.path("tmp", &key);
        let written = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
            .and_then(|mut f| f.write_all(&item.to_le_bytes()))
            .and_then(|()| fs::rename(&tmp, self.path("new", &key)));
        if written.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        written
    }

    /// The keys in `new/`, smallest first. Names as they are, not made
    /// UTF-8: a name that is not would be looked for under another name.
    fn listing(&self) -> io::Result<Vec<OsString>> {
        let mut keys = fs::read_dir(self.dir.join("new"))?
            .map(|e| e.map(|e| e.file_name()))
            .collect::<io::Result<Vec<OsString>>>()?;
        keys.sort_unstable();
        Ok(keys)
    }

    /// Claims the smallest key present (seen in two listings in a row, see
    /// the module docs); None when `new/` is empty.
    fn claim(&self) -> Result<Option<u64>, QueueError> {
        let give_up = deadline(FOREVER);
        let mut before: Option<Vec<OsString>> = None;
        loop {
            let keys = self.listing()?;
            if keys.is_empty() {
                return Ok(None);
            }
            if let Some(before) = &before {
                let seen_twice = keys.iter().take_while(|k| before.binary_search(k).is_ok());
                for key in seen_twice {
                    if let Some(item) = self.claim.take(&self.dir, key)? {
                        return Ok(Some(item));
                    }
                }
            }
            if Instant::now() >= give_up {
                return Err(QueueError::Stuck(
                    "no spool message could be claimed".into(),
                ));
            }
            before = Some(keys);
        }
    }

    /// A get is done with its slot.
    fn release(&self) {
        self.c().held.fetch_sub(1, SeqCst);
        self.c().free.post();
    }
}

/// Where a spool made in `arena` keeps its messages.
pub fn spool_dir(arena: &Arena) -> PathBuf {
    arena.file(DIR)
}

/// Message files left in the spool at `dir` (`tmp/`, `new/` and `cur/`).
pub fn files_left(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut left = Vec::new();
    for sub in ["tmp", "new", "cur"] {
        for entry in fs::read_dir(dir.join(sub))? {
            left.push(entry?.path());
        }
    }
    Ok(left)
}

impl<C: Claim> ProcessQueue for Spool<C> {
    fn capacity(&self) -> Option<usize> {
        Some(self.capacity)
    }

    fn arm_race_window(&self) {
        self.claim.arm();
    }

    fn put(&self, item: u64, within: Duration) -> Result<(), QueueError> {
        if self.ledger.is_closed() {
            return Err(QueueError::Closed);
        }
        let c = self.c();
        let deadline = deadline(within);
        let _blocked = self.ledger.blocking();
        if !c.free.wait(left(deadline, FOREVER * 1000))? {
            return Err(if self.ledger.is_closed() {
                QueueError::Closed
            } else {
                QueueError::Full
            });
        }
        // Counted as under way before looking at the flag (close sets the
        // flag before it looks at the count: one of us sees the other).
        let Ok(_putting) = self.ledger.start_put() else {
            // The permit may be close's baton: pass it on.
            c.free.post();
            return Err(QueueError::Closed);
        };
        let held = c.held.fetch_add(1, SeqCst) + 1;
        c.high_water.fetch_max(held, SeqCst);
        self.ledger.will_put(item);
        let published = self.publish(item);
        self.ledger.did_put(item, published.is_ok());
        match published {
            Ok(()) => c.items.post(),
            Err(_) => self.release(),
        }
        Ok(published?)
    }

    fn get(&self, within: Duration) -> Result<u64, QueueError> {
        let c = self.c();
        let deadline = deadline(within);
        let _blocked = self.ledger.blocking();
        loop {
            // A permit says a message was published: look at once. Without
            // one, look anyway once per slice (see the module docs).
            let permit = c.items.wait(left(deadline, SLICE))?;
            // Looked at before the claim: if it holds and the claim then
            // finds nothing, the spool was empty after the last put.
            let drained = self.drained_when_empty();
            if let Some(item) = self.claim()? {
                self.release();
                self.ledger.took(item);
                return Ok(item);
            }
            let closed = self.ledger.is_closed();
            if permit && closed {
                // Close's baton: pass it on. (Before close, a permit with
                // nothing to claim is one whose message a get took while
                // looking without a permit: it is spent.)
                c.items.post();
            }
            if drained {
                return Err(QueueError::Closed);
            }
            if Instant::now() >= deadline {
                return Err(QueueError::Empty);
            }
            if permit && closed {
                // A put refused by close is still counted in flight: let
                // it go rather than spin on the baton.
                std::thread::sleep(Duration::from_micros(200));
            }
        }
    }

    fn close(&self) -> Result<(), QueueError> {
        self.ledger.close();
        let c = self.c();
        // Puts past their check of the flag publish first.
        self.ledger.wait_for_puts(FOREVER);
        if c.batons.swap(1, SeqCst) == 0 {
            // One baton each way; every waiter it wakes passes it on.
            c.items.post();
            c.free.post();
        }
        Ok(())
    }

    fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    fn high_water(&self) -> Option<usize> {
        Some(self.c().high_water.load(SeqCst).max(0) as usize)
    }
}
