//! The bounded queue's invariants: nothing lost, duplicated or corrupt,
//! FIFO per producer, never over capacity, `join` only once every item is
//! processed.

use super::{Violation, ViolationKind};
use crate::workload::queue::{QueuePlan, QueueReport};
use std::collections::BTreeMap;

/// The queue's invariants. `partial` says the run was cut short (deadlock,
/// panic): then missing items are a consequence, not news, and are not
/// reported.
pub fn check(plan: &QueuePlan, report: &QueueReport, partial: bool) -> Result<(), Vec<Violation>> {
    let mut violations = Vec::new();
    if report.high_water > plan.capacity {
        violations.push(Violation::new(
            ViolationKind::CapacityExceeded,
            format!(
                "the queue held {} items, capacity {}",
                report.high_water, plan.capacity
            ),
        ));
    }
    // An item no producer put (a torn or misframed message) is reported
    // once, as corrupt; the order and duplicate checks look at real items.
    let put = |&(producer, seq): &(u32, u32)| {
        (producer as usize) < plan.producers && (seq as usize) < plan.items
    };
    let mut count: BTreeMap<(u32, u32), usize> = BTreeMap::new();
    let mut corrupt: BTreeMap<(u32, u32), usize> = BTreeMap::new();
    let mut reordered = Vec::new();
    for (c, got) in report.received.iter().enumerate() {
        let mut last: BTreeMap<u32, u32> = BTreeMap::new();
        for &(producer, seq) in got {
            if !put(&(producer, seq)) {
                *corrupt.entry((producer, seq)).or_default() += 1;
                continue;
            }
            *count.entry((producer, seq)).or_default() += 1;
            // Equal is a duplicate (reported below), not a reordering.
            if let Some(&before) = last.get(&producer)
                && before > seq
            {
                reordered.push(format!(
                    "C{c} received P{producer}#{seq} after P{producer}#{before}"
                ));
            }
            last.insert(producer, seq);
        }
    }
    if !reordered.is_empty() {
        violations.push(Violation::new(
            ViolationKind::FifoBroken,
            summarize_as("reorderings", &reordered),
        ));
    }
    if !corrupt.is_empty() {
        let items: Vec<String> = corrupt
            .iter()
            .map(|((p, s), n)| match n {
                1 => format!("P{p}#{s}"),
                n => format!("P{p}#{s} x{n}"),
            })
            .collect();
        violations.push(Violation::new(
            ViolationKind::CorruptItem,
            format!("no producer put {}", summarize(&items)),
        ));
    }
    let duplicated: Vec<String> = count
        .iter()
        .filter(|(_, n)| **n > 1)
        .map(|((p, s), n)| format!("P{p}#{s} x{n}"))
        .collect();
    if !duplicated.is_empty() {
        violations.push(Violation::new(
            ViolationKind::DuplicatedItem,
            summarize(&duplicated),
        ));
    }
    if !partial {
        let lost: Vec<String> = (0..plan.producers as u32)
            .flat_map(|p| (0..plan.items as u32).map(move |s| (p, s)))
            .filter(|item| !count.contains_key(item))
            .map(|(p, s)| format!("P{p}#{s}"))
            .collect();
        if !lost.is_empty() {
            violations.push(Violation::new(ViolationKind::LostItem, summarize(&lost)));
        }
        if let Some(done) = report.processed_at_join
            && done != plan.total() as u64
        {
            violations.push(Violation::new(
                ViolationKind::JoinEarly,
                format!(
                    "join returned with {done} of {} items processed",
                    plan.total()
                ),
            ));
        }
    }
    if violations.is_empty() {
        Ok(())
    } else {
        Err(violations)
    }
}

fn summarize(items: &[String]) -> String {
    summarize_as("items", items)
}

/// "3 items: a, b, c" (at most five shown, then "...").
fn summarize_as(what: &str, items: &[String]) -> String {
    let shown: Vec<&str> = items.iter().take(5).map(String::as_str).collect();
    if items.len() > shown.len() {
        format!("{} {what}: {}, ...", items.len(), shown.join(", "))
    } else if items.len() == 1 {
        shown.join(", ")
    } else {
        format!("{} {what}: {}", items.len(), shown.join(", "))
    }
}
