//! The records of one round on real threads ([`Std`](crate::sync::Std)).
//!
//! The threads tier makes a [`Recording`] per round and installs it on the
//! round's thread; the facade's `spawn` installs it on each thread it
//! starts (as it passes on the spawn tree). Each facade thread then writes
//! a [`Slot`] of its own, alone on its cache lines (no write is shared
//! between threads): the operations it completed, the one in progress and
//! its object, the locks it holds, and a ring of its last [`RING`] steps.
//! The watchdog reads the slots: progress, who is blocked where, and the
//! trace of a failure. With no recording installed (plain `Std` use) an
//! operation costs one thread-local load and a branch.

use super::perturb::{Decider, Delay, Knobs};
use super::text::{self, Names};
use super::{Op, Raw};
use crate::workload::progress::Abandoned;
use std::cell::{Cell, RefCell};
use std::sync::Arc;
use std::sync::atomic::{
    AtomicBool, AtomicI64, AtomicU8, AtomicU64, AtomicUsize,
    Ordering::{Acquire, Relaxed, Release},
};

/// Facade threads a round records (its thread and the ones it spawns, by
/// index); threads beyond are run but not recorded.
pub(crate) const THREADS: usize = 64;
/// Steps each thread's ring keeps: its last ones.
pub(crate) const RING: usize = 16;
/// Locks one thread is seen holding at once (more are not tracked).
const HELD: usize = 8;

/// `Slot::state`: never installed, running, finished.
const UNUSED: u8 = 0;
const LIVE: u8 = 1;
const FINISHED: u8 = 2;

/// One recorded step, field by field (atomics: the watchdog reads a ring
/// its owner may be writing; a torn entry only blurs a diagnostic).
#[derive(Default)]
struct Entry {
    op: AtomicU8,
    ok: AtomicBool,
    object: AtomicUsize,
    arg: AtomicI64,
    arg2: AtomicI64,
    value: AtomicI64,
}

impl Entry {
    fn store(&self, raw: &Raw) {
        self.object.store(raw.object, Relaxed);
        self.arg.store(raw.arg, Relaxed);
        self.arg2.store(raw.arg2, Relaxed);
        self.value.store(raw.value, Relaxed);
        self.ok.store(raw.ok, Relaxed);
        self.op.store(raw.op as u8, Release);
    }

    fn load(&self) -> Option<Raw> {
        let op = Op::from_code(self.op.load(Acquire))?;
        Some(Raw {
            op,
            object: self.object.load(Relaxed),
            arg: self.arg.load(Relaxed),
            arg2: self.arg2.load(Relaxed),
            value: self.value.load(Relaxed),
            ok: self.ok.load(Relaxed),
        })
    }
}

/// One facade thread's record: only its thread writes it.
#[repr(align(64))]
#[derive(Default)]
struct Slot {
    /// `UNUSED`, `LIVE` or `FINISHED`.
    state: AtomicU8,
    /// Operations completed (every kind).
    done: AtomicU64,
    /// Operations completed that changed shared state ([`Raw::progresses`]).
    progress: AtomicU64,
    /// The operation in progress (its `Op` code), 0 between operations.
    doing: AtomicU8,
    /// The object of the operation in progress.
    object: AtomicUsize,
    /// Addresses of the locks held, 0 for a free entry.
    held: [AtomicUsize; HELD],
    /// Steps pushed to the ring so far.
    pushed: AtomicU64,
    ring: [Entry; RING],
}

impl Slot {
    fn push(&self, raw: &Raw) {
        let n = self.pushed.load(Relaxed);
        self.ring[(n % RING as u64) as usize].store(raw);
        self.pushed.store(n + 1, Release);
    }

    fn hold(&self, lock: usize) {
        if let Some(free) = self.held.iter().find(|h| h.load(Relaxed) == 0) {
            free.store(lock, Relaxed);
        }
    }

    fn release(&self, lock: usize) {
        if let Some(entry) = self.held.iter().find(|h| h.load(Relaxed) == lock) {
            entry.store(0, Relaxed);
        }
    }

    /// The ring's steps, oldest first.
    fn steps(&self) -> Vec<Raw> {
        let pushed = self.pushed.load(Acquire);
        let first = pushed.saturating_sub(RING as u64);
        (first..pushed)
            .filter_map(|i| self.ring[(i % RING as u64) as usize].load())
            .collect()
    }
}

/// The records of one round, shared by its threads and its watchdog.
pub(crate) struct Recording {
    slots: Box<[Slot]>,
    abandoned: AtomicBool,
    round: u32,
    perturb: Option<Knobs>,
    /// Operations each thread did in the previous round, by index.
    expected: Vec<u64>,
    /// Nanoseconds of sleep the round may still spend.
    budget: AtomicI64,
}

/// One thread's handle on its slot, kept in its thread-locals.
struct Here {
    recording: Arc<Recording>,
    index: usize,
    decider: RefCell<Option<Decider>>,
    /// Progress made since the thread's last spin hint, not yet counted:
    /// a spin loop's failed attempt may change state (a `fetch_add` taken
    /// back by a `fetch_sub`) and still be no progress.
    pending: Cell<u64>,
    /// Operations since the thread's last spin hint.
    since_spin: Cell<u64>,
}

/// The operations a thread is taken to do in a first round, whose change
/// points have no previous count to go by: short, as a program's threads
/// are (a long thread then gets its drops early, which perturbs it too).
const FIRST_GUESS: u64 = 4;

/// Operations without a spin hint after which a thread counts as out of
/// its spin loop: its pending progress is real.
const OUT_OF_SPIN: u64 = 8;

thread_local! {
    // The installed `Here` of this thread (null: nothing recorded). It
    // points into the box `KEEP` holds, which lives while it is set.
    static HERE: Cell<*const Here> = const { Cell::new(std::ptr::null()) };
    static KEEP: RefCell<Option<Box<Here>>> = const { RefCell::new(None) };
}

/// The installed recording of this thread, if any, for `spawn` to pass on.
pub(crate) fn current() -> Option<Arc<Recording>> {
    KEEP.with_borrow(|keep| keep.as_ref().map(|h| Arc::clone(&h.recording)))
}

/// Uninstalls the thread's recording when dropped, marking its slot
/// finished (also when the thread unwinds).
pub(crate) struct Installed(());

impl Drop for Installed {
    fn drop(&mut self) {
        HERE.with(|h| h.set(std::ptr::null()));
        if let Some(here) = KEEP.with_borrow_mut(Option::take)
            && let Some(slot) = here.recording.slots.get(here.index)
        {
            let progress = slot.progress.load(Relaxed) + here.pending.get();
            slot.progress.store(progress, Relaxed);
            slot.doing.store(0, Release);
            slot.state.store(FINISHED, Release);
        }
    }
}

impl Recording {
    /// The records of round `round` (0-based); `perturb`: the knobs if the
    /// round is perturbed; `previous`: the recording of the round before
    /// (its operation counts place this round's change points).
    pub(crate) fn new(
        round: u32,
        perturb: Option<Knobs>,
        previous: Option<&Recording>,
    ) -> Arc<Self> {
        let expected = previous.map_or_else(Vec::new, |p| {
            p.slots.iter().map(|s| s.done.load(Relaxed)).collect()
        });
        let budget = perturb.map_or(0, |k| {
            i64::try_from(k.budget.as_nanos()).unwrap_or(i64::MAX)
        });
        Arc::new(Recording {
            slots: (0..THREADS).map(|_| Slot::default()).collect(),
            abandoned: AtomicBool::new(false),
            round,
            perturb,
            expected,
            budget: AtomicI64::new(budget),
        })
    }

    /// Records the calling thread as thread `index` of the round until the
    /// returned guard drops.
    pub(crate) fn install(self: &Arc<Self>, index: usize) -> Installed {
        if let Some(slot) = self.slots.get(index) {
            slot.state.store(LIVE, Release);
            let expected = self.expected.get(index).copied().unwrap_or(0);
            let expected = if expected == 0 { FIRST_GUESS } else { expected };
            let here = Box::new(Here {
                recording: Arc::clone(self),
                index,
                pending: Cell::new(0),
                since_spin: Cell::new(OUT_OF_SPIN),
                decider: RefCell::new(
                    self.perturb
                        .map(|knobs| Decider::new(knobs, self.round, index, expected)),
                ),
            });
            HERE.with(|h| h.set(&*here));
            KEEP.with_borrow_mut(|keep| *keep = Some(here));
        }
        Installed(())
    }

    /// Gives up on the round: from now on every facade operation of its
    /// threads unwinds with [`Abandoned`] (unlocks excepted: they run in
    /// destructors).
    pub(crate) fn abandon(&self) {
        self.abandoned.store(true, Release);
    }

    /// Operations completed that changed shared state, over every thread.
    pub(crate) fn progress(&self) -> u64 {
        self.slots.iter().map(|s| s.progress.load(Relaxed)).sum()
    }

    /// Operations completed, of every kind, over every thread.
    pub(crate) fn done(&self) -> u64 {
        self.slots.iter().map(|s| s.done.load(Relaxed)).sum()
    }

    fn live(&self) -> impl Iterator<Item = (usize, &Slot)> {
        self.slots
            .iter()
            .enumerate()
            .filter(|(_, s)| s.state.load(Acquire) == LIVE)
    }

    /// Facade threads of the round still running, its own thread aside.
    pub(crate) fn live_workers(&self) -> usize {
        self.live().filter(|(i, _)| *i != 0).count()
    }

    /// Every live thread of the round (at least one) is inside an
    /// operation that blocks with no timeout (lock, read, write, wait, join).
    pub(crate) fn all_blocked(&self) -> bool {
        let mut any = false;
        for (_, slot) in self.live() {
            any = true;
            if !Op::from_code(slot.doing.load(Acquire)).is_some_and(Op::blocks) {
                return false;
            }
        }
        any
    }

    /// Where each live thread is, workers first and the round's thread
    /// last (as [`crate::tier::threads::hang_evidence`] orders them):
    /// `T0 in lock m1 (held by T1)`, `T1 spinning on a0`, `T2 running`.
    /// `names` must have named the trace's objects first ([`Self::trace`]),
    /// so that both say `m1` of the same mutex.
    pub(crate) fn whereabouts(
        &self,
        names: &mut Names,
        label: &dyn Fn(usize) -> String,
    ) -> Vec<String> {
        let live: Vec<(usize, &Slot)> = self.live().collect();
        let order = live
            .iter()
            .filter(|(i, _)| *i != 0)
            .chain(live.iter().filter(|(i, _)| *i == 0));
        let mut at = Vec::new();
        for (index, slot) in order {
            let who = label(*index);
            let doing = Op::from_code(slot.doing.load(Acquire));
            let object = slot.object.load(Relaxed);
            match doing {
                Some(op) if op.blocks() => {
                    let mut text =
                        format!("{who} in {}", text::describe_pending(op, object, names));
                    if matches!(op, Op::Lock | Op::Read | Op::Write) {
                        let holders: Vec<String> = self
                            .live()
                            .filter(|(j, s)| {
                                *j != *index && s.held.iter().any(|h| h.load(Relaxed) == object)
                            })
                            .map(|(j, _)| label(j))
                            .collect();
                        if !holders.is_empty() {
                            text.push_str(&format!(" (held by {})", holders.join(", ")));
                        }
                    }
                    at.push(text);
                }
                _ => {
                    let steps = slot.steps();
                    let spinning = !steps.is_empty() && steps.iter().all(|s| !s.progresses());
                    let spun_on = steps
                        .iter()
                        .rev()
                        .find(|s| s.op == Op::Load || s.op == Op::Cas);
                    match spun_on {
                        Some(raw) if spinning => at.push(format!(
                            "{who} spinning on {}",
                            names.name(raw.op.object(), raw.object)
                        )),
                        _ => at.push(format!("{who} running")),
                    }
                }
            }
        }
        at
    }

    /// The trace of the round: its seed and number, then each recorded
    /// thread's last steps (its ring, and the operation it is in), one
    /// block per thread, main first. Names objects in `names` in order of
    /// first appearance, thread by thread.
    pub(crate) fn trace(
        &self,
        seed: Option<u64>,
        names: &mut Names,
        label: &dyn Fn(usize) -> String,
    ) -> String {
        let mut out = match seed {
            Some(seed) => format!(
                "perturbed real threads, seed {seed}, round {}",
                self.round + 1
            ),
            None => format!("real threads (not perturbed), round {}", self.round + 1),
        };
        for (index, slot) in self.slots.iter().enumerate() {
            let state = slot.state.load(Acquire);
            if state == UNUSED {
                continue;
            }
            let pushed = slot.pushed.load(Acquire);
            let steps = slot.steps();
            let mut block = format!("\n{}:", label(index));
            if pushed > steps.len() as u64 {
                block.push_str(&format!(" (last {} of {pushed} steps)", steps.len()));
            }
            for raw in &steps {
                block.push_str("\n  ");
                block.push_str(&text::describe(raw, names));
            }
            match Op::from_code(slot.doing.load(Acquire)) {
                Some(op) if state == LIVE => {
                    block.push_str(&format!(
                        "\n  in {}",
                        text::describe_pending(op, slot.object.load(Relaxed), names)
                    ));
                }
                _ if state == FINISHED => block.push_str("\n  (finished)"),
                _ => {}
            }
            out.push_str(&block);
        }
        out
    }

    /// Takes `delay` from the round's budget: the delay to make, if the
    /// budget had room for it.
    fn spend(&self, delay: Delay) -> Delay {
        match delay {
            Delay::Sleep(d) => {
                let ns = i64::try_from(d.as_nanos()).unwrap_or(i64::MAX);
                if self.budget.fetch_sub(ns, Relaxed) > 0 {
                    delay
                } else {
                    Delay::None
                }
            }
            other => other,
        }
    }
}

impl Here {
    fn slot(&self) -> &Slot {
        &self.recording.slots[self.index]
    }

    /// Before `op` on `object`: unwind if the round was abandoned, perhaps
    /// delay (a perturbed round), then mark the operation in progress.
    fn enter(&self, op: Op) {
        if !matches!(op, Op::Unlock | Op::ReadUnlock | Op::WriteUnlock)
            && self.recording.abandoned.load(Relaxed)
        {
            std::panic::resume_unwind(Box::new(Abandoned));
        }
        if op != Op::Spin {
            let decision = self.decider.borrow_mut().as_mut().map(Decider::decide);
            match decision.map(|d| self.recording.spend(d)) {
                Some(Delay::Yield) => std::thread::yield_now(),
                Some(Delay::Sleep(d)) => std::thread::sleep(d),
                _ => {}
            }
        }
    }

    fn mark(&self, op: Op, object: usize) {
        let slot = self.slot();
        slot.object.store(object, Relaxed);
        slot.doing.store(op as u8, Release);
    }

    /// After the operation: record its step, count it, note a lock taken
    /// or let go.
    fn exit(&self, raw: &Raw) {
        let slot = self.slot();
        if raw.ok && super::acquires(raw.op) {
            slot.hold(raw.object);
        }
        if matches!(raw.op, Op::Unlock | Op::ReadUnlock | Op::WriteUnlock) {
            slot.release(raw.object);
        }
        if raw.op == Op::Spin {
            // The attempt since the last spin failed: whatever it changed
            // was no progress.
            self.pending.set(0);
            self.since_spin.set(0);
        } else {
            slot.push(raw);
            self.since_spin.set(self.since_spin.get() + 1);
            if raw.progresses() {
                self.pending.set(self.pending.get() + 1);
            }
            if self.since_spin.get() >= OUT_OF_SPIN || raw.op.blocks() {
                let progress = slot.progress.load(Relaxed) + self.pending.replace(0);
                slot.progress.store(progress, Relaxed);
            }
        }
        slot.done.store(slot.done.load(Relaxed) + 1, Relaxed);
        slot.doing.store(0, Release);
    }
}

/// The installed `Here` of the calling thread.
#[inline]
fn here() -> Option<&'static Here> {
    let here = HERE.with(Cell::get);
    // SAFETY: `HERE` is non-null only while `KEEP` holds the box it points
    // to, and only this thread's `Installed` (which nulls `HERE` first)
    // empties `KEEP`; the reference does not outlive the facade operation
    // that asked for it, which runs on this thread before any uninstall.
    unsafe { here.as_ref() }
}

/// Runs `call` as operation `op` on `object` of the calling thread's
/// recording, if any.
#[inline]
pub(crate) fn around<R>(
    op: Op,
    object: usize,
    call: impl FnOnce() -> R,
    after: impl FnOnce(&R, &mut Raw),
) -> R {
    let Some(here) = here() else {
        return call();
    };
    here.enter(op);
    here.mark(op, object);
    let result = call();
    let mut raw = Raw::new(op, object);
    after(&result, &mut raw);
    here.exit(&raw);
    result
}

/// Runs `call`, a condition-variable wait (`op`: `Wait` or `WaitTimeout`)
/// on `condvar` that lets `mutex` go while it sleeps: the step `wait c0`
/// before, `woke c0` after (`timed_out` says whether it timed out).
pub(crate) fn wait<R>(
    op: Op,
    condvar: usize,
    mutex: usize,
    call: impl FnOnce() -> R,
    timed_out: impl FnOnce(&R) -> bool,
) -> R {
    let Some(here) = here() else {
        return call();
    };
    here.enter(op);
    let slot = here.slot();
    slot.push(&Raw::new(op, condvar));
    slot.release(mutex);
    here.mark(op, condvar);
    let result = call();
    let mut woke = Raw::new(Op::Woke, condvar);
    woke.ok = !timed_out(&result);
    slot.hold(mutex);
    here.exit(&woke);
    result
}
