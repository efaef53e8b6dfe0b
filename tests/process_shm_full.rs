//! A full or unusable /dev/shm, in a private mount namespace: a tiny tmpfs
//! mounted over /dev/shm for one thread of this test and the racelab it
//! starts, invisible to every other process.
//!
//! - Full: a shared mapping used to be a sparse file, so the run died by
//!   SIGBUS at its first touch, silently, leaving its directory. Now the
//!   file is allocated first: one line naming the file, exit 1, nothing
//!   left. The negative control maps a sparse file the old way on the same
//!   full tmpfs and dies by SIGBUS, so the tmpfs really is full.
//! - Read-only: the run falls back to TMPDIR and says so once.
//!
//! This needs root (CAP_SYS_ADMIN) for unshare(CLONE_NEWNS) and mount;
//! where that is refused each test prints why and passes as skipped.

mod common;

use common::live;
use std::ffi::CString;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;

/// Runs `body` on a thread of its own, after giving that thread a private
/// mount namespace with a 64 KiB tmpfs on /dev/shm mounted with `flags`,
/// filled to the last byte when `fill`. `None` (the reason printed) where
/// the machine does not allow it.
fn with_private_shm<R: Send + 'static>(
    flags: libc::c_ulong,
    fill: bool,
    body: impl FnOnce() -> R + Send + 'static,
) -> Option<R> {
    std::thread::spawn(move || {
        if let Err(why) = private_shm(flags, fill) {
            println!("skipped: no private /dev/shm here ({why})");
            return None;
        }
        Some(body())
    })
    .join()
    .expect("the namespace thread")
}

fn private_shm(flags: libc::c_ulong, fill: bool) -> Result<(), String> {
    let os = |what: &str| format!("{what}: {}", std::io::Error::last_os_error());
    if !Path::new("/dev/shm").is_dir() {
        return Err("/dev/shm does not exist".into());
    }
    // SAFETY: unshare(CLONE_NEWNS) gives this thread its own copy of the
    // mount table; it changes no memory of ours.
    if unsafe { libc::unshare(libc::CLONE_NEWNS) } != 0 {
        return Err(os("unshare(CLONE_NEWNS)"));
    }
    let root = CString::new("/").unwrap();
    let shm = CString::new("/dev/shm").unwrap();
    let tmpfs = CString::new("tmpfs").unwrap();
    let size = CString::new("size=64k").unwrap();
    // SAFETY: mount with NUL-terminated strings; making / private first
    // keeps our mount from propagating to the machine's namespace.
    unsafe {
        if libc::mount(
            std::ptr::null(),
            root.as_ptr(),
            std::ptr::null(),
            libc::MS_REC | libc::MS_PRIVATE,
            std::ptr::null(),
        ) != 0
        {
            return Err(os("making / private"));
        }
        if libc::mount(
            tmpfs.as_ptr(),
            shm.as_ptr(),
            tmpfs.as_ptr(),
            if fill { 0 } else { flags },
            size.as_ptr().cast(),
        ) != 0
        {
            return Err(os("mounting a tmpfs on /dev/shm"));
        }
    }
    if fill {
        fill_up(Path::new("/dev/shm/filler"))?;
        if flags != 0 {
            // SAFETY: as above; a remount changes only the flags.
            let r = unsafe {
                libc::mount(
                    std::ptr::null(),
                    shm.as_ptr(),
                    std::ptr::null(),
                    libc::MS_REMOUNT | flags,
                    std::ptr::null(),
                )
            };
            if r != 0 {
                return Err(os("remounting /dev/shm"));
            }
        }
    }
    Ok(())
}

/// Writes `path` until the file system has no room left.
fn fill_up(path: &Path) -> Result<(), String> {
    use std::io::Write;
    let mut file = std::fs::File::create(path).map_err(|e| e.to_string())?;
    let chunk = [0x5au8; 4096];
    for _ in 0..1024 {
        match file.write(&chunk) {
            Ok(0) => return Ok(()),
            Ok(_) => {}
            Err(e) if e.raw_os_error() == Some(libc::ENOSPC) => return Ok(()),
            Err(e) => return Err(format!("filling /dev/shm: {e}")),
        }
    }
    Err("a 64 KiB tmpfs took 4 MiB".into())
}

/// racelab's entries in the (private) /dev/shm.
fn racelab_entries() -> Vec<String> {
    std::fs::read_dir("/dev/shm")
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("racelab-"))
        .collect()
}

/// The old way, in a child: a sparse file sized with ftruncate, mapped and
/// touched. Returns the signal that ended the child, if one did.
fn touch_a_sparse_mapping() -> Option<i32> {
    let path = CString::new("/dev/shm/sparse").unwrap();
    // SAFETY: the child makes only raw system calls (no allocation, no
    // lock) and ends in _exit; the parent waits for it.
    unsafe {
        match libc::fork() {
            0 => {
                let fd = libc::open(path.as_ptr(), libc::O_CREAT | libc::O_RDWR, 0o600);
                if fd < 0 || libc::ftruncate(fd, 65536) != 0 {
                    libc::_exit(2);
                }
                let p = libc::mmap(
                    std::ptr::null_mut(),
                    65536,
                    libc::PROT_READ | libc::PROT_WRITE,
                    libc::MAP_SHARED,
                    fd,
                    0,
                );
                if p == libc::MAP_FAILED {
                    libc::_exit(3);
                }
                std::ptr::write_volatile(p.cast::<u8>().add(32768), 1);
                libc::_exit(0)
            }
            -1 => panic!("fork: {}", std::io::Error::last_os_error()),
            child => {
                let mut status = 0;
                libc::waitpid(child, &mut status, 0);
                libc::unlink(path.as_ptr());
                libc::WIFSIGNALED(status).then(|| libc::WTERMSIG(status))
            }
        }
    }
}

/// A run on the full /dev/shm: the error, its exit (`code`), what it left.
fn full_run(args: &'static [&'static str], code: i32) {
    let Some((sparse, out, left)) = with_private_shm(0, true, move || {
        let sparse = touch_a_sparse_mapping();
        let out = live::run(args);
        (sparse, out, racelab_entries())
    }) else {
        return;
    };
    assert_eq!(
        sparse,
        Some(libc::SIGBUS),
        "negative control: a sparse mapping on the full tmpfs"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.signal(),
        None,
        "{args:?} died by a signal: {stderr}"
    );
    assert_eq!(out.status.code(), Some(code), "{args:?}: {stderr}");
    // An error line on stderr, or (a queue run) an inconclusive verdict on
    // stdout: either way, said once.
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = stderr
        .lines()
        .chain(stdout.lines())
        .filter(|l| l.contains("no room"))
        .collect();
    assert_eq!(lines.len(), 1, "{args:?}: one line, not {stderr}{stdout}");
    assert!(
        lines[0].contains("no room") && lines[0].contains("/dev/shm/racelab-"),
        "{args:?}: the error names the file: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(left.is_empty(), "{args:?} left {left:?}");
}

#[test]
fn pi_through_shared_memory_on_a_full_dev_shm_says_so_and_leaves_nothing() {
    let _tidy = common::Tidy::new();
    full_run(
        &["pi", "--via", "shm", "--workers", "2", "--terms", "1000"],
        1,
    );
}

#[test]
fn the_rush_on_a_full_dev_shm_says_so_and_leaves_nothing() {
    let _tidy = common::Tidy::new();
    full_run(
        &["rush", "--strategy", "robust-mutex", "--store", "memory"],
        1,
    );
}

#[test]
fn a_queue_over_processes_on_a_full_dev_shm_says_so_and_leaves_nothing() {
    let _tidy = common::Tidy::new();
    // No room: the queue's verdict is inconclusive (exit 1), not bad input.
    full_run(&["queue", "--via", "shm"], 1);
}

#[test]
fn a_read_only_dev_shm_sends_the_run_to_tmpdir_and_it_says_so() {
    let _tidy = common::Tidy::new();
    let tmp = tempfile::tempdir().unwrap();
    let tmp_path = tmp.path().to_path_buf();
    let Some((out, left_shm)) = with_private_shm(libc::MS_RDONLY, false, move || {
        let mut command = live::racelab();
        command
            .args(["pi", "--via", "shm", "--workers", "2", "--terms", "1000"])
            .env("TMPDIR", &tmp_path);
        let out = live::run_command(command);
        (out, racelab_entries())
    }) else {
        return;
    };
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let said: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("/dev/shm is not writable"))
        .collect();
    assert_eq!(said.len(), 1, "said once: {stderr}");
    assert!(said[0].contains(&*tmp.path().to_string_lossy()), "{stderr}");
    assert!(left_shm.is_empty());
    let left_tmp: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().collect();
    assert!(left_tmp.is_empty(), "left in TMPDIR: {left_tmp:?}");
}
