//! The lessons' scenarios on real threads, one command each:
//! `racelab counter` (the racy counter, SCENARIOS.md §2) and
//! `racelab queue` (producer/consumer, §4).

use clap::{Args as ClapArgs, ValueEnum};
use racelab::check::counter::CounterPlan;
use racelab::check::queue::{Ending, QueuePlan};
use racelab::check::thousands;
use racelab::ipc::queue::{self as ipc_queue, Via};
use racelab::model::ModelKind;
use racelab::process::failure::RunError;
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

/// The most items a producer may put (`producer << 32 | seq` keeps the
/// sequence number in 32 bits, and the run stays short).
const MAX_ITEMS: usize = 1_000_000;

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
    /// Run over processes through this queue instead of threads (see
    /// `racelab list`: shm, shm-semaphores, pipe, fifo, mqueue, ...; or
    /// `all` for a table).
    #[arg(long)]
    via: Option<String>,
    /// Over processes: seconds the parent's join, and a consumer nobody
    /// stops, wait before they give up.
    #[arg(long, default_value_t = 2.0, allow_negative_numbers = true)]
    wait: f64,
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
    if let Some(via) = &args.via {
        return processes_queue(args, via);
    }
    let pair = match find(ModelKind::Queue, &args.strategy) {
        Ok(pair) => pair,
        Err(message) => return fail(message),
    };
    if args.capacity == 0 || args.producers == 0 || args.consumers == 0 {
        return fail("capacity, producers and consumers must be at least 1".to_string());
    }
    if args.items > MAX_ITEMS {
        return fail(format!("at most {MAX_ITEMS} items per producer"));
    }
    let plan = queue_plan(args);
    let stop = stop_words(plan.ending);
    println!(
        "{} producer(s) x {} item(s), {} consumer(s), capacity {}, under `{}`; the main thread \
         waits for the producers, {stop}",
        plan.producers, plan.items, plan.consumers, plan.capacity, pair.strategy
    );
    verdict(&pair.stress(&Plan::Queue(plan), &ThreadsConfig::default()));
    ExitCode::SUCCESS
}

fn queue_plan(args: &QueueArgs) -> QueuePlan {
    QueuePlan {
        producers: args.producers,
        consumers: args.consumers,
        items: args.items,
        capacity: args.capacity,
        ending: match args.ending {
            EndingArg::Close => Ending::Close,
            EndingArg::Sentinels => Ending::Sentinels,
            EndingArg::Never => Ending::Never,
        },
    }
}

fn stop_words(ending: Ending) -> &'static str {
    match ending {
        Ending::Close => "then join()s the queue and close()s it",
        Ending::Sentinels => "then join()s the queue and puts one sentinel per consumer",
        Ending::Never => "and never tells the consumers to stop",
    }
}

/// `racelab queue --via <queue|all>`: the same scenario with one process
/// per producer and per consumer.
fn processes_queue(args: &QueueArgs, via: &str) -> ExitCode {
    let vias: Vec<Via> = match via {
        "all" => Via::ALL.to_vec(),
        name => match Via::parse(name) {
            Some(v) => vec![v],
            None => {
                let known: Vec<&str> = Via::ALL.iter().map(|v| v.name()).collect();
                return fail(format!(
                    "unknown process queue `{name}` (known: {}, all)",
                    known.join(", ")
                ));
            }
        },
    };
    let wait = match ipc_queue::timeout(args.wait) {
        Ok(wait) => wait,
        Err(e) => return fail(format!("--wait {}: {e}", args.wait)),
    };
    if args.capacity == 0 || args.producers == 0 || args.consumers == 0 {
        return fail("capacity, producers and consumers must be at least 1".to_string());
    }
    if args.producers.saturating_add(args.consumers) > 64 {
        return fail("at most 64 producer and consumer processes".to_string());
    }
    if args.items > MAX_ITEMS {
        return fail(format!("at most {MAX_ITEMS} items per producer"));
    }
    let plan = queue_plan(args);
    println!(
        "{} producer process(es) x {} item(s), {} consumer process(es), capacity {}; the parent \
         waits for the producers, {}",
        plan.producers,
        plan.items,
        plan.consumers,
        plan.capacity,
        stop_words(plan.ending)
    );
    let mut as_expected = true;
    for via in &vias {
        if via.breaks_with().is_some() && (plan.producers < 2 || plan.consumers < 2) {
            println!(
                "note: {via} shows its race with 2 producers and 2 consumers or more; \
                 with fewer its race window waits in vain"
            );
        }
        let run = match ipc_queue::run::run(&plan, *via, wait) {
            Ok(run) => run,
            // One queue that cannot take this plan (a message queue above
            // the kernel's limit, say) does not stop the table.
            Err(RunError::Plan(e)) if vias.len() > 1 => {
                println!("{:<22} skipped: {e}", via.name());
                continue;
            }
            Err(RunError::Plan(e)) => return fail(format!("{via}: {e}")),
            // The run failed, not the input: exit 1, with the reason.
            Err(RunError::Inconclusive(why)) => {
                println!("{:<22} inconclusive: {why}", via.name());
                as_expected = false;
                continue;
            }
        };
        let expected = match via.breaks_with() {
            None => run.violations.is_empty(),
            Some(kind) => run.broke(kind),
        };
        as_expected &= expected;
        if vias.len() == 1 {
            println!("through `{via}`: {}", via.summary());
            for (c, got) in run.report.received.iter().enumerate() {
                let items: Vec<String> = got.iter().map(|(p, s)| format!("P{p}#{s}")).collect();
                println!("consumer {c} received {}: {}", got.len(), items.join(" "));
            }
        }
        let mut verdict = if run.violations.is_empty() {
            "holds".to_string()
        } else {
            let found: Vec<String> = run.violations.iter().map(|v| v.to_string()).collect();
            found.join("; ")
        };
        if run.stuck_consumers > 0 {
            verdict.push_str(&format!(
                "; {} of {} consumers still waiting after {:.1?}: nobody told them to stop",
                run.stuck_consumers, plan.consumers, wait
            ));
        }
        let expect = via
            .breaks_with()
            .map_or("holds".to_string(), |k| k.to_string());
        if vias.len() == 1 {
            println!("verdict: {verdict} ({:.2?})", run.elapsed);
        } else {
            println!(
                "{:<22} expect {:<15} {:>8.2?}  {verdict}",
                via.name(),
                expect,
                run.elapsed
            );
        }
    }
    if as_expected {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
