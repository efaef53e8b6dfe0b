//! The counter across real processes, under every process strategy: the
//! correct ones lose no update with 4 processes over several rounds, the
//! broken ones lose one every run. Each test runs in its own process
//! (rusty-fork) with a timeout; the workers die with it.

mod common;

use racelab::check::ViolationKind;
use racelab::process::{ProcessConfig, Strategy};
use racelab::workload::counter::CounterPlan;
use std::time::Duration;

/// 4 processes, 300 increments each.
const PLAN: CounterPlan = CounterPlan {
    adders: 4,
    subtractors: 0,
    ops: 300,
};

/// A correct strategy runs 10 rounds (12,000 read-then-write updates); the
/// race window only costs it `hold` once a round, so it is kept short.
fn correct() -> ProcessConfig {
    ProcessConfig {
        rounds: 10,
        hold: Duration::from_millis(20),
        ..ProcessConfig::default()
    }
}

/// A broken one must fail its first round: the window waits long enough
/// for every worker to walk in even on a loaded machine.
fn broken() -> ProcessConfig {
    ProcessConfig {
        rounds: 1,
        hold: Duration::from_millis(300),
        ..ProcessConfig::default()
    }
}

fn holds(strategy: Strategy) {
    let outcome = racelab::tier::processes::run(strategy, &PLAN, &correct());
    assert!(
        outcome.violations.is_empty(),
        "{strategy}: {:?}",
        outcome.violations
    );
}

fn loses_updates(strategy: Strategy) {
    let outcome = racelab::tier::processes::run(strategy, &PLAN, &broken());
    assert_eq!(
        outcome.violations.first().map(|v| v.kind),
        Some(ViolationKind::LostUpdate),
        "{strategy}: {:?}",
        outcome.violations
    );
}

common::forked_tests! {
    #![rusty_fork(timeout_ms = 60_000)]

    #[test]
    fn flock_loses_no_update() { holds(Strategy::Flock) }
    #[test]
    fn ofd_lock_loses_no_update() { holds(Strategy::Ofd) }
    #[test]
    fn fcntl_lock_loses_no_update() { holds(Strategy::Fcntl) }
    #[test]
    fn lock_file_loses_no_update() { holds(Strategy::LockFile) }
    #[test]
    fn robust_mutex_loses_no_update() { holds(Strategy::RobustMutex) }
    #[test]
    fn semaphore_with_one_permit_loses_no_update() { holds(Strategy::Semaphore1) }
    #[test]
    fn spin_lock_loses_no_update() { holds(Strategy::Spin) }
    #[test]
    fn fetch_add_loses_no_update() { holds(Strategy::Atomic) }
    #[test]
    fn server_process_loses_no_update() { holds(Strategy::Server) }

    #[test]
    fn no_lock_loses_updates() { loses_updates(Strategy::None) }
    #[test]
    fn semaphore_with_two_permits_loses_updates() { loses_updates(Strategy::Semaphore2) }
    #[test]
    fn flock_opened_before_fork_loses_updates() { loses_updates(Strategy::InheritedFlock) }
}
