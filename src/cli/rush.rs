//! `racelab rush`: the ticket rush of docs/scenarios.md §7 with real
//! processes, every buyer's search and buy printed in the order they
//! happened, then the verdict.

use super::range::{text, whole};
use super::{CliError, Finish, Out};
use crate::lessons::scenario;
use crate::process::region::MAX_SEATS;
use crate::process::tickets::{self, TicketsRun};
use crate::process::{ProcessConfig, Store, Strategy};
use crate::workload::tickets::TicketsPlan;
use clap::Args as ClapArgs;
use std::time::Duration;

#[derive(ClapArgs)]
pub struct Args {
    /// Buyers, each its own process (1 to 100).
    #[arg(long, default_value_t = 10, allow_hyphen_values = true,
          value_parser = whole::<usize>(1, 100))]
    buyers: usize,
    /// Tickets on sale (0 to 1000; the shared office in memory holds
    /// fewer).
    #[arg(long, default_value_t = 1, allow_hyphen_values = true,
          value_parser = whole::<usize>(0, 1000))]
    tickets: usize,
    /// The process strategy (see `racelab list`).
    #[arg(long, allow_hyphen_values = true, value_parser = text(parse_strategy))]
    strategy: Strategy,
    /// How long the race window waits for the other buyers, in ms (0 to
    /// 10000).
    #[arg(long, default_value_t = 300, allow_hyphen_values = true,
          value_parser = whole::<u64>(0, 10_000))]
    hold_ms: u64,
    /// Where a locked strategy keeps the office: file (a JSON database in a
    /// file) or memory (the shared region).
    #[arg(long, default_value = "file", allow_hyphen_values = true,
          value_parser = text(parse_store))]
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

impl Args {
    pub(super) fn validate(&self) -> Result<(), CliError> {
        if (self.strategy == Strategy::Atomic || self.store == Store::Memory)
            && self.tickets > MAX_SEATS
        {
            return Err(CliError::bad_input(format!(
                "the shared office holds at most {MAX_SEATS} tickets (--tickets {})",
                self.tickets
            )));
        }
        Ok(())
    }
}

pub fn run(args: &Args, out: &mut Out) -> Result<Finish, CliError> {
    let (buyers, tickets) = (args.buyers, args.tickets);
    let plan = TicketsPlan::rush(buyers, tickets);
    let config = ProcessConfig {
        hold: Duration::from_millis(args.hold_ms),
        store: args.store,
        ..ProcessConfig::default()
    };
    writeln!(
        out,
        "ticket rush: {buyers} buyers, {tickets} ticket(s), strategy {} ({})",
        args.strategy,
        args.strategy.summary()
    )?;
    out.flush()?;
    let run = tickets::rush(args.strategy, &plan, &config)
        .map_err(|e| CliError::run_failed(format!("the rush could not run: {e}")))?;
    print_timeline(&run, out)?;
    let verdict_ok = print_verdict(&run, &plan, args.strategy, out)?;
    if args.compare_join {
        compare_join(args.strategy, buyers, tickets, out)?;
    }
    Ok(Finish::from_expected(verdict_ok))
}

fn print_timeline(run: &TicketsRun, out: &mut Out) -> Result<(), CliError> {
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
        writeln!(out, "{:>9.3} ms  {line}", at as f64 / 1000.0)?;
    }
    Ok(())
}

/// Prints the verdict; true when it is the one the strategy must get.
fn print_verdict(
    run: &TicketsRun,
    plan: &TicketsPlan,
    strategy: Strategy,
    out: &mut Out,
) -> Result<bool, CliError> {
    writeln!(
        out,
        "searches that ran while another buyer was inside its buy: {} of {}",
        run.searches_during_a_buy(),
        plan.buyers
    )?;
    writeln!(
        out,
        "sold {} of {} ticket(s) to {} buyer(s) in {:.1} ms",
        run.sold(),
        plan.tickets,
        plan.buyers,
        run.elapsed.as_secs_f64() * 1000.0
    )?;
    if run.violations.is_empty() {
        writeln!(
            out,
            "verdict: holds (no oversell, no seat sold twice, every ticket sold)"
        )?;
    } else {
        writeln!(out, "verdict: VIOLATED")?;
        let text = crate::process::trace::violations_text(&run.violations, "  ", "");
        write!(out, "{text}")?;
    }
    let expected = strategy.correct() == run.violations.is_empty();
    writeln!(
        out,
        "expected: {} -> {}",
        if strategy.correct() {
            "holds"
        } else {
            "violated"
        },
        if expected { "as expected" } else { "MISMATCH" }
    )?;
    Ok(expected)
}

fn compare_join(
    strategy: Strategy,
    buyers: usize,
    tickets: usize,
    out: &mut Out,
) -> Result<(), CliError> {
    let work = Duration::from_millis(20);
    let m = scenario::join_vs_lock(strategy, buyers, tickets, work)
        .map_err(|e| CliError::run_failed(format!("join vs lock could not run: {e}")))?;
    writeln!(
        out,
        "join vs lock ({} ms per search and per buy): joined one by one {:.1} ms, \
             all at once with {strategy} around the buy {:.1} ms",
        work.as_millis(),
        m.joined.as_secs_f64() * 1000.0,
        m.locked.as_secs_f64() * 1000.0
    )
}
