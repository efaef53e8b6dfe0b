//! Waiting without a wakeup to wait on: look, sleep a little, look again,
//! until a bound passes. Nothing here waits forever.
//!
//! - [`poll_until`]: a condition in shared memory (a counter, a flag),
//!   looked at with a growing sleep: a join, a race window, a close.
//! - [`try_poll_until`]: an attempt that may fail, with the sleep the
//!   caller picks ([`Nap`]): a lock's acquire looks every 50 µs.
//! - [`wait_for`]: one bounded `poll(2)` on a descriptor, for a caller
//!   that then tries its non-blocking read or write again.

use nix::errno::Errno;
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use std::convert::Infallible;
use std::os::fd::AsFd;
use std::time::{Duration, Instant};

/// How long a poll sleeps between two looks: `first`, doubled after each
/// look up to `most`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Nap {
    /// The sleep after the first look.
    pub first: Duration,
    /// The longest sleep, once doubling reaches it.
    pub most: Duration,
}

impl Nap {
    /// 50 µs every time: a lock's holder usually lets go within
    /// microseconds, and a waiter should take it soon after.
    pub const STEADY: Nap = Nap {
        first: Duration::from_micros(50),
        most: Duration::from_micros(50),
    };

    /// 50 µs growing to 2 ms: a wait that may last (a join, a window).
    pub const GROWING: Nap = Nap {
        first: Duration::from_micros(50),
        most: Duration::from_millis(2),
    };
}

/// Looks at `ready` with a [growing](Nap::GROWING) sleep until it holds or
/// `within` passes; whether it held.
pub fn poll_until(within: Duration, mut ready: impl FnMut() -> bool) -> bool {
    match try_poll_until(within, Nap::GROWING, || Ok::<_, Infallible>(ready())) {
        Ok(held) => held,
        Err(never) => match never {},
    }
}

/// Tries `attempt`, sleeping `nap` between tries, until it answers
/// `Ok(true)` (then `Ok(true)`), fails (its error), or `within` passes
/// (`Ok(false)`). It is always tried at least once.
pub fn try_poll_until<E>(
    within: Duration,
    nap: Nap,
    mut attempt: impl FnMut() -> Result<bool, E>,
) -> Result<bool, E> {
    let deadline = crate::os::deadline(within);
    let mut sleep = nap.first;
    loop {
        if attempt()? {
            return Ok(true);
        }
        let now = Instant::now();
        if now >= deadline {
            return Ok(false);
        }
        std::thread::sleep(sleep.min(deadline - now));
        sleep = (sleep * 2).min(nap.most);
    }
}

/// Polls `fd` for `events` for at most `left`, and at most a second (then
/// the caller looks at its own bounds again). A signal is a wakeup like any
/// other (`EINTR` is no error): the caller tries again either way.
pub fn wait_for(fd: &impl AsFd, events: PollFlags, left: Duration) -> nix::Result<()> {
    let ms = left.as_micros().div_ceil(1000).min(1_000) as u16;
    let mut fds = [PollFd::new(fd.as_fd(), events)];
    match poll(&mut fds, PollTimeout::from(ms)) {
        Ok(_) | Err(Errno::EINTR) => Ok(()),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_condition_that_holds_is_seen_at_once() {
        assert!(poll_until(Duration::ZERO, || true));
    }

    #[test]
    fn a_condition_that_never_holds_gives_up_at_the_bound() {
        let started = Instant::now();
        assert!(!poll_until(Duration::from_millis(20), || false));
        assert!(started.elapsed() >= Duration::from_millis(20));
    }

    #[test]
    fn a_failing_attempt_ends_the_poll_with_its_error() {
        let mut tries = 0;
        let got = try_poll_until(Duration::from_secs(5), Nap::STEADY, || {
            tries += 1;
            if tries < 3 { Ok(false) } else { Err(tries) }
        });
        assert_eq!(got, Err(3));
    }
}
