//! SCENARIOS.md §4 over processes: producers and consumers forked around a
//! [`ShmQueue`]. The parent waits for the producers, `join`s the queue
//! (every item processed), then tells the consumers to stop as the plan's
//! [`Ending`] says. With `Ending::Never` nobody does: each consumer's get
//! times out after `wait` and reports itself stuck, which is the
//! lessons' hang, shown with a bounded wait.

use super::shm_queue::{Flavor, QueueError, STOP, ShmQueue};
use crate::check::queue::{Ending, QueuePlan, QueueReport};
use crate::process::arena::Arena;
use crate::process::crew::Crew;
use serde::{Deserialize, Serialize};
use std::io;
use std::time::Duration;

/// How long any one put, join or crew may take.
pub const DEADLINE: Duration = Duration::from_secs(30);

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Worker {
    received: Vec<(u32, u32)>,
    /// A consumer whose get timed out: nobody told it to stop.
    stuck: bool,
    error: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProcessQueueRun {
    pub report: QueueReport,
    /// Consumers still waiting for an item when their wait ran out.
    pub stuck_consumers: usize,
    /// The join did not return (items lost, or a worker failed).
    pub join_timed_out: bool,
}

fn item(producer: usize, seq: usize) -> u64 {
    ((producer as u64) << 32) | seq as u64
}

/// Runs `plan` with one process per producer and per consumer.
/// `wait` bounds each consumer's get and the parent's join.
pub fn run(plan: &QueuePlan, flavor: Flavor, wait: Duration) -> io::Result<ProcessQueueRun> {
    if plan.producers == 0 || plan.consumers == 0 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "need at least one producer and one consumer",
        ));
    }
    let arena = Arena::new()?;
    let queue = ShmQueue::new(&arena, plan.capacity, flavor)?;
    let crew = Crew::spawn(plan.producers + plan.consumers, |i| {
        if i < plan.producers {
            produce(&queue, i, plan.items)
        } else {
            consume(&queue, wait)
        }
    })?;
    let mut crew = crew;
    crew.start();
    // The producers are done when every item was put: join then waits for
    // every item to be processed. Neither can hang: both are timed.
    let all_put = wait_for(|| queue.put_count() >= plan.total() as u64);
    let joined = all_put && queue.join(wait).is_ok();
    let processed_at_join = joined.then(|| queue.processed());
    match plan.ending {
        Ending::Close => queue
            .close()
            .map_err(|e| io::Error::other(format!("{e:?}")))?,
        Ending::Sentinels => {
            for _ in 0..plan.consumers {
                queue
                    .put(STOP, DEADLINE)
                    .map_err(|e| io::Error::other(format!("{e:?}")))?;
            }
        }
        Ending::Never => {}
    }
    let mut report = QueueReport {
        received: Vec::new(),
        high_water: queue.high_water(),
        processed_at_join,
    };
    let mut stuck = 0;
    for (i, result) in crew
        .collect::<Worker>(DEADLINE + wait)
        .into_iter()
        .enumerate()
    {
        let w = result.map_err(|f| io::Error::other(format!("worker {i}: {f}")))?;
        if let Some(e) = w.error {
            return Err(io::Error::other(format!("worker {i}: {e}")));
        }
        if i >= plan.producers {
            stuck += usize::from(w.stuck);
            report.received.push(w.received);
        }
    }
    Ok(ProcessQueueRun {
        report,
        stuck_consumers: stuck,
        join_timed_out: !joined,
    })
}

fn produce(queue: &ShmQueue, producer: usize, items: usize) -> Worker {
    let error = (0..items)
        .find_map(|seq| queue.put(item(producer, seq), DEADLINE).err())
        .map(|e| format!("put: {e:?}"));
    Worker {
        error,
        ..Worker::default()
    }
}

fn consume(queue: &ShmQueue, get_wait: Duration) -> Worker {
    let mut w = Worker::default();
    loop {
        match queue.get(get_wait) {
            Ok(STOP) | Err(QueueError::Closed) => return w,
            Ok(x) => {
                w.received.push(((x >> 32) as u32, x as u32));
                if let Err(e) = queue.task_done() {
                    w.error = Some(format!("task_done: {e:?}"));
                    return w;
                }
            }
            Err(QueueError::TimedOut) => {
                w.stuck = true;
                return w;
            }
            Err(e) => {
                w.error = Some(format!("get: {e:?}"));
                return w;
            }
        }
    }
}

/// Polls `ready` until it holds or [`DEADLINE`] passes.
fn wait_for(ready: impl Fn() -> bool) -> bool {
    let deadline = std::time::Instant::now() + DEADLINE;
    while !ready() {
        if std::time::Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_micros(200));
    }
    true
}
