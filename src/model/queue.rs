//! The bounded queue: producers and consumers, close, task_done / join.
//!
//! Specification (as Python's `queue.Queue` / `JoinableQueue`, plus close):
//! - `put` blocks while the queue is full; `get` blocks while it is empty.
//! - `try_put` / `try_get` never block; `put_timeout` / `get_timeout` block
//!   at most the timeout. A refused put hands the item back.
//! - `close`: later puts fail and hand the item back; gets drain what is
//!   left, then report [`Closed`]; every blocked put and get wakes.
//! - `task_done` marks one taken item processed; called more often than
//!   items were taken it is an error. `join` returns once every item put
//!   was taken and marked done.
//!
//! Invariants (checked by [`crate::check::queue`]): nothing lost or
//! duplicated; FIFO per producer; length never above capacity; nobody left
//! blocked after close; no pop from an empty queue.
//!
//! One implementation, [`CondvarQueue`], with four disciplines side by side:
//! the correct one and three classic bugs.

use crate::sync::{Backend, Condvar, Mutex, MutexGuard};
use crate::workload::probe::Probe;
use std::collections::VecDeque;
use std::fmt::Debug;
use std::marker::PhantomData;
use std::time::{Duration, Instant};

/// A put refused because the queue is closed; the item comes back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Closed<T>(pub T);

/// Why `try_put` refused; the item comes back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TryPutError<T> {
    /// The queue holds its capacity.
    Full(T),
    /// The queue is closed.
    Closed(T),
}

/// Why `put_timeout` refused; the item comes back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PutTimeoutError<T> {
    /// The queue stayed full for the whole timeout.
    Timeout(T),
    /// The queue is closed.
    Closed(T),
}

/// Why a get returned no item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GetError {
    /// `try_get` on an empty, open queue.
    Empty,
    /// `get_timeout` ran out of time.
    Timeout,
    /// Closed and drained: nothing will ever come.
    Closed,
}

/// `task_done` called more often than items were taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaskDoneTooOften;

impl std::fmt::Display for TaskDoneTooOften {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("task_done() called more times than items were taken")
    }
}

impl std::error::Error for TaskDoneTooOften {}

/// The queue's length, as the trace names it (written at every push and
/// pop, so a trace shows what each thread left behind).
pub const LEN: &str = "len";

/// The message a broken queue panics with when it pops an empty deque
/// (Python's `IndexError: pop from an empty deque`).
pub const POP_FROM_EMPTY: &str = "pop from empty queue";

/// The bounded queue's operations.
pub trait BoundedQueue<T: Send>: Send + Sync {
    /// The most items the queue may hold.
    fn capacity(&self) -> usize;
    /// Appends `item`, blocking while the queue is full; once the queue is
    /// closed, returns the item in [`Closed`].
    fn put(&self, item: T) -> Result<(), Closed<T>>;
    /// Appends `item` if there is room now, never blocking; otherwise returns
    /// it in [`TryPutError::Full`] or [`TryPutError::Closed`].
    fn try_put(&self, item: T) -> Result<(), TryPutError<T>>;
    /// [`BoundedQueue::put`] blocking at most `timeout` (cut at
    /// [`LONGEST_WAIT`](crate::os::LONGEST_WAIT), a year); the item comes
    /// back in [`PutTimeoutError::Timeout`] if the queue stayed full.
    fn put_timeout(&self, item: T, timeout: Duration) -> Result<(), PutTimeoutError<T>>;
    /// Takes the oldest item, blocking while the queue is empty and open;
    /// [`GetError::Closed`] once it is closed and drained.
    fn get(&self) -> Result<T, GetError>;
    /// Takes the oldest item if there is one now, never blocking;
    /// [`GetError::Empty`] if the open queue is empty.
    fn try_get(&self) -> Result<T, GetError>;
    /// [`BoundedQueue::get`] blocking at most `timeout` (cut at
    /// [`LONGEST_WAIT`](crate::os::LONGEST_WAIT)); [`GetError::Timeout`] if
    /// nothing came.
    fn get_timeout(&self, timeout: Duration) -> Result<T, GetError>;
    /// Closes the queue: later puts are refused, gets drain what is left, and
    /// every blocked put and get wakes.
    fn close(&self);
    /// Whether [`BoundedQueue::close`] was called.
    fn is_closed(&self) -> bool;
    /// Marks one taken item processed; [`TaskDoneTooOften`] if every taken
    /// item already was.
    fn task_done(&self) -> Result<(), TaskDoneTooOften>;
    /// Blocks until every item put has been taken and marked done.
    fn join(&self);
    /// [`BoundedQueue::join`] for at most `timeout`; true if all were done.
    fn join_timeout(&self, timeout: Duration) -> bool;
    /// The number of items held. Approximate under concurrency, as in Python:
    /// it may be stale by the time the caller reads it.
    fn len(&self) -> usize;
    /// Whether the queue holds no item (as approximate as [`BoundedQueue::len`]).
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Whether the queue holds its capacity (as approximate as
    /// [`BoundedQueue::len`]).
    fn is_full(&self) -> bool {
        self.len() >= self.capacity()
    }
    /// The most items the queue ever held at once.
    fn high_water(&self) -> usize;
}

/// A queue implementation the checkers can build on any backend.
pub trait QueueImpl<B: Backend, T: Send + Debug + 'static>: BoundedQueue<T> + 'static {
    /// An empty, open queue holding at most `capacity` items (at least 1),
    /// its steps recorded by `probe`.
    fn new(capacity: usize, probe: Probe) -> Self;
}

/// How a [`CondvarQueue`] waits and checks. One marker type per discipline.
pub trait Discipline: Send + Sync + 'static {
    /// The strategy's name on the command line and in reports.
    const NAME: &'static str;
    /// Re-check the condition in a `while` loop after every wakeup.
    const WHILE_LOOP: bool = true;
    /// Producers and consumers sleep on one condition variable.
    const ONE_CONDVAR: bool = false;
    /// A producer checks for room, releases the lock, then pushes.
    const CHECK_OUTSIDE_LOCK: bool = false;
}

/// The correct queue: one mutex, two condition variables (`not_full` for
/// producers, `not_empty` for consumers), every wait in a `while` loop.
pub struct WhileLoop;
impl Discipline for WhileLoop {
    const NAME: &'static str = "condvar";
}

/// Waits with `if` instead of `while`. Broken: a woken consumer does not
/// look again, but another consumer may have taken the item between the
/// notify and the wakeup (and condvars may wake spuriously): it pops from
/// an empty queue. The same on the put side exceeds the capacity.
pub struct IfNotWhile;
impl Discipline for IfNotWhile {
    const NAME: &'static str = "condvar-if";
    const WHILE_LOOP: bool = false;
}

/// One condition variable for both sides, woken with `notify_one`. Broken:
/// a notify meant for a consumer can wake another producer, which goes back
/// to sleep; the wakeup is lost and, with everyone asleep, the program
/// deadlocks.
pub struct OneCondvar;
impl Discipline for OneCondvar {
    const NAME: &'static str = "one-condvar";
    const ONE_CONDVAR: bool = true;
}

/// Checks for room under the lock, releases it, then pushes. Broken: two
/// producers both see the last free slot and both push; the queue holds
/// more than its capacity.
pub struct CheckOutsideLock;
impl Discipline for CheckOutsideLock {
    const NAME: &'static str = "unlocked-capacity";
    const CHECK_OUTSIDE_LOCK: bool = true;
}

struct State<T> {
    items: VecDeque<T>,
    closed: bool,
    /// Items put and not yet marked done (`join` waits for 0).
    unfinished: usize,
    /// Items taken and not yet marked done (`task_done` refuses at 0).
    in_progress: usize,
    high_water: usize,
}

/// A bounded queue on the backend's mutex and condition variables, with
/// the waiting discipline `D`.
pub struct CondvarQueue<B: Backend, T: Send, D: Discipline> {
    capacity: usize,
    state: Mutex<B, State<T>>,
    not_empty: Condvar<B>,
    not_full: Condvar<B>,
    all_done: Condvar<B>,
    probe: Probe,
    _discipline: PhantomData<D>,
}

/// Which side waits.
#[derive(Clone, Copy)]
enum Side {
    Producer,
    Consumer,
}

type Guard<'a, B, T> = MutexGuard<'a, B, State<T>>;

impl<B: Backend, T: Send + Debug, D: Discipline> CondvarQueue<B, T, D> {
    fn condvar(&self, side: Side) -> (&Condvar<B>, &'static str) {
        match side {
            _ if D::ONE_CONDVAR => (&self.not_empty, "changed"),
            Side::Producer => (&self.not_full, "not_full"),
            Side::Consumer => (&self.not_empty, "not_empty"),
        }
    }

    fn ready(&self, state: &State<T>, side: Side) -> bool {
        state.closed
            || match side {
                Side::Producer => state.items.len() < self.capacity,
                Side::Consumer => !state.items.is_empty(),
            }
    }

    /// Waits until `side` may go on, or `deadline` passes (false then).
    /// `D::WHILE_LOOP == false` is the bug: one wait, no second look.
    fn wait_ready<'a>(
        &self,
        mut state: Guard<'a, B, T>,
        side: Side,
        deadline: Option<Instant>,
    ) -> (Guard<'a, B, T>, bool) {
        let (cv, name) = self.condvar(side);
        while !self.ready(&state, side) {
            self.probe.wait(name);
            state = match deadline {
                None => cv.wait(state),
                Some(deadline) => {
                    let now = Instant::now();
                    if now >= deadline {
                        self.probe.woke(name);
                        return (state, false);
                    }
                    let (state, timed_out) = cv.wait_timeout(state, deadline - now);
                    if timed_out && !self.ready(&state, side) {
                        self.probe.woke(name);
                        return (state, false);
                    }
                    state
                }
            };
            self.probe.woke(name);
            if !D::WHILE_LOOP {
                break;
            }
        }
        (state, true)
    }

    fn wake(&self, side: Side) {
        let (cv, name) = self.condvar(side);
        self.probe.notify(name, false);
        cv.notify_one();
    }

    /// Pushes under the lock (the caller has decided there is room).
    fn push(&self, state: &mut State<T>, item: T) {
        state.items.push_back(item);
        self.probe.write(LEN, state.items.len() as i64);
        state.unfinished += 1;
        state.high_water = state.high_water.max(state.items.len());
        self.wake(Side::Consumer);
    }

    fn put_until(&self, item: T, deadline: Option<Instant>) -> Result<(), PutTimeoutError<T>> {
        self.probe.call(|| format!("put({item:?})"));
        let mut state = self.state.lock();
        let (state_after, in_time) = self.wait_ready(state, Side::Producer, deadline);
        state = state_after;
        let result = if state.closed {
            Err(PutTimeoutError::Closed(item))
        } else if !in_time {
            Err(PutTimeoutError::Timeout(item))
        } else if D::CHECK_OUTSIDE_LOCK {
            // The room we saw is only a memory once the lock is gone.
            self.probe.read(LEN, state.items.len() as i64);
            drop(state);
            self.probe.window();
            state = self.state.lock();
            if state.closed {
                Err(PutTimeoutError::Closed(item))
            } else {
                self.push(&mut state, item);
                Ok(())
            }
        } else {
            self.push(&mut state, item);
            Ok(())
        };
        self.probe.ret(
            || "put".to_string(),
            || {
                match &result {
                    Ok(()) => "ok",
                    Err(PutTimeoutError::Closed(_)) => "closed",
                    Err(PutTimeoutError::Timeout(_)) => "timeout",
                }
                .to_string()
            },
        );
        result
    }

    fn get_until(&self, deadline: Option<Instant>) -> Result<T, GetError> {
        self.probe.call(|| "get".to_string());
        let state = self.state.lock();
        let (mut state, in_time) = self.wait_ready(state, Side::Consumer, deadline);
        let result = match state.items.pop_front() {
            Some(item) => {
                self.probe.write(LEN, state.items.len() as i64);
                state.in_progress += 1;
                self.wake(Side::Producer);
                Ok(item)
            }
            None if state.closed => Err(GetError::Closed),
            None if !in_time => Err(GetError::Timeout),
            None => {
                drop(state);
                panic!("{POP_FROM_EMPTY}");
            }
        };
        self.probe.ret(
            || "get".to_string(),
            || match &result {
                Ok(item) => format!("{item:?}"),
                Err(e) => format!("{e:?}").to_lowercase(),
            },
        );
        result
    }
}

impl<B: Backend, T: Send + Debug, D: Discipline> BoundedQueue<T> for CondvarQueue<B, T, D> {
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
            Err(TryPutError::Closed(item))
        } else if state.items.len() >= self.capacity {
            Err(TryPutError::Full(item))
        } else {
            self.push(&mut state, item);
            Ok(())
        }
    }

    fn put_timeout(&self, item: T, timeout: Duration) -> Result<(), PutTimeoutError<T>> {
        self.put_until(item, Some(crate::os::deadline(timeout)))
    }

    fn get(&self) -> Result<T, GetError> {
        self.get_until(None)
    }

    fn try_get(&self) -> Result<T, GetError> {
        let mut state = self.state.lock();
        match state.items.pop_front() {
            Some(item) => {
                self.probe.write(LEN, state.items.len() as i64);
                state.in_progress += 1;
                self.wake(Side::Producer);
                Ok(item)
            }
            None if state.closed => Err(GetError::Closed),
            None => Err(GetError::Empty),
        }
    }

    fn get_timeout(&self, timeout: Duration) -> Result<T, GetError> {
        self.get_until(Some(crate::os::deadline(timeout)))
    }

    fn close(&self) {
        self.probe.call(|| "close".to_string());
        let mut state = self.state.lock();
        state.closed = true;
        for (cv, name) in [(&self.not_empty, "not_empty"), (&self.not_full, "not_full")] {
            self.probe.notify(name, true);
            cv.notify_all();
        }
        if D::ONE_CONDVAR {
            self.probe.notify("changed", true);
        }
    }

    fn is_closed(&self) -> bool {
        self.state.lock().closed
    }

    fn task_done(&self) -> Result<(), TaskDoneTooOften> {
        let mut state = self.state.lock();
        if state.in_progress == 0 {
            return Err(TaskDoneTooOften);
        }
        state.in_progress -= 1;
        state.unfinished -= 1;
        if state.unfinished == 0 {
            self.probe.notify("all_done", true);
            self.all_done.notify_all();
        }
        Ok(())
    }

    fn join(&self) {
        let mut state = self.state.lock();
        while state.unfinished > 0 {
            self.probe.wait("all_done");
            state = self.all_done.wait(state);
            self.probe.woke("all_done");
        }
    }

    fn join_timeout(&self, timeout: Duration) -> bool {
        let deadline = crate::os::deadline(timeout);
        let mut state = self.state.lock();
        while state.unfinished > 0 {
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            state = self.all_done.wait_timeout(state, deadline - now).0;
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

impl<B: Backend, T: Send + Debug + 'static, D: Discipline> QueueImpl<B, T>
    for CondvarQueue<B, T, D>
{
    fn new(capacity: usize, probe: Probe) -> Self {
        assert!(
            capacity > 0,
            "a bounded queue needs a capacity of at least 1"
        );
        CondvarQueue {
            capacity,
            state: Mutex::new(State {
                items: VecDeque::with_capacity(capacity),
                closed: false,
                unfinished: 0,
                in_progress: 0,
                high_water: 0,
            }),
            not_empty: Condvar::new(),
            not_full: Condvar::new(),
            all_done: Condvar::new(),
            probe,
            _discipline: PhantomData,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::Std;

    /// A timeout past any deadline racelab keeps (`Duration::MAX`) is cut
    /// at `os::LONGEST_WAIT`, as the process queues cut it: the deadline
    /// no longer overflows and panics before the queue is even looked at.
    #[test]
    fn the_longest_timeouts_wait_a_year_at_most_and_never_overflow() {
        let q = <CondvarQueue<Std, u32, WhileLoop> as QueueImpl<Std, u32>>::new(1, Probe::none());
        assert_eq!(q.put_timeout(7, Duration::MAX), Ok(()));
        assert_eq!(q.get_timeout(Duration::MAX), Ok(7));
        assert_eq!(q.task_done(), Ok(()));
        assert!(q.join_timeout(Duration::MAX));
    }
}
