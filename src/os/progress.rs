//! Where each worker is: one record per worker in a `MAP_SHARED`
//! anonymous mapping that the crew makes before it forks, so the parent
//! reads what every worker wrote.
//!
//! A worker says which step it is in ([`enter`]) and counts each operation
//! it completes ([`finish`]); the parent's [`Watchdog`] calls the run stuck
//! when no operation completed anywhere for a stated time, and the records
//! then name where each worker was ([`Position`]). That replaces waiting
//! out a fixed deadline: a correct run completes operations every few
//! microseconds, so a few seconds without one is a hang, and it is caught
//! after those seconds rather than after the longest bound any wait has.
//!
//! The checker's own waits are not the code's: a worker inside a race
//! window ([`in_window`]) stops the stall clock, since the window is
//! bounded by its own hold and waits on purpose.
//!
//! Outside a crew worker (in the parent, in a test) the recording
//! functions do nothing.

use serde::{Deserialize, Serialize};
use std::ptr::NonNull;
use std::sync::atomic::Ordering::SeqCst;
use std::sync::atomic::{AtomicPtr, AtomicU32, AtomicU64};
use std::time::{Duration, Instant};

/// How long a run may go without completing any operation before the
/// process tier calls it stuck. Far above what a correct run ever needs on
/// a loaded machine (operations take microseconds, a race window is
/// exempt), far below the 30 s bound of each single wait.
pub const STALL: Duration = Duration::from_secs(3);

/// What a worker is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[repr(u32)]
pub enum Step {
    /// Forked, not yet past the start barrier and its own setup.
    Starting = 0,
    /// Between operations, in its own code.
    Running,
    /// Waiting for a lock.
    Locking,
    /// Holding a lock, in its critical section.
    Critical,
    /// Putting an item.
    Put,
    /// Getting an item.
    Get,
    /// Marking an item done.
    TaskDone,
    /// Waiting for a server's answer.
    Request,
    /// Inside a race window of the checker's: waiting on purpose.
    Window,
    /// Its body returned (or panicked).
    Ended,
}

impl Step {
    const ALL: [Step; 10] = [
        Step::Starting,
        Step::Running,
        Step::Locking,
        Step::Critical,
        Step::Put,
        Step::Get,
        Step::TaskDone,
        Step::Request,
        Step::Window,
        Step::Ended,
    ];

    fn from_code(code: u32) -> Step {
        Step::ALL
            .into_iter()
            .find(|s| *s as u32 == code)
            .unwrap_or(Step::Running)
    }

    /// The step in words, as a stall report prints it (`waiting for the lock`).
    pub fn describe(self) -> &'static str {
        match self {
            Step::Starting => "not started",
            Step::Running => "running",
            Step::Locking => "waiting for the lock",
            Step::Critical => "holding the lock",
            Step::Put => "blocked in put",
            Step::Get => "blocked in get",
            Step::TaskDone => "in task_done",
            Step::Request => "waiting for the server",
            Step::Window => "in the race window",
            Step::Ended => "ended",
        }
    }
}

/// One worker's record.
#[repr(C)]
struct Record {
    /// Operations completed.
    done: AtomicU64,
    /// The current [`Step`], as its code.
    step: AtomicU32,
}

/// Where one worker was when the parent looked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    /// The step it was in.
    pub step: Step,
    /// Operations it had completed.
    pub done: u64,
}

impl std::fmt::Display for Position {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = if self.done == 1 { "" } else { "s" };
        write!(
            f,
            "{} after {} operation{s}",
            self.step.describe(),
            self.done
        )
    }
}

/// The records of a crew's workers.
pub struct Board {
    records: NonNull<Record>,
    len: usize,
}

// SAFETY: the records are atomics, used only through shared references.
unsafe impl Send for Board {}
// SAFETY: as above.
unsafe impl Sync for Board {}

impl Board {
    /// Maps `workers` zeroed records (every worker [`Step::Starting`]).
    pub fn new(workers: usize) -> std::io::Result<Board> {
        let len = workers.max(1);
        let bytes = len * std::mem::size_of::<Record>();
        // SAFETY: a fresh anonymous mapping at an address the kernel picks;
        // MAP_SHARED so that forked workers share it with the parent.
        let ptr = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                bytes,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if ptr == libc::MAP_FAILED {
            return Err(std::io::Error::last_os_error());
        }
        let records = NonNull::new(ptr.cast::<Record>()).ok_or_else(|| {
            std::io::Error::other("mmap returned a null mapping for the progress board")
        })?;
        Ok(Board { records, len })
    }

    fn record(&self, i: usize) -> &Record {
        assert!(i < self.len, "worker {i} of {}", self.len);
        // SAFETY: `i` is in bounds; the mapping is page aligned, zeroed
        // (valid atomics) and lives as long as `self`.
        unsafe { &*self.records.as_ptr().add(i) }
    }

    /// Where worker `i` is now.
    pub fn position(&self, i: usize) -> Position {
        let r = self.record(i);
        Position {
            step: Step::from_code(r.step.load(SeqCst)),
            done: r.done.load(SeqCst),
        }
    }

    /// Every worker's position.
    pub fn positions(&self) -> Vec<Position> {
        (0..self.len).map(|i| self.position(i)).collect()
    }

    /// Operations completed by every worker together.
    pub fn total(&self) -> u64 {
        (0..self.len)
            .map(|i| self.record(i).done.load(SeqCst))
            .sum()
    }

    /// Whether some worker waits in one of the checker's race windows.
    pub fn in_window(&self) -> bool {
        (0..self.len).any(|i| self.record(i).step.load(SeqCst) == Step::Window as u32)
    }

    /// In worker `i`, right after the fork: its records go to slot `i`.
    pub(crate) fn adopt(&self, i: usize) {
        let record = self.record(i) as *const Record as *mut Record;
        MINE.store(record, SeqCst);
    }
}

impl Drop for Board {
    fn drop(&mut self) {
        // SAFETY: the mapping made in `new`, of this length, unmapped once.
        unsafe {
            libc::munmap(
                self.records.as_ptr().cast(),
                self.len * std::mem::size_of::<Record>(),
            );
        }
    }
}

/// This process's record, when it is a crew worker (null otherwise).
static MINE: AtomicPtr<Record> = AtomicPtr::new(std::ptr::null_mut());

fn mine() -> Option<&'static Record> {
    let ptr = MINE.load(SeqCst);
    // SAFETY: set by `adopt` in a worker to a record of its crew's board,
    // which the worker never unmaps (it ends in `_exit`).
    (!ptr.is_null()).then(|| unsafe { &*ptr })
}

/// The calling worker is now in `step`.
pub fn enter(step: Step) {
    if let Some(r) = mine() {
        r.step.store(step as u32, SeqCst);
    }
}

/// The calling worker completed an operation; it is back in its own code.
pub fn finish() {
    if let Some(r) = mine() {
        r.done.fetch_add(1, SeqCst);
        r.step.store(Step::Running as u32, SeqCst);
    }
}

/// Marks the calling worker as inside a race window until the guard drops,
/// then puts back the step it was in.
pub fn in_window() -> WindowGuard {
    let before = mine().map(|r| r.step.swap(Step::Window as u32, SeqCst));
    WindowGuard(before)
}

/// A worker's stay in a race window (from [`in_window`]): dropping it puts
/// back the step the worker was in.
pub struct WindowGuard(Option<u32>);

impl Drop for WindowGuard {
    fn drop(&mut self) {
        if let (Some(r), Some(step)) = (mine(), self.0) {
            r.step.store(step, SeqCst);
        }
    }
}

/// Calls a run stuck once no operation completed for `stall`.
#[derive(Debug)]
pub struct Watchdog {
    stall: Duration,
    seen: u64,
    since: Instant,
}

impl Watchdog {
    /// A watchdog that calls the run stuck after `stall` without progress,
    /// counting from now.
    pub fn new(stall: Duration) -> Watchdog {
        Watchdog {
            stall,
            seen: 0,
            since: Instant::now(),
        }
    }

    /// The stated time without progress.
    pub fn stall(&self) -> Duration {
        self.stall
    }

    /// Counts progress the board cannot see (the parent's own operations).
    pub fn progressed(&mut self) {
        self.since = Instant::now();
    }

    /// Whether the run is stuck: nothing completed for `stall`, and nobody
    /// in a race window.
    pub fn stalled(&mut self, board: &Board) -> bool {
        let total = board.total();
        if total != self.seen || board.in_window() {
            self.seen = total;
            self.since = Instant::now();
            return false;
        }
        self.since.elapsed() >= self.stall
    }
}
