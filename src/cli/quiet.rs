//! Keeps shuttle's own failure printout ("test panicked in task ...") off
//! the terminal while a shuttle cell runs: the matrix reports the failure
//! itself, with the seed that replays it.

use nix::unistd::{dup, dup2_stderr};
use std::os::fd::OwnedFd;

/// Sends stderr to /dev/null until dropped.
pub struct QuietStderr(Option<OwnedFd>);

impl QuietStderr {
    pub fn new() -> Self {
        let saved = dup(std::io::stderr()).ok();
        if saved.is_some()
            && let Ok(null) = std::fs::OpenOptions::new().write(true).open("/dev/null")
        {
            let _ = dup2_stderr(&null);
        }
        QuietStderr(saved)
    }
}

impl Drop for QuietStderr {
    fn drop(&mut self) {
        if let Some(saved) = self.0.take() {
            let _ = dup2_stderr(&saved);
        }
    }
}
