//! The crash fault: kill -9 a worker while it holds the lock, mid-buy, and
//! see what became of the lock and of the ticket office.
//!
//! 1. The victim takes the lock, records its pid in the region, starts a
//!    sale and waits to be killed.
//! 2. While it lives, a probe process tries the lock briefly: a lock that
//!    lets the probe in excludes nobody ([`KillOutcome::Unaffected`]).
//! 3. SIGKILL. A second probe tries the lock with a bound: taken
//!    ([`KillOutcome::Released`]), taken with "owner died" and repaired
//!    ([`KillOutcome::Recovered`]), or refused at the deadline
//!    ([`KillOutcome::Stuck`], [`KillOutcome::Stale`]); never a hang.
//! 4. If the office can still be used, a follow-up rush on the same
//!    database checks its invariants: no ticket lost, none sold twice.

use super::failure::WorkerError;
use super::filedb::FileDb;
use super::lock::{Acquired, LockError};
use super::region::Region;
use super::server::{self, Server};
use super::tickets::{self, RushRun};
use super::{Access, KillOutcome, ProcessConfig, Strategy, lockfree};
use crate::os::arena::Arena;
use crate::os::crew::Crew;
use crate::workload::tickets::RushPlan;
use std::cell::RefCell;
use std::sync::atomic::Ordering::SeqCst;
use std::time::{Duration, Instant};

/// Seats in the crash tests' hall.
const CAPACITY: usize = 3;
/// How long a probe tries the lock.
const PROBE: Duration = Duration::from_millis(300);

/// How far the victim gets before it is killed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Victim {
    /// It read the database and decided to sell; nothing written yet.
    MidBuy,
    /// It wrote the lowered count but not the ledger: half a sale.
    HalfSale,
}

/// What the crash did.
#[derive(Debug, Clone)]
pub struct KillReport {
    pub outcome: KillOutcome,
    pub detail: String,
    /// The follow-up rush, when the office could still be used.
    pub after: Option<RushRun>,
}

/// A probe's answer, from a fresh process.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
enum Probe {
    Took,
    TookOwnerDied,
    /// Still held at the probe's deadline ([`LockError::Stuck`]) or left
    /// behind by a dead holder ([`LockError::Stale`]).
    Refused(LockError),
    Error(String),
}

/// Kills a worker holding `strategy`'s lock; see the module docs.
pub fn crash(strategy: Strategy, victim: Victim) -> std::io::Result<KillReport> {
    let arena = Arena::new()?;
    let region = Region::create(&arena)?;
    let shared = region.shared();
    let db = FileDb::create(&arena.file("tickets.json"), CAPACITY)?;
    let access = RefCell::new(strategy.access(&arena, &region)?);
    if strategy == Strategy::Atomic {
        lockfree::open_office(shared, CAPACITY);
    }
    let server = match strategy {
        Strategy::Server => Some(Server::start(&arena, CAPACITY, Duration::from_secs(60))?),
        _ => None,
    };
    let socket = server.as_ref().map(|s| s.path().to_path_buf());

    let mut victim_crew = Crew::spawn(1, |_| -> Result<(), WorkerError> {
        let mut access = access.borrow_mut();
        let mut _half_request = None;
        match &mut *access {
            Access::Locked(lock) => {
                lock.attach()
                    .map_err(|e| WorkerError::Setup(format!("opening the lock: {e}")))?;
                lock.acquire(Duration::from_secs(5))?;
                if victim == Victim::HalfSale {
                    let mut sale = db.load()?;
                    sale.count -= 1;
                    db.store(&sale)
                        .map_err(|e| WorkerError::Store(e.to_string()))?;
                }
            }
            Access::LockFree => {
                // Read, decided, not yet swapped.
                let _ = shared.remaining.load(SeqCst);
            }
            Access::Server => {
                use std::io::Write;
                let path = socket.as_deref().expect("server");
                let server = |e: std::io::Error| WorkerError::Store(format!("the server: {e}"));
                let mut stream = std::os::unix::net::UnixStream::connect(path).map_err(server)?;
                // Half a request: no newline yet.
                stream.write_all(b"buy 0").map_err(server)?;
                _half_request = Some(stream);
            }
        }
        shared.holder.store(std::process::id() as i32, SeqCst);
        // The parent kills it long before this ends.
        std::thread::sleep(Duration::from_secs(60));
        Ok(())
    })?;
    victim_crew.start();
    let deadline = Instant::now() + Duration::from_secs(10);
    while shared.holder.load(SeqCst) == 0 {
        if Instant::now() >= deadline {
            let failure = victim_crew.collect::<Result<(), WorkerError>>(Duration::ZERO);
            return Err(std::io::Error::other(format!(
                "the victim never took the lock: {failure:?}"
            )));
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    let pid = shared.holder.load(SeqCst);

    // While the victim lives: does the lock keep a probe out?
    // (The borrow ends before the fork: the probe borrows its own copy.)
    let locked = matches!(&*access.borrow(), Access::Locked(_));
    let excluded = locked && probe(&access, &db, Duration::from_millis(100))? != Probe::Took;
    victim_crew.kill(0);
    drop(victim_crew.collect::<Result<(), WorkerError>>(Duration::from_secs(5)));

    let (outcome, detail) = if let Some(server) = server {
        let seen = server::request(server.path(), "search")?;
        let _ = server.stop(Duration::from_secs(5));
        (
            KillOutcome::Unaffected,
            format!("pid {pid} killed mid-request; the server still answers: {seen} left"),
        )
    } else if !excluded {
        match strategy {
            Strategy::Semaphore2 => {
                let mut left = 0;
                // SAFETY: the semaphore was initialised by the strategy.
                unsafe { libc::sem_getvalue(shared.sem.get(), &mut left) };
                (
                    KillOutcome::Leaked,
                    format!("pid {pid} killed holding a permit: {left} of 2 left, for good"),
                )
            }
            _ => (
                KillOutcome::Unaffected,
                format!("pid {pid} killed; it held nothing that kept anyone out"),
            ),
        }
    } else {
        match probe(&access, &db, PROBE)? {
            Probe::Took => (
                KillOutcome::Released,
                format!("pid {pid} killed holding the lock; the kernel released it"),
            ),
            Probe::TookOwnerDied => (
                KillOutcome::Recovered,
                format!(
                    "pid {pid} killed holding the lock; EOWNERDEAD, state repaired, marked consistent"
                ),
            ),
            Probe::Refused(why @ LockError::Stale { .. }) => (
                KillOutcome::Stale,
                format!("pid {pid} killed; after {PROBE:?}: {why}"),
            ),
            Probe::Refused(why) => (
                KillOutcome::Stuck,
                format!("pid {pid} killed; after {PROBE:?}: {why}"),
            ),
            Probe::Error(e) => return Err(std::io::Error::other(e)),
        }
    };

    let usable = matches!(
        outcome,
        KillOutcome::Released | KillOutcome::Recovered | KillOutcome::Unaffected
    );
    let after = if usable && strategy.correct() && strategy != Strategy::Server {
        let plan = RushPlan::rush(4, CAPACITY);
        let config = ProcessConfig {
            hold: Duration::from_millis(50),
            ..ProcessConfig::default()
        };
        let office = tickets::office(&region, db.path(), CAPACITY);
        Some(tickets::rush_in(
            &arena, office, &access, strategy, &plan, &config,
        )?)
    } else {
        None
    };
    Ok(KillReport {
        outcome,
        detail,
        after,
    })
}

/// Tries the lock from a fresh process for at most `within`.
fn probe(access: &RefCell<Access<'_>>, db: &FileDb, within: Duration) -> std::io::Result<Probe> {
    let crew = Crew::spawn(1, |_| {
        let mut access = access.borrow_mut();
        let Access::Locked(lock) = &mut *access else {
            return Probe::Error("no lock to probe".into());
        };
        if let Err(e) = lock.attach() {
            return Probe::Error(e.to_string());
        }
        match lock.acquire(within) {
            Ok(Acquired::Clean) => {
                lock.release();
                Probe::Took
            }
            Ok(Acquired::OwnerDied) => {
                let _ = db.repair(CAPACITY);
                lock.mark_consistent();
                lock.release();
                Probe::TookOwnerDied
            }
            Err(e @ (LockError::Stuck { .. } | LockError::Stale { .. })) => Probe::Refused(e),
            Err(e) => Probe::Error(e.to_string()),
        }
    })?;
    crew.collect::<Probe>(within + Duration::from_secs(5))
        .pop()
        .expect("one probe")
        .map_err(|e| std::io::Error::other(e.to_string()))
}
