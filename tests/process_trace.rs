//! Every process-tier violation carries a trace: the line that says why
//! there is no seed (nothing is drawn at random: the same command reruns
//! it), then each worker's last steps from the crew's progress board, one
//! block per worker. Negative controls on broken pairs (each fails every
//! run: its race window makes sure) assert that the trace names every
//! worker and shows its steps; a hang cut by the watchdog carries the same
//! trace, naming where each worker waited.

mod common;

use racelab::check::{Violation, ViolationKind};
use racelab::process::lock::{Acquired, LockError, ProcessLock};
use racelab::process::queue::Via;
use racelab::process::trace::NO_SEED;
use racelab::process::{Facts, ProcessConfig, ProcessLockImpl, Site, Strategy, lock_form};
use racelab::tier::Verdict;
use racelab::tier::processes::run;
use racelab::workload::counter::CounterPlan;
use racelab::workload::queue::{Ending, QueuePlan};
use racelab::workload::tickets::TicketsPlan;
use std::time::Duration;

/// The trace of the first violation of `kind`, checked to open with the
/// no-seed line and to hold one block per worker in `who`, each with at
/// least one step under it.
fn trace_naming_every_worker<'a>(
    violations: &'a [Violation],
    kind: ViolationKind,
    who: &[String],
) -> &'a str {
    let v = violations
        .iter()
        .find(|v| v.kind == kind)
        .unwrap_or_else(|| panic!("no {kind} in {violations:?}"));
    let trace = v
        .trace
        .as_deref()
        .expect("a process violation carries a trace");
    assert!(trace.starts_with(NO_SEED), "{trace}");
    let lines: Vec<&str> = trace.lines().collect();
    for name in who {
        let header = format!("{name}: ");
        let at = lines
            .iter()
            .position(|l| l.starts_with(&header))
            .unwrap_or_else(|| panic!("no block for {name}:\n{trace}"));
        assert!(
            lines.get(at + 1).is_some_and(|l| l.starts_with("  ")),
            "{name} has no steps:\n{trace}"
        );
    }
    trace
}

fn names(what: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{what} {i}")).collect()
}

/// A lock nobody ever gets: each acquire waits out its bound (longer than
/// the watchdog's stall time), so the run stops progressing.
struct NeverFree;

impl Facts for NeverFree {
    const NAME: &'static str = "never-free";
    const SUMMARY: &'static str = "a lock that is never free";
}

impl ProcessLockImpl for NeverFree {
    fn create<'a>(_site: &Site<'a>) -> std::io::Result<Box<dyn ProcessLock + 'a>> {
        Ok(Box::new(NeverFree))
    }
}

impl ProcessLock for NeverFree {
    fn acquire(&mut self, within: Duration) -> Result<Acquired, LockError> {
        std::thread::sleep(within);
        Err(LockError::Stuck { holder: None })
    }

    fn release(&mut self) {}
}

/// A lock that excludes nobody: every acquire succeeds at once.
struct NoExclusion;

impl Facts for NoExclusion {
    const NAME: &'static str = "no-exclusion";
    const SUMMARY: &'static str = "a lock every caller takes at once";
}

impl ProcessLockImpl for NoExclusion {
    fn create<'a>(_site: &Site<'a>) -> std::io::Result<Box<dyn ProcessLock + 'a>> {
        Ok(Box::new(NoExclusion))
    }
}

impl ProcessLock for NoExclusion {
    fn acquire(&mut self, _within: Duration) -> Result<Acquired, LockError> {
        Ok(Acquired::Clean)
    }

    fn release(&mut self) {}
}

common::forked_tests! {
    #![rusty_fork(timeout_ms = 120_000)]

    #[test]
    fn a_lost_update_between_processes_shows_each_workers_reads_and_writes() {
        let plan = CounterPlan { adders: 3, subtractors: 0, ops: 20 };
        let outcome = run(Strategy::InheritedFlock, &plan, &ProcessConfig::default());
        let trace = trace_naming_every_worker(
            &outcome.violations,
            ViolationKind::LostUpdate,
            &names("worker", 3),
        );
        for step in ["has the lock", "read ", "wrote ", "done", "ended"] {
            assert!(trace.contains(step), "{step:?} missing:\n{trace}");
        }
    }

    #[test]
    fn an_oversold_rush_shows_what_each_buyer_searched_read_and_bought() {
        let plan = TicketsPlan { buyers: 4, tickets: 1, per_buyer: 1 };
        let outcome = run(Strategy::None, &plan, &ProcessConfig::default());
        let trace =
            trace_naming_every_worker(&outcome.violations, ViolationKind::Oversold, &names("buyer", 4));
        for step in ["searched: 1 left", "read 1", "waits in the race window", "bought seat 0"] {
            assert!(trace.contains(step), "{step:?} missing:\n{trace}");
        }
        // Every violation of the round carries the same trace.
        assert!(outcome.violations.iter().all(|v| v.trace.as_deref() == Some(trace)));
    }

    #[test]
    fn a_queue_that_pops_from_empty_names_every_producer_and_consumer() {
        let plan = QueuePlan {
            producers: 3,
            consumers: 2,
            items: 3,
            capacity: 2,
            ending: Ending::Close,
        };
        let outcome = run(Via::ShmIf, &plan, &ProcessConfig::default());
        let mut who = names("producer", 3);
        who.extend(names("consumer", 2));
        let trace = trace_naming_every_worker(&outcome.violations, ViolationKind::PopFromEmpty, &who);
        for step in ["put P0#0", "get"] {
            assert!(trace.contains(step), "{step:?} missing:\n{trace}");
        }
    }

    #[test]
    fn a_hang_cut_by_the_watchdog_carries_the_trace_of_where_each_worker_waited() {
        let plan = CounterPlan { adders: 2, subtractors: 0, ops: 5 };
        // Each lock wait is bounded far beyond the watchdog's stall time.
        let config = ProcessConfig { lock_within: Duration::from_secs(60), ..ProcessConfig::default() };
        let outcome = run(lock_form::<NeverFree>(), &plan, &config);
        assert_eq!(outcome.verdict(), Verdict::Violated, "{outcome:?}");
        let trace =
            trace_naming_every_worker(&outcome.violations, ViolationKind::Hang, &names("worker", 2));
        for i in 0..2 {
            let block = format!(
                "worker {i}: waiting for the lock after 0 operations; 2 steps\n  started\n  op 1    asks for the lock\n"
            );
            assert!(trace.contains(&block), "{block:?} missing:\n{trace}");
        }
    }

    #[test]
    fn a_users_lock_that_excludes_nobody_is_reported_with_each_rounds_trace_once() {
        let report = racelab::verify::process::lock::<NoExclusion>().run();
        report.assert_violated(ViolationKind::LostUpdate);
        report.assert_violated(ViolationKind::Oversold);
        let text = report.to_string();
        // The counter's round and the rush's (and the kill check's
        // follow-up rush, when it oversells too): one trace each.
        assert!(text.matches(NO_SEED).count() >= 2, "{text}");
        assert!(text.contains("        worker 3: "), "{text}");
        assert!(text.contains("        buyer 0: "), "{text}");
        // The rush's other violations share its trace: not printed again.
        assert!(text.contains("        (the trace above)"), "{text}");
    }

    #[test]
    fn a_correct_pair_holds_with_no_violation_to_trace() {
        let plan = CounterPlan { adders: 3, subtractors: 0, ops: 20 };
        let outcome = run(Strategy::Flock, &plan, &ProcessConfig::default());
        assert_eq!(outcome.verdict(), Verdict::Holds, "{outcome:?}");
    }
}
