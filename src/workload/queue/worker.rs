//! The producers and consumers of the queue workload. On real threads
//! each operation is one of the contract's three shapes in turn (blocking,
//! timed, try), chosen from the worker and the item's place; under a model
//! checker only the blocking one (see [`Books`]). Every result is checked
//! against what the contract allows at that moment. A refusal the contract allows (`Full`, `Empty`, `Timeout`) falls
//! back to the blocking operation: nobody spins, so a stuck run is still
//! every worker asleep (a deadlock the probe and the checkers can name).

use super::Msg;
use crate::check::{Violation, ViolationKind};
use crate::model::queue::{BoundedQueue, Closed, GetError, PutTimeoutError, TryPutError};
use crate::sync::{AtomicWord, Backend, Ordering::SeqCst};
use crate::workload::progress::{Op, Tracker};
use std::time::Duration;

/// A timed operation's timeout in the concurrent run: it never elapses in
/// a run that is not stuck (loom and shuttle never time out; on real
/// threads a stuck run is released by closing the queue).
const PATIENCE: Duration = Duration::from_secs(3600);

/// The workload's own books, on backend `B`. Every read is a
/// read-modify-write (`fetch_add(0)`): it sees the latest value under any
/// memory model, so a check on it never blames a stale read on the queue.
///
/// Under a model checker (loom, shuttle) the books are [`Std`] atomics,
/// and under loom the workers only use the blocking put and get: each
/// facade access would be one more scheduling point per item, and loom's
/// executions multiply with them (the 2P2C searches of tests/loom_queue.rs
/// ran into loom's time cap). Both checkers run one thread at a time, so a
/// std atomic still reads the true order; it is only not a point where the
/// schedule branches.
pub(super) struct Books<B: Backend> {
    /// Items taken and counted, each before its `task_done`: `join` must
    /// not return before this reaches the total.
    pub processed: B::AtomicUsize,
    /// Item puts that returned Ok.
    puts_done: B::AtomicUsize,
    /// Gets begun, less those that returned no item.
    gets_begun: B::AtomicUsize,
    /// 1 once the queue is about to be closed (by main, or to release a
    /// stuck run): a `Closed` before that breaks the contract.
    closing: B::AtomicUsize,
    /// How many shapes of each operation the workers take in turn: the
    /// blocking one only, or also the timed and the try ones.
    shapes: usize,
}

impl<B: Backend> Books<B> {
    /// Books for workers that take `shapes` shapes of each operation in turn.
    pub fn new(shapes: usize) -> Self {
        Books {
            processed: B::AtomicUsize::new(0),
            puts_done: B::AtomicUsize::new(0),
            gets_begun: B::AtomicUsize::new(0),
            closing: B::AtomicUsize::new(0),
            shapes,
        }
    }

    /// The latest value of `word`.
    pub fn read(word: &B::AtomicUsize) -> usize {
        word.fetch_add(0, SeqCst)
    }

    /// Closes `queue`, noting first that a `Closed` is now allowed.
    pub fn close(&self, queue: &dyn BoundedQueue<Msg>) {
        self.closing.store(1, SeqCst);
        queue.close();
    }

    fn closing(&self) -> bool {
        Self::read(&self.closing) > 0
    }
}

fn broken(evidence: String) -> Violation {
    Violation::new(ViolationKind::ContractBroken, evidence)
}

/// Producer `producer` puts its `items`; returns what broke the contract.
pub(super) fn produce<B: Backend>(
    queue: &dyn BoundedQueue<Msg>,
    books: &Books<B>,
    producer: u32,
    items: usize,
    track: &Tracker,
) -> Vec<Violation> {
    let mut found = Vec::new();
    let capacity = queue.capacity();
    for seq in 0..items as u32 {
        let item = Msg::Item { producer, seq };
        let shape = (producer as usize + seq as usize) % books.shapes;
        let (result, name) = track.run(Op::Put, || put(queue, item, shape));
        match result {
            Ok(()) => {
                let done = books.puts_done.fetch_add(1, SeqCst) + 1;
                let begun = Books::<B>::read(&books.gets_begun);
                if done > begun + capacity {
                    found.push(Violation::new(
                        ViolationKind::CapacityExceeded,
                        format!(
                            "after P{producer}'s {name}({item:?}) returned, {done} puts had \
                             returned and only {begun} gets had begun: the queue accepted at \
                             least {} items, capacity {capacity}",
                            done - begun
                        ),
                    ));
                }
            }
            Err(Refused::Back(back)) if back != item => {
                found.push(broken(format!(
                    "P{producer}'s {name}({item:?}) handed back {back:?}, not the item it was given"
                )));
                break;
            }
            Err(Refused::Back(_)) if !books.closing() => {
                found.push(broken(format!(
                    "P{producer}'s {name}({item:?}) was refused as closed before close() was called"
                )));
                break;
            }
            Err(Refused::Back(_)) => break, // closed: released after a deadlock
        }
    }
    found
}

/// Why a put did not complete: closed, the item handed back.
enum Refused {
    Back(Msg),
}

/// One put of `item` in `shape`; a `Full` or `Timeout` (which hand the
/// item back) falls back to the blocking put. Names the operation.
fn put(queue: &dyn BoundedQueue<Msg>, item: Msg, shape: usize) -> (Result<(), Refused>, &str) {
    let blocking = |item| queue.put(item).map_err(|Closed(back)| Refused::Back(back));
    let again = |back: Msg, name| {
        if back == item {
            (blocking(item), name)
        } else {
            (Err(Refused::Back(back)), name)
        }
    };
    match shape {
        0 => (blocking(item), "put"),
        1 => match queue.put_timeout(item, PATIENCE) {
            Ok(()) => (Ok(()), "put_timeout"),
            Err(PutTimeoutError::Timeout(back)) => again(back, "put_timeout"),
            Err(PutTimeoutError::Closed(back)) => (Err(Refused::Back(back)), "put_timeout"),
        },
        _ => match queue.try_put(item) {
            Ok(()) => (Ok(()), "try_put"),
            Err(TryPutError::Full(back)) => again(back, "try_put"),
            Err(TryPutError::Closed(back)) => (Err(Refused::Back(back)), "try_put"),
        },
    }
}

/// One get in `shape`; an `Empty` from `try_get` or a `Timeout` from
/// `get_timeout` falls back to the blocking get. A refusal the shape may
/// not give comes back as `Err(Some(what))`, `Closed` as `Err(None)`.
fn get(queue: &dyn BoundedQueue<Msg>, shape: usize) -> (Result<Msg, Option<String>>, &str) {
    let blocking = |name| match queue.get() {
        Ok(item) => (Ok(item), name),
        Err(GetError::Closed) => (Err(None), name),
        Err(e) => (
            Err(Some(format!(
                "get() returned {e:?}: a blocking get returns an item or Closed"
            ))),
            name,
        ),
    };
    match shape {
        0 => blocking("get"),
        1 => match queue.get_timeout(PATIENCE) {
            Ok(item) => (Ok(item), "get_timeout"),
            Err(GetError::Timeout) => blocking("get_timeout"),
            Err(GetError::Closed) => (Err(None), "get_timeout"),
            Err(GetError::Empty) => (
                Err(Some(
                    "get_timeout returned Empty, which only try_get may".to_string(),
                )),
                "get_timeout",
            ),
        },
        _ => match queue.try_get() {
            Ok(item) => (Ok(item), "try_get"),
            Err(GetError::Empty) => blocking("try_get"),
            Err(GetError::Closed) => (Err(None), "try_get"),
            Err(GetError::Timeout) => (
                Err(Some(
                    "try_get returned Timeout, which only get_timeout may".to_string(),
                )),
                "try_get",
            ),
        },
    }
}

/// Consumer `consumer` takes items until a `Stop` or `Closed`, counting
/// each before its `task_done`; returns what it received and what broke
/// the contract.
pub(super) fn consume<B: Backend>(
    queue: &dyn BoundedQueue<Msg>,
    books: &Books<B>,
    consumer: usize,
    track: &Tracker,
) -> (Vec<(u32, u32)>, Vec<Violation>) {
    let (mut got, mut found) = (Vec::new(), Vec::new());
    for k in 0.. {
        let shape = (consumer + k) % books.shapes;
        books.gets_begun.fetch_add(1, SeqCst);
        let (result, name) = track.run(Op::Get, || get(queue, shape));
        let item = match result {
            Ok(item) => item,
            Err(wrong) => {
                books.gets_begun.fetch_sub(1, SeqCst);
                match wrong {
                    Some(what) => found.push(broken(format!("C{consumer}'s {what}"))),
                    None if !books.closing() => found.push(broken(format!(
                        "C{consumer}'s {name}() returned Closed before close() was called"
                    ))),
                    None => {}
                }
                break;
            }
        };
        if let Msg::Item { producer, seq } = item {
            got.push((producer, seq));
            // Count before task_done: join must not return before this.
            books.processed.fetch_add(1, SeqCst);
        }
        if track.run(Op::TaskDone, || queue.task_done()).is_err() {
            found.push(broken(format!(
                "C{consumer}'s task_done() after taking {item:?} was refused as called too \
                 often, though that item was taken and not yet marked done"
            )));
        }
        if item == Msg::Stop {
            break;
        }
    }
    (got, found)
}
