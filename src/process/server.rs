//! The server strategy (the lessons' `Manager`): one process owns the
//! counter and the ticket office in its own memory and answers one request
//! per connection over a Unix socket in the run's private arena. Requests
//! are served one at a time, so each is atomic by construction; no worker
//! ever holds a lock. **Correct.**
//!
//! Framing: a stream socket has no message boundaries (one `recv(1024)` is
//! not one message, a pitfall of the lessons' socket code), so a request
//! and its answer are each one line, read up to the newline.
//!
//! Kill -9 of a client: it held nothing; the server drops the half-read
//! request at end-of-file or after a read timeout (`KillOutcome::Unaffected`).

use crate::os::arena::Arena;
use crate::os::crew::{Crew, Failure};
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::os::fd::AsFd;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How long the server waits for one request line.
const READ_LIMIT: Duration = Duration::from_secs(1);

/// The state the server owns, returned when it is told to quit.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct State {
    pub counter: i64,
    pub capacity: usize,
    pub remaining: i64,
    pub ledger: BTreeMap<usize, usize>,
}

/// A running server: its process and its socket's path.
pub struct Server {
    crew: Crew,
    path: PathBuf,
}

impl Server {
    /// Binds the socket (before the fork, so clients can connect at once)
    /// and starts the server with `capacity` tickets; it serves for at
    /// most `lifetime`.
    pub fn start(arena: &Arena, capacity: usize, lifetime: Duration) -> std::io::Result<Server> {
        let path = arena.file("server.sock");
        let listener = UnixListener::bind(&path)?;
        let mut crew = Crew::spawn(1, |_| serve(&listener, capacity, lifetime))?;
        crew.start();
        Ok(Server { crew, path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Tells the server to quit and returns the state it owned.
    pub fn stop(self, within: Duration) -> Result<State, Failure> {
        let _ = request(&self.path, "quit");
        self.crew
            .collect::<State>(within)
            .pop()
            .unwrap_or(Err(Failure::TimedOut))
    }
}

/// Sends one request line and returns the answer line.
pub fn request(path: &Path, line: &str) -> std::io::Result<String> {
    let mut stream = UnixStream::connect(path)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    stream.write_all(format!("{line}\n").as_bytes())?;
    let mut answer = String::new();
    BufReader::new(stream).read_line(&mut answer)?;
    Ok(answer.trim_end().to_string())
}

fn serve(listener: &UnixListener, capacity: usize, lifetime: Duration) -> State {
    let mut state = State {
        capacity,
        remaining: capacity as i64,
        ..State::default()
    };
    serve_lines(listener, lifetime, |stream, line| {
        answer(stream, line, &mut state)
    });
    state
}

/// Serves connections on `listener` one at a time for at most `lifetime`:
/// reads one request line from each and hands it to `answer`, which writes
/// the reply and returns false to stop serving. A connection that sends no
/// full line within [`READ_LIMIT`] (a client killed mid-request) is dropped.
pub(crate) fn serve_lines(
    listener: &UnixListener,
    lifetime: Duration,
    mut answer: impl FnMut(&UnixStream, &str) -> bool,
) {
    let deadline = Instant::now() + lifetime;
    while Instant::now() < deadline {
        let mut fds = [PollFd::new(listener.as_fd(), PollFlags::POLLIN)];
        if poll(&mut fds, PollTimeout::from(100u16)).unwrap_or(0) == 0 {
            continue;
        }
        let Ok((stream, _)) = listener.accept() else {
            continue;
        };
        let _ = stream.set_read_timeout(Some(READ_LIMIT));
        let mut line = String::new();
        if BufReader::new(&stream).read_line(&mut line).is_err() || !line.ends_with('\n') {
            continue;
        }
        if !answer(&stream, &line) {
            break;
        }
    }
}

/// Answers one request line; false when told to quit.
fn answer(stream: &UnixStream, line: &str, state: &mut State) -> bool {
    let mut words = line.split_whitespace();
    let reply = match (words.next(), words.next().map(str::parse::<usize>)) {
        (Some("inc"), _) => {
            state.counter += 1;
            "ok".to_string()
        }
        (Some("dec"), _) => {
            state.counter -= 1;
            "ok".to_string()
        }
        (Some("get"), _) => state.counter.to_string(),
        (Some("search"), _) => state.remaining.to_string(),
        (Some("buy"), Some(Ok(buyer))) if state.remaining > 0 => {
            let seat = state.capacity - state.remaining as usize;
            state.remaining -= 1;
            state.ledger.insert(seat, buyer);
            format!("seat {seat}")
        }
        (Some("buy"), Some(Ok(_))) => "soldout".to_string(),
        (Some("quit"), _) => {
            let _ = { stream }.write_all(b"bye\n");
            return false;
        }
        _ => "error".to_string(),
    };
    let _ = { stream }.write_all(format!("{reply}\n").as_bytes());
    true
}
