//! The ticket rush (docs/scenarios.md §7): buyers search, then buy.
//! Checked by [`crate::check::tickets::check`].

use super::{Form, Workload, worker_label};
use crate::check::Violation;
use crate::check::tickets::{Search, check, searches};
use crate::model::ModelKind;
use crate::model::tickets::{Buyer, Ticket, TicketsImpl};
use crate::sync::seq_cst::quiet;
use crate::sync::{AtomicWord, Backend, Ordering::SeqCst};
use crate::workload::probe::Probe;
use crate::workload::progress::{Op, Progress};
use serde::Serialize;
use std::sync::{Arc, Barrier};

/// `buyers` buyers rush a hall of `tickets` seats; each searches, then buys
/// until sold out or until it holds `per_buyer` tickets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TicketsPlan {
    /// Buyers racing (one thread or process each).
    pub buyers: usize,
    /// Seats in the hall.
    pub tickets: usize,
    /// Tickets each buyer wants.
    pub per_buyer: usize,
}

impl TicketsPlan {
    /// The rush of docs/scenarios.md §7: every buyer wants one ticket.
    pub fn rush(buyers: usize, tickets: usize) -> Self {
        TicketsPlan {
            buyers,
            tickets,
            per_buyer: 1,
        }
    }

    /// Loom's ladder (see [`climb`](super::ladder::climb)): two buyers for
    /// one seat, three for two (seat numbers), two buying two each.
    pub fn loom_ladder() -> Vec<super::ladder::Rung<Self>> {
        let plan = |buyers, tickets, per_buyer| TicketsPlan {
            buyers,
            tickets,
            per_buyer,
        };
        vec![
            (plan(2, 1, 1), None),
            // Three buyers at bound 1, as the counter's three threads.
            (plan(3, 2, 1), Some(1)),
            (plan(2, 2, 2), Some(2)),
        ]
    }

    /// How many tickets the buyers want in all.
    pub fn demand(&self) -> usize {
        self.buyers.saturating_mul(self.per_buyer)
    }
}

impl Workload for TicketsPlan {
    const MODEL: ModelKind = ModelKind::Tickets;

    fn label(&self, index: usize) -> String {
        worker_label("B", index)
    }

    fn threads(&self) -> usize {
        self.buyers
    }

    /// Every buyer races for the last ticket.
    fn parties(&self) -> usize {
        self.buyers
    }

    /// Each buyer searches once and buys until it has its tickets or none
    /// are left: a search and a buy per buyer.
    fn operations(&self) -> u64 {
        2 * self.buyers as u64
    }
}

/// Office `O` on backend `B`, as a form a tier runs.
pub fn form<B: Backend, O: TicketsImpl<B>>() -> Form<B, TicketsPlan> {
    Form::new(|plan, probe, start, progress| drive::<B, O>(plan, probe, start, progress).map(drop))
}

/// What the rush produced.
#[derive(Debug, Clone, Serialize)]
pub struct TicketsReport {
    /// Every ticket the buyers hold, as the office handed them out.
    pub tickets: Vec<Ticket>,
    /// What a search reports once every buyer is done.
    pub remaining: i64,
    /// The office's books: each seat's buyer, None if unsold.
    pub ledger: Vec<Option<Buyer>>,
    /// What each buyer's search saw, by buyer.
    pub searches: Vec<i64>,
}

/// Runs the rush on backend `B` with office `O`; `progress` records each
/// operation for the threads tier's watchdog.
pub fn drive<B: Backend, O: TicketsImpl<B>>(
    plan: &TicketsPlan,
    probe: Probe,
    start: Option<Arc<Barrier>>,
    progress: &Progress,
) -> Result<TicketsReport, Vec<Violation>> {
    let office = Arc::new(O::new(plan.tickets, probe));
    // Buys that returned a ticket, through the facade so loom and shuttle
    // interleave it; read with a read-modify-write (the latest value, and
    // every sale counted before it happened-before the search).
    let sold = Arc::new(B::AtomicUsize::new(0));
    let handles: Vec<_> = (0..plan.buyers)
        .map(|buyer| {
            let office = Arc::clone(&office);
            let sold = Arc::clone(&sold);
            let start = start.clone();
            let progress = progress.clone();
            let per_buyer = plan.per_buyer;
            B::spawn(move || {
                B::set_worker(buyer + 1);
                let track = progress.worker(buyer + 1);
                if let Some(start) = start {
                    start.wait();
                }
                // The workload's own books: their SeqCst is not the office's.
                let sold_before = quiet(|| sold.fetch_add(0, SeqCst));
                let left = track.run(Op::Search, || office.search());
                let mut held = Vec::new();
                while held.len() < per_buyer {
                    match track.run(Op::Buy, || office.buy(buyer)) {
                        Ok(ticket) => {
                            quiet(|| sold.fetch_add(1, SeqCst));
                            held.push(ticket)
                        }
                        Err(_) => break,
                    }
                }
                let search = Search {
                    buyer,
                    sold_before,
                    left,
                };
                (search, held)
            })
        })
        .collect();
    let mut report = TicketsReport {
        tickets: Vec::new(),
        remaining: 0,
        ledger: Vec::new(),
        searches: Vec::new(),
    };
    let mut seen = Vec::with_capacity(plan.buyers);
    let main = progress.worker(0);
    main.call(Op::Join);
    for handle in handles {
        match B::join(handle) {
            Ok((search, held)) => {
                report.searches.push(search.left);
                seen.push(search);
                report.tickets.extend(held);
            }
            Err(payload) => std::panic::resume_unwind(payload),
        }
    }
    main.ret();
    report.remaining = office.search();
    report.ledger = office.ledger();
    let mut violations = check(plan, &report).err().unwrap_or_default();
    violations.extend(searches(plan, &seen));
    if violations.is_empty() {
        Ok(report)
    } else {
        Err(violations)
    }
}
