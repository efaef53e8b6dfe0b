//! Removing a run's files with nothing but system calls, so that a signal
//! handler may do it: no allocation, no lock, no `std::fs` (whose
//! `remove_dir_all` allocates and may take the allocator's lock, which the
//! interrupted code could hold). The sweep uses the same code, so there is
//! one remover.
//!
//! Names come straight out of the `getdents64` buffer (each is
//! NUL-terminated there), and every buffer is on the stack.

use std::ffi::CStr;

/// Deeper than any arena goes (the spool's `spool/<state>/<item>` is 3).
const MAX_DEPTH: usize = 8;
/// A directory is read again after each pass that removed something; a
/// directory still refilling after this many passes is left.
const MAX_PASSES: usize = 16;

/// The kernel's `struct linux_dirent64` header: inode (8), offset (8),
/// record length (2), type (1), then the NUL-terminated name.
const NAME_OFFSET: usize = 19;
const RECLEN_OFFSET: usize = 16;

/// Calls `each` with every name in the directory open at `fd` (but `.`
/// and `..`), reading from the start; returns how many it saw.
fn for_each_entry(fd: libc::c_int, mut each: impl FnMut(&CStr)) -> usize {
    let mut buf = [0u8; 2048];
    let mut seen = 0;
    // SAFETY: lseek on a descriptor we own only moves its offset.
    unsafe { libc::lseek(fd, 0, libc::SEEK_SET) };
    loop {
        // SAFETY: getdents64 writes at most `buf.len()` bytes into `buf`,
        // which we own, and returns how many it wrote (or -1).
        let n = unsafe {
            libc::syscall(
                libc::SYS_getdents64,
                fd,
                buf.as_mut_ptr(),
                buf.len() as libc::c_uint,
            )
        };
        if n <= 0 {
            return seen;
        }
        let n = n as usize;
        let mut at = 0;
        while at + NAME_OFFSET < n {
            let reclen =
                u16::from_ne_bytes([buf[at + RECLEN_OFFSET], buf[at + RECLEN_OFFSET + 1]]) as usize;
            if reclen == 0 || at + reclen > n {
                return seen;
            }
            let Ok(name) = CStr::from_bytes_until_nul(&buf[at + NAME_OFFSET..at + reclen]) else {
                return seen;
            };
            if name.to_bytes() != b"." && name.to_bytes() != b".." {
                seen += 1;
                each(name);
            }
            at += reclen;
        }
    }
}

/// Removes `name` in the directory open at `dir`: a file at once, a
/// directory with everything in it. Symbolic links are removed, never
/// followed. Returns whether `name` is gone.
pub(crate) fn remove_at(dir: libc::c_int, name: &CStr) -> bool {
    remove_at_depth(dir, name, 0)
}

fn remove_at_depth(dir: libc::c_int, name: &CStr, depth: usize) -> bool {
    // SAFETY: unlinkat with a NUL-terminated name and a directory
    // descriptor we own.
    if unsafe { libc::unlinkat(dir, name.as_ptr(), 0) } == 0 {
        return true;
    }
    match errno() {
        libc::ENOENT => return true,
        libc::EISDIR if depth < MAX_DEPTH => {}
        _ => return false,
    }
    // SAFETY: openat with a NUL-terminated name; O_NOFOLLOW so that a link
    // planted in the directory is never followed out of it.
    let sub = unsafe {
        libc::openat(
            dir,
            name.as_ptr(),
            libc::O_RDONLY | libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_CLOEXEC,
        )
    };
    if sub < 0 {
        return errno() == libc::ENOENT;
    }
    for _ in 0..MAX_PASSES {
        if for_each_entry(sub, |entry| {
            remove_at_depth(sub, entry, depth + 1);
        }) == 0
        {
            break;
        }
    }
    // SAFETY: `sub` is ours and closed once.
    unsafe { libc::close(sub) };
    // SAFETY: as the unlinkat above.
    unsafe {
        libc::unlinkat(dir, name.as_ptr(), libc::AT_REMOVEDIR) == 0 || errno() == libc::ENOENT
    }
}

/// Removes every entry of directory `base` whose name starts with
/// `prefix`. Returns how many were removed.
pub(crate) fn remove_prefixed(base: &CStr, prefix: &[u8]) -> usize {
    // SAFETY: open with a NUL-terminated path; the descriptor is closed
    // below.
    let dir = unsafe {
        libc::open(
            base.as_ptr(),
            libc::O_RDONLY | libc::O_DIRECTORY | libc::O_CLOEXEC,
        )
    };
    if dir < 0 {
        return 0;
    }
    let mut removed = 0;
    for _ in 0..MAX_PASSES {
        let mut matched = 0;
        for_each_entry(dir, |name| {
            if name.to_bytes().starts_with(prefix) {
                matched += 1;
                if remove_at(dir, name) {
                    removed += 1;
                }
            }
        });
        if matched == 0 {
            break;
        }
    }
    // SAFETY: `dir` is ours and closed once.
    unsafe { libc::close(dir) };
    removed
}

/// The calling thread's errno (a plain read: no allocation).
fn errno() -> libc::c_int {
    // SAFETY: __errno_location returns this thread's errno slot.
    unsafe { *libc::__errno_location() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;

    #[test]
    fn a_tree_is_removed_with_its_links_but_not_their_targets() {
        let outside = tempfile::tempdir().unwrap();
        let keep = outside.path().join("keep");
        std::fs::write(&keep, b"x").unwrap();
        let base = tempfile::tempdir().unwrap();
        let run = base.path().join("racelab-1-0-abc");
        std::fs::create_dir_all(run.join("spool/new/deep")).unwrap();
        std::fs::write(run.join("spool/new/deep/item"), b"1").unwrap();
        std::fs::write(run.join("region"), b"1").unwrap();
        std::os::unix::fs::symlink(outside.path(), run.join("link")).unwrap();
        std::fs::write(base.path().join("other"), b"1").unwrap();
        let c = CString::new(base.path().as_os_str().as_bytes()).unwrap();
        assert_eq!(remove_prefixed(&c, b"racelab-1-"), 1);
        assert!(!run.exists());
        assert!(keep.exists(), "a link's target is never followed");
        assert!(base.path().join("other").exists());
    }
}
