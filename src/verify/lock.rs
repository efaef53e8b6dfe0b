//! The check of a thread lock in `lock_api`'s raw shape ([`RawLock`]): two
//! threads or more in its critical section at once, a holder that does not
//! see the previous holder's writes, and the lock inside the counter and
//! the ticket office.

use super::check::Check;
use super::program::{self, ProgramForms};
use crate::check::{Violation, ViolationKind};
use crate::lock::RawLock;
use crate::matrix::ModelForms;
use crate::sync::{AtomicWord, Backend, Ordering::Relaxed};
use crate::workload::counter::CounterPlan;
use crate::workload::tickets::TicketsPlan;
use std::sync::Arc;

/// What every holder touches: a count of holders inside, a split
/// read-then-write counter, and (under loom, which tracks it) plain data.
struct Shared<B: Backend, L> {
    lock: L,
    /// Holders inside the critical section now. Relaxed, like every
    /// bookkeeping access here: it must add no happens-before of its own,
    /// or it would hide a lock that publishes nothing.
    inside: B::AtomicUsize,
    /// Read, then written, inside the section: a lost update if two
    /// holders overlap or one reads a stale value.
    count: B::AtomicUsize,
    /// Plain data, written inside the section; loom reports an access not
    /// ordered by the lock as a data race.
    data: B::UnsafeCell<usize>,
}

// SAFETY: `data` is reached only inside the lock, and only under loom,
// which tracks every access and reports an unsynchronised one instead of
// making it (see `section`).
unsafe impl<B: Backend, L: Send + Sync> Sync for Shared<B, L> {}
// SAFETY: as above; owning the value owns the cell.
unsafe impl<B: Backend, L: Send> Send for Shared<B, L> {}

impl<B: Backend, L: RawLock<B>> Shared<B, L> {
    fn section(&self) {
        self.lock.lock();
        let before = self.inside.fetch_add(1, Relaxed);
        if before != 0 {
            raise(Violation::new(
                ViolationKind::ExclusionBroken,
                format!(
                    "{} threads held `{}` at once",
                    before + 1,
                    <L as RawLock<B>>::NAME
                ),
            ));
        }
        let seen = self.count.load(Relaxed);
        self.count.store(seen + 1, Relaxed);
        if B::NAME == "loom" {
            // SAFETY: loom's cell checks this access against every other
            // one and panics ("Causality violation") on an unordered pair.
            B::cell_with_mut(&self.data, |p| unsafe { *p += 1 });
        }
        self.inside.fetch_sub(1, Relaxed);
        self.lock.unlock();
    }
}

/// Stops the run with `violation`: the tiers report the payload as it is.
pub(crate) fn raise(violation: Violation) -> ! {
    std::panic::panic_any(violation)
}

/// How many threads and sections the exclusion program runs on `B`: small
/// under loom (every interleaving), more under shuttle and on real threads.
fn size<B: Backend>() -> (usize, usize) {
    match B::NAME {
        "loom" => (2, 1),
        "shuttle" => (3, 2),
        _ => (4, 2_000),
    }
}

/// The exclusion program: threads take the lock in turn and update shared
/// state inside; every update must count, and no two may overlap.
pub fn exclusion<B: Backend, L: RawLock<B>>() {
    let (threads, sections) = size::<B>();
    let shared = Arc::new(Shared::<B, L> {
        lock: L::new(),
        inside: B::AtomicUsize::new(0),
        count: B::AtomicUsize::new(0),
        data: B::new_cell(0),
    });
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let shared = Arc::clone(&shared);
            B::spawn(move || {
                for _ in 0..sections {
                    shared.section();
                }
            })
        })
        .collect();
    for handle in handles {
        program::join::<B, ()>(handle);
    }
    let count = shared.count.load(Relaxed);
    if count != threads * sections {
        raise(Violation::new(
            ViolationKind::LostUpdate,
            format!(
                "{} critical sections ran, the count inside says {count}",
                threads * sections
            ),
        ));
    }
}

/// The forms a lock check runs: the exclusion program, and the lock inside
/// the counter and the ticket office.
pub struct LockForms {
    /// [`exclusion`] on each backend.
    pub exclusion: ProgramForms,
    /// The counter locked by it.
    pub counter: ModelForms<CounterPlan>,
    /// The ticket office locked by it.
    pub tickets: ModelForms<TicketsPlan>,
}

/// The check of a lock named `subject`.
pub fn check(subject: &str, forms: LockForms) -> Check {
    let check = Check::new(format!("lock {subject}"));
    let check = program::add(check, "exclusion", forms.exclusion);
    let check = super::model::add(check, forms.counter);
    super::model::add(check, forms.tickets)
}
