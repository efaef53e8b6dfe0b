//! The shuttle tier's schedule portfolio against shuttle's own PCT, with
//! the same total budget of schedules: `cargo run --example
//! shuttle_portfolio [BUDGET]` (default 1,000 schedules per search; about
//! a minute in debug).
//!
//! For each bug, ten searches per column, each from its own seed (1 to
//! 10): raw `PctScheduler` at depth 3 (what `shuttle::check_pct(f, budget,
//! 3)` runs) and at depth 2, shuttle's uniform-random-walk scheduler (URW),
//! and racelab's tier (the portfolio of [`racelab::tier::shuttle::portfolio`]).
//! A cell is "seeds that found the bug / 10, mean schedules to the first
//! failure over those seeds". Every search goes through the same runner
//! (racelab's, with the same step cap), so only the scheduler differs.
//!
//! The bugs: programs of 5 to 11 threads written the way a user would,
//! and built-in broken pairs at the matrix's shuttle scale.

use ::shuttle::scheduler::{PctScheduler, UrwRandomScheduler};
use racelab::matrix::{self, Scale};
use racelab::model::ModelKind;
use racelab::sync::{AtomicWord, Backend, Ordering::SeqCst, Shuttle};
use racelab::tier::shuttle::{self, DEFAULT_MAX_STEPS, ShuttleConfig};
use racelab::tier::{Outcome, Tier, Work};
use racelab::verify::join;
use std::sync::Arc;

/// Ten writers each store their number into `a`, then into `b`; a checker
/// reads `a`, then `b`, and asserts they agree. It fails only if the
/// checker runs between some writer's two stores and no other writer
/// repairs the pair before the checker reads `b`.
pub fn ten_writers<B: Backend>() {
    let pair = Arc::new((B::AtomicUsize::new(0), B::AtomicUsize::new(0)));
    let writers: Vec<_> = (1..=10)
        .map(|i| {
            let pair = Arc::clone(&pair);
            B::spawn(move || {
                pair.0.store(i, SeqCst);
                pair.1.store(i, SeqCst);
            })
        })
        .collect();
    let checker = {
        let pair = Arc::clone(&pair);
        B::spawn(move || {
            let a = pair.0.load(SeqCst);
            let b = pair.1.load(SeqCst);
            assert_eq!(a, b, "the checker saw a half-written pair");
        })
    };
    for w in writers {
        join::<B, _>(w);
    }
    join::<B, _>(checker);
}

/// Six threads increment a counter with a load and a store: an update is
/// lost when two of them read the same value.
fn lost_update<B: Backend>() {
    let count = Arc::new(B::AtomicUsize::new(0));
    let threads: Vec<_> = (0..6)
        .map(|_| {
            let count = Arc::clone(&count);
            B::spawn(move || {
                let seen = count.load(SeqCst);
                count.store(seen + 1, SeqCst);
            })
        })
        .collect();
    for t in threads {
        join::<B, _>(t);
    }
    assert_eq!(count.load(SeqCst), 6, "an increment was lost");
}

/// Five buyers, one ticket: each checks that one is left, then takes it.
fn check_then_act<B: Backend>() {
    let left = Arc::new(B::AtomicUsize::new(1));
    let sold = Arc::new(B::AtomicUsize::new(0));
    let buyers: Vec<_> = (0..5)
        .map(|_| {
            let (left, sold) = (Arc::clone(&left), Arc::clone(&sold));
            B::spawn(move || {
                if left.load(SeqCst) > 0 {
                    left.store(0, SeqCst);
                    sold.fetch_add(1, SeqCst);
                }
            })
        })
        .collect();
    for b in buyers {
        join::<B, _>(b);
    }
    assert!(sold.load(SeqCst) <= 1, "one ticket sold twice");
}

/// Four threads lock `a` then `b`, a fifth `b` then `a`: a deadlock when
/// the fifth holds `b` while one of the others holds `a`.
fn lock_order<B: Backend>() {
    let locks = Arc::new((B::new_mutex(0u32), B::new_mutex(0u32)));
    let threads: Vec<_> = (0..5)
        .map(|i| {
            let locks = Arc::clone(&locks);
            B::spawn(move || {
                if i == 4 {
                    let mut b = B::lock(&locks.1);
                    let mut a = B::lock(&locks.0);
                    *a += 1;
                    *b += 1;
                } else {
                    let mut a = B::lock(&locks.0);
                    let mut b = B::lock(&locks.1);
                    *a += 1;
                    *b += 1;
                }
            })
        })
        .collect();
    for t in threads {
        join::<B, _>(t);
    }
}

/// Three producers and three consumers of one item each over a queue whose
/// consumers wait with `if` instead of `while`: a consumer woken after
/// another took the item pops an empty queue.
fn condvar_if<B: Backend>() {
    let queue = Arc::new((B::new_mutex(Vec::<u32>::new()), B::new_condvar()));
    let mut threads = Vec::new();
    for i in 0..3 {
        let q = Arc::clone(&queue);
        threads.push(B::spawn(move || {
            let mut items = B::lock(&q.0);
            items.push(i);
            drop(items);
            B::notify_one(&q.1);
        }));
        let q = Arc::clone(&queue);
        threads.push(B::spawn(move || {
            let mut items = B::lock(&q.0);
            if items.is_empty() {
                items = B::wait(&q.1, items);
            }
            items.pop().expect("popped an empty queue");
        }));
    }
    for t in threads {
        join::<B, _>(t);
    }
}

/// A bug of the benchmark: a program, or a built-in broken pair.
enum Bug {
    Program(&'static str, fn()),
    Pair(ModelKind, &'static str),
}

impl Bug {
    fn name(&self) -> String {
        match self {
            Bug::Program(name, _) => name.to_string(),
            Bug::Pair(model, strategy) => format!("{model} {strategy}"),
        }
    }

    /// One search with `scheduler`.
    fn raw<S: ::shuttle::scheduler::Scheduler + Send + 'static>(&self, scheduler: S) -> Outcome {
        match self {
            Bug::Program(_, body) => {
                let body = *body;
                shuttle::explore_with(scheduler, DEFAULT_MAX_STEPS, label, move |_| {
                    body();
                    Ok(())
                })
            }
            Bug::Pair(model, strategy) => {
                let pair = matrix::find(*model, strategy).expect("a built-in pair");
                let plan = Scale::STANDARD.plan(*model, Tier::Shuttle);
                pair.shuttle_with(&plan, scheduler, DEFAULT_MAX_STEPS)
            }
        }
    }

    /// One search by the tier.
    fn tier(&self, config: &ShuttleConfig) -> Outcome {
        match self {
            Bug::Program(_, body) => {
                let body = *body;
                shuttle::explore(config, label, move |_| {
                    body();
                    Ok(())
                })
            }
            Bug::Pair(model, strategy) => {
                let pair = matrix::find(*model, strategy).expect("a built-in pair");
                let plan = Scale::STANDARD.plan(*model, Tier::Shuttle);
                pair.shuttle(&plan, config)
            }
        }
    }
}

fn label(i: usize) -> String {
    if i == 0 {
        "main".to_string()
    } else {
        format!("T{}", i - 1)
    }
}

/// Seeds found out of those tried, and the schedules each found one took.
#[derive(Default)]
pub struct Tally {
    pub found: usize,
    pub tried: usize,
    schedules: u64,
}

impl Tally {
    fn add(&mut self, outcome: &Outcome) {
        self.tried += 1;
        if !outcome.violations.is_empty() {
            self.found += 1;
            if let Work::Schedules { count, .. } = outcome.work {
                self.schedules += count;
            }
        }
    }

    fn cell(&self) -> String {
        if self.found == 0 {
            format!("{}/{}", self.found, self.tried)
        } else {
            format!(
                "{}/{}, {:.0}",
                self.found,
                self.tried,
                self.schedules as f64 / self.found as f64
            )
        }
    }
}

/// The seeds every column uses.
pub const SEEDS: std::ops::RangeInclusive<u64> = 1..=10;

/// Raw PCT at `depth` from each seed, `budget` schedules each.
pub fn raw_pct(body: fn(), depth: usize, budget: u64) -> Tally {
    let bug = Bug::Program("", body);
    let mut tally = Tally::default();
    for seed in SEEDS {
        tally.add(&bug.raw(PctScheduler::new_from_seed(seed, depth, budget as usize)));
    }
    tally
}

/// The tier from each seed, `budget` schedules each.
pub fn tier(body: fn(), budget: u64) -> Tally {
    let bug = Bug::Program("", body);
    let mut tally = Tally::default();
    for seed in SEEDS {
        tally.add(&bug.tier(&ShuttleConfig::new(budget, seed)));
    }
    tally
}

fn main() {
    racelab::tier::shuttle::init_panic_hook();
    // The bugs panic by design: keep the table readable.
    std::panic::set_hook(Box::new(|_| {}));
    let budget: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000);
    let bugs = [
        Bug::Program("ten writers, a checker", ten_writers::<Shuttle>),
        Bug::Program("lost update (6 threads)", lost_update::<Shuttle>),
        Bug::Program("check-then-act (5 buyers)", check_then_act::<Shuttle>),
        Bug::Program("lock-order deadlock (5 threads)", lock_order::<Shuttle>),
        Bug::Program("condvar if (3P, 3C)", condvar_if::<Shuttle>),
        Bug::Pair(ModelKind::Counter, "none"),
        Bug::Pair(ModelKind::Counter, "split-lock"),
        Bug::Pair(ModelKind::Tickets, "check-then-act"),
        Bug::Pair(ModelKind::Queue, "condvar-if"),
        Bug::Pair(ModelKind::Queue, "one-condvar"),
    ];
    println!(
        "budget: {budget} schedules per search, seeds 1..=10; cell: found/10, mean schedules to find"
    );
    println!(
        "{:<34} {:>12} {:>12} {:>12} {:>12}",
        "bug", "raw pct-3", "raw pct-2", "raw urw", "racelab"
    );
    for bug in &bugs {
        let (mut pct3, mut pct2, mut urw, mut ours) = Default::default();
        for seed in SEEDS {
            Tally::add(
                &mut pct3,
                &bug.raw(PctScheduler::new_from_seed(seed, 3, budget as usize)),
            );
            Tally::add(
                &mut pct2,
                &bug.raw(PctScheduler::new_from_seed(seed, 2, budget as usize)),
            );
            Tally::add(
                &mut urw,
                &bug.raw(UrwRandomScheduler::new_from_seed(seed, budget as usize)),
            );
            Tally::add(&mut ours, &bug.tier(&ShuttleConfig::new(budget, seed)));
        }
        let (pct3, pct2, urw, ours): (Tally, Tally, Tally, Tally) = (pct3, pct2, urw, ours);
        println!(
            "{:<34} {:>12} {:>12} {:>12} {:>12}",
            bug.name(),
            pct3.cell(),
            pct2.cell(),
            urw.cell(),
            ours.cell()
        );
    }
}

#[test]
fn the_tier_finds_the_ten_writers_bug_from_at_least_as_many_seeds_as_raw_pct() {
    racelab::tier::shuttle::init_panic_hook();
    let budget = 1_000;
    let raw = raw_pct(ten_writers::<Shuttle>, 3, budget);
    let ours = tier(ten_writers::<Shuttle>, budget);
    println!("raw pct-3: {}; racelab: {}", raw.cell(), ours.cell());
    assert!(
        ours.found >= raw.found,
        "raw {} vs ours {}",
        raw.cell(),
        ours.cell()
    );
}
