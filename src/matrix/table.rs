//! Every pair, in table order, each with its forms: per model, the correct
//! strategies, then the broken ones (each with its process form, where the
//! strategy also exists between processes), then the strategies that
//! exist only between processes.

use super::forms::{Forms, ModelForms};
use super::{Expect, Pair};
use crate::check::ViolationKind;
use crate::lock::*;
use crate::model::ModelKind;
use crate::model::counter::{AtomicCounter, LockedCounter, SplitLockCounter};
use crate::model::queue::{CheckOutsideLock, CondvarQueue, IfNotWhile, OneCondvar, WhileLoop};
use crate::model::tickets::{AtomicOffice, CheckThenActOffice, LockedOffice};
use crate::process::queue::Via;
use crate::process::{ProcessForm, Strategy as Process};
use crate::tier::processes::ProcessWorkload;
use crate::workload::counter::CounterPlan;
use crate::workload::queue::Msg;
use crate::workload::tickets::TicketsPlan;
use Expect::{Either, Holds, Violates};
use ViolationKind::*;

/// Why real threads on this machine cannot decide the Relaxed spin lock.
const TSO: &str = "x86-64 orders these accesses in hardware (TSO); the bug shows on ARM or after a compiler reordering, and loom proves it";

/// Why shuttle cannot decide the Relaxed spin lock.
const SEQ_CST: &str = "shuttle runs every atomic as SeqCst, so a Relaxed-ordering bug is invisible to it; loom proves it";

/// Shuttle finds what loom finds, except what needs weak memory.
const fn shuttle_expect(strategy: &str, loom: Expect) -> Expect {
    match strategy.as_bytes() {
        b"spin-relaxed" => Expect::Either(SEQ_CST),
        _ => loom,
    }
}

/// The verdict a process strategy must get on a model.
fn process_expect(model: ModelKind, strategy: Process) -> Expect {
    match (model, strategy.correct()) {
        (_, true) => Holds,
        (ModelKind::Counter, false) => Violates(&[LostUpdate]),
        (_, false) => Violates(&[Oversold, SoldTwice]),
    }
}

/// A pair with a form on loom, threads and shuttle: the model
/// implementation `$ty` generic over the backend `$b`; with `processes:`,
/// the process strategy that is the same strategy between processes.
macro_rules! pair {
    ($model:ident, $name:expr, $correct:expr, $summary:expr, loom: $loom:expr, threads: $threads:expr,
     $(processes: $process:expr,)? |$b:ident| $ty:ty) => {{
        type Impl<$b> = $ty;
        let process: Option<Process> = None $(.or(Some($process)))?;
        Pair {
            model: ModelKind::$model,
            strategy: $name,
            correct: $correct,
            summary: $summary,
            loom: $loom,
            threads: $threads,
            shuttle: shuttle_expect($name, $loom),
            processes: process.map_or(Expect::NotApplicable, |s| process_expect(ModelKind::$model, s)),
            forms: pair!(@forms $model, Impl, process.map(ProcessForm::from)),
        }
    }};
    (@forms Counter, $impl:ident, $process:expr) => {
        Forms::Counter(crate::__forms!(counter, $impl, $process))
    };
    (@forms Tickets, $impl:ident, $process:expr) => {
        Forms::Tickets(crate::__forms!(tickets, $impl, $process))
    };
    // A thread queue has no process form: each process queue is a pair.
    (@forms Queue, $impl:ident, $process:expr) => {
        Forms::Queue(crate::__forms!(queue, $impl, None))
    };
}

/// The process strategies with no thread form: the kernel's locks, the
/// locks in shared memory that only processes need, the server.
const ONLY_IN_PROCESSES: [Process; 7] = [
    Process::Flock,
    Process::Ofd,
    Process::Fcntl,
    Process::LockFile,
    Process::RobustMutex,
    Process::Server,
    Process::InheritedFlock,
];

/// A pair that exists only between processes.
fn process_only(
    model: ModelKind,
    strategy: &'static str,
    correct: bool,
    summary: &'static str,
    processes: Expect,
    forms: Forms,
) -> Pair {
    Pair {
        model,
        strategy,
        correct,
        summary,
        loom: Expect::NotApplicable,
        threads: Expect::NotApplicable,
        shuttle: Expect::NotApplicable,
        processes,
        forms,
    }
}

/// A pair for a process strategy with no thread form.
fn process_lock<P>(strategy: Process) -> Pair
where
    P: ProcessWorkload<Form = ProcessForm>,
    Forms: From<ModelForms<P>>,
{
    process_only(
        P::MODEL,
        strategy.name(),
        strategy.correct(),
        strategy.summary(),
        process_expect(P::MODEL, strategy),
        ModelForms::<P>::processes_only(strategy.into()).into(),
    )
}

/// A pair for a process queue (a shared-memory ring, a kernel transport).
fn process_queue(via: Via) -> Pair {
    let processes = match via.violations() {
        [] => Holds,
        kinds => Violates(kinds),
    };
    let forms = Forms::Queue(ModelForms::processes_only(via.into()));
    let correct = via.breaks_with().is_none();
    process_only(
        ModelKind::Queue,
        via.name(),
        correct,
        via.summary(),
        processes,
        forms,
    )
}

/// Every pair, in table order: per model, the pairs with a thread form,
/// then those that exist only in processes.
pub fn all() -> Vec<Pair> {
    let counter = [
        pair!(Counter, "mutex", true, "std Mutex around read+write", loom: Holds, threads: Holds,
              |B| LockedCounter<B, MutexLock<B>>),
        pair!(Counter, "spin", true, "spin lock, Acquire/Release", loom: Holds, threads: Holds,
              processes: Process::Spin, |B| LockedCounter<B, SpinLock<B>>),
        pair!(Counter, "ticket", true, "FIFO ticket lock", loom: Holds, threads: Holds,
              |B| LockedCounter<B, TicketLock<B>>),
        pair!(Counter, "rwlock", true, "RwLock, writes exclusive", loom: Holds, threads: Holds,
              |B| LockedCounter<B, RwLockStrategy<B>>),
        pair!(Counter, "semaphore-1", true, "semaphore with 1 permit", loom: Holds, threads: Holds,
              processes: Process::Semaphore1, |B| LockedCounter<B, Semaphore1<B>>),
        pair!(Counter, "atomic", true, "lock-free fetch_add", loom: Holds, threads: Holds,
              processes: Process::Atomic, |B| AtomicCounter<B>),
        pair!(Counter, "none", false, "no lock: read, then write", loom: Violates(&[LostUpdate]),
              threads: Violates(&[LostUpdate]), processes: Process::None, |B| LockedCounter<B, NoLock>),
        pair!(Counter, "spin-relaxed", false, "spin lock, Relaxed orderings", loom: Violates(&[LostUpdate]),
              threads: Either(TSO), |B| LockedCounter<B, RelaxedSpinLock<B>>),
        pair!(Counter, "semaphore-2", false, "semaphore with 2 permits", loom: Violates(&[LostUpdate]),
              threads: Violates(&[LostUpdate]), processes: Process::Semaphore2, |B| LockedCounter<B, Semaphore2<B>>),
        pair!(Counter, "split-lock", false, "lock the read, then lock the write", loom: Violates(&[LostUpdate]),
              threads: Violates(&[LostUpdate]), |B| SplitLockCounter<B, MutexLock<B>>),
    ];
    let tickets = [
        pair!(Tickets, "mutex", true, "std Mutex around the buy", loom: Holds, threads: Holds,
              |B| LockedOffice<B, MutexLock<B>>),
        pair!(Tickets, "spin", true, "spin lock, Acquire/Release", loom: Holds, threads: Holds,
              processes: Process::Spin, |B| LockedOffice<B, SpinLock<B>>),
        pair!(Tickets, "ticket", true, "FIFO ticket lock", loom: Holds, threads: Holds,
              |B| LockedOffice<B, TicketLock<B>>),
        pair!(Tickets, "rwlock", true, "search under read, buy under write", loom: Holds, threads: Holds,
              |B| LockedOffice<B, RwLockStrategy<B>>),
        pair!(Tickets, "semaphore-1", true, "semaphore with 1 permit", loom: Holds, threads: Holds,
              processes: Process::Semaphore1, |B| LockedOffice<B, Semaphore1<B>>),
        pair!(Tickets, "atomic", true, "lock-free compare-exchange on the count", loom: Holds, threads: Holds,
              processes: Process::Atomic, |B| AtomicOffice<B>),
        pair!(Tickets, "none", false, "no lock: read, then write", loom: Violates(&[Oversold, SoldTwice]),
              threads: Violates(&[Oversold, SoldTwice]), processes: Process::None, |B| LockedOffice<B, NoLock>),
        pair!(Tickets, "spin-relaxed", false, "spin lock, Relaxed orderings", loom: Violates(&[Oversold, SoldTwice]),
              threads: Either(TSO), |B| LockedOffice<B, RelaxedSpinLock<B>>),
        pair!(Tickets, "semaphore-2", false, "semaphore with 2 permits", loom: Violates(&[Oversold, SoldTwice]),
              threads: Violates(&[Oversold, SoldTwice]), processes: Process::Semaphore2, |B| LockedOffice<B, Semaphore2<B>>),
        pair!(Tickets, "check-then-act", false, "decide outside the lock, sell inside", loom: Violates(&[Oversold]),
              threads: Violates(&[Oversold]), |B| CheckThenActOffice<B, MutexLock<B>>),
    ];
    let queue = [
        pair!(Queue, "condvar", true, "Mutex + not_full/not_empty, while loops", loom: Holds, threads: Holds,
              |B| CondvarQueue<B, Msg, WhileLoop>),
        pair!(Queue, "condvar-if", false, "waits with if, not while", loom: Violates(&[PopFromEmpty, CapacityExceeded]),
              threads: Violates(&[PopFromEmpty, CapacityExceeded]), |B| CondvarQueue<B, Msg, IfNotWhile>),
        pair!(Queue, "one-condvar", false, "one condvar, notify_one", loom: Violates(&[Deadlock]),
              threads: Violates(&[Deadlock]), |B| CondvarQueue<B, Msg, OneCondvar>),
        pair!(Queue, "unlocked-capacity", false, "checks room, unlocks, then pushes", loom: Violates(&[CapacityExceeded]),
              threads: Violates(&[CapacityExceeded]), |B| CondvarQueue<B, Msg, CheckOutsideLock>),
    ];
    [
        &counter[..],
        &ONLY_IN_PROCESSES.map(process_lock::<CounterPlan>),
        &tickets,
        &ONLY_IN_PROCESSES.map(process_lock::<TicketsPlan>),
        &queue,
        &Via::ALL.map(process_queue),
    ]
    .concat()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_process_strategy_has_one_pair_per_model_under_its_own_name() {
        let pairs = all();
        for model in [ModelKind::Counter, ModelKind::Tickets] {
            for strategy in Process::ALL {
                let named: Vec<&Pair> = pairs
                    .iter()
                    .filter(|p| p.model == model && p.strategy == strategy.name())
                    .collect();
                assert_eq!(named.len(), 1, "{model}/{strategy}");
                assert_eq!(named[0].processes, process_expect(model, strategy));
                let form = match named[0].forms {
                    Forms::Counter(forms) => forms.processes,
                    Forms::Tickets(forms) => forms.processes,
                    Forms::Queue(_) => None,
                };
                let name = form.map(|form| form.name());
                assert_eq!(name, Some(strategy.name()), "{model}/{strategy}");
            }
        }
    }

    #[test]
    fn every_process_queue_has_one_pair() {
        let pairs = all();
        for via in Via::ALL {
            let named: Vec<&Pair> = pairs
                .iter()
                .filter(|p| p.model == ModelKind::Queue && p.strategy == via.name())
                .collect();
            assert_eq!(named.len(), 1, "{}", via.name());
            assert!(
                matches!(named[0].forms, Forms::Queue(forms) if forms.processes.and_then(|f| f.via()) == Some(via)),
                "{}",
                via.name()
            );
        }
    }
}
