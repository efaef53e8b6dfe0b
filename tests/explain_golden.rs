//! Golden traces: the classic failures, printed exactly as `racelab explain`
//! prints them. Regenerate after an intended change with
//! `RACELAB_BLESS=1 cargo test --test explain_golden` and review the diff.
//!
//! Each test also checks the facts the trace must show, so a bad bless
//! cannot turn a test green. Loom work: bound <= 2, under 2 s each (debug).

use racelab::check::ViolationKind;
use racelab::explain::{self, Explanation, Verdict, render};
use racelab::matrix;
use racelab::model::ModelKind;
use racelab::workload::probe::Action;

#[path = "common/golden.rs"]
mod golden;
use golden::golden;

fn explain(model: ModelKind, name: &str) -> Explanation {
    let pair = matrix::find(model, name).expect("a known pair");
    explain::explain(&pair, explain::default_bound(model)).expect("a bound loom takes")
}

/// (thread, action) of every row, for the fact checks.
fn steps(e: &Explanation) -> Vec<(&str, &Action)> {
    e.rows
        .iter()
        .map(|r| (r.thread.as_str(), &r.action))
        .collect()
}

fn reads(e: &Explanation, var: &str) -> Vec<(String, i64)> {
    steps(e)
        .into_iter()
        .filter_map(|(t, a)| match a {
            Action::Read { var: v, value } if *v == var => Some((t.to_string(), *value)),
            _ => None,
        })
        .collect()
}

fn writes(e: &Explanation, var: &str) -> Vec<(String, i64)> {
    steps(e)
        .into_iter()
        .filter_map(|(t, a)| match a {
            Action::Write { var: v, value } if *v == var => Some((t.to_string(), *value)),
            _ => None,
        })
        .collect()
}

#[test]
fn counter_without_a_lock_reads_0_twice_and_writes_1_twice() {
    let e = explain(ModelKind::Counter, "none");
    assert_eq!(e.verdict, Verdict::Violated, "replay: {}", e.replay);
    assert_eq!(e.violations[0].kind, ViolationKind::LostUpdate);
    assert_eq!(
        e.bound, 1,
        "one preemption is the fewest that loses an update"
    );
    let pair = |a: &str, b: &str, v| vec![(a.to_string(), v), (b.to_string(), v)];
    assert_eq!(reads(&e, "x"), pair("T0", "T1", 0), "replay: {}", e.replay);
    assert_eq!(writes(&e, "x"), pair("T1", "T0", 1), "replay: {}", e.replay);
    golden("counter-none.txt", &render::text(&e));
    golden(
        "counter-none.json",
        &(serde_json::to_string_pretty(&e).expect("serializes") + "\n"),
    );
}

#[test]
fn ticket_office_without_a_lock_lets_two_buyers_see_1_left() {
    let e = explain(ModelKind::Tickets, "none");
    assert_eq!(e.verdict, Verdict::Violated, "replay: {}", e.replay);
    assert_eq!(e.violations[0].kind, ViolationKind::Oversold);
    let seen = reads(&e, "left");
    assert_eq!(
        seen,
        vec![("B0".to_string(), 1), ("B1".to_string(), 1)],
        "replay: {}",
        e.replay
    );
    golden("tickets-none.txt", &render::text(&e));
}

#[test]
fn queue_waiting_with_if_pops_from_empty() {
    let e = explain(ModelKind::Queue, "condvar-if");
    assert_eq!(e.verdict, Verdict::Violated, "replay: {}", e.replay);
    assert_eq!(e.violations[0].kind, ViolationKind::PopFromEmpty);
    // The trace ends with a consumer waking to an empty queue.
    let last = e.rows.last().expect("a trace");
    assert!(
        matches!(last.action, Action::Woke { on: "not_empty" }),
        "replay: {}",
        e.replay
    );
    assert_eq!(writes(&e, "len").last().map(|w| w.1), Some(0));
    golden("queue-condvar-if.txt", &render::text(&e));
}

#[test]
fn one_condvar_notify_one_deadlock_names_who_waits_on_what() {
    let e = explain(ModelKind::Queue, "one-condvar");
    assert_eq!(e.verdict, Verdict::Violated, "replay: {}", e.replay);
    let v = &e.violations[0];
    assert_eq!(v.kind, ViolationKind::Deadlock);
    for who in ["P0", "C0", "C1"] {
        assert!(
            v.evidence.contains(&format!("{who} waits on changed")),
            "{v}; replay: {}",
            e.replay
        );
    }
    golden("queue-one-condvar.txt", &render::text(&e));
}

#[test]
fn replaying_the_printed_command_reproduces_the_same_trace() {
    // The replay command is `explain --bound N`: run the same search twice.
    for (model, name) in [
        (ModelKind::Counter, "none"),
        (ModelKind::Counter, "spin-relaxed"),
        (ModelKind::Queue, "one-condvar"),
    ] {
        let pair = matrix::find(model, name).expect("a known pair");
        let first =
            explain::explain(&pair, explain::default_bound(model)).expect("a bound loom takes");
        let bound: usize = first
            .replay
            .rsplit(' ')
            .next()
            .and_then(|b| b.parse().ok())
            .expect("the replay command ends with the bound");
        let again = explain::explain(&pair, bound).expect("a bound loom takes");
        assert_eq!(first.verdict, Verdict::Violated);
        assert_eq!(first.rows, again.rows, "replay: {}", first.replay);
        assert_eq!(first.violations, again.violations);
    }
}
