//! The manager queue of docs/scenarios.md §3 ("a process-safe queue lives
//! in a server process"): one server process owns the items in its
//! own memory, a `VecDeque` bounded at the capacity, and answers one
//! request per connection over a Unix socket in the run's private arena.
//! It serves one request at a time, so each put and get is atomic by
//! construction; no client ever holds a lock.
//!
//! Requests and answers are lines (a stream socket has no message
//! boundaries): `put N` → `ok` | `full` | `closed`; `get` → `item N` |
//! `empty` | `closed` (only once drained); `close`; `stats` → the high
//! water mark; `quit`. The server never blocks on a client's behalf: a
//! blocking put or get is the client asking again, with a growing pause
//! (50 µs to 2 ms), until its bound runs out. task_done and join use the
//! shared [`Ledger`], like every other process queue.
//!
//! Kill -9 of a client: it held nothing. If the server itself dies, the
//! items die with it; no client hangs (each request has a 10 s read
//! timeout and fails with an error naming the manager).

use super::ledger::Ledger;
use super::{ProcessQueue, QueueError};
use crate::os::arena::Arena;
use crate::os::crew::Crew;
use crate::os::poll::poll_until;
use crate::process::server::{request, serve_lines};
use std::collections::VecDeque;
use std::io::Write;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::PathBuf;
use std::time::Duration;

/// How long the server lives at most (a run takes well under a second).
const LIFETIME: Duration = Duration::from_secs(300);

/// A queue owned by a server process, reached over a Unix socket.
pub struct Manager {
    path: PathBuf,
    capacity: usize,
    ledger: Ledger,
    server: Option<Crew>,
    creator: u32,
}

impl Manager {
    /// Binds the socket and starts the server (in the parent, before any
    /// other fork: the server's crew is started at once).
    pub fn new(arena: &Arena, capacity: usize) -> std::io::Result<Manager> {
        if capacity == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "capacity must be at least 1",
            ));
        }
        let ledger = Ledger::new(arena, "manager")?;
        let path = arena.file("manager.sock");
        let listener = UnixListener::bind(&path)?;
        let mut server = Crew::spawn(1, |_| serve(&listener, capacity))?;
        server.start();
        Ok(Manager {
            path,
            capacity,
            ledger,
            server: Some(server),
            creator: std::process::id(),
        })
    }

    fn ask(&self, line: &str) -> Result<String, QueueError> {
        request(&self.path, line)
            .map_err(|e| QueueError::Os(format!("the manager process did not answer: {e}")))
    }

    /// Asks `line` until the answer is not `busy`, or `within` runs out;
    /// the last answer.
    fn ask_until(&self, line: &str, busy: &str, within: Duration) -> Result<String, QueueError> {
        let mut answer = Ok(String::new());
        poll_until(within, || {
            answer = self.ask(line);
            !matches!(&answer, Ok(a) if a == busy)
        });
        answer
    }
}

impl ProcessQueue for Manager {
    fn capacity(&self) -> Option<usize> {
        Some(self.capacity)
    }

    fn put(&self, item: u64, within: Duration) -> Result<(), QueueError> {
        let _blocked = self.ledger.blocking();
        self.ledger.will_put(item);
        let answer = self.ask_until(&format!("put {item}"), "full", within);
        self.ledger
            .did_put(item, matches!(answer.as_deref(), Ok("ok")));
        match answer?.as_str() {
            "ok" => Ok(()),
            "full" => Err(QueueError::Full),
            "closed" => Err(QueueError::Closed),
            other => Err(QueueError::Corrupt(format!(
                "the manager answered `{other}`"
            ))),
        }
    }

    fn get(&self, within: Duration) -> Result<u64, QueueError> {
        let _blocked = self.ledger.blocking();
        let answer = self.ask_until("get", "empty", within)?;
        match answer.split_once(' ') {
            Some(("item", n)) => {
                let item = n
                    .parse()
                    .map_err(|_| QueueError::Corrupt(format!("the manager answered `{answer}`")))?;
                self.ledger.took(item);
                Ok(item)
            }
            _ if answer == "empty" => Err(QueueError::Empty),
            _ if answer == "closed" => Err(QueueError::Closed),
            _ => Err(QueueError::Corrupt(format!(
                "the manager answered `{answer}`"
            ))),
        }
    }

    fn close(&self) -> Result<(), QueueError> {
        self.ledger.close();
        match self.ask("close")?.as_str() {
            "ok" => Ok(()),
            other => Err(QueueError::Corrupt(format!(
                "the manager answered `{other}`"
            ))),
        }
    }

    fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    fn high_water(&self) -> Option<usize> {
        self.ask("stats").ok()?.parse().ok()
    }
}

impl Drop for Manager {
    fn drop(&mut self) {
        // Only the parent that started the server stops it (a worker's
        // copy is never dropped, it ends in _exit, but be explicit).
        if std::process::id() == self.creator
            && let Some(server) = self.server.take()
        {
            let _ = request(&self.path, "quit");
            let _ = server.collect::<()>(Duration::from_secs(5));
        }
    }
}

/// The server's state, in its own memory only.
struct Items {
    queue: VecDeque<u64>,
    capacity: usize,
    closed: bool,
    high_water: usize,
}

fn serve(listener: &UnixListener, capacity: usize) {
    let mut items = Items {
        queue: VecDeque::with_capacity(capacity),
        capacity,
        closed: false,
        high_water: 0,
    };
    serve_lines(listener, LIFETIME, |stream, line| {
        answer(stream, line, &mut items)
    });
}

/// Answers one request line; false when told to quit.
fn answer(stream: &UnixStream, line: &str, items: &mut Items) -> bool {
    let mut words = line.split_whitespace();
    let reply = match (words.next(), words.next().map(str::parse::<u64>)) {
        (Some("put"), Some(Ok(_))) if items.closed => "closed".to_string(),
        (Some("put"), Some(Ok(_))) if items.queue.len() >= items.capacity => "full".to_string(),
        (Some("put"), Some(Ok(item))) => {
            items.queue.push_back(item);
            items.high_water = items.high_water.max(items.queue.len());
            "ok".to_string()
        }
        (Some("get"), None) => match items.queue.pop_front() {
            Some(item) => format!("item {item}"),
            None if items.closed => "closed".to_string(),
            None => "empty".to_string(),
        },
        (Some("close"), None) => {
            items.closed = true;
            "ok".to_string()
        }
        (Some("stats"), None) => items.high_water.to_string(),
        (Some("quit"), None) => {
            let _ = { stream }.write_all(b"bye\n");
            return false;
        }
        _ => format!("error: {}", line.trim_end()),
    };
    let _ = { stream }.write_all(format!("{reply}\n").as_bytes());
    true
}
