//! `racelab pi --via <mechanism|all>`: ten worker processes computing pi,
//! their partial sums handed to the parent through one IPC mechanism
//! (docs/scenarios.md §5).

use super::range::{text, whole};
use super::{CliError, Finish, Out};
use crate::lessons::pi::{self, PiRun, Via};
use clap::Args as ClapArgs;
use clap::builder::StringValueParser;

#[derive(ClapArgs)]
pub struct Args {
    /// pipe, fifo, mqueue, shm, unix-socket, tcp, files, or all.
    #[arg(long, default_value = "all", allow_hyphen_values = true,
          value_parser = text(StringValueParser::new()))]
    via: String,
    /// Worker processes (1 to 64).
    #[arg(long, default_value_t = 10, allow_hyphen_values = true,
          value_parser = whole::<usize>(1, 64))]
    workers: usize,
    /// Terms of the series sum 1/(2k+1)^2, k < terms (1 to 100000000000).
    /// The run stops its workers after a minute: above about 10^9 terms
    /// they may not finish, and the run fails (exit 1) saying so.
    #[arg(long, default_value_t = 10_000_000, allow_hyphen_values = true,
          value_parser = whole::<u64>(1, 100_000_000_000))]
    terms: u64,
    /// Print JSON.
    #[arg(long)]
    pub(super) json: bool,
}

impl Args {
    /// The mechanisms `--via` names.
    pub(super) fn validate(&self) -> Result<Vec<Via>, CliError> {
        match self.via.as_str() {
            "all" => Ok(Via::ALL.to_vec()),
            name => Via::parse(name).map(|m| vec![m]).ok_or_else(|| {
                let known: Vec<&str> = Via::ALL.iter().map(|m| m.name()).collect();
                CliError::bad_input(format!(
                    "unknown mechanism `{name}` for --via (known: {}, all)",
                    known.join(", ")
                ))
            }),
        }
    }
}

/// The tolerance the issue gives against the single-process sum.
const TOLERANCE: f64 = 1e-9;

pub fn run(args: &Args, out: &mut Out) -> Result<Finish, CliError> {
    let mechanisms = args.validate()?;
    let mut runs: Vec<PiRun> = Vec::new();
    for via in mechanisms {
        let run = pi::pi(via, args.workers, args.terms)
            .map_err(|e| CliError::run_failed(format!("pi via {via} failed: {e}")))?;
        runs.push(run);
    }
    if args.json {
        let json = serde_json::to_value(&runs)
            .map_err(|e| CliError::run_failed(format!("cannot write the runs as JSON: {e}")))?;
        writeln!(out, "{json:#}")?;
    } else {
        writeln!(
            out,
            "{} workers, {} terms; reference pi {:.15}",
            args.workers,
            args.terms,
            pi::reference(args.workers, args.terms)
        )?;
        writeln!(
            out,
            "{:<12} {:<18} {:<10} {:>9}",
            "via", "pi", "error", "time"
        )?;
        for run in &runs {
            writeln!(
                out,
                "{:<12} {:<18.15} {:<10.1e} {:>7.1}ms",
                run.via.name(),
                run.pi,
                run.error,
                run.elapsed.as_secs_f64() * 1e3
            )?;
        }
    }
    Ok(Finish::from_expected(
        runs.iter().all(|r| r.error <= TOLERANCE),
    ))
}
