//! Throughput of the correct counter strategies on real threads: 2 threads
//! each incrementing 100,000 times (no probe, no race window: the plain std
//! tier at full speed). Reference figures for this machine kind are in
//! ../shared/DESIGN.md. Run: `cargo bench -p racelab-bench --bench counter`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use racelab::lock::{MutexLock, RwLockStrategy, Semaphore1, SpinLock, TicketLock};
use racelab::model::counter::{AtomicCounter, Counter, CounterImpl, LockedCounter};
use racelab::sync::Std;
use racelab::workload::probe::Probe;
use racelab_bench::race;
use std::sync::Arc;

const THREADS: usize = 2;
const OPS: u64 = 100_000;

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("counter, 2 threads");
    group.throughput(Throughput::Elements(THREADS as u64 * OPS));
    group.sample_size(20);
    macro_rules! strategy {
        ($name:expr, $ty:ty) => {
            group.bench_function($name, |b| {
                b.iter_custom(|iters| {
                    (0..iters)
                        .map(|_| {
                            let counter = Arc::new(<$ty>::new(Probe::none()));
                            let took = race(Arc::clone(&counter), THREADS, OPS, |c| c.increment());
                            assert_eq!(counter.get(), (THREADS as u64 * OPS) as i64);
                            took
                        })
                        .sum()
                })
            });
        };
    }
    strategy!("atomic", AtomicCounter<Std>);
    strategy!("mutex", LockedCounter<Std, MutexLock<Std>>);
    strategy!("spin", LockedCounter<Std, SpinLock<Std>>);
    strategy!("ticket", LockedCounter<Std, TicketLock<Std>>);
    strategy!("rwlock", LockedCounter<Std, RwLockStrategy<Std>>);
    strategy!("semaphore-1", LockedCounter<Std, Semaphore1<Std>>);
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
