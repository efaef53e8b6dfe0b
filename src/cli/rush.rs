//! `racelab rush`: the lessons' ticket rush with real processes, every
//! buyer's search and buy printed in the order they happened, then the
//! verdict.

use clap::Args as ClapArgs;
use racelab::check::tickets::RushPlan;
use racelab::process::region::MAX_SEATS;
use racelab::process::rush::{self, RushRun};
use racelab::process::{ProcessConfig, Store, Strategy, scenario};
use std::process::ExitCode;
use std::time::Duration;

#[derive(ClapArgs)]
pub struct Args {
    /// Buyers, each its own process.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u16).range(1..=100))]
    buyers: u16,
    /// Tickets on sale.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(0..=1000))]
    tickets: u16,
    /// The process strategy (see `racelab list`).
    #[arg(long, value_parser = parse_strategy)]
    strategy: Strategy,
    /// How long the race window waits for the other buyers, in ms.
    #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(u64).range(0..=10_000))]
    hold_ms: u64,
    /// Where a locked strategy keeps the office: file (the lessons' JSON
    /// database) or memory (the shared region).
    #[arg(long, default_value = "file", value_parser = parse_store)]
    store: Store,
    /// Also time the rush against joining each buyer before the next starts.
    #[arg(long)]
    compare_join: bool,
}

fn parse_store(s: &str) -> Result<Store, String> {
    Store::parse(s).ok_or_else(|| format!("unknown store `{s}` (expected file or memory)"))
}

fn parse_strategy(s: &str) -> Result<Strategy, String> {
    Strategy::parse(s).ok_or_else(|| {
        let names: Vec<&str> = Strategy::ALL.iter().map(|s| s.name()).collect();
        format!(
            "unknown strategy `{s}` (expected one of: {})",
            names.join(", ")
        )
    })
}

pub fn run(args: &Args) -> ExitCode {
    let (buyers, tickets) = (usize::from(args.buyers), usize::from(args.tickets));
    if (args.strategy == Strategy::Atomic || args.store == Store::Memory) && tickets > MAX_SEATS {
        eprintln!("racelab: the shared office holds at most {MAX_SEATS} tickets");
        return ExitCode::from(2);
    }
    let plan = RushPlan::rush(buyers, tickets);
    let config = ProcessConfig {
        hold: Duration::from_millis(args.hold_ms),
        store: args.store,
        ..ProcessConfig::default()
    };
    println!(
        "ticket rush: {buyers} buyers, {tickets} ticket(s), strategy {} ({})",
        args.strategy,
        args.strategy.summary()
    );
    let run = match rush::rush(args.strategy, &plan, &config) {
        Ok(run) => run,
        Err(e) => {
            eprintln!("racelab: the rush could not run: {e}");
            return ExitCode::FAILURE;
        }
    };
    print_timeline(&run);
    let verdict_ok = print_verdict(&run, &plan, args.strategy);
    if args.compare_join {
        compare_join(args.strategy, buyers, tickets);
    }
    if verdict_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn print_timeline(run: &RushRun) {
    let mut events: Vec<(u64, String)> = Vec::new();
    for log in &run.logs {
        events.push((
            log.search_at,
            format!("buyer {}: searched, {} left", log.buyer, log.search),
        ));
        let at = log.released_at.unwrap_or(log.search_at);
        let line = if log.seats.is_empty() {
            format!("buyer {}: sold out", log.buyer)
        } else {
            let seats: Vec<String> = log.seats.iter().map(|s| format!("seat {s}")).collect();
            format!("buyer {}: bought {}", log.buyer, seats.join(", "))
        };
        events.push((at, line));
    }
    events.sort();
    for (at, line) in events {
        println!("{:>9.3} ms  {line}", at as f64 / 1000.0);
    }
}

/// Prints the verdict; true when it is the one the strategy must get.
fn print_verdict(run: &RushRun, plan: &RushPlan, strategy: Strategy) -> bool {
    println!(
        "searches that ran while another buyer was inside its buy: {} of {}",
        run.searches_during_a_buy(),
        plan.buyers
    );
    println!(
        "sold {} of {} ticket(s) to {} buyer(s) in {:.1} ms",
        run.sold(),
        plan.tickets,
        plan.buyers,
        run.elapsed.as_secs_f64() * 1000.0
    );
    if run.violations.is_empty() {
        println!("verdict: holds (no oversell, no seat sold twice, every ticket sold)");
    } else {
        println!("verdict: VIOLATED");
        for v in &run.violations {
            println!("  {v}");
        }
    }
    let expected = strategy.correct() == run.violations.is_empty();
    println!(
        "expected: {} -> {}",
        if strategy.correct() {
            "holds"
        } else {
            "violated"
        },
        if expected { "as expected" } else { "MISMATCH" }
    );
    expected
}

fn compare_join(strategy: Strategy, buyers: usize, tickets: usize) {
    let work = Duration::from_millis(20);
    match scenario::join_vs_lock(strategy, buyers, tickets, work) {
        Ok(m) => println!(
            "join vs lock ({} ms per search and per buy): joined one by one {:.1} ms, \
             all at once with {strategy} around the buy {:.1} ms",
            work.as_millis(),
            m.joined.as_secs_f64() * 1000.0,
            m.locked.as_secs_f64() * 1000.0
        ),
        Err(e) => eprintln!("racelab: join vs lock could not run: {e}"),
    }
}
