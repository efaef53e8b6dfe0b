//! Which process strategies exist, and where each states its facts.
//!
//! A strategy's facts (its name, what it is, whether it keeps the state
//! correct, what becomes of it when its holder is killed) are [`Facts`]
//! consts on its own type, in its own file, next to its code, as the thread
//! locks' [`Lock::NAME`](crate::lock::Lock::NAME). [`Strategy`] only lists
//! which exist; [`Strategy::descriptor`] is the one place that maps each to
//! its type. A lock strategy is a [`ProcessLock`] that every model's form
//! takes around its critical section (`LockStrategy`); the lock-free
//! strategy and the server take no lock and bring their own form of each
//! model (`OwnForms`).

use super::counter::{CounterUnderLock, ProcessCounter};
use super::lock::{self, ProcessLock};
use super::lockfree::LockFree;
use super::region::RegionWords;
use super::server::Server;
use super::tickets::books::Books;
use super::tickets::office::{OfficeUnderLock, ProcessOffice};
use crate::os::arena::Arena;
use serde::Serialize;

/// What a process strategy states about itself, once, on its own type.
pub trait Facts {
    /// The name the command line, the matrix and the reports use.
    const NAME: &'static str;
    /// One line: what it is.
    const SUMMARY: &'static str;
    /// Does it keep the state correct? (The broken ones are negative
    /// controls: the checker must catch each.)
    const CORRECT: bool;
    /// What becomes of it when its holder is killed with SIGKILL, as
    /// `tests/process_kill.rs` measures it.
    const KILL_OUTCOME: KillOutcome;
}

/// A lock strategy: a [`ProcessLock`], made in the parent before the fork.
pub(crate) trait LockStrategy: Facts {
    /// Makes the lock in the run's `site` (its lock file, or its words in
    /// the shared region).
    fn create<'a>(site: &Site<'a>) -> std::io::Result<Box<dyn ProcessLock + 'a>>;
}

/// A strategy that takes no lock: it brings its own form of each model.
pub(crate) trait OwnForms: Facts {
    /// The counter, reached this strategy's way.
    fn counter<'a>(site: &Site<'a>) -> Box<dyn ProcessCounter + 'a>;
    /// The ticket office of `capacity` seats, reached this strategy's way.
    fn office<'a>(site: &Site<'a>, capacity: usize) -> Box<dyn ProcessOffice + 'a>;
}

/// Where a run's strategy makes its lock or its forms: the run's private
/// directory and its shared region.
#[derive(Clone, Copy)]
pub(crate) struct Site<'a> {
    pub(crate) arena: &'a Arena,
    pub(crate) shared: &'a RegionWords,
}

impl<'a> Site<'a> {
    pub(crate) fn new(arena: &'a Arena, shared: &'a RegionWords) -> Site<'a> {
        Site { arena, shared }
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
    /// [`Facts::CORRECT`].
    pub correct: bool,
    /// [`Facts::KILL_OUTCOME`].
    pub kill_outcome: KillOutcome,
    forms: Forms,
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
    /// A lock strategy's descriptor.
    const fn lock<L: LockStrategy>() -> Descriptor {
        Descriptor {
            name: L::NAME,
            summary: L::SUMMARY,
            correct: L::CORRECT,
            kill_outcome: L::KILL_OUTCOME,
            forms: Forms::Lock(L::create),
        }
    }

    /// A lockless strategy's descriptor.
    const fn own<S: OwnForms>() -> Descriptor {
        Descriptor {
            name: S::NAME,
            summary: S::SUMMARY,
            correct: S::CORRECT,
            kill_outcome: S::KILL_OUTCOME,
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
            Strategy::Flock => const { &Descriptor::lock::<FlockLock>() },
            Strategy::Ofd => const { &Descriptor::lock::<RecordLock<Ofd>>() },
            Strategy::Fcntl => const { &Descriptor::lock::<RecordLock<Classic>>() },
            Strategy::LockFile => const { &Descriptor::lock::<LockFile>() },
            Strategy::RobustMutex => const { &Descriptor::lock::<RobustMutex>() },
            Strategy::Semaphore1 => const { &Descriptor::lock::<SemaphoreLock<1>>() },
            Strategy::Spin => const { &Descriptor::lock::<ShmSpinLock>() },
            Strategy::Atomic => const { &Descriptor::own::<LockFree>() },
            Strategy::Server => const { &Descriptor::own::<Server>() },
            Strategy::None => const { &Descriptor::lock::<Unlocked>() },
            Strategy::Semaphore2 => const { &Descriptor::lock::<SemaphoreLock<2>>() },
            Strategy::InheritedFlock => const { &Descriptor::lock::<InheritedFlock>() },
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
        self.descriptor().correct
    }

    /// One line: what it is.
    pub fn summary(self) -> &'static str {
        self.descriptor().summary
    }

    /// The documented kill -9 outcome (see each strategy's file).
    pub fn kill_outcome(self) -> KillOutcome {
        self.descriptor().kill_outcome
    }
}

impl std::fmt::Display for Strategy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
