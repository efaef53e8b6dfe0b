//! The table: every (model, strategy) pair, what it is, and the verdict it
//! must get on each tier. A broken strategy is a test too: it must be
//! caught, with the named violation.

use crate::check::ViolationKind;
use crate::lock::*;
use crate::model::ModelKind;
use crate::model::counter::{AtomicCounter, CounterImpl, LockedCounter, SplitLockCounter};
use crate::model::queue::{
    CheckOutsideLock, CondvarQueue, IfNotWhile, OneCondvar, QueueImpl, WhileLoop,
};
use crate::model::tickets::{AtomicOffice, CheckThenActOffice, LockedOffice, OfficeImpl};
use crate::process::queue::Via;
use crate::process::{ProcessConfig, Strategy as ProcessStrategy};
use crate::sync::{Loom, Shuttle, Std};
use crate::tier::loom::{Explored, LoomConfig, explore};
use crate::tier::shuttle::{self as shuttle_tier, ShuttleConfig};
use crate::tier::threads::{self, Racers, ThreadsConfig};
use crate::tier::{Outcome, Tier, Verdict};
use crate::workload::counter::CounterPlan;
use crate::workload::progress::Progress;
use crate::workload::queue::{self as queue_workload, Msg, QueuePlan};
use crate::workload::tickets::RushPlan;
use crate::workload::{counter as counter_workload, tickets as tickets_workload};
use serde::Serialize;
use std::time::Duration;

/// The verdict a pair must get on a tier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "verdict", content = "detail")]
pub enum Expect {
    /// Every invariant holds.
    Holds,
    /// Caught, with one of these violations.
    Violates(&'static [ViolationKind]),
    /// This tier cannot decide; the reason says which tier does.
    Either(&'static str),
    /// The pair has no implementation on this tier (a thread lock has no
    /// process form, a process lock no thread form).
    NotApplicable,
}

impl Expect {
    /// Does `outcome` match?
    pub fn accepts(&self, outcome: &Outcome) -> bool {
        match self {
            Expect::Holds => outcome.verdict() == Verdict::Holds,
            Expect::Violates(kinds) => outcome.violations.iter().any(|v| kinds.contains(&v.kind)),
            Expect::Either(_) | Expect::NotApplicable => true,
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Expect::Holds => "holds".to_string(),
            Expect::Violates(kinds) => {
                let names: Vec<&str> = kinds.iter().map(|k| k.name()).collect();
                names.join(" | ")
            }
            Expect::Either(_) => "either".to_string(),
            Expect::NotApplicable => "n/a".to_string(),
        }
    }
}

/// A configuration for one model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Plan {
    Counter(CounterPlan),
    Tickets(RushPlan),
    Queue(QueuePlan),
}

/// Work scaled to the checker: small under loom, large on threads, both
/// from this one table.
#[derive(Debug, Clone, Copy)]
pub struct Scale {
    pub loom_counter: CounterPlan,
    pub loom_tickets: RushPlan,
    pub loom_queue: QueuePlan,
    /// Preemption bounds; None: exhaustive.
    pub loom_bound: [Option<usize>; 3],
    pub threads_counter: CounterPlan,
    pub threads_tickets: RushPlan,
    pub threads_queue: QueuePlan,
    pub threads: [ThreadsConfig; 3],
    pub shuttle_counter: CounterPlan,
    pub shuttle_tickets: RushPlan,
    pub shuttle_queue: QueuePlan,
    pub shuttle: ShuttleConfig,
    pub processes_counter: CounterPlan,
    pub processes_tickets: RushPlan,
    pub processes_queue: QueuePlan,
    pub processes: ProcessConfig,
}

impl Scale {
    /// The matrix's sizes. Loom: the smallest configurations that show every
    /// bug. Threads: the figures where a broken strategy fails every
    /// round; rounds repeat only where one round might not show it.
    pub const STANDARD: Scale = Scale {
        loom_counter: CounterPlan {
            adders: 1,
            subtractors: 1,
            ops: 1,
        },
        loom_tickets: RushPlan {
            buyers: 2,
            tickets: 1,
            per_buyer: 1,
        },
        loom_queue: QueuePlan {
            producers: 2,
            consumers: 2,
            items: 1,
            capacity: 1,
            ending: queue_workload::Ending::Close,
        },
        loom_bound: [None, None, Some(2)],
        threads_counter: CounterPlan {
            adders: 2,
            subtractors: 0,
            ops: 1_000_000,
        },
        threads_tickets: RushPlan {
            buyers: 10,
            tickets: 1,
            per_buyer: 1,
        },
        threads_queue: QueuePlan {
            producers: 2,
            consumers: 2,
            items: 1_000,
            capacity: 1,
            ending: queue_workload::Ending::Close,
        },
        threads: [
            ThreadsConfig {
                rounds: 1,
                hold: Duration::from_millis(300),
                stall: threads::DEFAULT_STALL,
            },
            ThreadsConfig {
                rounds: 1,
                hold: Duration::from_millis(300),
                stall: threads::DEFAULT_STALL,
            },
            ThreadsConfig {
                rounds: 20,
                hold: Duration::from_millis(300),
                stall: threads::DEFAULT_STALL,
            },
        ],
        // Shuttle: more threads and operations than loom can exhaust.
        shuttle_counter: CounterPlan {
            adders: 3,
            subtractors: 2,
            ops: 3,
        },
        shuttle_tickets: RushPlan {
            buyers: 5,
            tickets: 3,
            per_buyer: 1,
        },
        shuttle_queue: QueuePlan {
            producers: 3,
            consumers: 3,
            items: 3,
            capacity: 2,
            ending: queue_workload::Ending::Close,
        },
        shuttle: ShuttleConfig {
            iterations: 500,
            pct_depth: 3,
            seed: shuttle_tier::DEFAULT_SEED,
            max_steps: shuttle_tier::DEFAULT_MAX_STEPS,
        },
        // Processes: 4 workers (fork is dear, and each round forks anew);
        // the lessons' rush, 10 buyers for 1 ticket. A broken strategy
        // fails in the first round; the others add rounds for the correct.
        processes_counter: CounterPlan {
            adders: 4,
            subtractors: 0,
            ops: 500,
        },
        processes_tickets: RushPlan {
            buyers: 10,
            tickets: 1,
            per_buyer: 1,
        },
        // The lessons' producers and consumers: 3 x 3 items, 2 consumers.
        processes_queue: QueuePlan {
            producers: 3,
            consumers: 2,
            items: 3,
            capacity: 2,
            ending: queue_workload::Ending::Close,
        },
        processes: ProcessConfig {
            rounds: 3,
            hold: Duration::from_millis(200),
            lock_within: Duration::from_secs(10),
            deadline: Duration::from_secs(30),
            work: Duration::ZERO,
            store: crate::process::Store::File,
        },
    };

    fn index(model: ModelKind) -> usize {
        model as usize
    }

    pub fn plan(&self, model: ModelKind, tier: Tier) -> Plan {
        match (model, tier) {
            (ModelKind::Counter, Tier::Loom) => Plan::Counter(self.loom_counter),
            (ModelKind::Tickets, Tier::Loom) => Plan::Tickets(self.loom_tickets),
            (ModelKind::Queue, Tier::Loom) => Plan::Queue(self.loom_queue),
            (ModelKind::Counter, Tier::Threads) => Plan::Counter(self.threads_counter),
            (ModelKind::Tickets, Tier::Threads) => Plan::Tickets(self.threads_tickets),
            (ModelKind::Queue, Tier::Threads) => Plan::Queue(self.threads_queue),
            (ModelKind::Counter, Tier::Shuttle) => Plan::Counter(self.shuttle_counter),
            (ModelKind::Tickets, Tier::Shuttle) => Plan::Tickets(self.shuttle_tickets),
            (ModelKind::Queue, Tier::Shuttle) => Plan::Queue(self.shuttle_queue),
            (ModelKind::Counter, Tier::Processes) => Plan::Counter(self.processes_counter),
            (ModelKind::Tickets, Tier::Processes) => Plan::Tickets(self.processes_tickets),
            (ModelKind::Queue, Tier::Processes) => Plan::Queue(self.processes_queue),
        }
    }

    pub fn loom_config(&self, model: ModelKind) -> LoomConfig {
        LoomConfig::bounded(self.loom_bound[Self::index(model)])
    }

    pub fn threads_config(&self, model: ModelKind) -> ThreadsConfig {
        self.threads[Self::index(model)]
    }
}

type LoomFn<P> = fn(&P, &LoomConfig) -> Explored;
type ThreadsFn<P> = fn(&P, &ThreadsConfig) -> Outcome;
type ShuttleFn<P> = fn(&P, &ShuttleConfig) -> Outcome;

#[derive(Clone, Copy)]
enum Runner {
    Counter(
        LoomFn<CounterPlan>,
        ThreadsFn<CounterPlan>,
        ShuttleFn<CounterPlan>,
    ),
    Tickets(LoomFn<RushPlan>, ThreadsFn<RushPlan>, ShuttleFn<RushPlan>),
    Queue(
        LoomFn<QueuePlan>,
        ThreadsFn<QueuePlan>,
        ShuttleFn<QueuePlan>,
    ),
}

/// One row of the table: a model under a strategy.
#[derive(Clone, Copy, Serialize)]
pub struct Pair {
    pub model: ModelKind,
    pub strategy: &'static str,
    pub correct: bool,
    pub summary: &'static str,
    pub loom: Expect,
    pub threads: Expect,
    pub shuttle: Expect,
    pub processes: Expect,
    #[serde(skip)]
    runner: Option<Runner>,
    /// The process form of the strategy, if it has one.
    #[serde(skip)]
    process: Option<ProcessStrategy>,
    /// The process queue, for a queue pair that runs in processes.
    #[serde(skip)]
    via: Option<Via>,
}

/// Why real threads on this machine cannot decide the Relaxed spin lock.
const TSO: &str = "x86-64 orders these accesses in hardware (TSO); the bug shows on ARM or after a compiler reordering, and loom proves it";

/// Why shuttle cannot decide the Relaxed spin lock.
const SEQ_CST: &str = "shuttle runs every atomic as SeqCst, so a Relaxed-ordering bug is invisible to it; loom proves it";

/// Shuttle finds what loom finds, except what needs weak memory.
const fn shuttle_expect(strategy: &str, loom: Expect) -> Expect {
    match strategy.as_bytes() {
        b"spin-relaxed" => Expect::Either(SEQ_CST),
        _ => loom,
    }
}

impl Pair {
    /// Does the pair have a form on `tier`? (A process-only strategy such
    /// as flock has none under loom.)
    pub fn runs_on(&self, tier: Tier) -> bool {
        self.expect(tier) != Expect::NotApplicable
    }

    pub fn expect(&self, tier: Tier) -> Expect {
        match tier {
            Tier::Loom => self.loom,
            Tier::Threads => self.threads,
            Tier::Shuttle => self.shuttle,
            Tier::Processes => self.processes,
        }
    }

    /// Explores the pair under loom with `plan` (which must be for this
    /// pair's model).
    pub fn explore(&self, plan: &Plan, config: &LoomConfig) -> Explored {
        match (self.runner, plan) {
            (Some(Runner::Counter(run, ..)), Plan::Counter(p)) => run(p, config),
            (Some(Runner::Tickets(run, ..)), Plan::Tickets(p)) => run(p, config),
            (Some(Runner::Queue(run, ..)), Plan::Queue(p)) => run(p, config),
            (None, _) => panic!("{}/{} has no loom form", self.model, self.strategy),
            _ => panic!("a {} plan for the {} model", plan_model(plan), self.model),
        }
    }

    /// Searches the pair's schedules under shuttle with `plan`.
    pub fn shuttle(&self, plan: &Plan, config: &ShuttleConfig) -> Outcome {
        match (self.runner, plan) {
            (Some(Runner::Counter(.., run)), Plan::Counter(p)) => run(p, config),
            (Some(Runner::Tickets(.., run)), Plan::Tickets(p)) => run(p, config),
            (Some(Runner::Queue(.., run)), Plan::Queue(p)) => run(p, config),
            (None, _) => panic!("{}/{} has no shuttle form", self.model, self.strategy),
            _ => panic!("a {} plan for the {} model", plan_model(plan), self.model),
        }
    }

    /// Runs the pair on real threads with `plan`.
    pub fn stress(&self, plan: &Plan, config: &ThreadsConfig) -> Outcome {
        match (self.runner, plan) {
            (Some(Runner::Counter(_, run, _)), Plan::Counter(p)) => run(p, config),
            (Some(Runner::Tickets(_, run, _)), Plan::Tickets(p)) => run(p, config),
            (Some(Runner::Queue(_, run, _)), Plan::Queue(p)) => run(p, config),
            (None, _) => panic!("{}/{} has no thread form", self.model, self.strategy),
            _ => panic!("a {} plan for the {} model", plan_model(plan), self.model),
        }
    }

    /// Runs the pair in real processes with `plan`.
    pub fn fork(&self, plan: &Plan, config: &ProcessConfig) -> Outcome {
        match (self.process, self.via, plan) {
            (Some(s), _, Plan::Counter(p)) => crate::process::counter::run(s, p, config),
            (Some(s), _, Plan::Tickets(p)) => crate::process::tickets::run(s, p, config),
            (_, Some(via), Plan::Queue(p)) => crate::process::queue::run::outcome(via, p, config),
            _ => panic!("{}/{} has no process form", self.model, self.strategy),
        }
    }

    /// Runs the pair on `tier` at `scale`.
    pub fn run(&self, tier: Tier, scale: &Scale) -> Outcome {
        let plan = scale.plan(self.model, tier);
        match tier {
            Tier::Loom => self.explore(&plan, &scale.loom_config(self.model)).outcome,
            Tier::Threads => self.stress(&plan, &scale.threads_config(self.model)),
            Tier::Shuttle => self.shuttle(&plan, &scale.shuttle),
            Tier::Processes => self.fork(&plan, &scale.processes),
        }
    }
}

fn plan_model(plan: &Plan) -> ModelKind {
    match plan {
        Plan::Counter(_) => ModelKind::Counter,
        Plan::Tickets(_) => ModelKind::Tickets,
        Plan::Queue(_) => ModelKind::Queue,
    }
}

fn worker_label(prefix: &'static str) -> impl Fn(usize) -> String + Send + 'static {
    move |i| {
        if i == 0 {
            "main".to_string()
        } else {
            format!("{prefix}{}", i - 1)
        }
    }
}

fn loom_counter<C: CounterImpl<Loom>>(plan: &CounterPlan, config: &LoomConfig) -> Explored {
    let plan = *plan;
    explore(config, worker_label("T"), move |probe| {
        counter_workload::drive::<Loom, C>(&plan, probe, None, &Progress::none()).map(drop)
    })
}

fn threads_counter<C: CounterImpl<Std>>(plan: &CounterPlan, config: &ThreadsConfig) -> Outcome {
    let racers = Racers {
        threads: plan.threads(),
        parties: 2,
        operations: plan.operations(),
    };
    let plan = *plan;
    threads::rounds(
        config,
        racers,
        &worker_label("T"),
        move |probe, start, progress| {
            counter_workload::drive::<Std, C>(&plan, probe, Some(start), &progress).map(drop)
        },
    )
}

fn loom_tickets<O: OfficeImpl<Loom>>(plan: &RushPlan, config: &LoomConfig) -> Explored {
    let plan = *plan;
    explore(config, worker_label("B"), move |probe| {
        tickets_workload::drive::<Loom, O>(&plan, probe, None, &Progress::none()).map(drop)
    })
}

fn threads_tickets<O: OfficeImpl<Std>>(plan: &RushPlan, config: &ThreadsConfig) -> Outcome {
    // Each buyer searches once and buys until it has its tickets or none
    // are left: count a search and a buy per buyer.
    let racers = Racers {
        threads: plan.buyers,
        parties: plan.buyers,
        operations: 2 * plan.buyers as u64,
    };
    let plan = *plan;
    threads::rounds(
        config,
        racers,
        &worker_label("B"),
        move |probe, start, progress| {
            tickets_workload::drive::<Std, O>(&plan, probe, Some(start), &progress).map(drop)
        },
    )
}

fn loom_queue<Q: QueueImpl<Loom, Msg>>(plan: &QueuePlan, config: &LoomConfig) -> Explored {
    let plan = *plan;
    explore(
        config,
        move |i| plan.label(i),
        move |probe| {
            queue_workload::drive::<Loom, Q>(&plan, probe, None, &Progress::none()).map(drop)
        },
    )
}

fn threads_queue<Q: QueueImpl<Std, Msg>>(plan: &QueuePlan, config: &ThreadsConfig) -> Outcome {
    let racers = Racers {
        threads: plan.producers + plan.consumers,
        parties: 2,
        operations: 2 * plan.total() as u64,
    };
    let plan = *plan;
    threads::rounds(
        config,
        racers,
        &|i| plan.label(i),
        move |probe, start, progress| {
            queue_workload::drive::<Std, Q>(&plan, probe, Some(start), &progress).map(drop)
        },
    )
}

fn shuttle_counter<C: CounterImpl<Shuttle>>(plan: &CounterPlan, config: &ShuttleConfig) -> Outcome {
    let plan = *plan;
    shuttle_tier::explore(config, worker_label("T"), move |probe| {
        counter_workload::drive::<Shuttle, C>(&plan, probe, None, &Progress::none()).map(drop)
    })
}

fn shuttle_tickets<O: OfficeImpl<Shuttle>>(plan: &RushPlan, config: &ShuttleConfig) -> Outcome {
    let plan = *plan;
    shuttle_tier::explore(config, worker_label("B"), move |probe| {
        tickets_workload::drive::<Shuttle, O>(&plan, probe, None, &Progress::none()).map(drop)
    })
}

fn shuttle_queue<Q: QueueImpl<Shuttle, Msg>>(plan: &QueuePlan, config: &ShuttleConfig) -> Outcome {
    let plan = *plan;
    shuttle_tier::explore(
        config,
        move |i| plan.label(i),
        move |probe| {
            queue_workload::drive::<Shuttle, Q>(&plan, probe, None, &Progress::none()).map(drop)
        },
    )
}

macro_rules! pair {
    ($model:ident, $name:expr, $correct:expr, $summary:expr, loom: $loom:expr, threads: $threads:expr,
     |$b:ident| $ty:ty) => {{
        type Impl<$b> = $ty;
        Pair {
            model: ModelKind::$model,
            strategy: $name,
            correct: $correct,
            summary: $summary,
            loom: $loom,
            threads: $threads,
            shuttle: shuttle_expect($name, $loom),
            processes: Expect::NotApplicable,
            runner: Some(pair!(@runner $model, Impl)),
            process: None,
            via: None,
        }
    }};
    (@runner Counter, $impl:ident) => { Runner::Counter(loom_counter::<$impl<Loom>>, threads_counter::<$impl<Std>>, shuttle_counter::<$impl<Shuttle>>) };
    (@runner Tickets, $impl:ident) => { Runner::Tickets(loom_tickets::<$impl<Loom>>, threads_tickets::<$impl<Std>>, shuttle_tickets::<$impl<Shuttle>>) };
    (@runner Queue, $impl:ident) => { Runner::Queue(loom_queue::<$impl<Loom>>, threads_queue::<$impl<Std>>, shuttle_queue::<$impl<Shuttle>>) };
}

use Expect::{Either, Holds, Violates};
use ViolationKind::*;

/// Every pair, in table order: per model, the correct strategies, then the
/// broken ones; then the pairs that exist only in processes.
pub fn all() -> Vec<Pair> {
    let mut pairs = threads_and_loom();
    with_processes(&mut pairs);
    with_process_queues(&mut pairs);
    pairs
}

/// The verdict a process strategy must get on a model.
fn process_expect(model: ModelKind, strategy: ProcessStrategy) -> Expect {
    match (model, strategy.correct()) {
        (_, true) => Holds,
        (ModelKind::Counter, false) => Violates(&[LostUpdate]),
        (_, false) => Violates(&[Oversold, SoldTwice]),
    }
}

/// One pair per process queue (the shared-memory rings, the kernel
/// transports), after the thread queues.
fn with_process_queues(pairs: &mut Vec<Pair>) {
    for via in Via::ALL {
        pairs.push(Pair {
            model: ModelKind::Queue,
            strategy: via.name(),
            correct: via.breaks_with().is_none(),
            summary: via.summary(),
            loom: Expect::NotApplicable,
            threads: Expect::NotApplicable,
            shuttle: Expect::NotApplicable,
            processes: match via.violations() {
                [] => Holds,
                kinds => Violates(kinds),
            },
            runner: None,
            process: None,
            via: Some(via),
        });
    }
}

/// Gives each counter and ticket pair whose strategy also exists between
/// processes (none, spin, semaphore-1/2, atomic) its process verdict, and
/// adds a pair for each process-only strategy (flock, fcntl, the server...).
fn with_processes(pairs: &mut Vec<Pair>) {
    for model in [ModelKind::Counter, ModelKind::Tickets] {
        for strategy in ProcessStrategy::ALL {
            let expect = process_expect(model, strategy);
            match pairs
                .iter_mut()
                .find(|p| p.model == model && p.strategy == strategy.name())
            {
                Some(pair) => {
                    pair.processes = expect;
                    pair.process = Some(strategy);
                }
                None => {
                    let at = pairs
                        .iter()
                        .rposition(|p| p.model == model)
                        .map_or(pairs.len(), |i| i + 1);
                    pairs.insert(
                        at,
                        Pair {
                            model,
                            strategy: strategy.name(),
                            correct: strategy.correct(),
                            summary: strategy.summary(),
                            loom: Expect::NotApplicable,
                            threads: Expect::NotApplicable,
                            shuttle: Expect::NotApplicable,
                            processes: expect,
                            runner: None,
                            process: Some(strategy),
                            via: None,
                        },
                    );
                }
            }
        }
    }
}

/// The pairs with a loom and a thread form.
fn threads_and_loom() -> Vec<Pair> {
    vec![
        // The counter.
        pair!(Counter, "mutex", true, "std Mutex around read+write", loom: Holds, threads: Holds,
              |B| LockedCounter<B, MutexLock<B>>),
        pair!(Counter, "spin", true, "spin lock, Acquire/Release", loom: Holds, threads: Holds,
              |B| LockedCounter<B, SpinLock<B>>),
        pair!(Counter, "ticket", true, "FIFO ticket lock", loom: Holds, threads: Holds,
              |B| LockedCounter<B, TicketLock<B>>),
        pair!(Counter, "rwlock", true, "RwLock, writes exclusive", loom: Holds, threads: Holds,
              |B| LockedCounter<B, RwLockStrategy<B>>),
        pair!(Counter, "semaphore-1", true, "semaphore with 1 permit", loom: Holds, threads: Holds,
              |B| LockedCounter<B, Semaphore1<B>>),
        pair!(Counter, "atomic", true, "lock-free fetch_add", loom: Holds, threads: Holds,
              |B| AtomicCounter<B>),
        pair!(Counter, "none", false, "no lock: read, then write", loom: Violates(&[LostUpdate]),
              threads: Violates(&[LostUpdate]), |B| LockedCounter<B, NoLock>),
        pair!(Counter, "spin-relaxed", false, "spin lock, Relaxed orderings", loom: Violates(&[LostUpdate]),
              threads: Either(TSO), |B| LockedCounter<B, RelaxedSpinLock<B>>),
        pair!(Counter, "semaphore-2", false, "semaphore with 2 permits", loom: Violates(&[LostUpdate]),
              threads: Violates(&[LostUpdate]), |B| LockedCounter<B, Semaphore2<B>>),
        pair!(Counter, "split-lock", false, "lock the read, then lock the write", loom: Violates(&[LostUpdate]),
              threads: Violates(&[LostUpdate]), |B| SplitLockCounter<B, MutexLock<B>>),
        // The ticket office.
        pair!(Tickets, "mutex", true, "std Mutex around the buy", loom: Holds, threads: Holds,
              |B| LockedOffice<B, MutexLock<B>>),
        pair!(Tickets, "spin", true, "spin lock, Acquire/Release", loom: Holds, threads: Holds,
              |B| LockedOffice<B, SpinLock<B>>),
        pair!(Tickets, "ticket", true, "FIFO ticket lock", loom: Holds, threads: Holds,
              |B| LockedOffice<B, TicketLock<B>>),
        pair!(Tickets, "rwlock", true, "search under read, buy under write", loom: Holds, threads: Holds,
              |B| LockedOffice<B, RwLockStrategy<B>>),
        pair!(Tickets, "semaphore-1", true, "semaphore with 1 permit", loom: Holds, threads: Holds,
              |B| LockedOffice<B, Semaphore1<B>>),
        pair!(Tickets, "atomic", true, "lock-free compare-exchange on the count", loom: Holds, threads: Holds,
              |B| AtomicOffice<B>),
        pair!(Tickets, "none", false, "no lock: read, then write", loom: Violates(&[Oversold, SoldTwice]),
              threads: Violates(&[Oversold, SoldTwice]), |B| LockedOffice<B, NoLock>),
        pair!(Tickets, "spin-relaxed", false, "spin lock, Relaxed orderings", loom: Violates(&[Oversold, SoldTwice]),
              threads: Either(TSO), |B| LockedOffice<B, RelaxedSpinLock<B>>),
        pair!(Tickets, "semaphore-2", false, "semaphore with 2 permits", loom: Violates(&[Oversold, SoldTwice]),
              threads: Violates(&[Oversold, SoldTwice]), |B| LockedOffice<B, Semaphore2<B>>),
        pair!(Tickets, "check-then-act", false, "decide outside the lock, sell inside", loom: Violates(&[Oversold]),
              threads: Violates(&[Oversold]), |B| CheckThenActOffice<B, MutexLock<B>>),
        // The bounded queue.
        pair!(Queue, "condvar", true, "Mutex + not_full/not_empty, while loops", loom: Holds, threads: Holds,
              |B| CondvarQueue<B, Msg, WhileLoop>),
        pair!(Queue, "condvar-if", false, "waits with if, not while", loom: Violates(&[PopFromEmpty, CapacityExceeded]),
              threads: Violates(&[PopFromEmpty, CapacityExceeded]), |B| CondvarQueue<B, Msg, IfNotWhile>),
        pair!(Queue, "one-condvar", false, "one condvar, notify_one", loom: Violates(&[Deadlock]),
              threads: Violates(&[Deadlock]), |B| CondvarQueue<B, Msg, OneCondvar>),
        pair!(Queue, "unlocked-capacity", false, "checks room, unlocks, then pushes", loom: Violates(&[CapacityExceeded]),
              threads: Violates(&[CapacityExceeded]), |B| CondvarQueue<B, Msg, CheckOutsideLock>),
    ]
}

/// The pair for `model` and `strategy`, if there is one.
pub fn find(model: ModelKind, strategy: &str) -> Option<Pair> {
    all()
        .into_iter()
        .find(|p| p.model == model && p.strategy == strategy)
}
