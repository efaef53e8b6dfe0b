//! Nothing is left behind whatever ends a run: SIGINT, SIGTERM and SIGHUP
//! during a process phase remove the run's directory, its message queues
//! and its workers, and exit 128 + the signal; what a SIGKILL leaves (the
//! directory) is removed by `racelab sweep` and by the next run, and the
//! sweep never touches a live run's files or another user's.
//!
//! Each test starts the real binary on a command whose workers run long
//! (a huge pi sum, a ticket rush holding its race window, consumers nobody
//! stops), waits until its directory and its workers exist, then signals
//! it. Nothing waits on a timing: every wait is for a state, bounded.
//!
//! Signals sent, 8 in all: SIGINT 2, SIGTERM 3 (one of them to a worker
//! alone), SIGHUP 1, SIGKILL 2 (the leftovers of each are swept: once by
//! `racelab sweep`, once by the next run).

mod common;

use common::live::{Live, all_dead, how, run};
use std::ffi::CString;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The tests sweep, and a sweep may take another test's SIGKILL leftover
/// first: one test at a time.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner())
}

/// pi over `via` with sums that take minutes: the workers are busy until
/// they are stopped.
fn long_pi(via: &str) -> Live {
    Live::start(&[
        "pi",
        "--via",
        via,
        "--workers",
        "4",
        "--terms",
        "40000000000",
    ])
}

fn gone(pid: i32) -> bool {
    !Path::new(&format!("/proc/{pid}")).exists()
}

/// The message queues a run's directory lists (see `os::mq_name`).
fn queues_listed(dir: &Path) -> Vec<String> {
    std::fs::read_to_string(dir.join("mqueues"))
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

fn queue_exists(name: &str) -> bool {
    let c = CString::new(name).unwrap();
    match nix::mqueue::mq_open(
        c.as_c_str(),
        nix::mqueue::MQ_OFlag::O_RDONLY,
        nix::sys::stat::Mode::empty(),
        None,
    ) {
        Ok(q) => {
            let _ = nix::mqueue::mq_close(q);
            true
        }
        Err(nix::errno::Errno::ENOENT) => false,
        Err(e) => panic!("mq_open {name}: {e}"),
    }
}

/// Signals a running `live` and checks it cleaned up before it exited.
fn interrupt_and_check(mut live: Live, workers: usize, signal: libc::c_int, name: &str) {
    let (dir, kids) = live.running(workers);
    let queues = queues_listed(&dir);
    live.signal(signal);
    let status = live.wait();
    let stderr = live.stderr();
    assert_eq!(
        status.code(),
        Some(128 + signal),
        "{name}: ended by {}; stderr: {stderr}",
        how(&status)
    );
    assert!(stderr.contains(name), "{name}: stderr says {stderr:?}");
    assert!(!dir.exists(), "{name}: {} is left", dir.display());
    assert!(live.dirs().is_empty(), "{name}: left {:?}", live.dirs());
    let alive: Vec<i32> = kids.iter().copied().filter(|&p| !gone(p)).collect();
    assert!(
        alive.is_empty(),
        "{name}: workers left (alive or unreaped): {alive:?}"
    );
    let left: Vec<&String> = queues.iter().filter(|q| queue_exists(q)).collect();
    assert!(left.is_empty(), "{name}: message queues left: {left:?}");
}

#[test]
fn sigint_during_pi_via_mqueue_removes_the_directory_the_queue_and_the_workers() {
    let _tidy = common::Tidy::new();
    let _one = serial();
    let live = long_pi("mqueue");
    interrupt_and_check(live, 4, libc::SIGINT, "SIGINT");
}

#[test]
fn sigterm_while_buyers_hold_the_race_window_removes_everything() {
    let _tidy = common::Tidy::new();
    let _one = serial();
    // Three buyers wait up to 10 s in the race window for one another.
    let live = Live::start(&[
        "rush",
        "--strategy",
        "flock",
        "--buyers",
        "3",
        "--hold-ms",
        "10000",
    ]);
    interrupt_and_check(live, 3, libc::SIGTERM, "SIGTERM");
}

#[test]
fn sighup_while_consumers_wait_on_a_shared_memory_queue_removes_everything() {
    let _tidy = common::Tidy::new();
    let _one = serial();
    // Nobody stops the two consumers: they wait up to 60 s for items.
    // (The three producers may be done and reaped before we look: only
    // the consumers are sure to be there.)
    let live = Live::start(&["queue", "--via", "shm", "--ending", "never", "--wait", "60"]);
    interrupt_and_check(live, 2, libc::SIGHUP, "SIGHUP");
}

#[test]
fn a_worker_terminated_alone_leaves_its_parents_files() {
    let _tidy = common::Tidy::new();
    let _one = serial();
    let mut live = long_pi("files");
    let (dir, kids) = live.running(4);
    // The worker inherited the handler; in a worker it must only die.
    // SAFETY: kill sends a signal to a worker of our child.
    assert_eq!(unsafe { libc::kill(kids[0], libc::SIGTERM) }, 0);
    assert!(all_dead(&kids[..1]), "the worker outlived SIGTERM");
    assert!(dir.exists(), "a worker removed its parent's directory");
    assert!(
        live.child.try_wait().unwrap().is_none(),
        "the parent ended when a worker was signalled"
    );
    live.signal(libc::SIGINT);
    assert_eq!(live.wait().code(), Some(130));
    assert!(!dir.exists());
}

/// Kills a long pi run with SIGKILL; returns the directory it left.
fn killed_run() -> PathBuf {
    let mut live = long_pi("files");
    let (dir, kids) = live.running(4);
    live.signal(libc::SIGKILL);
    let status = live.wait();
    assert_eq!(how(&status), "signal 9");
    assert!(
        all_dead(&kids),
        "workers outlived their parent's SIGKILL: {kids:?}"
    );
    // No handler runs on SIGKILL: this is what the sweep is for.
    assert!(dir.exists(), "SIGKILL ran no handler, yet {dir:?} is gone");
    dir
}

#[test]
fn racelab_sweep_removes_what_a_sigkill_left_and_says_so() {
    let _tidy = common::Tidy::new();
    let _one = serial();
    let dir = killed_run();
    let out = run(&["sweep"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.contains(&format!("removed {}", dir.display())),
        "sweep said: {stdout}"
    );
    assert!(!dir.exists());
}

#[test]
fn the_next_run_sweeps_what_a_sigkill_left() {
    let _tidy = common::Tidy::new();
    let _one = serial();
    let dir = killed_run();
    let out = run(&["pi", "--via", "pipe", "--workers", "2", "--terms", "1000"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!("removed {}", dir.display())),
        "the next run said: {stderr}"
    );
    assert!(!dir.exists());
}

#[test]
fn the_sweep_leaves_live_runs_and_other_users_files() {
    let _tidy = common::Tidy::new();
    let _one = serial();
    let base = racelab::os::arena::base_dir();
    // A live run: this very test process (pid alive), and a real run.
    let live_pid = base.join(format!("racelab-{}-0-sweeptest", std::process::id()));
    std::fs::create_dir(&live_pid).unwrap();
    let mut live = long_pi("files");
    let (running, _) = live.running(4);
    // A dead run of another user (pid above any pid_max: never alive).
    let strangers = base.join("racelab-4999999-0-sweeptest");
    std::fs::create_dir(&strangers).unwrap();
    std::os::unix::fs::chown(&strangers, Some(4242), Some(4242)).unwrap();
    // A dead run of ours: the positive control.
    let ours = base.join("racelab-4999998-0-sweeptest");
    std::fs::create_dir_all(ours.join("spool/new")).unwrap();
    std::fs::write(ours.join("spool/new/1"), b"1").unwrap();

    let out = run(&["sweep"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let kept = [&live_pid, &running, &strangers].map(|p| p.exists());
    let ours_gone = !ours.exists();
    for p in [&live_pid, &strangers] {
        let _ = std::fs::remove_dir_all(p);
    }
    live.signal(libc::SIGTERM);
    assert_eq!(live.wait().code(), Some(143));
    assert_eq!(kept, [true; 3], "live, running, another user's: {stdout}");
    assert!(ours_gone, "a dead run of ours was left: {stdout}");
}

#[test]
fn the_sweep_unlinks_the_queues_a_dead_runs_directory_lists() {
    let _tidy = common::Tidy::new();
    let _one = serial();
    // What a SIGKILL between creating a queue and unlinking its name
    // leaves: the queue, and its name listed in the run's directory.
    let dead = 4_999_997;
    let name = format!("/racelab-{dead}-00000000c0ffee00");
    let c = CString::new(name.as_str()).unwrap();
    let attr = nix::mqueue::MqAttr::new(0, 1, 8, 0);
    let queue = nix::mqueue::mq_open(
        c.as_c_str(),
        nix::mqueue::MQ_OFlag::O_CREAT | nix::mqueue::MQ_OFlag::O_RDWR,
        nix::sys::stat::Mode::S_IRUSR | nix::sys::stat::Mode::S_IWUSR,
        Some(&attr),
    )
    .unwrap();
    nix::mqueue::mq_close(queue).unwrap();
    let dir = racelab::os::arena::base_dir().join(format!("racelab-{dead}-0-sweeptest"));
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("mqueues"), format!("{name}\n")).unwrap();

    let out = run(&["sweep"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let queue_left = queue_exists(&name);
    if queue_left {
        let _ = nix::mqueue::mq_unlink(c.as_c_str());
    }
    assert!(!queue_left, "the listed queue is left: {stdout}");
    assert!(
        stdout.contains(&format!("removed message queue {name}")),
        "{stdout}"
    );
    assert!(!dir.exists(), "{stdout}");
}
