//! Runs after the other process tests (cargo runs test binaries in name
//! order): no racelab file made during this test run is left in the
//! temporary directory or /dev/shm by a process that has ended, and no
//! worker process is left running. (cargo-nextest runs every binary side
//! by side: there it checks what the tests that ended before it left.)
//!
//! "During this run": since the process that launched this binary (cargo
//! test) started. A machine shared with other checkouts may hold older
//! leftovers of theirs; those are not this run's to answer for.

use racelab::os::arena::{PREFIX, base_dir, leftovers};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The pid in `racelab-<pid>-<n>-...`.
fn creator(path: &Path) -> Option<i32> {
    let name = path.file_name()?.to_str()?;
    name.strip_prefix(PREFIX)?.split('-').next()?.parse().ok()
}

fn alive(pid: i32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

/// When the process that launched this test binary started (field 22 of
/// /proc/<ppid>/stat, in clock ticks after boot).
fn run_started() -> SystemTime {
    let ppid = std::os::unix::process::parent_id();
    let stat = std::fs::read_to_string(format!("/proc/{ppid}/stat")).expect("the parent's stat");
    // Fields after the command name, which ends with the last ')': state is
    // field 3, so starttime (22) is the 20th of these.
    let ticks: u64 = stat
        .rsplit(')')
        .next()
        .and_then(|rest| rest.split_whitespace().nth(19))
        .and_then(|t| t.parse().ok())
        .expect("starttime in /proc/<ppid>/stat");
    let boot: u64 = std::fs::read_to_string("/proc/stat")
        .expect("/proc/stat")
        .lines()
        .find_map(|l| l.strip_prefix("btime ")?.trim().parse().ok())
        .expect("btime in /proc/stat");
    // SAFETY: sysconf only reads a configuration value.
    let per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
    // A second's slack: btime is whole seconds.
    UNIX_EPOCH + Duration::from_secs(boot) + Duration::from_millis(ticks * 1000 / per_second)
        - Duration::from_secs(1)
}

fn changed_since(path: &Path, since: SystemTime) -> bool {
    std::fs::symlink_metadata(path)
        .and_then(|m| m.modified())
        .is_ok_and(|t| t >= since)
}

#[test]
fn no_racelab_file_outlives_its_process() {
    let since = run_started();
    let mut dirs = vec![base_dir(), std::env::temp_dir(), PathBuf::from("/dev/shm")];
    dirs.sort();
    dirs.dedup();
    let left: Vec<PathBuf> = dirs
        .iter()
        .flat_map(|d| leftovers(d, None))
        .filter(|p| changed_since(p, since))
        // A live creator is a test still running (another checkout's, say).
        .filter(|p| creator(p).is_none_or(|pid| !alive(pid)))
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

/// The executable of `pid`, if it is one of the process_* test binaries
/// in `deps`.
fn test_binary(pid: u32, deps: &Path) -> Option<PathBuf> {
    let exe = std::fs::read_link(format!("/proc/{pid}/exe")).ok()?;
    let name = exe.file_name()?.to_string_lossy().into_owned();
    (exe.parent() == Some(deps) && name.starts_with("process_")).then_some(exe)
}

fn parent_of(pid: u32) -> Option<u32> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("PPid:"))?
        .trim()
        .parse()
        .ok()
}

/// No worker outlives the test that forked it. Workers are forks of the
/// process_* test binaries next to this one; one whose parent is still
/// such a binary belongs to a test still running (another `cargo test` of
/// this checkout, say). A leftover is an orphan: its parent is gone.
#[test]
fn no_worker_process_is_left() {
    let deps = std::env::current_exe()
        .unwrap()
        .parent()
        .unwrap()
        .to_path_buf();
    let me = std::process::id();
    let mut left = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().filter_map(Result::ok) {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        if pid == me {
            continue;
        }
        let Some(exe) = test_binary(pid, &deps) else {
            continue;
        };
        let orphan = parent_of(pid).is_none_or(|ppid| test_binary(ppid, &deps).is_none());
        // A test binary started by cargo or cargo-nextest (not forked) has
        // it as parent: it is a running test, not a worker. Nextest runs
        // the process_* binaries side by side with this one.
        let started_by_cargo = parent_of(pid)
            .and_then(|ppid| std::fs::read_link(format!("/proc/{ppid}/exe")).ok())
            .is_some_and(|e| {
                e.file_name()
                    .is_some_and(|n| n == "cargo" || n == "cargo-nextest")
            });
        if orphan && !started_by_cargo {
            left.push(format!("{pid} {}", exe.display()));
        }
    }
    assert!(left.is_empty(), "worker processes left: {left:?}");
}
