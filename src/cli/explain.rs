//! `racelab explain <model> <strategy>`: the smallest failing interleaving,
//! as a table, or the proof that none exists within the bound.

use super::range::{text, whole};
use super::{CliError, Finish, Out};
use crate::explain::{self, render};
use crate::matrix::{Expect, Pair};
use crate::model::ModelKind;
use crate::tier::{Tier, Verdict};
use clap::Args as ClapArgs;
use clap::builder::StringValueParser;

#[derive(ClapArgs)]
pub struct Args {
    /// The model: counter, tickets or queue.
    #[arg(value_parser = text(StringValueParser::new()))]
    model: String,
    /// The strategy (see `racelab list`).
    #[arg(value_parser = text(StringValueParser::new()))]
    strategy: String,
    /// Search preemption bounds 0, 1, ... up to this one (default: 3; the
    /// queue 2) (0 to 255: loom keeps the bound in a byte).
    #[arg(long, allow_hyphen_values = true, value_parser = whole::<usize>(0, 255))]
    bound: Option<usize>,
    /// Print the trace as JSON.
    #[arg(long)]
    pub(super) json: bool,
    /// Where to explain it: loom (the default, where the pair has a loom
    /// form); shuttle (a larger configuration, the failing schedule shrunk
    /// to few preemptions; the default for a pair loom cannot run but
    /// shuttle can); or processes (the default for a pair that exists only
    /// between processes): the verdict, and each worker's last steps.
    #[arg(long, allow_hyphen_values = true, value_parser = text(parse_tier))]
    tier: Option<Tier>,
    /// Shuttle: the seed the search starts from (implies --tier shuttle);
    /// a failure's seed replays it (0 to 18446744073709551615).
    #[arg(long, allow_hyphen_values = true, value_parser = whole::<u64>(0, u64::MAX))]
    seed: Option<u64>,
}

fn parse_tier(s: &str) -> Result<Tier, String> {
    match Tier::parse(s) {
        Some(tier @ (Tier::Loom | Tier::Shuttle | Tier::Processes)) => Ok(tier),
        Some(tier) => Err(format!(
            "explain shows loom, shuttle or processes, not {tier} (see `racelab matrix --tier {tier}`)"
        )),
        None => Err(format!(
            "unknown tier `{s}` (expected loom, shuttle or processes)"
        )),
    }
}

impl Args {
    /// The pair to explain: known, and with a form on the tier that
    /// explains it (loom, or processes).
    pub(super) fn validate(&self) -> Result<Pair, CliError> {
        let Some(model) = ModelKind::parse(&self.model) else {
            return Err(CliError::bad_input(format!(
                "unknown model `{}`; known models and strategies: {}",
                self.model,
                explain::known_pairs()
            )));
        };
        let Some(pair) = crate::matrix::find(model, &self.strategy) else {
            return Err(CliError::bad_input(format!(
                "the {model} model has no strategy `{}`; known models and strategies: {}",
                self.strategy,
                explain::known_pairs()
            )));
        };
        if self.on_shuttle(&pair) {
            if !pair.runs_on(Tier::Shuttle) {
                return Err(CliError::bad_input(format!(
                    "{model}/{} has no shuttle form; explain it with loom (no --tier)",
                    pair.strategy
                )));
            }
            if self.bound.is_some() {
                return Err(CliError::bad_input(
                    "--bound is loom's preemption bound; shuttle draws schedules (--seed)",
                ));
            }
            return Ok(pair);
        }
        if self.on_processes(&pair) {
            if !pair.runs_on(Tier::Processes) {
                return Err(CliError::bad_input(format!(
                    "{model}/{} has no process form; explain it with loom (no --tier)",
                    pair.strategy
                )));
            }
            if self.bound.is_some() {
                return Err(CliError::bad_input(
                    "--bound is loom's preemption bound; the processes tier has none",
                ));
            }
            return Ok(pair);
        }
        if !pair.runs_on(Tier::Loom) {
            let command = match model {
                ModelKind::Queue => format!("racelab queue --via {}", pair.strategy),
                ModelKind::Counter | ModelKind::Tickets => {
                    format!("racelab rush --strategy {}", pair.strategy)
                }
            };
            return Err(CliError::bad_input(format!(
                "{model}/{} runs only on real processes, and loom (--bound) searches no \
                 processes; explain it with `racelab explain {model} {} --tier processes`, or \
                 see it with `{command}`. \
                 Explainable pairs: {}",
                pair.strategy,
                pair.strategy,
                explain::known_pairs()
            )));
        }
        Ok(pair)
    }
}

impl Args {
    /// Whether the pair is explained on shuttle: asked for (a `--seed`
    /// asks for it too: only shuttle draws schedules), or the default for a
    /// pair with no loom form but a shuttle one.
    fn on_shuttle(&self, pair: &Pair) -> bool {
        match self.tier {
            Some(tier) => tier == Tier::Shuttle,
            None => {
                self.seed.is_some()
                    || (!pair.runs_on(Tier::Loom)
                        && pair.runs_on(Tier::Shuttle)
                        && self.bound.is_none())
            }
        }
    }

    /// Whether the pair is explained on real processes: asked for, or the
    /// default for a pair with no loom form.
    fn on_processes(&self, pair: &Pair) -> bool {
        match self.tier {
            Some(tier) => tier == Tier::Processes,
            None => !pair.runs_on(Tier::Loom) && self.bound.is_none(),
        }
    }
}

pub fn run(args: &Args, out: &mut Out) -> Result<Finish, CliError> {
    let pair = args.validate()?;
    if args.on_shuttle(&pair) {
        return run_shuttle(&pair, args.seed, args.json, out);
    }
    if args.on_processes(&pair) {
        return run_processes(&pair, args, out);
    }
    let found = explain::explain(
        &pair,
        args.bound
            .unwrap_or_else(|| explain::default_bound(pair.model)),
    )
    // The range above refuses what loom does not take; a library caller
    // gets the same refusal, typed.
    .map_err(|refused| CliError::bad_input(format!("--bound: {refused}")))?;
    if args.json {
        let json = serde_json::to_value(&found)
            .map_err(|e| CliError::run_failed(format!("cannot write the trace as JSON: {e}")))?;
        writeln!(out, "{json:#}")?;
    } else {
        write!(out, "{}", render::text(&found))?;
        writeln!(out, "time:     {:.2} s", found.elapsed.as_secs_f64())?;
    }
    let as_expected = match pair.loom {
        Expect::Holds => found.verdict == Verdict::Holds,
        Expect::Violates(_) => found.verdict == Verdict::Violated,
        Expect::Either(_) | Expect::NotApplicable => true,
    };
    Ok(Finish::from_expected(as_expected))
}

/// The shuttle tier's trace of `pair`: the first violation and its shrunk
/// table, or that the search found nothing.
fn run_shuttle(
    pair: &Pair,
    seed: Option<u64>,
    json: bool,
    out: &mut Out,
) -> Result<Finish, CliError> {
    let (outcome, plan) = explain::explain_shuttle(pair, seed);
    let as_expected = pair.shuttle.accepts(&outcome);
    if json {
        let json = serde_json::to_value(&outcome)
            .map_err(|e| CliError::run_failed(format!("cannot write the trace as JSON: {e}")))?;
        writeln!(out, "{json:#}")?;
        return Ok(Finish::from_expected(as_expected));
    }
    let plan = render::describe_plan(&plan);
    match outcome.violations.first() {
        Some(first) => {
            writeln!(
                out,
                "{} / {}: {} ({plan}), found by shuttle\n",
                pair.model, pair.strategy, first.kind
            )?;
            if let Some(trace) = &first.trace {
                write!(out, "{trace}")?;
            }
            writeln!(out, "violated: {first}")?;
        }
        None => writeln!(
            out,
            "{} / {}: {} ({plan}) on shuttle: {}",
            pair.model,
            pair.strategy,
            outcome.verdict(),
            outcome.work
        )?,
    }
    writeln!(out, "time:     {:.2} s", outcome.elapsed.as_secs_f64())?;
    Ok(Finish::from_expected(as_expected))
}

/// The pair on real processes: its verdict and each violation's trace (the
/// last steps of every worker).
fn run_processes(pair: &Pair, args: &Args, out: &mut Out) -> Result<Finish, CliError> {
    let found = explain::processes::explain(pair);
    if args.json {
        let json = serde_json::to_value(&found)
            .map_err(|e| CliError::run_failed(format!("cannot write the trace as JSON: {e}")))?;
        writeln!(out, "{json:#}")?;
    } else {
        write!(out, "{}", explain::processes::text(&found))?;
        writeln!(out, "time:     {:.2} s", found.elapsed.as_secs_f64())?;
    }
    Ok(Finish::from_expected(found.as_expected))
}
