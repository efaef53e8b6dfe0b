//! The lessons' scenarios on real threads, one command each:
//! `racelab counter` (the racy counter, SCENARIOS.md §2) and
//! `racelab queue` (producer/consumer, §4).

use clap::{Args as ClapArgs, ValueEnum};
use racelab::check::counter::CounterPlan;
use racelab::check::queue::{Ending, QueuePlan};
use racelab::check::thousands;
use racelab::model::ModelKind;
use racelab::strategy::{self, Expect, Pair, Plan};
use racelab::tier::Outcome;
use racelab::tier::threads::ThreadsConfig;
use std::process::ExitCode;

/// `racelab counter`: one thread adds 1 `--ops` times, another subtracts 1
/// `--ops` times; the result must be 0.
#[derive(ClapArgs)]
pub struct CounterArgs {
    /// The strategy (see `racelab list`).
    #[arg(long, default_value = "none")]
    strategy: String,
    /// Threads that add 1.
    #[arg(long, default_value_t = 1)]
    adders: usize,
    /// Threads that subtract 1.
    #[arg(long, default_value_t = 1)]
    subtractors: usize,
    /// Operations per thread.
    #[arg(long, default_value_t = 10_000_000)]
    ops: u64,
}

/// How the consumers are told to stop.
#[derive(Clone, Copy, ValueEnum)]
enum EndingArg {
    /// `close()` the queue: consumers drain it, then stop.
    Close,
    /// One sentinel per consumer.
    Sentinels,
    /// Nobody tells them: the lessons' hang (reported, not hung).
    Never,
}

/// `racelab queue`: producers and consumers over a bounded queue.
#[derive(ClapArgs)]
pub struct QueueArgs {
    /// The strategy (see `racelab list`).
    #[arg(long, default_value = "condvar")]
    strategy: String,
    #[arg(long, default_value_t = 3)]
    producers: usize,
    /// Items each producer puts.
    #[arg(long, default_value_t = 3)]
    items: usize,
    #[arg(long, default_value_t = 2)]
    consumers: usize,
    #[arg(long, default_value_t = 5)]
    capacity: usize,
    #[arg(long, value_enum, default_value = "sentinels")]
    ending: EndingArg,
}

fn find(model: ModelKind, strategy: &str) -> Result<Pair, String> {
    // Only pairs with a thread form (the process-only ones run in
    // `racelab rush` and `racelab matrix --tier processes`).
    let on_threads = |p: &Pair| p.threads != Expect::NotApplicable;
    strategy::find(model, strategy)
        .filter(on_threads)
        .ok_or_else(|| {
            let known: Vec<&str> = strategy::all()
                .into_iter()
                .filter(|p| p.model == model && on_threads(p))
                .map(|p| p.strategy)
                .collect();
            format!(
                "unknown {model} strategy `{strategy}` (known: {})",
                known.join(", ")
            )
        })
}

fn verdict(outcome: &Outcome) {
    match outcome.violations.first() {
        None => println!(
            "verdict: holds ({} in {:.2?})",
            outcome.work, outcome.elapsed
        ),
        Some(_) => {
            for v in &outcome.violations {
                println!("verdict: {v}");
            }
            println!("({} in {:.2?})", outcome.work, outcome.elapsed);
        }
    }
}

fn fail(message: String) -> ExitCode {
    eprintln!("racelab: {message}");
    ExitCode::from(2)
}

pub fn counter(args: &CounterArgs) -> ExitCode {
    let pair = match find(ModelKind::Counter, &args.strategy) {
        Ok(pair) => pair,
        Err(message) => return fail(message),
    };
    if args.adders + args.subtractors == 0 {
        return fail("at least one thread must add or subtract".to_string());
    }
    let plan = CounterPlan {
        adders: args.adders,
        subtractors: args.subtractors,
        ops: args.ops,
    };
    println!(
        "{} thread(s) add 1 and {} subtract 1, {} times each, under `{}` ({}); expected result {}",
        plan.adders,
        plan.subtractors,
        thousands(plan.ops),
        pair.strategy,
        pair.summary,
        plan.expected()
    );
    verdict(&pair.stress(&Plan::Counter(plan), &ThreadsConfig::default()));
    ExitCode::SUCCESS
}

pub fn queue(args: &QueueArgs) -> ExitCode {
    let pair = match find(ModelKind::Queue, &args.strategy) {
        Ok(pair) => pair,
        Err(message) => return fail(message),
    };
    if args.capacity == 0 || args.producers == 0 || args.consumers == 0 {
        return fail("capacity, producers and consumers must be at least 1".to_string());
    }
    let ending = match args.ending {
        EndingArg::Close => Ending::Close,
        EndingArg::Sentinels => Ending::Sentinels,
        EndingArg::Never => Ending::Never,
    };
    let plan = QueuePlan {
        producers: args.producers,
        consumers: args.consumers,
        items: args.items,
        capacity: args.capacity,
        ending,
    };
    let stop = match plan.ending {
        Ending::Close => "then join()s the queue and close()s it",
        Ending::Sentinels => "then join()s the queue and puts one sentinel per consumer",
        Ending::Never => "and never tells the consumers to stop",
    };
    println!(
        "{} producer(s) x {} item(s), {} consumer(s), capacity {}, under `{}`; the main thread \
         waits for the producers, {stop}",
        plan.producers, plan.items, plan.consumers, plan.capacity, pair.strategy
    );
    verdict(&pair.stress(&Plan::Queue(plan), &ThreadsConfig::default()));
    ExitCode::SUCCESS
}
