//! A private, uniquely named directory for one run's files: the ticket
//! database, the shared memory region, lock files, the server's socket.
//!
//! The lessons' fifo lived at a fixed path in /tmp: two runs collided and
//! another user could plant a file there. Here every run gets its own
//! directory, mode 0700, named `racelab-<pid>-<n>-<random>`, under /dev/shm
//! (tmpfs: memory, not disk) when it exists. The [`tempfile::TempDir`]
//! guard removes it when the arena is dropped, even when a test fails.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// Every racelab temporary file or directory starts with this.
pub const PREFIX: &str = "racelab-";

/// Where arenas live: /dev/shm if this system has it, else the temp dir.
pub fn base_dir() -> PathBuf {
    let shm = Path::new("/dev/shm");
    if shm.is_dir() {
        shm.to_path_buf()
    } else {
        std::env::temp_dir()
    }
}

/// A run's private directory, removed on drop.
pub struct Arena {
    dir: tempfile::TempDir,
}

impl Arena {
    pub fn new() -> std::io::Result<Arena> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
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
