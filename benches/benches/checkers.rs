//! What the checkers cost: loom's executions per second on built-in pairs
//! (the facade's bookkeeping, the workloads' checks and the SeqCst record
//! are on every loom step, so this is where new machinery shows), one
//! shuttle search, and one check of a user's lock through the public entry
//! point, and a correct run on real threads with the schedule perturbation
//! off and on (what perturbing every facade operation costs). Run: `cargo bench -p racelab-bench --bench checkers`; criterion
//! reports time per search, and the throughput line is executions (or
//! schedules) per second.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use racelab::matrix::{self, Scale};
use racelab::model::ModelKind;
use racelab::model::counter::{Counter, CounterImpl};
use racelab::sync::{Backend, Mutex};
use racelab::tier::shuttle::{DEFAULT_SEED, ShuttleConfig};
use racelab::tier::threads::Perturb;
use racelab::tier::{Tier, Work};
use racelab::workload::probe::Probe;

/// The executions one loom search of `model`/`strategy` runs at the
/// matrix's plan and bound (its throughput unit).
fn loom_search(c: &mut Criterion, model: ModelKind, strategy: &str) {
    let pair = matrix::find(model, strategy).expect("a built-in pair");
    let plan = Scale::STANDARD.plan(model, Tier::Loom);
    let config = Scale::STANDARD.loom_config(model);
    let executions = match pair.explore(&plan, &config).outcome.work {
        Work::Executions { count, .. } => count,
        _ => unreachable!("loom counts executions"),
    };
    let mut group = c.benchmark_group("loom search");
    group.throughput(Throughput::Elements(executions));
    group.sample_size(10);
    group.bench_function(
        format!("{model}/{strategy} ({executions} executions)"),
        |b| b.iter(|| pair.explore(&plan, &config)),
    );
    group.finish();
}

fn loom(c: &mut Criterion) {
    loom_search(c, ModelKind::Counter, "mutex");
    loom_search(c, ModelKind::Tickets, "mutex");
    loom_search(c, ModelKind::Queue, "condvar");
}

fn shuttle(c: &mut Criterion) {
    let pair = matrix::find(ModelKind::Queue, "condvar").expect("a built-in pair");
    let plan = Scale::STANDARD.plan(ModelKind::Queue, Tier::Shuttle);
    let config = ShuttleConfig::new(200, DEFAULT_SEED);
    let mut group = c.benchmark_group("shuttle search");
    group.throughput(Throughput::Elements(2 * config.iterations));
    group.sample_size(10);
    group.bench_function("queue/condvar (400 schedules)", |b| {
        b.iter(|| pair.shuttle(&plan, &config))
    });
    group.finish();
}

/// A user's correct counter: a mutex around the value.
pub struct MutexCounter<B: Backend>(Mutex<B, i64>);

impl<B: Backend> Counter for MutexCounter<B> {
    fn increment(&self) {
        *self.0.lock() += 1;
    }
    fn decrement(&self) {
        *self.0.lock() -= 1;
    }
    fn get(&self) -> i64 {
        *self.0.lock()
    }
}

impl<B: Backend> CounterImpl<B> for MutexCounter<B> {
    fn new(_: Probe) -> Self {
        MutexCounter(Mutex::new(0))
    }
}

/// One round of `counter!(MutexCounter)` on real threads, the schedule
/// perturbation off and on: the time per round is what a correct user's
/// check pays per round.
fn threads(c: &mut Criterion) {
    let mut group = c.benchmark_group("threads round (counter!, mutex)");
    group.sample_size(10);
    for (name, perturb) in [
        ("perturb off", Perturb::Off),
        ("perturb on", Perturb::on(1)),
    ] {
        let check = racelab::counter!(MutexCounter)
            .tiers(&[Tier::Threads])
            .rounds(1)
            .perturb(perturb);
        group.bench_function(name, |b| b.iter(|| check.run()));
    }
    group.finish();
}

criterion_group!(benches, loom, shuttle, threads);
criterion_main!(benches);
