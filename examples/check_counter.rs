//! Check a counter of your own: `cargo run --example check_counter`.
//!
//! Implement `Counter` (increment, decrement, get) and `CounterImpl` (how
//! to make one on a backend) for a type generic over the backend, then
//! `racelab::counter!(YourType)`: the counter workload (adders and
//! subtractors racing; the final value must be their net) runs on loom,
//! real threads and shuttle.

use racelab::check::ViolationKind;
use racelab::model::counter::{Counter, CounterImpl};
use racelab::sync::{AtomicWord, Backend, Ordering::*};
use racelab::tier::Tier;
use racelab::workload::probe::Probe;

/// A compare-exchange loop: correct.
pub struct CasLoop<B: Backend>(B::AtomicI64);

impl<B: Backend> CasLoop<B> {
    fn add(&self, delta: i64) {
        let mut seen = self.0.load(Relaxed);
        while let Err(now) = self
            .0
            .compare_exchange(seen, seen + delta, Relaxed, Relaxed)
        {
            seen = now;
        }
    }
}

impl<B: Backend> Counter for CasLoop<B> {
    fn increment(&self) {
        self.add(1)
    }
    fn decrement(&self) {
        self.add(-1)
    }
    fn get(&self) -> i64 {
        self.0.load(Relaxed)
    }
}

impl<B: Backend> CounterImpl<B> for CasLoop<B> {
    fn new(_: Probe) -> Self {
        CasLoop(B::AtomicI64::new(0))
    }
}

/// The same, but a failed exchange gives up: an update is lost.
pub struct CasOnce<B: Backend>(B::AtomicI64);

impl<B: Backend> Counter for CasOnce<B> {
    fn increment(&self) {
        let seen = self.0.load(Relaxed);
        let _ = self.0.compare_exchange(seen, seen + 1, Relaxed, Relaxed);
    }
    fn decrement(&self) {
        let seen = self.0.load(Relaxed);
        let _ = self.0.compare_exchange(seen, seen - 1, Relaxed, Relaxed);
    }
    fn get(&self) -> i64 {
        self.0.load(Relaxed)
    }
}

impl<B: Backend> CounterImpl<B> for CasOnce<B> {
    fn new(_: Probe) -> Self {
        CasOnce(B::AtomicI64::new(0))
    }
}

fn main() {
    println!("{}", racelab::counter!(CasLoop).assert_holds());
    let report = racelab::counter!(CasOnce)
        .tiers(&[Tier::Loom, Tier::Shuttle])
        .assert_violated(ViolationKind::LostUpdate);
    println!("{report}");
}

#[test]
fn runs() {
    main()
}
