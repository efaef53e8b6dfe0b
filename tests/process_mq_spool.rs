//! The two kernel transports used as queues leave nothing behind: a POSIX
//! message queue's name is unlinked as soon as the queue is made, and none
//! is left after a run whose consumers never stop or a test that panics; a
//! spool directory, private to its user, holds no message file after a
//! run. A message queue larger than the kernel allows is a clear error.
//!
//! /dev/mqueue is not mounted everywhere, so a message queue name is
//! checked by opening it without `O_CREAT`: `ENOENT` means it is gone.

mod common;

use nix::errno::Errno;
use nix::mqueue::{MQ_OFlag, mq_close, mq_open};
use nix::sys::stat::Mode;
use racelab::os::arena::Arena;
use racelab::process::queue::mqueue::{self, MessageQueue};
use racelab::process::queue::run::{run, run_in};
use racelab::process::queue::spool::{files_left, spool_dir};
use racelab::process::queue::{FOREVER, ProcessQueue, Via};
use racelab::workload::queue::{Ending, QueuePlan};
use std::ffi::CStr;
use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

fn plan(ending: Ending) -> QueuePlan {
    QueuePlan {
        producers: 3,
        consumers: 2,
        items: 3,
        capacity: 2,
        ending,
    }
}

/// Whether a message queue of that name exists.
fn exists(name: &CStr) -> bool {
    match mq_open(name, MQ_OFlag::O_RDONLY, Mode::empty(), None) {
        Ok(mqd) => {
            mq_close(mqd).unwrap();
            true
        }
        Err(Errno::ENOENT) => false,
        Err(e) => panic!("mq_open {name:?}: {e}"),
    }
}

fn no_name_left() {
    let names = mqueue::names_made();
    assert!(!names.is_empty(), "no message queue was made");
    let left: Vec<_> = names.iter().filter(|n| exists(n)).collect();
    assert!(left.is_empty(), "message queues left: {left:?}");
}

common::forked_tests! {
    #![rusty_fork(timeout_ms = 60_000)]

    /// The name is gone from the moment the queue is made (the workers
    /// inherit the descriptor), so not even a SIGKILL can leave it behind;
    /// the queue still works through its descriptor.
    #[test]
    fn a_message_queue_has_no_name_even_while_open_with_items_in_it() {
        let arena = Arena::new().unwrap();
        let q = MessageQueue::new(&arena, 2).unwrap();
        let name = q.name().to_owned();
        assert!(!exists(&name), "{name:?} is still in the kernel's namespace");
        q.put(1, FOREVER).unwrap();
        assert_eq!(q.get(FOREVER), Ok(1), "the queue works without its name");
        drop(q);
        assert!(!exists(&name), "{name:?} outlived its queue");
    }

    #[test]
    fn a_message_queue_dropped_by_a_panicking_test_leaves_no_name() {
        let arena = Arena::new().unwrap();
        let failed = std::panic::catch_unwind(|| {
            let _q = MessageQueue::new(&arena, 2).unwrap();
            panic!("a failing test");
        });
        assert!(failed.is_err());
        no_name_left();
    }

    #[test]
    fn no_message_queue_name_outlives_a_run_whose_consumers_never_stop() {
        let r = run(&plan(Ending::Never), Via::MessageQueue, Duration::from_millis(300)).unwrap();
        assert_eq!(r.stuck_consumers, 2, "{r:?}");
        no_name_left();
        for ending in [Ending::Close, Ending::Sentinels] {
            let r = run(&plan(ending), Via::MessageQueue, FOREVER).unwrap();
            assert!(r.violations.is_empty(), "{r:?}");
        }
        no_name_left();
    }

    #[test]
    fn a_message_queue_above_the_kernel_limit_is_refused_naming_the_limit() {
        let arena = Arena::new().unwrap();
        let max = mqueue::max_capacity();
        if let Ok(limit) = std::fs::read_to_string("/proc/sys/fs/mqueue/msg_max") {
            assert_eq!(limit.trim().parse::<usize>().ok(), Some(max));
        }
        for bad in [0, max + 1] {
            let e = Via::MessageQueue.open(&arena, bad).err().expect("refused");
            assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput, "{e}");
            assert!(e.to_string().contains("msg_max"), "names the limit: {e}");
        }
        let q = Via::MessageQueue.open(&arena, max).unwrap();
        assert_eq!(q.capacity(), Some(max));
    }

    #[test]
    fn the_spool_holds_no_message_file_after_a_run() {
        for via in [Via::Spool, Via::SpoolInPlace] {
            for ending in [Ending::Close, Ending::Sentinels, Ending::Never] {
                if via.breaks_with().is_some() && matches!(ending, Ending::Sentinels) {
                    // The bug's own leftover: when both consumers read the
                    // same sentinel, both stop and the other one stays.
                    continue;
                }
                let arena = Arena::new().unwrap();
                let r = run_in(&arena, &plan(ending), via, Duration::from_millis(300)).unwrap();
                if via.breaks_with().is_none() {
                    assert!(r.violations.is_empty(), "{via} {ending:?}: {r:?}");
                }
                let mode = std::fs::metadata(spool_dir(&arena)).unwrap().permissions().mode();
                assert_eq!(mode & 0o777, 0o700, "the spool is private");
                let left = files_left(&spool_dir(&arena)).unwrap();
                assert!(left.is_empty(), "{via} {ending:?} left {left:?}");
            }
        }
    }
}
