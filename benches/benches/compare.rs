//! racelab's strategies next to what a user would pick instead, measured
//! side by side in one run, written as a Markdown table to
//! `target/bench/compare.md` (and printed):
//!
//! - a counter on 2 threads: racelab's atomic, mutex and spin lock next to
//!   `std::sync::Mutex<i64>`, `parking_lot::Mutex<i64>` and crossbeam's
//!   `AtomicCell<i64>`;
//! - a bounded queue on threads (2 producers, 2 consumers, capacity 8):
//!   racelab's condvar queue next to `crossbeam_channel::bounded`;
//! - a bounded queue between processes (2 producer and 2 consumer
//!   processes, capacity 8, the forks included): every correct racelab
//!   process queue next to Python's `multiprocessing.Queue` and Manager
//!   queue;
//! - a counter between 2 processes: racelab's flock, robust pthread mutex
//!   and shared atomic next to `multiprocessing.Value` under its `Lock`.
//!
//! The Python rows come from `benches/python/compare.py` when `python3` is
//! on the PATH (skipped, with a note, when it is not). Each figure is the
//! median of several runs; every run is also checked (the count, the
//! items). Run: `cargo bench -p racelab-bench --bench compare` (about a
//! minute), or `bash ci/bench.sh`.

use crossbeam_utils::atomic::AtomicCell;
use racelab::lock::{MutexLock, SpinLock};
use racelab::model::counter::{AtomicCounter, Counter, CounterImpl, LockedCounter};
use racelab::model::queue::{BoundedQueue, CondvarQueue, QueueImpl, WhileLoop};
use racelab::process::queue::Via;
use racelab::process::{ProcessConfig, Store, Strategy};
use racelab::sync::Std;
use racelab::workload::counter::CounterPlan;
use racelab::workload::probe::Probe;
use racelab::workload::queue::{Ending, QueuePlan};
use racelab_bench::{Measured, median, race, table};
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

const RUNS: usize = 7;

const THREADS: usize = 2;
const OPS: u64 = 100_000;

const QUEUE: QueuePlan = QueuePlan {
    producers: 2,
    consumers: 2,
    items: 250,
    capacity: 8,
    ending: Ending::Close,
};
const THREAD_QUEUE_ITEMS: usize = 20_000;
const PROCESS_OPS: u64 = 10_000;

fn main() {
    let mut rows = Vec::new();
    thread_counters(&mut rows);
    thread_queues(&mut rows);
    process_queues(&mut rows);
    process_counters(&mut rows);
    let python = python(&mut rows);
    let text = format!(
        "# racelab next to the usual picks\n\nMedian of {RUNS} runs each, one `cargo bench -p racelab-bench --bench compare` run; {} cores. Faster first in each table.\n{}{python}",
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        table(&rows)
    );
    println!("{text}");
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench");
    std::fs::create_dir_all(&out).expect("create target/bench");
    std::fs::write(out.join("compare.md"), &text).expect("write target/bench/compare.md");
    eprintln!("written: target/bench/compare.md");
}

fn thread_counters(rows: &mut Vec<Measured>) {
    let workload = format!("counter, {THREADS} threads x {OPS} increments");
    let mut add = |contender: &str, time: Duration| {
        rows.push(Measured {
            workload: workload.clone(),
            contender: contender.into(),
            items: THREADS as u64 * OPS,
            median: time,
        })
    };
    let expected = (THREADS as u64 * OPS) as i64;
    macro_rules! racelab {
        ($name:expr, $ty:ty) => {
            add(
                $name,
                median(RUNS, || {
                    let c = Arc::new(<$ty>::new(Probe::none()));
                    let took = race(Arc::clone(&c), THREADS, OPS, |c| c.increment());
                    assert_eq!(c.get(), expected);
                    took
                }),
            );
        };
    }
    racelab!("racelab atomic", AtomicCounter<Std>);
    racelab!("racelab mutex", LockedCounter<Std, MutexLock<Std>>);
    racelab!("racelab spin", LockedCounter<Std, SpinLock<Std>>);
    add(
        "std::sync::Mutex<i64>",
        median(RUNS, || {
            let c = Arc::new(std::sync::Mutex::new(0i64));
            let took = race(Arc::clone(&c), THREADS, OPS, |c| {
                *c.lock().expect("not poisoned") += 1
            });
            assert_eq!(*c.lock().expect("not poisoned"), expected);
            took
        }),
    );
    add(
        "parking_lot::Mutex<i64>",
        median(RUNS, || {
            let c = Arc::new(parking_lot::Mutex::new(0i64));
            let took = race(Arc::clone(&c), THREADS, OPS, |c| *c.lock() += 1);
            assert_eq!(*c.lock(), expected);
            took
        }),
    );
    add(
        "crossbeam AtomicCell<i64>",
        median(RUNS, || {
            let c = Arc::new(AtomicCell::new(0i64));
            let took = race(Arc::clone(&c), THREADS, OPS, |c| {
                c.fetch_add(1);
            });
            assert_eq!(c.load(), expected);
            took
        }),
    );
}

/// 2 producers put `THREAD_QUEUE_ITEMS / 2` each, 2 consumers take until
/// every item is taken; the sum of the items checks nothing was lost.
fn thread_queue_run<Q: Send + Sync + 'static>(
    queue: Arc<Q>,
    put: fn(&Q, usize),
    get: fn(&Q) -> Option<usize>,
    close: fn(&Q),
) -> Duration {
    let began = Instant::now();
    let producers: Vec<_> = (0..2)
        .map(|p| {
            let queue = Arc::clone(&queue);
            std::thread::spawn(move || {
                for i in 0..THREAD_QUEUE_ITEMS / 2 {
                    put(&queue, p * THREAD_QUEUE_ITEMS / 2 + i);
                }
            })
        })
        .collect();
    let consumers: Vec<_> = (0..2)
        .map(|_| {
            let queue = Arc::clone(&queue);
            std::thread::spawn(move || {
                let mut sum = 0usize;
                while let Some(item) = get(&queue) {
                    sum += item;
                }
                sum
            })
        })
        .collect();
    for p in producers {
        p.join().expect("a producer panicked");
    }
    close(&queue);
    let sum: usize = consumers
        .into_iter()
        .map(|c| c.join().expect("a consumer panicked"))
        .sum();
    let took = began.elapsed();
    assert_eq!(sum, THREAD_QUEUE_ITEMS * (THREAD_QUEUE_ITEMS - 1) / 2);
    took
}

fn thread_queues(rows: &mut Vec<Measured>) {
    let workload = format!(
        "bounded queue on threads, 2 producers x {} items, 2 consumers, capacity 8",
        THREAD_QUEUE_ITEMS / 2
    );
    type Racelab = CondvarQueue<Std, usize, WhileLoop>;
    rows.push(Measured {
        workload: workload.clone(),
        contender: "racelab condvar queue".into(),
        items: THREAD_QUEUE_ITEMS as u64,
        median: median(RUNS, || {
            thread_queue_run(
                Arc::new(<Racelab as QueueImpl<Std, usize>>::new(8, Probe::none())),
                |q, i| q.put(i).expect("open"),
                |q| q.get().ok(),
                |q| q.close(),
            )
        }),
    });
    rows.push(Measured {
        workload,
        contender: "crossbeam_channel::bounded".into(),
        items: THREAD_QUEUE_ITEMS as u64,
        median: median(RUNS, crossbeam_run),
    });
}

/// The same run over a crossbeam channel, written as its users write it:
/// each producer owns a sender, and the channel closes when the last one
/// is dropped (crossbeam has no close()).
fn crossbeam_run() -> Duration {
    let (tx, rx) = crossbeam_channel::bounded(8);
    let began = Instant::now();
    let producers: Vec<_> = (0..2)
        .map(|p| {
            let tx = tx.clone();
            std::thread::spawn(move || {
                for i in 0..THREAD_QUEUE_ITEMS / 2 {
                    tx.send(p * THREAD_QUEUE_ITEMS / 2 + i).expect("open");
                }
            })
        })
        .collect();
    drop(tx);
    let consumers: Vec<_> = (0..2)
        .map(|_| {
            let rx = rx.clone();
            std::thread::spawn(move || rx.iter().sum::<usize>())
        })
        .collect();
    for p in producers {
        p.join().expect("a producer panicked");
    }
    let sum: usize = consumers
        .into_iter()
        .map(|c| c.join().expect("a consumer panicked"))
        .sum();
    let took = began.elapsed();
    assert_eq!(sum, THREAD_QUEUE_ITEMS * (THREAD_QUEUE_ITEMS - 1) / 2);
    took
}

fn process_queues(rows: &mut Vec<Measured>) {
    for via in Via::ALL.into_iter().filter(|v| v.breaks_with().is_none()) {
        rows.push(Measured {
            workload: process_queue_workload(),
            contender: format!("racelab {}", via.name()),
            items: QUEUE.total() as u64,
            median: median(RUNS, || {
                let began = Instant::now();
                let run = racelab::process::queue::run::run(&QUEUE, via, Duration::from_secs(30))
                    .expect("a run");
                let took = began.elapsed();
                assert!(run.violations.is_empty(), "{via}: {:?}", run.violations);
                took
            }),
        });
    }
}

fn process_queue_workload() -> String {
    format!(
        "bounded queue between processes, {} producer x {} items, {} consumer processes, capacity {}, forks included",
        QUEUE.producers, QUEUE.items, QUEUE.consumers, QUEUE.capacity
    )
}

fn process_counter_workload() -> String {
    format!("counter between 2 processes x {PROCESS_OPS} increments, forks included")
}

fn process_counters(rows: &mut Vec<Measured>) {
    let plan = CounterPlan {
        adders: 2,
        subtractors: 0,
        ops: PROCESS_OPS,
    };
    // No race window: the correct strategies at full speed.
    let config = ProcessConfig {
        rounds: 1,
        hold: Duration::ZERO,
        lock_within: Duration::from_secs(10),
        deadline: Duration::from_secs(60),
        work: Duration::ZERO,
        store: Store::File,
    };
    for strategy in [Strategy::Flock, Strategy::RobustMutex, Strategy::Atomic] {
        rows.push(Measured {
            workload: process_counter_workload(),
            contender: format!("racelab {}", strategy.name()),
            items: plan.operations(),
            median: median(RUNS, || {
                let began = Instant::now();
                let value = racelab::process::counter::round(strategy, &plan, &config)
                    .unwrap_or_else(|v| panic!("{strategy:?}: {v:?}"));
                let took = began.elapsed();
                assert_eq!(value, plan.operations() as i64);
                took
            }),
        });
    }
}

/// Runs the Python peers; returns a note for the report when it cannot.
fn python(rows: &mut Vec<Measured>) -> String {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("python/compare.py");
    let output = Command::new("python3")
        .arg(&script)
        .args(["--runs", &RUNS.to_string()])
        .args(["--producers", &QUEUE.producers.to_string()])
        .args(["--consumers", &QUEUE.consumers.to_string()])
        .args(["--items", &QUEUE.items.to_string()])
        .args(["--capacity", &QUEUE.capacity.to_string()])
        .args(["--increments", &PROCESS_OPS.to_string()])
        .output();
    let output = match output {
        Ok(o) if o.status.success() => o,
        Ok(o) => {
            return format!(
                "\nPython peers not measured: compare.py failed ({}): {}\n",
                o.status,
                String::from_utf8_lossy(&o.stderr).trim()
            );
        }
        Err(e) => return format!("\nPython peers not measured: no python3 ({e}).\n"),
    };
    // One line per contender: `<queue|counter>\t<contender>\t<items>\t<median seconds>`.
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let fields: Vec<&str> = line.split('\t').collect();
        let [kind, contender, items, seconds] = fields[..] else {
            continue;
        };
        let (Ok(items), Ok(seconds)) = (items.parse(), seconds.parse::<f64>()) else {
            continue;
        };
        rows.push(Measured {
            workload: match kind {
                "queue" => process_queue_workload(),
                _ => process_counter_workload(),
            },
            contender: contender.to_string(),
            items,
            median: Duration::from_secs_f64(seconds),
        });
    }
    String::new()
}
