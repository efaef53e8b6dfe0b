//! The crash fault: kill -9 a worker while it holds the lock, mid-buy, and
//! see what became of the lock and of the ticket office.
//!
//! 1. The victim takes the lock, records its pid in the region, starts a
//!    sale and waits to be killed.
//! 2. While it lives, a probe process tries to enter a buy briefly: a
//!    strategy that lets the probe in excludes nobody; once the victim is
//!    dead, what it left behind decides ([`KillOutcome::Unaffected`], or a
//!    permit gone for good, [`KillOutcome::Leaked`]).
//! 3. SIGKILL. A second probe tries the lock with a bound: taken
//!    ([`KillOutcome::Released`]), taken with "owner died" and repaired
//!    ([`KillOutcome::Recovered`]), or refused at the deadline
//!    ([`KillOutcome::Stuck`], [`KillOutcome::Stale`]); never a hang.
//! 4. If the office can still be used, a follow-up rush on the same
//!    database checks its invariants: no ticket lost, none sold twice.
//!
//! Every step goes through the office's own form (the crash hooks of
//! `ProcessOffice`) and is decided from typed evidence (what the probe
//! tried, what the dead worker left): never by asking which strategy ran,
//! never by the wording of a message.

use super::failure::WorkerError;
use super::filedb::FileDb;
use super::lock::LockError;
use super::region::Region;
use super::strategy::Site;
use super::tickets::office::ProcessOffice;
use super::tickets::{self, TicketsRun};
use super::{KillOutcome, ProcessConfig, ProcessForm};
use crate::check::{Violation, ViolationKind};
use crate::os::arena::Arena;
use crate::os::crew::Crew;
use crate::tier::{Limit, Outcome, Work};
use crate::workload::tickets::TicketsPlan;
use std::cell::RefCell;
use std::sync::atomic::Ordering::SeqCst;
use std::time::{Duration, Instant};

/// Seats in the crash tests' hall.
const CAPACITY: usize = 3;
/// How long a probe tries the lock.
const PROBE: Duration = Duration::from_millis(300);

/// How far the victim gets before it is killed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Victim {
    /// It read the database and decided to sell; nothing written yet.
    MidBuy,
    /// It wrote the lowered count but not the ledger: half a sale.
    HalfSale,
}

/// What the crash did.
#[derive(Debug, Clone)]
pub struct KillReport {
    /// What became of the lock.
    pub outcome: KillOutcome,
    /// The same in words: the killed pid, and what the next taker found.
    pub detail: String,
    /// The follow-up rush, when the office could still be used.
    pub after: Option<TicketsRun>,
}

/// What a probe found when it tried to enter a buy, from a fresh process.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) enum Tried {
    /// It got in (a lock-free or server office keeps nobody out).
    Took,
    /// It got in, told the owner died, and repaired the state.
    TookOwnerDied,
    /// Still held at the probe's deadline ([`LockError::Stuck`]) or left
    /// behind by a dead holder ([`LockError::Stale`]).
    Refused(LockError),
    Error(String),
}

/// What a killed buyer that kept nobody out left behind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Aftermath {
    /// Nothing: it held nothing that kept anyone out.
    NothingHeld,
    /// Its permit went with it: `left` of `of` remain, for good.
    PermitGone { left: i32, of: u32 },
    /// The server that owns the state still answered (this search); it has
    /// been stopped since, and the state with it.
    ServerAnswers(String),
}

/// Kills a worker holding `form`'s lock (a built-in
/// [`Strategy`](super::Strategy) or a user's
/// [`lock_form`](super::lock_form)); see the module docs.
pub fn crash(form: impl Into<ProcessForm>, victim: Victim) -> std::io::Result<KillReport> {
    let form = form.into();
    let arena = Arena::new()?;
    let region = Region::create(&arena)?;
    let shared = region.shared();
    let db = FileDb::create(&arena.file("tickets.json"), CAPACITY)?;
    let office = RefCell::new(form.descriptor().office(
        &Site::new(&arena, shared),
        &db,
        CAPACITY,
    )?);
    let opening = ProcessConfig {
        deadline: Duration::from_secs(60),
        ..ProcessConfig::default()
    };
    office.borrow_mut().open(CAPACITY, &opening)?;

    let mut victim_crew = Crew::spawn(1, |_| -> Result<(), WorkerError> {
        office.borrow_mut().hold(victim, &mut || {
            shared.holder.store(std::process::id() as i32, SeqCst);
            // The parent kills it long before this ends.
            std::thread::sleep(Duration::from_secs(60));
        })
    })?;
    victim_crew.start();
    let deadline = Instant::now() + Duration::from_secs(10);
    while shared.holder.load(SeqCst) == 0 {
        if Instant::now() >= deadline {
            let failure = victim_crew.collect::<Result<(), WorkerError>>(Duration::ZERO);
            return Err(std::io::Error::other(format!(
                "the victim never took the lock: {failure:?}"
            )));
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    let pid = shared.holder.load(SeqCst);

    // While the victim lives: does a buy keep a probe out?
    let excluded = probe(&office, Duration::from_millis(100))? != Tried::Took;
    victim_crew.kill(0);
    drop(victim_crew.collect::<Result<(), WorkerError>>(Duration::from_secs(5)));

    let (outcome, detail) = if excluded {
        match probe(&office, PROBE)? {
            Tried::Took => (
                KillOutcome::Released,
                format!("pid {pid} killed holding the lock; the kernel released it"),
            ),
            Tried::TookOwnerDied => (
                KillOutcome::Recovered,
                format!(
                    "pid {pid} killed holding the lock; EOWNERDEAD, state repaired, marked consistent"
                ),
            ),
            Tried::Refused(why @ LockError::Stale { .. }) => (
                KillOutcome::Stale,
                format!("pid {pid} killed; after {PROBE:?}: {why}"),
            ),
            Tried::Refused(why) => (
                KillOutcome::Stuck,
                format!("pid {pid} killed; after {PROBE:?}: {why}"),
            ),
            Tried::Error(e) => return Err(std::io::Error::other(e)),
        }
    } else {
        match office.borrow_mut().aftermath()? {
            Aftermath::ServerAnswers(seen) => {
                let detail =
                    format!("pid {pid} killed mid-request; the server still answers: {seen} left");
                // The state lived in the server, stopped now: no office is
                // left for a follow-up rush.
                return Ok(KillReport {
                    outcome: KillOutcome::Unaffected,
                    detail,
                    after: None,
                });
            }
            Aftermath::PermitGone { left, of } => (
                KillOutcome::Leaked,
                format!("pid {pid} killed holding a permit: {left} of {of} left, for good"),
            ),
            Aftermath::NothingHeld => (
                KillOutcome::Unaffected,
                format!("pid {pid} killed; it held nothing that kept anyone out"),
            ),
        }
    };

    let usable = matches!(
        outcome,
        KillOutcome::Released | KillOutcome::Recovered | KillOutcome::Unaffected
    );
    // A built-in known to be broken gets no rush; a user's lock always
    // does: the rush is what shows whether the state survived.
    let after = if usable && form.expected().is_none_or(|e| e.correct) {
        let plan = TicketsPlan::rush(4, CAPACITY);
        let config = ProcessConfig {
            hold: Duration::from_millis(50),
            ..ProcessConfig::default()
        };
        Some(tickets::rush_in(&office, &region, &plan, &config)?)
    } else {
        None
    };
    Ok(KillReport {
        outcome,
        detail,
        after,
    })
}

/// The crash fault as a verdict on a lock `form` (a user's
/// [`lock_form`](super::lock_form), or a built-in): a worker holding it is
/// killed with SIGKILL mid-buy (nothing written yet), then:
/// - **holds** if a fresh process took the lock within 300 ms (released by
///   the kernel, or recovered after "owner died") and a follow-up rush of 4
///   buyers on the same 3-seat office broke no invariant;
/// - **violated**, [`ViolationKind::Hang`], if the lock stayed held by the
///   dead pid (or a lock file naming it stayed behind): every later taker
///   would wait forever; the evidence names the pid and what the next taker
///   got; or violated with the rush's violations if the state broke after;
/// - **inconclusive** if the experiment could not be carried out (the victim
///   never took the lock, a fork failed), or if the lock let a second
///   process in while the victim held it: it excludes nobody, so there was
///   no lock to abandon (the counter and tickets workloads judge that).
pub fn kill_check(form: impl Into<ProcessForm>) -> Outcome {
    let started = Instant::now();
    let work = |count: usize| Work::Operations {
        count: count as u64,
        rounds: 1,
    };
    let report = match crash(form, Victim::MidBuy) {
        Ok(report) => report,
        Err(e) => {
            let why = format!("the kill -9 experiment could not be carried out: {e}");
            return Outcome::inconclusive(Limit::Setup, why, work(0), started.elapsed());
        }
    };
    // The victim's sale, then the rush's.
    let count = 1 + report.after.as_ref().map_or(0, TicketsRun::sold);
    // The rush's violations keep the rush's trace (its buyers' last steps).
    let after = |detail: &str, run: &TicketsRun| -> Vec<Violation> {
        run.violations
            .iter()
            .map(|v| Violation {
                evidence: format!("after {detail}: {}", v.evidence),
                ..v.clone()
            })
            .collect()
    };
    let violations = match (report.outcome, &report.after) {
        (KillOutcome::Stuck | KillOutcome::Stale, _) => vec![
            Violation::new(
                ViolationKind::Hang,
                format!(
                    "the lock stayed held after its holder died ({}); every later taker would wait forever",
                    report.detail
                ),
            )
            .with_trace(crash_trace(&report.detail)),
        ],
        (_, Some(run)) if !run.violations.is_empty() => after(&report.detail, run),
        (KillOutcome::Released | KillOutcome::Recovered, Some(_)) => Vec::new(),
        _ => {
            let why = format!(
                "{}: the lock let a second process in while its holder lived, so no lock was left held; \
                 its exclusion is for the counter and tickets workloads to judge",
                report.detail
            );
            return Outcome::inconclusive(Limit::Setup, why, work(count), started.elapsed());
        }
    };
    Outcome {
        violations,
        work: work(count),
        elapsed: started.elapsed(),
        inconclusive: None,
    }
}

/// The crash experiment's steps, for the trace of a lock it left held: the
/// experiment is fixed (one victim, two probes), so these are its steps.
fn crash_trace(detail: &str) -> String {
    format!(
        "{}\n\
         victim: took the lock, started a buy (nothing written yet), waited\n\
         probe 1: tried to enter a buy for 100ms while the victim lived: kept out\n\
         parent: killed the victim with SIGKILL\n\
         probe 2: tried the lock for {PROBE:?}: refused ({detail})\n",
        super::trace::NO_SEED
    )
}

/// Tries to enter a buy from a fresh process for at most `within`.
fn probe(
    office: &RefCell<Box<dyn ProcessOffice + '_>>,
    within: Duration,
) -> std::io::Result<Tried> {
    let crew = Crew::spawn(1, |_| office.borrow_mut().probe(within))?;
    crew.collect::<Tried>(within + Duration::from_secs(5))
        .pop()
        .expect("one probe")
        .map_err(|e| std::io::Error::other(e.to_string()))
}
