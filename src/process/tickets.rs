//! The ticket rush across processes (docs/scenarios.md §7): buyers start
//! together; each first searches (reads the remaining count, without the
//! lock), then buys: reads the count and, if a ticket is left, waits in the
//! race window, sells the next seat and writes the database back.
//!
//! Locked strategies keep the office in the JSON [`FileDb`] or, with
//! [`Store::Memory`], in the shared region's words; the lock-free strategy
//! in the shared region; the server in its own memory. Every rush is
//! checked by [`crate::check::tickets::check`], as on every tier.

use super::failure::{Findings, RunError, WorkerError};
use super::filedb::{Db, FileDb};
use super::lock::{ProcessLock, exclusive};
use super::region::{Region, Shared};
use super::server::{self, Server};
use super::{Access, ProcessConfig, Store, Strategy, lockfree};
use crate::check::Violation;
use crate::check::tickets::check;
use crate::model::tickets::Ticket;
use crate::os::arena::Arena;
use crate::os::crew::Crew;
use crate::os::progress::{self, STALL, Step, Watchdog};
use crate::os::window::Window;
use crate::tier::Outcome;
use crate::workload::tickets::{RushPlan, RushReport};
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering::Relaxed;
use std::time::{Duration, Instant};

/// What one buyer did, with times in microseconds since the rush began.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BuyerLog {
    pub buyer: usize,
    /// The remaining count its search saw.
    pub search: i64,
    pub search_at: u64,
    pub seats: Vec<usize>,
    /// When its (last) buy took the lock and let it go.
    pub locked_at: Option<u64>,
    pub released_at: Option<u64>,
}

/// A whole rush: the logs, the report the checker saw, its verdict.
#[derive(Debug, Clone)]
pub struct RushRun {
    pub logs: Vec<BuyerLog>,
    pub report: RushReport,
    pub violations: Vec<Violation>,
    pub elapsed: Duration,
}

impl RushRun {
    pub fn sold(&self) -> usize {
        self.report.tickets.len()
    }

    /// Searches that ran while another buyer was inside its buy (holding
    /// the lock, for a locked strategy).
    pub fn searches_during_a_buy(&self) -> usize {
        self.logs
            .iter()
            .filter(|s| {
                self.logs.iter().any(|b| {
                    b.buyer != s.buyer
                        && matches!((b.locked_at, b.released_at),
                            (Some(l), Some(r)) if l <= s.search_at && s.search_at <= r)
                })
            })
            .count()
    }
}

/// Runs up to `config.rounds` rushes; stops at the first violation, or
/// at the first rush that could not be carried out (inconclusive).
pub fn run(strategy: Strategy, plan: &RushPlan, config: &ProcessConfig) -> Outcome {
    super::failure::rounds(config.rounds, 2 * plan.buyers as u64, || {
        rush(strategy, plan, config).map(|run| run.violations)
    })
}

/// Where the office lives for one rush.
pub(crate) struct Office<'a> {
    pub capacity: usize,
    /// Where a locked strategy keeps it.
    pub store: Store,
    pub shared: &'a Shared,
    pub db: FileDb,
    pub socket: Option<PathBuf>,
}

impl Office<'_> {
    fn search(&self, access: &Access) -> i64 {
        match access {
            // A search takes no lock: the atomic rename means it never sees
            // a half-written file.
            Access::Locked(_) if self.store == Store::File => {
                self.db.load().map_or(-1, |db| db.count)
            }
            Access::Locked(_) | Access::LockFree => self
                .shared
                .remaining
                .load(std::sync::atomic::Ordering::Acquire),
            Access::Server => self
                .ask("search")
                .ok()
                .and_then(|a| a.parse().ok())
                .unwrap_or(-1),
        }
    }

    fn ask(&self, line: &str) -> Result<String, WorkerError> {
        let socket = self
            .socket
            .as_deref()
            .expect("a server strategy has a socket");
        progress::enter(Step::Request);
        let answer = server::request(socket, line)
            .map_err(|e| WorkerError::Store(format!("the server: {e}")))?;
        progress::finish();
        Ok(answer)
    }

    /// The buy step under a lock: read, decide, wait in the window, write.
    fn locked_buy(
        &self,
        lock: &mut dyn ProcessLock,
        buyer: usize,
        config: &ProcessConfig,
        window: &Window,
        locked_at: &mut Option<u64>,
        epoch: Instant,
    ) -> Result<Option<usize>, WorkerError> {
        let repair = || self.repair();
        exclusive(lock, config.lock_within, repair, || {
            *locked_at = Some(epoch.elapsed().as_micros() as u64);
            self.shared.holder.store(
                std::process::id() as i32,
                std::sync::atomic::Ordering::SeqCst,
            );
            if self.store == Store::Memory {
                return Ok(self.memory_sale(buyer, config, window));
            }
            let mut db: Db = self.db.load()?;
            std::thread::sleep(config.work);
            if db.count <= 0 {
                return Ok(None);
            }
            window.pass(self.shared);
            let seat = self.capacity.saturating_sub(db.count as usize);
            db.count -= 1;
            db.ledger.insert(seat, buyer);
            self.db
                .store(&db)
                .map_err(|e| WorkerError::Store(e.to_string()))?;
            Ok(Some(seat))
        })?
    }

    /// The sale on the shared words, under the caller's lock: read the
    /// count, wait in the window, write the count, then the seat.
    fn memory_sale(&self, buyer: usize, config: &ProcessConfig, window: &Window) -> Option<usize> {
        let left = self.shared.remaining.load(Relaxed);
        std::thread::sleep(config.work);
        if left <= 0 {
            return None;
        }
        window.pass(self.shared);
        self.shared.remaining.store(left - 1, Relaxed);
        let seat = self.capacity.saturating_sub(left as usize);
        if let Some(word) = self.shared.seats.get(seat) {
            word.store(buyer as u64 + 1, Relaxed);
        }
        Some(seat)
    }

    /// After a holder died mid-sale: bring the count back in line with
    /// the seats recorded as sold.
    fn repair(&self) {
        match self.store {
            Store::File => {
                let _ = self.db.repair(self.capacity);
            }
            Store::Memory => {
                let sold = lockfree::ledger(self.shared, self.capacity)
                    .iter()
                    .filter(|s| s.is_some())
                    .count();
                self.shared
                    .remaining
                    .store((self.capacity - sold) as i64, Relaxed);
            }
        }
    }

    /// One buyer's whole visit: search, then buy until it has
    /// `per_buyer` tickets or none are left.
    pub(crate) fn visit(
        &self,
        access: &mut Access,
        buyer: usize,
        plan: &RushPlan,
        config: &ProcessConfig,
        window: &Window,
        epoch: Instant,
    ) -> Result<BuyerLog, WorkerError> {
        let micros = || epoch.elapsed().as_micros() as u64;
        if let Access::Locked(lock) = access {
            lock.attach()
                .map_err(|e| WorkerError::Setup(format!("opening the lock: {e}")))?;
        }
        let search = self.search(access);
        std::thread::sleep(config.work);
        let mut log = BuyerLog {
            buyer,
            search,
            search_at: micros(),
            seats: Vec::new(),
            locked_at: None,
            released_at: None,
        };
        while log.seats.len() < plan.per_buyer {
            let seat = match access {
                Access::Locked(lock) => {
                    let seat = self.locked_buy(
                        lock.as_mut(),
                        buyer,
                        config,
                        window,
                        &mut log.locked_at,
                        epoch,
                    )?;
                    log.released_at = Some(micros());
                    seat
                }
                Access::LockFree => {
                    let seat = lockfree::buy(self.shared, self.capacity, buyer, window);
                    progress::finish();
                    seat
                }
                Access::Server => {
                    let answer = self.ask(&format!("buy {buyer}"))?;
                    match answer.strip_prefix("seat ") {
                        Some(seat) => Some(
                            seat.parse()
                                .map_err(|_| WorkerError::BadAnswer(answer.clone()))?,
                        ),
                        None if answer == "soldout" => None,
                        None => return Err(WorkerError::BadAnswer(answer)),
                    }
                }
            };
            match seat {
                Some(seat) => log.seats.push(seat),
                None => break,
            }
        }
        Ok(log)
    }

    /// The office's books after the rush: remaining count and ledger.
    fn books(
        &self,
        access: &Access,
        server: Option<Server>,
        config: &ProcessConfig,
    ) -> Result<(i64, Vec<Option<usize>>), WorkerError> {
        match access {
            Access::Locked(_) if self.store == Store::File => {
                let db = self.db.load()?;
                let mut ledger = vec![None; self.capacity];
                for (seat, buyer) in db.ledger {
                    if let Some(slot) = ledger.get_mut(seat) {
                        *slot = Some(buyer);
                    }
                }
                Ok((db.count, ledger))
            }
            Access::Locked(_) | Access::LockFree => Ok((
                self.shared
                    .remaining
                    .load(std::sync::atomic::Ordering::Acquire),
                lockfree::ledger(self.shared, self.capacity),
            )),
            Access::Server => {
                let state = server
                    .ok_or_else(|| WorkerError::Setup("no server".into()))?
                    .stop(config.deadline)
                    .map_err(|e| WorkerError::Store(format!("the server: {e}")))?;
                let mut ledger = vec![None; self.capacity];
                for (seat, buyer) in state.ledger {
                    if let Some(slot) = ledger.get_mut(seat) {
                        *slot = Some(buyer);
                    }
                }
                Ok((state.remaining, ledger))
            }
        }
    }
}

/// One rush in a fresh arena: its run (violations, or none: it held), or
/// why it could not be carried out.
pub fn rush(
    strategy: Strategy,
    plan: &RushPlan,
    config: &ProcessConfig,
) -> Result<RushRun, RunError> {
    let arena = Arena::new().map_err(|e| RunError::setup("the run's directory", e))?;
    let region = Region::create(&arena).map_err(|e| RunError::setup("the shared region", e))?;
    let office = Office {
        capacity: plan.tickets,
        store: config.store,
        shared: region.shared(),
        db: FileDb::create(&arena.file("tickets.json"), plan.tickets)
            .map_err(|e| RunError::setup("the ticket database", e))?,
        socket: None,
    };
    let access = RefCell::new(
        strategy
            .access(&arena, &region)
            .map_err(|e| RunError::setup("the lock", e))?,
    );
    rush_in(&arena, office, &access, strategy, plan, config)
}

/// A rush on an office that already exists (the crash tests reuse theirs).
pub(crate) fn rush_in(
    arena: &Arena,
    mut office: Office<'_>,
    access: &RefCell<Access<'_>>,
    strategy: Strategy,
    plan: &RushPlan,
    config: &ProcessConfig,
) -> Result<RushRun, RunError> {
    let started = Instant::now();
    let in_memory = strategy == Strategy::Atomic
        || (office.store == Store::Memory && matches!(&*access.borrow(), Access::Locked(_)));
    if plan.tickets > super::region::MAX_SEATS && in_memory {
        return Err(RunError::Plan(format!(
            "the shared office has {} seats at most",
            super::region::MAX_SEATS
        )));
    }
    if in_memory {
        lockfree::open_office(office.shared, plan.tickets);
    }
    let server = match strategy {
        Strategy::Server => Some(
            Server::start(arena, plan.tickets, config.deadline)
                .map_err(|e| RunError::setup("the server", e))?,
        ),
        _ => None,
    };
    office.socket = server.as_ref().map(|s| s.path().to_path_buf());
    let window = Window {
        parties: plan.buyers as u32,
        hold: config.hold,
    };
    let epoch = Instant::now();
    let crew = Crew::spawn(plan.buyers, |buyer| {
        office.visit(
            &mut access.borrow_mut(),
            buyer,
            plan,
            config,
            &window,
            epoch,
        )
    })
    .map_err(|e| RunError::setup("forking the buyers", e))?;
    let mut logs = Vec::with_capacity(plan.buyers);
    let mut found = Findings::default();
    let mut watchdog = Watchdog::new(STALL);
    for (i, result) in crew
        .collect_watched::<Result<BuyerLog, WorkerError>>(&mut watchdog, config.deadline)
        .into_iter()
        .enumerate()
    {
        let who = format!("buyer {i}");
        match result {
            Ok(Ok(log)) => logs.push(log),
            Ok(Err(e)) => found.worker_error(&who, e),
            Err(failure) => found.failure(&who, failure),
        }
    }
    if !found.stalled.is_empty() {
        found.stalled_after(watchdog.stall());
    }
    let (remaining, ledger) = match office.books(&access.borrow(), server, config) {
        Ok(books) => books,
        Err(e) => {
            found.worker_error("the office's books", e);
            (0, Vec::new())
        }
    };
    let report = RushReport {
        tickets: logs
            .iter()
            .flat_map(|l| {
                l.seats.iter().map(|&seat| Ticket {
                    seat,
                    buyer: l.buyer,
                })
            })
            .collect(),
        remaining,
        ledger,
        searches: logs.iter().map(|l| l.search).collect(),
    };
    // The books are checked against the plan only when the plan ran: a
    // buyer that never set up bought nothing, which is no lost sale.
    if found.is_clean()
        && let Err(broken) = check(plan, &report)
    {
        found.violations.extend(broken);
    }
    let violations = found.conclude().map_err(RunError::Inconclusive)?;
    Ok(RushRun {
        logs,
        report,
        violations,
        elapsed: started.elapsed(),
    })
}

/// An office over an existing database (the crash tests' follow-up rush).
pub(crate) fn office<'a>(region: &'a Region, db: &Path, capacity: usize) -> Office<'a> {
    Office {
        capacity,
        store: Store::File,
        shared: region.shared(),
        db: FileDb::open(db),
        socket: None,
    }
}
