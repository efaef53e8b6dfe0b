//! Real threads: the ticket office. Correct strategies sell every one of
//! 100 tickets exactly once to 8 buyers, sell exactly 1 of 1 in the
//! lessons' rush of 10 buyers, and hold on drawn configurations; broken
//! ones oversell every run (all ten buyers meet in the race window).

mod common;

use common::{assert_caught, assert_holds, pair, seeded_runner, threads_config};
use proptest::prelude::*;
use racelab::check::ViolationKind::Oversold;
use racelab::matrix::Plan;
use racelab::model::ModelKind::Tickets;
use racelab::tier::Outcome;
use racelab::workload::tickets::TicketsPlan;

const CORRECT: [&str; 6] = ["mutex", "spin", "ticket", "rwlock", "semaphore-1", "atomic"];

fn stress(strategy: &str, plan: TicketsPlan) -> Outcome {
    pair(Tickets, strategy).stress(&Plan::Tickets(plan), &threads_config(1))
}

#[test]
fn eight_buyers_buy_all_hundred_tickets_exactly_once() {
    let plan = TicketsPlan {
        buyers: 8,
        tickets: 100,
        per_buyer: usize::MAX,
    };
    for strategy in CORRECT {
        assert_holds(
            &format!("tickets/{strategy} 8 buyers 100 tickets"),
            &stress(strategy, plan),
        );
    }
}

#[test]
fn exactly_one_of_ten_buyers_gets_the_last_ticket() {
    for strategy in CORRECT {
        assert_holds(
            &format!("tickets/{strategy} rush"),
            &stress(strategy, TicketsPlan::rush(10, 1)),
        );
    }
}

#[test]
fn correct_strategies_hold_on_drawn_configurations() {
    let configs = (1usize..10, 0usize..50, 1usize..20, 0..CORRECT.len());
    seeded_runner(12)
        .run(&configs, |(buyers, tickets, per_buyer, which)| {
            let plan = TicketsPlan {
                buyers,
                tickets,
                per_buyer,
            };
            let outcome = stress(CORRECT[which], plan);
            prop_assert!(
                outcome.violations.is_empty(),
                "{}: {:?} {:?}",
                CORRECT[which],
                plan,
                outcome.violations
            );
            Ok(())
        })
        .unwrap();
}

#[test]
fn no_lock_sells_the_last_ticket_to_every_buyer() {
    let outcome = stress("none", TicketsPlan::rush(10, 1));
    assert_caught("tickets/none", &outcome, Oversold);
}

#[test]
fn two_permit_semaphore_oversells_every_run() {
    assert_caught(
        "tickets/semaphore-2",
        &stress("semaphore-2", TicketsPlan::rush(10, 1)),
        Oversold,
    );
}

#[test]
fn check_then_act_oversells_every_run() {
    assert_caught(
        "tickets/check-then-act",
        &stress("check-then-act", TicketsPlan::rush(10, 1)),
        Oversold,
    );
}
