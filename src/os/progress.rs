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
//! Each record also keeps a ring of the worker's last [`RING`] steps
//! ([`Mark`]s: each step it entered, each operation it completed, and the
//! values the code has at hand: the count it read and wrote, the seat it
//! bought, the item it put or got), so that a failure can show how each
//! worker came to it ([`Board::last_steps`]). Writing one is a few plain
//! atomic stores into the mapping: no allocation, no lock, no system call.
//!
//! Outside a crew worker (in the parent, in a test) the recording
//! functions do nothing.

use serde::{Deserialize, Serialize};
use std::ptr::NonNull;
use std::sync::atomic::Ordering::{Acquire, Relaxed, Release, SeqCst};
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

/// How many of its last steps a worker's record keeps.
pub const RING: usize = 16;

/// One step a worker took, as its ring keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mark {
    /// It entered a step.
    Entered(Step),
    /// It completed an operation.
    Done,
    /// It read this value of the shared state (a count; tickets left).
    Read(i64),
    /// It wrote this value.
    Wrote(i64),
    /// Its search saw this many tickets left.
    Searched(i64),
    /// Its buy sold it this seat.
    Sold(u64),
    /// Its buy found no ticket left.
    SoldOut,
    /// It began to put this item.
    Put(u64),
    /// Its get completed with this item (the operation's end).
    Got(u64),
}

/// The code of the first [`Mark`] that is no [`Mark::Entered`]: below it,
/// a mark's code is the code of the step it entered.
const MARK_BASE: u64 = 32;

impl Mark {
    /// The mark as two words: its code (in the top byte) with the
    /// operation number below it, and its value.
    fn encode(self, op: u64) -> (u64, u64) {
        let (code, value) = match self {
            Mark::Entered(step) => (step as u64, 0),
            Mark::Done => (MARK_BASE, 0),
            Mark::Read(v) => (MARK_BASE + 1, v as u64),
            Mark::Wrote(v) => (MARK_BASE + 2, v as u64),
            Mark::Searched(v) => (MARK_BASE + 3, v as u64),
            Mark::Sold(seat) => (MARK_BASE + 4, seat),
            Mark::SoldOut => (MARK_BASE + 5, 0),
            Mark::Put(item) => (MARK_BASE + 6, item),
            Mark::Got(item) => (MARK_BASE + 7, item),
        };
        ((code << 56) | (op & OP_MASK), value)
    }

    /// The mark two words encode (`encode`'s inverse), and its operation.
    fn decode(head: u64, value: u64) -> (Mark, u64) {
        let mark = match head >> 56 {
            code if code < MARK_BASE => Mark::Entered(Step::from_code(code as u32)),
            c if c == MARK_BASE + 1 => Mark::Read(value as i64),
            c if c == MARK_BASE + 2 => Mark::Wrote(value as i64),
            c if c == MARK_BASE + 3 => Mark::Searched(value as i64),
            c if c == MARK_BASE + 4 => Mark::Sold(value),
            c if c == MARK_BASE + 5 => Mark::SoldOut,
            c if c == MARK_BASE + 6 => Mark::Put(value),
            c if c == MARK_BASE + 7 => Mark::Got(value),
            _ => Mark::Done,
        };
        (mark, head & OP_MASK)
    }
}

/// The bits of a slot's first word that hold the operation number.
const OP_MASK: u64 = (1 << 56) - 1;

/// One of a worker's last steps: which operation it belongs to (1 for the
/// first; 0 before any) and what it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    /// The operation the step belongs to: for [`Mark::Done`] and
    /// [`Mark::Got`] the one it completed, otherwise the one under way
    /// (operations completed before it, plus one).
    pub op: u64,
    /// What the worker did.
    pub mark: Mark,
}

/// A worker's last steps, oldest first, and where it ended up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastSteps {
    /// Where it was when the parent read the board.
    pub position: Position,
    /// Steps it recorded in all (the ring keeps the last [`RING`]).
    pub total: u64,
    /// The steps the ring still holds, oldest first.
    pub notes: Vec<Note>,
}

/// One slot of a worker's ring: [`Mark::encode`]'s two words.
#[repr(C)]
struct Slot {
    /// The mark's code (top byte) and its operation number.
    head: AtomicU64,
    /// The mark's value, if it has one.
    value: AtomicU64,
}

/// One worker's record.
#[repr(C)]
struct Record {
    /// Operations completed.
    done: AtomicU64,
    /// Marks written in all; the last [`RING`] are in `ring`, mark `n` in
    /// slot `n % RING`. Written only by the worker, after the slot.
    marks: AtomicU64,
    /// The current [`Step`], as its code.
    step: AtomicU32,
    /// The worker's last marks.
    ring: [Slot; RING],
}

impl Record {
    /// Appends `mark` to the ring. Only the record's worker writes it, so
    /// the count needs no read-modify-write; the slot is written before the
    /// count is published, so a reader that sees the count sees the slot.
    fn push(&self, mark: Mark) {
        let n = self.marks.load(Relaxed);
        let done = self.done.load(Relaxed);
        let op = match mark {
            Mark::Done | Mark::Got(_) => done,
            _ => done + 1,
        };
        let (head, value) = mark.encode(op);
        let slot = &self.ring[(n % RING as u64) as usize];
        slot.head.store(head, Relaxed);
        slot.value.store(value, Relaxed);
        self.marks.store(n + 1, Release);
    }
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

    /// Worker `i`'s last steps, oldest first. Exact once the worker has
    /// stopped (ended or killed); read while it runs, a step it overwrote
    /// during the read is left out rather than shown torn.
    pub fn last_steps(&self, i: usize) -> LastSteps {
        let r = self.record(i);
        let position = self.position(i);
        let total = r.marks.load(Acquire);
        let first = total.saturating_sub(RING as u64);
        let read: Vec<(u64, Note)> = (first..total)
            .map(|n| {
                let slot = &r.ring[(n % RING as u64) as usize];
                let (mark, op) = Mark::decode(slot.head.load(Relaxed), slot.value.load(Relaxed));
                (n, Note { op, mark })
            })
            .collect();
        // Marks the worker wrote meanwhile reused the slots of the oldest.
        let reused = r.marks.load(Acquire).saturating_sub(RING as u64);
        let notes = read
            .into_iter()
            .filter(|(n, _)| *n >= reused)
            .map(|(_, note)| note)
            .collect();
        LastSteps {
            position,
            total,
            notes,
        }
    }

    /// Every worker's last steps.
    pub fn all_last_steps(&self) -> Vec<LastSteps> {
        (0..self.len).map(|i| self.last_steps(i)).collect()
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

/// The calling worker is now in `step` (a step of its ring, too).
pub fn enter(step: Step) {
    enter_as(step, Mark::Entered(step));
}

/// [`enter`], with `mark` in the ring in place of the bare step: a put
/// names its item ([`Mark::Put`]).
pub fn enter_as(step: Step, mark: Mark) {
    if let Some(r) = mine() {
        r.step.store(step as u32, SeqCst);
        r.push(mark);
    }
}

/// Notes a value the calling worker has at hand (read, wrote, sold) in
/// its ring, without changing its step.
pub fn note(mark: Mark) {
    if let Some(r) = mine() {
        r.push(mark);
    }
}

/// The calling worker completed an operation; it is back in its own code.
pub fn finish() {
    finish_as(Mark::Done);
}

/// [`finish`], with `mark` in the ring in place of [`Mark::Done`]: a get
/// names the item it got ([`Mark::Got`]).
pub fn finish_as(mark: Mark) {
    if let Some(r) = mine() {
        r.done.fetch_add(1, SeqCst);
        r.step.store(Step::Running as u32, SeqCst);
        r.push(mark);
    }
}

/// Marks the calling worker as inside a race window until the guard drops,
/// then puts back the step it was in.
pub fn in_window() -> WindowGuard {
    let before = mine().map(|r| {
        r.push(Mark::Entered(Step::Window));
        r.step.swap(Step::Window as u32, SeqCst)
    });
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_mark_reads_back_as_written_with_its_operation() {
        let marks = [
            Mark::Entered(Step::Locking),
            Mark::Entered(Step::Ended),
            Mark::Done,
            Mark::Read(-3),
            Mark::Wrote(i64::MAX),
            Mark::Searched(0),
            Mark::Sold(9),
            Mark::SoldOut,
            Mark::Put(u64::MAX),
            Mark::Got(1 << 32 | 5),
        ];
        for (op, mark) in marks.into_iter().enumerate() {
            let (head, value) = mark.encode(op as u64);
            assert_eq!(Mark::decode(head, value), (mark, op as u64));
        }
    }

    #[test]
    fn the_ring_keeps_the_last_steps_oldest_first_numbered_by_operation() {
        // The record is written directly: adopting a slot would make this
        // whole test process (every test thread) a worker of the board.
        let board = Board::new(2).unwrap();
        let record = board.record(1);
        for _ in 0..10 {
            record.push(Mark::Entered(Step::Put));
            record.done.fetch_add(1, SeqCst);
            record.push(Mark::Done);
        }
        record.push(Mark::Entered(Step::Get));
        let last = board.last_steps(1);
        assert_eq!(last.total, 21);
        assert_eq!(last.notes.len(), RING);
        assert_eq!(
            last.notes.last(),
            Some(&Note {
                op: 11,
                mark: Mark::Entered(Step::Get)
            })
        );
        assert_eq!(
            last.notes[RING - 2],
            Note {
                op: 10,
                mark: Mark::Done
            }
        );
        assert_eq!(last.notes[RING - 3].op, 10);
        assert_eq!(board.last_steps(0).notes, Vec::new(), "worker 0 wrote none");
    }
}
