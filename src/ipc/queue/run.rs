//! SCENARIOS.md §4 over processes: producers and consumers forked around
//! any [`ProcessQueue`]. The parent waits for the producers, `join`s the
//! queue (every item processed), then tells the consumers to stop as the
//! plan's [`Ending`] says. With `Ending::Never` nobody does: each
//! consumer's get runs out after `wait` and it reports itself stuck, which
//! is the lessons' hang, shown with a bounded wait.
//!
//! The run is checked with the thread tier's invariants
//! ([`check`]): nothing lost or duplicated, FIFO per producer, never above
//! capacity, join only once every item is processed; plus what only a
//! worker can tell (a consumer that popped an empty queue).

use super::{FOREVER, ProcessQueue, QueueError, Role, STOP, Via, item, split};
use crate::check::queue::{Ending, QueuePlan, QueueReport, check};
use crate::check::{Violation, ViolationKind};
use crate::process::ProcessConfig;
use crate::process::arena::Arena;
use crate::process::crew::{Crew, Failure};
use crate::tier::{Outcome, Work};
use serde::{Deserialize, Serialize};
use std::io;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Worker {
    received: Vec<(u32, u32)>,
    /// A consumer whose get ran out: nobody told it to stop.
    stuck: bool,
    error: Option<String>,
}

/// One producer/consumer run over one queue.
#[derive(Debug, Clone, Serialize)]
pub struct ProcessQueueRun {
    pub via: Via,
    pub report: QueueReport,
    /// Every invariant the run broke (empty: it held).
    pub violations: Vec<Violation>,
    /// Consumers still waiting for an item when their wait ran out.
    pub stuck_consumers: usize,
    /// The join did not return in time (items lost, or a worker failed).
    pub join_timed_out: bool,
    #[serde(serialize_with = "crate::tier::as_millis")]
    pub elapsed: Duration,
}

impl ProcessQueueRun {
    /// Whether the run broke an invariant of kind `kind`.
    pub fn broke(&self, kind: ViolationKind) -> bool {
        self.violations.iter().any(|v| v.kind == kind)
    }
}

/// Runs `plan` over `via` with one process per producer and per consumer.
/// `wait` bounds the parent's join and, with `Ending::Never`, each
/// consumer's wait for an item that never comes.
pub fn run(plan: &QueuePlan, via: Via, wait: Duration) -> io::Result<ProcessQueueRun> {
    run_in(&Arena::new()?, plan, via, wait)
}

/// [`run`] with the queue made in `arena`, which the caller keeps: a test
/// can look at what the run left there (a spool's files, say).
pub fn run_in(
    arena: &Arena,
    plan: &QueuePlan,
    via: Via,
    wait: Duration,
) -> io::Result<ProcessQueueRun> {
    if plan.producers == 0 || plan.consumers == 0 || plan.capacity == 0 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "need at least one producer, one consumer and a capacity of 1",
        ));
    }
    let started = Instant::now();
    let queue = via.open(arena, plan.capacity)?;
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
    })?;
    crew.start();
    // The producers are done when every item was put: join then waits for
    // every item to be processed. Neither can hang: both are bounded.
    let total = plan.total() as u64;
    if !until_all_put(queue, total) {
        // Never close (or stop consumers) under producers still at work.
        return Err(io::Error::other(format!(
            "the producers stopped: {} of {total} items put, none for {FOREVER:?}",
            queue.ledger().put_count()
        )));
    }
    let joined = queue.join(wait).is_ok();
    let processed_at_join = joined.then(|| queue.ledger().processed());
    let ended = match plan.ending {
        Ending::Close => queue.close(),
        Ending::Sentinels => (0..plan.consumers).try_for_each(|_| queue.put(STOP, FOREVER)),
        Ending::Never => Ok(()),
    };
    let mut report = QueueReport {
        received: Vec::new(),
        high_water: queue.high_water().unwrap_or(0),
        processed_at_join,
    };
    let mut violations = Vec::new();
    let mut stuck = 0;
    for (i, result) in crew
        .collect::<Worker>(FOREVER + wait)
        .into_iter()
        .enumerate()
    {
        let role = if i < plan.producers {
            "producer"
        } else {
            "consumer"
        };
        match result {
            Ok(w) => {
                if let Some(e) = w.error {
                    return Err(io::Error::other(format!("{role} {i}: {e}")));
                }
                if i >= plan.producers {
                    stuck += usize::from(w.stuck);
                    report.received.push(w.received);
                }
            }
            Err(Failure::Panicked(message)) => {
                let label = |w: usize| format!("worker {w}");
                let state = crate::probe::ProbeState::default();
                violations.push(Violation::from_panic(&message, &state, &label));
            }
            Err(failure) => return Err(io::Error::other(format!("{role} {i}: {failure}"))),
        }
    }
    if let Err(e) = ended {
        return Err(io::Error::other(format!(
            "telling the consumers to stop: {e}"
        )));
    }
    let partial = !violations.is_empty();
    if let Err(found) = check(plan, &report, partial) {
        violations.extend(found);
    }
    Ok(ProcessQueueRun {
        via,
        report,
        violations,
        stuck_consumers: stuck,
        join_timed_out: !joined,
        elapsed: started.elapsed(),
    })
}

/// How long the matrix's parent waits in join: a correct queue is done in
/// milliseconds, and a join that runs out is no violation by itself (the
/// items' fate is).
const MATRIX_JOIN: Duration = Duration::from_secs(1);

/// The processes tier's cell for a queue: `config.rounds` runs of `plan`
/// over `via`, stopping at the first violation.
pub fn outcome(via: Via, plan: &QueuePlan, config: &ProcessConfig) -> Outcome {
    let started = Instant::now();
    let mut rounds = 0;
    let mut violations = Vec::new();
    while rounds < config.rounds.max(1) && violations.is_empty() {
        rounds += 1;
        match run(plan, via, MATRIX_JOIN) {
            Ok(r) => violations = r.violations,
            Err(e) => violations.push(Violation::new(ViolationKind::Panicked, e.to_string())),
        }
    }
    Outcome {
        violations,
        work: Work::Operations {
            count: 2 * plan.total() as u64 * u64::from(rounds),
            rounds,
        },
        elapsed: started.elapsed(),
        inconclusive: None,
    }
}

/// Waits until `total` items were put, for as long as the producers make
/// progress: false once none was put for [`FOREVER`] (a big plan may take
/// longer than that in all).
fn until_all_put(queue: &dyn ProcessQueue, total: u64) -> bool {
    let mut seen = queue.ledger().put_count();
    let mut progress = Instant::now();
    loop {
        let now = queue.ledger().put_count();
        if now >= total {
            return true;
        }
        if now != seen {
            (seen, progress) = (now, Instant::now());
        } else if progress.elapsed() >= FOREVER {
            return false;
        }
        std::thread::sleep(Duration::from_micros(200));
    }
}

fn produce(queue: &dyn ProcessQueue, producer: usize, items: usize) -> Worker {
    let error = (0..items)
        .find_map(|seq| queue.put(item(producer, seq), FOREVER).err())
        .map(|e| format!("put: {e}"));
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
    let mut progress = Instant::now();
    loop {
        let put_before = queue.ledger().put_count();
        if put_before != seen {
            (seen, progress) = (put_before, Instant::now());
        }
        match queue.get(get_wait) {
            Ok(STOP) | Err(QueueError::Closed) => return w,
            Ok(x) => {
                w.received.push(split(x));
                if let Err(e) = queue.task_done() {
                    w.error = Some(format!("task_done: {e}"));
                    return w;
                }
            }
            Err(QueueError::Empty) if put_before < total && progress.elapsed() < FOREVER => {}
            Err(QueueError::Empty) => {
                w.stuck = true;
                return w;
            }
            Err(e) => {
                w.error = Some(format!("get: {e}"));
                return w;
            }
        }
    }
}
