//! The process form of the queue model: a built-in queue ([`Via`]) or a
//! user's ([`queue_form`]). The producer/consumer run
//! ([`run`](super::run)) opens either the same way and never asks which it
//! has.

use super::{ProcessQueue, Via};
use crate::check::ViolationKind;
use crate::os::arena::Arena;
use std::io;

/// A kind of process queue: how to make one, in the parent, before the
/// fork. A user's queue implements it and runs through the process queue
/// workload as [`queue_form::<Q>()`](queue_form).
///
/// What the queue must share between processes lives where every forked
/// worker reaches it: in files or mappings made in `arena` (the run's
/// private directory, removed when the run ends), or in the kernel (a
/// pipe, a socket). Its task_done/join counters and closed flag are a
/// [`Ledger`](super::Ledger) made with [`Ledger::new(arena,
/// name)`](super::Ledger::new): a `MAP_SHARED` mapping in `arena`, so every
/// worker counts in the same place. A field of the queue itself is each
/// process's own copy after the fork.
///
/// The run calls, in every process: [`ProcessQueue::enter`] once after the
/// fork; `put` (producers, and the parent's sentinels), `get` then
/// `task_done` for each item (consumers); and in the parent `join`, then
/// `close` or one sentinel per consumer. It reads the ledger's
/// [`put_count`](super::Ledger::put_count) to know when every item was put:
/// a queue must report each put it completed there
/// ([`will_put`](super::Ledger::will_put) before sending,
/// [`did_put`](super::Ledger::did_put) after) and each item it handed out
/// ([`took`](super::Ledger::took)).
pub trait ProcessQueueImpl {
    /// The name reports use.
    const NAME: &'static str;
    /// One line: what it is.
    const SUMMARY: &'static str;

    /// Makes the queue, bounded to `capacity` items, in `arena` (in the
    /// parent, before any fork). An `InvalidInput` error refuses the plan
    /// (a capacity above what the queue can hold); any other error is the
    /// environment's: the run is inconclusive, never a verdict.
    fn create(arena: &Arena, capacity: usize) -> io::Result<Box<dyn ProcessQueue>>;
}

/// How a user's queue is made.
type MakeQueue = fn(&Arena, usize) -> io::Result<Box<dyn ProcessQueue>>;

/// The process form of the queue model: a built-in queue (a [`Via`]
/// converts into one) or a user's ([`queue_form`]).
#[derive(Clone, Copy)]
pub struct QueueForm(Kind);

#[derive(Clone, Copy)]
enum Kind {
    Builtin(Via),
    User {
        name: &'static str,
        summary: &'static str,
        create: MakeQueue,
    },
}

/// A user's process queue `Q` as the process form of the queue model: its
/// name and summary from its type, no expected verdict.
pub fn queue_form<Q: ProcessQueueImpl>() -> QueueForm {
    QueueForm(Kind::User {
        name: Q::NAME,
        summary: Q::SUMMARY,
        create: Q::create,
    })
}

impl QueueForm {
    /// Its name in reports (a built-in's command line name).
    pub fn name(self) -> &'static str {
        match self.0 {
            Kind::Builtin(via) => via.name(),
            Kind::User { name, .. } => name,
        }
    }

    /// One line: what it is.
    pub fn summary(self) -> &'static str {
        match self.0 {
            Kind::Builtin(via) => via.summary(),
            Kind::User { summary, .. } => summary,
        }
    }

    /// The built-in queue, if it is one.
    pub fn via(self) -> Option<Via> {
        match self.0 {
            Kind::Builtin(via) => Some(via),
            Kind::User { .. } => None,
        }
    }

    /// What a built-in is expected to report (empty: it holds); `None` for
    /// a user's queue, which states no expectation.
    pub fn expected(self) -> Option<&'static [ViolationKind]> {
        self.via().map(Via::violations)
    }

    /// Makes the queue in `arena` with `capacity` (in the parent, before
    /// any fork).
    pub fn open(self, arena: &Arena, capacity: usize) -> io::Result<Box<dyn ProcessQueue>> {
        match self.0 {
            Kind::Builtin(via) => via.open(arena, capacity),
            Kind::User { create, .. } => create(arena, capacity),
        }
    }
}

impl From<Via> for QueueForm {
    fn from(via: Via) -> QueueForm {
        QueueForm(Kind::Builtin(via))
    }
}

impl std::fmt::Debug for QueueForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("QueueForm").field(&self.name()).finish()
    }
}

impl std::fmt::Display for QueueForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl serde::Serialize for QueueForm {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}
