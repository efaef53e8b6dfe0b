//! The thread scenarios of docs/scenarios.md, one command each:
//! `racelab counter` (the racy counter, docs/scenarios.md §2) and
//! `racelab queue` (producer/consumer, §4).

use super::range::{seconds, text, whole};
use super::{CliError, Finish, Out};
use crate::check::ViolationKind;
use crate::check::thousands;
use crate::matrix::{Expect, Pair, Plan};
use crate::model::ModelKind;
use crate::process::failure::RunError;
use crate::process::queue::{self as ipc_queue, Via};
use crate::tier::Outcome;
use crate::tier::threads::ThreadsConfig;
use crate::workload::counter::CounterPlan;
use crate::workload::queue::{Ending, QueuePlan};
use clap::builder::{EnumValueParser, StringValueParser};
use clap::{Args as ClapArgs, ValueEnum};

/// The most threads of one role (adders, producers, ...): a machine refuses
/// threads long before `usize::MAX`, and a race shows with a few.
const MAX_THREADS: u64 = 64;

/// `racelab counter`: one thread adds 1 `--ops` times, another subtracts 1
/// `--ops` times; the result must be 0.
#[derive(ClapArgs)]
pub struct CounterArgs {
    /// The strategy (see `racelab list`).
    #[arg(long, default_value = "none", allow_hyphen_values = true,
          value_parser = text(StringValueParser::new()))]
    strategy: String,
    /// Threads that add 1 (0 to 64).
    #[arg(long, default_value_t = 1, allow_hyphen_values = true,
          value_parser = whole::<usize>(0, MAX_THREADS))]
    adders: usize,
    /// Threads that subtract 1 (0 to 64).
    #[arg(long, default_value_t = 1, allow_hyphen_values = true,
          value_parser = whole::<usize>(0, MAX_THREADS))]
    subtractors: usize,
    /// Operations per thread (1 to 1000000000: a billion is about a minute
    /// under a lock; more would not end in a sitting).
    #[arg(long, default_value_t = 10_000_000, allow_hyphen_values = true,
          value_parser = whole::<u64>(1, 1_000_000_000))]
    ops: u64,
}

impl CounterArgs {
    pub(super) fn validate(&self) -> Result<(), CliError> {
        find(ModelKind::Counter, &self.strategy)?;
        if self.adders + self.subtractors == 0 {
            return Err(CliError::bad_input(
                "at least one thread must add or subtract (--adders, --subtractors)",
            ));
        }
        Ok(())
    }
}

/// How the consumers are told to stop.
#[derive(Clone, Copy, ValueEnum)]
enum EndingArg {
    /// `close()` the queue: consumers drain it, then stop.
    Close,
    /// One sentinel per consumer.
    Sentinels,
    /// Nobody tells them: they wait forever (reported, not hung).
    Never,
}

/// The most items in all (`--producers` x `--items`): each is recorded
/// where it was received, and the run stays short.
const MAX_ITEMS: u64 = 1_000_000;

/// The most producer and consumer processes in all, over `--via`.
const MAX_PROCESSES: usize = 64;

/// The longest `--wait`, in seconds.
const MAX_WAIT: u32 = 3600;

/// `racelab queue`: producers and consumers over a bounded queue.
#[derive(ClapArgs)]
pub struct QueueArgs {
    /// The strategy on threads (see `racelab list`); with --via, the
    /// process queue is the strategy.
    #[arg(long, default_value = "condvar", conflicts_with = "via", allow_hyphen_values = true,
          value_parser = text(StringValueParser::new()))]
    strategy: String,
    /// Producer threads, or processes with --via (1 to 64).
    #[arg(long, default_value_t = 3, allow_hyphen_values = true,
          value_parser = whole::<usize>(1, MAX_THREADS))]
    producers: usize,
    /// Items each producer puts (1 to 1000000; at most 1000000 in all).
    #[arg(long, default_value_t = 3, allow_hyphen_values = true,
          value_parser = whole::<usize>(1, MAX_ITEMS))]
    items: usize,
    /// Consumer threads, or processes with --via (1 to 64; with --via, at
    /// most 64 producers and consumers in all).
    #[arg(long, default_value_t = 2, allow_hyphen_values = true,
          value_parser = whole::<usize>(1, MAX_THREADS))]
    consumers: usize,
    /// Items the queue holds (1 to 1000000; a process queue may hold fewer:
    /// shm 64, mqueue the kernel's msg_max).
    #[arg(long, default_value_t = 5, allow_hyphen_values = true,
          value_parser = whole::<usize>(1, 1_000_000))]
    capacity: usize,
    #[arg(long, default_value = "sentinels",
          allow_hyphen_values = true, value_parser = text(EnumValueParser::<EndingArg>::new()))]
    ending: EndingArg,
    /// Run over processes through this queue instead of threads (see
    /// `racelab list`: shm, shm-semaphores, pipe, fifo, mqueue, ...; or
    /// `all` for a table).
    #[arg(long, allow_hyphen_values = true, value_parser = text(parse_vias))]
    via: Option<Vias>,
    /// Over processes: seconds the parent's join, and a consumer nobody
    /// stops, wait before they give up (0.0 to 3600.0).
    #[arg(long, default_value_t = 2.0, allow_hyphen_values = true,
          value_parser = seconds(MAX_WAIT))]
    wait: f64,
}

/// The process queues `--via` names.
#[derive(Clone)]
struct Vias(Vec<Via>);

fn parse_vias(name: &str) -> Result<Vias, String> {
    match name {
        "all" => Ok(Vias(Via::ALL.to_vec())),
        name => Via::parse(name).map(|v| Vias(vec![v])).ok_or_else(|| {
            let known: Vec<&str> = Via::ALL.iter().map(|v| v.name()).collect();
            format!("expected one of: {}, all", known.join(", "))
        }),
    }
}

impl QueueArgs {
    pub(super) fn validate(&self) -> Result<(), CliError> {
        if self.via.is_none() {
            find(ModelKind::Queue, &self.strategy)?;
        } else if self.producers + self.consumers > MAX_PROCESSES {
            return Err(CliError::bad_input(format!(
                "at most {MAX_PROCESSES} producer and consumer processes in all \
                 (--producers {} + --consumers {})",
                self.producers, self.consumers
            )));
        }
        if self.producers as u64 * self.items as u64 > MAX_ITEMS {
            return Err(CliError::bad_input(format!(
                "at most {MAX_ITEMS} items in all (--producers {} x --items {})",
                self.producers, self.items
            )));
        }
        ipc_queue::timeout(self.wait)
            .map(drop)
            .map_err(|e| CliError::bad_input(format!("--wait {}: {e}", self.wait)))
    }
}

fn find(model: ModelKind, strategy: &str) -> Result<Pair, CliError> {
    // Only pairs with a thread form (the process-only ones run in
    // `racelab rush` and `racelab matrix --tier processes`).
    let on_threads = |p: &Pair| p.threads != Expect::NotApplicable;
    crate::matrix::find(model, strategy)
        .filter(on_threads)
        .ok_or_else(|| {
            let known: Vec<&str> = crate::matrix::all()
                .into_iter()
                .filter(|p| p.model == model && on_threads(p))
                .map(|p| p.strategy)
                .collect();
            CliError::bad_input(format!(
                "unknown {model} strategy `{strategy}` for --strategy (known: {})",
                known.join(", ")
            ))
        })
}

fn verdict(outcome: &Outcome, out: &mut Out) -> Result<(), CliError> {
    match outcome.violations.first() {
        None => writeln!(
            out,
            "verdict: {} ({} in {:.2?})",
            outcome.verdict(),
            outcome.work,
            outcome.elapsed
        )?,
        Some(_) => {
            for v in &outcome.violations {
                writeln!(out, "verdict: {v}")?;
            }
            writeln!(out, "({} in {:.2?})", outcome.work, outcome.elapsed)?;
        }
    }
    if let Some(why) = &outcome.inconclusive {
        writeln!(out, "inconclusive: {why}")?;
    }
    Ok(())
}

pub fn counter(args: &CounterArgs, out: &mut Out) -> Result<Finish, CliError> {
    let pair = find(ModelKind::Counter, &args.strategy)?;
    let plan = CounterPlan {
        adders: args.adders,
        subtractors: args.subtractors,
        ops: args.ops,
    };
    writeln!(
        out,
        "{} thread(s) add 1 and {} subtract 1, {} times each, under `{}` ({}); expected result {}",
        plan.adders,
        plan.subtractors,
        thousands(plan.ops),
        pair.strategy,
        pair.summary,
        plan.expected()
    )?;
    out.flush()?;
    let outcome = pair.stress(&Plan::Counter(plan), &ThreadsConfig::default());
    verdict(&outcome, out)?;
    expected(
        &pair.threads.describe(),
        pair.threads.accepts(&outcome),
        out,
    )
}

/// The verdict the pair must get, and whether it got it (a broken
/// strategy may go unseen in a configuration too small to show it).
fn expected(describe: &str, as_expected: bool, out: &mut Out) -> Result<Finish, CliError> {
    writeln!(
        out,
        "expected: {describe} -> {}",
        if as_expected {
            "as expected"
        } else {
            "MISMATCH"
        }
    )?;
    Ok(Finish::from_expected(as_expected))
}

pub fn queue(args: &QueueArgs, out: &mut Out) -> Result<Finish, CliError> {
    if let Some(vias) = &args.via {
        return processes_queue(args, &vias.0, out);
    }
    let pair = find(ModelKind::Queue, &args.strategy)?;
    let plan = queue_plan(args);
    let stop = stop_words(plan.ending);
    writeln!(
        out,
        "{} producer(s) x {} item(s), {} consumer(s), capacity {}, under `{}`; the main thread \
         waits for the producers, {stop}",
        plan.producers, plan.items, plan.consumers, plan.capacity, pair.strategy
    )?;
    out.flush()?;
    let outcome = pair.stress(&Plan::Queue(plan), &ThreadsConfig::default());
    verdict(&outcome, out)?;
    match plan.ending {
        // The hang of docs/scenarios.md §4: it must be reported, as a deadlock.
        Ending::Never => expected(
            "deadlock (the consumers are never told to stop)",
            outcome
                .violations
                .iter()
                .any(|v| v.kind == ViolationKind::Deadlock)
                || (!pair.correct && pair.threads.accepts(&outcome)),
            out,
        ),
        Ending::Close | Ending::Sentinels => expected(
            &pair.threads.describe(),
            pair.threads.accepts(&outcome),
            out,
        ),
    }
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
fn processes_queue(args: &QueueArgs, vias: &[Via], out: &mut Out) -> Result<Finish, CliError> {
    let wait = ipc_queue::timeout(args.wait)
        .map_err(|e| CliError::bad_input(format!("--wait {}: {e}", args.wait)))?;
    let plan = queue_plan(args);
    writeln!(
        out,
        "{} producer process(es) x {} item(s), {} consumer process(es), capacity {}; the parent \
         waits for the producers, {}",
        plan.producers,
        plan.items,
        plan.consumers,
        plan.capacity,
        stop_words(plan.ending)
    )?;
    let mut as_expected = true;
    for via in vias {
        if via.breaks_with().is_some() && (plan.producers < 2 || plan.consumers < 2) {
            writeln!(
                out,
                "note: {via} shows its race with 2 producers and 2 consumers or more; \
                 with fewer its race window waits in vain"
            )?;
        }
        out.flush()?;
        let run = match ipc_queue::run::run(&plan, *via, wait) {
            Ok(run) => run,
            // One queue that cannot take this plan (a message queue above
            // the kernel's limit, say) does not stop the table.
            Err(RunError::Plan(e)) if vias.len() > 1 => {
                writeln!(out, "{:<22} skipped: {e}", via.name())?;
                continue;
            }
            // The plan is beyond what this queue takes: bad input.
            Err(RunError::Plan(e)) => return Err(CliError::bad_input(format!("{via}: {e}"))),
            // The run could not decide, through no fault of the queue: the
            // reason, and exit 1.
            Err(RunError::Inconclusive(why)) => {
                writeln!(out, "{:<22} inconclusive: {why}", via.name())?;
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
            writeln!(out, "through `{via}`: {}", via.summary())?;
            for (c, got) in run.report.received.iter().enumerate() {
                let items: Vec<String> = got.iter().map(|(p, s)| format!("P{p}#{s}")).collect();
                writeln!(
                    out,
                    "consumer {c} received {}: {}",
                    got.len(),
                    items.join(" ")
                )?;
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
            writeln!(out, "verdict: {verdict} ({:.2?})", run.elapsed)?;
            // The round's violations share its trace: shown once.
            if let Some(trace) = run.violations.iter().find_map(|v| v.trace.as_deref()) {
                for line in trace.lines() {
                    writeln!(out, "  {line}")?;
                }
            }
        } else {
            writeln!(
                out,
                "{:<22} expect {:<15} {:>8.2?}  {verdict}",
                via.name(),
                expect,
                run.elapsed
            )?;
        }
    }
    Ok(Finish::from_expected(as_expected))
}
