//! Check a bounded queue of your own: `cargo run --example check_queue`.
//!
//! Implement `BoundedQueue` (put, try_put, put_timeout, get, try_get,
//! get_timeout, close, task_done, join, ...) and `QueueImpl` for a type
//! generic over the backend and the item, then `racelab::queue!(YourType)`:
//! producers and consumers run against it on loom, real threads and
//! shuttle, and every item must arrive once, in each producer's order,
//! with the queue never over capacity and `join` returning only when every
//! item is done.

use racelab::check::ViolationKind;
use racelab::model::queue::*;
use racelab::sync::{Backend, Condvar, Mutex, MutexGuard};
use racelab::tier::Tier;
use racelab::workload::probe::Probe;
use std::collections::VecDeque;
use std::fmt::Debug;
use std::time::{Duration, Instant};

struct State<T> {
    items: VecDeque<T>,
    closed: bool,
    /// Items taken and not yet marked done, plus items queued.
    unfinished: usize,
    high_water: usize,
}

/// One mutex, three condition variables. `LIFO` pops the newest item: a
/// stack, not a queue.
pub struct MyQueue<B: Backend, T: Send, const LIFO: bool> {
    state: Mutex<B, State<T>>,
    not_empty: Condvar<B>,
    not_full: Condvar<B>,
    all_done: Condvar<B>,
    capacity: usize,
}

/// The correct queue.
pub type Fifo<B, T> = MyQueue<B, T, false>;
/// The broken one.
pub type Lifo<B, T> = MyQueue<B, T, true>;

impl<B: Backend, T: Send, const LIFO: bool> MyQueue<B, T, LIFO> {
    /// Waits on `cv` while `blocked` holds, until `deadline` (None: for ever).
    /// False if the deadline passed first.
    fn wait_while<'a>(
        &self,
        cv: &Condvar<B>,
        mut guard: MutexGuard<'a, B, State<T>>,
        deadline: Option<Instant>,
        blocked: impl Fn(&State<T>) -> bool,
    ) -> (MutexGuard<'a, B, State<T>>, bool) {
        while blocked(&guard) {
            match deadline {
                None => guard = cv.wait(guard),
                Some(deadline) => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return (guard, false);
                    }
                    guard = cv.wait_timeout(guard, left).0;
                }
            }
        }
        (guard, true)
    }

    fn put_until(&self, item: T, deadline: Option<Instant>) -> Result<(), PutTimeoutError<T>> {
        let cap = self.capacity;
        let guard = self.state.lock();
        let (mut s, ready) = self.wait_while(&self.not_full, guard, deadline, |s| {
            !s.closed && s.items.len() >= cap
        });
        if s.closed {
            return Err(PutTimeoutError::Closed(item));
        }
        if !ready {
            return Err(PutTimeoutError::Timeout(item));
        }
        s.items.push_back(item);
        s.unfinished += 1;
        s.high_water = s.high_water.max(s.items.len());
        drop(s);
        self.not_empty.notify_one();
        Ok(())
    }

    fn get_until(&self, deadline: Option<Instant>) -> Result<T, GetError> {
        let guard = self.state.lock();
        let (mut s, _) = self.wait_while(&self.not_empty, guard, deadline, |s| {
            !s.closed && s.items.is_empty()
        });
        let item = if LIFO {
            s.items.pop_back()
        } else {
            s.items.pop_front()
        };
        match item {
            Some(item) => {
                drop(s);
                self.not_full.notify_one();
                Ok(item)
            }
            None if s.closed => Err(GetError::Closed),
            None => Err(GetError::Timeout),
        }
    }
}

fn deadline(timeout: Duration) -> Option<Instant> {
    Some(Instant::now() + timeout.min(Duration::from_secs(365 * 24 * 3600)))
}

impl<B: Backend, T: Send, const LIFO: bool> BoundedQueue<T> for MyQueue<B, T, LIFO> {
    fn capacity(&self) -> usize {
        self.capacity
    }
    fn put(&self, item: T) -> Result<(), Closed<T>> {
        self.put_until(item, None).map_err(|e| match e {
            PutTimeoutError::Closed(item) | PutTimeoutError::Timeout(item) => Closed(item),
        })
    }
    fn try_put(&self, item: T) -> Result<(), TryPutError<T>> {
        self.put_until(item, deadline(Duration::ZERO))
            .map_err(|e| match e {
                PutTimeoutError::Closed(item) => TryPutError::Closed(item),
                PutTimeoutError::Timeout(item) => TryPutError::Full(item),
            })
    }
    fn put_timeout(&self, item: T, timeout: Duration) -> Result<(), PutTimeoutError<T>> {
        self.put_until(item, deadline(timeout))
    }
    fn get(&self) -> Result<T, GetError> {
        self.get_until(None)
    }
    fn try_get(&self) -> Result<T, GetError> {
        self.get_until(deadline(Duration::ZERO))
            .map_err(|e| match e {
                GetError::Timeout => GetError::Empty,
                other => other,
            })
    }
    fn get_timeout(&self, timeout: Duration) -> Result<T, GetError> {
        self.get_until(deadline(timeout))
    }
    fn close(&self) {
        self.state.lock().closed = true;
        self.not_empty.notify_all();
        self.not_full.notify_all();
    }
    fn is_closed(&self) -> bool {
        self.state.lock().closed
    }
    fn task_done(&self) -> Result<(), TaskDoneTooOften> {
        let mut s = self.state.lock();
        // Only taken items can be done: queued ones are not yet.
        if s.unfinished <= s.items.len() {
            return Err(TaskDoneTooOften);
        }
        s.unfinished -= 1;
        if s.unfinished == 0 {
            self.all_done.notify_all();
        }
        Ok(())
    }
    fn join(&self) {
        let guard = self.state.lock();
        let _ = self.wait_while(&self.all_done, guard, None, |s| s.unfinished > 0);
    }
    fn join_timeout(&self, timeout: Duration) -> bool {
        let guard = self.state.lock();
        self.wait_while(&self.all_done, guard, deadline(timeout), |s| {
            s.unfinished > 0
        })
        .1
    }
    fn len(&self) -> usize {
        self.state.lock().items.len()
    }
    fn high_water(&self) -> usize {
        self.state.lock().high_water
    }
}

impl<B: Backend, T: Send + Debug + 'static, const LIFO: bool> QueueImpl<B, T>
    for MyQueue<B, T, LIFO>
{
    fn new(capacity: usize, _: Probe) -> Self {
        MyQueue {
            state: Mutex::new(State {
                items: VecDeque::new(),
                closed: false,
                unfinished: 0,
                high_water: 0,
            }),
            not_empty: Condvar::new(),
            not_full: Condvar::new(),
            all_done: Condvar::new(),
            capacity: capacity.max(1),
        }
    }
}

fn main() {
    println!("{}", racelab::queue!(Fifo).assert_holds());
    let report = racelab::queue!(Lifo)
        .tiers(&[Tier::Loom, Tier::Shuttle])
        .assert_violated(ViolationKind::FifoBroken);
    println!("{report}");
}

#[test]
fn runs() {
    main()
}
