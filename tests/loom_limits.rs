//! Loom's own limits are never the code under test's fault: a bound loom
//! does not take is refused up front, and a search that loom stops for
//! reasons of its own (too many threads, a loop past its branch limit, the
//! time cap) is inconclusive with the reason, never violated, never holds.

mod common;

use common::pair;
use racelab::check::ViolationKind;
use racelab::explain;
use racelab::matrix::Plan;
use racelab::model::ModelKind::{Counter, Queue};
use racelab::sync::{Backend, Loom, Ordering::Acquire, Ordering::Release};
use racelab::tier::loom::{self, BoundTooBig, LoomConfig, MAX_BOUND};
use racelab::tier::{Limit, Verdict};
use racelab::workload::counter::CounterPlan;
use racelab::workload::queue::{Ending, QueuePlan};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

fn adders(n: usize) -> Plan {
    Plan::Counter(CounterPlan {
        adders: n,
        subtractors: 0,
        ops: 1,
    })
}

fn limit_of(outcome: &racelab::tier::Outcome) -> Option<Limit> {
    outcome.inconclusive.as_ref().map(|i| i.limit)
}

#[test]
fn a_bound_loom_does_not_take_is_refused_by_the_library() {
    assert_eq!(LoomConfig::bounded(Some(MAX_BOUND)).validate(), Ok(()));
    assert_eq!(LoomConfig::bounded(None).validate(), Ok(()));
    for bound in [MAX_BOUND + 1, 4_294_967_296, usize::MAX] {
        assert_eq!(
            LoomConfig::bounded(Some(bound)).validate(),
            Err(BoundTooBig { bound })
        );
        let mutex = pair(Counter, "mutex");
        assert!(
            matches!(explain::explain(&mutex, bound), Err(BoundTooBig { bound: b }) if b == bound)
        );
        // Even unvalidated, explore runs nothing and allocates nothing in
        // proportion to the bound: inconclusive, never violated.
        let found = mutex.explore(&adders(2), &LoomConfig::bounded(Some(bound)));
        assert_eq!(found.outcome.verdict(), Verdict::Inconclusive);
        assert_eq!(limit_of(&found.outcome), Some(Limit::LoomBound));
        assert_eq!(found.passes, 0);
    }
}

#[test]
fn a_bound_loom_does_not_take_exits_2_from_the_cli_with_one_line() {
    for bound in ["256", "4294967296"] {
        let out = Command::new(env!("CARGO_BIN_EXE_racelab"))
            .args(["explain", "counter", "mutex", "--bound", bound])
            .output()
            .expect("run racelab");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "--bound {bound}: {stderr}");
        assert!(stderr.contains("0 to 255"), "{stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn more_threads_than_loom_models_is_inconclusive_never_violated() {
    // Five adders and the main thread: six, loom models five.
    for strategy in ["mutex", "none"] {
        let found = pair(Counter, strategy).explore(&adders(5), &LoomConfig::bounded(Some(2)));
        let outcome = &found.outcome;
        assert_eq!(
            outcome.verdict(),
            Verdict::Inconclusive,
            "{strategy}: {outcome:?}"
        );
        assert!(outcome.violations.is_empty(), "{strategy}: {outcome:?}");
        let why = outcome.inconclusive.as_ref().expect("a reason");
        assert_eq!(why.limit, Limit::LoomThreads);
        assert!(why.reason.contains("6 threads"), "{why}");
        // The first execution already shows it: the deepening stops there.
        assert_eq!(found.passes, 1);
    }
}

#[test]
fn at_loom_thread_limit_a_correct_pair_holds_and_a_broken_one_is_caught() {
    // Four adders and the main thread: exactly loom's five.
    let config = LoomConfig::bounded(Some(1));
    let correct = pair(Counter, "atomic").explore(&adders(4), &config);
    assert_eq!(
        correct.outcome.verdict(),
        Verdict::Holds,
        "{:?}",
        correct.outcome
    );
    let none = pair(Counter, "none").explore(&adders(4), &config);
    assert!(
        none.outcome
            .violations
            .iter()
            .any(|v| v.kind == ViolationKind::LostUpdate),
        "{:?}",
        none.outcome
    );
}

#[test]
fn a_spin_loop_that_never_yields_to_loom_is_inconclusive_not_a_livelock() {
    let found = loom::explore(
        &LoomConfig::bounded(Some(1)),
        |i| format!("T{i}"),
        |_probe| {
            let flag = Arc::new(<Loom as Backend>::AtomicUsize::new(0));
            let setter = Arc::clone(&flag);
            let handle = Loom::spawn(move || setter.store(1, Release));
            // No spin hint: loom never lets the setter run from here.
            while flag.load(Acquire) == 0 {}
            let _ = Loom::join(handle);
            Ok(())
        },
    );
    let outcome = &found.outcome;
    assert_eq!(outcome.verdict(), Verdict::Inconclusive, "{outcome:?}");
    assert!(outcome.violations.is_empty());
    assert_eq!(limit_of(outcome), Some(Limit::LoomBranches));
}

#[test]
fn the_same_spin_loop_through_the_spin_hint_holds() {
    let found = loom::explore(
        &LoomConfig::bounded(Some(1)),
        |i| format!("T{i}"),
        |_probe| {
            let flag = Arc::new(<Loom as Backend>::AtomicUsize::new(0));
            let setter = Arc::clone(&flag);
            let handle = Loom::spawn(move || setter.store(1, Release));
            let mut spins = 0;
            while flag.load(Acquire) == 0 {
                Loom::spin_hint(spins);
                spins += 1;
            }
            let _ = Loom::join(handle);
            Ok(())
        },
    );
    assert_eq!(
        found.outcome.verdict(),
        Verdict::Holds,
        "{:?}",
        found.outcome
    );
}

#[test]
fn the_time_cap_covers_the_whole_deepening_not_each_pass() {
    // The correct queue with two producers and two consumers takes seconds
    // at bound 3; a cap of 1 ms stops it in its first pass. Before, each of
    // the four passes got the whole cap.
    let plan = Plan::Queue(QueuePlan {
        producers: 2,
        consumers: 2,
        items: 1,
        capacity: 1,
        ending: Ending::Close,
    });
    let config = LoomConfig {
        max_duration: Duration::from_millis(1),
        ..LoomConfig::bounded(Some(3))
    };
    let found = pair(Queue, "condvar").explore(&plan, &config);
    let outcome = &found.outcome;
    assert_eq!(outcome.verdict(), Verdict::Inconclusive, "{outcome:?}");
    assert_eq!(limit_of(outcome), Some(Limit::TimeCap));
    assert!(
        found.passes < 4,
        "{} passes: the cap must not restart each pass",
        found.passes
    );
    // A cap that leaves nothing runs no pass at all.
    let none = pair(Queue, "condvar").explore(
        &plan,
        &LoomConfig {
            max_duration: Duration::ZERO,
            ..config
        },
    );
    assert_eq!(none.passes, 0);
    assert_eq!(limit_of(&none.outcome), Some(Limit::TimeCap));
}

#[test]
fn code_that_spawns_through_loom_directly_is_classified_too() {
    // Not through the facade: loom's own assertion is the only signal.
    let found = loom::explore(
        &LoomConfig::bounded(Some(0)),
        |i| format!("T{i}"),
        |_probe| {
            let handles: Vec<_> = (0..5).map(|_| ::loom::thread::spawn(|| ())).collect();
            for handle in handles {
                let _ = handle.join();
            }
            Ok(())
        },
    );
    let outcome = &found.outcome;
    assert_eq!(outcome.verdict(), Verdict::Inconclusive, "{outcome:?}");
    assert!(outcome.violations.is_empty());
    assert_eq!(limit_of(outcome), Some(Limit::LoomThreads));
}
