//! The public entry points on code racelab did not write: a user's
//! program, counter, office, queue and lock, each with a positive and a
//! negative control.

use racelab::check::ViolationKind;
use racelab::lock::RawLock;
use racelab::model::counter::{Counter, CounterImpl};
use racelab::sync::{AtomicWord, Backend, Ordering::*};
use racelab::tier::{Tier, Verdict};
use racelab::workload::probe::Probe;
use std::sync::Arc;

const MODEL_CHECKERS: &[Tier] = &[Tier::Loom, Tier::Shuttle];

fn racy_increments<B: Backend>() {
    let x = Arc::new(B::AtomicUsize::new(0));
    let handles: Vec<_> = (0..2)
        .map(|_| {
            let x = Arc::clone(&x);
            B::spawn(move || {
                let seen = x.load(Relaxed);
                x.store(seen + 1, Relaxed);
            })
        })
        .collect();
    for h in handles {
        racelab::verify::join::<B, _>(h);
    }
    assert_eq!(x.load(Relaxed), 2, "an update was lost");
}

#[test]
fn a_program_with_a_lost_update_is_violated_on_loom_and_shuttle() {
    let report = racelab::program!(racy_increments)
        .tiers(MODEL_CHECKERS)
        .run();
    assert_eq!(report.on(Tier::Loom), Some(Verdict::Violated), "{report}");
    assert_eq!(
        report.on(Tier::Shuttle),
        Some(Verdict::Violated),
        "{report}"
    );
}

#[test]
fn a_program_with_fetch_add_holds_on_every_tier() {
    racelab::program!(|B| {
        let x = Arc::new(B::AtomicUsize::new(0));
        let handles: Vec<_> = (0..2)
            .map(|_| {
                let x = Arc::clone(&x);
                B::spawn(move || {
                    x.fetch_add(1, Relaxed);
                })
            })
            .collect();
        for h in handles {
            racelab::verify::join::<B, _>(h);
        }
        assert_eq!(x.load(Relaxed), 2);
    })
    .assert_holds();
}

/// A counter a user might write: compare-exchange once, no retry.
pub struct CasOnce<B: Backend>(B::AtomicI64);

impl<B: Backend> Counter for CasOnce<B> {
    fn increment(&self) {
        let v = self.0.load(Relaxed);
        let _ = self.0.compare_exchange(v, v + 1, AcqRel, Relaxed);
    }
    fn decrement(&self) {
        let v = self.0.load(Relaxed);
        let _ = self.0.compare_exchange(v, v - 1, AcqRel, Relaxed);
    }
    fn get(&self) -> i64 {
        self.0.load(Acquire)
    }
}

impl<B: Backend> CounterImpl<B> for CasOnce<B> {
    fn new(_: Probe) -> Self {
        CasOnce(B::AtomicI64::new(0))
    }
}

#[test]
fn a_counter_whose_cas_does_not_retry_loses_updates() {
    racelab::counter!(CasOnce)
        .tiers(MODEL_CHECKERS)
        .assert_violated(ViolationKind::LostUpdate);
}

/// Test-and-set, Acquire/Release: correct.
pub struct Tas<B: Backend>(B::AtomicUsize);

impl<B: Backend> RawLock<B> for Tas<B> {
    const NAME: &'static str = "tas";
    fn new() -> Self {
        Tas(B::AtomicUsize::new(0))
    }
    fn try_lock(&self) -> bool {
        self.0.compare_exchange(0, 1, Acquire, Relaxed).is_ok()
    }
    fn unlock(&self) {
        self.0.store(0, Release)
    }
}

/// Test-and-set whose unlock publishes nothing: Relaxed.
pub struct TasRelaxed<B: Backend>(B::AtomicUsize);

impl<B: Backend> RawLock<B> for TasRelaxed<B> {
    const NAME: &'static str = "tas-relaxed";
    fn new() -> Self {
        TasRelaxed(B::AtomicUsize::new(0))
    }
    fn try_lock(&self) -> bool {
        self.0.compare_exchange(0, 1, Relaxed, Relaxed).is_ok()
    }
    fn unlock(&self) {
        self.0.store(0, Relaxed)
    }
}

/// Test, then set: two threads both see it free.
pub struct TestThenSet<B: Backend>(B::AtomicUsize);

impl<B: Backend> RawLock<B> for TestThenSet<B> {
    const NAME: &'static str = "test-then-set";
    fn new() -> Self {
        TestThenSet(B::AtomicUsize::new(0))
    }
    fn try_lock(&self) -> bool {
        if self.0.load(Acquire) == 0 {
            self.0.store(1, Relaxed);
            true
        } else {
            false
        }
    }
    fn unlock(&self) {
        self.0.store(0, Release)
    }
}

#[test]
fn a_correct_test_and_set_lock_holds_on_every_tier() {
    racelab::lock!(Tas)
        .tiers(&[Tier::Loom, Tier::Threads, Tier::Shuttle])
        .assert_holds();
}

#[test]
fn a_lock_that_tests_then_sets_breaks_exclusion() {
    let report = racelab::lock!(TestThenSet).tiers(MODEL_CHECKERS).run();
    // Shuttle (sequentially consistent) sees two holders inside; loom may
    // first see their unordered writes to the guarded data.
    let shuttle = report.run("exclusion", Tier::Shuttle).unwrap();
    assert_eq!(
        shuttle.outcome.violations[0].kind,
        ViolationKind::ExclusionBroken,
        "{report}"
    );
    assert_eq!(report.on(Tier::Loom), Some(Verdict::Violated), "{report}");
}

#[test]
fn a_lock_that_publishes_nothing_is_caught_by_loom() {
    let report = racelab::lock!(TasRelaxed).tiers(&[Tier::Loom]).run();
    assert_eq!(report.on(Tier::Loom), Some(Verdict::Violated), "{report}");
}
