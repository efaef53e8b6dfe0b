//! The signal timeout of docs/scenarios.md §5: `open` of a fifo for
//! reading blocks until a writer opens it; an alarm set before the open
//! interrupts it, and `open` fails with EINTR instead of hanging for ever.
//!
//! The open runs in a forked worker: a single-threaded process, so the
//! process-directed SIGALRM lands on the thread blocked in `open` (in a
//! test harness it could land on another thread and interrupt nothing).
//! The handler is installed without SA_RESTART, or the kernel would restart
//! the open. The crew's deadline bounds the run even if the alarm failed.

use super::worker_error;
use crate::os::arena::Arena;
use crate::os::crew::Crew;
use nix::fcntl::{OFlag, open};
use nix::sys::signal::{SaFlags, SigAction, SigHandler, SigSet, Signal, sigaction};
use nix::sys::stat::Mode;
use serde::{Deserialize, Serialize};
use std::io;
use std::time::{Duration, Instant};

/// How the worker's blocking `open` of the fifo ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum OpenOutcome {
    /// `open` failed with EINTR: the alarm cut the wait short.
    Interrupted,
    /// `open` returned: a writer was there.
    Opened,
    /// Something else went wrong (installing the handler, or `open` with
    /// another error); the text says what.
    Failed(String),
}

/// What the worker saw when it opened the fifo under an alarm.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlarmReport {
    /// How the open ended.
    pub outcome: OpenOutcome,
    /// How long the open took (reported, never asserted).
    pub waited_ms: u64,
}

extern "C" fn on_alarm(_: libc::c_int) {}

/// A worker sets an alarm of `seconds` and opens a fresh fifo for reading;
/// if `with_writer`, the parent holds the fifo open for writing first.
pub fn open_fifo_with_alarm(seconds: u32, with_writer: bool) -> io::Result<AlarmReport> {
    if seconds == 0 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "an alarm of 0 seconds is no alarm",
        ));
    }
    let arena = Arena::new()?;
    let path = arena.file("alarm.fifo");
    nix::unistd::mkfifo(&path, Mode::S_IRUSR | Mode::S_IWUSR)?;
    // O_RDWR on a fifo never blocks on Linux and counts as a writer.
    let _writer = if with_writer {
        Some(open(
            &path,
            OFlag::O_RDWR | OFlag::O_CLOEXEC,
            Mode::empty(),
        )?)
    } else {
        None
    };
    let crew = Crew::spawn(1, |_| {
        let action = SigAction::new(
            SigHandler::Handler(on_alarm),
            SaFlags::empty(),
            SigSet::empty(),
        );
        // SAFETY: the handler does nothing, so it is async-signal-safe.
        if let Err(e) = unsafe { sigaction(Signal::SIGALRM, &action) } {
            return AlarmReport {
                outcome: OpenOutcome::Failed(format!("sigaction: {e}")),
                waited_ms: 0,
            };
        }
        let started = Instant::now();
        nix::unistd::alarm::set(seconds);
        let opened = open(&path, OFlag::O_RDONLY | OFlag::O_CLOEXEC, Mode::empty());
        nix::unistd::alarm::cancel();
        let outcome = match opened {
            Ok(_) => OpenOutcome::Opened,
            Err(nix::errno::Errno::EINTR) => OpenOutcome::Interrupted,
            Err(e) => OpenOutcome::Failed(e.to_string()),
        };
        AlarmReport {
            outcome,
            waited_ms: started.elapsed().as_millis() as u64,
        }
    })?;
    let within = Duration::from_secs(u64::from(seconds) + 10);
    crew.collect::<AlarmReport>(within)
        .pop()
        .expect("one worker")
        .map_err(|f| worker_error("fifo opener", f))
}
