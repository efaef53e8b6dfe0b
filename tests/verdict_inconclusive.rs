//! Inconclusive is a verdict of its own: never accepted where a pair must
//! hold or must be caught, carried in the JSON with its reason, and shown by
//! explain as "inconclusive (reason)" with no lesson.

mod common;

use common::pair;
use racelab::explain::{self, Verdict, render};
use racelab::matrix::{Expect, Plan};
use racelab::model::ModelKind::Counter;
use racelab::tier::loom::LoomConfig;
use racelab::tier::{Limit, Outcome, Work};
use racelab::workload::counter::CounterPlan;
use std::time::Duration;

/// Five adders and main: one thread more than loom models.
const TOO_MANY: Plan = Plan::Counter(CounterPlan {
    adders: 5,
    subtractors: 0,
    ops: 1,
});

fn inconclusive() -> Outcome {
    Outcome::inconclusive(
        Limit::TimeCap,
        "the search stopped at its cap",
        Work::Executions {
            count: 10,
            bound: Some(1),
        },
        Duration::from_millis(5),
    )
}

#[test]
fn an_inconclusive_run_matches_neither_holds_nor_violates() {
    let outcome = inconclusive();
    assert_eq!(outcome.verdict(), Verdict::Inconclusive);
    assert!(!Expect::Holds.accepts(&outcome));
    assert!(!Expect::Violates(&[racelab::check::ViolationKind::LostUpdate]).accepts(&outcome));
    // A tier that cannot decide anyway accepts whatever it gets.
    assert!(Expect::Either("weak memory").accepts(&outcome));
}

#[test]
fn the_json_carries_the_limit_and_the_reason() {
    let found = pair(Counter, "mutex").explore(&TOO_MANY, &LoomConfig::bounded(Some(1)));
    let json = serde_json::to_value(&found.outcome).expect("an outcome serializes");
    assert_eq!(json["inconclusive"]["limit"], "loom-threads", "{json}");
    let reason = json["inconclusive"]["reason"].as_str().expect("a reason");
    assert!(reason.contains("loom models at most 5"), "{reason}");
    assert_eq!(json["violations"].as_array().map(Vec::len), Some(0));
}

#[test]
fn explain_says_inconclusive_with_the_reason_and_invents_no_lesson() {
    // A broken strategy: had loom run it, there would be a lesson.
    let e = explain::explain_plan(&pair(Counter, "none"), &TOO_MANY, 2).expect("bound 2");
    assert_eq!(e.verdict, Verdict::Inconclusive);
    assert_eq!(
        e.inconclusive.as_ref().map(|i| i.limit),
        Some(Limit::LoomThreads)
    );
    assert!(e.violations.is_empty());
    assert!(e.rows.is_empty());
    assert_eq!(e.lesson, None);
    let text = render::text(&e);
    println!("{text}");
    assert!(
        text.contains("counter / none: inconclusive (loom thread limit: "),
        "{text}"
    );
    assert!(!text.contains("lesson"), "{text}");
    assert!(!text.contains("holds"), "{text}");
    assert!(!text.contains("no failing interleaving"), "{text}");
}
