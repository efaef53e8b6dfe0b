//! Real threads read the facade's own records: a user's program, which
//! tells no probe anything, still ends in a hang that names each thread's
//! operation, object and lock holder, with a trace of each thread's last
//! steps. Regenerate the golden after an intended change with
//! `RACELAB_BLESS=1 cargo test --test threads_facade_golden` and review
//! the diff. Each run takes the watchdog's 1 s (deadlock) or its stall,
//! plus its 2 s grace.

use racelab::check::ViolationKind::Hang;
use racelab::sync::{AtomicWord, Backend, Mutex, Ordering::Relaxed};
use racelab::tier::Tier;
use racelab::tier::threads::Perturb;
use racelab::verify::{Check, Report, join};
use std::sync::Arc;
use std::time::Duration;

#[path = "common/golden.rs"]
mod golden;
use golden::golden;

/// Two threads take two mutexes in opposite orders; a std barrier between
/// their two lock calls makes each take its first before either asks for
/// its second, so the program deadlocks on every run.
fn opposite_orders<B: Backend>() {
    let a = Arc::new(Mutex::<B, u32>::new(0));
    let b = Arc::new(Mutex::<B, u32>::new(0));
    let both = Arc::new(std::sync::Barrier::new(2));
    let handles: Vec<_> = (0..2)
        .map(|i| {
            let (a, b, both) = (Arc::clone(&a), Arc::clone(&b), Arc::clone(&both));
            B::spawn(move || {
                let (first, second) = if i == 0 { (&a, &b) } else { (&b, &a) };
                let mut x = first.lock();
                both.wait();
                let mut y = second.lock();
                *x += 1;
                *y += 1;
            })
        })
        .collect();
    for handle in handles {
        join::<B, _>(handle);
    }
}

/// Two threads wait on a flag nobody raises, with plain loads and no spin
/// hint: a livelock only the facade's records can see.
fn spin_forever<B: Backend>() {
    let flag = Arc::new(B::AtomicUsize::new(0));
    let handles: Vec<_> = (0..2)
        .map(|_| {
            let flag = Arc::clone(&flag);
            B::spawn(move || while flag.load(Relaxed) == 0 {})
        })
        .collect();
    for handle in handles {
        join::<B, _>(handle);
    }
}

/// The check on real threads only, seeded so the trace's first line is fixed.
fn on_threads(check: Check, stall: Duration) -> Report {
    let mut settings = check.current().clone();
    settings.threads.stall = stall;
    settings.threads.rounds = 1;
    check
        .settings(settings)
        .tiers(&[Tier::Threads])
        .seed(7)
        .run()
}

/// The violation's text and its trace, as the report prints them.
fn evidence_and_trace(report: &Report) -> String {
    let run = report.runs.first().expect("one run");
    let violation = run.outcome.violations.first().expect("a violation");
    format!(
        "{violation}\n{}\n",
        violation.trace.as_deref().expect("a trace")
    )
}

#[test]
fn a_deadlocked_program_is_a_hang_naming_each_lock_and_its_holder() {
    let report = on_threads(racelab::program!(opposite_orders), Duration::from_secs(10));
    let run = &report.runs[0];
    assert_eq!(run.outcome.violations[0].kind, Hang, "{report}");
    let text = evidence_and_trace(&report);
    // The facts, so that a bad bless cannot turn the test green.
    for fact in [
        "every thread blocked for 1.0s",
        "T0 in lock m1 (held by T1)",
        "T1 in lock m0 (held by T0)",
        "main in join T0",
        "2 threads stayed blocked and were left behind",
        "perturbed real threads, seed 7, round 1",
    ] {
        assert!(text.contains(fact), "{fact:?} missing from:\n{text}");
    }
    assert!(
        run.replay.starts_with("RACELAB_SEED=7 "),
        "the replay names the seed: {}",
        run.replay
    );
    golden("threads-program-deadlock.txt", &text);
}

#[test]
fn a_spinning_livelock_is_a_hang_and_the_run_returns() {
    let report = on_threads(racelab::program!(spin_forever), Duration::from_millis(500));
    let violation = &report.runs[0].outcome.violations[0];
    assert_eq!(violation.kind, Hang, "{report}");
    // The spinners' loads are no progress; they unwound at their next load.
    for fact in [
        "T0 spinning on a0",
        "T1 spinning on a0",
        "every worker was released",
    ] {
        assert!(
            violation.evidence.contains(fact),
            "{fact:?} missing from {violation}"
        );
    }
    let trace = violation.trace.as_deref().expect("a trace");
    assert!(trace.contains("load a0 -> 0"), "{trace}");
}

#[test]
fn without_perturbation_the_trace_says_so() {
    let check = racelab::program!(opposite_orders).perturb(Perturb::Off);
    let report = on_threads(check, Duration::from_secs(10));
    let text = evidence_and_trace(&report);
    assert!(
        text.contains("real threads (not perturbed), round 1"),
        "{text}"
    );
}
