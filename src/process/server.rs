//! The server strategy (the manager design of docs/scenarios.md §1): one
//! process owns the counter and the ticket office in its own memory and
//! answers one request per connection over a Unix socket in the run's
//! private arena. Requests are served one at a time, so each is atomic by
//! construction; no worker ever holds a lock. **Correct.**
//!
//! Framing: a stream socket has no message boundaries (one `recv(1024)` is
//! not one message, a pitfall in docs/scenarios.md), so a request and its
//! answer are each one line, read up to the newline.
//!
//! Kill -9 of a client: it held nothing; the server drops the half-read
//! request at end-of-file or after a read timeout (`KillOutcome::Unaffected`).

use super::counter::ProcessCounter;
use super::failure::{RunError, WorkerError};
use super::kill::{Aftermath, Tried, Victim};
use super::strategy::{Expected, Facts, KillOutcome, OwnForms, Site};
use super::tickets::books::by_seat;
use super::tickets::office::{ProcessOffice, Sale};
use super::{Pace, ProcessConfig, SetupError};
use crate::os::arena::Arena;
use crate::os::crew::{Crew, Failure};
use crate::os::progress::{self, Step};
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
pub struct ServerState {
    /// The counter's value.
    pub counter: i64,
    /// Seats in the hall.
    pub capacity: usize,
    /// Tickets left.
    pub remaining: i64,
    /// Seat -> buyer, for every seat sold.
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

    /// The socket's path, where clients connect.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Tells the server to quit and returns the state it owned.
    pub fn stop(self, within: Duration) -> Result<ServerState, Failure> {
        let _ = request(&self.path, "quit");
        self.crew
            .collect::<ServerState>(within)
            .pop()
            .unwrap_or(Err(Failure::TimedOut))
    }
}

impl Facts for Server {
    const NAME: &'static str = "server";
    const SUMMARY: &'static str = "a server process owns the state (Unix socket)";
}

impl Expected for Server {
    const CORRECT: bool = true;
    const KILL_OUTCOME: KillOutcome = KillOutcome::Unaffected;
}

impl OwnForms for Server {
    fn counter<'a>(site: &Site<'a>) -> Box<dyn ProcessCounter + 'a> {
        Box::new(ServerCounter(Client::new(site.arena)))
    }

    fn office<'a>(site: &Site<'a>, _capacity: usize) -> Box<dyn ProcessOffice + 'a> {
        Box::new(ServerOffice(Client::new(site.arena)))
    }
}

/// A worker's way to the server: started by the parent before the fork,
/// asked by each worker after it.
struct Client<'a> {
    arena: &'a Arena,
    server: Option<Server>,
    socket: Option<PathBuf>,
}

impl<'a> Client<'a> {
    fn new(arena: &'a Arena) -> Client<'a> {
        Client {
            arena,
            server: None,
            socket: None,
        }
    }

    /// Starts the server with `capacity` tickets, for at most `lifetime`.
    fn start(&mut self, capacity: usize, lifetime: Duration) -> Result<(), SetupError> {
        let server = Server::start(self.arena, capacity, lifetime)
            .map_err(|e| SetupError::new("the server", e))?;
        self.socket = Some(server.path().to_path_buf());
        self.server = Some(server);
        Ok(())
    }

    fn socket(&self) -> Result<&Path, WorkerError> {
        self.socket
            .as_deref()
            .ok_or_else(|| WorkerError::Setup("no server".into()))
    }

    /// One request, recorded on the progress board.
    fn ask(&self, line: &str) -> Result<String, WorkerError> {
        let socket = self.socket()?;
        progress::enter(Step::Request);
        let answer =
            request(socket, line).map_err(|e| WorkerError::Store(format!("the server: {e}")))?;
        progress::finish();
        Ok(answer)
    }

    /// Stops the server and returns the state it owned.
    fn stop(&mut self, within: Duration) -> Result<ServerState, Failure> {
        let server = self.server.take().ok_or(Failure::NotStarted)?;
        server.stop(within)
    }
}

/// The counter the server owns: `inc` and `dec` requests.
struct ServerCounter<'a>(Client<'a>);

impl ProcessCounter for ServerCounter<'_> {
    fn open(&mut self, lifetime: Duration) -> Result<(), SetupError> {
        self.0.start(0, lifetime)
    }

    fn add(&mut self, delta: i64, _pace: &Pace<'_>) -> Result<(), WorkerError> {
        self.0.ask(if delta > 0 { "inc" } else { "dec" })?;
        Ok(())
    }

    fn value(&mut self, within: Duration) -> Result<i64, SetupError> {
        self.0
            .stop(within)
            .map(|state| state.counter)
            .map_err(|e| SetupError::new("stopping the server", e))
    }
}

/// The ticket office the server owns: `search` and `buy` requests.
struct ServerOffice<'a>(Client<'a>);

impl ProcessOffice for ServerOffice<'_> {
    fn open(&mut self, tickets: usize, config: &ProcessConfig) -> Result<(), RunError> {
        Ok(self.0.start(tickets, config.deadline)?)
    }

    fn search(&self) -> i64 {
        self.0
            .ask("search")
            .ok()
            .and_then(|a| a.parse().ok())
            .unwrap_or(-1)
    }

    fn buy(&mut self, buyer: usize, _pace: &Pace<'_>) -> Result<Sale, WorkerError> {
        let answer = self.0.ask(&format!("buy {buyer}"))?;
        let seat = match answer.strip_prefix("seat ") {
            Some(seat) => Some(
                seat.parse()
                    .map_err(|_| WorkerError::BadAnswer(answer.clone()))?,
            ),
            None if answer == "soldout" => None,
            None => return Err(WorkerError::BadAnswer(answer)),
        };
        Ok(Sale { seat, held: None })
    }

    fn books(&mut self, within: Duration) -> Result<(i64, Vec<Option<usize>>), WorkerError> {
        let state = self
            .0
            .stop(within)
            .map_err(|e| WorkerError::Store(format!("the server: {e}")))?;
        Ok((state.remaining, by_seat(state.ledger, state.capacity)))
    }

    /// Half a request: connected, `buy 0` sent, no newline yet.
    fn hold(&mut self, _victim: Victim, then: &mut dyn FnMut()) -> Result<(), WorkerError> {
        let server = |e: std::io::Error| WorkerError::Store(format!("the server: {e}"));
        let mut stream = UnixStream::connect(self.0.socket()?).map_err(server)?;
        stream.write_all(b"buy 0").map_err(server)?;
        then();
        drop(stream);
        Ok(())
    }

    fn probe(&mut self, _within: Duration) -> Tried {
        // No lock: nothing keeps a second buyer out.
        Tried::Took
    }

    /// The server still answers; then it is stopped.
    fn aftermath(&mut self) -> std::io::Result<Aftermath> {
        let socket = self
            .0
            .socket()
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        let seen = request(socket, "search")?;
        let _ = self.0.stop(Duration::from_secs(5));
        Ok(Aftermath::ServerAnswers(seen))
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

fn serve(listener: &UnixListener, capacity: usize, lifetime: Duration) -> ServerState {
    let mut state = ServerState {
        capacity,
        remaining: capacity as i64,
        ..ServerState::default()
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
fn answer(stream: &UnixStream, line: &str, state: &mut ServerState) -> bool {
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
