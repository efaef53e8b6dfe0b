//! The facade gives users the primitives they write with, on every
//! backend: each one is exercised on std, under loom (every interleaving)
//! and under shuttle, and the interesting ones have a negative control
//! (loom catches a flag published with Relaxed; a barrier short of one
//! party lets a thread through early). A user's own assertion, `ensure!`
//! or std's `assert_eq!`, comes out as `ViolationKind::Assertion` with its
//! message on loom, shuttle and real threads.

use racelab::check::{Violation, ViolationKind};
use racelab::sync::Ordering::{Acquire, Relaxed, Release, SeqCst};
use racelab::sync::{
    AtomicBool, AtomicFlag, AtomicPointer, AtomicPtr, AtomicU32, AtomicU64, AtomicUsize,
    AtomicWord, Backend, Barrier, Loom, Mutex, RwLock, Shuttle, Std, fence, thread_index,
};
use racelab::tier::loom::{self, LoomConfig};
use racelab::tier::shuttle::{self, ShuttleConfig};
use racelab::tier::threads::{self, Racers, ThreadsConfig};
use racelab::tier::{Outcome, Verdict};
use racelab::workload::probe::Probe;
use std::sync::Arc;
use std::time::Duration;

fn label(i: usize) -> String {
    if i == 0 {
        "main".into()
    } else {
        format!("T{}", i - 1)
    }
}

fn on_loom<F>(bound: Option<usize>, body: F) -> Outcome
where
    F: Fn() -> Result<(), Vec<Violation>> + Send + Sync + 'static,
{
    loom::explore(&LoomConfig::bounded(bound), label, move |_: Probe| body()).outcome
}

fn on_shuttle<F>(body: F) -> Outcome
where
    F: Fn() -> Result<(), Vec<Violation>> + Send + Sync + 'static,
{
    shuttle::explore(&ShuttleConfig::new(50, 7), label, move |_: Probe| body())
}

fn on_threads<F>(body: F) -> Outcome
where
    F: Fn() -> Result<(), Vec<Violation>> + Send + Sync + 'static,
{
    let config = ThreadsConfig {
        rounds: 2,
        hold: Duration::from_millis(1),
        ..ThreadsConfig::default()
    };
    let racers = Racers {
        threads: 1,
        parties: 1,
        operations: 1,
    };
    threads::rounds(&config, racers, &label, move |_, _, _| body())
}

fn assert_holds(what: &str, outcome: &Outcome) {
    assert_eq!(outcome.verdict(), Verdict::Holds, "{what}: {outcome:?}");
}

fn assert_kind(what: &str, outcome: &Outcome, kind: ViolationKind) -> String {
    assert_eq!(outcome.verdict(), Verdict::Violated, "{what}: {outcome:?}");
    assert_eq!(outcome.violations[0].kind, kind, "{what}: {outcome:?}");
    outcome.violations[0].evidence.clone()
}

/// Every new primitive, single-threaded semantics first, then two threads
/// meeting at a barrier and a mutex taken with `try_lock`.
fn primitives<B: Backend>() -> Result<(), Vec<Violation>> {
    let flag = AtomicBool::<B>::new(false);
    assert!(!flag.swap(true, SeqCst));
    assert_eq!(
        flag.compare_exchange(true, false, AcqRelPair::S, Relaxed),
        Ok(true)
    );
    assert!(!flag.fetch_or(true, Relaxed));
    assert!(flag.fetch_and(false, Relaxed));
    assert!(!flag.load(Acquire));
    flag.store(true, Release);
    assert!(flag.load(Acquire));

    let word = AtomicU32::<B>::new(0b0101);
    assert_eq!(word.fetch_or(0b0010, Relaxed), 0b0101);
    assert_eq!(word.fetch_and(0b0110, Relaxed), 0b0111);
    assert_eq!(word.fetch_xor(0b0011, Relaxed), 0b0110);
    assert_eq!(word.fetch_max(9, Relaxed), 0b0101);
    assert_eq!(word.fetch_min(2, Relaxed), 9);
    assert_eq!(word.load(Relaxed), 2);
    let big = AtomicU64::<B>::new(u64::MAX - 1);
    assert_eq!(big.fetch_add(1, Relaxed), u64::MAX - 1);
    assert_eq!(big.load(Relaxed), u64::MAX);

    let mut a = 1u8;
    let mut b = 2u8;
    let (pa, pb): (*mut u8, *mut u8) = (&mut a, &mut b);
    let ptr = AtomicPtr::<B, u8>::new(pa);
    assert_eq!(ptr.compare_exchange(pb, pa, SeqCst, SeqCst), Err(pa));
    assert_eq!(ptr.swap(pb, AcqRelPair::S), pa);
    ptr.store(pa, Release);
    assert_eq!(ptr.load(Acquire), pa);
    fence::<B>(SeqCst);

    let rw = RwLock::<B, u8>::new(0);
    {
        let read = rw.try_read().expect("free for readers");
        assert!(rw.try_write().is_none(), "a reader keeps writers out");
        drop(read);
    }
    assert!(rw.try_write().is_some());

    let mutex = Arc::new(Mutex::<B, usize>::new(0));
    let barrier = Arc::new(Barrier::<B>::new(2));
    assert_eq!(thread_index::<B>(), 0, "the program's own thread is 0");
    let child = {
        let (mutex, barrier) = (Arc::clone(&mutex), Arc::clone(&barrier));
        B::spawn(move || {
            let index = thread_index::<B>();
            *mutex.lock() += 1;
            let leader = barrier.wait();
            (index, leader)
        })
    };
    // try_lock may find the child holding the mutex: then lock.
    match mutex.try_lock() {
        Some(mut held) => *held += 1,
        None => *mutex.lock() += 1,
    }
    let leader = barrier.wait();
    let (index, child_leader) = B::join(child).expect("the child does not panic");
    assert_eq!(index, 1, "the first spawned thread is 1");
    assert!(leader != child_leader, "exactly one leader per round");
    assert_eq!(*mutex.lock(), 2);
    {
        let held = mutex.lock();
        assert!(mutex.try_lock().is_none(), "a held mutex is refused");
        drop(held);
    }
    Ok(())
}

/// `AcqRel` for a read-modify-write, named to read as one word above.
struct AcqRelPair;
impl AcqRelPair {
    const S: racelab::sync::Ordering = racelab::sync::Ordering::AcqRel;
}

#[test]
fn every_new_primitive_works_on_std() {
    // A fresh thread per run: each is the root of its own spawn tree, so
    // its first child is thread 1 (see `thread_index`).
    for _ in 0..20 {
        std::thread::spawn(|| primitives::<Std>().unwrap())
            .join()
            .unwrap();
    }
}

#[test]
fn every_new_primitive_works_under_loom() {
    assert_holds("loom", &on_loom(None, primitives::<Loom>));
}

#[test]
fn every_new_primitive_works_under_shuttle() {
    assert_holds("shuttle", &on_shuttle(primitives::<Shuttle>));
}

/// Publishes `42` through `data` and a flag, reader on a second thread:
/// with `Release`/`Acquire` the reader that sees the flag sees the data.
fn publish<B: Backend>(store: racelab::sync::Ordering, load: racelab::sync::Ordering) {
    let data = Arc::new(AtomicUsize::<B>::new(0));
    let ready = Arc::new(AtomicBool::<B>::new(false));
    let reader = {
        let (data, ready) = (Arc::clone(&data), Arc::clone(&ready));
        B::spawn(move || {
            if ready.load(load) {
                racelab::ensure!(data.load(Relaxed) == 42, "saw the flag but not the data");
            }
        })
    };
    data.store(42, Relaxed);
    ready.store(true, store);
    if let Err(payload) = B::join(reader) {
        std::panic::resume_unwind(payload);
    }
}

#[test]
fn a_flag_published_with_release_acquire_holds_under_loom() {
    assert_holds(
        "release/acquire",
        &on_loom(None, || {
            publish::<Loom>(Release, Acquire);
            Ok(())
        }),
    );
}

#[test]
fn a_flag_published_with_relaxed_is_caught_by_loom_as_an_assertion() {
    let outcome = on_loom(None, || {
        publish::<Loom>(Relaxed, Relaxed);
        Ok(())
    });
    let evidence = assert_kind("relaxed flag", &outcome, ViolationKind::Assertion);
    assert!(
        evidence.contains("saw the flag but not the data"),
        "{evidence}"
    );
}

/// Three threads each note their arrival, then meet at a barrier of
/// `parties`: whoever passes must see all three arrived.
fn meet<B: Backend>(parties: usize) -> Result<(), Vec<Violation>> {
    let arrived = Arc::new(AtomicUsize::<B>::new(0));
    let barrier = Arc::new(Barrier::<B>::new(parties));
    let spawn = |arrived: Arc<AtomicUsize<B>>, barrier: Arc<Barrier<B>>| {
        B::spawn(move || {
            arrived.fetch_add(1, Relaxed);
            barrier.wait();
            racelab::ensure!(arrived.load(Relaxed) == 3, "passed the barrier early");
        })
    };
    let handles = [
        spawn(Arc::clone(&arrived), Arc::clone(&barrier)),
        spawn(Arc::clone(&arrived), Arc::clone(&barrier)),
    ];
    arrived.fetch_add(1, Relaxed);
    barrier.wait();
    racelab::ensure!(arrived.load(Relaxed) == 3, "passed the barrier early");
    for handle in handles {
        if let Err(payload) = B::join(handle) {
            std::panic::resume_unwind(payload);
        }
    }
    Ok(())
}

#[test]
fn nobody_passes_the_barrier_before_all_arrive() {
    assert_holds("loom", &on_loom(Some(3), || meet::<Loom>(3)));
    assert_holds("shuttle", &on_shuttle(|| meet::<Shuttle>(3)));
    for _ in 0..20 {
        meet::<Std>(3).unwrap();
    }
    assert_holds("threads", &on_threads(|| meet::<Std>(3)));
}

#[test]
fn a_barrier_short_of_one_party_is_caught() {
    // Two of three may pass; the third then waits for a partner that never
    // comes: loom sees the early pass first or the deadlock, both violations.
    let outcome = on_loom(Some(3), || meet::<Loom>(2));
    assert_eq!(outcome.verdict(), Verdict::Violated, "{outcome:?}");
    let kinds: Vec<_> = outcome.violations.iter().map(|v| v.kind).collect();
    assert!(
        kinds
            .iter()
            .any(|k| matches!(k, ViolationKind::Assertion | ViolationKind::Deadlock)),
        "{outcome:?}"
    );
}

/// Spawns three threads (the second spawns the third) and checks every
/// index: main 0, then 1, 2, 3 in spawn order, afresh in every run.
fn indices<B: Backend>() -> Result<(), Vec<Violation>> {
    racelab::ensure!(thread_index::<B>() == 0);
    let first = B::spawn(thread_index::<B>);
    let second = B::spawn(|| {
        let mine = thread_index::<B>();
        let grandchild = B::spawn(thread_index::<B>);
        (mine, B::join(grandchild).unwrap())
    });
    let first = B::join(first).unwrap();
    let (second, third) = B::join(second).unwrap();
    racelab::ensure!(
        first == 1 && second == 2 && third == 3,
        "{first} {second} {third}"
    );
    Ok(())
}

#[test]
fn thread_index_counts_spawns_afresh_in_every_run() {
    assert_holds("loom", &on_loom(Some(2), indices::<Loom>));
    assert_holds("shuttle", &on_shuttle(indices::<Shuttle>));
    // Std: each spawn tree counts from 1; a fresh thread is a fresh tree.
    for _ in 0..3 {
        std::thread::spawn(|| indices::<Std>().unwrap())
            .join()
            .unwrap();
    }
}

fn ensure_fails<B: Backend>() -> Result<(), Vec<Violation>> {
    let seen = 2;
    let worker = B::spawn(move || racelab::ensure!(seen == 1, "seen {seen} times"));
    if let Err(payload) = B::join(worker) {
        std::panic::resume_unwind(payload);
    }
    Ok(())
}

fn assert_eq_fails<B: Backend>() -> Result<(), Vec<Violation>> {
    let total = AtomicUsize::<B>::new(3);
    assert_eq!(total.load(Relaxed), 4, "the total");
    Ok(())
}

fn assertion(what: &str, outcome: &Outcome, needle: &str) {
    let evidence = assert_kind(what, outcome, ViolationKind::Assertion);
    assert!(evidence.contains(needle), "{what}: {evidence}");
}

#[test]
fn ensure_is_an_assertion_on_every_tier() {
    let needle = "seen == 1: seen 2 times";
    assertion("loom", &on_loom(Some(1), ensure_fails::<Loom>), needle);
    assertion("shuttle", &on_shuttle(ensure_fails::<Shuttle>), needle);
    assertion("threads", &on_threads(ensure_fails::<Std>), needle);
    assertion(
        "loom",
        &on_loom(Some(1), ensure_fails::<Loom>),
        "facade_parity.rs:",
    );
}

#[test]
fn std_assert_eq_is_an_assertion_on_every_tier() {
    let needle = "assertion `left == right` failed: the total";
    assertion("loom", &on_loom(Some(1), assert_eq_fails::<Loom>), needle);
    assertion("shuttle", &on_shuttle(assert_eq_fails::<Shuttle>), needle);
    assertion("threads", &on_threads(assert_eq_fails::<Std>), needle);
}

#[test]
fn any_other_panic_stays_panicked() {
    let outcome = on_loom(Some(1), || panic!("out of coffee"));
    assert_eq!(
        assert_kind("loom", &outcome, ViolationKind::Panicked),
        "out of coffee"
    );
}
