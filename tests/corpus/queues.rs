//! Bounded queues, checked with `racelab::queue!` (producers and consumers
//! over a small capacity, then join, then close).
//!
//! One queue written from scratch with a mutex and three condition
//! variables, in the versions a user goes through: [`Fixed`] is correct;
//! each other version has one mistake, named by the one flag it turns on.

use super::{Entry, broken, correct};
use racelab::check::ViolationKind::*;
use racelab::model::queue::{
    BoundedQueue, Closed, GetError, PutTimeoutError, QueueImpl, TaskDoneTooOften, TryPutError,
};
use racelab::sync::{Backend, Condvar, Mutex, MutexGuard};
use racelab::workload::probe::Probe;
use std::collections::VecDeque;
use std::fmt::Debug;
use std::marker::PhantomData;
use std::time::{Duration, Instant};

/// One version of the queue: which mistake it makes, if any.
pub trait Version: Send + Sync + 'static {
    /// Pops the newest item instead of the oldest.
    const LIFO: bool = false;
    /// `try_put` on a full queue says Ok and drops the item.
    const DROP_WHEN_FULL: bool = false;
    /// `task_done` never says it was called too often.
    const UNCHECKED_TASK_DONE: bool = false;
    /// `join` waits for an empty queue, not for every item done.
    const JOIN_ON_EMPTY: bool = false;
    /// `close` wakes one waiter per side, not all.
    const CLOSE_NOTIFY_ONE: bool = false;
    /// A woken getter does not look again before it pops.
    const IF_NOT_WHILE: bool = false;
    /// Lets one item more than the capacity in.
    const OFF_BY_ONE: bool = false;
}

/// What the mutex guards.
struct State<T> {
    items: VecDeque<T>,
    closed: bool,
    /// Items taken and not yet marked done.
    taken: usize,
    /// Items put and not yet marked done.
    unfinished: usize,
    high_water: usize,
}

/// A mutex, a deque and three condition variables.
pub struct Scratch<B: Backend, T: Send, V> {
    capacity: usize,
    state: Mutex<B, State<T>>,
    not_empty: Condvar<B>,
    not_full: Condvar<B>,
    all_done: Condvar<B>,
    version: PhantomData<V>,
}

/// How long until `deadline`, or None if it passed.
fn left(deadline: Instant) -> Option<Duration> {
    deadline.checked_duration_since(Instant::now())
}

impl<B: Backend, T: Send, V: Version> Scratch<B, T, V> {
    fn room(&self, state: &State<T>) -> bool {
        let limit = self.capacity + usize::from(V::OFF_BY_ONE);
        state.items.len() < limit
    }

    /// Waits while full and open, until `deadline` if there is one; the
    /// guard, and whether the deadline passed.
    fn wait_room<'a>(
        &'a self,
        mut state: MutexGuard<'a, B, State<T>>,
        deadline: Option<Instant>,
    ) -> (MutexGuard<'a, B, State<T>>, bool) {
        while !self.room(&state) && !state.closed {
            state = match deadline {
                None => self.not_full.wait(state),
                Some(deadline) => match left(deadline) {
                    Some(wait) => self.not_full.wait_timeout(state, wait).0,
                    None => return (state, true),
                },
            };
        }
        (state, false)
    }

    fn push(&self, state: &mut State<T>, item: T) {
        state.items.push_back(item);
        state.unfinished += 1;
        state.high_water = state.high_water.max(state.items.len());
        self.not_empty.notify_one();
    }

    fn put_until(&self, item: T, deadline: Option<Instant>) -> Result<(), PutTimeoutError<T>> {
        let (mut state, timed_out) = self.wait_room(self.state.lock(), deadline);
        if state.closed {
            return Err(PutTimeoutError::Closed(item));
        }
        if timed_out {
            return Err(PutTimeoutError::Timeout(item));
        }
        self.push(&mut state, item);
        Ok(())
    }

    fn pop(&self, state: &mut State<T>) -> Option<T> {
        let item = if V::LIFO {
            // Bug (LIFO): pops the newest item.
            state.items.pop_back()
        } else {
            state.items.pop_front()
        }?;
        state.taken += 1;
        self.not_full.notify_one();
        Some(item)
    }

    fn get_until(&self, deadline: Option<Instant>) -> Result<T, GetError> {
        let mut state = self.state.lock();
        let mut waited = false;
        while state.items.is_empty() && !state.closed {
            if V::IF_NOT_WHILE && waited {
                // Bug (IF_NOT_WHILE): woken once is taken as "an item is
                // there", but another consumer may have taken it first.
                let item = self.pop(&mut state);
                return Ok(item.expect("woken, so an item is there"));
            }
            waited = true;
            state = match deadline {
                None => self.not_empty.wait(state),
                Some(deadline) => match left(deadline) {
                    Some(wait) => self.not_empty.wait_timeout(state, wait).0,
                    None => return Err(GetError::Timeout),
                },
            };
        }
        self.pop(&mut state).ok_or(GetError::Closed)
    }

    fn wake_all_on_close(&self) {
        if V::CLOSE_NOTIFY_ONE {
            // Bug (CLOSE_NOTIFY_ONE): the other waiters sleep on.
            self.not_empty.notify_one();
            self.not_full.notify_one();
        } else {
            self.not_empty.notify_all();
            self.not_full.notify_all();
        }
    }

    fn done(&self, state: &State<T>) -> bool {
        if V::JOIN_ON_EMPTY {
            // Bug (JOIN_ON_EMPTY): taken is not done.
            state.items.is_empty()
        } else {
            state.unfinished == 0
        }
    }
}

impl<B: Backend, T: Send, V: Version> BoundedQueue<T> for Scratch<B, T, V> {
    fn capacity(&self) -> usize {
        self.capacity
    }
    fn put(&self, item: T) -> Result<(), Closed<T>> {
        self.put_until(item, None).map_err(|e| match e {
            PutTimeoutError::Closed(item) | PutTimeoutError::Timeout(item) => Closed(item),
        })
    }
    fn try_put(&self, item: T) -> Result<(), TryPutError<T>> {
        let mut state = self.state.lock();
        if state.closed {
            return Err(TryPutError::Closed(item));
        }
        if !self.room(&state) {
            // Bug (DROP_WHEN_FULL): "Ok" for an item it throws away.
            return if V::DROP_WHEN_FULL {
                Ok(())
            } else {
                Err(TryPutError::Full(item))
            };
        }
        self.push(&mut state, item);
        Ok(())
    }
    fn put_timeout(&self, item: T, timeout: Duration) -> Result<(), PutTimeoutError<T>> {
        self.put_until(item, Instant::now().checked_add(timeout))
    }
    fn get(&self) -> Result<T, GetError> {
        self.get_until(None)
    }
    fn try_get(&self) -> Result<T, GetError> {
        let mut state = self.state.lock();
        let closed = state.closed;
        self.pop(&mut state).ok_or(if closed {
            GetError::Closed
        } else {
            GetError::Empty
        })
    }
    fn get_timeout(&self, timeout: Duration) -> Result<T, GetError> {
        self.get_until(Instant::now().checked_add(timeout))
    }
    fn close(&self) {
        self.state.lock().closed = true;
        self.wake_all_on_close();
    }
    fn is_closed(&self) -> bool {
        self.state.lock().closed
    }
    fn task_done(&self) -> Result<(), TaskDoneTooOften> {
        let mut state = self.state.lock();
        if state.taken == 0 && !V::UNCHECKED_TASK_DONE {
            return Err(TaskDoneTooOften);
        }
        // Bug (UNCHECKED_TASK_DONE): an extra call passes silently.
        state.taken = state.taken.saturating_sub(1);
        state.unfinished = state.unfinished.saturating_sub(1);
        if state.unfinished == 0 {
            self.all_done.notify_all();
        }
        Ok(())
    }
    fn join(&self) {
        let mut state = self.state.lock();
        while !self.done(&state) {
            state = self.all_done.wait(state);
        }
    }
    fn join_timeout(&self, timeout: Duration) -> bool {
        let deadline = Instant::now().checked_add(timeout);
        let mut state = self.state.lock();
        while !self.done(&state) {
            match deadline.and_then(left) {
                Some(wait) => state = self.all_done.wait_timeout(state, wait).0,
                None if deadline.is_some() => return false,
                None => state = self.all_done.wait(state),
            }
        }
        true
    }
    fn len(&self) -> usize {
        self.state.lock().items.len()
    }
    fn high_water(&self) -> usize {
        self.state.lock().high_water
    }
}

impl<B: Backend, T: Send + Debug + 'static, V: Version> QueueImpl<B, T> for Scratch<B, T, V> {
    fn new(capacity: usize, _: Probe) -> Self {
        Scratch {
            capacity,
            state: Mutex::new(State {
                items: VecDeque::new(),
                closed: false,
                taken: 0,
                unfinished: 0,
                high_water: 0,
            }),
            not_empty: Condvar::new(),
            not_full: Condvar::new(),
            all_done: Condvar::new(),
            version: PhantomData,
        }
    }
}

/// Declares a version: a marker type with its one mistake turned on.
macro_rules! version {
    ($name:ident $(, $flag:ident)?) => {
        #[doc = concat!("The version `", stringify!($name), "`.")]
        pub struct $name;
        impl Version for $name {
            $(const $flag: bool = true;)?
        }
    };
}
version!(Fixed);
version!(Lifo, LIFO);
version!(DropWhenFull, DROP_WHEN_FULL);
version!(UncheckedTaskDone, UNCHECKED_TASK_DONE);
version!(JoinOnEmpty, JOIN_ON_EMPTY);
version!(CloseNotifyOne, CLOSE_NOTIFY_ONE);
version!(IfNotWhile, IF_NOT_WHILE);
version!(OffByOne, OFF_BY_ONE);

/// The queue entries.
pub fn entries() -> Vec<Entry> {
    use racelab::workload::queue::Msg;
    vec![
        correct(
            "queue_scratch",
            "queue",
            "mutex + condvars, every wait in a while loop",
            || racelab::queue!(|B| Scratch<B, Msg, Fixed>),
        ),
        broken(
            "queue_lifo",
            "queue",
            "pops the newest item (pop_back)",
            &[FifoBroken],
            || racelab::queue!(|B| Scratch<B, Msg, Lifo>),
        ),
        broken(
            "queue_try_put_drops",
            "queue",
            "try_put on a full queue returns Ok and drops the item",
            &[LostItem, ContractBroken],
            || racelab::queue!(|B| Scratch<B, Msg, DropWhenFull>),
        ),
        broken(
            "queue_task_done_unchecked",
            "queue",
            "task_done never reports being called too often",
            &[ContractBroken],
            || racelab::queue!(|B| Scratch<B, Msg, UncheckedTaskDone>),
        ),
        broken(
            "queue_join_on_empty",
            "queue",
            "join returns when the queue is empty, not when every item is done",
            &[JoinEarly],
            || racelab::queue!(|B| Scratch<B, Msg, JoinOnEmpty>),
        )
        .gap(
            "under loom and shuttle the workload counts processed items off the schedule (a \
             facade counter per item ran loom's 2P2C searches into their time cap), so no \
             schedule puts join between a get and its count; real threads can",
        ),
        broken(
            "queue_close_notify_one",
            "queue",
            "close wakes one waiter, the others sleep forever",
            &[Deadlock, Hang],
            || racelab::queue!(|B| Scratch<B, Msg, CloseNotifyOne>),
        ),
        broken(
            "queue_if_not_while",
            "queue",
            "a woken getter does not recheck and unwraps an empty pop",
            &[Panicked, Assertion, PopFromEmpty, LostItem, Deadlock, Hang],
            || racelab::queue!(|B| Scratch<B, Msg, IfNotWhile>),
        ),
        broken(
            "queue_off_by_one",
            "queue",
            "lets capacity + 1 items in",
            &[CapacityExceeded],
            || racelab::queue!(|B| Scratch<B, Msg, OffByOne>),
        ),
    ]
}
