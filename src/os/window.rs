//! The race window across processes: the [`crate::workload::probe::RaceWindow`] idea
//! with its state in shared memory.
//!
//! A worker that has read shared state and is about to write it passes the
//! window. The window stays shut until `parties` workers are inside or
//! `hold` has passed since this worker entered; then it closes for good and
//! every later pass goes straight on. Under a broken strategy the workers
//! meet inside, each holding the value it read, and the race is lost every
//! run. Under a correct lock only one worker is ever inside, so it costs
//! `hold` once per run and changes nothing.

use crate::process::region::RegionWords;
use std::sync::atomic::Ordering::SeqCst;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub parties: u32,
    pub hold: Duration,
}

impl Window {
    pub fn pass(&self, shared: &RegionWords) {
        if shared.window_closed.load(SeqCst) != 0 {
            return;
        }
        // The window waits on purpose: not a stall of the code under test.
        let _waiting = crate::os::progress::in_window();
        let deadline = Instant::now() + self.hold;
        shared.window_inside.fetch_add(1, SeqCst);
        while shared.window_closed.load(SeqCst) == 0 {
            if shared.window_inside.load(SeqCst) >= self.parties || Instant::now() >= deadline {
                shared.window_closed.store(1, SeqCst);
                break;
            }
            std::thread::sleep(Duration::from_micros(50));
        }
    }
}
