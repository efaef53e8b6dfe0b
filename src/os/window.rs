//! The race window: one design for threads and processes.
//!
//! A broken strategy loses its race only now and then: the second worker
//! must walk in between the first one's read and its write. A race window
//! makes that happen every run. A worker that has read shared state and is
//! about to write it passes the window; the window stays shut until
//! `parties` workers are inside or `hold` has passed since this worker
//! entered; then it closes for good and every later pass goes straight on.
//! Under a broken strategy the workers meet inside, each holding the value
//! it read, and the race is lost every run. Under a correct lock only one
//! worker is ever inside, so it costs `hold` once per run and changes
//! nothing.
//!
//! The state is a [`WindowCell`], two atomics that are valid all zero: it
//! lives in a heap `Arc` for the thread tier
//! ([`RaceWindow`](crate::workload::probe::RaceWindow)) and in a shared
//! mapping across processes (the region's, or a queue's). The pass logic
//! is [`WindowCell::pass`]; [`Window::pass`] is its process form, which
//! also tells the crew's progress board that the wait is the checker's own,
//! not a stall of the code under test.
//!
//! The process queues' broken variants choreograph more than one meeting
//! (a writer caught mid-record and a reader, a put and two sleeping
//! consumers) with the same cell: [`WindowCell::enter`] counts a party in,
//! [`WindowCell::wait`] waits (bounded) for the variant's own condition,
//! [`WindowCell::close`] shuts it for good. The spool's window is keyed
//! ([`KeyedWindow`]): only readers of the same file meet.

use crate::os::poll::poll_until;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering::SeqCst};
use std::time::Duration;

/// A race window's state, shared by every party: who is inside, and
/// whether it has closed. All zero is an open, empty window, so it can
/// live in a zeroed shared mapping as it is.
#[repr(C)]
#[derive(Debug, Default)]
pub struct WindowCell {
    /// Parties that entered the window (counted on entry, never down).
    inside: AtomicU32,
    /// 1 once the window has closed for good: every pass goes straight on.
    closed: AtomicU32,
}

impl WindowCell {
    /// An open, empty window.
    pub const fn new() -> WindowCell {
        WindowCell {
            inside: AtomicU32::new(0),
            closed: AtomicU32::new(0),
        }
    }

    /// Whether the window still holds parties.
    pub fn is_open(&self) -> bool {
        self.closed.load(SeqCst) == 0
    }

    /// Closes the window for good; whether this call closed it.
    pub fn close(&self) -> bool {
        self.closed.swap(1, SeqCst) == 0
    }

    /// Counts the caller in; how many were inside before it.
    pub fn enter(&self) -> u32 {
        self.inside.fetch_add(1, SeqCst)
    }

    /// Parties that entered so far.
    pub fn inside(&self) -> u32 {
        self.inside.load(SeqCst)
    }

    /// Waits until the window is closed or `until` holds, at most `hold`;
    /// whether either happened.
    pub fn wait(&self, hold: Duration, mut until: impl FnMut() -> bool) -> bool {
        poll_until(hold, || !self.is_open() || until())
    }

    /// The pass: if the window is open, enter it and wait until `parties`
    /// are inside or `hold` has passed, then close it for good.
    pub fn pass(&self, parties: u32, hold: Duration) {
        if !self.is_open() {
            return;
        }
        self.enter();
        self.wait(hold, || self.inside() >= parties);
        self.close();
    }

    /// Opens the window again, empty (the model checkers reuse one per
    /// execution).
    pub fn reset(&self) {
        self.inside.store(0, SeqCst);
        self.closed.store(0, SeqCst);
    }
}

impl AsRef<WindowCell> for WindowCell {
    fn as_ref(&self) -> &WindowCell {
        self
    }
}

/// The race window across processes: its parties and its hold, the state
/// in a [`WindowCell`] in shared memory.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    /// How many processes the window waits for before it closes.
    pub parties: u32,
    /// How long a party inside waits at most for the others.
    pub hold: Duration,
}

impl Window {
    /// [`WindowCell::pass`] on the cell in `at` (the shared region, or a
    /// queue's cell), marked on the progress board as the checker's own
    /// wait.
    pub fn pass(&self, at: &impl AsRef<WindowCell>) {
        let cell = at.as_ref();
        if !cell.is_open() {
            return;
        }
        let _waiting = crate::os::progress::in_window();
        cell.pass(self.parties, self.hold);
    }
}

/// A window only parties holding the same key meet in: the first one to
/// come holds its key and waits for another with the same key; parties
/// with another key go straight on.
#[repr(C)]
#[derive(Debug, Default)]
pub struct KeyedWindow {
    cell: WindowCell,
    /// The first party's key + 1 (0: nobody holds one yet).
    key: AtomicU64,
}

impl KeyedWindow {
    /// Whether the window still holds parties.
    pub fn is_open(&self) -> bool {
        self.cell.is_open()
    }

    /// The pass with `key`: the first party waits (at most `hold`, marked
    /// on the progress board) until another party with the same key came,
    /// then closes the window for good; that other goes straight on, as
    /// does a party with another key. `u64::MAX` is no key: it passes.
    pub fn pass(&self, key: u64, hold: Duration) {
        let Some(mark) = key.checked_add(1).filter(|_| self.is_open()) else {
            return;
        };
        match self.key.compare_exchange(0, mark, SeqCst, SeqCst) {
            Ok(_) => {
                let _waiting = crate::os::progress::in_window();
                self.cell.enter();
                self.cell.wait(hold, || self.cell.inside() >= 2);
                self.cell.close();
            }
            Err(held) if held == mark => {
                self.cell.enter();
            }
            Err(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::time::Instant;

    #[test]
    fn a_lone_party_waits_out_the_hold_then_the_window_stays_closed() {
        let cell = WindowCell::new();
        let started = Instant::now();
        cell.pass(2, Duration::from_millis(20));
        assert!(started.elapsed() >= Duration::from_millis(20));
        assert!(!cell.is_open());
        let again = Instant::now();
        cell.pass(2, Duration::from_secs(5));
        assert!(
            again.elapsed() < Duration::from_secs(1),
            "a closed window holds nobody"
        );
    }

    #[test]
    fn two_parties_meet_inside_and_leave_long_before_the_hold() {
        let cell = Arc::new(WindowCell::new());
        let started = Instant::now();
        let other = {
            let cell = Arc::clone(&cell);
            std::thread::spawn(move || cell.pass(2, Duration::from_secs(30)))
        };
        cell.pass(2, Duration::from_secs(30));
        other.join().unwrap();
        assert_eq!(cell.inside(), 2);
        assert!(started.elapsed() < Duration::from_secs(10));
    }

    #[test]
    fn a_keyed_window_lets_another_key_through_and_meets_on_the_same() {
        let window = Arc::new(KeyedWindow::default());
        let first = {
            let window = Arc::clone(&window);
            std::thread::spawn(move || window.pass(7, Duration::from_secs(30)))
        };
        while window.key.load(SeqCst) == 0 {
            std::thread::yield_now();
        }
        window.pass(8, Duration::from_secs(30));
        assert!(window.is_open(), "another key neither waits nor closes");
        window.pass(7, Duration::from_secs(30));
        first.join().unwrap();
        assert!(!window.is_open());
    }
}
