//! Each process test answers for its own leftovers. At its end nothing it
//! made is left: no `racelab-<pid>-...` entry in /dev/shm, the temporary
//! directory or /dev/mqueue of its own process, of a process it forked or
//! of a racelab it started, and none of those processes is alive. Each
//! test checks itself, so the check holds under any order of the tests
//! and of the test binaries (cargo test runs binaries one after another,
//! cargo-nextest side by side).
//!
//! [`Tidy`] is the guard: `forked_tests!` puts one at the top of every
//! test of a rusty-fork block; a plain `#[test]` takes one as its first
//! line. What it can answer for depends on whether the test is alone in
//! its process:
//! - **Alone** (a rusty-fork child, or any test under nextest, which runs
//!   each test in a process of its own): the guard makes the test process
//!   a child subreaper (`PR_SET_CHILD_SUBREAPER`), so a worker whose
//!   parent died is handed to it rather than to init, and no descendant
//!   escapes. At the end it waits (bounded) for every descendant to end,
//!   reaps those handed to it, and kills and names any still alive; then
//!   it looks for the entries of its own pid, of every descendant it saw,
//!   and of every racelab the test started ([`started`]).
//! - **Sharing its process** with other tests (a plain `#[test]` under
//!   cargo test): it answers for the racelab runs the test started
//!   ([`started`]): each must have ended and left no entry.
//!
//! A racelab run that a runner starts and waits for (`common::racelab`,
//! `common::output`, `common::live::run`) is checked the moment it ends
//! ([`after_run`]), whatever thread ran it.
//!
//! An entry counts only if it changed since the test began: an older one
//! belongs to an earlier process that had the same pid.

use racelab::os::arena::PREFIX;
use std::cell::RefCell;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

/// How long descendants get to end once the test is over (a worker
/// killed by its parent death signal ends within milliseconds).
const GRACE: Duration = Duration::from_secs(10);

/// Timestamps may lag the clock a little: entries this much older than
/// the test's start still count.
const SLACK: Duration = Duration::from_secs(1);

thread_local! {
    /// The racelab processes this thread's test started and did not wait
    /// for through a runner.
    static STARTED: RefCell<Vec<u32>> = const { RefCell::new(Vec::new()) };
}

/// Records `pid`, a racelab the current test started: the test's guard
/// answers for it.
pub fn started(pid: u32) {
    STARTED.with(|s| s.borrow_mut().push(pid));
}

/// A racelab run that ended (process `pid`, started at `since`) must have
/// left no entry; `what` names it in the failure.
pub fn after_run(pid: u32, since: SystemTime, what: &str) {
    let left = entries_of(&BTreeSet::from([pid]), since);
    assert!(left.is_empty(), "racelab {what} left {left:?}");
}

/// The guard: checks, when dropped at the end of a test, that the test
/// left nothing (see the module doc). A test already failing is not
/// failed twice, but its leftover processes are still killed.
pub struct Tidy {
    since: SystemTime,
    alone: bool,
    grace: Duration,
}

impl Tidy {
    pub fn new() -> Tidy {
        let alone = alone_in_process();
        if alone {
            // SAFETY: prctl(PR_SET_CHILD_SUBREAPER) only changes who
            // inherits this process's orphaned descendants.
            let set = unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) };
            assert_eq!(set, 0, "PR_SET_CHILD_SUBREAPER");
        }
        STARTED.with(|s| s.borrow_mut().clear());
        Tidy {
            since: SystemTime::now(),
            alone,
            grace: GRACE,
        }
    }

    /// How long the test's processes get to end ([`GRACE`] unless set).
    pub fn grace(mut self, grace: Duration) -> Tidy {
        self.grace = grace;
        self
    }

    /// What the test left behind, one line each; its leftover processes
    /// are killed.
    pub fn leftovers(&self) -> Vec<String> {
        let started: BTreeSet<u32> = STARTED.with(|s| s.borrow().iter().copied().collect());
        let (mut left, mut owners) = if self.alone {
            end_descendants(self.grace)
        } else {
            (still_running(&started), BTreeSet::new())
        };
        owners.extend(&started);
        if self.alone {
            owners.insert(std::process::id());
        }
        left.extend(
            entries_of(&owners, self.since)
                .into_iter()
                .map(|p| format!("left {}", p.display())),
        );
        left
    }
}

impl Drop for Tidy {
    fn drop(&mut self) {
        let left = self.leftovers();
        if !std::thread::panicking() {
            assert!(left.is_empty(), "the test left: {left:#?}");
        }
    }
}

/// Whether this test has its process to itself: a rusty-fork child runs
/// one test, and nextest runs every test in its own process.
fn alone_in_process() -> bool {
    std::env::var_os("RUSTY_FORK_OCCURS").is_some()
        || std::env::var("NEXTEST_EXECUTION_MODE").is_ok_and(|m| m == "process-per-test")
}

/// Waits (up to `grace`) for every descendant of this process to end,
/// reaping those handed to it; kills those still running then. Returns
/// them, one line each, and every descendant seen.
fn end_descendants(grace: Duration) -> (Vec<String>, BTreeSet<u32>) {
    let me = std::process::id();
    let mut seen = BTreeSet::new();
    let end = Instant::now() + grace;
    loop {
        let tree = descendants(me);
        seen.extend(tree.iter().map(|p| p.pid));
        for p in tree.iter().filter(|p| p.zombie && p.ppid == me) {
            // SAFETY: waitpid on a zombie child of ours only reaps it.
            unsafe { libc::waitpid(p.pid as i32, std::ptr::null_mut(), libc::WNOHANG) };
        }
        let running: Vec<&Proc> = tree.iter().filter(|p| !p.zombie).collect();
        if running.is_empty() {
            return (Vec::new(), seen);
        }
        if Instant::now() >= end {
            let named = running
                .iter()
                .map(|p| format!("process {} still running: {}", p.pid, p.exe))
                .collect();
            for p in running {
                // SAFETY: kill only sends SIGKILL to a descendant of ours.
                unsafe { libc::kill(p.pid as i32, libc::SIGKILL) };
            }
            return (named, seen);
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Of `pids`, those still running (not ended, not a zombie), one line
/// each; they are killed.
fn still_running(pids: &BTreeSet<u32>) -> Vec<String> {
    pids.iter()
        .filter_map(|&pid| process(pid))
        .filter(|p| !p.zombie)
        .map(|p| {
            // SAFETY: kill only sends SIGKILL to a racelab this test started.
            unsafe { libc::kill(p.pid as i32, libc::SIGKILL) };
            format!("process {} still running: {}", p.pid, p.exe)
        })
        .collect()
}

/// A process, as /proc/<pid>/stat tells it.
pub struct Proc {
    pub pid: u32,
    pub ppid: u32,
    /// Ended and not yet reaped: it runs no more code.
    pub zombie: bool,
    /// Its command name.
    pub exe: String,
}

/// Process `pid`, if it exists.
pub fn process(pid: u32) -> Option<Proc> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // After the command name, which ends with the last ')': state, ppid.
    let (name, rest) = stat.rsplit_once(')')?;
    let mut fields = rest.split_whitespace();
    let state = fields.next()?;
    let ppid = fields.next()?.parse().ok()?;
    Some(Proc {
        pid,
        ppid,
        zombie: state == "Z" || state == "X",
        exe: name.split_once('(').map_or(name, |(_, n)| n).to_string(),
    })
}

/// Every process on the machine.
pub fn processes() -> Vec<Proc> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str()?.parse().ok())
        .filter_map(process)
        .collect()
}

/// Every process below `root` in the process tree.
fn descendants(root: u32) -> Vec<Proc> {
    let all = processes();
    let mut below = BTreeSet::from([root]);
    // Parents before children is not guaranteed: repeat until stable.
    loop {
        let more: Vec<u32> = all
            .iter()
            .filter(|p| below.contains(&p.ppid) && !below.contains(&p.pid))
            .map(|p| p.pid)
            .collect();
        if more.is_empty() {
            break;
        }
        below.extend(more);
    }
    all.into_iter()
        .filter(|p| p.pid != root && below.contains(&p.pid))
        .collect()
}

/// Where racelab makes entries: arenas under /dev/shm or the temporary
/// directory (`os::arena::base_dir`, not called here: it decides once per
/// process, and a test may run in a private mount namespace), message
/// queues under /dev/mqueue.
fn places() -> Vec<PathBuf> {
    let mut places = vec![
        PathBuf::from("/dev/shm"),
        std::env::temp_dir(),
        PathBuf::from("/dev/mqueue"),
    ];
    places.sort();
    places.dedup();
    places
}

/// The pid in `racelab-<pid>-...`.
fn owner(name: &str) -> Option<u32> {
    name.strip_prefix(PREFIX)?.split('-').next()?.parse().ok()
}

/// The entries made by any of `owners` that changed since `since`.
fn entries_of(owners: &BTreeSet<u32>, since: SystemTime) -> Vec<PathBuf> {
    let since = since - SLACK;
    places()
        .iter()
        .filter_map(|dir| std::fs::read_dir(dir).ok())
        .flatten()
        .filter_map(Result::ok)
        .filter(|e| {
            e.file_name()
                .to_str()
                .and_then(owner)
                .is_some_and(|pid| owners.contains(&pid))
        })
        .map(|e| e.path())
        .filter(|p| changed_since(p, since))
        .collect()
}

fn changed_since(path: &Path, since: SystemTime) -> bool {
    std::fs::symlink_metadata(path)
        .and_then(|m| m.modified())
        .is_ok_and(|t| t >= since)
}
