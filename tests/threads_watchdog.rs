//! Every threads-tier run ends, by progress, not luck: when no operation
//! completes for the stall time, the run is a hang naming where each worker
//! was, whatever the code under test told its probe (these counters tell it
//! nothing), and the test returns. A correct pair never trips it.

mod common;

use common::{assert_caught, assert_holds, pair};
use racelab::check::ViolationKind::{self, Hang};
use racelab::matrix::Plan;
use racelab::model::ModelKind::{Counter, Queue};
use racelab::model::counter::{Counter as CounterOps, CounterImpl};
use racelab::sync::{AtomicWord, Backend, Mutex, Ordering::Acquire, Ordering::Relaxed, Std};
use racelab::tier::Outcome;
use racelab::tier::threads::{self, Racers, ThreadsConfig};
use racelab::workload::counter::{self, CounterPlan};
use racelab::workload::probe::Probe;
use racelab::workload::progress::Progress;
use std::sync::Barrier;
use std::time::Duration;

/// Short, so the tests are quick; nothing here completes an operation
/// once stuck, so no length would be "too short" for them.
const STALL: Duration = Duration::from_millis(500);

/// One adder, one subtractor, one operation each.
const PLAN: CounterPlan = CounterPlan {
    adders: 1,
    subtractors: 1,
    ops: 1,
};

fn label(i: usize) -> String {
    if i == 0 {
        "main".to_string()
    } else {
        format!("T{}", i - 1)
    }
}

/// Runs `C` on real threads under the watchdog.
fn run<C: CounterImpl<Std>>() -> Outcome {
    let config = ThreadsConfig {
        stall: STALL,
        ..ThreadsConfig::default()
    };
    let racers = Racers {
        threads: PLAN.threads(),
        parties: 2,
        operations: PLAN.operations(),
    };
    threads::rounds(&config, racers, &label, |probe, start, progress| {
        counter::drive::<Std, C>(&PLAN, probe, Some(start), &progress).map(drop)
    })
}

fn hang_evidence(outcome: &Outcome) -> &str {
    assert_eq!(
        outcome.violations.first().map(|v| v.kind),
        Some(Hang),
        "{outcome:?}"
    );
    println!("hang: {}", outcome.violations[0].evidence);
    &outcome.violations[0].evidence
}

/// A user's counter with two locks, taken in opposite order by increment
/// and decrement; a barrier between the two makes both hold their first.
struct OppositeOrder {
    a: Mutex<Std, i64>,
    b: Mutex<Std, ()>,
    both_hold_one: Barrier,
}

impl CounterOps for OppositeOrder {
    fn increment(&self) {
        let mut a = self.a.lock();
        self.both_hold_one.wait();
        let _b = self.b.lock();
        *a += 1;
    }
    fn decrement(&self) {
        let _b = self.b.lock();
        self.both_hold_one.wait();
        let mut a = self.a.lock();
        *a -= 1;
    }
    fn get(&self) -> i64 {
        *self.a.lock()
    }
}

impl CounterImpl<Std> for OppositeOrder {
    fn new(_probe: Probe) -> Self {
        OppositeOrder {
            a: Mutex::new(0),
            b: Mutex::new(()),
            both_hold_one: Barrier::new(2),
        }
    }
}

/// A user's counter behind a spin lock that starts taken and is never
/// released: every caller spins forever (through the facade's spin hint).
struct NeverFree {
    held: <Std as Backend>::AtomicUsize,
    value: <Std as Backend>::AtomicI64,
}

impl NeverFree {
    fn locked(&self, delta: i64) {
        let mut spins = 0;
        while self.held.compare_exchange(0, 1, Acquire, Relaxed).is_err() {
            Std::spin_hint(spins);
            spins = spins.saturating_add(1);
        }
        self.value.fetch_add(delta, Relaxed);
    }
}

impl CounterOps for NeverFree {
    fn increment(&self) {
        self.locked(1)
    }
    fn decrement(&self) {
        self.locked(-1)
    }
    fn get(&self) -> i64 {
        self.value.load(Relaxed)
    }
}

impl CounterImpl<Std> for NeverFree {
    fn new(_probe: Probe) -> Self {
        NeverFree {
            held: AtomicWord::new(1),
            value: AtomicWord::new(0),
        }
    }
}

#[test]
fn a_deadlock_the_probe_cannot_see_ends_as_a_hang_naming_the_workers() {
    let outcome = run::<OppositeOrder>();
    let evidence = hang_evidence(&outcome);
    assert!(
        evidence.contains("no operation completed for 500"),
        "{evidence}"
    );
    assert!(
        evidence.contains("T0 in increment #1 (0 done)"),
        "{evidence}"
    );
    assert!(
        evidence.contains("T1 in decrement #1 (0 done)"),
        "{evidence}"
    );
    assert!(evidence.contains("main in join"), "{evidence}");
    // Blocked on each other's mutex: nothing can free them.
    assert!(
        evidence.contains("2 threads stayed blocked and were left behind"),
        "{evidence}"
    );
}

#[test]
fn a_livelock_ends_as_a_hang_and_its_spinners_are_stopped() {
    let outcome = run::<NeverFree>();
    let evidence = hang_evidence(&outcome);
    assert!(
        evidence.contains("T0 in increment #1 (0 done)"),
        "{evidence}"
    );
    assert!(
        evidence.contains("T1 in decrement #1 (0 done)"),
        "{evidence}"
    );
    // The spin hint saw the abandon flag: both spinners unwound.
    assert!(evidence.contains("every worker was released"), "{evidence}");
    assert_eq!(outcome.violations.len(), 1, "{outcome:?}");
}

#[test]
fn an_unwatched_run_is_not_stopped() {
    // Loom and shuttle pass Progress::none: nothing recorded, nothing to
    // abandon, and the spin hint never unwinds there.
    let progress = Progress::none();
    progress.abandon();
    assert!(!progress.abandoned());
    assert_eq!(progress.total(), 0);
    assert!(!racelab::workload::progress::abandoned_here());
}

#[test]
fn correct_pairs_under_the_default_watchdog_still_hold() {
    assert_eq!(
        ThreadsConfig::default().stall,
        threads::DEFAULT_STALL,
        "the documented default"
    );
    let plan = CounterPlan {
        adders: 2,
        subtractors: 0,
        ops: 100_000,
    };
    let config = common::threads_config(1);
    for strategy in ["mutex", "spin", "ticket"] {
        let outcome = pair(Counter, strategy).stress(&Plan::Counter(plan), &config);
        assert_holds(strategy, &outcome);
    }
    let queue = racelab::matrix::Scale::STANDARD.plan(Queue, racelab::tier::Tier::Threads);
    assert_holds(
        "queue/condvar",
        &pair(Queue, "condvar").stress(&queue, &config),
    );
}

#[test]
fn broken_pairs_are_still_caught_with_their_own_violation() {
    let config = common::threads_config(1);
    let plan = Plan::Counter(CounterPlan {
        adders: 2,
        subtractors: 0,
        ops: 10_000,
    });
    let none = pair(Counter, "none").stress(&plan, &config);
    assert_caught("counter/none", &none, ViolationKind::LostUpdate);
    // The probe still sees the lost wakeup first: a deadlock, not a hang.
    let queue = racelab::matrix::Scale::STANDARD.plan(Queue, racelab::tier::Tier::Threads);
    let one = pair(Queue, "one-condvar").stress(&queue, &common::threads_config(20));
    assert_caught("queue/one-condvar", &one, ViolationKind::Deadlock);
}
