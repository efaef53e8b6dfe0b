//! Shuttle's step cap is shuttle's limit: a schedule that runs past it is
//! inconclusive with the reason, never "panicked", never holds.

use racelab::sync::{Backend, Ordering::Acquire, Ordering::Release, Shuttle};
use racelab::tier::shuttle::{self, ShuttleConfig};
use racelab::tier::{Limit, Verdict};
use std::sync::Arc;

#[test]
fn a_schedule_past_the_step_cap_is_inconclusive() {
    let config = ShuttleConfig {
        max_steps: 1_000,
        ..ShuttleConfig::new(2, shuttle::DEFAULT_SEED)
    };
    let outcome = shuttle::explore(
        &config,
        |i| format!("T{i}"),
        |_probe| {
            // Nobody ever sets it: a spin that never ends.
            let flag = <Shuttle as Backend>::AtomicUsize::new(0);
            let mut spins = 0;
            while flag.load(Acquire) == 0 {
                Shuttle::spin_hint(spins);
                spins += 1;
            }
            Ok(())
        },
    );
    assert_eq!(outcome.verdict(), Verdict::Inconclusive, "{outcome:?}");
    assert!(outcome.violations.is_empty());
    let why = outcome.inconclusive.expect("a reason");
    assert_eq!(why.limit, Limit::StepCap);
    assert!(why.reason.contains("1000 steps"), "{why}");
}

#[test]
fn a_schedule_within_the_cap_holds() {
    let config = ShuttleConfig {
        max_steps: 1_000,
        ..ShuttleConfig::new(2, shuttle::DEFAULT_SEED)
    };
    let outcome = shuttle::explore(
        &config,
        |i| format!("T{i}"),
        |_probe| {
            // The same spin, with a thread that ends it.
            let flag = Arc::new(<Shuttle as Backend>::AtomicUsize::new(0));
            let setter = Arc::clone(&flag);
            let handle = Shuttle::spawn(move || setter.store(1, Release));
            let mut spins = 0;
            while flag.load(Acquire) == 0 {
                Shuttle::spin_hint(spins);
                spins += 1;
            }
            let _ = Shuttle::join(handle);
            Ok(())
        },
    );
    assert_eq!(outcome.verdict(), Verdict::Holds, "{outcome:?}");
}
