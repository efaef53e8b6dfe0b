//! `racelab explain` on every pair: each broken strategy gets a trace, a
//! violation of the kind the table expects, and a lesson; each correct one
//! holds within the default bound (counter and tickets 3, queue 2: about
//! 10k executions for the correct queue, the largest search here).

use racelab::explain::{self, Verdict};
use racelab::matrix::{self, Expect};
use racelab::tier::Tier;

#[test]
fn every_broken_strategy_is_explained_by_a_trace_and_a_lesson() {
    for pair in matrix::all()
        .into_iter()
        .filter(|p| !p.correct && p.runs_on(Tier::Loom))
    {
        let e = explain::explain(&pair, explain::default_bound(pair.model))
            .expect("a bound loom takes");
        let name = format!("{}/{} (replay: {})", pair.model, pair.strategy, e.replay);
        assert_eq!(e.verdict, Verdict::Violated, "{name}");
        let Expect::Violates(kinds) = pair.loom else {
            panic!("{name}: a broken pair expects a violation under loom");
        };
        assert!(
            kinds.contains(&e.violations[0].kind),
            "{name}: {:?}",
            e.violations
        );
        assert!(e.rows.len() >= 2, "{name}: a trace has steps");
        for row in &e.rows {
            assert!(
                e.threads.contains(&row.thread),
                "{name}: column {}",
                row.thread
            );
        }
        assert!(e.lesson.is_some(), "{name}");
    }
}

#[test]
fn every_correct_strategy_holds_within_the_default_bound() {
    for pair in matrix::all()
        .into_iter()
        .filter(|p| p.correct && p.runs_on(Tier::Loom))
    {
        let e = explain::explain(&pair, explain::default_bound(pair.model))
            .expect("a bound loom takes");
        let name = format!("{}/{} (rerun: {})", pair.model, pair.strategy, e.replay);
        assert_eq!(e.verdict, Verdict::Holds, "{name}: {:?}", e.violations);
        assert!(e.rows.is_empty(), "{name}");
        assert!(e.executions > 0, "{name}");
    }
}

#[test]
fn only_the_relaxed_spin_lock_needs_weak_memory_to_fail() {
    for pair in matrix::all()
        .into_iter()
        .filter(|p| !p.correct && p.runs_on(Tier::Loom))
    {
        let e = explain::explain(&pair, explain::default_bound(pair.model))
            .expect("a bound loom takes");
        assert_eq!(
            e.weak_memory,
            pair.strategy == "spin-relaxed",
            "{}/{} (replay: {})",
            pair.model,
            pair.strategy,
            e.replay
        );
    }
}
