//! Every shuttle failure carries a trace: the failing schedule shrunk to
//! fewer preemptions, replayed with its steps recorded, as a table.

use racelab::check::ViolationKind;
use racelab::matrix::{self, Scale};
use racelab::model::ModelKind;
use racelab::tier::Tier;

#[test]
fn every_broken_pair_fails_under_shuttle_with_a_shrunk_trace() {
    let scale = Scale::STANDARD;
    for (model, name, kinds) in [
        (ModelKind::Counter, "none", &[ViolationKind::LostUpdate][..]),
        (
            ModelKind::Tickets,
            "check-then-act",
            &[ViolationKind::Oversold, ViolationKind::SoldTwice][..],
        ),
        (
            ModelKind::Queue,
            "condvar-if",
            &[ViolationKind::CapacityExceeded, ViolationKind::PopFromEmpty][..],
        ),
        (
            ModelKind::Queue,
            "one-condvar",
            &[ViolationKind::Deadlock][..],
        ),
    ] {
        let pair = matrix::find(model, name).expect("a known pair");
        let plan = scale.plan(model, Tier::Shuttle);
        let outcome = pair.shuttle(&plan, &scale.shuttle.config);
        let first = outcome.violations.first().expect("a broken pair fails");
        let trace = first.trace.as_deref().expect("a trace");
        println!("{model}/{name}: {first}\n{trace}");
        assert!(trace.starts_with("found by "), "{trace}");
        // "shrunk from N to M preemption(s)": never more than it found.
        let counts: Vec<usize> = trace
            .split("shrunk from ")
            .nth(1)
            .and_then(|rest| rest.split(" preemption").next())
            .map(|s| s.split(" to ").filter_map(|n| n.parse().ok()).collect())
            .unwrap_or_default();
        assert!(counts.len() == 2 && counts[1] <= counts[0], "{trace}");
        // The table shows the workers the violation names.
        assert!(trace.contains(" #  "), "{trace}");
        assert!(kinds.contains(&first.kind), "{first}");
    }
}
