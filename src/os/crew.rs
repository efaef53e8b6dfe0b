//! Worker processes: forked together, released together, reaped always.
//!
//! - **Start barrier**: a pipe. Every worker blocks reading it; the parent
//!   closes its write end ([`Crew::start`]) and all of them read end-of-file
//!   at once. Each worker closes its inherited copy of the write end first,
//!   or the barrier would never open.
//! - **Results**: one pipe per worker. The worker writes its result as JSON
//!   and ends with `libc::_exit`, so none of the parent's destructors (temp
//!   dirs, guards) run twice and no buffered stdio is flushed twice.
//! - **Nothing outlives its test**: each worker asks the kernel for SIGKILL
//!   when its parent dies (`PR_SET_PDEATHSIG`); [`Crew::collect`] waits with
//!   a deadline and then kills; dropping a crew kills and reaps whatever is
//!   left. rusty-fork's timeout kills only the test process: the parent
//!   death signal takes the workers with it.
//! - A worker's panic is caught and reported as [`Failure::Panicked`]; it
//!   never unwinds into the copy of the test harness it inherited.
//! - **Progress**: each worker has a record on the crew's
//!   [`Board`] saying where it is and how many
//!   operations it completed; [`Crew::collect_watched`] stops waiting once
//!   none completed for the watchdog's stated time, and reports where each
//!   worker was ([`Failure::Stalled`]). [`Crew::collect_steps`] also hands
//!   back each worker's last steps from the board ([`Collected`]), read once
//!   every worker has ended or been killed.
//! - Start (or collect) a crew before forking the next: a worker forked
//!   while another crew's barrier is still shut inherits that barrier's
//!   write end and would keep it shut until the worker ends.

use crate::os::progress::{Board, LastSteps, Position, Step, Watchdog};
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::signal::{Signal, kill};
use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
use nix::unistd::{ForkResult, Pid, fork, getppid, pipe};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::time::{Duration, Instant};

/// How long a worker waits at the start barrier before giving up.
const BARRIER_LIMIT: Duration = Duration::from_secs(30);

/// Exit code of a worker whose start barrier never opened.
const NEVER_STARTED: i32 = 2;
/// Exit code of a worker whose parent was gone before it began.
const ORPHANED: i32 = 3;

/// Why a worker gave no result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The worker's body panicked; the panic's message.
    Panicked(String),
    /// Exited or was killed without a result (the status says how).
    Died(String),
    /// Still running at the deadline; killed.
    TimedOut,
    /// Still running when the run stalled (no operation completed by any
    /// worker for the watchdog's time); killed. Where it was.
    Stalled(Position),
    /// Never ran its body: the start barrier did not open, or its parent
    /// was gone. The crew's failure, not the worker's.
    NotStarted,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Panicked(m) => write!(f, "worker panicked: {m}"),
            Failure::Died(s) => write!(f, "worker died: {s}"),
            Failure::TimedOut => f.write_str("worker timed out and was killed"),
            Failure::Stalled(at) => write!(f, "worker stalled ({at}) and was killed"),
            Failure::NotStarted => f.write_str("worker never started"),
        }
    }
}

/// What [`Crew::collect_steps`] gathered: each worker's result and its
/// last steps, in spawn order.
#[derive(Debug)]
pub struct Collected<R> {
    /// Each worker's result, or why it gave none.
    pub results: Vec<Result<R, Failure>>,
    /// Each worker's last steps, read after every worker stopped.
    pub steps: Vec<LastSteps>,
}

struct Worker {
    pid: Pid,
    results: Option<File>,
    buffer: Vec<u8>,
    reaped: bool,
}

/// A group of forked workers.
pub struct Crew {
    workers: Vec<Worker>,
    start: Option<OwnedFd>,
    board: Board,
}

impl Crew {
    /// Forks `n` workers; worker `i` runs `body(i)` once the barrier opens.
    /// Call from a process whose other threads hold no lock the body needs
    /// (the allocator is fork-safe in glibc; stdout's lock may not be, so
    /// workers never print).
    pub fn spawn<R, F>(n: usize, body: F) -> std::io::Result<Crew>
    where
        R: Serialize,
        F: Fn(usize) -> R,
    {
        // Unflushed output would be written once by each worker as well.
        let _ = std::io::stdout().flush();
        let _ = std::io::stderr().flush();
        let board = Board::new(n)?;
        let (barrier_r, barrier_w) = pipe()?;
        let mut crew = Crew {
            workers: Vec::with_capacity(n),
            start: Some(barrier_w),
            board,
        };
        let parent = nix::unistd::getpid();
        for i in 0..n {
            let (results_r, results_w) = pipe()?;
            // SAFETY: the child only runs `worker_main`, which never returns
            // (it ends in `_exit`), touches no lock another thread of the
            // parent could hold except the allocator's, which glibc resets
            // in the child.
            let held = crate::os::cleanup::hold_signals();
            match unsafe { fork() }? {
                ForkResult::Child => {
                    crew.board.adopt(i);
                    let barrier_w = crew.start.take();
                    worker_main(parent, held, barrier_r, barrier_w, results_w, || body(i))
                }
                ForkResult::Parent { child } => {
                    // A signal to the run kills it (see `cleanup`); held
                    // until now, it finds the worker adopted.
                    crate::os::cleanup::adopt(child.as_raw());
                    held.release();
                    drop(results_w);
                    crew.workers.push(Worker {
                        pid: child,
                        results: Some(File::from(results_r)),
                        buffer: Vec::new(),
                        reaped: false,
                    });
                }
            }
        }
        Ok(crew)
    }

    /// The workers' process ids, in spawn order.
    pub fn pids(&self) -> Vec<Pid> {
        self.workers.iter().map(|w| w.pid).collect()
    }

    /// Where each worker is.
    pub fn board(&self) -> &Board {
        &self.board
    }

    /// Reads whatever results arrived, without waiting.
    pub fn poll(&mut self) {
        self.read_results(Instant::now(), &mut |_| false);
    }

    /// Whether worker `i` is done: its result (or its death) is in, as far
    /// as the last [`poll`](Self::poll) saw.
    pub fn ended(&self, i: usize) -> bool {
        self.workers[i].results.is_none()
    }

    /// Opens the start barrier: every worker begins at once.
    pub fn start(&mut self) {
        self.start = None;
    }

    /// Sends SIGKILL to worker `i` (the crash fault).
    pub fn kill(&self, i: usize) {
        let _ = kill(self.workers[i].pid, Signal::SIGKILL);
    }

    /// Starts the workers if not yet started, then waits up to `within` for
    /// every result; a worker still running at the deadline is killed.
    pub fn collect<R: DeserializeOwned>(self, within: Duration) -> Vec<Result<R, Failure>> {
        self.collect_until(within, &mut |_| false).results
    }

    /// [`collect`](Self::collect), but gives up as soon as `watchdog` says
    /// the run stalled: the workers still running are killed and reported
    /// [`Failure::Stalled`] with where each was. `within` still caps the
    /// whole wait ([`Failure::TimedOut`]).
    pub fn collect_watched<R: DeserializeOwned>(
        self,
        watchdog: &mut Watchdog,
        within: Duration,
    ) -> Vec<Result<R, Failure>> {
        self.collect_steps(watchdog, within).results
    }

    /// [`collect_watched`](Self::collect_watched), and each worker's last
    /// steps as its record on the board kept them: how each came to where
    /// it ended, for the trace of a failure.
    pub fn collect_steps<R: DeserializeOwned>(
        self,
        watchdog: &mut Watchdog,
        within: Duration,
    ) -> Collected<R> {
        self.collect_until(within, &mut |board| watchdog.stalled(board))
    }

    fn collect_until<R: DeserializeOwned>(
        mut self,
        within: Duration,
        stop: &mut dyn FnMut(&Board) -> bool,
    ) -> Collected<R> {
        self.start();
        let deadline = crate::os::deadline(within);
        let stalled = self
            .read_results(deadline, stop)
            .then(|| self.board.positions());
        let mut out = Vec::with_capacity(self.workers.len());
        for (i, w) in self.workers.iter_mut().enumerate() {
            let cut = w.results.is_some();
            if cut {
                let _ = kill(w.pid, Signal::SIGKILL);
            }
            let status = reap(w.pid, deadline.max(Instant::now()));
            w.reaped = true;
            crate::os::cleanup::disown(w.pid.as_raw());
            out.push(match (&stalled, cut) {
                (Some(at), true) if w.buffer.is_empty() => Err(Failure::Stalled(at[i])),
                _ => decode(&w.buffer, cut, status),
            });
        }
        // Every worker is reaped: nobody writes the board any more.
        Collected {
            results: out,
            steps: self.board.all_last_steps(),
        }
    }

    /// Reads results until every worker's pipe closed or `deadline`; true
    /// when `stop` ended the wait first.
    fn read_results(&mut self, deadline: Instant, stop: &mut dyn FnMut(&Board) -> bool) -> bool {
        loop {
            let open: Vec<usize> = (0..self.workers.len())
                .filter(|&i| self.workers[i].results.is_some())
                .collect();
            if open.is_empty() {
                return false;
            }
            if stop(&self.board) {
                return true;
            }
            // Past the deadline, one look that does not wait (`poll`).
            let left = deadline.saturating_duration_since(Instant::now());
            let ready: Vec<usize> = {
                let mut fds: Vec<PollFd> = open
                    .iter()
                    .map(|&i| {
                        let file = self.workers[i].results.as_ref().expect("open");
                        PollFd::new(file.as_fd(), PollFlags::POLLIN)
                    })
                    .collect();
                // Short slices: the stop condition is looked at between them.
                let ms = left.as_millis().min(100) as u16;
                match poll(&mut fds, PollTimeout::from(ms)) {
                    Err(nix::errno::Errno::EINTR) if !left.is_zero() => continue,
                    Err(_) => return false,
                    Ok(_) => {}
                }
                open.iter()
                    .zip(&fds)
                    .filter(|(_, fd)| fd.revents().is_some_and(|r| !r.is_empty()))
                    .map(|(&i, _)| i)
                    .collect()
            };
            if ready.is_empty() && left.is_zero() {
                return false;
            }
            for i in ready {
                let w = &mut self.workers[i];
                let mut chunk = [0u8; 4096];
                let file = w.results.as_mut().expect("open");
                match file.read(&mut chunk) {
                    Ok(0) | Err(_) => w.results = None,
                    Ok(n) => w.buffer.extend_from_slice(&chunk[..n]),
                }
            }
        }
    }
}

impl Drop for Crew {
    fn drop(&mut self) {
        for w in self.workers.iter().filter(|w| !w.reaped) {
            let _ = kill(w.pid, Signal::SIGKILL);
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        for w in self.workers.iter_mut().filter(|w| !w.reaped) {
            reap(w.pid, deadline);
            w.reaped = true;
            crate::os::cleanup::disown(w.pid.as_raw());
        }
    }
}

/// Waits for `pid` until `deadline`, then kills it and waits for the
/// SIGKILL to land (a killed process always ends).
fn reap(pid: Pid, deadline: Instant) -> Option<WaitStatus> {
    loop {
        match waitpid(pid, Some(WaitPidFlag::WNOHANG)) {
            Ok(WaitStatus::StillAlive) => {}
            Ok(status) => return Some(status),
            Err(_) => return None,
        }
        if Instant::now() >= deadline {
            let _ = kill(pid, Signal::SIGKILL);
            return waitpid(pid, None).ok();
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// A worker's bytes: `O` + JSON for a result, `P` + message for a panic.
fn decode<R: DeserializeOwned>(
    bytes: &[u8],
    timed_out: bool,
    status: Option<WaitStatus>,
) -> Result<R, Failure> {
    match bytes.split_first() {
        Some((b'O', json)) => serde_json::from_slice(json)
            .map_err(|e| Failure::Died(format!("unreadable result ({e})"))),
        Some((b'P', message)) => Err(Failure::Panicked(
            String::from_utf8_lossy(message).into_owned(),
        )),
        _ if timed_out => Err(Failure::TimedOut),
        _ => match status {
            Some(WaitStatus::Exited(_, NEVER_STARTED | ORPHANED)) => Err(Failure::NotStarted),
            _ => Err(Failure::Died(describe(status))),
        },
    }
}

/// "exited with 1", "killed by SIGSEGV".
fn describe(status: Option<WaitStatus>) -> String {
    match status {
        Some(WaitStatus::Exited(_, code)) => format!("exited with {code} and no result"),
        Some(WaitStatus::Signaled(_, signal, _)) => format!("killed by {signal}"),
        Some(other) => format!("{other:?}"),
        None => "gone (could not be waited for)".to_string(),
    }
}

fn worker_main<R: Serialize>(
    parent: Pid,
    held: crate::os::cleanup::Held,
    barrier: OwnedFd,
    barrier_w: Option<OwnedFd>,
    results: OwnedFd,
    body: impl FnOnce() -> R,
) -> ! {
    drop(barrier_w);
    // A failed prctl leaves only the crew's own deadline to stop us; the
    // getppid check closes the race where the parent died before it.
    let _ = nix::sys::prctl::set_pdeathsig(Signal::SIGKILL);
    if getppid() != parent {
        // SAFETY: _exit ends the process without running any destructor.
        unsafe { libc::_exit(ORPHANED) }
    }
    // Now a signal to the parent takes us with it, however it ends.
    held.release();
    std::panic::set_hook(Box::new(|_| {}));
    let mut results = File::from(results);
    let code = if wait_barrier(&barrier) {
        crate::os::progress::enter(Step::Running);
        let ended = std::panic::catch_unwind(std::panic::AssertUnwindSafe(body));
        crate::os::progress::enter(Step::Ended);
        match ended {
            Ok(value) => {
                let mut bytes = vec![b'O'];
                bytes.extend(serde_json::to_vec(&value).unwrap_or_default());
                i32::from(results.write_all(&bytes).is_err())
            }
            Err(payload) => {
                let mut bytes = vec![b'P'];
                bytes.extend(crate::check::panic_message(payload.as_ref()).into_bytes());
                let _ = results.write_all(&bytes);
                101
            }
        }
    } else {
        NEVER_STARTED
    };
    drop(results);
    // SAFETY: _exit ends the process without running the destructors of the
    // parent's objects this child inherited (temp dirs, crews, guards).
    unsafe { libc::_exit(code) }
}

/// Blocks until the parent closes the barrier's write end (end-of-file).
fn wait_barrier(barrier: &OwnedFd) -> bool {
    let deadline = Instant::now() + BARRIER_LIMIT;
    // Nothing here may panic: a panic outside `catch_unwind` would unwind
    // into the copy of the parent's code this child inherited.
    let Ok(fd) = barrier.try_clone() else {
        return false;
    };
    let mut file = File::from(fd);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return false;
        }
        let mut fds = [PollFd::new(barrier.as_fd(), PollFlags::POLLIN)];
        let ms = left.as_millis().clamp(1, 1000) as u16;
        if poll(&mut fds, PollTimeout::from(ms)).unwrap_or(0) > 0 {
            let mut byte = [0u8; 1];
            return matches!(file.read(&mut byte), Ok(0));
        }
    }
}
