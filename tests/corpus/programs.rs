//! Plain programs against the facade, with their own assertions, checked
//! with `racelab::program!`. Several show only under weak memory (loom
//! explores it; shuttle and real threads on x86 do not), one only with
//! three threads.

use super::{Entry, broken, correct, each};
use racelab::check::ViolationKind::*;
use racelab::sync::Ordering::*;
use racelab::sync::{AtomicWord, Backend, Mutex, Ordering};
use std::sync::Arc;

/// A message and a flag: thread 0 writes the message then raises the flag,
/// thread 1 reads the message if it sees the flag.
fn message_passing<B: Backend>(raise: Ordering, look: Ordering) {
    let data = Arc::new(B::AtomicUsize::new(0));
    let flag = Arc::new(B::AtomicUsize::new(0));
    each::<B>(2, move |i| {
        if i == 0 {
            data.store(42, Relaxed);
            flag.store(1, raise);
        } else if flag.load(look) == 1 {
            assert_eq!(data.load(Relaxed), 42, "saw the flag, not the message");
        }
    });
}

fn mp_relaxed<B: Backend>() {
    // Bug: a Relaxed flag orders nothing before it.
    message_passing::<B>(Relaxed, Relaxed)
}

fn mp_release_acquire<B: Backend>() {
    message_passing::<B>(Release, Acquire)
}

/// Lazy initialisation, checked twice: once without the lock, once with.
fn double_checked<B: Backend>(publish: Ordering, look: Ordering) {
    let value = Arc::new(B::AtomicUsize::new(0));
    let ready = Arc::new(B::AtomicUsize::new(0));
    let lock = Arc::new(Mutex::<B, ()>::new(()));
    each::<B>(2, move |_| {
        if ready.load(look) == 0 {
            let _held = lock.lock();
            if ready.load(Relaxed) == 0 {
                value.store(42, Relaxed);
                ready.store(1, publish);
            }
        }
        assert_eq!(value.load(Relaxed), 42, "used before it was initialised");
    });
}

fn dcl_relaxed<B: Backend>() {
    // Bug: the fast path's Relaxed load sees "ready" without the value.
    double_checked::<B>(Relaxed, Relaxed)
}

fn dcl_release_acquire<B: Backend>() {
    double_checked::<B>(Release, Acquire)
}

/// At most two guests: each checks the count, then adds itself.
fn admission_cap<B: Backend>() {
    let guests = Arc::new(B::AtomicUsize::new(0));
    let seen = Arc::clone(&guests);
    each::<B>(3, move |_| {
        // Bug: check, then act. Two threads cannot exceed the cap of two;
        // the third, checking before either adds, can.
        if guests.load(SeqCst) < 2 {
            guests.fetch_add(1, SeqCst);
        }
    });
    assert!(seen.load(SeqCst) <= 2, "more than two guests admitted");
}

/// Two mutexes, taken in opposite orders by two threads.
fn lock_order<B: Backend>() {
    let a = Arc::new(Mutex::<B, usize>::new(0));
    let b = Arc::new(Mutex::<B, usize>::new(0));
    each::<B>(2, move |i| {
        // Bug: thread 0 takes a then b, thread 1 b then a.
        let (first, second) = if i == 0 { (&a, &b) } else { (&b, &a) };
        let mut x = first.lock();
        let mut y = second.lock();
        *x += 1;
        *y += 1;
    });
}

/// Store buffering: each thread writes its flag, then reads the other's.
/// Both reading 0 is impossible under SeqCst, possible with weaker orders.
fn store_buffering<B: Backend>(store: Ordering, load: Ordering) {
    let flags = Arc::new([B::AtomicUsize::new(0), B::AtomicUsize::new(0)]);
    let seen = Arc::new([B::AtomicUsize::new(9), B::AtomicUsize::new(9)]);
    let (f, s) = (Arc::clone(&flags), Arc::clone(&seen));
    each::<B>(2, move |i| {
        f[i].store(1, store);
        s[i].store(f[1 - i].load(load), Relaxed);
    });
    let both_zero = seen[0].load(Relaxed) == 0 && seen[1].load(Relaxed) == 0;
    assert!(!both_zero, "both threads read the other's flag as 0");
}

fn sb_seqcst<B: Backend>() {
    store_buffering::<B>(SeqCst, SeqCst)
}

fn sb_release_acquire<B: Backend>() {
    // Bug: Release/Acquire do not order a store before a later load.
    store_buffering::<B>(Release, Acquire)
}

/// Peterson's lock for threads 0 and 1, each entering `ROUNDS` times; the
/// section checks that it is alone and that no update was lost.
fn peterson<B: Backend>(store: Ordering, load: Ordering) {
    const ROUNDS: usize = 1;
    let flags = Arc::new([B::AtomicUsize::new(0), B::AtomicUsize::new(0)]);
    let turn = Arc::new(B::AtomicUsize::new(0));
    let inside = Arc::new(B::AtomicUsize::new(0));
    let count = Arc::new(B::AtomicUsize::new(0));
    let total = Arc::clone(&count);
    each::<B>(2, move |me| {
        let other = 1 - me;
        for _ in 0..ROUNDS {
            flags[me].store(1, store);
            turn.store(other, store);
            let mut spins = 0;
            while flags[other].load(load) == 1 && turn.load(load) == other {
                B::spin_hint(spins);
                spins += 1;
            }
            assert_eq!(inside.fetch_add(1, Relaxed), 0, "both threads inside");
            let seen = count.load(Relaxed);
            count.store(seen + 1, Relaxed);
            inside.fetch_sub(1, Relaxed);
            flags[me].store(0, Release);
        }
    });
    assert_eq!(total.load(Relaxed), 2 * ROUNDS, "an update inside was lost");
}

fn peterson_seqcst<B: Backend>() {
    peterson::<B>(SeqCst, SeqCst)
}

fn peterson_release_acquire<B: Backend>() {
    // Bug: store-buffering: each reads the other's flag before its own is seen.
    peterson::<B>(Release, Acquire)
}

/// Why a correct SeqCst program is reported violated on loom today.
/// The program entries.
pub fn entries() -> Vec<Entry> {
    vec![
        broken(
            "program_mp_relaxed",
            "program",
            "message passing with a Relaxed flag (weak memory)",
            // std's `assert!(cond, "msg")` panics with the bare message, as
            // `panic!` does: only `ensure!` or a message-less assert is an assertion.
            &[Assertion, Panicked],
            || racelab::program!(mp_relaxed),
        ),
        correct(
            "program_mp_release_acquire",
            "program",
            "flag raised Release, read Acquire",
            || racelab::program!(mp_release_acquire),
        ),
        broken(
            "program_dcl_relaxed",
            "program",
            "double-checked init with a Relaxed fast path (weak memory)",
            // std's `assert!(cond, "msg")` panics with the bare message, as
            // `panic!` does: only `ensure!` or a message-less assert is an assertion.
            &[Assertion, Panicked],
            || racelab::program!(dcl_relaxed),
        ),
        correct(
            "program_dcl_release_acquire",
            "program",
            "double-checked init, Release/Acquire",
            || racelab::program!(dcl_release_acquire),
        ),
        broken(
            "program_admission_3_threads",
            "program",
            "check-then-add admission cap: only a third thread overshoots",
            // std's `assert!(cond, "msg")` panics with the bare message, as
            // `panic!` does: only `ensure!` or a message-less assert is an assertion.
            &[Assertion, Panicked],
            || racelab::program!(admission_cap),
        ),
        broken(
            "program_lock_order",
            "program",
            "two mutexes taken in opposite orders",
            &[Deadlock, Hang],
            || racelab::program!(lock_order),
        ),
        correct(
            "program_sb_seqcst",
            "program",
            "store-buffering litmus, SeqCst",
            || racelab::program!(sb_seqcst),
        ),
        broken(
            "program_sb_release_acquire",
            "program",
            "store-buffering with Release/Acquire (weak memory)",
            // std's `assert!(cond, "msg")` panics with the bare message, as
            // `panic!` does: only `ensure!` or a message-less assert is an assertion.
            &[Assertion, Panicked],
            || racelab::program!(sb_release_acquire),
        ),
        correct(
            "program_peterson_seqcst",
            "program",
            "Peterson's lock, SeqCst",
            || racelab::program!(peterson_seqcst),
        ),
        broken(
            "program_peterson_release_acquire",
            "program",
            "Peterson's lock with Release/Acquire only (store buffering)",
            // std's `assert!(cond, "msg")` panics with the bare message, as
            // `panic!` does: only `ensure!` or a message-less assert is an assertion.
            &[Assertion, Panicked],
            || racelab::program!(peterson_release_acquire),
        ),
    ]
}
