//! A shuttle failure as a trace a person can follow: the failing schedule,
//! shrunk to the fewest preemptions that still fail the same way, replayed
//! once more with every step recorded, and printed as loom's explain table
//! (one column per thread, one row per step).
//!
//! The search records the failing schedule's choices (the task it ran at
//! each scheduling point). [`Follow`] replays a list of choices; past its
//! end, or where the listed task cannot run, it keeps the running task
//! when it can, so a replay adds no preemption of its own. Shrinking is
//! greedy: from the last preemption to the first, end the choice list
//! just before it; or else let the preempted task run on there with its
//! next run of steps, moved up from later in the schedule; or else make
//! that one choice keep the running task. A change is kept if the replay
//! still fails with the same violation kind and fewer preemptions; again
//! until a pass removes nothing. At most
//! [`MAX_REPLAYS`] replays, so a long schedule costs a bounded time.
//!
//! Everything is deterministic (the choices fix the schedule, the labels
//! are the workload's), so the same seed prints the same trace.

use super::portfolio::{Choices, Current, splitmix};
use super::{Stop, schedules};
use crate::check::{Violation, ViolationKind};
use crate::explain::{Row, render, trim};
use crate::workload::probe::{Probe, ProbeState};
use shuttle::scheduler::{Schedule, Scheduler, Task, TaskId};
use std::sync::{Arc, Mutex, PoisonError};

/// The most replays shrinking may take (each one schedule).
pub const MAX_REPLAYS: usize = 200;

/// A failure the search found, as shrinking needs it.
pub(crate) struct Found {
    /// Which scheduler drew it.
    pub(crate) scheduler: &'static str,
    /// The schedule's seed.
    pub(crate) seed: u64,
    /// Schedules the search ran, the failing one included.
    pub(crate) count: u64,
    /// The violation a shrunk schedule must still show.
    pub(crate) kind: ViolationKind,
    /// The failing schedule's choices.
    pub(crate) choices: Choices,
}

/// Replays one list of choices, once.
pub struct Follow {
    tasks: Vec<usize>,
    at: usize,
    seed: u64,
    rng: u64,
    done: bool,
    current: Arc<Mutex<Current>>,
}

impl Follow {
    /// A replay of `tasks` (schedule seed `seed`, for shuttle's data
    /// source); the choices it makes go to `current`.
    pub fn new(tasks: Vec<usize>, seed: u64, current: Arc<Mutex<Current>>) -> Self {
        Follow {
            tasks,
            at: 0,
            seed,
            rng: seed,
            done: false,
            current,
        }
    }
}

impl Scheduler for Follow {
    fn new_execution(&mut self) -> Option<Schedule> {
        if self.done {
            return None;
        }
        self.done = true;
        let mut current = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        current.seed = self.seed;
        current.choices = Choices::default();
        Some(Schedule::new(self.seed))
    }

    fn next_task(
        &mut self,
        runnable: &[&Task],
        current: Option<TaskId>,
        _is_yielding: bool,
    ) -> Option<TaskId> {
        let can_run = |id: usize| runnable.iter().find(|t| usize::from(t.id()) == id);
        let listed = self.tasks.get(self.at).and_then(|id| can_run(*id));
        let kept = current.and_then(|c| can_run(usize::from(c)));
        let chosen = listed
            .or(kept)
            .or_else(|| runnable.iter().min_by_key(|t| usize::from(t.id())))
            .expect("shuttle asks only when a task can run")
            .id();
        self.at += 1;
        self.current
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .choices
            .push(runnable, current, chosen);
        Some(chosen)
    }

    fn next_u64(&mut self) -> u64 {
        splitmix(&mut self.rng)
    }
}

/// A shrunk failure, recorded.
pub struct Trace {
    /// Which scheduler found the failure.
    pub scheduler: &'static str,
    /// The failing schedule's seed.
    pub seed: u64,
    /// Schedules the search ran to find it.
    pub count: u64,
    /// Preemptions in the schedule the search found.
    pub preemptions_found: usize,
    /// Preemptions in the shrunk schedule the trace shows.
    pub preemptions: usize,
    /// Replays shrinking took.
    pub replays: usize,
    /// The thread columns, in order of their first index.
    pub threads: Vec<String>,
    /// The shrunk schedule's steps.
    pub rows: Vec<Row>,
    /// Every violation the shrunk schedule showed.
    pub violations: Vec<Violation>,
}

impl Trace {
    /// The header line and the table.
    pub fn text(&self) -> String {
        let mut out = format!(
            "found by {} (seed {}) after {} schedule{}; shrunk from {} to {} preemption{} in {} replay{}; replay: --seed {} or RACELAB_SEED={}\n",
            self.scheduler,
            self.seed,
            self.count,
            plural(self.count as usize),
            self.preemptions_found,
            self.preemptions,
            plural(self.preemptions),
            self.replays,
            plural(self.replays),
            self.seed,
            self.seed,
        );
        if self.rows.is_empty() {
            out.push_str("(no steps recorded: the code under test records none, and the facade recorded none)\n");
        } else {
            out.push_str(&render::grid(&self.threads, &self.rows));
        }
        // The shrunk schedule fails the same way, not always with the same
        // numbers as the schedule the search found.
        if let Some(v) = self.violations.first() {
            out.push_str(&format!("this schedule: {v}\n"));
        }
        out
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// One replay of `tasks`: the violations it failed with (empty if it did
/// not fail with a violation), the choices it made and the probe's state.
fn replay<F, N>(
    tasks: &[usize],
    seed: u64,
    max_steps: usize,
    record_steps: bool,
    label: &N,
    body: &Arc<F>,
) -> (Vec<Violation>, Choices, ProbeState)
where
    N: Fn(usize) -> String,
    F: Fn(Probe) -> Result<(), Vec<Violation>> + Send + Sync + 'static,
{
    let current: Arc<Mutex<Current>> = Arc::default();
    let follow = Follow::new(tasks.to_vec(), seed, Arc::clone(&current));
    let (_, stop, state) = schedules(follow, max_steps, record_steps, label, Arc::clone(body));
    let violations = match stop {
        Some(Stop::Violated(v)) => v,
        _ => Vec::new(),
    };
    let choices = current
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .choices
        .clone();
    (violations, choices, state)
}

/// The choices `tasks` without the preemption at `at`: the preempted task
/// runs on there with its next run of steps, moved up from later in the
/// schedule (`None` if it never ran again).
fn merge(tasks: &[usize], at: usize) -> Option<Vec<usize>> {
    let preempted = tasks[at - 1];
    let from = at + tasks[at..].iter().position(|t| *t == preempted)?;
    let len = tasks[from..]
        .iter()
        .take_while(|t| **t == preempted)
        .count();
    let mut merged = tasks[..at].to_vec();
    merged.extend_from_slice(&tasks[from..from + len]);
    merged.extend_from_slice(&tasks[at..from]);
    merged.extend_from_slice(&tasks[from + len..]);
    Some(merged)
}

/// Shrinks `found` and replays the result with steps recorded; `None` if
/// the failing schedule does not fail again when replayed (the code under
/// test is not deterministic under a fixed schedule).
pub(crate) fn trace<F, N>(found: &Found, max_steps: usize, label: &N, body: Arc<F>) -> Option<Trace>
where
    N: Fn(usize) -> String,
    F: Fn(Probe) -> Result<(), Vec<Violation>> + Send + Sync + 'static,
{
    let same = |v: &[Violation]| v.first().is_some_and(|v| v.kind == found.kind);
    let mut best = found.choices.clone();
    let mut replays = 0;
    // Passes until one removes nothing: each tries, from the last
    // preemption to the first, to end the schedule there (every later
    // choice keeps the running task), then to keep the running task at
    // that one choice only.
    let mut shrunk = true;
    while shrunk && replays < MAX_REPLAYS {
        shrunk = false;
        let mut i = best.preemptions.len();
        while i > 0 && replays < MAX_REPLAYS {
            i -= 1;
            let at = best.preemptions[i];
            let cut = best.tasks[..at].to_vec();
            let merged = merge(&best.tasks, at);
            // The running task was the one chosen just before.
            let mut kept = best.tasks.clone();
            kept[at] = kept[at - 1];
            for tasks in [Some(cut), merged, Some(kept)].into_iter().flatten() {
                if replays >= MAX_REPLAYS {
                    break;
                }
                let (violations, choices, _) =
                    replay(&tasks, found.seed, max_steps, false, label, &body);
                replays += 1;
                if same(&violations) && choices.preemptions.len() < best.preemptions.len() {
                    best = choices;
                    shrunk = true;
                    i = i.min(best.preemptions.len());
                    break;
                }
            }
        }
    }
    let (violations, choices, mut state) =
        replay(&best.tasks, found.seed, max_steps, true, label, &body);
    replays += 1;
    if !same(&violations) {
        return None;
    }
    // The models name their steps through the probe; user code has only
    // the facade's record of its operations.
    if state.steps.is_empty() {
        state.steps = crate::sync::record::execution_steps();
    }
    let rows = trim::rows(&state, label);
    let threads = crate::explain::columns(&state, &rows, label);
    Some(Trace {
        scheduler: found.scheduler,
        seed: found.seed,
        count: found.count,
        preemptions_found: found.choices.preemptions.len(),
        preemptions: choices.preemptions.len(),
        replays,
        threads,
        rows,
        violations,
    })
}

#[cfg(test)]
mod tests {
    use super::merge;

    #[test]
    fn merging_lets_the_preempted_task_run_on_with_its_next_run() {
        // 1 runs, 2 preempts it at index 2, 1 comes back at 4 for two steps.
        let tasks = [1, 1, 2, 2, 1, 1, 2];
        assert_eq!(merge(&tasks, 2), Some(vec![1, 1, 1, 1, 2, 2, 2]));
        // A task that never runs again cannot run on.
        assert_eq!(merge(&[1, 2, 2], 1), None);
    }
}
