//! Recorded operations in words: `load a1 -> 0`, `cas a1 0->1 failed (2)`,
//! `lock m0`, `join T1`. Objects are named by kind and numbered in order of
//! first appearance in the trace being printed, so a trace names the same
//! objects the same way on every run (no addresses).

use super::{OPAQUE, Object, Op, Raw};
use crate::sync::Ordering;
use std::collections::BTreeMap;

/// Names the objects of one trace, in order of first appearance.
#[derive(Debug, Default)]
pub(crate) struct Names {
    seen: BTreeMap<(Object, usize), usize>,
    counts: BTreeMap<Object, usize>,
}

impl Names {
    /// The name of `object` (an address; a thread's index) of kind `kind`:
    /// `a0`, `m1`, `rw0`, `c2`, or a thread's label (`main`, `T0`).
    pub(crate) fn name(&mut self, kind: Object, object: usize) -> String {
        match kind {
            Object::None => String::new(),
            Object::Thread => crate::workload::worker_label("T", object),
            _ => {
                let counts = &mut self.counts;
                let n = *self.seen.entry((kind, object)).or_insert_with(|| {
                    let count = counts.entry(kind).or_insert(0);
                    *count += 1;
                    *count - 1
                });
                format!("{}{n}", kind.prefix())
            }
        }
    }
}

fn value(v: i64) -> String {
    if v == OPAQUE {
        "?".to_string()
    } else {
        v.to_string()
    }
}

/// A fence's ordering as recorded in [`Raw::arg`].
pub(crate) fn ordering_code(order: Ordering) -> i64 {
    match order {
        Ordering::Relaxed => 0,
        Ordering::Release => 1,
        Ordering::Acquire => 2,
        Ordering::AcqRel => 3,
        _ => 4,
    }
}

fn ordering_name(code: i64) -> &'static str {
    ["Relaxed", "Release", "Acquire", "AcqRel", "SeqCst"]
        .get(usize::try_from(code).unwrap_or(4))
        .copied()
        .unwrap_or("SeqCst")
}

/// The operation's name as a trace prints it (`lock`, `fetch_add`).
pub(crate) fn op_name(op: Op) -> &'static str {
    match op {
        Op::Load => "load",
        Op::Store => "store",
        Op::Swap => "swap",
        Op::Cas => "cas",
        Op::FetchAdd => "fetch_add",
        Op::FetchSub => "fetch_sub",
        Op::FetchOr => "fetch_or",
        Op::FetchAnd => "fetch_and",
        Op::FetchXor => "fetch_xor",
        Op::FetchMax => "fetch_max",
        Op::FetchMin => "fetch_min",
        Op::Fence => "fence",
        Op::Lock => "lock",
        Op::TryLock => "try_lock",
        Op::Unlock => "unlock",
        Op::Read => "read",
        Op::Write => "write",
        Op::TryRead => "try_read",
        Op::TryWrite => "try_write",
        Op::ReadUnlock => "read_unlock",
        Op::WriteUnlock => "write_unlock",
        Op::Wait => "wait",
        Op::WaitTimeout => "wait_timeout",
        Op::Woke => "woke",
        Op::NotifyOne => "notify_one",
        Op::NotifyAll => "notify_all",
        Op::Spawn => "spawn",
        Op::Join => "join",
        Op::Spin => "spin",
    }
}

/// `raw` in words, naming its object with `names`.
pub(crate) fn describe(raw: &Raw, names: &mut Names) -> String {
    let name = op_name(raw.op);
    let object = names.name(raw.op.object(), raw.object);
    let (arg, read) = (value(raw.arg), value(raw.value));
    match raw.op {
        Op::Load => format!("load {object} -> {read}"),
        Op::Store => format!("store {object} = {arg}"),
        Op::Swap => format!("swap {object} = {arg} -> {read}"),
        Op::Cas if raw.ok => format!("cas {object} {arg}->{} ok", value(raw.arg2)),
        Op::Cas => format!("cas {object} {arg}->{} failed ({read})", value(raw.arg2)),
        Op::FetchAdd => format!("fetch_add {object} +{arg} -> {read}"),
        Op::FetchSub => format!("fetch_sub {object} -{arg} -> {read}"),
        Op::FetchOr => format!("fetch_or {object} |{arg} -> {read}"),
        Op::FetchAnd => format!("fetch_and {object} &{arg} -> {read}"),
        Op::FetchXor => format!("fetch_xor {object} ^{arg} -> {read}"),
        Op::FetchMax | Op::FetchMin => format!("{name} {object} {arg} -> {read}"),
        Op::Fence => format!("fence {}", ordering_name(raw.arg)),
        Op::TryLock | Op::TryRead | Op::TryWrite if !raw.ok => format!("{name} {object} failed"),
        Op::Woke if !raw.ok => format!("woke {object} (timed out)"),
        Op::Spin => format!("spin #{arg}"),
        _ => format!("{name} {object}"),
    }
}

/// The operation in progress in words, before it returned: `lock m1`,
/// `join T0`, `wait c0`.
pub(crate) fn describe_pending(op: Op, object: usize, names: &mut Names) -> String {
    let object = names.name(op.object(), object);
    let name = op_name(op);
    if object.is_empty() {
        name.to_string()
    } else {
        format!("{name} {object}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_are_numbered_by_kind_in_order_of_first_appearance() {
        let mut names = Names::default();
        assert_eq!(names.name(Object::Atomic, 0x50), "a0");
        assert_eq!(names.name(Object::Mutex, 0x10), "m0");
        assert_eq!(names.name(Object::Atomic, 0x20), "a1");
        assert_eq!(names.name(Object::Atomic, 0x50), "a0");
        assert_eq!(names.name(Object::Thread, 2), "T1");
    }

    #[test]
    fn steps_read_as_the_brief_spells_them() {
        let mut names = Names::default();
        let mut cas = Raw::new(Op::Cas, 1);
        (cas.arg, cas.arg2, cas.value, cas.ok) = (0, 1, 2, false);
        assert_eq!(describe(&cas, &mut names), "cas a0 0->1 failed (2)");
        let mut add = Raw::new(Op::FetchAdd, 1);
        (add.arg, add.value) = (1, 3);
        assert_eq!(describe(&add, &mut names), "fetch_add a0 +1 -> 3");
        let mut fence = Raw::new(Op::Fence, 0);
        fence.arg = ordering_code(Ordering::SeqCst);
        assert_eq!(describe(&fence, &mut names), "fence SeqCst");
        let mut try_lock = Raw::new(Op::TryLock, 9);
        try_lock.ok = false;
        assert_eq!(describe(&try_lock, &mut names), "try_lock m0 failed");
    }
}
