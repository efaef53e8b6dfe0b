//! The corpus of user-style implementations (tests/corpus/): every correct
//! one is reported violated on no tier; every broken one is caught by loom
//! or shuttle with a violation it may show, except the gaps, which are
//! named with the reason and counted against the 95% bar.
//!
//! Run time: a few seconds per entry (loom + shuttle for broken entries;
//! loom + 3 rounds of threads + shuttle for correct ones).

// `mod corpus;` alone would find this file itself (tests/corpus.rs) as
// well as tests/corpus/mod.rs: the path says which.
#[path = "corpus/mod.rs"]
mod corpus;

use corpus::Entry;
use racelab::tier::{Tier, Verdict};

/// The tiers that must catch a broken entry.
const MODEL_CHECKERS: &[Tier] = &[Tier::Loom, Tier::Shuttle];

/// Runs `name` as the corpus says it must come out.
fn judge(name: &str) {
    let entry = corpus::entry(name);
    if entry.broken {
        judge_broken(&entry)
    } else {
        judge_correct(&entry)
    }
}

/// A correct entry: no tier reports it violated (inconclusive is allowed);
/// with a gap, the false alarm is loom's, and threads and shuttle must
/// still not report one.
fn judge_correct(entry: &Entry) {
    let report = (entry.check)()
        .tiers(&[Tier::Loom, Tier::Threads, Tier::Shuttle])
        .rounds(3)
        .run();
    println!("{}: {}\n{report}", entry.name, entry.bug);
    match entry.gap {
        None => report.assert_not_violated(),
        Some(why) => {
            println!("known false alarm on loom ({why})");
            for tier in [Tier::Threads, Tier::Shuttle] {
                assert_ne!(report.on(tier), Some(Verdict::Violated), "{report}");
            }
        }
    }
}

/// A broken entry: caught by loom or shuttle with one of its kinds. A gap
/// may go uncaught; if it is caught, it must be with one of its kinds.
fn judge_broken(entry: &Entry) {
    let report = (entry.check)().tiers(MODEL_CHECKERS).run();
    println!("{}: {}\n{report}", entry.name, entry.bug);
    let caught = report.kinds().iter().any(|k| entry.expect.contains(k));
    match entry.gap {
        None => assert!(
            caught,
            "{} must be caught by loom or shuttle with one of {:?}\n{report}",
            entry.name, entry.expect
        ),
        Some(why) => {
            println!("known gap ({why}): {}", report.verdict());
            assert!(
                caught || report.verdict() != Verdict::Violated,
                "{} was reported, but not with one of {:?}\n{report}",
                entry.name,
                entry.expect
            );
        }
    }
}

/// One `#[test]` per corpus entry, named after it.
macro_rules! corpus_tests {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                judge(stringify!($name));
            }
        )*

        #[test]
        fn every_corpus_entry_has_its_test() {
            let tested = [$(stringify!($name)),*];
            for entry in corpus::entries() {
                assert!(tested.contains(&entry.name), "no test for {}", entry.name);
            }
            assert_eq!(tested.len(), corpus::entries().len());
        }
    };
}

corpus_tests!(
    lock_ttas,
    lock_ticket,
    lock_test_then_set,
    lock_relaxed_unlock,
    lock_relaxed_take,
    lock_stale_breaker,
    lock_ticket_load_store,
    lock_count_store_unlock,
    lock_give_up_1,
    lock_give_up_2,
    lock_give_up_50,
    counter_fetch_add,
    counter_cas_loop,
    counter_load_store,
    counter_cas_once,
    counter_swap_out,
    counter_half_locked,
    counter_batched_flush,
    counter_sharded_flush,
    counter_fresh_mutex,
    office_locked,
    office_cas,
    office_seat_outside_lock,
    office_check_then_act,
    office_fetch_sub_no_floor,
    office_ledger_first,
    office_read_lock_buy,
    queue_scratch,
    queue_lifo,
    queue_try_put_drops,
    queue_task_done_unchecked,
    queue_join_on_empty,
    queue_close_notify_one,
    queue_if_not_while,
    queue_off_by_one,
    program_mp_relaxed,
    program_mp_release_acquire,
    program_dcl_relaxed,
    program_dcl_release_acquire,
    program_admission_3_threads,
    program_lock_order,
    program_sb_seqcst,
    program_sb_release_acquire,
    program_peterson_seqcst,
    program_peterson_release_acquire,
    crowd_lost_update_6,
    crowd_overdraft_5,
    crowd_withdraw_locked_5,
    crowd_ten_writers_checker,
    crowd_philosophers_5,
    crowd_philosophers_ordered_5,
    crowd_wake_all_if_5,
    crowd_init_twice_6,
    crowd_init_once_cas_6,
    crowd_publish_early_5,
);

/// The broken entries without a gap (each proven caught by its own test
/// above), and all the broken ones.
fn caught_of_broken() -> (usize, usize) {
    let all = corpus::entries();
    let broken: Vec<&Entry> = all.iter().filter(|e| e.broken).collect();
    for e in broken.iter().filter(|e| e.gap.is_some()) {
        println!("gap {:<32} {}", e.name, e.gap.unwrap_or_default());
    }
    let caught = broken.iter().filter(|e| e.gap.is_none()).count();
    println!("caught {caught}/{}", broken.len());
    (caught, broken.len())
}

/// The corpus is as large and as varied as issue 11 asks.
#[test]
fn the_corpus_has_32_entries_22_broken_of_every_kind() {
    let all = corpus::entries();
    let broken: Vec<&Entry> = all.iter().filter(|e| e.broken).collect();
    assert!(all.len() >= 32 && broken.len() >= 22, "corpus too small");
    for kind in ["lock", "counter", "office", "queue", "program"] {
        assert!(broken.iter().any(|e| e.kind == kind), "no broken {kind}");
        assert!(
            all.iter().any(|e| e.kind == kind && !e.broken),
            "no correct {kind}"
        );
    }
}

/// What loom and shuttle catch today never shrinks: 30 of 34.
#[test]
fn loom_and_shuttle_catch_at_least_30_broken_entries() {
    let (caught, broken) = caught_of_broken();
    assert!(caught >= 30, "only {caught}/{broken} caught");
}

/// Issue 11's bar: loom and shuttle together catch at least 95% of the
/// broken entries.
#[test]
fn loom_and_shuttle_catch_95_percent_of_the_broken_corpus() {
    let (caught, broken) = caught_of_broken();
    let ratio = caught as f64 / broken as f64;
    assert!(
        ratio >= 0.95,
        "loom and shuttle catch only {caught}/{broken}"
    );
}

/// Real threads, perturbed as a user's check is by default, catch at least
/// 80% of the broken entries, and every run returns on its own (a deadlock
/// or livelock is a hang verdict from the watchdog, not a hung test). The
/// entries that need weak memory (a Relaxed store or load reordered),
/// which x86 never shows, are most of the rest; loom catches those.
#[test]
fn real_threads_with_perturbation_catch_80_percent_of_the_broken() {
    let all = corpus::entries();
    let broken: Vec<&Entry> = all.iter().filter(|e| e.broken).collect();
    let mut missed = Vec::new();
    for entry in &broken {
        // A stall of 2 s, not 10: a hang is found sooner, and on a broken
        // entry no stall can make a false verdict.
        let check = (entry.check)().tiers(&[Tier::Threads]);
        let mut settings = check.current().clone();
        settings.threads.stall = std::time::Duration::from_secs(2);
        let report = check.settings(settings).run();
        let run = report.runs.first().expect("every entry runs on threads");
        assert!(
            run.outcome.work.to_string().contains("ops"),
            "{}: {report}",
            entry.name
        );
        match report.on(Tier::Threads) {
            Some(Verdict::Violated) => {
                // Its kind may be one loom and shuttle never show (the
                // sequential contract, a hang): evidence all the same.
                println!(
                    "caught {:<34} {:?} in {:.1?}",
                    entry.name,
                    report.kinds(),
                    run.outcome.elapsed
                );
            }
            verdict => {
                println!(
                    "missed {:<34} {verdict:?} in {:.1?}",
                    entry.name, run.outcome.elapsed
                );
                missed.push(entry.name);
            }
        }
    }
    let caught = broken.len() - missed.len();
    println!(
        "real threads caught {caught}/{}; missed {missed:?}",
        broken.len()
    );
    assert!(
        caught * 5 >= broken.len() * 4,
        "real threads caught {caught}/{}, below 80%; missed {missed:?}",
        broken.len()
    );
}
