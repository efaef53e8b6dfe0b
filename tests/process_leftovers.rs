//! The leftover guard's negative controls: what a process test can leave
//! behind, the guard every process test carries (common::tidy) names.
//! Each test makes the leftover on purpose, asks a guard of its own what
//! was left, then clears it, so the test's outer guard finds nothing.

mod common;

use common::Tidy;
use common::live::Live;
use racelab::os::arena::{Arena, base_dir, leftovers};
use std::process::{Command, Stdio};
use std::time::Duration;

/// A guard that gives leftover processes 100 ms, not seconds, to end.
fn quick_guard() -> Tidy {
    Tidy::new().grace(Duration::from_millis(100))
}

/// Whether `left` names `what`.
fn names(left: &[String], what: &str) -> bool {
    left.iter().any(|l| l.contains(what))
}

common::forked_tests! {
    #![rusty_fork(timeout_ms = 60_000)]

    #[test]
    fn an_arena_left_behind_is_caught() {
        let guard = quick_guard();
        let arena = Arena::new().unwrap();
        let path = arena.path().to_path_buf();
        std::mem::forget(arena);
        let left = guard.leftovers();
        std::fs::remove_dir_all(&path).unwrap();
        drop(guard);
        assert!(names(&left, &path.display().to_string()), "{left:?}");
    }

    #[test]
    fn a_process_left_running_is_caught_and_killed() {
        let guard = quick_guard();
        let child = Command::new("sleep").arg("60").spawn().unwrap();
        let pid = child.id();
        std::mem::forget(child);
        let left = guard.leftovers();
        assert!(names(&left, &format!("process {pid} still running")), "{left:?}");
    }

    /// Its parent ended at once: the orphan is handed to the test process
    /// (a child subreaper), not to init, and so cannot escape.
    #[test]
    fn an_orphan_left_running_is_caught_and_killed() {
        let guard = quick_guard();
        let status = Command::new("sh")
            .args(["-c", "sleep 60 & exit 0"])
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success());
        let left = guard.leftovers();
        assert!(names(&left, "still running: sleep"), "{left:?}");
    }

    /// (Made under this test's own pid: a dead one's would be any
    /// sweep's to take first.)
    #[test]
    fn a_racelab_run_that_leaves_its_directory_is_caught() {
        let pid = std::process::id();
        let dir = base_dir().join(format!("racelab-{pid}-0-tidytest"));
        std::fs::create_dir(&dir).unwrap();
        let caught = std::panic::catch_unwind(|| {
            common::tidy::after_run(pid, std::time::SystemTime::now(), "tidytest")
        });
        std::fs::remove_dir(&dir).unwrap();
        assert!(caught.is_err(), "a run's directory left behind went unseen");
    }
}

/// Plain, not forked: under cargo test the guard shares its process with
/// other tests and answers only for the racelab runs its test started.
#[test]
fn a_racelab_left_running_is_caught_and_killed() {
    let _tidy = Tidy::new();
    let guard = quick_guard();
    let mut live = Live::start(&[
        "pi",
        "--via",
        "files",
        "--workers",
        "2",
        "--terms",
        "40000000000",
    ]);
    let (dir, _) = live.running(2);
    let pid = live.pid();
    let left = guard.leftovers();
    // Killed by the guard with SIGKILL: its directory is left for the sweep.
    live.wait();
    for d in leftovers(&base_dir(), Some(pid)) {
        std::fs::remove_dir_all(d).unwrap();
    }
    drop(guard);
    assert!(
        names(&left, &format!("process {pid} still running")),
        "{left:?}"
    );
    assert!(names(&left, &dir.display().to_string()), "{left:?}");
}
