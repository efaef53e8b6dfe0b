//! # Checking your own code
//!
//! racelab checks what you write the way it checks its own strategies: on
//! every tier that applies (loom: every interleaving within a preemption
//! bound; real threads; shuttle: random and PCT schedules, replayable by
//! seed; real processes), with one [`Report`] that gives a verdict per
//! workload and tier, the evidence, the work done, and the command that
//! replays a failure. Each kind of thing you can bring has a macro that
//! makes its [`Check`]; `assert_holds()` in a `#[test]` proves it,
//! `assert_violated(kind)` proves a negative control.
//!
//! Your code uses the facade [`crate::sync`] (atomics, mutex, condvar,
//! threads, the spin hint) generic over a [`Backend`](crate::sync::Backend)
//! `B`, never `std::sync` directly: that is how the same code runs under
//! loom, on real threads and under shuttle.
//!
//! ## 1. A concurrent program, with its own assertions
//!
//! As short as `loom::model(|| ...)`: `B` is the backend.
//!
//! ```
//! use racelab::sync::{AtomicWord, Backend, Ordering::Relaxed};
//! use racelab::check::ViolationKind;
//! use std::sync::Arc;
//!
//! // Two threads each add 1 with a separate load and store: lost update.
//! let report = racelab::program!(|B| {
//!     let x = Arc::new(B::AtomicUsize::new(0));
//!     let handles: Vec<_> = (0..2)
//!         .map(|_| {
//!             let x = Arc::clone(&x);
//!             B::spawn(move || {
//!                 let seen = x.load(Relaxed);
//!                 x.store(seen + 1, Relaxed);
//!             })
//!         })
//!         .collect();
//!     for h in handles {
//!         racelab::verify::join::<B, _>(h);
//!     }
//!     assert_eq!(x.load(Relaxed), 2, "an update was lost");
//! })
//! .tiers(&[racelab::tier::Tier::Loom, racelab::tier::Tier::Shuttle])
//! .run();
//! assert_eq!(report.on(racelab::tier::Tier::Loom), Some(racelab::tier::Verdict::Violated));
//! ```
//!
//! `racelab::program!(my_program)` checks a named `fn my_program<B: Backend>()`.
//! Join the threads you spawn with [`join`]: it hands a thread's panic on
//! as it was, so your assertion in a thread reaches the report as yours.
//!
//! ## 2. Your counter, ticket office or bounded queue
//!
//! Implement the model's traits ([`Counter`](crate::model::counter::Counter)
//! and [`CounterImpl`](crate::model::counter::CounterImpl);
//! [`TicketOffice`](crate::model::tickets::TicketOffice) and
//! [`TicketsImpl`](crate::model::tickets::TicketsImpl);
//! [`BoundedQueue`](crate::model::queue::BoundedQueue) and
//! [`QueueImpl`](crate::model::queue::QueueImpl)) for a type generic over
//! the backend, and check it with [`counter!`](crate::counter),
//! [`office!`](crate::office) or [`queue!`](crate::queue): racelab runs the
//! model's workload against it (many threads, the model's invariants) on
//! loom, threads and shuttle.
//!
//! ```
//! use racelab::model::counter::{Counter, CounterImpl};
//! use racelab::sync::{AtomicWord, Backend, Ordering::Relaxed};
//! use racelab::workload::probe::Probe;
//!
//! /// fetch_add: correct.
//! pub struct Mine<B: Backend>(B::AtomicI64);
//! impl<B: Backend> Counter for Mine<B> {
//!     fn increment(&self) { self.0.fetch_add(1, Relaxed); }
//!     fn decrement(&self) { self.0.fetch_sub(1, Relaxed); }
//!     fn get(&self) -> i64 { self.0.load(Relaxed) }
//! }
//! impl<B: Backend> CounterImpl<B> for Mine<B> {
//!     fn new(_: Probe) -> Self { Mine(B::AtomicI64::new(0)) }
//! }
//!
//! racelab::counter!(Mine).tiers(&[racelab::tier::Tier::Loom]).assert_holds();
//! ```
//!
//! ## 3. Your lock
//!
//! A lock in `lock_api`'s raw shape (lock, try_lock, a separate unlock) is a
//! [`RawLock`](crate::lock::RawLock). [`lock!`](crate::lock!) runs the
//! exclusion program (threads take it in turn: no two inside at once, every
//! holder sees the last holder's writes, plain data under loom's race
//! detector) and the lock inside the counter and the ticket office. The
//! [`Raw`](crate::lock::Raw) adapter makes it a [`Lock`](crate::lock::Lock)
//! for your own data too ([`Locked`](crate::lock::Locked)).
//!
//! ## 4. Your process lock or process queue
//!
//! A lock between processes is a
//! [`ProcessLock`](crate::process::lock::ProcessLock) made in the parent
//! before the fork by [`ProcessLockImpl::create`](crate::process::ProcessLockImpl)
//! (in the run's private directory, or on shared words of the run's
//! region: [`Site`](crate::process::Site)). [`process::lock`] runs the
//! counter and the ticket rush in forked workers around it, and kills a
//! holder with SIGKILL: a lock the kernel releases, or one that reports its
//! dead owner, holds; one that stays held for ever is a hang. A queue
//! between processes is a [`ProcessQueue`](crate::process::queue::ProcessQueue)
//! made by [`ProcessQueueImpl`](crate::process::queue::ProcessQueueImpl);
//! [`process::queue`] runs producers and consumers through it.
//! `verify::process::lock::<MyLock>().assert_holds()` in a `#[test]`
//! (isolate it with `rusty-fork`, as racelab's own process tests are).
//!
//! ## 5. What a report says
//!
//! A [`Report`] prints one line per workload and tier: the verdict (holds,
//! violated, inconclusive), the work (executions and bound, operations and
//! rounds, schedules and seed), the evidence of each violation, the reason
//! of an inconclusive run (a checker's own limit is never reported as your
//! bug), and how to replay a failure. The shuttle seed comes from the
//! `RACELAB_SEED` environment variable when set ([`SEED_VAR`]), so the
//! replay line of a shuttle failure reruns that schedule.
//!
//! On real threads your code opens no race window of its own, so the
//! threads tier perturbs it: at every facade operation a seeded decision
//! to go on, yield or sleep, PCT-style ([`Perturb`](crate::tier::threads::Perturb),
//! [`Check::perturb`]), from the same seed. A real-threads failure prints
//! that seed and each thread's last facade steps; its replay reruns the
//! same decisions, but the OS still schedules, so it is best effort. A
//! program that deadlocks or livelocks on real threads ends as a hang
//! naming each thread's operation and object (and a lock's holder).
//!
//! racelab's own strategies go through the same entry points:
//! [`Pair::check`](crate::matrix::Pair::check) makes the check of a built-in
//! pair, with the same forms the matrix runs.

mod check;
pub mod lock;
mod macros;
pub mod model;
pub mod process;
pub mod program;
mod report;

pub use check::{Check, SEED_VAR, Settings};
pub use program::join;
pub use report::{Report, Run};
