//! The schedule portfolio: which scheduler draws each schedule of a search.
//!
//! One search interleaves uniformly random schedules with PCT schedules
//! (Burckhardt et al., ASPLOS 2010: random thread priorities with `d - 1`
//! priority change points, good at bugs that need `d` ordering constraints)
//! of several depths, in the fixed order of [`ROTATION`]. PCT at depth 2
//! catches a bug that needs one thread to run between two steps of another
//! (a checker among many writers); depth 3 and 4 catch those that need
//! more ordering constraints; random catches what needs many small
//! preemptions at once. (Shuttle's uniform-random-walk scheduler, URW,
//! learns each thread's step count from earlier schedules, so one of its
//! schedules cannot be named by a seed alone; the benchmark compares with
//! it instead.)
//!
//! Every schedule is named by one `u64` (its *schedule seed*) that fixes it
//! completely, so that the seed a failure reports reruns that very schedule
//! first:
//!
//! ```text
//!   bits 60..64  the scheduler: 0 random, 1 PCT depth 2, 2 PCT depth 3, ...
//!   bits 40..60  PCT's step estimate k (change points fall in 1..=k)
//!   bits  0..40  the schedule's random bits
//! ```
//!
//! A search from seed `S` runs `S` itself first, then schedules drawn from
//! a splitmix64 chain started at `S`. A seed of a person's choosing (small,
//! top bits zero) is a random schedule, as before the portfolio.
//!
//! PCT needs `k`, the number of scheduling steps with a choice, to place
//! its change points: the search learns it as the most steps any of its
//! schedules took, and writes it into each PCT schedule's seed (shuttle's
//! own `PctScheduler` learns it the same way but keeps it to itself, so its
//! failures replay only by rerunning the whole search).

use shuttle::scheduler::{Schedule, Scheduler, Task, TaskId};
use std::sync::{Arc, Mutex, PoisonError};

/// A step of splitmix64: the next schedule's seed, and the schedulers'
/// generator.
pub(crate) fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Which scheduler draws one schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A uniformly random choice at every step.
    Random,
    /// PCT with this bug depth (priority change points + 1).
    Pct(usize),
}

impl Kind {
    /// The name [`Work::Schedules`](crate::tier::Work::Schedules) carries.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Random => RANDOM,
            Kind::Pct(2) => PCT2,
            Kind::Pct(3) => PCT3,
            Kind::Pct(_) => PCT4,
        }
    }

    /// The 4-bit code in a schedule seed.
    fn code(self) -> u64 {
        match self {
            Kind::Random => 0,
            Kind::Pct(d) => (d.clamp(2, 4) - 1) as u64,
        }
    }

    /// The kind a code names; codes past the last are random.
    fn from_code(code: u64) -> Kind {
        match code {
            1..=3 => Kind::Pct(code as usize + 1),
            _ => Kind::Random,
        }
    }
}

/// The scheduler names: one per kind, and the whole portfolio (the name of
/// a search that found nothing).
pub const RANDOM: &str = "random";
/// PCT at depth 2.
pub const PCT2: &str = "pct-2";
/// PCT at depth 3.
pub const PCT3: &str = "pct-3";
/// PCT at depth 4.
pub const PCT4: &str = "pct-4";
/// Every scheduler of the portfolio, none of which found anything.
pub const PORTFOLIO: &str = "portfolio";

/// The order in which a search's schedules cycle through the schedulers
/// (for a deepest PCT depth of 4, the default): PCT at depth 3 takes three
/// quarters of the budget, PCT at depth 2, PCT at depth 4 and uniform
/// random one twelfth each.
///
/// Measured with `examples/shuttle_portfolio.rs` against shuttle's own
/// `PctScheduler` (what `check_pct(f, budget, 3)` runs) on ten bugs, 10
/// seeds each, budgets of 500, 1,000 and 2,000 schedules: this order finds
/// every bug from at least as many seeds as raw PCT at depth 3 (and 2) at
/// every budget. Depth 3 is the workhorse (a consumer woken by `if`
/// instead of `while` needs it: depth 2 finds it from 1 seed of 10 in
/// 2,000 schedules); depth 4 is what the queue whose producers and
/// consumers share one condvar needs most (10 of 10 at 1,000 where PCT
/// at depth 3 alone finds it from 7); more random schedules cost that
/// queue seeds (half random: 3 of 10) and found nothing PCT missed.
pub const ROTATION: [Kind; 12] = [
    Kind::Pct(3),
    Kind::Pct(3),
    Kind::Pct(3),
    Kind::Pct(2),
    Kind::Pct(3),
    Kind::Pct(3),
    Kind::Pct(3),
    Kind::Random,
    Kind::Pct(3),
    Kind::Pct(3),
    Kind::Pct(3),
    Kind::Pct(4),
];

/// The kind of the `i`-th generated schedule for a deepest depth of
/// `depth` (PCT deeper than `depth` is replaced by `depth`; depth 1 means
/// no PCT at all).
fn rotation(i: u64, depth: usize) -> Kind {
    match ROTATION[(i % ROTATION.len() as u64) as usize] {
        Kind::Pct(_) if depth < 2 => Kind::Random,
        Kind::Pct(d) => Kind::Pct(d.min(depth)),
        Kind::Random => Kind::Random,
    }
}

const RANDOM_BITS: u64 = (1 << 40) - 1;
const K_MAX: u64 = (1 << 20) - 1;

/// A schedule seed for `kind` with step estimate `k` and random `bits`.
pub fn encode(kind: Kind, k: usize, bits: u64) -> u64 {
    (kind.code() << 60) | ((k as u64).min(K_MAX) << 40) | (bits & RANDOM_BITS)
}

/// What a schedule seed names: its kind and PCT step estimate.
pub fn decode(seed: u64) -> (Kind, usize) {
    (Kind::from_code(seed >> 60), ((seed >> 40) & K_MAX) as usize)
}

/// One schedule's choices as they were made: the task chosen at each
/// scheduling point, and whether that choice was a preemption (the running
/// task could have gone on).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Choices {
    /// The task chosen at each scheduling point.
    pub tasks: Vec<usize>,
    /// The indices in `tasks` where the running task was runnable and
    /// another was chosen.
    pub preemptions: Vec<usize>,
}

impl Choices {
    /// Notes the choice of `chosen` when `current` was running.
    pub(crate) fn push(&mut self, runnable: &[&Task], current: Option<TaskId>, chosen: TaskId) {
        if let Some(current) = current
            && current != chosen
            && runnable.iter().any(|t| t.id() == current)
        {
            self.preemptions.push(self.tasks.len());
        }
        self.tasks.push(usize::from(chosen));
    }
}

/// The running schedule, shared with the search for its report.
#[derive(Debug, Default)]
pub struct Current {
    /// The schedule's seed.
    pub seed: u64,
    /// Its choices so far (the failing schedule's, once the search stops).
    pub choices: Choices,
}

/// PCT's state within one schedule.
struct Pct {
    /// Each task's priority, by task id; the highest runnable runs.
    priorities: Vec<i64>,
    /// The scheduling steps (with a choice) at which the running task
    /// drops to the lowest priority.
    change_points: Vec<usize>,
    /// The next lowest priority to hand out.
    lowest: i64,
}

/// The portfolio as one shuttle [`Scheduler`]: `budget` schedules from
/// `seed`, PCT no deeper than `depth`.
pub struct Portfolio {
    left: u64,
    drawn: u64,
    chain: u64,
    next_seed: Option<u64>,
    depth: usize,
    /// The step estimate: the most steps with a choice of any schedule.
    k: usize,
    /// This schedule's steps with a choice so far.
    steps: usize,
    kind: Kind,
    rng: u64,
    pct: Pct,
    current: Arc<Mutex<Current>>,
}

impl Portfolio {
    /// A search of `budget` schedules from `seed`; `current` names the
    /// running schedule and its choices.
    pub fn new(seed: u64, budget: u64, depth: usize, current: Arc<Mutex<Current>>) -> Self {
        Portfolio {
            left: budget,
            drawn: 0,
            chain: seed,
            next_seed: Some(seed),
            depth,
            k: 0,
            steps: 0,
            kind: Kind::Random,
            rng: seed,
            pct: Pct {
                priorities: Vec::new(),
                change_points: Vec::new(),
                lowest: 0,
            },
            current,
        }
    }

    fn with_current<R>(&self, f: impl FnOnce(&mut Current) -> R) -> R {
        f(&mut self.current.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Sets up the schedule `seed` names.
    fn start(&mut self, seed: u64) {
        let (kind, k) = decode(seed);
        self.kind = kind;
        self.rng = seed;
        self.steps = 0;
        self.pct.priorities.clear();
        self.pct.lowest = 0;
        self.pct.change_points.clear();
        if let Kind::Pct(depth) = kind
            && k > 1
        {
            // `depth - 1` distinct change points in 1..k, as shuttle's PCT.
            let wanted = (depth - 1).min(k - 1);
            while self.pct.change_points.len() < wanted {
                let point = 1 + (splitmix(&mut self.rng) % (k as u64 - 1)) as usize;
                if !self.pct.change_points.contains(&point) {
                    self.pct.change_points.push(point);
                }
            }
        }
        self.with_current(|c| {
            c.seed = seed;
            c.choices = Choices::default();
        });
    }

    fn pct_choice(
        &mut self,
        runnable: &[&Task],
        current: Option<TaskId>,
        yielding: bool,
    ) -> TaskId {
        // A task seen for the first time gets a random priority: PCT's
        // random initial order, for tasks spawned as the schedule goes.
        let most = runnable
            .iter()
            .map(|t| usize::from(t.id()))
            .max()
            .unwrap_or(0);
        while self.pct.priorities.len() <= most {
            let p = (splitmix(&mut self.rng) >> 2) as i64;
            self.pct.priorities.push(p);
        }
        if runnable.len() > 1
            && let Some(current) = current
            && (yielding || self.pct.change_points.contains(&self.steps))
        {
            self.pct.lowest -= 1;
            self.pct.priorities[usize::from(current)] = self.pct.lowest;
        }
        runnable
            .iter()
            .max_by_key(|t| self.pct.priorities[usize::from(t.id())])
            .expect("shuttle asks only when a task can run")
            .id()
    }
}

impl Scheduler for Portfolio {
    fn new_execution(&mut self) -> Option<Schedule> {
        self.k = self.k.max(self.steps);
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let seed = self.next_seed.take().unwrap_or_else(|| {
            let bits = splitmix(&mut self.chain);
            let kind = rotation(self.drawn, self.depth);
            encode(kind, self.k, bits)
        });
        self.drawn += 1;
        self.start(seed);
        Some(Schedule::new(seed))
    }

    fn next_task(
        &mut self,
        runnable: &[&Task],
        current: Option<TaskId>,
        is_yielding: bool,
    ) -> Option<TaskId> {
        let chosen = match self.kind {
            Kind::Random => {
                let pick = splitmix(&mut self.rng) % runnable.len() as u64;
                runnable[pick as usize].id()
            }
            Kind::Pct(_) => self.pct_choice(runnable, current, is_yielding),
        };
        if runnable.len() > 1 {
            self.steps += 1;
        }
        self.with_current(|c| c.choices.push(runnable, current, chosen));
        Some(chosen)
    }

    fn next_u64(&mut self) -> u64 {
        splitmix(&mut self.rng)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_schedule_seed_names_its_kind_and_step_estimate() {
        for kind in [Kind::Random, Kind::Pct(2), Kind::Pct(3), Kind::Pct(4)] {
            let seed = encode(kind, 1234, 0xdead_beef);
            assert_eq!(decode(seed), (kind, 1234));
            assert_eq!(seed & RANDOM_BITS, 0xdead_beef);
        }
    }

    #[test]
    fn a_small_seed_is_a_random_schedule() {
        assert_eq!(decode(20_251_123), (Kind::Random, 0));
    }

    #[test]
    fn the_rotation_never_goes_deeper_than_asked() {
        for i in 0..ROTATION.len() as u64 {
            assert!(matches!(rotation(i, 2), Kind::Random | Kind::Pct(2)));
            assert_ne!(rotation(i, 3), Kind::Pct(4));
            assert_eq!(rotation(i, 1), Kind::Random);
        }
    }
}
