//! kill -9 a worker while it holds the lock, mid-buy, for every strategy:
//! the outcome must be the one its doc comment states, reached within a
//! bound, and wherever the office is still usable a follow-up rush finds
//! its invariants intact.

mod common;

use racelab::check::ViolationKind;
use racelab::process::kill::{Victim, crash};
use racelab::process::{KillOutcome, Strategy};

fn documented(strategy: Strategy) {
    let report = crash(strategy, Victim::MidBuy).expect("the crash runs");
    assert_eq!(
        report.outcome,
        strategy.kill_outcome(),
        "{strategy}: {}",
        report.detail
    );
    if let Some(after) = &report.after {
        assert!(
            after.violations.is_empty(),
            "{strategy} after the crash: {:?}",
            after.violations
        );
        assert_eq!(after.sold(), 3, "{strategy}: every seat still sells");
    }
    let usable = matches!(
        report.outcome,
        KillOutcome::Released | KillOutcome::Recovered
    );
    assert_eq!(
        usable,
        report.after.is_some() && strategy != Strategy::Atomic,
        "{strategy}"
    );
}

common::forked_tests! {
    #![rusty_fork(timeout_ms = 60_000)]

    #[test]
    fn killed_flock_holder_is_released_by_the_kernel() { documented(Strategy::Flock) }
    #[test]
    fn killed_ofd_holder_is_released_by_the_kernel() { documented(Strategy::Ofd) }
    #[test]
    fn killed_fcntl_holder_is_released_by_the_kernel() { documented(Strategy::Fcntl) }
    #[test]
    fn killed_lock_file_holder_leaves_a_stale_file() { documented(Strategy::LockFile) }
    #[test]
    fn killed_robust_mutex_holder_is_recovered() { documented(Strategy::RobustMutex) }
    #[test]
    fn killed_semaphore_holder_leaves_it_stuck() { documented(Strategy::Semaphore1) }
    #[test]
    fn killed_two_permit_semaphore_holder_leaks_a_permit() { documented(Strategy::Semaphore2) }
    #[test]
    fn killed_spin_lock_holder_leaves_it_stuck() { documented(Strategy::Spin) }
    #[test]
    fn killed_lock_free_buyer_changes_nothing() { documented(Strategy::Atomic) }
    #[test]
    fn killed_server_client_changes_nothing() { documented(Strategy::Server) }
    #[test]
    fn killed_unlocked_buyer_changes_nothing() { documented(Strategy::None) }
    #[test]
    fn killed_inherited_flock_holder_never_excluded_anyone() { documented(Strategy::InheritedFlock) }

    /// The robust mutex's repair step is real: the victim wrote half a sale
    /// (count lowered, ledger not); EOWNERDEAD hands the next holder the
    /// chance to fix it, and the office balances again.
    #[test]
    fn robust_mutex_repairs_a_half_written_sale() {
        let report = crash(Strategy::RobustMutex, Victim::HalfSale).expect("the crash runs");
        assert_eq!(report.outcome, KillOutcome::Recovered);
        let after = report.after.expect("a follow-up rush");
        assert!(after.violations.is_empty(), "{:?}", after.violations);
        assert_eq!(after.sold(), 3);
    }

    /// The kernel releases a flock, not the data: the same half sale under
    /// flock is never repaired, and the checker sees the books disagree.
    #[test]
    fn flock_release_does_not_repair_a_half_written_sale() {
        let report = crash(Strategy::Flock, Victim::HalfSale).expect("the crash runs");
        assert_eq!(report.outcome, KillOutcome::Released);
        let after = report.after.expect("a follow-up rush");
        let kinds: Vec<ViolationKind> = after.violations.iter().map(|v| v.kind).collect();
        assert!(kinds.contains(&ViolationKind::Miscount), "{:?}", after.violations);
    }
}
