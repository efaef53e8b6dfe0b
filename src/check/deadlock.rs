//! A model checker's own account of a deadlock, with every thread named.
//!
//! Loom and shuttle report a deadlock only as a panic message listing the
//! threads they hold (loom from its `rt::execution` module, shuttle from
//! its `runtime::execution`):
//! - loom: `deadlock; threads = [(Id(0), Blocked(Location(None))), (Id(1), Terminated)]`,
//!   every thread with its state;
//! - shuttle: `deadlock! blocked tasks: [main-thread (task main-thread(0)), <unknown> (task TaskId(1), pending future)]`,
//!   the unfinished tasks only.
//!
//! Both number threads in the order they were created, the main thread 0,
//! as [`crate::sync::thread_index`] and the built-in drivers' worker labels
//! do, so thread `k` is `label(k)`.

use crate::workload::probe::ProbeState;

/// "deadlock: T0 blocked, T1 finished, main blocked": the checker's list of
/// threads in `message`, each named by `label` and told by its state (what
/// it waits on when the probe knows). None if `message` is neither loom's
/// nor shuttle's deadlock report.
pub fn named(message: &str, state: &ProbeState, label: &dyn Fn(usize) -> String) -> Option<String> {
    let threads = loom_threads(message).or_else(|| shuttle_tasks(message))?;
    if threads.is_empty() {
        return None;
    }
    let told: Vec<String> = threads
        .iter()
        .map(|(index, how)| {
            let who = label(*index);
            match (how, state.waiting.get(index)) {
                (How::Blocked, Some(on)) => format!("{who} waits on {on}"),
                (How::Blocked, None) => format!("{who} blocked"),
                (How::BlockedAt(at), _) => format!("{who} blocked at {at}"),
                (How::Finished, _) => format!("{who} finished"),
                (How::Other(what), _) => format!("{who} {what}"),
            }
        })
        .collect();
    Some(format!("{}; nobody is left to wake them", told.join(", ")))
}

/// A thread's state in a checker's report.
#[derive(Debug, PartialEq)]
enum How {
    Blocked,
    BlockedAt(String),
    Finished,
    Other(String),
}

/// Loom's `(Id(k), State)` pairs, main first as loom lists them.
fn loom_threads(message: &str) -> Option<Vec<(usize, How)>> {
    let list = message.strip_prefix("deadlock; threads = [")?;
    let mut threads = Vec::new();
    for entry in list.split("(Id(").skip(1) {
        let (id, rest) = entry.split_once(')')?;
        let index: usize = id.trim().parse().ok()?;
        let rest = rest.trim_start_matches([',', ' ']);
        let how = if rest.starts_with("Terminated") {
            How::Finished
        } else if let Some(at) = rest.strip_prefix("Blocked(Location(Some(") {
            How::BlockedAt(location(at))
        } else if rest.starts_with("Blocked") {
            How::Blocked
        } else if rest.starts_with("Yield") {
            How::Other("yielded".to_string())
        } else {
            How::Other("runnable".to_string())
        };
        threads.push((index, how));
    }
    // Workers first, main last: the workers are where the bug is.
    threads.sort_by_key(|(index, _)| (*index == 0, *index));
    Some(threads)
}

/// `file: "src/x.rs", line: 3, col: 9` out of loom's location, as `src/x.rs:3`.
fn location(debug: &str) -> String {
    let field = |name: &str| {
        debug.split_once(&format!("{name}: ")).map(|(_, rest)| {
            rest.split([',', ' ', '}'])
                .next()
                .unwrap_or("")
                .trim_matches('"')
        })
    };
    match (field("file"), field("line")) {
        (Some(file), Some(line)) => format!("{file}:{line}"),
        _ => "an unknown place".to_string(),
    }
}

/// Shuttle's unfinished tasks, by `TaskId(k)`: each one blocked.
fn shuttle_tasks(message: &str) -> Option<Vec<(usize, How)>> {
    let list = message.strip_prefix("deadlock! blocked tasks: [")?;
    let mut tasks = Vec::new();
    // Each task is `name (task ID, ...)`; the ID prints as `TaskId(k)`,
    // or `name(k)` for a named task (shuttle's main task is `main-thread(0)`).
    for entry in list.split("(task ").skip(1) {
        let (id, _) = entry.split_once(')')?;
        let (_, index) = id.rsplit_once('(')?;
        tasks.push((index.trim().parse().ok()?, How::Blocked));
    }
    tasks.sort_by_key(|(index, _)| (*index == 0, *index));
    Some(tasks)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn label(i: usize) -> String {
        crate::workload::worker_label("T", i)
    }

    #[test]
    fn loom_report_names_every_thread_finished_ones_too() {
        let message = "deadlock; threads = [(Id(0), Blocked(Location(None))), \
                       (Id(1), Blocked(Location(None))), (Id(2), Terminated), \
                       (Id(3), Blocked(Location(None)))]";
        let told = named(message, &ProbeState::default(), &label).unwrap();
        assert_eq!(
            told,
            "T0 blocked, T1 finished, T2 blocked, main blocked; nobody is left to wake them"
        );
    }

    #[test]
    fn loom_report_with_locations_names_where() {
        let message = "deadlock; threads = [(Id(0), Terminated), (Id(1), Blocked(Location(Some(\
                       Location { file: \"src/a.rs\", line: 7, col: 3 }))))]";
        let told = named(message, &ProbeState::default(), &label).unwrap();
        assert_eq!(
            told,
            "T0 blocked at src/a.rs:7, main finished; nobody is left to wake them"
        );
    }

    #[test]
    fn shuttle_report_names_the_blocked_tasks() {
        let message = "deadlock! blocked tasks: [main-thread (task main-thread(0)), \
                       <unknown> (task TaskId(2), pending future)]";
        let told = named(message, &ProbeState::default(), &label).unwrap();
        assert_eq!(
            told,
            "T1 blocked, main blocked; nobody is left to wake them"
        );
    }

    #[test]
    fn other_messages_are_not_read_as_a_report() {
        assert_eq!(named("deadlock", &ProbeState::default(), &label), None);
    }
}
