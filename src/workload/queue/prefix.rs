//! The queue contract one operation at a time, on a queue of its own,
//! before the workers start: what a race cannot be blamed for. A timed
//! get with an item present returns it, a try_put on a full queue hands
//! the same item back, task_done once too often is refused, everything
//! after close says Closed. Cheap enough for every tier and every run.
//!
//! A timed operation that must wait and then time out is asked only on
//! real threads: loom's and shuttle's condition variables never time out,
//! so there a correct queue would wait forever.

use super::Msg;
use crate::check::{Violation, ViolationKind};
use crate::model::queue::{
    Closed, GetError, PutTimeoutError, QueueImpl, TaskDoneTooOften, TryPutError,
};
use crate::sync::{Backend, Std};
use crate::workload::probe::Probe;
use std::any::TypeId;
use std::time::Duration;

fn broken(evidence: String) -> Vec<Violation> {
    vec![Violation::new(
        ViolationKind::ContractBroken,
        format!("on its own, before any race: {evidence}"),
    )]
}

/// Item `i` of the sequential check.
fn item(i: usize) -> Msg {
    Msg::Item {
        producer: 0,
        seq: i as u32,
    }
}

/// Runs the sequential contract on a fresh `Q` of `capacity`; the first
/// result the contract forbids is the violation.
pub(super) fn check<B: Backend, Q: QueueImpl<B, Msg>>(
    capacity: usize,
) -> Result<(), Vec<Violation>> {
    let elapse = TypeId::of::<B>() == TypeId::of::<Std>();
    let q = Q::new(capacity, Probe::none());
    let extra = item(capacity);
    match q.try_get() {
        Err(GetError::Empty) => {}
        other => {
            return Err(broken(format!(
                "try_get on a new queue returned {other:?}, not Empty"
            )));
        }
    }
    if elapse {
        match q.get_timeout(Duration::ZERO) {
            Err(GetError::Timeout) => {}
            other => {
                return Err(broken(format!(
                    "get_timeout(0) on an empty queue returned {other:?}, not Timeout"
                )));
            }
        }
    }
    for i in 0..capacity {
        if let Err(e) = q.try_put(item(i)) {
            return Err(broken(format!(
                "try_put into a queue holding {i} of {capacity} items returned {e:?}"
            )));
        }
    }
    match q.try_put(extra) {
        Err(TryPutError::Full(back)) if back == extra => {}
        Ok(()) => {
            return Err(broken(format!(
                "try_put({extra:?}) into a full queue ({capacity} of {capacity}) returned Ok"
            )));
        }
        Err(e) => {
            return Err(broken(format!(
                "try_put({extra:?}) into a full queue returned {e:?}, not Full({extra:?})"
            )));
        }
    }
    if elapse {
        match q.put_timeout(extra, Duration::ZERO) {
            Err(PutTimeoutError::Timeout(back)) if back == extra => {}
            other => {
                return Err(broken(format!(
                    "put_timeout({extra:?}, 0) into a full queue returned {other:?}, not \
                     Timeout({extra:?})"
                )));
            }
        }
    }
    for i in 0..capacity {
        let got = if i == 0 {
            q.get_timeout(Duration::ZERO)
        } else {
            q.try_get()
        };
        let name = if i == 0 { "get_timeout(0)" } else { "try_get" };
        match got {
            Ok(msg) if msg == item(i) => {}
            Ok(msg) => {
                return Err(vec![Violation::new(
                    ViolationKind::FifoBroken,
                    format!(
                        "on its own: {name} returned {msg:?} where {:?} was the oldest",
                        item(i)
                    ),
                )]);
            }
            Err(e) => {
                return Err(broken(format!(
                    "{name} returned {e:?} with {} items present",
                    capacity - i
                )));
            }
        }
    }
    match q.try_get() {
        Err(GetError::Empty) => {}
        other => {
            return Err(broken(format!(
                "try_get on a drained queue returned {other:?}, not Empty"
            )));
        }
    }
    if elapse && q.join_timeout(Duration::ZERO) {
        return Err(vec![Violation::new(
            ViolationKind::JoinEarly,
            format!(
                "on its own: join_timeout(0) returned true with {capacity} items taken and none marked done"
            ),
        )]);
    }
    for i in 0..capacity {
        if q.task_done().is_err() {
            return Err(broken(format!(
                "task_done() number {} of {capacity} taken items was refused",
                i + 1
            )));
        }
    }
    if q.task_done() != Err(TaskDoneTooOften) {
        return Err(broken(format!(
            "task_done() accepted a call more than the {capacity} items taken"
        )));
    }
    if !q.join_timeout(Duration::ZERO) {
        return Err(broken(
            "join_timeout(0) returned false with every item taken and marked done".to_string(),
        ));
    }
    q.close();
    after_close::<B, Q>(&q, extra)
}

/// After close: every put hands its item back as closed, every get says
/// Closed.
fn after_close<B: Backend, Q: QueueImpl<B, Msg>>(q: &Q, extra: Msg) -> Result<(), Vec<Violation>> {
    let puts = [
        ("put", q.put(extra).err().map(|Closed(back)| back)),
        (
            "try_put",
            match q.try_put(extra) {
                Err(TryPutError::Closed(back)) => Some(back),
                _ => None,
            },
        ),
        (
            "put_timeout",
            match q.put_timeout(extra, Duration::ZERO) {
                Err(PutTimeoutError::Closed(back)) => Some(back),
                _ => None,
            },
        ),
    ];
    for (name, back) in puts {
        if back != Some(extra) {
            return Err(broken(format!(
                "{name}({extra:?}) after close() did not hand the item back as Closed ({back:?})"
            )));
        }
    }
    let gets = [
        ("get", q.get()),
        ("try_get", q.try_get()),
        ("get_timeout(0)", q.get_timeout(Duration::ZERO)),
    ];
    for (name, got) in gets {
        if got != Err(GetError::Closed) {
            return Err(broken(format!(
                "{name} on a closed, drained queue returned {got:?}, not Closed"
            )));
        }
    }
    if !q.is_closed() {
        return Err(broken(
            "is_closed() returned false after close()".to_string(),
        ));
    }
    Ok(())
}
