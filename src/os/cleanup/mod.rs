//! Nothing left behind, whatever happens.
//!
//! A run makes three kinds of things that outlive it unless removed: its
//! private directory (the [`Arena`](crate::os::arena::Arena), under /dev/shm),
//! POSIX message queues, and worker processes. Each is handled for every
//! way a run can end:
//!
//! - **It returns or fails**: the owners' destructors remove them (the
//!   arena's `TempDir`, the queue's guard, the crew's drop).
//! - **SIGINT, SIGTERM or SIGHUP** (Ctrl-C, `kill`, a closed terminal),
//!   once [`install`] was called (the CLI does, first thing): the handler
//!   kills the workers this process forked and reaps them, unlinks every
//!   queue name not yet unlinked, removes every `racelab-<pid>-*` entry of
//!   this process in /dev/shm and the temporary directory, says so on
//!   stderr and exits with 128 + the signal (130, 143, 129).
//! - **SIGKILL** (no handler runs): the workers die with their parent
//!   (`PR_SET_PDEATHSIG`, see [`crew`](crate::os::crew)); every queue name was
//!   unlinked right after it was made (see `os::mq_name`); the directory
//!   is left, and its name carries the owner's pid. The next run sweeps it
//!   ([`sweep`]: the first arena a process makes sweeps first), and
//!   `racelab sweep` does it on demand.
//!
//! The handler does only what is safe in a signal handler: atomics, and
//! system calls on memory set up beforehand ([`install`] formats the
//! prefix and the directories once). What the run made is recorded in
//! fixed arrays of atomic slots ([`adopt`], `track_queue`), never behind
//! a lock the interrupted code might hold. Forked workers inherit the
//! handler: in any process but the one that installed it, the handler
//! restores the default action and lets the signal kill the process as it
//! would have, so a worker never removes its parent's files. A handler
//! that lands on another thread passes the signal on to the main thread:
//! the main thread drives the run, and while it cleans up in the handler
//! the run's own code there is stopped and cannot race the cleanup.

mod remove;
pub mod sweep;

use std::ffi::{CStr, CString};
use std::os::unix::ffi::OsStrExt;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicI32, AtomicU64, Ordering::SeqCst};
use std::time::Duration;

pub(crate) use remove::remove_at;

/// The signals that end a run with its cleanup.
pub const SIGNALS: [libc::c_int; 3] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP];

/// How many workers and queues are tracked at once; past that, workers
/// still die with their parent (the parent death signal) and queue names
/// are still unlinked at once.
const SLOTS: usize = 256;

/// How long the handler waits for a killed worker to be reaped.
const REAP_WITHIN: Duration = Duration::from_secs(2);

/// Live workers of this process: pid, or 0 for a free slot.
static CHILDREN: [AtomicI32; SLOTS] = [const { AtomicI32::new(0) }; SLOTS];
/// Queue names of this process not yet unlinked: the random part of
/// `/racelab-<pid>-<random>`, or 0 for a free slot.
static QUEUES: [AtomicU64; SLOTS] = [const { AtomicU64::new(0) }; SLOTS];

/// What the handler needs, formatted before any signal can arrive.
struct Plan {
    owner: libc::pid_t,
    /// `racelab-<owner>-`.
    prefix: Vec<u8>,
    /// Where arenas may be: /dev/shm and the temporary directory.
    bases: Vec<CString>,
}

static PLAN: OnceLock<Plan> = OnceLock::new();

/// Records a forked worker, so that a signal kills it.
pub fn adopt(pid: libc::pid_t) {
    for slot in &CHILDREN {
        if slot.compare_exchange(0, pid, SeqCst, SeqCst).is_ok() {
            return;
        }
    }
}

/// The cleanup signals, blocked on the calling thread until
/// [`release`](Held::release) or drop: hold them from before a fork until
/// the child is [`adopt`]ed, or a signal landing between the two would
/// leave a worker the handler does not know of. A signal sent meanwhile is
/// pending, and handled (with the worker adopted) when released. The
/// child inherits the blocked mask and releases it once it asked to die
/// with its parent.
pub(crate) struct Held(Option<nix::sys::signal::SigSet>);

/// Blocks the cleanup signals on this thread (see [`Held`]).
pub(crate) fn hold_signals() -> Held {
    use nix::sys::signal::{SigSet, SigmaskHow, Signal, pthread_sigmask};
    let mut set = SigSet::empty();
    for sig in SIGNALS {
        if let Ok(sig) = Signal::try_from(sig) {
            set.add(sig);
        }
    }
    let mut old = SigSet::empty();
    match pthread_sigmask(SigmaskHow::SIG_BLOCK, Some(&set), Some(&mut old)) {
        Ok(()) => Held(Some(old)),
        Err(_) => Held(None),
    }
}

impl Held {
    /// Restores the mask this thread had before.
    pub(crate) fn release(mut self) {
        self.restore();
    }

    fn restore(&mut self) {
        if let Some(old) = self.0.take() {
            let _ = nix::sys::signal::pthread_sigmask(
                nix::sys::signal::SigmaskHow::SIG_SETMASK,
                Some(&old),
                None,
            );
        }
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        self.restore();
    }
}

/// Forgets a worker that was reaped.
pub fn disown(pid: libc::pid_t) {
    for slot in &CHILDREN {
        if slot.compare_exchange(pid, 0, SeqCst, SeqCst).is_ok() {
            return;
        }
    }
}

/// A queue name the handler unlinks until [`QueueSlot`] is dropped.
pub(crate) struct QueueSlot(Option<usize>);

/// Records the random part of a queue name this process is making.
pub(crate) fn track_queue(random: u64) -> QueueSlot {
    if random == 0 {
        return QueueSlot(None);
    }
    QueueSlot(
        QUEUES
            .iter()
            .position(|slot| slot.compare_exchange(0, random, SeqCst, SeqCst).is_ok()),
    )
}

impl Drop for QueueSlot {
    fn drop(&mut self) {
        if let Some(i) = self.0 {
            QUEUES[i].store(0, SeqCst);
        }
    }
}

/// `/racelab-<pid>-<random as 16 hex digits>`, NUL-terminated, written into
/// `buf` without allocating; returns its length without the NUL.
pub(crate) fn queue_name_into(buf: &mut [u8; 64], pid: u32, random: u64) -> usize {
    let mut at = 0;
    let mut put = |b: u8| {
        buf[at] = b;
        at += 1;
    };
    put(b'/');
    for &b in crate::os::arena::PREFIX.as_bytes() {
        put(b);
    }
    let mut digits = [0u8; 10];
    let mut n = 0;
    let mut rest = pid;
    loop {
        digits[n] = b'0' + (rest % 10) as u8;
        n += 1;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    for i in (0..n).rev() {
        put(digits[i]);
    }
    put(b'-');
    for shift in (0..16).rev() {
        put(b"0123456789abcdef"[((random >> (shift * 4)) & 0xf) as usize]);
    }
    buf[at] = 0;
    at
}

/// Where arenas may be, for the handler and the sweep: /dev/shm and the
/// temporary directory (whichever this run used, and the other).
pub fn arena_bases() -> Vec<std::path::PathBuf> {
    let mut bases = vec![
        std::path::PathBuf::from(crate::os::arena::SHM),
        std::env::temp_dir(),
    ];
    bases.dedup();
    bases
}

/// Installs the handler for SIGINT, SIGTERM and SIGHUP in this process.
/// A signal this process was started with ignored stays ignored (a job
/// started with `nohup` or in the background of a script). Call once,
/// early, from the program's main thread; later calls do nothing.
pub fn install() -> std::io::Result<()> {
    let owner = std::process::id();
    let plan = Plan {
        owner: owner as libc::pid_t,
        prefix: format!("{}{owner}-", crate::os::arena::PREFIX).into_bytes(),
        bases: arena_bases()
            .into_iter()
            .filter_map(|b| CString::new(b.as_os_str().as_bytes()).ok())
            .collect(),
    };
    if PLAN.set(plan).is_err() {
        return Ok(());
    }
    for sig in SIGNALS {
        // SAFETY: a zeroed sigaction is a valid out-parameter; passing a
        // null new action only reads the current one.
        let mut old: libc::sigaction = unsafe { std::mem::zeroed() };
        if unsafe { libc::sigaction(sig, std::ptr::null(), &mut old) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        if old.sa_sigaction == libc::SIG_IGN {
            continue;
        }
        // SAFETY: zeroed is a valid sigaction to fill in; the mask blocks
        // the other cleanup signals while the handler runs, so it runs
        // once; `on_signal` only makes async-signal-safe calls.
        let mut action: libc::sigaction = unsafe { std::mem::zeroed() };
        action.sa_sigaction = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
        // A handler that passes the signal on returns: the call it
        // interrupted goes on rather than failing with EINTR.
        action.sa_flags = libc::SA_RESTART;
        unsafe {
            libc::sigemptyset(&mut action.sa_mask);
            for other in SIGNALS {
                libc::sigaddset(&mut action.sa_mask, other);
            }
        }
        // SAFETY: a valid action for a catchable signal.
        if unsafe { libc::sigaction(sig, &action, std::ptr::null_mut()) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
    }
    Ok(())
}

/// What the handler says on stderr, one line per signal.
fn message(sig: libc::c_int) -> &'static [u8] {
    match sig {
        libc::SIGINT => b"racelab: interrupted (SIGINT): workers stopped, run files removed\n",
        libc::SIGTERM => b"racelab: terminated (SIGTERM): workers stopped, run files removed\n",
        _ => b"racelab: hung up (SIGHUP): workers stopped, run files removed\n",
    }
}

extern "C" fn on_signal(sig: libc::c_int) {
    // SAFETY (the whole handler): only async-signal-safe calls (getpid,
    // gettid, tgkill, signal, raise, kill, waitid, waitpid, clock_gettime,
    // nanosleep, mq_unlink, the remover's open/getdents64/unlinkat/close,
    // write, _exit) on memory that was set up before the handler was
    // installed, plus atomic loads.
    unsafe {
        let saved_errno = *libc::__errno_location();
        let pid = libc::getpid();
        let Some(plan) = PLAN.get().filter(|p| p.owner == pid) else {
            // A forked worker (or no plan): die of the signal as if no
            // handler were installed. It is blocked while we run and is
            // delivered, with the default action, when we return.
            libc::signal(sig, libc::SIG_DFL);
            libc::raise(sig);
            *libc::__errno_location() = saved_errno;
            return;
        };
        if libc::gettid() != pid {
            // Another thread: the main thread drives the run, so it is the
            // one to stop. The signal is pending there until we return.
            libc::syscall(libc::SYS_tgkill, pid, pid, sig);
            *libc::__errno_location() = saved_errno;
            return;
        }
        stop_children();
        unlink_queues(pid as u32);
        for base in &plan.bases {
            remove::remove_prefixed(base, &plan.prefix);
        }
        let text = message(sig);
        libc::write(2, text.as_ptr().cast(), text.len());
        libc::_exit(128 + sig);
    }
}

/// Kills every tracked worker that is still our child, then reaps it
/// (bounded): a worker dead before its files go cannot make new ones.
///
/// # Safety
/// Async-signal-safe; call from the handler.
unsafe fn stop_children() {
    let ours = |pid: libc::pid_t| {
        // SAFETY: WNOWAIT only looks: the child stays waitable. ECHILD
        // means the pid is not (or no longer) a child of ours, so a pid
        // reused by a stranger is never killed.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        unsafe {
            libc::waitid(
                libc::P_PID,
                pid as libc::id_t,
                &mut info,
                libc::WEXITED | libc::WNOHANG | libc::WNOWAIT,
            ) == 0
        }
    };
    for slot in &CHILDREN {
        let pid = slot.load(SeqCst);
        if pid > 0 && ours(pid) {
            // SAFETY: kill on a child's pid.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
    }
    let deadline = now_nanos() + REAP_WITHIN.as_nanos() as u64;
    for slot in &CHILDREN {
        let pid = slot.load(SeqCst);
        if pid <= 0 {
            continue;
        }
        loop {
            let mut status = 0;
            // SAFETY: waitpid on a pid with a valid status pointer.
            let r = unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
            if r != 0 || now_nanos() >= deadline {
                break;
            }
            let pause = libc::timespec {
                tv_sec: 0,
                tv_nsec: 1_000_000,
            };
            // SAFETY: nanosleep with a valid timespec.
            unsafe { libc::nanosleep(&pause, std::ptr::null_mut()) };
        }
        slot.store(0, SeqCst);
    }
}

/// Unlinks every queue name still tracked.
///
/// # Safety
/// Async-signal-safe; call from the handler.
unsafe fn unlink_queues(pid: u32) {
    for slot in &QUEUES {
        let random = slot.load(SeqCst);
        if random != 0 {
            let mut buf = [0u8; 64];
            queue_name_into(&mut buf, pid, random);
            // SAFETY: `buf` holds a NUL-terminated name.
            unsafe {
                libc::mq_unlink(
                    CStr::from_bytes_until_nul(&buf)
                        .unwrap_or_default()
                        .as_ptr(),
                )
            };
        }
    }
}

/// CLOCK_MONOTONIC in nanoseconds (async-signal-safe).
fn now_nanos() -> u64 {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes into a valid timespec.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut now) };
    now.tv_sec as u64 * 1_000_000_000 + now.tv_nsec as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_queue_name_is_formatted_without_allocating() {
        let mut buf = [0u8; 64];
        let n = queue_name_into(&mut buf, 4021, 0x00ab_cdef_0123_4567);
        assert_eq!(&buf[..n], b"/racelab-4021-00abcdef01234567");
        assert_eq!(buf[n], 0);
    }

    #[test]
    fn a_slot_is_freed_when_its_guard_drops() {
        let slot = track_queue(0x5eed);
        let i = slot.0.expect("a free slot");
        assert_eq!(QUEUES[i].load(SeqCst), 0x5eed);
        drop(slot);
        assert_eq!(QUEUES[i].load(SeqCst), 0);
    }
}
