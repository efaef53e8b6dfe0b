//! Runs after the other process tests (cargo runs test binaries in name
//! order): no racelab file is left in the temporary directory or /dev/shm
//! by a process that has ended, and no worker process is left running.

use racelab::process::arena::{PREFIX, base_dir, leftovers};
use std::path::{Path, PathBuf};

/// The pid in `racelab-<pid>-<n>-...`.
fn creator(path: &Path) -> Option<i32> {
    let name = path.file_name()?.to_str()?;
    name.strip_prefix(PREFIX)?.split('-').next()?.parse().ok()
}

fn alive(pid: i32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

#[test]
fn no_racelab_file_outlives_its_process() {
    let mut dirs = vec![base_dir(), std::env::temp_dir(), PathBuf::from("/dev/shm")];
    dirs.dedup();
    let left: Vec<PathBuf> = dirs
        .iter()
        .flat_map(|d| leftovers(d, None))
        // A live creator is a test still running (another checkout's, say).
        .filter(|p| creator(p).is_none_or(|pid| !alive(pid)))
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

#[test]
fn no_worker_process_is_left() {
    // Workers are forks of the process_* test binaries next to this one.
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
        let Ok(exe) = std::fs::read_link(entry.path().join("exe")) else {
            continue;
        };
        let name = exe
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if exe.parent() == Some(deps.as_path()) && name.starts_with("process_") {
            left.push(format!("{pid} {}", exe.display()));
        }
    }
    assert!(left.is_empty(), "worker processes left: {left:?}");
}
