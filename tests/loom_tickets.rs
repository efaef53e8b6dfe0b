//! Loom: the ticket office under every strategy. Two buyers, one ticket,
//! every interleaving; for the blocking locks also three buyers for two
//! tickets at preemption bound 2 (spinning locks: see loom_counter.rs).

mod common;

use common::{assert_caught, assert_holds, loom};
use racelab::check::ViolationKind::{Oversold, SoldTwice};
use racelab::matrix::Plan;
use racelab::model::ModelKind::Tickets;
use racelab::workload::tickets::TicketsPlan;

const LAST_TICKET: Plan = Plan::Tickets(TicketsPlan {
    buyers: 2,
    tickets: 1,
    per_buyer: 1,
});
const TWO_FOR_THREE: Plan = Plan::Tickets(TicketsPlan {
    buyers: 3,
    tickets: 2,
    per_buyer: 1,
});

fn holds(strategy: &str) {
    assert_holds(
        &format!("tickets/{strategy} 2 buyers"),
        &loom(Tickets, strategy, LAST_TICKET, None),
    );
}

fn holds_for_three(strategy: &str) {
    holds(strategy);
    assert_holds(
        &format!("tickets/{strategy} 3 buyers"),
        &loom(Tickets, strategy, TWO_FOR_THREE, Some(2)),
    );
}

#[test]
fn mutex_never_oversells() {
    holds_for_three("mutex");
}

#[test]
fn spin_lock_never_oversells() {
    holds("spin");
}

#[test]
fn ticket_lock_never_oversells() {
    holds("ticket");
}

#[test]
fn rwlock_never_oversells() {
    holds_for_three("rwlock");
}

#[test]
fn one_permit_semaphore_never_oversells() {
    holds_for_three("semaphore-1");
}

#[test]
fn compare_exchange_never_oversells() {
    holds_for_three("atomic");
}

#[test]
fn no_lock_sells_the_last_seat_twice() {
    let outcome = loom(Tickets, "none", LAST_TICKET, None);
    assert_caught("tickets/none", &outcome, Oversold);
    assert_caught("tickets/none", &outcome, SoldTwice);
}

#[test]
fn relaxed_spin_lock_sells_the_last_seat_twice() {
    let outcome = loom(Tickets, "spin-relaxed", LAST_TICKET, None);
    assert_caught("tickets/spin-relaxed", &outcome, Oversold);
    assert_caught("tickets/spin-relaxed", &outcome, SoldTwice);
}

#[test]
fn two_permit_semaphore_oversells() {
    assert_caught(
        "tickets/semaphore-2",
        &loom(Tickets, "semaphore-2", LAST_TICKET, None),
        Oversold,
    );
}

#[test]
fn deciding_outside_the_lock_oversells() {
    assert_caught(
        "tickets/check-then-act",
        &loom(Tickets, "check-then-act", LAST_TICKET, None),
        Oversold,
    );
}
