//! A racelab process under test, seen from outside: started from the real
//! binary, its private directory and its workers found through the file
//! system and /proc, every wait bounded.

use super::tidy;
use racelab::os::arena::{base_dir, leftovers};
use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant, SystemTime};

/// Longer than anything here takes on a loaded 2-core machine; reaching it
/// is a failure, never a hang.
pub const PATIENCE: Duration = Duration::from_secs(60);

pub fn racelab() -> Command {
    Command::new(env!("CARGO_BIN_EXE_racelab"))
}

/// Runs racelab to the end (bounded by [`PATIENCE`]).
pub fn run(args: &[&str]) -> Output {
    let mut command = racelab();
    command.args(args);
    run_command(command)
}

/// Runs `command` to the end (bounded by [`PATIENCE`]); the run must
/// leave no entry behind ([`tidy::after_run`]).
pub fn run_command(mut command: Command) -> Output {
    let args: Vec<_> = command.get_args().map(|a| a.to_owned()).collect();
    let since = SystemTime::now();
    let child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("racelab starts");
    let pid = child.id() as i32;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || tx.send(child.wait_with_output()));
    match rx.recv_timeout(PATIENCE) {
        Ok(output) => {
            tidy::after_run(pid as u32, since, &format!("{args:?}"));
            output.expect("output")
        }
        Err(_) => {
            // SAFETY: kill sends SIGKILL to our own child.
            unsafe { libc::kill(pid, libc::SIGKILL) };
            panic!("racelab {args:?} did not end within {PATIENCE:?}");
        }
    }
}

/// A racelab run in progress; killed with SIGKILL if dropped unfinished.
/// The test's [`tidy::Tidy`] answers for what it leaves.
pub struct Live {
    pub child: Child,
}

impl Live {
    /// Starts `racelab args`, stdout discarded, stderr kept.
    pub fn start(args: &[&str]) -> Live {
        let mut command = racelab();
        command
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        Live::spawn(command)
    }

    /// Starts `command` (a [`racelab`] command).
    pub fn spawn(mut command: Command) -> Live {
        let child = command.spawn().expect("racelab starts");
        tidy::started(child.id());
        Live { child }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Its private directories (by the pid in their names).
    pub fn dirs(&self) -> Vec<PathBuf> {
        leftovers(&base_dir(), Some(self.pid()))
    }

    /// Waits until it has made its directory and forked `workers`
    /// workers; returns the directory and the workers' pids.
    pub fn running(&mut self, workers: usize) -> (PathBuf, Vec<i32>) {
        let started = Instant::now();
        loop {
            let dirs = self.dirs();
            let kids = children(self.pid() as i32);
            if dirs.len() == 1 && kids.len() >= workers {
                return (dirs[0].clone(), kids);
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("racelab ended before its workers ran: {status:?}");
            }
            assert!(started.elapsed() < PATIENCE, "no directory or workers");
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    pub fn signal(&self, signal: libc::c_int) {
        // SAFETY: kill only sends a signal to our own child.
        assert_eq!(unsafe { libc::kill(self.pid() as i32, signal) }, 0);
    }

    /// Waits (bounded) for it to end.
    pub fn wait(&mut self) -> ExitStatus {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status;
            }
            if started.elapsed() > PATIENCE {
                let _ = self.child.kill();
                panic!("racelab did not end within {PATIENCE:?}");
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Its stderr, once it has ended.
    pub fn stderr(&mut self) -> String {
        use std::io::Read;
        let mut text = String::new();
        if let Some(mut err) = self.child.stderr.take() {
            let _ = err.read_to_string(&mut text);
        }
        text
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The pids whose parent is `pid`.
pub fn children(pid: i32) -> Vec<i32> {
    tidy::processes()
        .into_iter()
        .filter(|p| p.ppid as i32 == pid)
        .map(|p| p.pid as i32)
        .collect()
}

/// Gone, or a zombie: it runs no more code.
pub fn dead(pid: i32) -> bool {
    tidy::process(pid as u32).is_none_or(|p| p.zombie)
}

/// Waits (bounded) until every pid in `pids` is dead.
pub fn all_dead(pids: &[i32]) -> bool {
    let started = Instant::now();
    while started.elapsed() < PATIENCE {
        if pids.iter().all(|&p| dead(p)) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    false
}

/// How a run ended, for messages: "exit 130" or "signal 9".
pub fn how(status: &ExitStatus) -> String {
    match (status.code(), status.signal()) {
        (Some(c), _) => format!("exit {c}"),
        (None, Some(s)) => format!("signal {s}"),
        _ => format!("{status:?}"),
    }
}
