//! `racelab pi --via <mechanism|all>`: the lessons' ten workers computing
//! pi, their partial sums handed to the parent through one IPC mechanism
//! (SCENARIOS.md §5).

use clap::Args as ClapArgs;
use racelab::ipc::{self, Mechanism, PiRun};
use std::process::ExitCode;

#[derive(ClapArgs)]
pub struct Args {
    /// pipe, fifo, mqueue, shm, unix-socket, tcp, files, or all.
    #[arg(long, default_value = "all")]
    via: String,
    /// Worker processes.
    #[arg(long, default_value_t = 10)]
    workers: usize,
    /// Terms of the series sum 1/(2k+1)^2, k < terms.
    #[arg(long, default_value_t = 10_000_000)]
    terms: u64,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// The tolerance the issue gives against the single-process sum.
const TOLERANCE: f64 = 1e-9;

pub fn run(args: &Args) -> ExitCode {
    let mechanisms: Vec<Mechanism> = match args.via.as_str() {
        "all" => Mechanism::ALL.to_vec(),
        name => match Mechanism::parse(name) {
            Some(m) => vec![m],
            None => {
                let known: Vec<&str> = Mechanism::ALL.iter().map(|m| m.name()).collect();
                eprintln!(
                    "racelab: unknown mechanism `{name}` (known: {}, all)",
                    known.join(", ")
                );
                return ExitCode::from(2);
            }
        },
    };
    if args.workers == 0 || args.workers > 64 {
        eprintln!("racelab: --workers must be between 1 and 64");
        return ExitCode::from(2);
    }
    let mut runs: Vec<PiRun> = Vec::new();
    for via in mechanisms {
        match ipc::pi(via, args.workers, args.terms) {
            Ok(run) => runs.push(run),
            Err(e) => {
                eprintln!("racelab: pi via {via} failed: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&runs).expect("runs serialize")
        );
    } else {
        println!(
            "{} workers, {} terms; reference pi {:.15}",
            args.workers,
            args.terms,
            ipc::reference(args.workers, args.terms)
        );
        println!("{:<12} {:<18} {:<10} {:>9}", "via", "pi", "error", "time");
        for run in &runs {
            println!(
                "{:<12} {:<18.15} {:<10.1e} {:>7.1}ms",
                run.via.name(),
                run.pi,
                run.error,
                run.elapsed.as_secs_f64() * 1e3
            );
        }
    }
    if runs.iter().all(|r| r.error <= TOLERANCE) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
