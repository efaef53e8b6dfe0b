//! A user's own process locks, written here as a user would write them
//! against racelab's public traits, run through the process workloads and
//! the kill -9 check exactly as the built-ins are:
//! - `FileLock`, `flock(2)` through std's `File::try_lock` on a file of the
//!   run's private directory: correct; the kernel releases it when its
//!   holder dies, so the kill check holds.
//! - `WordLock`, a compare-exchange spin lock on a shared word of the
//!   site: correct while every holder lives; its word keeps a dead
//!   holder's pid, so the kill check reports it (`Hang`, naming the pid).
//! - `OwnCopyLock`, a flag in the lock's own fields: every forked worker
//!   flips its own copy (processes share no memory), so it excludes nobody:
//!   updates are lost and seats oversold every run.
//! - `CheckThenSet`, a shared word read, then written a moment later: two
//!   workers that read it free together both walk in (TOCTOU).

mod common;

use racelab::check::ViolationKind;
use racelab::process::lock::{Acquired, LockError, ProcessLock};
use racelab::process::{Facts, ProcessConfig, ProcessLockImpl, Site, kill_check, lock_form};
use racelab::tier::Verdict;
use racelab::workload::counter::CounterPlan;
use racelab::workload::tickets::TicketsPlan;
use std::fs::File;
use std::path::PathBuf;
use std::sync::atomic::AtomicU64;
use std::sync::atomic::Ordering::{Acquire, Relaxed, Release};
use std::time::{Duration, Instant};

/// Polls `attempt` until it succeeds or `within` passes.
fn poll(within: Duration, mut attempt: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + within;
    loop {
        if attempt() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_micros(200));
    }
}

/// `flock(2)` on a file each worker opens itself after the fork.
struct FileLock {
    path: PathBuf,
    file: Option<File>,
}

impl Facts for FileLock {
    const NAME: &'static str = "user-flock";
    const SUMMARY: &'static str = "File::try_lock on a file each worker opens";
}

impl ProcessLockImpl for FileLock {
    fn create<'a>(site: &Site<'a>) -> std::io::Result<Box<dyn ProcessLock + 'a>> {
        let path = site.file("user.lock");
        File::create(&path)?;
        Ok(Box::new(FileLock { path, file: None }))
    }
}

impl ProcessLock for FileLock {
    fn attach(&mut self) -> std::io::Result<()> {
        self.file = Some(File::open(&self.path)?);
        Ok(())
    }

    fn acquire(&mut self, within: Duration) -> Result<Acquired, LockError> {
        let file = self
            .file
            .as_ref()
            .ok_or(LockError::Os("not attached".into()))?;
        if poll(within, || file.try_lock().is_ok()) {
            Ok(Acquired::Clean)
        } else {
            Err(LockError::Stuck { holder: None })
        }
    }

    fn release(&mut self) {
        if let Some(file) = &self.file {
            let _ = file.unlock();
        }
    }
}

/// 0 free, otherwise the holder's pid.
struct WordLock<'a>(&'a AtomicU64);

impl Facts for WordLock<'_> {
    const NAME: &'static str = "user-word";
    const SUMMARY: &'static str = "compare-exchange spin lock on a shared word";
}

impl ProcessLockImpl for WordLock<'_> {
    fn create<'a>(site: &Site<'a>) -> std::io::Result<Box<dyn ProcessLock + 'a>> {
        Ok(Box::new(WordLock(&site.words()[0])))
    }
}

impl ProcessLock for WordLock<'_> {
    fn acquire(&mut self, within: Duration) -> Result<Acquired, LockError> {
        let me = u64::from(std::process::id());
        if poll(within, || {
            self.0.compare_exchange(0, me, Acquire, Relaxed).is_ok()
        }) {
            Ok(Acquired::Clean)
        } else {
            let holder = self.0.load(Relaxed) as i32;
            Err(LockError::Stuck {
                holder: (holder != 0).then_some(holder),
            })
        }
    }

    fn release(&mut self) {
        self.0.store(0, Release);
    }
}

/// Broken: the flag is a field, and each process has its own copy.
struct OwnCopyLock {
    held: bool,
}

impl Facts for OwnCopyLock {
    const NAME: &'static str = "user-own-copy";
    const SUMMARY: &'static str = "a flag in the lock's own memory (each process flips its own)";
}

impl ProcessLockImpl for OwnCopyLock {
    fn create<'a>(_site: &Site<'a>) -> std::io::Result<Box<dyn ProcessLock + 'a>> {
        Ok(Box::new(OwnCopyLock { held: false }))
    }
}

impl ProcessLock for OwnCopyLock {
    fn acquire(&mut self, within: Duration) -> Result<Acquired, LockError> {
        if poll(within, || !std::mem::replace(&mut self.held, true)) {
            Ok(Acquired::Clean)
        } else {
            Err(LockError::Stuck { holder: None })
        }
    }

    fn release(&mut self) {
        self.held = false;
    }
}

/// Broken: reads the shared word, then (a slow moment later) writes it.
struct CheckThenSet<'a>(&'a AtomicU64);

impl Facts for CheckThenSet<'_> {
    const NAME: &'static str = "user-check-then-set";
    const SUMMARY: &'static str = "load the shared word, then store the pid (TOCTOU)";
}

impl ProcessLockImpl for CheckThenSet<'_> {
    fn create<'a>(site: &Site<'a>) -> std::io::Result<Box<dyn ProcessLock + 'a>> {
        Ok(Box::new(CheckThenSet(&site.words()[1])))
    }
}

impl ProcessLock for CheckThenSet<'_> {
    fn acquire(&mut self, within: Duration) -> Result<Acquired, LockError> {
        let me = u64::from(std::process::id());
        let free = poll(within, || self.0.load(Acquire) == 0);
        if !free {
            return Err(LockError::Stuck { holder: None });
        }
        // The gap a real lock closes with one compare-exchange.
        std::thread::sleep(Duration::from_millis(5));
        self.0.store(me, Release);
        Ok(Acquired::Clean)
    }

    fn release(&mut self) {
        self.0.store(0, Release);
    }
}

/// 4 processes, 100 read-then-write updates each.
const COUNTER: CounterPlan = CounterPlan {
    adders: 4,
    subtractors: 0,
    ops: 100,
};

/// 4 buyers wanting 3 tickets each rush 6 seats.
const TICKETS: TicketsPlan = TicketsPlan {
    buyers: 4,
    tickets: 6,
    per_buyer: 3,
};

/// A correct lock runs 3 rounds with a short window; a broken one must
/// fail its one round, the window long enough for every worker to walk in.
fn config(correct: bool) -> ProcessConfig {
    ProcessConfig {
        rounds: if correct { 3 } else { 1 },
        hold: Duration::from_millis(if correct { 20 } else { 300 }),
        ..ProcessConfig::default()
    }
}

fn holds<L: ProcessLockImpl>() {
    let form = lock_form::<L>();
    let counter = racelab::tier::processes::run(form, &COUNTER, &config(true));
    assert_eq!(
        counter.verdict(),
        Verdict::Holds,
        "{form} counter: {counter:?}"
    );
    let tickets = racelab::tier::processes::run(form, &TICKETS, &config(true));
    assert_eq!(
        tickets.verdict(),
        Verdict::Holds,
        "{form} tickets: {tickets:?}"
    );
}

fn excludes_nobody<L: ProcessLockImpl>() {
    let form = lock_form::<L>();
    let counter = racelab::tier::processes::run(form, &COUNTER, &config(false));
    let kinds: Vec<ViolationKind> = counter.violations.iter().map(|v| v.kind).collect();
    assert_eq!(kinds, [ViolationKind::LostUpdate], "{form}: {counter:?}");
    let tickets = racelab::tier::processes::run(form, &TICKETS, &config(false));
    let kinds: Vec<ViolationKind> = tickets.violations.iter().map(|v| v.kind).collect();
    assert!(
        kinds.contains(&ViolationKind::Oversold),
        "{form}: {tickets:?}"
    );
}

common::forked_tests! {
    #![rusty_fork(timeout_ms = 120_000)]

    #[test]
    fn user_flock_lock_keeps_the_counter_and_the_office_correct() { holds::<FileLock>() }
    #[test]
    fn user_spin_lock_on_a_shared_word_keeps_the_counter_and_the_office_correct() {
        holds::<WordLock>()
    }
    #[test]
    fn user_lock_in_its_own_memory_loses_updates_and_oversells() {
        excludes_nobody::<OwnCopyLock>()
    }
    #[test]
    fn user_check_then_set_lock_loses_updates_and_oversells() {
        excludes_nobody::<CheckThenSet>()
    }

    /// The kernel drops a dead process's flock: the next taker gets it and
    /// the office still sells every seat, once.
    #[test]
    fn killed_holder_of_a_user_flock_lock_is_released_and_the_check_holds() {
        let outcome = kill_check(lock_form::<FileLock>());
        assert_eq!(outcome.verdict(), Verdict::Holds, "{outcome:?}");
    }

    /// Nobody clears a dead holder's pid from the word: the lock would be
    /// held forever, and the check says so, naming the dead pid.
    #[test]
    fn killed_holder_of_a_user_spin_lock_leaves_it_held_forever() {
        let outcome = kill_check(lock_form::<WordLock>());
        assert_eq!(outcome.verdict(), Verdict::Violated, "{outcome:?}");
        let v = &outcome.violations[0];
        assert_eq!(v.kind, ViolationKind::Hang, "{v:?}");
        assert!(v.evidence.contains("held by pid"), "{}", v.evidence);
        let trace = v.trace.as_deref().expect("the crash's steps");
        assert!(trace.contains("parent: killed the victim with SIGKILL"), "{trace}");
    }

    /// The public entry point: one line runs the counter, the ticket rush
    /// and the kill check on a user's lock, one report.
    #[test]
    fn the_entry_point_proves_a_user_flock_lock() {
        let report = racelab::verify::process::lock::<FileLock>().assert_holds();
        assert_eq!(report.runs.len(), 3, "{report}");
    }

    /// ... and names what a lock that dies held does to the system.
    #[test]
    fn the_entry_point_reports_a_user_spin_lock_held_after_its_holder_died() {
        let report = racelab::verify::process::lock::<WordLock>().run();
        assert_eq!(report.run("counter", racelab::tier::Tier::Processes).unwrap().verdict(), Verdict::Holds, "{report}");
        report.assert_violated(ViolationKind::Hang);
    }
}
