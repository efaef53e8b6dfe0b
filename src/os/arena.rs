//! A private, uniquely named directory for one run's files: the ticket
//! database, the shared memory region, lock files, the server's socket.
//!
//! A fifo at a fixed path in /tmp is a pitfall (docs/scenarios.md
//! "Pitfalls"): two runs collide and another user can plant a file there.
//! Here every run gets its own directory, mode 0700, named
//! `racelab-<pid>-<n>-<random>`, under /dev/shm (tmpfs: memory, not disk)
//! when it is usable, else in the temporary directory (`TMPDIR`), which
//! the run then says once on stderr. The
//! [`tempfile::TempDir`] guard removes it when the arena is dropped, even
//! when a test fails; a signal or a SIGKILL is `cleanup`'s business: the
//! pid in the name says whose directory it is, and the first arena a
//! process makes sweeps what dead runs left first.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// Every racelab temporary file or directory starts with this.
pub const PREFIX: &str = "racelab-";

/// Where arenas live when it is usable.
pub const SHM: &str = "/dev/shm";

/// Why /dev/shm cannot hold this run's files, if it cannot: missing, not
/// a directory, or not writable by us (a read-only mount, permissions).
fn shm_unusable() -> Option<String> {
    use nix::unistd::{AccessFlags, access};
    let shm = Path::new(SHM);
    if !shm.is_dir() {
        return Some(format!("{SHM} is not a directory here"));
    }
    access(shm, AccessFlags::W_OK | AccessFlags::X_OK)
        .err()
        .map(|e| format!("{SHM} is not writable ({})", e.desc()))
}

/// Where arenas live: /dev/shm if it is usable, else the temp dir. Decided
/// once per process; the fall-back is said once on stderr.
pub fn base_dir() -> PathBuf {
    static BASE: OnceLock<PathBuf> = OnceLock::new();
    BASE.get_or_init(|| match shm_unusable() {
        None => PathBuf::from(SHM),
        Some(why) => {
            let tmp = std::env::temp_dir();
            eprintln!("racelab: {why}; the run's files go to {}", tmp.display());
            tmp
        }
    })
    .clone()
}

/// A run's private directory, removed on drop.
pub struct Arena {
    dir: tempfile::TempDir,
}

impl Arena {
    /// Makes a fresh private directory for this run (sweeping dead runs'
    /// leftovers first, once per process).
    pub fn new() -> std::io::Result<Arena> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        static SWEPT: std::sync::Once = std::sync::Once::new();
        SWEPT.call_once(crate::os::cleanup::sweep::sweep_quietly);
        let prefix = format!(
            "{PREFIX}{}-{}-",
            std::process::id(),
            NEXT.fetch_add(1, Relaxed)
        );
        // A random suffix, failing rather than reusing an existing path;
        // mode 0700 asked for explicitly (tempfile's directories otherwise
        // get the umask's default, 0755 here).
        let dir = tempfile::Builder::new()
            .prefix(&prefix)
            .permissions(std::fs::Permissions::from_mode(0o700))
            .tempdir_in(base_dir())?;
        Ok(Arena { dir })
    }

    /// The directory itself.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// A file name inside the arena.
    pub fn file(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

/// Racelab's leftovers in `dir`: entries whose name starts with [`PREFIX`]
/// and were made by `pid` (None: by anyone).
pub fn leftovers(dir: &Path, pid: Option<u32>) -> Vec<PathBuf> {
    let mine = match pid {
        Some(pid) => format!("{PREFIX}{pid}-"),
        None => PREFIX.to_string(),
    };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with(&mine))
        .map(|e| e.path())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_arena_is_private_and_gone_when_dropped() {
        let arena = Arena::new().unwrap();
        let path = arena.path().to_path_buf();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700, "{path:?} has mode {mode:o}");
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            name.starts_with(&format!("{PREFIX}{}-", std::process::id())),
            "{name}"
        );
        drop(arena);
        assert!(!path.exists());
    }
}
