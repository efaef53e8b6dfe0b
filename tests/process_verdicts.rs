//! The processes tier's verdicts are earned:
//! - a run that cannot be set up (the system refuses a file, a mapping, a
//!   descriptor) is inconclusive with the cause, never a violation blaming
//!   a worker and never "holds";
//! - a worker's failure travels typed and is sorted by its type: a lock
//!   that never came is a deadlock, a worker that could not set up makes
//!   the round inconclusive;
//! - a run that stops making progress is cut once no operation completed
//!   for the stated time, and reported as a hang naming where each worker
//!   was; one that keeps progressing, or waits in the checker's own race
//!   window, is not;
//! - the queue that stalled 30 s and exited 2 (issue 9) ends with the
//!   verdict its bug earns; the command line exits 1 when the run failed
//!   and 2 only for bad input.
//!
//! The refusals are made real in a rusty-fork child (or a child command):
//! RLIMIT_FSIZE at 0 makes every file and mapping larger than nothing
//! fail with EFBIG (SIGXFSZ ignored), and RLIMIT_NOFILE at the lowest free
//! descriptor makes every open fail with EMFILE.

mod common;

use racelab::check::ViolationKind;
use racelab::os::arena::{Arena, base_dir, leftovers};
use racelab::os::crew::{Crew, Failure};
use racelab::os::progress::{self, Position, Step, Watchdog};
use racelab::process::failure::{Findings, RunError, WorkerError};
use racelab::process::lock::{LockError, ProcessLock, SemaphoreLock, exclusive};
use racelab::process::queue::Via;
use racelab::process::queue::run::run;
use racelab::process::region::Region;
use racelab::process::{ProcessConfig, Strategy, tickets};
use racelab::tier::{Inconclusive, Limit, Verdict, Work};
use racelab::workload::counter::CounterPlan;
use racelab::workload::queue::{Ending, QueuePlan};
use racelab::workload::tickets::TicketsPlan;
use std::cell::RefCell;
use std::os::unix::process::CommandExt;
use std::process::{Command, Output};
use std::time::Duration;

/// No file may grow past 0 bytes: a mapping's file cannot be sized.
fn no_file_may_grow() {
    // SAFETY: ignoring SIGXFSZ turns the signal into the EFBIG error; the
    // limit is this (rusty-fork child) process's own.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
        let zero = libc::rlimit {
            rlim_cur: 0,
            rlim_max: libc::RLIM_INFINITY,
        };
        assert_eq!(libc::setrlimit(libc::RLIMIT_FSIZE, &zero), 0);
    }
}

/// No descriptor may be opened: the limit is the lowest free one. Returns
/// the limit as it was.
fn no_descriptor_may_open() -> libc::rlimit {
    let lowest_free = (0..)
        .find(|fd| {
            // SAFETY: F_GETFD only asks whether `fd` is open.
            let flags = unsafe { libc::fcntl(*fd, libc::F_GETFD) };
            flags == -1
        })
        .expect("a free descriptor");
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: reads, then lowers, this (rusty-fork child) process's own
    // soft limit; the hard limit stays as it was.
    unsafe {
        assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit), 0);
        let before = limit;
        limit.rlim_cur = lowest_free as libc::rlim_t;
        assert_eq!(libc::setrlimit(libc::RLIMIT_NOFILE, &limit), 0);
        before
    }
}

fn counter_plan() -> CounterPlan {
    CounterPlan {
        adders: 2,
        subtractors: 2,
        ops: 50,
    }
}

fn quick() -> ProcessConfig {
    ProcessConfig {
        hold: Duration::from_millis(50),
        ..ProcessConfig::default()
    }
}

fn queue_plan(ending: Ending) -> QueuePlan {
    QueuePlan {
        producers: 2,
        consumers: 2,
        items: 3,
        capacity: 2,
        ending,
    }
}

/// Inconclusive because the run could not be set up, naming the cause.
fn assert_setup(what: &str, why: Option<&Inconclusive>, cause: &str) {
    let why = why.unwrap_or_else(|| panic!("{what}: no reason given"));
    assert_eq!(why.limit, Limit::Setup, "{what}: {why}");
    assert!(why.reason.contains(cause), "{what}: {why}");
}

fn os_error(code: i32) -> String {
    format!("os error {code}")
}

common::forked_tests! {
    #![rusty_fork(timeout_ms = 120_000)]

    #[test]
    fn a_counter_run_whose_mapping_cannot_be_sized_is_inconclusive_not_violated() {
        no_file_may_grow();
        for strategy in Strategy::ALL {
            let outcome = racelab::tier::processes::run(strategy, &counter_plan(), &quick());
            assert_eq!(outcome.verdict(), Verdict::Inconclusive, "{strategy}: {outcome:?}");
            assert!(outcome.violations.is_empty(), "{strategy}: {outcome:?}");
            // Nothing ran, and the outcome does not claim otherwise.
            assert_eq!(outcome.work, Work::Operations { count: 0, rounds: 0 });
            assert_setup(
                strategy.name(),
                outcome.inconclusive.as_ref(),
                &os_error(libc::EFBIG),
            );
        }
    }

    #[test]
    fn a_rush_whose_files_cannot_be_written_is_inconclusive_not_violated() {
        no_file_may_grow();
        for strategy in Strategy::ALL {
            let outcome = racelab::tier::processes::run(strategy, &TicketsPlan::rush(3, 1), &quick());
            assert_eq!(outcome.verdict(), Verdict::Inconclusive, "{strategy}: {outcome:?}");
            assert_setup(
                strategy.name(),
                outcome.inconclusive.as_ref(),
                &os_error(libc::EFBIG),
            );
            match tickets::rush(strategy, &TicketsPlan::rush(3, 1), &quick()) {
                Err(RunError::Inconclusive(why)) => {
                    assert_setup(strategy.name(), Some(&why), &os_error(libc::EFBIG))
                }
                other => panic!("{strategy}: {other:?}"),
            }
        }
    }

    #[test]
    fn a_queue_run_out_of_descriptors_is_inconclusive_through_every_queue() {
        let before = no_descriptor_may_open();
        for via in Via::ALL {
            match run(&queue_plan(Ending::Close), via, Duration::from_secs(5)) {
                Err(RunError::Inconclusive(why)) => {
                    assert_setup(via.name(), Some(&why), &os_error(libc::EMFILE))
                }
                other => panic!("{via}: expected inconclusive, got {other:?}"),
            }
            let cell = racelab::tier::processes::run(via, &queue_plan(Ending::Close), &quick());
            assert_eq!(cell.verdict(), Verdict::Inconclusive, "{via}: {cell:?}");
            assert_setup(via.name(), cell.inconclusive.as_ref(), &os_error(libc::EMFILE));
        }
        // Removing a directory takes a descriptor too: the arenas (and a
        // spool's empty folders) outlived their guards. With descriptors
        // back, they go.
        // SAFETY: restores this process's own soft limit.
        assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &before) }, 0);
        for dir in leftovers(&base_dir(), Some(std::process::id())) {
            std::fs::remove_dir_all(&dir).unwrap();
        }
    }

    #[test]
    fn a_queue_run_whose_mapping_cannot_be_sized_is_inconclusive() {
        no_file_may_grow();
        for via in [Via::Shm, Via::ShmIf, Via::ShmUnlocked, Via::Spool] {
            let cell = racelab::tier::processes::run(via, &queue_plan(Ending::Sentinels), &quick());
            assert_eq!(cell.verdict(), Verdict::Inconclusive, "{via}: {cell:?}");
            assert_setup(via.name(), cell.inconclusive.as_ref(), &os_error(libc::EFBIG));
        }
    }

    #[test]
    fn worker_failures_travel_typed_and_are_sorted_by_type() {
        let errors = [
            WorkerError::Setup("opening the lock: no such file".into()),
            WorkerError::Lock(LockError::Os("EBADF".into())),
            WorkerError::Store("disk full".into()),
            WorkerError::Lock(LockError::Stuck { holder: Some(7) }),
            WorkerError::Lock(LockError::Stale { holder: None }),
        ];
        let crew = Crew::spawn(errors.len(), |i| -> Result<(), WorkerError> {
            Err(errors[i].clone())
        })
        .unwrap();
        let results = crew.collect::<Result<(), WorkerError>>(Duration::from_secs(30));
        for (i, (result, sent)) in results.into_iter().zip(&errors).enumerate() {
            let got = result.unwrap_or_else(|f| panic!("worker {i}: {f}"));
            assert_eq!(got.as_ref(), Err(sent), "worker {i}");
            let mut found = Findings::default();
            found.worker_error(&format!("worker {i}"), got.unwrap_err());
            match sent {
                // The environment's failure: no verdict on the code.
                WorkerError::Setup(_) | WorkerError::Store(_) | WorkerError::Lock(LockError::Os(_)) => {
                    assert!(!found.ran_as_planned(), "{sent:?}");
                    let why = found.conclude().expect_err("inconclusive");
                    assert_eq!(why.limit, Limit::Setup, "{sent:?}");
                }
                // A lock that never came: the code's liveness failure.
                _ => {
                    let found = found.conclude().expect("a verdict");
                    assert_eq!(found.len(), 1, "{sent:?}");
                    assert_eq!(found[0].kind, ViolationKind::Deadlock, "{sent:?}");
                }
            }
        }
    }

    #[test]
    fn a_setup_failure_outranks_what_the_rest_of_the_round_showed() {
        let mut found = Findings::default();
        found.worker_error("worker 0", WorkerError::Lock(LockError::Stuck { holder: None }));
        found.worker_error("worker 1", WorkerError::Setup("opening the lock: EMFILE".into()));
        let outcome = found.outcome(
            Work::Operations { count: 0, rounds: 1 },
            Duration::ZERO,
        );
        assert_eq!(outcome.verdict(), Verdict::Inconclusive, "{outcome:?}");
        assert_setup("round", outcome.inconclusive.as_ref(), "worker 1");
    }

    #[test]
    fn a_crew_that_stops_progressing_is_cut_naming_where_each_worker_was() {
        let crew = Crew::spawn(2, |i| {
            if i == 1 {
                for _ in 0..3 {
                    progress::enter(Step::Put);
                    progress::finish();
                }
                progress::enter(Step::Put);
            } else {
                progress::enter(Step::Locking);
            }
            std::thread::sleep(Duration::from_secs(60));
        })
        .unwrap();
        let mut watchdog = Watchdog::new(Duration::from_millis(300));
        let results = crew.collect_watched::<()>(&mut watchdog, Duration::from_secs(60));
        assert_eq!(
            results,
            vec![
                Err(Failure::Stalled(Position { step: Step::Locking, done: 0 })),
                Err(Failure::Stalled(Position { step: Step::Put, done: 3 })),
            ]
        );
        let mut found = Findings::default();
        for (i, result) in results.into_iter().enumerate() {
            found.failure(&format!("worker {i}"), result.unwrap_err());
        }
        found.stalled_after(watchdog.stall());
        let violations = found.conclude().expect("a verdict");
        assert_eq!(violations.len(), 1, "{violations:?}");
        assert_eq!(violations[0].kind, ViolationKind::Hang);
        let evidence = &violations[0].evidence;
        assert!(evidence.contains("worker 0 waiting for the lock after 0 operations"), "{evidence}");
        assert!(evidence.contains("worker 1 blocked in put after 3 operations"), "{evidence}");
    }

    #[test]
    fn workers_behind_a_lock_nobody_releases_end_as_a_hang_naming_the_lock() {
        for parent_keeps_the_permit in [true, false] {
            let arena = Arena::new().unwrap();
            let region = Region::create(&arena).unwrap();
            let mut lock = SemaphoreLock::<1>::new(region.shared()).unwrap();
            if parent_keeps_the_permit {
                lock.acquire(Duration::ZERO).unwrap();
            }
            let lock = RefCell::new(lock);
            let crew = Crew::spawn(2, |_| -> Result<u32, WorkerError> {
                let mut lock = lock.borrow_mut();
                for _ in 0..5 {
                    // Its own bound is far beyond the watchdog's.
                    exclusive(&mut *lock, Duration::from_secs(60), || {}, || {})?;
                }
                Ok(5)
            })
            .unwrap();
            let mut watchdog = Watchdog::new(Duration::from_millis(500));
            let results =
                crew.collect_watched::<Result<u32, WorkerError>>(&mut watchdog, Duration::from_secs(60));
            if !parent_keeps_the_permit {
                // The negative control: the same workers, the lock free.
                assert_eq!(results, vec![Ok(Ok(5)), Ok(Ok(5))]);
                continue;
            }
            let mut found = Findings::default();
            for (i, result) in results.into_iter().enumerate() {
                match result {
                    Err(failure) => found.failure(&format!("worker {i}"), failure),
                    Ok(got) => panic!("worker {i} was not stuck: {got:?}"),
                }
            }
            found.stalled_after(watchdog.stall());
            let violations = found.conclude().expect("a verdict");
            assert_eq!(violations.len(), 1, "{violations:?}");
            assert_eq!(violations[0].kind, ViolationKind::Hang);
            let evidence = &violations[0].evidence;
            for i in 0..2 {
                let at = format!("worker {i} waiting for the lock after 0 operations");
                assert!(evidence.contains(&at), "{evidence}");
            }
        }
    }

    #[test]
    fn a_crew_that_keeps_progressing_past_the_stall_time_is_not_cut() {
        // Eight operations 0.4 s apart: longer than the stall time in all,
        // never that long without progress.
        let crew = Crew::spawn(1, |_| {
            for _ in 0..8 {
                std::thread::sleep(Duration::from_millis(400));
                progress::finish();
            }
            8
        })
        .unwrap();
        let mut watchdog = Watchdog::new(Duration::from_secs(2));
        let results = crew.collect_watched::<u32>(&mut watchdog, Duration::from_secs(60));
        assert_eq!(results, vec![Ok(8)]);
    }

    #[test]
    fn a_worker_waiting_in_a_race_window_stops_the_stall_clock() {
        let crew = Crew::spawn(1, |_| {
            let _waiting = progress::in_window();
            std::thread::sleep(Duration::from_secs(4));
            1
        })
        .unwrap();
        let mut watchdog = Watchdog::new(Duration::from_secs(2));
        let results = crew.collect_watched::<u32>(&mut watchdog, Duration::from_secs(60));
        assert_eq!(results, vec![Ok(1)]);
    }

    #[test]
    fn the_if_queue_with_more_consumers_than_items_earns_pop_from_empty_not_an_error() {
        // Issue 9: `queue --via shm-if --items 1 --consumers 8` waited 30 s
        // to put sentinels nobody was left to take, then gave up with no
        // verdict.
        for ending in [Ending::Sentinels, Ending::Close] {
            let plan = QueuePlan {
                producers: 3,
                consumers: 8,
                items: 1,
                capacity: 5,
                ending,
            };
            let r = run(&plan, Via::ShmIf, Duration::from_secs(2))
                .unwrap_or_else(|e| panic!("{ending:?}: {e}"));
            assert!(r.broke(ViolationKind::PopFromEmpty), "{ending:?}: {r:?}");
            assert!(!r.broke(ViolationKind::Hang), "{ending:?}: {r:?}");
        }
    }

    #[test]
    fn a_plan_a_queue_cannot_take_is_bad_input_not_a_failed_run() {
        let plan = QueuePlan { capacity: 1_000, ..queue_plan(Ending::Close) };
        assert!(matches!(run(&plan, Via::Shm, Duration::from_secs(1)), Err(RunError::Plan(_))));
        let plan = QueuePlan { consumers: 0, ..queue_plan(Ending::Close) };
        assert!(matches!(run(&plan, Via::Pipe, Duration::from_secs(1)), Err(RunError::Plan(_))));
    }
}

fn racelab(args: &[&str], limit_files: bool) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_racelab"));
    command.args(args);
    if limit_files {
        // SAFETY: between fork and exec only async-signal-safe calls
        // (signal, setrlimit) on the child's own state.
        unsafe {
            command.pre_exec(|| {
                libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
                let zero = libc::rlimit {
                    rlim_cur: 0,
                    rlim_max: libc::RLIM_INFINITY,
                };
                if libc::setrlimit(libc::RLIMIT_FSIZE, &zero) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
    }
    common::output(command)
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn cli_the_stalling_if_queue_ends_with_its_verdict_and_exit_0() {
    let _tidy = common::Tidy::new();
    let out = racelab(
        &[
            "queue",
            "--via",
            "shm-if",
            "--items",
            "1",
            "--consumers",
            "8",
        ],
        false,
    );
    let text = text(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("pop from empty"), "{text}");
}

#[test]
fn cli_a_queue_that_cannot_be_set_up_exits_1_inconclusive() {
    let _tidy = common::Tidy::new();
    for via in ["shm", "all"] {
        let out = racelab(&["queue", "--via", via], true);
        let text = text(&out);
        assert_eq!(out.status.code(), Some(1), "{via}: {text}");
        assert!(text.contains("inconclusive"), "{via}: {text}");
        assert!(!text.contains("panicked"), "{via}: {text}");
    }
}

#[test]
fn cli_a_queue_plan_out_of_bounds_is_bad_input_exit_2() {
    let _tidy = common::Tidy::new();
    for args in [
        &["queue", "--via", "shm", "--capacity", "0"][..],
        &["queue", "--via", "shm", "--capacity", "65"][..],
    ] {
        let out = racelab(args, false);
        let text = text(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {text}");
        assert!(!text.contains("panicked"), "{args:?}: {text}");
    }
}

#[test]
fn cli_a_rush_that_cannot_be_set_up_exits_1_inconclusive() {
    let _tidy = common::Tidy::new();
    for strategy in ["flock", "none", "server"] {
        let out = racelab(&["rush", "--buyers", "3", "--strategy", strategy], true);
        let text = text(&out);
        assert_eq!(out.status.code(), Some(1), "{strategy}: {text}");
        assert!(text.contains("inconclusive"), "{strategy}: {text}");
        assert!(!text.contains("VIOLATED"), "{strategy}: {text}");
    }
}
