//! Every shuttle failure carries a trace: the failing schedule shrunk to
//! fewer preemptions, replayed with its steps recorded, as a table.

use racelab::check::ViolationKind;
use racelab::matrix::{self, Scale};
use racelab::model::ModelKind;
use racelab::tier::Tier;

#[test]
fn a_broken_pair_fails_with_a_shrunk_trace() {
    let scale = Scale::STANDARD;
    for (model, name) in [
        (ModelKind::Counter, "none"),
        (ModelKind::Tickets, "check-then-act"),
        (ModelKind::Queue, "condvar-if"),
        (ModelKind::Queue, "one-condvar"),
    ] {
        let pair = matrix::find(model, name).expect("a known pair");
        let plan = scale.plan(model, Tier::Shuttle);
        let outcome = pair.shuttle(&plan, &scale.shuttle.config);
        let first = outcome.violations.first().expect("a broken pair fails");
        let trace = first.trace.as_deref().expect("a trace");
        println!("{model}/{name}: {first}\n{trace}");
        assert!(trace.starts_with("found by "), "{trace}");
        assert!(trace.contains("shrunk from"), "{trace}");
        let _ = ViolationKind::LostUpdate;
    }
}
