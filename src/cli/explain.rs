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
    /// The tier that shows the failure: loom (the default) or shuttle (a
    /// larger configuration, the failing schedule shrunk). A pair loom
    /// cannot run but shuttle can is explained on shuttle.
    #[arg(long, allow_hyphen_values = true, value_parser = text(StringValueParser::new()))]
    tier: Option<String>,
    /// Shuttle: the seed the search starts from; a failure's seed replays
    /// it (0 to 18446744073709551615).
    #[arg(long, allow_hyphen_values = true, value_parser = whole::<u64>(0, u64::MAX))]
    seed: Option<u64>,
    /// Print the trace as JSON.
    #[arg(long)]
    pub(super) json: bool,
}

impl Args {
    /// The pair to explain: known, and with a form the chosen tier can
    /// search; true when that tier is shuttle.
    pub(super) fn validate(&self) -> Result<(Pair, bool), CliError> {
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
        let shuttle = match self.tier.as_deref() {
            None | Some("loom") => false,
            Some("shuttle") => true,
            Some(other) => {
                return Err(CliError::bad_input(format!(
                    "--tier {other}: explain shows loom or shuttle traces"
                )));
            }
        };
        if shuttle || (!pair.runs_on(Tier::Loom) && pair.runs_on(Tier::Shuttle)) {
            if !pair.runs_on(Tier::Shuttle) {
                return Err(CliError::bad_input(format!(
                    "{model}/{} has no shuttle form; explainable pairs: {}",
                    pair.strategy,
                    explain::known_pairs()
                )));
            }
            return Ok((pair, true));
        }
        if !pair.runs_on(Tier::Loom) {
            let command = match model {
                ModelKind::Queue => format!("racelab queue --via {}", pair.strategy),
                ModelKind::Counter | ModelKind::Tickets => {
                    format!("racelab rush --strategy {}", pair.strategy)
                }
            };
            return Err(CliError::bad_input(format!(
                "{model}/{} runs only on real processes, and explain searches with loom; \
                 see it fail with `{command}` or `racelab matrix --tier processes`. \
                 Explainable pairs: {}",
                pair.strategy,
                explain::known_pairs()
            )));
        }
        Ok((pair, false))
    }
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

pub fn run(args: &Args, out: &mut Out) -> Result<Finish, CliError> {
    let (pair, shuttle) = args.validate()?;
    if shuttle {
        return run_shuttle(&pair, args.seed, args.json, out);
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
