//! `racelab matrix`: every pair on every tier, as a table or JSON.

// Sharding, cells side by side and merging shards (`--shard`, `--jobs`,
// `--merge`) live in matrix/: the runner, the merge and the row read back.
mod merge;
mod parallel;
mod record;

use super::range::{text, whole};
use super::{CliError, Finish, Out};
use crate::matrix::{Expect, Pair, Scale};
use crate::model::ModelKind;
use crate::shard::Shard;
use crate::tier::{Outcome, Tier, Verdict, Work};
use clap::Args as ClapArgs;
use clap::builder::StringValueParser;
use indicatif::{ProgressBar, ProgressStyle};
use record::RowRecord;
use serde::Serialize;
use std::path::PathBuf;
use std::time::Duration;

#[derive(ClapArgs, Default)]
pub struct Args {
    /// Only this model (counter, tickets, queue).
    #[arg(long, allow_hyphen_values = true, value_parser = text(parse_model))]
    model: Option<ModelKind>,
    /// Only this strategy (see `racelab list`).
    #[arg(long, allow_hyphen_values = true, value_parser = text(StringValueParser::new()))]
    strategy: Option<String>,
    /// Only this tier (loom, threads, shuttle, processes).
    #[arg(long, allow_hyphen_values = true, value_parser = text(parse_tier))]
    tier: Option<Tier>,
    /// Seed of the shuttle searches (default: a fixed one). A shuttle row
    /// prints the seed that replays it (0 to 18446744073709551615).
    #[arg(long, allow_hyphen_values = true, value_parser = whole::<u64>(0, u64::MAX))]
    seed: Option<u64>,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub(super) json: bool,
    /// Run only shard K of N (e.g. 2/4): a stable 1/N of the selected
    /// cells. Shards 1..N of one command run every cell exactly once;
    /// `--merge` joins their `--json` reports.
    #[arg(long, value_name = "K/N", allow_hyphen_values = true,
          value_parser = text(parse_shard))]
    shard: Option<Shard>,
    /// Cells run side by side, each in a racelab process of its own
    /// (default: the machine's cores; 1 runs them one by one in this one)
    /// (1 to 1024).
    #[arg(long, value_name = "N", allow_hyphen_values = true,
          value_parser = whole::<usize>(1, 1024))]
    jobs: Option<usize>,
    /// Join the `--json` reports of shards 1..N into one table (or JSON,
    /// with --json) and one exit code.
    #[arg(long, value_name = "FILE", num_args = 1..,
          conflicts_with_all = ["model", "strategy", "tier", "seed", "shard", "jobs"])]
    merge: Vec<PathBuf>,
}

fn parse_shard(s: &str) -> Result<Shard, String> {
    s.parse::<Shard>().map_err(|e| e.to_string())
}

fn parse_model(s: &str) -> Result<ModelKind, String> {
    ModelKind::parse(s)
        .ok_or_else(|| format!("unknown model `{s}` (expected counter, tickets or queue)"))
}

fn parse_tier(s: &str) -> Result<Tier, String> {
    Tier::parse(s)
        .ok_or_else(|| format!("unknown tier `{s}` (expected loom, threads, shuttle or processes)"))
}

/// One line of the table.
#[derive(Serialize)]
struct Row {
    model: ModelKind,
    strategy: &'static str,
    tier: Tier,
    expected: Expect,
    /// The verdict observed: holds, violated or inconclusive; none for an
    /// n/a cell, which is not run.
    verdict: Option<Verdict>,
    #[serde(flatten)]
    outcome: Outcome,
    /// Does the observed verdict match the expected one?
    ok: bool,
    /// The command that runs this cell again.
    replay: String,
}

impl Row {
    fn new(pair: &Pair, tier: Tier, outcome: Outcome) -> Row {
        let expected = pair.expect(tier);
        Row {
            model: pair.model,
            strategy: pair.strategy,
            tier,
            ok: expected.accepts(&outcome),
            verdict: (expected != Expect::NotApplicable).then(|| outcome.verdict()),
            expected,
            replay: replay(pair, tier, &outcome.work),
            outcome,
        }
    }

    fn observed(&self) -> String {
        if self.expected == Expect::NotApplicable {
            return "n/a".to_string();
        }
        match self.outcome.violations.first() {
            Some(v) => v.kind.to_string(),
            None => self.outcome.verdict().to_string(),
        }
    }

    fn work(&self) -> String {
        if self.expected == Expect::NotApplicable {
            return String::new();
        }
        match self.outcome.work {
            Work::Operations { rounds, .. } if !self.outcome.violations.is_empty() => {
                format!("caught in round {rounds}")
            }
            work => work.to_string(),
        }
    }

    fn evidence(&self) -> String {
        match (self.outcome.violations.first(), &self.expected) {
            (Some(v), _) => v.evidence.clone(),
            // The checker's own stop first: it says why this run decided nothing.
            (None, _) if let Some(why) = &self.outcome.inconclusive => why.to_string(),
            (None, Expect::Either(why)) => format!("not decided here: {why}"),
            (None, _) => String::new(),
        }
    }
}

/// The cells `args` selects; none is bad input.
pub(super) fn selected(args: &Args) -> Result<Vec<(Pair, Tier)>, CliError> {
    let pairs: Vec<Pair> = crate::matrix::all()
        .into_iter()
        .filter(|p| args.model.is_none_or(|m| p.model == m))
        .filter(|p| args.strategy.as_deref().is_none_or(|s| p.strategy == s))
        .collect();
    if pairs.is_empty() {
        let known: Vec<String> = crate::matrix::all()
            .iter()
            .map(|p| format!("{}/{}", p.model, p.strategy))
            .collect();
        return Err(CliError::bad_input(format!(
            "no pair matches --model and --strategy; known pairs: {}",
            known.join(", ")
        )));
    }
    let tiers: Vec<Tier> = Tier::ALL
        .into_iter()
        .filter(|t| args.tier.is_none_or(|x| x == *t))
        .collect();
    let cells: Vec<(Pair, Tier)> = pairs
        .into_iter()
        .flat_map(|p| tiers.iter().map(move |t| (p, *t)))
        // The whole matrix shows a pair with no form on a tier as n/a; a
        // chosen tier lists only the pairs that exist there.
        .filter(|(p, t)| args.tier.is_none() || p.expect(*t) != Expect::NotApplicable)
        .collect();
    if cells.is_empty() {
        return Err(CliError::bad_input(
            "no selected pair has a form on that tier (see `racelab list`)",
        ));
    }
    Ok(cells)
}

pub fn run(args: &Args, out: &mut Out) -> Result<Finish, CliError> {
    if !args.merge.is_empty() {
        let rows = merge::merge(&args.merge).map_err(|e| CliError::bad_input(e.to_string()))?;
        return finish(&rows, None, args.json, out);
    }
    let cells = selected(args)?;
    let split = args.shard.map(|shard| (shard, cells.len()));
    let cells = match args.shard {
        Some(shard) => shard.select(cells),
        None => cells,
    };
    let bar = ProgressBar::new(cells.len() as u64);
    if let Ok(style) =
        ProgressStyle::with_template("{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} {msg}")
    {
        bar.set_style(style);
    }
    bar.enable_steady_tick(Duration::from_millis(120));
    let mut scale = Scale::STANDARD;
    if let Some(seed) = args.seed {
        scale.shuttle.config.seed = seed;
    }
    // No implementation on a tier: shown as n/a, not run.
    let runnable: Vec<(Pair, Tier)> = cells
        .iter()
        .copied()
        .filter(|(pair, tier)| pair.runs_on(*tier))
        .collect();
    let jobs = args.jobs.unwrap_or_else(|| {
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
    });
    let mut outcomes = if jobs > 1 && runnable.len() > 1 {
        let done = |pair: &Pair, tier: Tier| {
            bar.set_message(format!("{}/{} on {tier}", pair.model, pair.strategy));
            bar.inc(1);
        };
        parallel::outcomes(&runnable, jobs, args.seed, &done)
    } else {
        run_here(&runnable, &scale, &bar)
    }
    .into_iter();
    let rows: Vec<Row> = cells
        .iter()
        .map(|(pair, tier)| {
            let outcome = if pair.runs_on(*tier) {
                outcomes.next().expect("an outcome per runnable cell")
            } else {
                bar.inc(1);
                Outcome::holds(
                    Work::Operations {
                        count: 0,
                        rounds: 0,
                    },
                    Duration::ZERO,
                )
            };
            Row::new(pair, *tier, outcome)
        })
        .collect();
    bar.finish_and_clear();
    finish(&rows, split, args.json, out)
}

/// Runs `cells` one after another in this process.
fn run_here(cells: &[(Pair, Tier)], scale: &Scale, bar: &ProgressBar) -> Vec<Outcome> {
    // Broken strategies panic on purpose (loom reports through panics, a
    // broken queue pops from empty); the message is kept as evidence.
    // Shuttle installs a printing hook on its first run: install it now so
    // that the silent one replaces it.
    crate::tier::shuttle::init_panic_hook();
    super::silence_panics();
    cells
        .iter()
        .map(|(pair, tier)| {
            bar.set_message(format!("{}/{} on {tier}", pair.model, pair.strategy));
            let quiet = (*tier == Tier::Shuttle).then(super::quiet::QuietStderr::new);
            let outcome = pair.run(*tier, scale);
            drop(quiet);
            bar.inc(1);
            outcome
        })
        .collect()
}

/// Prints the report; the exit code says whether every row matched.
/// `split`: the shard this run is and the cell count of the whole split.
fn finish(
    rows: &[Row],
    split: Option<(Shard, usize)>,
    json: bool,
    out: &mut Out,
) -> Result<Finish, CliError> {
    let failures = rows.iter().filter(|r| !r.ok).count();
    report(rows, failures, split, json, out)?;
    Ok(Finish::from_expected(failures == 0))
}

/// The command that runs one cell again. Loom's search and a shuttle search
/// from a given seed are deterministic: the replay finds the same failure.
fn replay(pair: &Pair, tier: Tier, work: &Work) -> String {
    let cell = format!(
        "racelab matrix --model {} --strategy {} --tier {tier}",
        pair.model, pair.strategy
    );
    match work {
        Work::Schedules { seed, .. } => format!("{cell} --seed {seed}"),
        _ => cell,
    }
}

fn report(
    rows: &[Row],
    failures: usize,
    split: Option<(Shard, usize)>,
    json: bool,
    out: &mut Out,
) -> Result<(), CliError> {
    // Cells the checker could not decide: their own verdict, counted apart.
    let inconclusive = rows
        .iter()
        .filter(|r| r.expected != Expect::NotApplicable)
        .filter(|r| r.outcome.verdict() == Verdict::Inconclusive)
        .count();
    if json {
        let mut report = serde_json::json!({
            "rows": rows,
            "mismatches": failures,
            "inconclusive": inconclusive,
        });
        if let Some((shard, cells)) = split {
            report["shard"] = serde_json::json!({
                "index": shard.index(),
                "count": shard.count(),
                "cells": cells,
            });
        }
        writeln!(out, "{report:#}")?;
        return out.flush();
    }
    print_table(rows, out)?;
    let caught = rows
        .iter()
        .filter(|r| !r.outcome.violations.is_empty() && r.ok)
        .count();
    writeln!(out)?;
    let na = rows
        .iter()
        .filter(|r| r.expected == Expect::NotApplicable)
        .count();
    writeln!(
        out,
        "{} cells: {} as expected ({caught} broken runs caught, {inconclusive} inconclusive, {na} n/a), {failures} mismatched.",
        rows.len(),
        rows.len() - failures
    )?;
    if caught > 0 {
        writeln!(
            out,
            "Replay a cell: racelab matrix --model M --strategy S --tier T (shuttle: --seed, from the work column).\n\
             See how a broken pair fails, step by step: racelab explain M S."
        )?;
    }
    for row in rows.iter().filter(|r| !r.ok) {
        writeln!(
            out,
            "MISMATCH {}/{} on {}: expected {}, observed {}. Replay: {}",
            row.model,
            row.strategy,
            row.tier,
            row.expected.describe(),
            row.observed(),
            row.replay
        )?;
    }
    out.flush()
}

fn print_table(rows: &[Row], out: &mut Out) -> Result<(), CliError> {
    let header = [
        "model", "strategy", "tier", "expected", "observed", "work", "time", "evidence",
    ];
    let cells: Vec<[String; 8]> = rows
        .iter()
        .map(|r| {
            [
                r.model.to_string(),
                r.strategy.to_string(),
                r.tier.to_string(),
                r.expected.describe(),
                format!(
                    "{}{}",
                    r.observed(),
                    if r.ok { "" } else { "  <-- MISMATCH" }
                ),
                r.work(),
                if r.expected == Expect::NotApplicable {
                    String::new()
                } else {
                    format!("{:.2}s", r.outcome.elapsed.as_secs_f64())
                },
                r.evidence(),
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &cells {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut line = |row: &[String]| {
        let mut text = String::new();
        for (i, c) in row.iter().enumerate() {
            if i + 1 == row.len() {
                text.push_str(c);
            } else {
                text.push_str(&format!("{c:<width$}  ", width = widths[i]));
            }
        }
        writeln!(out, "{}", text.trim_end())
    };
    line(&header.map(String::from))?;
    line(&widths.map(|w| "-".repeat(w)))?;
    for row in &cells {
        line(row)?;
    }
    Ok(())
}

pub fn list(out: &mut Out) -> Result<Finish, CliError> {
    let pairs = crate::matrix::all();
    let rows: Vec<[String; 7]> = pairs
        .iter()
        .map(|pair| {
            [
                pair.model.to_string(),
                pair.strategy.to_string(),
                if pair.correct { "correct" } else { "broken" }.to_string(),
                format!("loom: {}", pair.loom.describe()),
                format!("threads: {}", pair.threads.describe()),
                format!("shuttle: {}", pair.shuttle.describe()),
                format!("processes: {}", pair.processes.describe()),
            ]
        })
        .collect();
    let mut widths = [0; 7];
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    for (row, pair) in rows.iter().zip(&pairs) {
        let mut line = String::new();
        for (cell, width) in row.iter().zip(widths) {
            line.push_str(&format!("{cell:<width$} "));
        }
        writeln!(out, "{line}{}", pair.summary)?;
    }
    Ok(Finish::AsExpected)
}
