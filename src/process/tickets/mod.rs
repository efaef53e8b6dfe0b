//! The ticket rush across processes (docs/scenarios.md §7): buyers start
//! together; each first searches (reads the remaining count, without the
//! lock), then buys: reads the count and, if a ticket is left, waits in the
//! race window, sells the next seat and writes the database back.
//!
//! The rush runs any `ProcessOffice` (`office.rs`) and never asks which
//! one it has: a locked strategy keeps the office in the JSON [`FileDb`]
//! or, with [`Store::Memory`](super::Store::Memory), in the shared region's
//! words (`books.rs`); the lock-free strategy in the shared region; the
//! server in its own memory. Every rush is checked by [`crate::check::tickets::check`],
//! as on every tier.

pub(crate) mod books;
pub(crate) mod office;

use super::failure::{Findings, RunError, WorkerError};
use super::filedb::FileDb;
use super::region::Region;
use super::strategy::Site;
use super::{Pace, ProcessConfig, ProcessForm};
use crate::check::Violation;
use crate::check::tickets::check;
use crate::model::tickets::Ticket;
use crate::os::arena::Arena;
use crate::os::crew::Crew;
use crate::os::progress::{self, Mark, STALL, Watchdog};
use crate::workload::tickets::{TicketsPlan, TicketsReport};
use office::ProcessOffice;
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::time::{Duration, Instant};

/// What one buyer did, with times in microseconds since the rush began.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BuyerLog {
    /// Which buyer (its worker index).
    pub buyer: usize,
    /// The remaining count its search saw.
    pub search: i64,
    /// When its search was done.
    pub search_at: u64,
    /// The seats it bought.
    pub seats: Vec<usize>,
    /// When its (last) buy took the lock; None if it took none.
    pub locked_at: Option<u64>,
    /// When that buy let the lock go.
    pub released_at: Option<u64>,
}

/// A whole rush: the logs, the report the checker saw, its verdict.
#[derive(Debug, Clone)]
pub struct TicketsRun {
    /// Each buyer's log, by buyer.
    pub logs: Vec<BuyerLog>,
    /// What the checker was given.
    pub report: TicketsReport,
    /// What it found; empty: the rush held.
    pub violations: Vec<Violation>,
    /// How long the rush took.
    pub elapsed: Duration,
}

impl TicketsRun {
    /// Tickets sold in all.
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

/// One rush in a fresh arena: its run (violations, or none: it held), or
/// why it could not be carried out.
pub fn rush(
    form: impl Into<ProcessForm>,
    plan: &TicketsPlan,
    config: &ProcessConfig,
) -> Result<TicketsRun, RunError> {
    let arena = Arena::new().map_err(|e| RunError::setup("the run's directory", e))?;
    let region = Region::create(&arena).map_err(|e| RunError::setup("the shared region", e))?;
    let shared = region.shared();
    let db = FileDb::create(&arena.file("tickets.json"), plan.tickets)
        .map_err(|e| RunError::setup("the ticket database", e))?;
    let office = form
        .into()
        .descriptor()
        .office(
            &Site::new(&arena, shared),
            config.store.books(&db, shared),
            plan.tickets,
        )
        .map_err(|e| RunError::setup("the lock", e))?;
    rush_in(&RefCell::new(office), &region, plan, config)
}

/// A rush on an office that already exists (the crash tests and the join
/// versus lock comparison reuse theirs).
pub(crate) fn rush_in(
    office: &RefCell<Box<dyn ProcessOffice + '_>>,
    region: &Region,
    plan: &TicketsPlan,
    config: &ProcessConfig,
) -> Result<TicketsRun, RunError> {
    let started = Instant::now();
    office.borrow_mut().open(plan.tickets, config)?;
    let pace = Pace::new(plan.buyers, config, region.shared());
    let crew = Crew::spawn(plan.buyers, |buyer| {
        visit(&mut **office.borrow_mut(), buyer, plan, &pace)
    })
    .map_err(|e| RunError::setup("forking the buyers", e))?;
    let mut logs = Vec::with_capacity(plan.buyers);
    let mut found = Findings::default();
    let mut watchdog = Watchdog::new(STALL);
    let collected =
        crew.collect_steps::<Result<BuyerLog, WorkerError>>(&mut watchdog, config.deadline);
    let who: Vec<String> = (0..plan.buyers).map(|i| format!("buyer {i}")).collect();
    found.traced(&who, &collected.steps);
    for (who, result) in who.iter().zip(collected.results) {
        match result {
            Ok(Ok(log)) => logs.push(log),
            Ok(Err(e)) => found.worker_error(who, e),
            Err(failure) => found.failure(who, failure),
        }
    }
    if !found.stalled.is_empty() {
        found.stalled_after(watchdog.stall());
    }
    let (remaining, ledger) = match office.borrow_mut().books(config.deadline) {
        Ok(books) => books,
        Err(e) => {
            found.worker_error("the office's books", e);
            (0, Vec::new())
        }
    };
    let report = TicketsReport {
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
    Ok(TicketsRun {
        logs,
        report,
        violations,
        elapsed: started.elapsed(),
    })
}

/// One buyer's whole visit: search, then buy until it has `per_buyer`
/// tickets or none are left.
fn visit(
    office: &mut dyn ProcessOffice,
    buyer: usize,
    plan: &TicketsPlan,
    pace: &Pace<'_>,
) -> Result<BuyerLog, WorkerError> {
    office.attach()?;
    let search = office.search();
    progress::note(Mark::Searched(search));
    std::thread::sleep(pace.work);
    let mut log = BuyerLog {
        buyer,
        search,
        search_at: pace.micros(),
        seats: Vec::new(),
        locked_at: None,
        released_at: None,
    };
    while log.seats.len() < plan.per_buyer {
        let sale = office.buy(buyer, pace)?;
        if let Some((locked, released)) = sale.held {
            log.locked_at = Some(locked);
            log.released_at = Some(released);
        }
        match sale.seat {
            Some(seat) => log.seats.push(seat),
            None => break,
        }
    }
    Ok(log)
}
