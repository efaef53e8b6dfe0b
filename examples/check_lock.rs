//! Check a lock of your own: `cargo run --example check_lock`.
//!
//! A lock in lock_api's raw shape (`lock`, `try_lock`, a separate
//! `unlock`) implements `RawLock`. `racelab::lock!(YourLock)` runs the
//! exclusion program (no two holders at once; each holder sees the last
//! holder's writes; plain data under loom's race detector) and the lock
//! inside the counter and the ticket office.

use racelab::lock::RawLock;
use racelab::sync::{AtomicWord, Backend, Ordering::*};
use racelab::tier::{Tier, Verdict};

/// A ticket lock: take a number, wait to be served. Correct.
pub struct Ticket<B: Backend> {
    next: B::AtomicUsize,
    serving: B::AtomicUsize,
}

impl<B: Backend> RawLock<B> for Ticket<B> {
    const NAME: &'static str = "my-ticket-lock";
    fn new() -> Self {
        Ticket {
            next: B::AtomicUsize::new(0),
            serving: B::AtomicUsize::new(0),
        }
    }
    fn lock(&self) {
        let mine = self.next.fetch_add(1, Relaxed);
        let mut spins = 0;
        while self.serving.load(Acquire) != mine {
            B::spin_hint(spins);
            spins += 1;
        }
    }
    fn try_lock(&self) -> bool {
        let serving = self.serving.load(Acquire);
        self.next
            .compare_exchange(serving, serving + 1, Relaxed, Relaxed)
            .is_ok()
    }
    fn unlock(&self) {
        let now = self.serving.load(Relaxed);
        self.serving.store(now + 1, Release);
    }
}

/// The same lock whose unlock is Relaxed: it still excludes, but the next
/// holder may not see what this one wrote.
pub struct RelaxedTicket<B: Backend>(Ticket<B>);

impl<B: Backend> RawLock<B> for RelaxedTicket<B> {
    const NAME: &'static str = "my-ticket-lock-relaxed";
    fn new() -> Self {
        RelaxedTicket(Ticket::new())
    }
    fn lock(&self) {
        self.0.lock()
    }
    fn try_lock(&self) -> bool {
        self.0.try_lock()
    }
    fn unlock(&self) {
        let now = self.0.serving.load(Relaxed);
        self.0.serving.store(now + 1, Relaxed);
    }
}

fn main() {
    println!("{}", racelab::lock!(Ticket).assert_holds());
    let report = racelab::lock!(RelaxedTicket).tiers(&[Tier::Loom]).run();
    println!("{report}");
    assert_eq!(report.on(Tier::Loom), Some(Verdict::Violated));
}

#[test]
fn runs() {
    main()
}
