//! The lessons' process scenarios (docs/scenarios.md §1, §6, §7).

mod common;

use racelab::lessons::scenario;
use racelab::process::Strategy;
use std::time::Duration;

common::forked_tests! {
    #![rusty_fork(timeout_ms = 60_000)]

    /// §1: a child process's write stays in the child; a thread's is seen.
    #[test]
    fn child_write_is_invisible_to_the_parent_but_a_threads_is_not() {
        assert_eq!(scenario::child_write_is_invisible().unwrap(), (666, 222));
    }

    /// §6: five processes, unlocked: every "running" before any "done".
    #[test]
    fn unlocked_running_and_done_lines_interleave() {
        let lines = scenario::running_done_lines(Strategy::None, 5, Duration::from_millis(300)).unwrap();
        assert_eq!(lines.len(), 10);
        assert!(lines[..5].iter().all(|l| l.ends_with("running")), "{lines:?}");
        assert!(!scenario::lines_pair_up(&lines), "{lines:?}");
    }

    /// §6: with a lock each process's pair stays together.
    #[test]
    fn locked_running_and_done_lines_pair_up() {
        for strategy in [Strategy::Flock, Strategy::RobustMutex] {
            let lines = scenario::running_done_lines(strategy, 5, Duration::from_millis(20)).unwrap();
            assert_eq!(lines.len(), 10);
            assert!(scenario::lines_pair_up(&lines), "{strategy}: {lines:?}");
        }
    }

    /// §7: while one buyer holds the lock in its buy, the others' searches
    /// all complete: a search takes no lock.
    #[test]
    fn searches_run_while_a_buy_holds_the_lock() {
        for strategy in [Strategy::Flock, Strategy::Ofd, Strategy::Fcntl, Strategy::LockFile,
                         Strategy::RobustMutex, Strategy::Semaphore1, Strategy::Spin] {
            let seen = scenario::searches_while_buy_holds(strategy, 4, Duration::from_secs(5)).unwrap();
            assert_eq!(seen, 4, "{strategy}");
        }
    }

    /// §7: joining each buyer before the next serialises whole visits; the
    /// lock serialises only the buy. Printed, never asserted on timing.
    #[test]
    fn join_versus_lock_is_measured() {
        let m = scenario::join_vs_lock(Strategy::Flock, 10, 1, Duration::from_millis(20)).unwrap();
        println!(
            "10 buyers, 1 ticket, 20 ms per search and per buy: joined one by one {:?}, flock around the buy {:?}",
            m.joined, m.locked
        );
        assert_eq!((m.joined_sold, m.locked_sold), (1, 1));
    }
}
