//! `racelab lessons`: the process scenarios of docs/scenarios.md (§1, §6,
//! §7 and the in-place rewrite pitfall), run with real processes and
//! printed. `racelab rush` runs §7 in detail.

use super::{CliError, Finish, Out};
use crate::lessons::scenario;
use crate::process::{ProcessConfig, Strategy, tickets};
use crate::workload::tickets::TicketsPlan;
use std::time::Duration;

/// A scenario the system would not let run.
fn failed<E: std::fmt::Display>(scenario: &str) -> impl FnOnce(E) -> CliError + '_ {
    move |e| CliError::run_failed(format!("{scenario} could not run: {e}"))
}

pub fn run(out: &mut Out) -> Result<Finish, CliError> {
    writeln!(out, "§1 processes do not share memory; threads do")?;
    let (process, thread) = scenario::child_write_is_invisible().map_err(failed("§1"))?;
    writeln!(
        out,
        "  a child process set the global from 666 to 222; the parent reads {process}"
    )?;
    writeln!(out, "  a thread set it to 222; the parent reads {thread}")?;

    writeln!(
        out,
        "\n§6 a mutex across processes: five processes print running, pause, done"
    )?;
    for strategy in [Strategy::None, Strategy::Flock] {
        let lines = scenario::running_done_lines(strategy, 5, Duration::from_millis(200))
            .map_err(failed("§6"))?;
        let shape = if scenario::lines_pair_up(&lines) {
            "pairs stay together"
        } else {
            "lines interleave"
        };
        writeln!(out, "  {strategy}: {} ({shape})", lines.join(", "))?;
    }

    writeln!(out, "\n§7 the ticket rush: 10 buyers, 1 ticket")?;
    let config = ProcessConfig::default();
    for strategy in [Strategy::None, Strategy::Flock] {
        let run =
            tickets::rush(strategy, &TicketsPlan::rush(10, 1), &config).map_err(failed("§7"))?;
        let verdict = match run.violations.first() {
            None => "holds".to_string(),
            Some(v) => v.to_string(),
        };
        writeln!(out, "  {strategy}: {} of 10 bought ({verdict})", run.sold())?;
    }
    let seen = scenario::searches_while_buy_holds(Strategy::Flock, 4, Duration::from_secs(5))
        .map_err(failed("§7 searches"))?;
    writeln!(
        out,
        "  while one buyer held the flock in its buy, {seen} of 4 searches completed"
    )?;
    let work = Duration::from_millis(20);
    let m =
        scenario::join_vs_lock(Strategy::Flock, 10, 1, work).map_err(failed("§7 join vs lock"))?;
    writeln!(
        out,
        "  join vs lock, {} ms per search and per buy: joined one by one {:.1} ms, flock around the buy {:.1} ms",
        work.as_millis(),
        m.joined.as_secs_f64() * 1000.0,
        m.locked.as_secs_f64() * 1000.0
    )?;

    writeln!(out, "\npitfall: the ticket database rewritten in place")?;
    match scenario::read_during_rewrite(true) {
        Ok(db) => writeln!(out, "  in place: the reader saw {db:?}")?,
        Err(e) => writeln!(out, "  in place: the reader got a {e}")?,
    }
    match scenario::read_during_rewrite(false) {
        Ok(db) => writeln!(
            out,
            "  temporary file + rename: the reader saw a whole file, count {}",
            db.count
        )?,
        Err(e) => writeln!(out, "  temporary file + rename: the reader got a {e}")?,
    }
    Ok(Finish::AsExpected)
}
