//! The ticket office's invariants: never oversell, never sell a seat
//! twice, no lost sale, books that agree with the tickets held, searches
//! that never see fewer than none, more than the hall, or more than the
//! sales they came after leave.

use super::{Violation, ViolationKind};
use crate::model::tickets::Buyer;
use crate::workload::tickets::{TicketsPlan, TicketsReport};
use std::collections::BTreeMap;

/// The office's invariants, most telling first.
pub fn check(plan: &TicketsPlan, report: &TicketsReport) -> Result<(), Vec<Violation>> {
    let capacity = plan.tickets;
    let sold = report.tickets.len();
    let mut violations = Vec::new();
    if sold > capacity {
        violations.push(Violation::new(
            ViolationKind::Oversold,
            format!("sold {sold} tickets of {capacity}"),
        ));
    }
    let mut holders: BTreeMap<usize, Vec<Buyer>> = BTreeMap::new();
    for ticket in &report.tickets {
        holders.entry(ticket.seat).or_default().push(ticket.buyer);
    }
    for (seat, buyers) in &holders {
        if buyers.len() > 1 {
            let names: Vec<String> = buyers.iter().map(|b| format!("buyer {b}")).collect();
            violations.push(Violation::new(
                ViolationKind::SoldTwice,
                format!("seat {seat} sold to {}", names.join(" and ")),
            ));
        }
        if *seat >= capacity {
            violations.push(Violation::new(
                ViolationKind::Oversold,
                format!("seat {seat} does not exist (the hall has {capacity})"),
            ));
        }
    }
    if let Some((buyer, left)) = report
        .searches
        .iter()
        .enumerate()
        .find(|(_, left)| !(0..=capacity as i64).contains(*left))
    {
        violations.push(Violation::new(
            ViolationKind::Miscount,
            format!("buyer {buyer}'s search saw {left} left in a hall of {capacity}"),
        ));
    }
    if report.remaining + sold as i64 != capacity as i64 {
        violations.push(Violation::new(
            ViolationKind::Miscount,
            format!(
                "remaining {} + sold {sold} != capacity {capacity}",
                report.remaining
            ),
        ));
    }
    if plan.demand() >= capacity && sold < capacity {
        violations.push(Violation::new(
            ViolationKind::LostSale,
            format!(
                "demand {} but only {sold} of {capacity} sold",
                plan.demand()
            ),
        ));
    }
    for (seat, owner) in report.ledger.iter().enumerate() {
        let held: &[Buyer] = holders.get(&seat).map_or(&[], Vec::as_slice);
        let agrees = match owner {
            Some(buyer) => held.contains(buyer),
            None => held.is_empty(),
        };
        if !agrees {
            violations.push(Violation::new(
                ViolationKind::Miscount,
                format!("the ledger gives seat {seat} to {owner:?}, tickets held: {held:?}"),
            ));
        }
    }
    if violations.is_empty() {
        Ok(())
    } else {
        Err(violations)
    }
}

/// One buyer's search, with what it must not contradict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Search {
    /// Who searched.
    pub buyer: Buyer,
    /// Buys that had returned a ticket before the search began.
    pub sold_before: usize,
    /// What the search said was left.
    pub left: i64,
}

/// No search saw more left than the sales it came after leave: a search
/// begun after `sold_before` buys returned sees at most `capacity -
/// sold_before` (the count only falls). When more than the hall was sold,
/// [`check`] says so already.
pub fn searches(plan: &TicketsPlan, seen: &[Search]) -> Vec<Violation> {
    let capacity = plan.tickets;
    seen.iter()
        .filter(|s| s.sold_before <= capacity && s.left > (capacity - s.sold_before) as i64)
        .take(1)
        .map(|s| {
            Violation::new(
                ViolationKind::Miscount,
                format!(
                    "buyer {}'s search saw {} left after {} of {capacity} tickets were sold",
                    s.buyer, s.left, s.sold_before
                ),
            )
        })
        .collect()
}
