//! The worker plumbing's promises: a worker's panic comes back as a
//! failure, a hung worker is killed at the deadline, and workers die with
//! the process that forked them (the parent death signal), so a test
//! killed by rusty-fork's timeout leaves none behind.

mod common;

use racelab::os::arena::Arena;
use racelab::os::crew::{Crew, Failure};
use racelab::process::region::Region;
use std::sync::atomic::Ordering::SeqCst;
use std::time::{Duration, Instant};

/// Dead, or a zombie waiting for a reaper that is not its parent.
fn gone(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit(')')
            .next()
            .is_some_and(|rest| rest.trim_start().starts_with('Z')),
    }
}

common::forked_tests! {
    #![rusty_fork(timeout_ms = 30_000)]

    #[test]
    fn worker_panic_is_reported_not_propagated() {
        let crew = Crew::spawn(2, |i| {
            assert!(i == 0, "worker {i} gives up");
            i
        })
        .unwrap();
        let results = crew.collect::<usize>(Duration::from_secs(10));
        assert_eq!(results[0], Ok(0));
        assert!(matches!(&results[1], Err(Failure::Panicked(m)) if m.contains("worker 1 gives up")));
    }

    #[test]
    fn hung_worker_is_killed_at_the_deadline() {
        let crew = Crew::spawn(1, |_| std::thread::sleep(Duration::from_secs(60))).unwrap();
        let results = crew.collect::<()>(Duration::from_millis(200));
        assert_eq!(results, vec![Err(Failure::TimedOut)]);
    }

    #[test]
    fn workers_die_with_the_process_that_forked_them() {
        let arena = Arena::new().unwrap();
        let region = Region::create(&arena).unwrap();
        let grandchild = &region.shared().holder;
        // The middle process forks a worker of its own, then is killed.
        let mut middle = Crew::spawn(1, |_| {
            let inner = Crew::spawn(1, |_| std::thread::sleep(Duration::from_secs(60))).unwrap();
            grandchild.store(inner.pids()[0].as_raw(), SeqCst);
            inner.collect::<()>(Duration::from_secs(60)).len()
        })
        .unwrap();
        middle.start();
        let deadline = Instant::now() + Duration::from_secs(10);
        while grandchild.load(SeqCst) == 0 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
        let pid = grandchild.load(SeqCst);
        assert_ne!(pid, 0, "the grandchild started");
        middle.kill(0);
        drop(middle.collect::<usize>(Duration::from_secs(5)));
        let deadline = Instant::now() + Duration::from_secs(10);
        while !gone(pid) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        assert!(gone(pid), "worker {pid} outlived its parent");
    }
}
