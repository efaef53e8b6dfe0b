//! The trace of a process-tier failure: how the run came to it, as far as
//! real processes can tell. There is no interleaving to print (the OS
//! scheduler chose it, and nobody recorded its choices), so the trace is
//! what each worker wrote on the crew's progress board: its last steps
//! ([`LastSteps`]), one block per worker, oldest step first.
//!
//! The process tier draws nothing at random (the race windows and the
//! plans are fixed), so there is no seed to print: the same command runs
//! the same plan again, under a new draw of the OS scheduler. The first
//! line says so.
//!
//! The wording is fixed: the same steps always print the same lines.

use crate::check::Violation;
use crate::os::progress::{LastSteps, Mark, Note, Step};
use crate::process::queue::{STOP, split};

/// The trace's first line: what replays the run.
pub const NO_SEED: &str =
    "no random choice: the same command reruns it, a new draw of the OS scheduler";

/// The trace of a round whose workers are named by `who` (`worker 0`,
/// `buyer 3`, `consumer 1`), with their last steps as the board kept them.
pub fn render(who: &[String], steps: &[LastSteps]) -> String {
    let mut out = format!("{NO_SEED}\nthe last steps of each worker, oldest first:\n");
    for (name, last) in who.iter().zip(steps) {
        out.push_str(&block(name, last));
    }
    out
}

/// `violations` as lines: each as `{indent}{prefix}{violation}`, its trace
/// indented two more spaces under it; a trace the one above already
/// showed (a round's violations share one) is not repeated.
pub fn violations_text(violations: &[Violation], indent: &str, prefix: &str) -> String {
    let mut out = String::new();
    let mut shown: Option<&str> = None;
    for v in violations {
        out.push_str(&format!("{indent}{prefix}{v}\n"));
        match v.trace.as_deref() {
            Some(trace) if shown == Some(trace) => {
                out.push_str(&format!("{indent}  (the trace above)\n"));
            }
            trace => {
                for line in trace.iter().flat_map(|t| t.lines()) {
                    out.push_str(&format!("{indent}  {line}\n"));
                }
                shown = trace.or(shown);
            }
        }
    }
    out
}

/// One worker's block: a header with where it ended, then a line a step.
fn block(name: &str, last: &LastSteps) -> String {
    let kept = last.notes.len() as u64;
    let steps = if last.total == 1 { "" } else { "s" };
    let shown = if kept == last.total {
        format!("{} step{steps}", last.total)
    } else {
        format!("the last {kept} of {} steps", last.total)
    };
    let mut out = format!("{name}: {}; {shown}\n", last.position);
    for note in &last.notes {
        out.push_str(&format!("  {}\n", line(note)));
    }
    out
}

/// One step in words, with the operation it belongs to when it is part of
/// one (`op 3  read 41`).
fn line(note: &Note) -> String {
    let text = match note.mark {
        Mark::Entered(Step::Starting) => return "forked".to_string(),
        Mark::Entered(Step::Running) => return "started".to_string(),
        Mark::Entered(Step::Ended) => return "ended".to_string(),
        Mark::Entered(Step::Locking) => "asks for the lock".to_string(),
        Mark::Entered(Step::Critical) => "has the lock".to_string(),
        Mark::Entered(Step::Put) => "put".to_string(),
        Mark::Entered(Step::Get) => "get".to_string(),
        Mark::Entered(Step::TaskDone) => "task_done".to_string(),
        Mark::Entered(Step::Request) => "asks the server".to_string(),
        Mark::Entered(Step::Window) => "waits in the race window".to_string(),
        Mark::Done => "done".to_string(),
        Mark::Read(v) => format!("read {v}"),
        Mark::Wrote(v) => format!("wrote {v}"),
        Mark::Searched(left) => return format!("searched: {left} left"),
        Mark::Sold(seat) => format!("bought seat {seat}"),
        Mark::SoldOut => "sold out".to_string(),
        Mark::Put(x) => format!("put {}", item(x)),
        Mark::Got(x) => format!("got {}", item(x)),
    };
    format!("op {:<4} {text}", note.op)
}

/// An item as the queue's checks name it (`P0#3`), or the stop sentinel.
fn item(x: u64) -> String {
    if x == STOP {
        return "the stop sentinel".to_string();
    }
    let (producer, seq) = split(x);
    format!("P{producer}#{seq}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::os::progress::Position;

    #[test]
    fn a_worker_block_names_it_where_it_ended_and_each_step_in_fixed_words() {
        let last = LastSteps {
            position: Position {
                step: Step::Ended,
                done: 1,
            },
            total: 20,
            notes: vec![
                Note {
                    op: 1,
                    mark: Mark::Entered(Step::Locking),
                },
                Note {
                    op: 1,
                    mark: Mark::Read(4),
                },
                Note {
                    op: 1,
                    mark: Mark::Got(crate::process::queue::item(2, 7)),
                },
                Note {
                    op: 2,
                    mark: Mark::Entered(Step::Ended),
                },
            ],
        };
        let text = render(&["worker 0".to_string()], &[last]);
        assert_eq!(
            text,
            format!(
                "{NO_SEED}\nthe last steps of each worker, oldest first:\n\
                 worker 0: ended after 1 operation; the last 4 of 20 steps\n\
                 \x20 op 1    asks for the lock\n\
                 \x20 op 1    read 4\n\
                 \x20 op 1    got P2#7\n\
                 \x20 ended\n"
            )
        );
    }
}
