//! Golden shuttle traces: a failure found by the shuttle tier, shrunk and
//! printed as a column-per-thread table, byte for byte. Regenerate after an
//! intended change with `RACELAB_BLESS=1 cargo test --test
//! shuttle_trace_golden` and review the diff. Fixed seeds: the same search,
//! the same shrunk schedule, the same table.

use racelab::check::{Violation, ViolationKind};
use racelab::matrix::{self, Scale};
use racelab::model::ModelKind;
use racelab::sync::{AtomicWord, Backend, Ordering::SeqCst};
use racelab::tier::Tier;
use std::sync::Arc;

#[path = "common/golden.rs"]
mod golden;
use golden::golden;

/// The violation and its trace, as a report prints them.
fn text(v: &Violation) -> String {
    format!(
        "{v}\n{}",
        v.trace.as_deref().expect("a shuttle failure has a trace")
    )
}

#[test]
fn counter_without_a_lock_under_shuttle_shows_the_lost_update_shrunk() {
    let scale = Scale::STANDARD;
    let pair = matrix::find(ModelKind::Counter, "none").expect("a known pair");
    let outcome = pair.shuttle(
        &scale.plan(ModelKind::Counter, Tier::Shuttle),
        &scale.shuttle.config,
    );
    let first = outcome
        .violations
        .first()
        .expect("the unlocked counter fails");
    assert_eq!(first.kind, ViolationKind::LostUpdate);
    let trace = first.trace.as_deref().expect("a trace");
    assert!(trace.contains("read x = "), "{trace}");
    golden("shuttle-counter-none.txt", &text(first));
    // The same search again: the same trace.
    let again = pair.shuttle(
        &scale.plan(ModelKind::Counter, Tier::Shuttle),
        &scale.shuttle.config,
    );
    assert_eq!(again.violations[0].trace, first.trace);
}

/// Six threads increment with a load and a store: a user's program with
/// no probe calls, checked through `program!` on shuttle alone.
fn lost_update<B: Backend>() {
    let count = Arc::new(B::AtomicUsize::new(0));
    let threads: Vec<_> = (0..6)
        .map(|_| {
            let count = Arc::clone(&count);
            B::spawn(move || {
                let seen = count.load(SeqCst);
                count.store(seen + 1, SeqCst);
            })
        })
        .collect();
    for t in threads {
        racelab::verify::join::<B, _>(t);
    }
    assert_eq!(count.load(SeqCst), 6, "an increment was lost");
}

#[test]
fn a_user_program_of_six_threads_fails_under_shuttle_with_a_trace() {
    let report = racelab::program!(lost_update)
        .tiers(&[Tier::Shuttle])
        .seed(7)
        .run();
    let run = &report.runs[0];
    let first = run
        .outcome
        .violations
        .first()
        .expect("the lost update is found");
    assert_eq!(first.kind, ViolationKind::Assertion);
    golden("shuttle-program-lost-update.txt", &text(first));
}

#[test]
fn racelab_explain_on_shuttle_prints_the_shrunk_table() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_racelab"))
        .args(["explain", "counter", "none", "--tier", "shuttle"])
        .output()
        .expect("run racelab");
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8(out.stdout).expect("utf-8");
    // Wall time is the one line that changes from run to run.
    let text: String = stdout
        .lines()
        .filter(|l| !l.starts_with("time:"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert!(text.contains("found by shuttle"), "{text}");
    golden("shuttle-explain-counter-none.txt", &text);
}
