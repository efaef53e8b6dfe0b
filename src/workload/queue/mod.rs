//! Producers and consumers over a bounded queue (docs/scenarios.md §4).
//! Checked by [`crate::check::queue::check`].
//!
//! The driver is the program of docs/scenarios.md §4: producers put their
//! items; the main thread waits for them, then `join`s the queue (every
//! item processed), then tells the consumers to stop (close, or one
//! sentinel each, or, to show the hang, nothing). Before them, main runs
//! the sequential contract on a queue of its own (`prefix.rs`); the workers
//! use every shape of put and get on real threads, the blocking ones under
//! loom and shuttle, and check every result (`worker.rs`).
//! On real threads (when [`Progress`] is watched)
//! it never blocks unbounded: main polls the probe and calls a deadlock as
//! soon as every live worker is asleep with no wakeup in flight, names who
//! waits on what, and closes the queue to release them. What the probe
//! cannot see (a livelock, a thread blocked outside a condition wait) the
//! threads tier's watchdog catches from the operations recorded here; when
//! it gives up, the queue is closed and main stops waiting.

mod prefix;
mod worker;

use super::{Form, Workload};
use crate::check::queue::check;
use crate::check::{Violation, ViolationKind, deadlock_evidence};
use crate::model::ModelKind;
use crate::model::queue::{QueueImpl, TaskDoneTooOften};
use crate::sync::{Backend, Loom, Std};
use crate::workload::probe::Probe;
use crate::workload::progress::{Op, Progress};
use serde::Serialize;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::{Arc, Barrier};
use std::time::Duration;
use worker::{Books, consume, produce};

/// How the consumers learn that no more items will come.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Ending {
    /// `close()`: gets drain the queue, then report closed.
    Close,
    /// One `Stop` message per consumer (the `None` of docs/scenarios.md §4).
    Sentinels,
    /// Nobody tells them: the hang of docs/scenarios.md §4.
    Never,
}

/// `producers` threads each put `items` messages into a queue of
/// `capacity`; `consumers` threads take them until told to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct QueuePlan {
    /// Threads that put.
    pub producers: usize,
    /// Threads that take.
    pub consumers: usize,
    /// Items each producer puts.
    pub items: usize,
    /// The most items the queue may hold.
    pub capacity: usize,
    /// How the consumers are told to stop.
    pub ending: Ending,
}

impl QueuePlan {
    /// Items put by all producers together.
    pub fn total(&self) -> usize {
        self.producers * self.items
    }

    /// Loom's ladder (see [`climb`](super::ladder::climb)), capacity 1
    /// unless said: one item through 1P1C; two items from one producer
    /// into capacity 2 (order); 2P1C into capacity 2; 1P2C with two items (consumers
    /// racing); 2P2C, the matrix's plan.
    pub fn loom_ladder() -> Vec<super::ladder::Rung<Self>> {
        let plan = |producers, consumers, items, capacity| QueuePlan {
            producers,
            consumers,
            items,
            capacity,
            ending: Ending::Close,
        };
        vec![
            (plan(1, 1, 1, 1), None),
            (plan(1, 1, 2, 2), Some(2)),
            (plan(2, 1, 1, 2), Some(2)),
            (plan(1, 2, 2, 1), Some(2)),
            (plan(2, 2, 1, 1), Some(2)),
        ]
    }

    /// Names worker `index` as the probe and the traces do: `main`, `P0`, `C1`.
    pub fn label(&self, index: usize) -> String {
        match index {
            0 => "main".to_string(),
            i if i <= self.producers => format!("P{}", i - 1),
            i => format!("C{}", i - 1 - self.producers),
        }
    }
}

impl Workload for QueuePlan {
    const MODEL: ModelKind = ModelKind::Queue;

    fn label(&self, index: usize) -> String {
        QueuePlan::label(self, index)
    }

    fn threads(&self) -> usize {
        self.producers + self.consumers
    }

    /// Two racers show each broken queue.
    fn parties(&self) -> usize {
        2
    }

    /// Every item is put once and taken once.
    fn operations(&self) -> u64 {
        2 * self.total() as u64
    }
}

/// Queue `Q` on backend `B`, as a form a tier runs.
pub fn form<B: Backend, Q: QueueImpl<B, Msg>>() -> Form<B, QueuePlan> {
    Form::new(|plan, probe, start, progress| drive::<B, Q>(plan, probe, start, progress).map(drop))
}

/// What travels through the queue.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Msg {
    /// Producer `producer`'s item number `seq` (from 0, in put order).
    Item {
        /// Which producer put it.
        producer: u32,
        /// Its place in that producer's sequence.
        seq: u32,
    },
    /// A sentinel: the consumer that takes it stops.
    Stop,
}

impl fmt::Debug for Msg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Msg::Item { producer, seq } => write!(f, "P{producer}#{seq}"),
            Msg::Stop => f.write_str("STOP"),
        }
    }
}

/// How often main looks at the probe on real threads.
const POLL: Duration = Duration::from_millis(5);

/// What the consumers received.
#[derive(Debug, Clone, Default, Serialize)]
pub struct QueueReport {
    /// (producer, seq) in the order each consumer received them.
    pub received: Vec<Vec<(u32, u32)>>,
    /// The most items the queue held at once.
    pub high_water: usize,
    /// Items processed when `join` returned (None: it never did).
    pub processed_at_join: Option<u64>,
}

/// Marks a worker finished when dropped, even if it panics.
struct Finished(Arc<AtomicBool>);

impl Drop for Finished {
    fn drop(&mut self) {
        self.0.store(true, SeqCst);
    }
}

/// Polls the probe on the std tier: waits for a condition, or calls a
/// deadlock when every live worker is asleep with no wakeup in flight, seen
/// twice with nothing happening in between, or stops when the threads
/// tier's watchdog gave up on the run (`Err(None)`).
struct Supervisor<'a> {
    probe: &'a Probe,
    progress: &'a Progress,
    finished: &'a [Arc<AtomicBool>],
    plan: &'a QueuePlan,
}

impl Supervisor<'_> {
    fn until(&self, mut done: impl FnMut() -> bool) -> Result<(), Option<Violation>> {
        let mut quiet_since = None;
        loop {
            if done() {
                return Ok(());
            }
            if self.progress.abandoned() {
                return Err(None);
            }
            let live: Vec<usize> = (0..self.finished.len())
                .filter(|i| !self.finished[*i].load(SeqCst))
                .map(|i| i + 1)
                .collect();
            let state = self.probe.snapshot();
            if state.all_asleep(&live) {
                if quiet_since == Some(state.events) {
                    let evidence = deadlock_evidence(&state, &|i| self.plan.label(i));
                    return Err(Some(Violation::new(ViolationKind::Deadlock, evidence)));
                }
                quiet_since = Some(state.events);
            } else {
                quiet_since = None;
            }
            std::thread::sleep(POLL);
        }
    }

    fn all_finished(&self, range: std::ops::Range<usize>) -> bool {
        self.finished[range].iter().all(|f| f.load(SeqCst))
    }
}

/// Runs the plan on backend `B` with queue `Q`. `progress` must be watched
/// on real threads (main then supervises, see the module docs) and not
/// under loom or shuttle (which find deadlocks themselves).
pub fn drive<B: Backend, Q: QueueImpl<B, Msg>>(
    plan: &QueuePlan,
    probe: Probe,
    start: Option<Arc<Barrier>>,
    progress: &Progress,
) -> Result<QueueReport, Vec<Violation>> {
    B::set_worker(0);
    // The sequential contract: on real threads every round; under loom
    // only on plans of one producer and one consumer (the smallest rung of
    // the ladder), because its steps multiply the executions of a larger
    // search (2P2C at bound 2: 238,309 with it, ~46,000 without); never
    // under shuttle, whose PCT scheduler would spend its few priority
    // changes on it (queue/one-condvar's deadlock went unfound in 1,000
    // schedules).
    let small = plan.producers + plan.consumers <= 2;
    if B::NAME == Std::NAME || (B::NAME == Loom::NAME && small) {
        prefix::check::<B, Q>(plan.capacity)?;
    }
    match B::NAME {
        // Loom: blocking put and get only, books off the search (std
        // atomics: loom runs one thread at a time, so they stay exact).
        "loom" => run::<B, Q, Std>(plan, probe, start, progress, Books::new(1)),
        // Shuttle: the blocking put and get, as under loom (other shapes
        // change the schedules enough that PCT's seeds miss the
        // one-condvar deadlock).
        "shuttle" => run::<B, Q, Std>(plan, probe, start, progress, Books::new(1)),
        _ => run::<B, Q, B>(plan, probe, start, progress, Books::new(3)),
    }
}

/// The concurrent part of [`drive`], the workers' books on backend `K`.
fn run<B: Backend, Q: QueueImpl<B, Msg>, K: Backend>(
    plan: &QueuePlan,
    probe: Probe,
    start: Option<Arc<Barrier>>,
    progress: &Progress,
    books: Books<K>,
) -> Result<QueueReport, Vec<Violation>> {
    let queue = Arc::new(Q::new(plan.capacity, probe.clone()));
    let books = Arc::new(books);
    {
        // Closing wakes every blocked put and get.
        let (queue, books) = (Arc::clone(&queue), Arc::clone(&books));
        progress.on_abandon(move || books.close(&*queue));
    }
    let workers = plan.producers + plan.consumers;
    let finished: Vec<Arc<AtomicBool>> = (0..workers).map(|_| Arc::default()).collect();

    let mut handles = Vec::with_capacity(workers);
    for (index, flag) in finished.iter().enumerate() {
        let queue = Arc::clone(&queue);
        let start = start.clone();
        let done = Finished(Arc::clone(flag));
        let books = Arc::clone(&books);
        let progress = progress.clone();
        let (producers, items) = (plan.producers, plan.items);
        handles.push(B::spawn(move || {
            let _done = done;
            B::set_worker(1 + index);
            let track = progress.worker(1 + index);
            if let Some(start) = start {
                start.wait();
            }
            if index < producers {
                (
                    Vec::new(),
                    produce(&*queue, &*books, index as u32, items, &track),
                )
            } else {
                consume(&*queue, &*books, index - producers, &track)
            }
        }));
    }

    let sup = progress.is_watched().then_some(Supervisor {
        probe: &probe,
        progress,
        finished: &finished,
        plan,
    });
    let main = progress.worker(0);
    let mut report = QueueReport::default();
    let mut results = Vec::new();
    let outcome = (|| -> Result<(), Option<Violation>> {
        // 1. The producers finish.
        main.call(Op::Join);
        match &sup {
            Some(sup) => sup.until(|| sup.all_finished(0..plan.producers))?,
            None => {
                for handle in handles.drain(..plan.producers) {
                    results.push(B::join(handle));
                }
            }
        }
        if plan.ending == Ending::Never {
            return match &sup {
                Some(sup) => sup.until(|| sup.all_finished(0..workers)),
                None => Ok(()),
            };
        }
        // 2. join(): every item put was taken and marked done.
        match &sup {
            Some(sup) => sup.until(|| queue.join_timeout(Duration::ZERO))?,
            None => queue.join(),
        }
        main.ret();
        report.processed_at_join = Some(Books::<K>::read(&books.processed) as u64);
        // 3. Tell the consumers to stop.
        main.call(Op::Close);
        match plan.ending {
            Ending::Close => books.close(&*queue),
            Ending::Sentinels => {
                for _ in 0..plan.consumers {
                    match &sup {
                        Some(sup) => sup.until(|| queue.try_put(Msg::Stop).is_ok())?,
                        None => {
                            let _ = queue.put(Msg::Stop);
                        }
                    }
                }
            }
            Ending::Never => unreachable!("returned above"),
        }
        main.ret();
        // 4. The consumers finish.
        main.call(Op::Join);
        match &sup {
            Some(sup) => sup.until(|| sup.all_finished(0..workers)),
            None => Ok(()),
        }
    })();

    drop(main);
    let mut violations = Vec::new();
    if let Err(stuck) = outcome {
        // The watchdog's hang (`None`) is reported by the threads tier.
        if let Some(deadlock) = stuck {
            violations.push(match plan.ending {
                Ending::Never => Violation::new(
                    ViolationKind::Deadlock,
                    format!(
                        "the consumers were never told to stop: {}",
                        deadlock.evidence
                    ),
                ),
                _ => deadlock,
            });
        }
        // Release everyone: close wakes every blocked put and get. Those
        // that still do not finish are the watchdog's to call a hang.
        books.close(&*queue);
        if let Some(sup) = &sup {
            let _ = sup.until(|| sup.all_finished(0..workers));
        }
    }
    let mut abandoned = 0;
    for handle in handles {
        if sup.is_some() && !finished[results.len()].load(SeqCst) {
            abandoned += 1; // dropping the handle detaches the thread
            results.push(Ok((Vec::new(), Vec::new())));
            continue;
        }
        results.push(B::join(handle));
    }
    for (index, result) in results.into_iter().enumerate() {
        match result {
            Ok((got, broke)) => {
                if index >= plan.producers {
                    report.received.push(got);
                }
                violations.extend(broke);
            }
            Err(payload) if sup.is_some() => {
                let label = |i: usize| plan.label(i);
                violations.push(Violation::from_payload(
                    &*payload,
                    &probe.snapshot(),
                    &label,
                ));
            }
            Err(payload) => std::panic::resume_unwind(payload),
        }
    }
    if abandoned > 0 && !progress.abandoned() {
        violations.push(Violation::new(
            ViolationKind::Deadlock,
            format!("{abandoned} threads stayed blocked after the queue was closed"),
        ));
    }
    report.high_water = queue.high_water();
    let partial = !violations.is_empty() || progress.abandoned();
    if !partial && plan.ending != Ending::Never && queue.task_done() != Err(TaskDoneTooOften) {
        violations.push(Violation::new(
            ViolationKind::ContractBroken,
            "task_done() was accepted once more after every item taken was marked done",
        ));
    }
    if let Err(found) = check(plan, &report, partial) {
        violations.extend(found);
    }
    if violations.is_empty() {
        Ok(report)
    } else {
        Err(violations)
    }
}
