//! Honest model fidelity: what loom or shuttle shows only because of its
//! own model is no verdict on the code under test.
//! - A deadlock names every thread, the finished ones too, from the
//!   checker's own report.
//! - Loom models SeqCst as AcqRel: Peterson's lock with SeqCst everywhere
//!   is inconclusive on loom (`Limit::LoomSeqCst`) and holds on shuttle;
//!   with Release/Acquire flags it is a real bug, and loom says violated.
//! - A test-and-set lock whose spin loop bypasses the facade's spin hint
//!   exhausts loom's branch limit: inconclusive, never "panicked".
//! - A spin lock that gives up after 1 or 2 spins and enters anyway is
//!   caught by loom (the first spins do not yield).

use racelab::check::{Violation, ViolationKind};
use racelab::sync::Ordering::{self, Acquire, Relaxed, Release, SeqCst};
use racelab::sync::{
    AtomicBool, AtomicFlag, AtomicUsize, AtomicWord, Backend, LOOM_UNYIELDED_SPINS, Loom, Mutex,
    Shuttle,
};
use racelab::tier::loom::{self, LoomConfig};
use racelab::tier::shuttle::{self, ShuttleConfig};
use racelab::tier::{Limit, Outcome, Verdict};
use racelab::workload::probe::Probe;
use std::sync::Arc;

fn label(i: usize) -> String {
    if i == 0 {
        "main".into()
    } else {
        format!("T{}", i - 1)
    }
}

fn on_loom<F>(bound: Option<usize>, body: F) -> Outcome
where
    F: Fn() -> Result<(), Vec<Violation>> + Send + Sync + 'static,
{
    loom::explore(&LoomConfig::bounded(bound), label, move |_: Probe| body()).outcome
}

fn on_shuttle<F>(body: F) -> Outcome
where
    F: Fn() -> Result<(), Vec<Violation>> + Send + Sync + 'static,
{
    shuttle::explore(&ShuttleConfig::new(300, 11), label, move |_: Probe| body())
}

fn limit(outcome: &Outcome) -> Option<Limit> {
    outcome.inconclusive.as_ref().map(|i| i.limit)
}

fn join_all<B: Backend>(handles: Vec<B::JoinHandle<()>>) {
    for handle in handles {
        if let Err(payload) = B::join(handle) {
            std::panic::resume_unwind(payload);
        }
    }
}

/// T0 takes a then b, T1 takes b then a, T2 just finishes; main joins.
fn lock_order<B: Backend>() -> Result<(), Vec<Violation>> {
    let a = Arc::new(Mutex::<B, ()>::new(()));
    let b = Arc::new(Mutex::<B, ()>::new(()));
    let take = |first: Arc<Mutex<B, ()>>, second: Arc<Mutex<B, ()>>| {
        B::spawn(move || {
            let _one = first.lock();
            let _two = second.lock();
        })
    };
    let handles = vec![
        take(Arc::clone(&a), Arc::clone(&b)),
        take(Arc::clone(&b), Arc::clone(&a)),
        B::spawn(|| {}),
    ];
    join_all::<B>(handles);
    Ok(())
}

#[test]
fn loom_deadlock_names_every_thread_the_finished_one_too() {
    let outcome = on_loom(Some(2), lock_order::<Loom>);
    assert_eq!(outcome.verdict(), Verdict::Violated, "{outcome:?}");
    let deadlock = &outcome.violations[0];
    assert_eq!(deadlock.kind, ViolationKind::Deadlock, "{outcome:?}");
    let told = &deadlock.evidence;
    for part in ["T0 blocked", "T1 blocked", "T2 finished", "main blocked"] {
        assert!(told.contains(part), "{part} missing: {told}");
    }
}

#[test]
fn shuttle_deadlock_is_a_deadlock_naming_the_blocked_tasks() {
    let outcome = on_shuttle(lock_order::<Shuttle>);
    assert_eq!(outcome.verdict(), Verdict::Violated, "{outcome:?}");
    let deadlock = &outcome.violations[0];
    assert_eq!(deadlock.kind, ViolationKind::Deadlock, "{outcome:?}");
    let told = &deadlock.evidence;
    for part in ["T0 blocked", "T1 blocked", "main blocked"] {
        assert!(told.contains(part), "{part} missing: {told}");
    }
    assert!(
        !told.contains("T2"),
        "a finished task is not blocked: {told}"
    );
}

/// Peterson's lock for two threads around a non-atomic read-modify-write
/// of `count` (load, then store): `store` and `load` order every access to
/// the flags and the turn (the textbook form: the turn is a plain store).
fn peterson<B: Backend>(store: Ordering, load: Ordering) -> Result<(), Vec<Violation>> {
    let flags = Arc::new([AtomicBool::<B>::new(false), AtomicBool::<B>::new(false)]);
    let turn = Arc::new(AtomicUsize::<B>::new(0));
    let count = Arc::new(AtomicUsize::<B>::new(0));
    let handles = (0..2)
        .map(|me| {
            let (flags, turn, count) = (Arc::clone(&flags), Arc::clone(&turn), Arc::clone(&count));
            B::spawn(move || {
                let other = 1 - me;
                flags[me].store(true, store);
                turn.store(other, store);
                let mut spins = 0;
                while flags[other].load(load) && turn.load(load) == other {
                    B::spin_hint(spins);
                    spins += 1;
                }
                let seen = count.load(Relaxed);
                count.store(seen + 1, Relaxed);
                flags[me].store(false, store);
            })
        })
        .collect();
    join_all::<B>(handles);
    let total = count.load(Relaxed);
    if total != 2 {
        return Err(vec![Violation::new(
            ViolationKind::LostUpdate,
            format!("final {total}, expected 2"),
        )]);
    }
    Ok(())
}

#[test]
fn peterson_with_seq_cst_is_inconclusive_on_loom_and_holds_on_shuttle() {
    let outcome = on_loom(Some(3), || peterson::<Loom>(SeqCst, SeqCst));
    assert_eq!(outcome.verdict(), Verdict::Inconclusive, "{outcome:?}");
    assert_eq!(limit(&outcome), Some(Limit::LoomSeqCst), "{outcome:?}");
    let reason = &outcome.inconclusive.as_ref().unwrap().reason;
    assert!(
        reason.contains("lost update"),
        "the would-be violation is named: {reason}"
    );
    let outcome = on_shuttle(|| peterson::<Shuttle>(SeqCst, SeqCst));
    assert_eq!(outcome.verdict(), Verdict::Holds, "{outcome:?}");
}

#[test]
fn peterson_with_release_acquire_flags_is_violated_on_loom() {
    let outcome = on_loom(Some(3), || peterson::<Loom>(Release, Acquire));
    assert_eq!(outcome.verdict(), Verdict::Violated, "{outcome:?}");
    assert_eq!(
        outcome.violations[0].kind,
        ViolationKind::LostUpdate,
        "{outcome:?}"
    );
}

/// A correct test-and-set lock whose spin loop calls std's hint, not the
/// facade's: loom sees a loop that never lets the holder run.
fn tas_without_hint<B: Backend>() -> Result<(), Vec<Violation>> {
    let locked = Arc::new(AtomicBool::<B>::new(false));
    let handles = (0..2)
        .map(|_| {
            let locked = Arc::clone(&locked);
            B::spawn(move || {
                while locked.swap(true, Acquire) {
                    std::hint::spin_loop();
                }
                locked.store(false, Release);
            })
        })
        .collect();
    // A worker's panic surfaces through the join, as in the drivers.
    join_all::<B>(handles);
    Ok(())
}

#[test]
fn a_spin_loop_past_loom_branch_limit_is_inconclusive_not_panicked() {
    let outcome = on_loom(Some(2), tas_without_hint::<Loom>);
    assert_eq!(outcome.verdict(), Verdict::Inconclusive, "{outcome:?}");
    assert_eq!(limit(&outcome), Some(Limit::LoomBranches), "{outcome:?}");
}

#[test]
fn a_spin_loop_under_shuttle_is_never_a_violation() {
    let config = ShuttleConfig {
        max_steps: 2_000,
        ..ShuttleConfig::new(100, 3)
    };
    let outcome = shuttle::explore(&config, label, |_: Probe| tas_without_hint::<Shuttle>());
    assert_ne!(outcome.verdict(), Verdict::Violated, "{outcome:?}");
    if outcome.verdict() == Verdict::Inconclusive {
        assert_eq!(limit(&outcome), Some(Limit::StepCap), "{outcome:?}");
    }
}

/// A spin lock that tries `tries` times, then enters the critical section
/// whether it got the lock or not.
fn gives_up<B: Backend>(tries: u32) -> Result<(), Vec<Violation>> {
    let locked = Arc::new(AtomicBool::<B>::new(false));
    let count = Arc::new(AtomicUsize::<B>::new(0));
    let handles = (0..2)
        .map(|_| {
            let (locked, count) = (Arc::clone(&locked), Arc::clone(&count));
            B::spawn(move || {
                let mut held = false;
                for spin in 0..tries {
                    if locked
                        .compare_exchange(false, true, Acquire, Relaxed)
                        .is_ok()
                    {
                        held = true;
                        break;
                    }
                    B::spin_hint(spin);
                }
                let seen = count.load(Relaxed);
                count.store(seen + 1, Relaxed);
                if held {
                    locked.store(false, Release);
                }
            })
        })
        .collect();
    join_all::<B>(handles);
    let total = count.load(Relaxed);
    if total != 2 {
        return Err(vec![Violation::new(
            ViolationKind::LostUpdate,
            format!("final {total}, expected 2"),
        )]);
    }
    Ok(())
}

#[test]
fn a_spin_lock_that_gives_up_after_one_or_two_tries_is_caught_by_loom() {
    const { assert!(LOOM_UNYIELDED_SPINS >= 2) };
    for tries in [1, 2] {
        let outcome = on_loom(Some(2), move || gives_up::<Loom>(tries));
        assert_eq!(
            outcome.verdict(),
            Verdict::Violated,
            "{tries} tries: {outcome:?}"
        );
        assert_eq!(
            outcome.violations[0].kind,
            ViolationKind::LostUpdate,
            "{outcome:?}"
        );
    }
}

#[test]
fn a_spin_lock_that_gives_up_is_caught_by_shuttle() {
    let outcome = on_shuttle(|| gives_up::<Shuttle>(2));
    assert_eq!(outcome.verdict(), Verdict::Violated, "{outcome:?}");
    assert_eq!(
        outcome.violations[0].kind,
        ViolationKind::LostUpdate,
        "{outcome:?}"
    );
}

#[test]
fn a_spin_lock_that_never_gives_up_holds_on_loom() {
    let outcome = on_loom(Some(2), || gives_up::<Loom>(u32::MAX));
    assert_eq!(outcome.verdict(), Verdict::Holds, "{outcome:?}");
}
