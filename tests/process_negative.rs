//! Every broken process strategy, run 100 times: it must be caught every
//! time, with the violation it is known for. Ignored by default (about a
//! minute); run with
//! `cargo test --test process_negative -- --ignored --nocapture`.

mod common;

use racelab::check::ViolationKind;
use racelab::lessons::scenario;
use racelab::process::{ProcessConfig, Store, Strategy, tickets};
use racelab::workload::counter::CounterPlan;
use racelab::workload::tickets::TicketsPlan;
use std::time::Duration;

const RUNS: usize = 100;
const BROKEN: [Strategy; 3] = [
    Strategy::None,
    Strategy::Semaphore2,
    Strategy::InheritedFlock,
];

fn config() -> ProcessConfig {
    ProcessConfig {
        hold: Duration::from_millis(200),
        ..ProcessConfig::default()
    }
}

common::forked_tests! {
    #![rusty_fork(timeout_ms = 900_000)]

    #[test]
    #[ignore]
    fn broken_strategies_are_caught_in_every_one_of_100_runs() {
        let plan = CounterPlan { adders: 4, subtractors: 0, ops: 100 };
        let mut counts = Vec::new();
        for strategy in BROKEN {
            let caught = (0..RUNS)
                .filter(|_| {
                    racelab::tier::processes::run(strategy, &plan, &config())
                        .violations
                        .iter()
                        .any(|v| v.kind == ViolationKind::LostUpdate)
                })
                .count();
            counts.push((format!("counter/{strategy} lost update"), caught));
            let runs: Vec<_> = (0..RUNS)
                .map(|_| tickets::rush(strategy, &TicketsPlan::rush(10, 1), &config()).expect("rush runs"))
                .collect();
            let caught = runs
                .iter()
                .filter(|run| run.violations.iter().any(|v| v.kind == ViolationKind::Oversold))
                .count();
            counts.push((format!("tickets/{strategy} oversold (10 buyers, 1 ticket)"), caught));
            let all_ten = runs.iter().filter(|run| run.sold() == 10).count();
            let memory = ProcessConfig { store: Store::Memory, ..config() };
            let caught = (0..RUNS)
                .filter(|_| {
                    let run = tickets::rush(strategy, &TicketsPlan::rush(10, 1), &memory).expect("rush runs");
                    run.violations.iter().any(|v| v.kind == ViolationKind::Oversold)
                })
                .count();
            counts.push((format!("tickets/{strategy} oversold, office in shared memory"), caught));
            println!("tickets/{strategy}: all 10 buyers bought the 1 ticket in {all_ten} of {RUNS} runs");
        }
        let torn = (0..RUNS)
            .filter(|_| scenario::read_during_rewrite(true).is_err())
            .count();
        counts.push(("file db in-place rewrite: torn read".to_string(), torn));
        for (what, caught) in &counts {
            println!("{what}: caught in {caught} of {RUNS} runs");
        }
        assert!(counts.iter().all(|(_, caught)| *caught == RUNS), "{counts:?}");
    }
}
