//! Which process strategies exist, and where each states its facts.
//!
//! A strategy's facts (its name, what it is) are [`Facts`] consts on its
//! own type, in its own file, next to its code, as the thread locks'
//! [`Lock::NAME`](crate::lock::Lock::NAME); a built-in also states what it
//! is expected to do ([`Expected`]: whether it keeps the state correct,
//! what becomes of it when its holder is killed). [`Strategy`] only lists
//! which exist; [`Strategy::descriptor`] is the one place that maps each
//! to its type. A lock strategy is a [`ProcessLockImpl`]: it makes a
//! [`ProcessLock`] that every model's form takes around its critical
//! section. A user's lock takes the same public path ([`lock_form`]); the
//! lock-free strategy and the server take no lock and bring their own form
//! of each model (`OwnForms`).

use super::counter::{CounterUnderLock, ProcessCounter};
use super::lock::{self, ProcessLock};
use super::lockfree::LockFree;
use super::region::{RegionWords, SPARE_WORDS};
use super::server::Server;
use super::tickets::books::Books;
use super::tickets::office::{OfficeUnderLock, ProcessOffice};
use crate::os::arena::Arena;
use serde::Serialize;
use std::sync::atomic::AtomicU64;

/// What a process strategy states about itself, once, on its own type:
/// its name and what it is. A user's process lock states these too.
pub trait Facts {
    /// The name the command line, the matrix and the reports use.
    const NAME: &'static str;
    /// One line: what it is.
    const SUMMARY: &'static str;
}

/// What a built-in strategy is expected to do: the verdict it must get and
/// what becomes of it when its holder is killed. A user's lock states no
/// expectation: the checker finds out.
pub trait Expected: Facts {
    /// Does it keep the state correct? (The broken ones are negative
    /// controls: the checker must catch each.)
    const CORRECT: bool;
    /// What becomes of it when its holder is killed with SIGKILL, as
    /// `tests/process_kill.rs` measures it.
    const KILL_OUTCOME: KillOutcome;
}

/// A kind of process lock: how to make one in a run's [`Site`], in the
/// parent, before the fork. Every built-in lock is one, and so is a
/// user's: [`lock_form`] makes it the process form of the counter and the
/// ticket office, and [`kill_check`](super::kill::kill_check) kills its
/// holder.
///
/// The lock the parent makes is copied into every forked worker, which
/// then calls [`ProcessLock::attach`] once before its first acquire. What
/// the workers must share lives where every process reaches it: a file in
/// the run's private directory ([`Site::file`], for a file lock) or words
/// of the shared mapping ([`Site::words`], for a lock in memory). A field
/// of the lock itself is each process's own copy after the fork.
///
/// ```
/// use racelab::process::lock::{Acquired, LockError, ProcessLock};
/// use racelab::process::strategy::{Facts, ProcessLockImpl, Site};
/// use std::sync::atomic::{AtomicU64, Ordering::{Acquire, Release}};
/// use std::time::{Duration, Instant};
///
/// /// A spin lock on the first spare word: 0 free, else the holder's pid.
/// struct WordLock<'a>(&'a AtomicU64);
///
/// impl Facts for WordLock<'_> {
///     const NAME: &'static str = "word-lock";
///     const SUMMARY: &'static str = "compare-exchange spin lock on a shared word";
/// }
///
/// impl ProcessLockImpl for WordLock<'_> {
///     fn create<'a>(site: &Site<'a>) -> std::io::Result<Box<dyn ProcessLock + 'a>> {
///         Ok(Box::new(WordLock(&site.words()[0])))
///     }
/// }
///
/// impl ProcessLock for WordLock<'_> {
///     fn acquire(&mut self, within: Duration) -> Result<Acquired, LockError> {
///         let (me, deadline) = (u64::from(std::process::id()), Instant::now() + within);
///         while self.0.compare_exchange(0, me, Acquire, Acquire).is_err() {
///             if Instant::now() >= deadline {
///                 let holder = self.0.load(Acquire) as i32;
///                 return Err(LockError::Stuck { holder: Some(holder) });
///             }
///             std::thread::yield_now();
///         }
///         Ok(Acquired::Clean)
///     }
///
///     fn release(&mut self) {
///         self.0.store(0, Release);
///     }
/// }
///
/// let form = racelab::process::lock_form::<WordLock>();
/// assert_eq!(form.name(), "word-lock");
/// ```
pub trait ProcessLockImpl: Facts {
    /// Makes the lock in the run's `site` (its lock file, or its words in
    /// the shared region), in the parent before the fork.
    fn create<'a>(site: &Site<'a>) -> std::io::Result<Box<dyn ProcessLock + 'a>>;
}

/// A strategy that takes no lock: it brings its own form of each model.
pub(crate) trait OwnForms: Expected {
    /// The counter, reached this strategy's way.
    fn counter<'a>(site: &Site<'a>) -> Box<dyn ProcessCounter + 'a>;
    /// The ticket office of `capacity` seats, reached this strategy's way.
    fn office<'a>(site: &Site<'a>, capacity: usize) -> Box<dyn ProcessOffice + 'a>;
}

/// Where a run's strategy makes its lock or its forms, in the parent
/// before the fork: the run's private directory (removed with everything
/// in it when the run ends) and its shared mapping (zeroed at the start of
/// every run, and seen at the same address by every forked worker).
#[derive(Clone, Copy)]
pub struct Site<'a> {
    pub(crate) arena: &'a Arena,
    pub(crate) shared: &'a RegionWords,
}

impl<'a> Site<'a> {
    pub(crate) fn new(arena: &'a Arena, shared: &'a RegionWords) -> Site<'a> {
        Site { arena, shared }
    }

    /// The path of `name` in the run's private directory (nothing is
    /// created): where a file lock keeps its lock file. Names are the
    /// caller's to choose; the built-ins use `lock`, `region` and
    /// `tickets.json`.
    pub fn file(&self, name: &str) -> std::path::PathBuf {
        self.arena.file(name)
    }

    /// The run's private directory itself.
    pub fn arena(&self) -> &'a Arena {
        self.arena
    }

    /// [`SPARE_WORDS`] words of the shared mapping, zero at the start of
    /// every run, that no built-in touches: a lock in shared memory keeps
    /// its state here. Every forked worker sees the same words.
    pub fn words(&self) -> &'a [AtomicU64; SPARE_WORDS] {
        &self.shared.spare
    }

    /// The lock file a file lock strategy uses.
    pub(crate) fn lock_file(&self) -> std::path::PathBuf {
        self.arena.file("lock")
    }
}

/// What becomes of the lock when its holder is killed with SIGKILL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum KillOutcome {
    /// The kernel released it with the dead process's descriptors.
    Released,
    /// The next holder was told the owner died, repaired the state and
    /// marked the lock consistent.
    Recovered,
    /// Still held by the dead worker at the deadline.
    Stuck,
    /// A lock file naming a dead pid stays behind.
    Stale,
    /// The dead worker's permit is gone; the others still work.
    Leaked,
    /// Nothing held anything (no lock, lock-free, a server, or a lock that
    /// excluded nobody in the first place).
    Unaffected,
}

type MakeLock = for<'a> fn(&Site<'a>) -> std::io::Result<Box<dyn ProcessLock + 'a>>;
type MakeCounter = for<'a> fn(&Site<'a>) -> Box<dyn ProcessCounter + 'a>;
type MakeOffice = for<'a> fn(&Site<'a>, usize) -> Box<dyn ProcessOffice + 'a>;

/// One strategy's facts, read from its type, and how it makes each model's
/// form.
pub struct Descriptor {
    /// [`Facts::NAME`].
    pub name: &'static str,
    /// [`Facts::SUMMARY`].
    pub summary: &'static str,
    /// What a built-in is expected to do; `None` for a user's lock.
    pub expected: Option<Expectation>,
    forms: Forms,
}

/// A built-in strategy's [`Expected`] consts, as values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expectation {
    /// [`Expected::CORRECT`].
    pub correct: bool,
    /// [`Expected::KILL_OUTCOME`].
    pub kill_outcome: KillOutcome,
}

/// How a strategy's workers reach the state.
enum Forms {
    /// Through a lock, taken by the locked form of each model.
    Lock(MakeLock),
    /// Through forms of the strategy's own.
    Own {
        counter: MakeCounter,
        office: MakeOffice,
    },
}

impl Descriptor {
    /// A lock's descriptor: a user's (no expectation) or, with
    /// `expected`, a built-in's.
    const fn lock<L: ProcessLockImpl>(expected: Option<Expectation>) -> Descriptor {
        Descriptor {
            name: L::NAME,
            summary: L::SUMMARY,
            expected,
            forms: Forms::Lock(L::create),
        }
    }

    /// A built-in lock strategy's descriptor.
    const fn builtin<L: ProcessLockImpl + Expected>() -> Descriptor {
        Descriptor::lock::<L>(Some(Expectation::of::<L>()))
    }

    /// A lockless strategy's descriptor.
    const fn own<S: OwnForms>() -> Descriptor {
        Descriptor {
            name: S::NAME,
            summary: S::SUMMARY,
            expected: Some(Expectation::of::<S>()),
            forms: Forms::Own {
                counter: S::counter,
                office: S::office,
            },
        }
    }

    /// The strategy's lock, if it is a lock.
    pub(crate) fn lock_in<'a>(
        &self,
        site: &Site<'a>,
    ) -> std::io::Result<Option<Box<dyn ProcessLock + 'a>>> {
        match self.forms {
            Forms::Lock(make) => make(site).map(Some),
            Forms::Own { .. } => Ok(None),
        }
    }

    /// The counter's form under this strategy.
    pub(crate) fn counter<'a>(
        &self,
        site: &Site<'a>,
    ) -> std::io::Result<Box<dyn ProcessCounter + 'a>> {
        Ok(match self.forms {
            Forms::Lock(make) => Box::new(CounterUnderLock::new(make(site)?, site.shared)),
            Forms::Own { counter, .. } => counter(site),
        })
    }

    /// The ticket office's form under this strategy, of `capacity` seats;
    /// a lock strategy keeps it in `books`.
    pub(crate) fn office<'a>(
        &self,
        site: &Site<'a>,
        books: &'a dyn Books,
        capacity: usize,
    ) -> std::io::Result<Box<dyn ProcessOffice + 'a>> {
        Ok(match self.forms {
            Forms::Lock(make) => Box::new(OfficeUnderLock::new(
                make(site)?,
                books,
                site.shared,
                capacity,
            )),
            Forms::Own { office, .. } => office(site, capacity),
        })
    }
}

impl Expectation {
    const fn of<S: Expected>() -> Expectation {
        Expectation {
            correct: S::CORRECT,
            kill_outcome: S::KILL_OUTCOME,
        }
    }
}

/// The process form of the counter and the ticket office: a built-in
/// strategy ([`Strategy`] converts into one) or a user's lock
/// ([`lock_form`]). The models' rounds and the kill check take it and
/// never ask which it is.
#[derive(Clone, Copy)]
pub struct ProcessForm(&'static Descriptor);

impl ProcessForm {
    /// Its facts and how it makes each model's form.
    pub fn descriptor(self) -> &'static Descriptor {
        self.0
    }

    /// Its name in reports.
    pub fn name(self) -> &'static str {
        self.0.name
    }

    /// One line: what it is.
    pub fn summary(self) -> &'static str {
        self.0.summary
    }

    /// What a built-in is expected to do; `None` for a user's lock.
    pub fn expected(self) -> Option<Expectation> {
        self.0.expected
    }
}

impl std::fmt::Debug for ProcessForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("ProcessForm").field(&self.0.name).finish()
    }
}

impl std::fmt::Display for ProcessForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0.name)
    }
}

impl From<Strategy> for ProcessForm {
    fn from(strategy: Strategy) -> ProcessForm {
        ProcessForm(strategy.descriptor())
    }
}

/// A user's process lock `L` as the process form of the counter and the
/// ticket office (and of [`kill_check`](super::kill::kill_check)): its name
/// and summary from its [`Facts`], no expected verdict.
pub fn lock_form<L: ProcessLockImpl>() -> ProcessForm {
    ProcessForm(const { &Descriptor::lock::<L>(None) })
}

/// The process strategies, by name: which exist, in the order the command
/// line and the matrix list them. Everything about one is on its type
/// ([`Strategy::descriptor`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Strategy {
    /// `flock(2)` on a lock file each worker opens itself.
    Flock,
    /// An open-file-description record lock (`F_OFD_SETLK`).
    Ofd,
    /// A classic `fcntl` record lock (`F_SETLK`).
    Fcntl,
    /// An `O_CREAT | O_EXCL` lock file, unlinked to release.
    LockFile,
    /// A robust, process-shared pthread mutex in shared memory.
    RobustMutex,
    /// A process-shared semaphore with 1 permit.
    Semaphore1,
    /// A spin lock on a shared memory word.
    Spin,
    /// Lock-free atomics in shared memory (`fetch_add`, compare-exchange).
    Atomic,
    /// A server process owns the state; workers send it requests.
    Server,
    /// No lock at all: read, then write (broken).
    None,
    /// A process-shared semaphore with 2 permits (broken: two at once).
    Semaphore2,
    /// `flock(2)` on a descriptor opened before the fork (broken: it
    /// excludes nobody).
    InheritedFlock,
}

impl Strategy {
    /// Every strategy, in the order the command line and the matrix list
    /// them.
    pub const ALL: [Strategy; 12] = [
        Strategy::Flock,
        Strategy::Ofd,
        Strategy::Fcntl,
        Strategy::LockFile,
        Strategy::RobustMutex,
        Strategy::Semaphore1,
        Strategy::Spin,
        Strategy::Atomic,
        Strategy::Server,
        Strategy::None,
        Strategy::Semaphore2,
        Strategy::InheritedFlock,
    ];

    /// The strategy's type, as its facts and its forms.
    pub fn descriptor(self) -> &'static Descriptor {
        use lock::*;
        match self {
            Strategy::Flock => const { &Descriptor::builtin::<FlockLock>() },
            Strategy::Ofd => const { &Descriptor::builtin::<RecordLock<Ofd>>() },
            Strategy::Fcntl => const { &Descriptor::builtin::<RecordLock<Classic>>() },
            Strategy::LockFile => const { &Descriptor::builtin::<LockFile>() },
            Strategy::RobustMutex => const { &Descriptor::builtin::<RobustMutex>() },
            Strategy::Semaphore1 => const { &Descriptor::builtin::<SemaphoreLock<1>>() },
            Strategy::Spin => const { &Descriptor::builtin::<ShmSpinLock>() },
            Strategy::Atomic => const { &Descriptor::own::<LockFree>() },
            Strategy::Server => const { &Descriptor::own::<Server>() },
            Strategy::None => const { &Descriptor::builtin::<Unlocked>() },
            Strategy::Semaphore2 => const { &Descriptor::builtin::<SemaphoreLock<2>>() },
            Strategy::InheritedFlock => const { &Descriptor::builtin::<InheritedFlock>() },
        }
    }

    /// Its name on the command line and in reports (`flock`, `none`).
    pub fn name(self) -> &'static str {
        self.descriptor().name
    }

    /// The strategy named `name`, if any.
    pub fn parse(name: &str) -> Option<Strategy> {
        Strategy::ALL.into_iter().find(|s| s.name() == name)
    }

    /// Does it keep the state correct?
    pub fn correct(self) -> bool {
        self.expectation().correct
    }

    /// One line: what it is.
    pub fn summary(self) -> &'static str {
        self.descriptor().summary
    }

    /// The documented kill -9 outcome (see each strategy's file).
    pub fn kill_outcome(self) -> KillOutcome {
        self.expectation().kill_outcome
    }

    /// What it is expected to do (every built-in states it).
    fn expectation(self) -> Expectation {
        self.descriptor()
            .expected
            .expect("every built-in strategy states its expectation")
    }
}

impl std::fmt::Display for Strategy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
