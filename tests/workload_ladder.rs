//! Plans grown from the smallest: user-style bugs that the smallest plan
//! of each model cannot show are found on a later rung of its loom ladder,
//! and the climb stops there (the smallest failing plan); a correct
//! implementation climbs the whole ladder and holds; a spent budget is
//! inconclusive, never "holds". The bugs here use Acquire/Release, not
//! SeqCst: loom weakens SeqCst, and reports a failure it found in a SeqCst
//! execution as inconclusive (shuttle confirms or refutes it).

mod common;

use racelab::check::ViolationKind::{self, FifoBroken, LostUpdate, SoldTwice};
use racelab::lock::MutexLock;
use racelab::model::counter::{Counter, CounterImpl};
use racelab::model::queue::{
    BoundedQueue, Closed, CondvarQueue, GetError, PutTimeoutError, QueueImpl, TaskDoneTooOften,
    TryPutError, WhileLoop,
};
use racelab::model::tickets::{Buyer, LockedOffice, SoldOut, Ticket, TicketOffice, TicketsImpl};
use racelab::sync::{AtomicWord, Backend, Condvar, Loom, Mutex, Ordering::*};
use racelab::tier::loom::{self, LoomConfig};
use racelab::tier::{Limit, Outcome, Verdict, Work};
use racelab::workload::counter::{self, CounterPlan};
use racelab::workload::ladder::{Rung, climb};
use racelab::workload::probe::Probe;
use racelab::workload::queue::{self, Msg, QueuePlan};
use racelab::workload::tickets::{self, TicketsPlan};
use racelab::workload::{Form, Workload};
use std::time::Duration;

const BUDGET: Duration = Duration::from_secs(300);

/// Climbs `ladder` under loom with `form`.
fn climb_loom<P: Workload>(form: Form<Loom, P>, ladder: &[Rung<P>]) -> (P, Outcome, usize) {
    climb(ladder, BUDGET, |plan, bound, left| {
        let config = LoomConfig {
            max_duration: left,
            ..LoomConfig::bounded(bound)
        };
        loom::run(form, plan, &config).outcome
    })
}

fn caught_on_rung<P: Workload>(found: &(P, Outcome, usize), rung: usize, kind: ViolationKind) {
    let (plan, outcome, rungs) = found;
    assert!(
        outcome.violations.iter().any(|v| v.kind == kind),
        "expected {kind} on rung {rung}, got {:?} on rung {rungs}",
        outcome.violations
    );
    assert_eq!(*rungs, rung, "the smallest failing plan is rung {rung}");
    println!(
        "caught on rung {rungs} ({}): {}",
        plan.threads(),
        outcome.violations[0]
    );
}

/// A counter with a fast path: the first increment (from 0) uses a
/// compare-exchange loop, later ones a plain read and write, "since the
/// counter is warm by then". Two threads of one increment never race on
/// the fast path; two increments each do.
struct WarmFastPath<B: Backend>(B::AtomicI64);

impl<B: Backend> Counter for WarmFastPath<B> {
    fn increment(&self) {
        loop {
            let seen = self.0.load(Acquire);
            if seen != 0 {
                self.0.store(seen + 1, Release); // the race
                return;
            }
            if self.0.compare_exchange(0, 1, AcqRel, Acquire).is_ok() {
                return;
            }
        }
    }
    fn decrement(&self) {
        self.0.fetch_sub(1, AcqRel);
    }
    fn get(&self) -> i64 {
        self.0.load(Acquire)
    }
}

impl<B: Backend> CounterImpl<B> for WarmFastPath<B> {
    fn new(_probe: Probe) -> Self {
        WarmFastPath(B::AtomicI64::new(0))
    }
}

#[test]
fn counter_racing_after_its_first_increment_is_caught_on_the_second_rung() {
    let found = climb_loom(
        counter::form::<Loom, WarmFastPath<Loom>>(),
        &CounterPlan::loom_ladder(),
    );
    caught_on_rung(&found, 2, LostUpdate);
}

/// An office that reads the next seat number before taking the lock: with
/// one seat every buyer reads seat 0 and only the first gets it; with two,
/// two buyers both sell seat 0.
struct SeatReadOutsideLock<B: Backend> {
    next_seat: B::AtomicUsize,
    books: Mutex<B, (i64, Vec<Option<Buyer>>)>,
}

impl<B: Backend> TicketOffice for SeatReadOutsideLock<B> {
    fn search(&self) -> i64 {
        self.books.lock().0
    }
    fn buy(&self, buyer: Buyer) -> Result<Ticket, SoldOut> {
        let seat = self.next_seat.load(Acquire); // the bug: outside the lock
        let mut books = self.books.lock();
        if books.0 <= 0 {
            return Err(SoldOut);
        }
        books.0 -= 1;
        books.1[seat] = Some(buyer);
        self.next_seat.fetch_add(1, AcqRel);
        Ok(Ticket { seat, buyer })
    }
    fn capacity(&self) -> usize {
        self.books.lock().1.len()
    }
    fn ledger(&self) -> Vec<Option<Buyer>> {
        self.books.lock().1.clone()
    }
}

impl<B: Backend> TicketsImpl<B> for SeatReadOutsideLock<B> {
    fn new(capacity: usize, _probe: Probe) -> Self {
        SeatReadOutsideLock {
            next_seat: B::AtomicUsize::new(0),
            books: Mutex::new((capacity as i64, vec![None; capacity])),
        }
    }
}

#[test]
fn seat_number_read_outside_the_lock_is_caught_on_the_second_rung() {
    let found = climb_loom(
        tickets::form::<Loom, SeatReadOutsideLock<Loom>>(),
        &TicketsPlan::loom_ladder(),
    );
    caught_on_rung(&found, 2, SoldTwice);
}

/// A queue that pops the newest item (a stack): one item at a time, as
/// capacity 1 allows, it cannot be told from a queue.
struct Lifo<B: Backend> {
    capacity: usize,
    state: Mutex<B, LifoState>,
    changed: Condvar<B>,
}

#[derive(Default)]
struct LifoState {
    items: Vec<Msg>,
    closed: bool,
    taken: usize,
    unfinished: usize,
    high_water: usize,
}

impl<B: Backend> Lifo<B> {
    /// Waits while `blocked` holds (not at all with a zero timeout: then
    /// None); loom and the workload only use zero and very long timeouts.
    fn wait(
        &self,
        blocked: impl Fn(&LifoState) -> bool,
        timeout: Option<Duration>,
    ) -> Option<racelab::sync::MutexGuard<'_, B, LifoState>> {
        let mut state = self.state.lock();
        while blocked(&state) && !state.closed {
            if timeout == Some(Duration::ZERO) {
                return None;
            }
            state = self.changed.wait(state);
        }
        Some(state)
    }

    fn put_within(&self, item: Msg, timeout: Option<Duration>) -> Result<(), PutTimeoutError<Msg>> {
        let Some(mut state) = self.wait(|s| s.items.len() >= self.capacity, timeout) else {
            return Err(PutTimeoutError::Timeout(item));
        };
        if state.closed {
            return Err(PutTimeoutError::Closed(item));
        }
        state.items.push(item);
        state.unfinished += 1;
        state.high_water = state.high_water.max(state.items.len());
        self.changed.notify_all();
        Ok(())
    }

    fn get_within(&self, timeout: Option<Duration>) -> Result<Msg, GetError> {
        let Some(mut state) = self.wait(|s| s.items.is_empty(), timeout) else {
            return Err(if timeout.is_some() {
                GetError::Timeout
            } else {
                GetError::Empty
            });
        };
        let item = state.items.pop().ok_or(GetError::Closed)?; // the bug: the newest
        state.taken += 1;
        self.changed.notify_all();
        Ok(item)
    }
}

impl<B: Backend> BoundedQueue<Msg> for Lifo<B> {
    fn capacity(&self) -> usize {
        self.capacity
    }
    fn put(&self, item: Msg) -> Result<(), Closed<Msg>> {
        self.put_within(item, None).map_err(|e| match e {
            PutTimeoutError::Closed(item) | PutTimeoutError::Timeout(item) => Closed(item),
        })
    }
    fn try_put(&self, item: Msg) -> Result<(), TryPutError<Msg>> {
        self.put_within(item, Some(Duration::ZERO))
            .map_err(|e| match e {
                PutTimeoutError::Closed(item) => TryPutError::Closed(item),
                PutTimeoutError::Timeout(item) => TryPutError::Full(item),
            })
    }
    fn put_timeout(&self, item: Msg, timeout: Duration) -> Result<(), PutTimeoutError<Msg>> {
        self.put_within(item, Some(timeout))
    }
    fn get(&self) -> Result<Msg, GetError> {
        self.get_within(None)
    }
    fn try_get(&self) -> Result<Msg, GetError> {
        self.get_within(Some(Duration::ZERO)).map_err(|e| match e {
            GetError::Timeout => GetError::Empty,
            e => e,
        })
    }
    fn get_timeout(&self, timeout: Duration) -> Result<Msg, GetError> {
        self.get_within(Some(timeout))
    }
    fn close(&self) {
        self.state.lock().closed = true;
        self.changed.notify_all();
    }
    fn is_closed(&self) -> bool {
        self.state.lock().closed
    }
    fn task_done(&self) -> Result<(), TaskDoneTooOften> {
        let mut state = self.state.lock();
        if state.taken == 0 {
            return Err(TaskDoneTooOften);
        }
        state.taken -= 1;
        state.unfinished -= 1;
        self.changed.notify_all();
        Ok(())
    }
    fn join(&self) {
        let mut state = self.state.lock();
        while state.unfinished > 0 {
            state = self.changed.wait(state);
        }
    }
    fn join_timeout(&self, timeout: Duration) -> bool {
        let state = self.state.lock();
        if timeout.is_zero() || state.unfinished == 0 {
            return state.unfinished == 0;
        }
        drop(state);
        self.join();
        true
    }
    fn len(&self) -> usize {
        self.state.lock().items.len()
    }
    fn high_water(&self) -> usize {
        self.state.lock().high_water
    }
}

impl<B: Backend> QueueImpl<B, Msg> for Lifo<B> {
    fn new(capacity: usize, _probe: Probe) -> Self {
        Lifo {
            capacity,
            state: Mutex::new(LifoState::default()),
            changed: Condvar::new(),
        }
    }
}

#[test]
fn lifo_queue_is_caught_on_the_second_rung() {
    let found = climb_loom(queue::form::<Loom, Lifo<Loom>>(), &QueuePlan::loom_ladder());
    caught_on_rung(&found, 2, FifoBroken);
}

#[test]
fn correct_implementations_climb_every_ladder_and_hold() {
    let ladders: [(&str, Verdict, usize, usize); 3] = [
        {
            let ladder = CounterPlan::loom_ladder();
            let form = counter::form::<Loom, racelab::model::counter::AtomicCounter<Loom>>();
            let (_, outcome, rungs) = climb_loom(form, &ladder);
            ("counter", outcome.verdict(), rungs, ladder.len())
        },
        {
            let ladder = TicketsPlan::loom_ladder();
            let form = tickets::form::<Loom, LockedOffice<Loom, MutexLock<Loom>>>();
            let (_, outcome, rungs) = climb_loom(form, &ladder);
            ("tickets", outcome.verdict(), rungs, ladder.len())
        },
        {
            // The top two rungs (1P2C, 2P2C) are tests/loom_queue.rs's.
            let ladder = &QueuePlan::loom_ladder()[..3];
            let form = queue::form::<Loom, CondvarQueue<Loom, Msg, WhileLoop>>();
            let (_, outcome, rungs) = climb_loom(form, ladder);
            ("queue", outcome.verdict(), rungs, ladder.len())
        },
    ];
    for (model, verdict, rungs, top) in ladders {
        assert_eq!((verdict, rungs), (Verdict::Holds, top), "{model}");
    }
}

#[test]
fn a_spent_budget_is_inconclusive_and_names_the_rungs_that_held() {
    let ladder = CounterPlan::loom_ladder();
    let held = |_: &CounterPlan, bound, _| {
        Outcome::holds(Work::Executions { count: 1, bound }, Duration::ZERO)
    };
    let (plan, outcome, rungs) = climb(&ladder, Duration::ZERO, held);
    assert_eq!((plan, rungs), (ladder[0].0, 1), "only the first rung runs");
    assert_eq!(outcome.verdict(), Verdict::Inconclusive);
    assert_eq!(outcome.inconclusive.map(|i| i.limit), Some(Limit::TimeCap));
}
