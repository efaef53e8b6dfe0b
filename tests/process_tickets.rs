//! The ticket rush across real processes, under every process strategy.
//! Correct ones: 4 buyers wanting 3 tickets each rush 6 seats over 10
//! rounds, with the office in the JSON file and in shared memory: never
//! oversold, no seat twice, every seat sold; and the lessons'
//! rush, 10 buyers for 1 ticket, sells exactly 1. Broken ones oversell the
//! lessons' rush every run.

mod common;

use racelab::check::ViolationKind;
use racelab::process::{ProcessConfig, Store, Strategy, tickets};
use racelab::workload::tickets::TicketsPlan;
use std::time::Duration;

const CONTENDED: TicketsPlan = TicketsPlan {
    buyers: 4,
    tickets: 6,
    per_buyer: 3,
};

/// Correct strategies: 10 rounds, a short window (only one buyer is ever
/// inside it). Broken ones: one round, a window long enough for all ten.
fn config(rounds: u32) -> ProcessConfig {
    ProcessConfig {
        rounds,
        hold: Duration::from_millis(if rounds > 1 { 20 } else { 300 }),
        ..ProcessConfig::default()
    }
}

fn holds(strategy: Strategy) {
    for store in [Store::File, Store::Memory] {
        let config = ProcessConfig {
            store,
            ..config(10)
        };
        let outcome = racelab::tier::processes::run(strategy, &CONTENDED, &config);
        let problems = outcome.violations;
        assert!(problems.is_empty(), "{strategy} on {store:?}: {problems:?}");
    }
    let lessons =
        tickets::rush(strategy, &TicketsPlan::rush(10, 1), &config(1)).expect("rush runs");
    let problems = &lessons.violations;
    assert!(problems.is_empty(), "{strategy}: {problems:?}");
    assert_eq!(lessons.sold(), 1, "{strategy}: one of ten buys the ticket");
}

fn oversells(strategy: Strategy) {
    for store in [Store::File, Store::Memory] {
        let config = ProcessConfig { store, ..config(1) };
        let run = tickets::rush(strategy, &TicketsPlan::rush(10, 1), &config).expect("rush runs");
        let kinds: Vec<ViolationKind> = run.violations.iter().map(|v| v.kind).collect();
        let problems = &run.violations;
        assert!(
            kinds.contains(&ViolationKind::Oversold),
            "{strategy} on {store:?}: {problems:?}"
        );
        assert!(
            kinds.contains(&ViolationKind::SoldTwice),
            "{strategy} on {store:?}: {problems:?}"
        );
    }
}

common::forked_tests! {
    #![rusty_fork(timeout_ms = 60_000)]

    #[test]
    fn flock_never_oversells() { holds(Strategy::Flock) }
    #[test]
    fn ofd_lock_never_oversells() { holds(Strategy::Ofd) }
    #[test]
    fn fcntl_lock_never_oversells() { holds(Strategy::Fcntl) }
    #[test]
    fn lock_file_never_oversells() { holds(Strategy::LockFile) }
    #[test]
    fn robust_mutex_never_oversells() { holds(Strategy::RobustMutex) }
    #[test]
    fn semaphore_with_one_permit_never_oversells() { holds(Strategy::Semaphore1) }
    #[test]
    fn spin_lock_never_oversells() { holds(Strategy::Spin) }
    #[test]
    fn compare_exchange_never_oversells() { holds(Strategy::Atomic) }
    #[test]
    fn server_process_never_oversells() { holds(Strategy::Server) }

    #[test]
    fn no_lock_sells_the_last_ticket_to_all_ten() {
        let run = tickets::rush(Strategy::None, &TicketsPlan::rush(10, 1), &config(1)).expect("rush runs");
        assert_eq!(run.sold(), 10, "{:?}", run.violations);
        oversells(Strategy::None)
    }
    #[test]
    fn semaphore_with_two_permits_oversells() { oversells(Strategy::Semaphore2) }
    #[test]
    fn flock_opened_before_fork_oversells() { oversells(Strategy::InheritedFlock) }
}
