//! What each correct process queue costs end to end: 2 producer and 2
//! consumer processes pass 2 x 250 items through a queue of capacity 8,
//! then close it (one `racelab::process::queue::run::run`, the fork of the
//! four workers included; every run is checked too). Run:
//! `cargo bench -p racelab-bench --bench process_queues`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use racelab::process::queue::Via;
use racelab::process::queue::run::run;
use racelab::workload::queue::{Ending, QueuePlan};
use std::time::Duration;

const PLAN: QueuePlan = QueuePlan {
    producers: 2,
    consumers: 2,
    items: 250,
    capacity: 8,
    ending: Ending::Close,
};

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("process queue, 2P x 250 items, 2C");
    group.throughput(Throughput::Elements(PLAN.total() as u64));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(4));
    for via in Via::ALL.into_iter().filter(|v| v.breaks_with().is_none()) {
        group.bench_function(via.name(), |b| {
            b.iter(|| {
                let r = run(&PLAN, via, Duration::from_secs(30)).expect("a run");
                assert!(r.violations.is_empty(), "{via}: {:?}", r.violations);
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
