//! The bounded queue's sequential specification as a reference model, kept
//! apart from the system under test (as proptest-state-machine does). The
//! property tests and the fuzz target drive a real queue and this model
//! with the same operations and compare every answer.

use super::queue::{BoundedQueue, GetError, TaskDoneTooOften, TryPutError};
use std::collections::VecDeque;

/// One non-blocking queue operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueOp {
    /// [`BoundedQueue::try_put`] of this item.
    TryPut(u32),
    /// [`BoundedQueue::try_get`].
    TryGet,
    /// [`BoundedQueue::close`].
    Close,
    /// [`BoundedQueue::task_done`].
    TaskDone,
}

/// What an operation answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// What a [`QueueOp::TryPut`] returned.
    Put(Result<(), TryPutError<u32>>),
    /// What a [`QueueOp::TryGet`] returned.
    Get(Result<u32, GetError>),
    /// A [`QueueOp::Close`] was done (close answers nothing).
    Closed,
    /// What a [`QueueOp::TaskDone`] returned.
    TaskDone(Result<(), TaskDoneTooOften>),
}

/// The specification: a deque, a closed flag, and two counters.
#[derive(Debug, Clone, Default)]
pub struct ReferenceQueue {
    capacity: usize,
    items: VecDeque<u32>,
    closed: bool,
    /// Put and not yet marked done: `join` returns at 0.
    unfinished: usize,
    /// Taken and not yet marked done: `task_done` refuses at 0.
    in_progress: usize,
}

impl ReferenceQueue {
    /// An empty, open queue of `capacity` items.
    pub fn new(capacity: usize) -> Self {
        ReferenceQueue {
            capacity,
            ..Default::default()
        }
    }

    /// Does `op` as the specification says, and returns its answer.
    pub fn apply(&mut self, op: QueueOp) -> Answer {
        match op {
            QueueOp::TryPut(v) if self.closed => Answer::Put(Err(TryPutError::Closed(v))),
            QueueOp::TryPut(v) if self.items.len() >= self.capacity => {
                Answer::Put(Err(TryPutError::Full(v)))
            }
            QueueOp::TryPut(v) => {
                self.items.push_back(v);
                self.unfinished += 1;
                Answer::Put(Ok(()))
            }
            QueueOp::TryGet => Answer::Get(match self.items.pop_front() {
                Some(v) => {
                    self.in_progress += 1;
                    Ok(v)
                }
                None if self.closed => Err(GetError::Closed),
                None => Err(GetError::Empty),
            }),
            QueueOp::Close => {
                self.closed = true;
                Answer::Closed
            }
            QueueOp::TaskDone if self.in_progress == 0 => Answer::TaskDone(Err(TaskDoneTooOften)),
            QueueOp::TaskDone => {
                self.in_progress -= 1;
                self.unfinished -= 1;
                Answer::TaskDone(Ok(()))
            }
        }
    }

    /// The number of items held.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether no item is held.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Whether a [`QueueOp::Close`] was applied.
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// Would `join` return now?
    pub fn all_done(&self) -> bool {
        self.unfinished == 0
    }
}

/// Applies `op` to a real queue.
pub fn apply(queue: &dyn BoundedQueue<u32>, op: QueueOp) -> Answer {
    match op {
        QueueOp::TryPut(v) => Answer::Put(queue.try_put(v)),
        QueueOp::TryGet => Answer::Get(queue.try_get()),
        QueueOp::Close => {
            queue.close();
            Answer::Closed
        }
        QueueOp::TaskDone => Answer::TaskDone(queue.task_done()),
    }
}

/// Drives `queue` and a reference model of the same capacity through
/// `ops`; returns the first step where they disagree.
pub fn first_disagreement(queue: &dyn BoundedQueue<u32>, ops: &[QueueOp]) -> Option<String> {
    let mut reference = ReferenceQueue::new(queue.capacity());
    for (step, &op) in ops.iter().enumerate() {
        let (real, expected) = (apply(queue, op), reference.apply(op));
        if real != expected {
            return Some(format!(
                "step {step} {op:?}: queue answered {real:?}, the spec {expected:?}"
            ));
        }
        let join_returns = queue.join_timeout(std::time::Duration::ZERO);
        if queue.len() != reference.len()
            || queue.is_closed() != reference.is_closed()
            || join_returns != reference.all_done()
        {
            return Some(format!(
                "step {step} {op:?}: the queue's state left the spec's"
            ));
        }
    }
    None
}
