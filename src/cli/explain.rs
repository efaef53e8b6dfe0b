//! `racelab explain <model> <strategy>`: the smallest failing interleaving,
//! as a table, or the proof that none exists within the bound.

use clap::Args as ClapArgs;
use racelab::explain::{self, render};
use racelab::model::ModelKind;
use racelab::strategy;
use racelab::tier::Tier;
use std::process::ExitCode;

#[derive(ClapArgs)]
pub struct Args {
    /// The model: counter, tickets or queue.
    model: String,
    /// The strategy (see `racelab list`).
    strategy: String,
    /// Search preemption bounds 0, 1, ... up to this one (default: 3; the
    /// queue 2).
    #[arg(long)]
    bound: Option<usize>,
    /// Print the trace as JSON.
    #[arg(long)]
    json: bool,
}

pub fn run(args: &Args) -> ExitCode {
    let Some(model) = ModelKind::parse(&args.model) else {
        eprintln!(
            "racelab: unknown model `{}`; known models and strategies:\n{}",
            args.model,
            explain::known_pairs()
        );
        return ExitCode::from(2);
    };
    let Some(pair) = strategy::find(model, &args.strategy) else {
        eprintln!(
            "racelab: the {model} model has no strategy `{}`; known models and strategies:\n{}",
            args.strategy,
            explain::known_pairs()
        );
        return ExitCode::from(2);
    };
    if !pair.runs_on(Tier::Loom) {
        let command = match model {
            ModelKind::Queue => format!("racelab queue --via {}", pair.strategy),
            ModelKind::Counter | ModelKind::Tickets => {
                format!("racelab rush --strategy {}", pair.strategy)
            }
        };
        eprintln!(
            "racelab: {model}/{} runs only on real processes, and explain searches with loom; \
             see it fail with `{command}` or `racelab matrix --tier processes`.\n\
             Explainable pairs:\n{}",
            pair.strategy,
            explain::known_pairs()
        );
        return ExitCode::from(2);
    }
    // Loom reports a failing execution by panicking; the message becomes
    // the violation, so the default hook's output would only be noise.
    std::panic::set_hook(Box::new(|_| {}));
    let found = explain::explain(
        &pair,
        args.bound.unwrap_or_else(|| explain::default_bound(model)),
    );
    let _ = std::panic::take_hook();
    let found = match found {
        Ok(found) => found,
        Err(refused) => {
            eprintln!("racelab: --bound: {refused}");
            return ExitCode::from(2);
        }
    };
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&found).expect("an explanation serializes")
        );
    } else {
        print!("{}", render::text(&found));
        println!("time:     {:.2} s", found.elapsed.as_secs_f64());
    }
    ExitCode::SUCCESS
}
