//! Schedule perturbation on real threads: at each facade operation of a
//! perturbed round, a seeded decision to go on, yield, or sleep, so that a
//! user's code, which opens no race window of its own, still meets the
//! interleavings that break it.
//!
//! The decisions follow PCT (Burckhardt et al., "A randomized scheduler
//! with probabilistic guarantees of finding bugs", ASPLOS 2010) as far as
//! real threads allow: each thread of a round draws a priority; a low
//! priority thread is delayed more often; at a few change points (drawn
//! over the thread's own operation count, learnt from the previous round)
//! the thread drops to the lowest priority with a long sleep right at that
//! operation, which lets every other thread run past it. Each thread draws
//! from its own generator, seeded from (seed, round, thread index), so a
//! replay makes the same decisions; the OS still schedules, so a replay is
//! best effort. A budget bounds the sleeping of a round, so that a correct
//! run stays cheap.

use std::time::Duration;

/// Whether and how the threads tier perturbs the schedule
/// ([`ThreadsConfig::perturb`](crate::tier::threads::ThreadsConfig::perturb)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Perturb {
    /// Threads run as the OS schedules them (racelab's own models open
    /// their race windows instead).
    #[default]
    Off,
    /// Seeded delays at every facade operation.
    On(Knobs),
}

impl Perturb {
    /// On, with `seed` and the default knobs.
    pub fn on(seed: u64) -> Self {
        Perturb::On(Knobs::new(seed))
    }

    /// The seed, if on.
    pub fn seed(&self) -> Option<u64> {
        match self {
            Perturb::Off => None,
            Perturb::On(knobs) => Some(knobs.seed),
        }
    }
}

/// The knobs of a perturbed run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Knobs {
    /// Seeds every decision (with the round and the thread's index).
    pub seed: u64,
    /// Change points per thread and round: where it drops to the lowest
    /// priority.
    pub change_points: u32,
    /// A highest-priority thread is delayed at one operation in
    /// `one_in`; each lower priority level doubles the chance (four levels).
    pub one_in: u32,
    /// The short delay (a sleep this long; the OS makes it at least ~60 us).
    pub pause: Duration,
    /// The long sleep at a change point.
    pub drop: Duration,
    /// The most a round sleeps, over all its threads.
    pub budget: Duration,
}

impl Knobs {
    /// The defaults, tuned on the corpus of user code (tests/corpus).
    pub fn new(seed: u64) -> Self {
        Knobs {
            seed,
            change_points: 2,
            one_in: 32,
            pause: Duration::from_micros(50),
            drop: Duration::from_millis(1),
            budget: Duration::from_millis(50),
        }
    }
}

/// What a thread does at one operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Delay {
    /// Go on.
    None,
    /// `std::thread::yield_now`.
    Yield,
    /// Sleep this long.
    Sleep(Duration),
}

/// Priority levels: 0 the highest.
const LEVELS: u32 = 4;

/// One round in this many is aligned: see [`Decider::new`].
const ALIGNED_ONE_IN: u64 = 4;

/// The decisions of one thread in one round.
#[derive(Debug, Clone)]
pub(crate) struct Decider {
    rng: u64,
    level: u32,
    ops: u64,
    /// Operation counts at which the thread drops to the lowest priority,
    /// ascending.
    changes: Vec<u64>,
    knobs: Knobs,
}

/// splitmix64: small, fast, and good enough to draw decisions.
fn next(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Decider {
    /// Thread `index` of round `round`, whose thread of the same index did
    /// `expected` operations in the previous round (a guess in the first).
    pub(crate) fn new(knobs: Knobs, round: u32, index: usize, expected: u64) -> Self {
        let mut shared = knobs.seed ^ u64::from(round).wrapping_mul(0xA24B_AED4_963E_E407);
        next(&mut shared);
        let mut rng = shared ^ (index as u64).wrapping_mul(0x9FB2_1C65_1E98_DF25);
        next(&mut rng);
        let level = (next(&mut rng) % u64::from(LEVELS)) as u32;
        let span = expected.max(1);
        // One round in `ALIGNED_ONE_IN` puts every thread's change points
        // at the same operation counts (drawn from the round alone), so
        // threads that run the same code stop at the same point together:
        // five philosophers each holding the left fork, six counters each
        // between their load and their store.
        let aligned = next(&mut shared).is_multiple_of(ALIGNED_ONE_IN);
        let draws = if aligned { &mut shared } else { &mut rng };
        let mut changes: Vec<u64> = (0..knobs.change_points)
            .map(|_| 1 + next(draws) % span)
            .collect();
        changes.sort_unstable();
        Decider {
            rng,
            level,
            ops: 0,
            changes,
            knobs,
        }
    }

    /// The decision at the thread's next operation.
    pub(crate) fn decide(&mut self) -> Delay {
        self.ops += 1;
        if self.changes.first() == Some(&self.ops) {
            while self.changes.first() == Some(&self.ops) {
                self.changes.remove(0);
            }
            self.level = LEVELS - 1;
            return Delay::Sleep(self.knobs.drop);
        }
        let draw = next(&mut self.rng);
        // One in `one_in >> level`: a lower priority is delayed more often.
        let one_in = u64::from((self.knobs.one_in >> self.level).max(1));
        if !draw.is_multiple_of(one_in) {
            return Delay::None;
        }
        match (draw >> 32) % 4 {
            0 => Delay::Yield,
            k => Delay::Sleep(self.knobs.pause * k as u32),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decisions(seed: u64, round: u32, index: usize) -> Vec<Delay> {
        let mut d = Decider::new(Knobs::new(seed), round, index, 100);
        (0..100).map(|_| d.decide()).collect()
    }

    #[test]
    fn the_same_seed_round_and_thread_make_the_same_decisions() {
        assert_eq!(decisions(7, 2, 1), decisions(7, 2, 1));
        assert_ne!(decisions(7, 2, 1), decisions(7, 2, 2));
        assert_ne!(decisions(7, 2, 1), decisions(8, 2, 1));
    }

    #[test]
    fn in_an_aligned_round_every_thread_drops_at_the_same_operations() {
        let knobs = Knobs::new(11);
        let drops = |round, index| -> Vec<usize> {
            let mut d = Decider::new(knobs, round, index, 100);
            (0..100)
                .filter(|_| d.decide() == Delay::Sleep(knobs.drop))
                .collect()
        };
        // Some round among the first 40 is aligned (one in four), and
        // some is not.
        let aligned = (0..40)
            .filter(|r| (1..6).all(|i| drops(*r, i) == drops(*r, 0)))
            .count();
        assert!(
            aligned > 0 && aligned < 40,
            "{aligned} aligned rounds of 40"
        );
    }

    #[test]
    fn each_change_point_is_a_long_sleep() {
        let knobs = Knobs::new(3);
        let long = decisions(3, 0, 1)
            .iter()
            .filter(|d| **d == Delay::Sleep(knobs.drop))
            .count();
        assert!((1..=knobs.change_points as usize).contains(&long), "{long}");
    }
}
