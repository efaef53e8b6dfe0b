//! `racelab pitfalls`: the IPC pitfalls of docs/scenarios.md ("Pitfalls"),
//! each broken form next to its fix, run once with real processes and
//! printed. Exits 1 if a broken form did not fail or a fix did not hold.

use super::{CliError, Finish, Out};
use crate::lessons::pitfall::alarm::{OpenOutcome, open_fifo_with_alarm};
use crate::lessons::pitfall::framing::{Reading, stream_messages};
use crate::lessons::pitfall::permits;
use crate::lessons::pitfall::tear::{CAPACITY, PIPE_BUF, pipe_writers};
use crate::process::queue::{self, Via};
use crate::workload::queue::{Ending, QueuePlan};
use std::io;
use std::time::Duration;

/// One line: what was shown, and whether it came out as expected (the
/// broken form fails, the fix holds).
/// A pitfall the system would not let run is a run-time failure.
fn line(out: &mut Out, what: &str, result: io::Result<(bool, String)>) -> Result<bool, CliError> {
    let (as_expected, detail) =
        result.map_err(|e| CliError::run_failed(format!("{what} could not run: {e}")))?;
    let mark = if as_expected { "ok  " } else { "FAIL" };
    writeln!(out, "{mark} {what}: {detail}")?;
    out.flush()?;
    Ok(as_expected)
}

pub fn run(out: &mut Out) -> Result<Finish, CliError> {
    let mut all = true;
    all &= line(
        out,
        "4 writers, 64 KiB writes, one pipe (torn)",
        pipe_writers(4, 8, 4 * CAPACITY).map(|r| {
            (
                r.torn > 0,
                format!("{} of {} messages torn", r.torn, r.chunks),
            )
        }),
    )?;
    all &= line(
        out,
        "4 writers, PIPE_BUF writes, one pipe (intact)",
        pipe_writers(4, 32, PIPE_BUF).map(|r| {
            (
                r.torn == 0,
                format!("{} of {} messages torn", r.torn, r.chunks),
            )
        }),
    )?;
    let sent: [&[u8]; 2] = [b"hello", b"world"];
    all &= line(
        out,
        "one recv per message on a stream socket",
        stream_messages(Reading::OneReadPerMessage, &sent).map(|got| {
            (
                got.len() != 2,
                format!(
                    "2 messages sent, {} received: {:?}",
                    got.len(),
                    got.iter()
                        .map(|m| String::from_utf8_lossy(m))
                        .collect::<Vec<_>>()
                ),
            )
        }),
    )?;
    all &= line(
        out,
        "length-framed stream socket",
        stream_messages(Reading::LengthFramed, &sent).map(|got| {
            (
                got == sent.map(<[u8]>::to_vec),
                format!("2 messages sent, {} received", got.len()),
            )
        }),
    )?;
    all &= line(
        out,
        "semaphore with 2 permits, 4 writers",
        permits::writers(2, 4, 3, Duration::from_secs(5)).map(|r| {
            (
                r.most_inside == 2 && r.overlapping > 0,
                format!(
                    "at most {} inside, {} entries overlapped another: bounded, not exclusive",
                    r.most_inside, r.overlapping
                ),
            )
        }),
    )?;
    all &= line(
        out,
        "alarm(1) around open of a fifo with no writer",
        open_fifo_with_alarm(1, false).map(|r| {
            (
                r.outcome == OpenOutcome::Interrupted,
                format!("{:?} after {} ms", r.outcome, r.waited_ms),
            )
        }),
    )?;
    let plan = QueuePlan {
        producers: 3,
        consumers: 2,
        items: 3,
        capacity: 2,
        ending: Ending::Never,
    };
    all &= line(
        out,
        "shared-memory queue, consumers never told to stop",
        queue::run::run(&plan, Via::Shm, Duration::from_secs(1))
            .map_err(Into::into)
            .map(|r| {
                (
                    r.stuck_consumers == plan.consumers,
                    format!(
                        "{} of {} consumers still waiting after 1 s",
                        r.stuck_consumers, plan.consumers
                    ),
                )
            }),
    )?;
    let plan = QueuePlan {
        ending: Ending::Close,
        ..plan
    };
    all &= line(
        out,
        "shared-memory queue without a lock",
        queue::run::run(&plan, Via::ShmUnlocked, Duration::from_millis(300))
            .map_err(Into::into)
            .map(|r| {
                if r.violations.is_empty() {
                    (false, "no violation".to_string())
                } else {
                    let found: Vec<String> = r.violations.iter().map(|v| v.to_string()).collect();
                    (true, found.join("; "))
                }
            }),
    )?;
    Ok(Finish::from_expected(all))
}
