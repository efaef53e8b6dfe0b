//! Programs with more threads than loom can hold (it models at most four
//! besides main), written as a user would: the bugs that show only in a
//! crowd, where a trace matters most and only shuttle and real threads can
//! look. Each is checked with `racelab::program!`; loom reports its thread
//! limit (inconclusive), never a verdict.

use super::{Entry, broken, correct, each};
use racelab::check::ViolationKind::*;
use racelab::sync::Ordering::*;
use racelab::sync::{AtomicFlag, AtomicWord, Backend, Condvar, Mutex};
use racelab::verify::join;
use std::sync::Arc;

/// Six threads count three visits each with a load and a store: the
/// classic lost update, in a crowd.
fn lost_update_6<B: Backend>() {
    const THREADS: usize = 6;
    const VISITS: usize = 3;
    let hits = Arc::new(B::AtomicUsize::new(0));
    let total = Arc::clone(&hits);
    each::<B>(THREADS, move |_| {
        for _ in 0..VISITS {
            // Bug: read, then write back one more; another thread's write
            // in between is lost.
            let seen = hits.load(SeqCst);
            hits.store(seen + 1, SeqCst);
        }
    });
    let counted = total.load(SeqCst);
    racelab::ensure!(
        counted == THREADS * VISITS,
        "{counted} visits counted of {}",
        THREADS * VISITS
    );
}

/// Five clerks withdraw 30 each from an account of 100, each checking the
/// balance first: the check and the withdrawal are two critical sections.
fn overdraft_5<B: Backend>() {
    let balance = Arc::new(Mutex::<B, i64>::new(100));
    let account = Arc::clone(&balance);
    each::<B>(5, move |_| {
        // Bug: the balance checked may be gone when the money is taken.
        let enough = *balance.lock() >= 30;
        if enough {
            *balance.lock() -= 30;
        }
    });
    let left = *account.lock();
    racelab::ensure!(left >= 0, "the account is overdrawn: {left}");
}

/// The same clerks, each checking and withdrawing in one critical section.
fn withdraw_locked_5<B: Backend>() {
    let balance = Arc::new(Mutex::<B, i64>::new(100));
    let account = Arc::clone(&balance);
    each::<B>(5, move |_| {
        let mut held = balance.lock();
        if *held >= 30 {
            *held -= 30;
        }
    });
    let left = *account.lock();
    racelab::ensure!(left == 10, "100 - 3 x 30 should leave 10, left {left}");
}

/// Ten writers each set a pair of fields to their own number, one field
/// after the other; a checker reads the pair and expects it equal. It
/// breaks only when the checker runs between some writer's two writes.
fn ten_writers_checker<B: Backend>() {
    let pair = Arc::new([B::AtomicUsize::new(0), B::AtomicUsize::new(0)]);
    let checked = Arc::clone(&pair);
    let checker = B::spawn(move || {
        // Bug: nothing keeps a reader out of the middle of a write.
        let first = checked[0].load(SeqCst);
        let second = checked[1].load(SeqCst);
        racelab::ensure!(first == second, "read a torn pair ({first}, {second})");
    });
    each::<B>(10, move |i| {
        pair[0].store(i + 1, SeqCst);
        pair[1].store(i + 1, SeqCst);
    });
    join::<B, ()>(checker);
}

/// Five philosophers, five forks: each takes the fork on its left, then
/// the one on its right.
fn philosophers_5<B: Backend>() {
    const SEATS: usize = 5;
    let forks: Arc<Vec<Mutex<B, u32>>> = Arc::new((0..SEATS).map(|_| Mutex::new(0)).collect());
    each::<B>(SEATS, move |i| {
        // Bug: if all five hold their left fork, nobody gets a right one.
        let mut left = forks[i].lock();
        let mut right = forks[(i + 1) % SEATS].lock();
        *left += 1;
        *right += 1;
    });
}

/// The same table, each philosopher taking the lower-numbered fork first:
/// no cycle of waits can form.
fn philosophers_ordered_5<B: Backend>() {
    const SEATS: usize = 5;
    let forks: Arc<Vec<Mutex<B, u32>>> = Arc::new((0..SEATS).map(|_| Mutex::new(0)).collect());
    let table = Arc::clone(&forks);
    each::<B>(SEATS, move |i| {
        let (a, b) = (i, (i + 1) % SEATS);
        let mut first = forks[a.min(b)].lock();
        let mut second = forks[a.max(b)].lock();
        *first += 1;
        *second += 1;
    });
    let used: u32 = table.iter().map(|f| *f.lock()).sum();
    racelab::ensure!(used == 2 * SEATS as u32, "{used} fork uses");
}

/// A stack of jobs with a condition variable: one producer pushes four
/// jobs, waking everyone each time; four consumers take one job each.
fn wake_all_if_5<B: Backend>() {
    const JOBS: u32 = 4;
    let jobs = Arc::new((Mutex::<B, Vec<u32>>::new(Vec::new()), Condvar::<B>::new()));
    let producer = {
        let jobs = Arc::clone(&jobs);
        B::spawn(move || {
            for job in 0..JOBS {
                jobs.0.lock().push(job);
                jobs.1.notify_all();
            }
        })
    };
    each::<B>(JOBS as usize, move |_| {
        let (stack, ready) = &*jobs;
        let mut held = stack.lock();
        // Bug: `if`, not `while`: woken with the others by notify_all, a
        // consumer may find the job already taken.
        if held.is_empty() {
            held = ready.wait(held);
        }
        let job = held.pop();
        racelab::ensure!(job.is_some(), "woke to an empty stack");
    });
    join::<B, ()>(producer);
}

/// Six threads race to initialise a shared resource once, guarded by a
/// flag they check and then set.
fn init_twice_6<B: Backend>() {
    let ready = Arc::new(B::AtomicBool::new(false));
    let inits = Arc::new(B::AtomicUsize::new(0));
    let counted = Arc::clone(&inits);
    each::<B>(6, move |_| {
        // Bug: check, then set: two threads can both see `false`.
        if !ready.load(SeqCst) {
            inits.fetch_add(1, SeqCst);
            ready.store(true, SeqCst);
        }
    });
    let n = counted.load(SeqCst);
    racelab::ensure!(n == 1, "initialised {n} times");
}

/// Six threads initialise once with a compare-exchange on the flag: only
/// the winner initialises.
fn init_once_cas_6<B: Backend>() {
    let ready = Arc::new(B::AtomicBool::new(false));
    let inits = Arc::new(B::AtomicUsize::new(0));
    let counted = Arc::clone(&inits);
    each::<B>(6, move |_| {
        if ready.compare_exchange(false, true, SeqCst, SeqCst).is_ok() {
            inits.fetch_add(1, SeqCst);
        }
    });
    let n = counted.load(SeqCst);
    racelab::ensure!(n == 1, "initialised {n} times");
}

/// A publisher raises `ready` and then fills the slot; four readers use
/// the slot once they see `ready`.
fn publish_early_5<B: Backend>() {
    let slot = Arc::new(B::AtomicUsize::new(0));
    let ready = Arc::new(B::AtomicBool::new(false));
    let publisher = {
        let (slot, ready) = (Arc::clone(&slot), Arc::clone(&ready));
        B::spawn(move || {
            // Bug: the flag goes up before the data is there (an
            // interleaving bug: SeqCst does not help).
            ready.store(true, SeqCst);
            slot.store(42, SeqCst);
        })
    };
    each::<B>(4, move |_| {
        if ready.load(SeqCst) {
            let seen = slot.load(SeqCst);
            racelab::ensure!(seen == 42, "saw ready, then the slot empty ({seen})");
        }
    });
    join::<B, ()>(publisher);
}

/// The crowd entries.
pub fn entries() -> Vec<Entry> {
    vec![
        broken(
            "crowd_lost_update_6",
            "program",
            "six threads count with a load and a store",
            &[Assertion],
            || racelab::program!(lost_update_6),
        ),
        broken(
            "crowd_overdraft_5",
            "program",
            "five clerks check the balance, then withdraw, in two critical sections",
            &[Assertion],
            || racelab::program!(overdraft_5),
        ),
        correct(
            "crowd_withdraw_locked_5",
            "program",
            "five clerks check and withdraw in one critical section",
            || racelab::program!(withdraw_locked_5),
        ),
        broken(
            "crowd_ten_writers_checker",
            "program",
            "a checker between some writer's two writes, among ten writers",
            &[Assertion],
            || racelab::program!(ten_writers_checker),
        ),
        broken(
            "crowd_philosophers_5",
            "program",
            "five philosophers, each takes the left fork, then the right",
            &[Deadlock, Hang],
            || racelab::program!(philosophers_5),
        ),
        correct(
            "crowd_philosophers_ordered_5",
            "program",
            "five philosophers, forks taken in one global order",
            || racelab::program!(philosophers_ordered_5),
        ),
        broken(
            "crowd_wake_all_if_5",
            "program",
            "four consumers wait with `if`, the producer wakes them all",
            &[Assertion],
            || racelab::program!(wake_all_if_5),
        ),
        broken(
            "crowd_init_twice_6",
            "program",
            "six threads check a flag, then initialise and set it",
            &[Assertion],
            || racelab::program!(init_twice_6),
        ),
        correct(
            "crowd_init_once_cas_6",
            "program",
            "six threads, one compare-exchange decides who initialises",
            || racelab::program!(init_once_cas_6),
        ),
        broken(
            "crowd_publish_early_5",
            "program",
            "the ready flag is raised before the data is written",
            &[Assertion],
            || racelab::program!(publish_early_5),
        ),
    ]
}
