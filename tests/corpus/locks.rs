//! Thread locks in `lock_api`'s raw shape, checked with `racelab::lock!`
//! (the exclusion program, and the lock inside the counter and the office).
//! Peterson's lock needs each thread's index, which a `RawLock` is not
//! given: it is a program in `programs.rs`.

use super::{Entry, broken, correct};
use racelab::check::ViolationKind::{self, *};
use racelab::lock::RawLock;
use racelab::sync::{AtomicWord, Backend, Ordering::*};

const FREE: usize = 0;
const HELD: usize = 1;

/// What a lock that lets two holders in may show: two inside at once, an
/// update lost inside, the office overselling, or loom's race on plain data.
const EXCLUSION: &[ViolationKind] = &[
    ExclusionBroken,
    LostUpdate,
    DataRace,
    Oversold,
    SoldTwice,
    Miscount,
];

/// Test-and-test-and-set: spin on a plain load, then swap. Correct.
pub struct Ttas<B: Backend>(B::AtomicUsize);

impl<B: Backend> RawLock<B> for Ttas<B> {
    const NAME: &'static str = "ttas";
    fn new() -> Self {
        Ttas(B::AtomicUsize::new(FREE))
    }
    fn try_lock(&self) -> bool {
        self.0.load(Relaxed) == FREE && self.0.swap(HELD, Acquire) == FREE
    }
    fn unlock(&self) {
        self.0.store(FREE, Release)
    }
}

/// A ticket lock: take a number, wait to be served. Correct.
pub struct TicketLock<B: Backend> {
    /// The next number to hand out.
    next: B::AtomicUsize,
    /// The number allowed in.
    serving: B::AtomicUsize,
}

impl<B: Backend> RawLock<B> for TicketLock<B> {
    const NAME: &'static str = "ticket";
    fn new() -> Self {
        TicketLock {
            next: B::AtomicUsize::new(0),
            serving: B::AtomicUsize::new(0),
        }
    }
    fn try_lock(&self) -> bool {
        let serving = self.serving.load(Relaxed);
        self.next
            .compare_exchange(serving, serving + 1, Acquire, Relaxed)
            .is_ok()
    }
    fn lock(&self) {
        let mine = self.next.fetch_add(1, Relaxed);
        let mut spins = 0;
        while self.serving.load(Acquire) != mine {
            B::spin_hint(spins);
            spins += 1;
        }
    }
    fn unlock(&self) {
        let now = self.serving.load(Relaxed);
        self.serving.store(now + 1, Release)
    }
}

/// Test, then set.
pub struct TestThenSet<B: Backend>(B::AtomicUsize);

impl<B: Backend> RawLock<B> for TestThenSet<B> {
    const NAME: &'static str = "test-then-set";
    fn new() -> Self {
        TestThenSet(B::AtomicUsize::new(FREE))
    }
    fn try_lock(&self) -> bool {
        // Bug: two threads both see it free before either sets it.
        if self.0.load(Acquire) == FREE {
            self.0.store(HELD, Relaxed);
            return true;
        }
        false
    }
    fn unlock(&self) {
        self.0.store(FREE, Release)
    }
}

/// Swap with Acquire, unlock with Relaxed.
pub struct RelaxedUnlock<B: Backend>(B::AtomicUsize);

impl<B: Backend> RawLock<B> for RelaxedUnlock<B> {
    const NAME: &'static str = "relaxed-unlock";
    fn new() -> Self {
        RelaxedUnlock(B::AtomicUsize::new(FREE))
    }
    fn try_lock(&self) -> bool {
        self.0.swap(HELD, Acquire) == FREE
    }
    fn unlock(&self) {
        // Bug: Relaxed publishes nothing; the next holder may see old data.
        self.0.store(FREE, Relaxed)
    }
}

/// Swap with Relaxed, unlock with Release.
pub struct RelaxedTake<B: Backend>(B::AtomicUsize);

impl<B: Backend> RawLock<B> for RelaxedTake<B> {
    const NAME: &'static str = "relaxed-take";
    fn new() -> Self {
        RelaxedTake(B::AtomicUsize::new(FREE))
    }
    fn try_lock(&self) -> bool {
        // Bug: a Relaxed take synchronises with no unlock.
        self.0.swap(HELD, Relaxed) == FREE
    }
    fn unlock(&self) {
        self.0.store(FREE, Release)
    }
}

/// A lock that breaks a "stale" lock: seen held twice running, its holder
/// is presumed dead.
pub struct StaleBreaker<B: Backend> {
    word: B::AtomicUsize,
    /// Consecutive failed tries (shared by every waiter).
    seen_held: B::AtomicUsize,
}

impl<B: Backend> RawLock<B> for StaleBreaker<B> {
    const NAME: &'static str = "stale-breaker";
    fn new() -> Self {
        StaleBreaker {
            word: B::AtomicUsize::new(FREE),
            seen_held: B::AtomicUsize::new(0),
        }
    }
    fn try_lock(&self) -> bool {
        if self.word.swap(HELD, Acquire) == FREE {
            self.seen_held.store(0, Relaxed);
            return true;
        }
        // Bug: a holder that is merely slow is not dead; the lock is taken anyway.
        self.seen_held.fetch_add(1, Relaxed) + 1 >= 2
    }
    fn unlock(&self) {
        self.word.store(FREE, Release)
    }
}

/// A ticket lock whose number is taken with a load and a store.
pub struct TicketLoadStore<B: Backend> {
    next: B::AtomicUsize,
    serving: B::AtomicUsize,
}

impl<B: Backend> RawLock<B> for TicketLoadStore<B> {
    const NAME: &'static str = "ticket-load-store";
    fn new() -> Self {
        TicketLoadStore {
            next: B::AtomicUsize::new(0),
            serving: B::AtomicUsize::new(0),
        }
    }
    fn try_lock(&self) -> bool {
        let serving = self.serving.load(Acquire);
        self.next.load(Relaxed) == serving && {
            self.next.store(serving + 1, Relaxed);
            true
        }
    }
    fn lock(&self) {
        // Bug: two threads may read the same number and both hold it.
        let mine = self.next.load(Relaxed);
        self.next.store(mine + 1, Relaxed);
        let mut spins = 0;
        while self.serving.load(Acquire) != mine {
            B::spin_hint(spins);
            spins += 1;
        }
    }
    fn unlock(&self) {
        let now = self.serving.load(Relaxed);
        self.serving.store(now + 1, Release)
    }
}

/// A counting lock: a taker adds 1 and keeps the lock if it was the first,
/// else takes its 1 back.
pub struct CountStoreUnlock<B: Backend>(B::AtomicUsize);

impl<B: Backend> RawLock<B> for CountStoreUnlock<B> {
    const NAME: &'static str = "count-store-unlock";
    fn new() -> Self {
        CountStoreUnlock(B::AtomicUsize::new(0))
    }
    fn try_lock(&self) -> bool {
        if self.0.fetch_add(1, Acquire) == 0 {
            return true;
        }
        self.0.fetch_sub(1, Relaxed);
        false
    }
    fn unlock(&self) {
        // Bug: stores 0 where it should take its own 1 back (fetch_sub): a
        // contender's pending 1 is wiped, so a third thread gets in beside it.
        self.0.store(0, Release)
    }
}

/// A spin lock that stops waiting after `TRIES` tries and goes in anyway.
pub struct GiveUp<B: Backend, const TRIES: u32>(B::AtomicUsize);

impl<B: Backend, const TRIES: u32> RawLock<B> for GiveUp<B, TRIES> {
    const NAME: &'static str = "give-up";
    fn new() -> Self {
        GiveUp(B::AtomicUsize::new(FREE))
    }
    fn try_lock(&self) -> bool {
        self.0.swap(HELD, Acquire) == FREE
    }
    fn lock(&self) {
        for spins in 0..TRIES {
            if self.try_lock() {
                return;
            }
            B::spin_hint(spins);
        }
        // Bug: "it must be free by now": enters without the lock.
    }
    fn unlock(&self) {
        self.0.store(FREE, Release)
    }
}

/// The lock entries.
pub fn entries() -> Vec<Entry> {
    vec![
        correct(
            "lock_ttas",
            "lock",
            "test-and-test-and-set, Acquire/Release",
            || racelab::lock!(Ttas),
        ),
        correct(
            "lock_ticket",
            "lock",
            "fetch_add ticket, Release unlock",
            || racelab::lock!(TicketLock),
        ),
        broken(
            "lock_test_then_set",
            "lock",
            "load then store: two threads both see it free",
            EXCLUSION,
            || racelab::lock!(TestThenSet),
        ),
        broken(
            "lock_relaxed_unlock",
            "lock",
            "unlock with Relaxed: the next holder may not see the last writes",
            EXCLUSION,
            || racelab::lock!(RelaxedUnlock),
        ),
        broken(
            "lock_relaxed_take",
            "lock",
            "take with Relaxed: no happens-before from the last unlock",
            EXCLUSION,
            || racelab::lock!(RelaxedTake),
        ),
        broken(
            "lock_stale_breaker",
            "lock",
            "try_lock takes a lock it saw held twice (a slow holder is not dead)",
            EXCLUSION,
            || racelab::lock!(StaleBreaker),
        ),
        broken(
            "lock_ticket_load_store",
            "lock",
            "ticket taken by load + store: two threads hold one number",
            EXCLUSION,
            || racelab::lock!(TicketLoadStore),
        ),
        broken(
            "lock_count_store_unlock",
            "lock",
            "unlock stores 0 instead of taking back its 1: a third thread gets in",
            EXCLUSION,
            || racelab::lock!(CountStoreUnlock),
        ),
        broken(
            "lock_give_up_1",
            "lock",
            "spin lock gives up after 1 try and enters unlocked",
            EXCLUSION,
            || racelab::lock!(|B| GiveUp<B, 1>),
        ),
        broken(
            "lock_give_up_2",
            "lock",
            "spin lock gives up after 2 tries and enters unlocked",
            EXCLUSION,
            || racelab::lock!(|B| GiveUp<B, 2>),
        ),
        broken(
            "lock_give_up_50",
            "lock",
            "spin lock gives up after 50 tries and enters unlocked",
            EXCLUSION,
            || racelab::lock!(|B| GiveUp<B, 50>),
        ),
    ]
}
