//! The ticket rush across processes (SCENARIOS.md §7): buyers start
//! together; each first searches (reads the remaining count, without the
//! lock), then buys: reads the count and, if a ticket is left, waits in the
//! race window, sells the next seat and writes the database back.
//!
//! Locked strategies keep the office in the JSON [`FileDb`] or, with
//! [`Store::Memory`], in the shared region's words; the lock-free strategy
//! in the shared region; the server in its own memory. Every rush is
//! checked by [`crate::check::tickets::check`], as on every tier.

use super::arena::Arena;
use super::crew::Crew;
use super::filedb::{Db, FileDb};
use super::lock::{ProcessLock, exclusive};
use super::region::{Region, Shared};
use super::server::{self, Server};
use super::window::Window;
use super::{Access, ProcessConfig, Store, Strategy, failure_violation, lockfree};
use crate::check::Violation;
use crate::check::tickets::{RushPlan, RushReport, check};
use crate::model::tickets::Ticket;
use crate::tier::{Outcome, Work};
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

/// Runs up to `config.rounds` rushes; stops at the first violation.
pub fn run(strategy: Strategy, plan: &RushPlan, config: &ProcessConfig) -> Outcome {
    let started = Instant::now();
    let mut rounds = 0;
    let mut violations = Vec::new();
    while rounds < config.rounds.max(1) {
        rounds += 1;
        let found = match rush(strategy, plan, config) {
            Ok(run) => run.violations,
            Err(e) => vec![failure_violation(0, &format!("setup: {e}"))],
        };
        if !found.is_empty() {
            violations = found;
            break;
        }
    }
    Outcome {
        violations,
        work: Work::Operations {
            count: 2 * plan.buyers as u64 * u64::from(rounds),
            rounds,
        },
        elapsed: started.elapsed(),
        inconclusive: None,
    }
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
            Access::Server => self.ask("search").parse().unwrap_or(-1),
        }
    }

    fn ask(&self, line: &str) -> String {
        let socket = self
            .socket
            .as_deref()
            .expect("a server strategy has a socket");
        server::request(socket, line).unwrap_or_else(|e| format!("error {e}"))
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
    ) -> Result<Option<usize>, String> {
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
            let mut db: Db = self.db.load().map_err(|e| e.to_string())?;
            std::thread::sleep(config.work);
            if db.count <= 0 {
                return Ok(None);
            }
            window.pass(self.shared);
            let seat = self.capacity.saturating_sub(db.count as usize);
            db.count -= 1;
            db.ledger.insert(seat, buyer);
            self.db.store(&db).map_err(|e| e.to_string())?;
            Ok(Some(seat))
        })
        .map_err(|e| e.to_string())?
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
    ) -> Result<BuyerLog, String> {
        let micros = || epoch.elapsed().as_micros() as u64;
        if let Access::Locked(lock) = access {
            lock.attach().map_err(|e| e.to_string())?;
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
                Access::LockFree => lockfree::buy(self.shared, self.capacity, buyer, window),
                Access::Server => {
                    let answer = self.ask(&format!("buy {buyer}"));
                    match answer.strip_prefix("seat ") {
                        Some(seat) => Some(seat.parse().map_err(|_| answer.clone())?),
                        None if answer == "soldout" => None,
                        None => return Err(answer),
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
    ) -> Result<(i64, Vec<Option<usize>>), String> {
        match access {
            Access::Locked(_) if self.store == Store::File => {
                let db = self.db.load().map_err(|e| e.to_string())?;
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
                    .ok_or("no server")?
                    .stop(config.deadline)
                    .map_err(|e| e.to_string())?;
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

/// One rush in a fresh arena.
pub fn rush(
    strategy: Strategy,
    plan: &RushPlan,
    config: &ProcessConfig,
) -> std::io::Result<RushRun> {
    let arena = Arena::new()?;
    let region = Region::create(&arena)?;
    let office = Office {
        capacity: plan.tickets,
        store: config.store,
        shared: region.shared(),
        db: FileDb::create(&arena.file("tickets.json"), plan.tickets)?,
        socket: None,
    };
    let access = RefCell::new(strategy.access(&arena, &region)?);
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
) -> std::io::Result<RushRun> {
    let started = Instant::now();
    let in_memory = strategy == Strategy::Atomic
        || (office.store == Store::Memory && matches!(&*access.borrow(), Access::Locked(_)));
    if plan.tickets > super::region::MAX_SEATS && in_memory {
        return Err(std::io::Error::other(format!(
            "the shared office has {} seats at most",
            super::region::MAX_SEATS
        )));
    }
    if in_memory {
        lockfree::open_office(office.shared, plan.tickets);
    }
    let server = match strategy {
        Strategy::Server => Some(Server::start(arena, plan.tickets, config.deadline)?),
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
    })?;
    let mut logs = Vec::with_capacity(plan.buyers);
    let mut violations = Vec::new();
    for (i, result) in crew
        .collect::<Result<BuyerLog, String>>(config.deadline)
        .into_iter()
        .enumerate()
    {
        match result {
            Ok(Ok(log)) => logs.push(log),
            Ok(Err(e)) => violations.push(failure_violation(i, &e)),
            Err(e) => violations.push(failure_violation(i, &e.to_string())),
        }
    }
    let (remaining, ledger) = office
        .books(&access.borrow(), server, config)
        .map_err(std::io::Error::other)?;
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
    if let Err(found) = check(plan, &report) {
        violations.extend(found);
    }
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
