//! A barrier on every backend, built on the facade's mutex and condition
//! variable (so loom and shuttle see every step of it).

use super::{Backend, Condvar, Mutex};

/// Blocks `parties` threads until all of them have called
/// [`wait`](Barrier::wait), then lets them all go; reusable, as std's
/// `std::sync::Barrier`.
pub struct Barrier<B: Backend> {
    parties: usize,
    /// Threads arrived in this round, and the round's number: a thread
    /// waits until the round it arrived in is over, so a spurious wake-up
    /// or a fast thread arriving for the next round lets nobody through early.
    state: Mutex<B, Round>,
    all_in: Condvar<B>,
}

struct Round {
    arrived: usize,
    generation: u64,
}

impl<B: Backend> Barrier<B> {
    /// A barrier for `parties` threads (0 and 1 never block).
    pub fn new(parties: usize) -> Self {
        Barrier {
            parties,
            state: Mutex::new(Round {
                arrived: 0,
                generation: 0,
            }),
            all_in: Condvar::new(),
        }
    }

    /// Blocks until `parties` threads have called it in this round; true
    /// for exactly one of them (the last to arrive), as std's `is_leader`.
    pub fn wait(&self) -> bool {
        let mut round = self.state.lock();
        round.arrived += 1;
        if round.arrived >= self.parties {
            round.arrived = 0;
            round.generation = round.generation.wrapping_add(1);
            self.all_in.notify_all();
            return true;
        }
        let mine = round.generation;
        while round.generation == mine {
            round = self.all_in.wait(round);
        }
        false
    }
}
