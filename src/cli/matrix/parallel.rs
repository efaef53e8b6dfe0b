//! `racelab matrix --jobs N`: independent cells side by side, each in a
//! racelab process of its own (`racelab matrix --model M --strategy S
//! --tier T --json --jobs 1`), at most N at a time; the rows come back in
//! the matrix's order whatever order the cells finish in.
//!
//! Why processes and not threads: a cell owns process-wide state that two
//! cells in one process would share. The matrix's silent panic hook and
//! shuttle's stderr redirection (`quiet.rs`) are process-wide, and a
//! processes-tier cell forks: a fork taken while another thread holds a
//! lock (the panic hook's, which a loom cell takes on every caught panic)
//! leaves the child blocked on it for good. One process per cell shares
//! nothing, and a cell that crashes takes only its own row with it.

use super::RowRecord;
use crate::matrix::Pair;
use crate::model::ModelKind;
use crate::tier::{Limit, Outcome, Tier, Work};
use std::fs::File;
use std::io::{Read, Seek};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::time::{Duration, Instant};

/// How long one cell's process may run before it is killed and the cell
/// reported inconclusive. The slowest cell (a loom queue search at bound 2)
/// takes seconds; a processes cell's rounds are bounded at 30 s each.
const CELL_LIMIT: Duration = Duration::from_secs(600);

/// How often a waiting runner looks at its cell's process.
const POLL: Duration = Duration::from_millis(10);

/// Runs `cells` on `jobs` runners; `done` is told of each finished cell.
/// Outcome `i` is cell `i`'s.
pub(super) fn outcomes(
    cells: &[(Pair, Tier)],
    jobs: usize,
    seed: Option<u64>,
    done: &(dyn Fn(&Pair, Tier) + Sync),
) -> Vec<Outcome> {
    // Longest first: a slow cell started last would run alone at the end
    // while the other runners sit idle. The order of the rows is not this
    // order: each outcome goes to its cell's place.
    let mut order: Vec<usize> = (0..cells.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(weight(&cells[i].0, cells[i].1)));
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Outcome>>> = Mutex::new(vec![None; cells.len()]);
    std::thread::scope(|scope| {
        for _ in 0..jobs.min(cells.len()) {
            scope.spawn(|| {
                while let Some(&i) = order.get(next.fetch_add(1, Relaxed)) {
                    let (pair, tier) = &cells[i];
                    let outcome = run_cell(pair, *tier, seed);
                    results.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(outcome);
                    done(pair, *tier);
                }
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_iter()
        .map(|o| o.expect("every cell was run"))
        .collect()
}

/// A rough rank of how long a cell runs, for scheduling only (it changes
/// no result). Measured on 2 cores: a loom queue search at bound 2 takes
/// seconds (tens of thousands of executions); a threads cell runs millions
/// of operations, about a second; the rest take milliseconds.
fn weight(pair: &Pair, tier: Tier) -> u8 {
    match (tier, pair.model) {
        (Tier::Loom, ModelKind::Queue) => 2,
        (Tier::Threads, _) => 1,
        _ => 0,
    }
}

/// One cell in its own process. What goes wrong in the runner (no
/// process, a crash, the time limit, an unreadable report) is the
/// checker's failure, not the code under test's: the cell is inconclusive
/// and says why.
fn run_cell(pair: &Pair, tier: Tier, seed: Option<u64>) -> Outcome {
    let started = Instant::now();
    let inconclusive = |limit: Limit, why: String| {
        Outcome::inconclusive(
            limit,
            why,
            Work::Operations {
                count: 0,
                rounds: 0,
            },
            started.elapsed(),
        )
    };
    match spawn_and_read(pair, tier, seed) {
        Ok(outcome) => outcome,
        Err(CellError::TimedOut) => inconclusive(
            Limit::TimeCap,
            format!(
                "the cell's process ran past {} s and was killed",
                CELL_LIMIT.as_secs()
            ),
        ),
        Err(CellError::Runner(why)) => inconclusive(Limit::Setup, why),
    }
}

enum CellError {
    TimedOut,
    Runner(String),
}

fn spawn_and_read(pair: &Pair, tier: Tier, seed: Option<u64>) -> Result<Outcome, CellError> {
    let runner = |what: &str, e: std::io::Error| CellError::Runner(format!("{what}: {e}"));
    let exe = std::env::current_exe().map_err(|e| runner("racelab's own path", e))?;
    // Unnamed temporary files (O_TMPFILE): nothing to remove, even if this
    // process is killed. Files, not pipes: a child can write all it has
    // without anyone reading, and the wait below stays a bounded poll.
    let mut stdout = tempfile::tempfile().map_err(|e| runner("a temporary file", e))?;
    let mut stderr = tempfile::tempfile().map_err(|e| runner("a temporary file", e))?;
    let mut command = Command::new(exe);
    command
        .args(["matrix", "--json", "--jobs", "1"])
        .args(["--model", pair.model.name()])
        .args(["--strategy", pair.strategy])
        .args(["--tier", tier.name()])
        .stdin(Stdio::null())
        .stdout(clone(&stdout)?)
        .stderr(clone(&stderr)?);
    if let Some(seed) = seed {
        command.args(["--seed", &seed.to_string()]);
    }
    // SAFETY: runs in the child between fork and exec; prctl is
    // async-signal-safe and allocates nothing. The cell dies with the
    // thread that waits for it, so killing racelab leaves no cell behind.
    unsafe {
        command.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut child = command
        .spawn()
        .map_err(|e| runner("start the cell's process", e))?;
    let status = wait(&mut child)?;
    let out = read_all(&mut stdout)?;
    let err = read_all(&mut stderr)?;
    // 0: as expected, 1: a mismatch; both carry the report.
    if !matches!(status.code(), Some(0 | 1)) {
        return Err(CellError::Runner(format!(
            "the cell's process ended with {status}: {}",
            err.trim()
        )));
    }
    let report: Report = serde_json::from_str(&out)
        .map_err(|e| CellError::Runner(format!("the cell's report is not readable: {e}")))?;
    match <[RowRecord; 1]>::try_from(report.rows) {
        Ok([row]) if row.is(pair, tier) => Ok(row.outcome),
        _ => Err(CellError::Runner(
            "the cell's report is not that cell's one row".to_string(),
        )),
    }
}

#[derive(serde::Deserialize)]
struct Report {
    rows: Vec<RowRecord>,
}

fn clone(file: &File) -> Result<File, CellError> {
    file.try_clone()
        .map_err(|e| CellError::Runner(format!("a temporary file: {e}")))
}

fn read_all(file: &mut File) -> Result<String, CellError> {
    let mut text = String::new();
    file.rewind()
        .and_then(|()| file.read_to_string(&mut text))
        .map_err(|e| CellError::Runner(format!("the cell's output: {e}")))?;
    Ok(text)
}

/// Waits for the cell's process, at most [`CELL_LIMIT`]; kills it after.
fn wait(child: &mut Child) -> Result<ExitStatus, CellError> {
    let deadline = Instant::now() + CELL_LIMIT;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Ok(status),
            Ok(None) if Instant::now() < deadline => std::thread::sleep(POLL),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(CellError::TimedOut);
            }
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(CellError::Runner(format!("wait for the cell: {e}")));
            }
        }
    }
}
