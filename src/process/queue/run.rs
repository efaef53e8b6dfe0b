//! docs/scenarios.md §4 over processes: producers and consumers forked around
//! any [`ProcessQueue`]. The parent waits for the producers, `join`s the
//! queue (every item processed), then tells the consumers to stop as the
//! plan's [`Ending`] says. With `Ending::Never` nobody does: each
//! consumer's get runs out after `wait` and it reports itself stuck, which
//! is the hang of docs/scenarios.md §4, shown with a bounded wait.
//!
//! Nothing waits out a fixed deadline: every worker records on the crew's
//! progress board each operation it completes, and the parent calls the
//! run stuck once none completed for [`STALL`] (a [`ViolationKind::Hang`]
//! naming where each worker was). A run that cannot be set up (no fork, no
//! mapping, the system refused a queue operation) is inconclusive
//! ([`RunError::Inconclusive`]), never a verdict on the queue.
//!
//! The run is checked with the thread tier's invariants
//! ([`check`]): nothing lost or duplicated, FIFO per producer, never above
//! capacity, join only once every item is processed; plus what only a
//! worker can tell (a consumer that popped an empty queue).

use super::{FOREVER, ProcessQueue, QueueError, QueueForm, Role, STOP, item, split};
use crate::check::queue::check;
use crate::check::{Violation, ViolationKind};
use crate::os::arena::Arena;
use crate::os::crew::{Crew, Failure};
pub use crate::os::progress::STALL;
use crate::os::progress::{self, Mark, Step, Watchdog};
use crate::process::failure::{Findings, RunError};
use crate::workload::queue::{Ending, QueuePlan, QueueReport};
use serde::{Deserialize, Serialize};
use std::io;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Worker {
    received: Vec<(u32, u32)>,
    /// A consumer whose get ran out: nobody told it to stop.
    stuck: bool,
    /// The operation that failed, and how.
    error: Option<(Step, QueueError)>,
}

/// One producer/consumer run over one queue.
#[derive(Debug, Clone, Serialize)]
pub struct ProcessQueueRun {
    /// The queue the run went through.
    pub via: QueueForm,
    /// What the consumers received and the queue's high water mark.
    pub report: QueueReport,
    /// Every invariant the run broke (empty: it held).
    pub violations: Vec<Violation>,
    /// Consumers still waiting for an item when their wait ran out.
    pub stuck_consumers: usize,
    /// The join did not return in time (items lost, or a worker failed).
    pub join_timed_out: bool,
    /// Wall time from opening the queue to the last worker collected.
    #[serde(serialize_with = "crate::tier::as_millis")]
    pub elapsed: Duration,
}

impl ProcessQueueRun {
    /// Whether the run broke an invariant of kind `kind`.
    pub fn broke(&self, kind: ViolationKind) -> bool {
        self.violations.iter().any(|v| v.kind == kind)
    }
}

/// Runs `plan` over `via` (a built-in [`Via`](super::Via) or a user's
/// queue, [`queue_form`](super::queue_form)) with one process per producer
/// and per consumer. `wait` bounds the parent's join and, with
/// `Ending::Never`, each consumer's wait for an item that never comes.
pub fn run(
    plan: &QueuePlan,
    via: impl Into<QueueForm>,
    wait: Duration,
) -> Result<ProcessQueueRun, RunError> {
    let arena = Arena::new().map_err(|e| RunError::setup("the run's directory", e))?;
    run_in(&arena, plan, via, wait)
}

/// [`run`] with the queue made in `arena`, which the caller keeps: a test
/// can look at what the run left there (a spool's files, say).
pub fn run_in(
    arena: &Arena,
    plan: &QueuePlan,
    via: impl Into<QueueForm>,
    wait: Duration,
) -> Result<ProcessQueueRun, RunError> {
    let via = via.into();
    if plan.producers == 0 || plan.consumers == 0 || plan.capacity == 0 {
        return Err(RunError::Plan(
            "need at least one producer, one consumer and a capacity of 1".into(),
        ));
    }
    let started = Instant::now();
    let queue = via.open(arena, plan.capacity).map_err(|e| match e.kind() {
        // The queue refused the plan (a capacity above its bound).
        io::ErrorKind::InvalidInput => RunError::Plan(e.to_string()),
        _ => RunError::setup("opening the queue", e),
    })?;
    let queue = queue.as_ref();
    queue.arm_race_window();
    let get_wait = match plan.ending {
        Ending::Never => wait,
        Ending::Close | Ending::Sentinels => FOREVER,
    };
    let mut crew = Crew::spawn(plan.producers + plan.consumers, |i| {
        if i < plan.producers {
            queue.enter(Role::Producer);
            produce(queue, i, plan.items)
        } else {
            queue.enter(Role::Consumer);
            consume(queue, get_wait, plan.total() as u64)
        }
    })
    .map_err(|e| RunError::setup("forking the workers", e))?;
    crew.start();
    let mut found = Findings::default();
    // A consumer nobody stops waits `wait` on purpose before it gives up.
    let stall = match plan.ending {
        Ending::Never => STALL + wait,
        Ending::Close | Ending::Sentinels => STALL,
    };
    let mut watchdog = Watchdog::new(stall);
    // The producers are done when every item was put: join then waits for
    // every item to be processed, and the consumers are told to stop. A
    // stall skips the rest: nothing would come of it.
    let mut stalled = !until_all_put(queue, &mut crew, plan, &mut watchdog);
    let joined = !stalled && queue.join(wait).is_ok();
    let processed_at_join = joined.then(|| queue.ledger().processed());
    if !stalled {
        match stop_consumers(queue, &mut crew, plan, &mut watchdog) {
            Ok(done) => stalled = !done,
            Err(e) => queue_error(&mut found, "the parent telling the consumers to stop", e),
        }
    }
    let mut report = QueueReport {
        received: Vec::new(),
        high_water: queue.high_water().unwrap_or(0),
        processed_at_join,
    };
    let mut stuck = 0;
    let mut panics = Vec::new();
    let collected = crew.collect_steps::<Worker>(&mut watchdog, FOREVER + wait);
    let names: Vec<String> = (0..plan.producers + plan.consumers)
        .map(|i| {
            if i < plan.producers {
                format!("producer {i}")
            } else {
                format!("consumer {}", i - plan.producers)
            }
        })
        .collect();
    found.traced(&names, &collected.steps);
    for (i, (who, result)) in names.into_iter().zip(collected.results).enumerate() {
        match result {
            Ok(w) => {
                if let Some((step, e)) = w.error {
                    queue_error(&mut found, &format!("{who} ({})", step.describe()), e);
                }
                if i >= plan.producers {
                    stuck += usize::from(w.stuck);
                    report.received.push(w.received);
                }
            }
            Err(Failure::Panicked(message)) => {
                let label = |w: usize| format!("worker {w}");
                let state = crate::workload::probe::ProbeState::default();
                let v = Violation::from_panic(&message, &state, &label);
                panics.push((who, v));
            }
            Err(failure) => found.failure(&who, failure),
        }
    }
    // A worker's panic is the first evidence: the rest often follows from it.
    found.violations.splice(0..0, same_panics_once(panics));
    if stalled || !found.stalled.is_empty() {
        found.stalled_after(watchdog.stall());
    }
    // Missing items are a consequence of a run cut short, not news.
    let partial = !found.is_clean();
    if found.ran_as_planned()
        && let Err(broken) = check(plan, &report, partial)
    {
        found.violations.extend(broken);
    }
    let violations = found.conclude().map_err(RunError::Inconclusive)?;
    Ok(ProcessQueueRun {
        via,
        report,
        violations,
        stuck_consumers: stuck,
        join_timed_out: !joined,
        elapsed: started.elapsed(),
    })
}

/// Workers that panicked the same way (every consumer of the `if` queue
/// popping an empty ring) as one violation naming them all.
fn same_panics_once(panics: Vec<(String, Violation)>) -> Vec<Violation> {
    let mut once: Vec<(Violation, Vec<String>)> = Vec::new();
    for (who, v) in panics {
        match once.iter_mut().find(|(seen, _)| *seen == v) {
            Some((_, whom)) => whom.push(who),
            None => once.push((v, vec![who])),
        }
    }
    once.into_iter()
        .map(|(v, whom)| Violation::new(v.kind, format!("{} ({})", v.evidence, whom.join(", "))))
        .collect()
}

/// A queue operation of `what` (a worker, the parent) failed. The system
/// refusing is the environment's failure; anything else the queue did to
/// a process that followed the plan is the queue's.
fn queue_error(found: &mut Findings, what: &str, e: QueueError) {
    match e {
        QueueError::Os(_) => found.setup_failed(what, e),
        QueueError::Full | QueueError::Empty => {
            // Its own 30 s bound ran out before the watchdog's: stuck.
            found.violations.push(Violation::new(
                ViolationKind::Hang,
                format!("{what}: {e} after {FOREVER:?}"),
            ))
        }
        QueueError::Stuck(_) => found
            .violations
            .push(Violation::new(ViolationKind::Hang, format!("{what}: {e}"))),
        QueueError::Corrupt(_) => found.violations.push(Violation::new(
            ViolationKind::CorruptItem,
            format!("{what}: {e}"),
        )),
        QueueError::TaskDoneTooOften => found.violations.push(Violation::new(
            ViolationKind::DuplicatedItem,
            format!("{what}: {e}"),
        )),
        QueueError::Closed
        | QueueError::JoinTimedOut
        | QueueError::NegativeTimeout
        | QueueError::TimeoutTooLong => found.violations.push(Violation::new(
            ViolationKind::Panicked,
            format!("{what}: {e}"),
        )),
    }
}

/// Waits until every item was put; false once the run stalled. Producers
/// that all ended short of it (each failed, reported by its result) end
/// the wait too.
fn until_all_put(
    queue: &dyn ProcessQueue,
    crew: &mut Crew,
    plan: &QueuePlan,
    watchdog: &mut Watchdog,
) -> bool {
    let total = plan.total() as u64;
    loop {
        if queue.ledger().put_count() >= total {
            return true;
        }
        crew.poll();
        if (0..plan.producers).all(|i| crew.ended(i)) {
            return true;
        }
        if watchdog.stalled(crew.board()) {
            return false;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// How long each try of the parent's sentinel put waits before it looks
/// at the watchdog again.
const SLICE: Duration = Duration::from_millis(100);

/// Tells the consumers to stop as the plan says. Ok(false) when the run
/// stalled first; sentinels nobody is left to take are not put (a consumer
/// that died already told us so by its result).
fn stop_consumers(
    queue: &dyn ProcessQueue,
    crew: &mut Crew,
    plan: &QueuePlan,
    watchdog: &mut Watchdog,
) -> Result<bool, QueueError> {
    match plan.ending {
        Ending::Never => Ok(true),
        Ending::Close => queue.close().map(|()| true),
        Ending::Sentinels => {
            let consumers = plan.producers..plan.producers + plan.consumers;
            let mut sent = 0;
            while sent < plan.consumers {
                match queue.put(STOP, SLICE) {
                    Ok(()) => {
                        sent += 1;
                        watchdog.progressed();
                    }
                    Err(QueueError::Full) => {
                        crew.poll();
                        if consumers.clone().all(|i| crew.ended(i)) {
                            return Ok(true);
                        }
                        if watchdog.stalled(crew.board()) {
                            return Ok(false);
                        }
                    }
                    Err(e) => return Err(e),
                }
            }
            Ok(true)
        }
    }
}

fn produce(queue: &dyn ProcessQueue, producer: usize, items: usize) -> Worker {
    let error = (0..items).find_map(|seq| {
        let x = item(producer, seq);
        progress::enter_as(Step::Put, Mark::Put(x));
        match queue.put(x, FOREVER) {
            Ok(()) => {
                progress::finish();
                None
            }
            Err(e) => Some((Step::Put, e)),
        }
    });
    Worker {
        error,
        ..Worker::default()
    }
}

/// Takes items until told to stop. A get that runs out of `get_wait`
/// while producers are still putting (a slow machine) waits again; once
/// all `total` items had been put before a get began and it still ran
/// out, nobody will tell this consumer to stop: it is stuck. It also
/// gives up when no item was put for [`FOREVER`].
fn consume(queue: &dyn ProcessQueue, get_wait: Duration, total: u64) -> Worker {
    let mut w = Worker::default();
    let mut seen = queue.ledger().put_count();
    let mut last_put = Instant::now();
    loop {
        let put_before = queue.ledger().put_count();
        if put_before != seen {
            (seen, last_put) = (put_before, Instant::now());
        }
        progress::enter(Step::Get);
        let got = queue.get(get_wait);
        match got {
            Ok(STOP) => {
                progress::note(Mark::Got(STOP));
                return w;
            }
            Err(QueueError::Closed) => return w,
            Ok(x) => {
                progress::finish_as(Mark::Got(x));
                w.received.push(split(x));
                progress::enter(Step::TaskDone);
                if let Err(e) = queue.task_done() {
                    w.error = Some((Step::TaskDone, e));
                    return w;
                }
                progress::finish();
            }
            Err(QueueError::Empty) if put_before < total && last_put.elapsed() < FOREVER => {}
            Err(QueueError::Empty) => {
                w.stuck = true;
                return w;
            }
            Err(e) => {
                w.error = Some((Step::Get, e));
                return w;
            }
        }
    }
}
