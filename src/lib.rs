//! # racelab
//!
//! A property and stress testing suite for concurrency correctness: it
//! proves which lock strategies keep shared state correct and shows exactly
//! how the others fail.
//!
//! ## One picture: model x strategy x tier -> verdict
//!
//! - A **model** ([`model`]) is shared state with a sequential specification
//!   and invariants: a [counter](model::counter) (no lost update), a
//!   [ticket office](model::tickets) (never oversell, never sell a seat
//!   twice), a [bounded queue](model::queue) (nothing lost or duplicated,
//!   never over capacity, close wakes everyone, task_done / join).
//! - A **strategy** ([`lock`](mod@lock), and the model-specific ones in [`model`]) is
//!   how concurrent access is made safe, or, for a broken one, exactly how
//!   it fails. [`matrix::all`] lists every pair with the verdict it must
//!   get on each tier.
//! - A **tier** ([`tier`]) is where it runs: under [loom](tier::loom), every
//!   interleaving within a preemption bound; on [real threads](tier::threads),
//!   millions of operations with a race window held open; under
//!   [shuttle](tier::shuttle), random and PCT schedules of larger
//!   configurations, replayable from a printed seed; in [real
//!   processes](process), forked workers sharing a JSON file database or a
//!   shared memory mapping, with kernel locks (flock, fcntl, OFD), locks in
//!   shared memory (robust pthread mutex, semaphore, spin lock), lock-free
//!   atomics, or a server process that owns the state. The queue model
//!   crosses processes as [`process::queue`]: a ring in shared memory and the
//!   kernel's own transports (pipes, fifos, sockets, message queues, a
//!   spool directory), all under one contract and one set of checks.
//! - The **verdict**: holds, or violated with evidence ([`check::Violation`]).
//!
//! - An **explanation** ([`explain`]) is the smallest interleaving that
//!   breaks a strategy, as a table with one column per thread.
//!
//! The same model code runs on every tier because it imports every
//! primitive from the facade [`sync`], generic over a [`sync::Backend`]:
//! [`sync::Std`], [`sync::Loom`] or [`sync::Shuttle`]. A plain `cargo test`
//! runs loom and shuttle; no `RUSTFLAGS`, no second build.
//!
//! ## Checking your own code
//!
//! Your lock, counter, ticket office, queue or concurrent program, written
//! against the facade [`sync`], is checked on every tier by one line in a
//! `#[test]`: [`program!`], [`lock!`], [`counter!`], [`office!`],
//! [`queue!`], each giving a [`verify::Report`]. The tutorial is
//! [`verify`]; `examples/check_*.rs` run each kind.
//!
//! ## Why unlocked code is wrong
//!
//! `x += 1` is three steps: read `x`, add one, write `x`. If another thread
//! reads `x` between our read and our write, both write the same value and
//! one update is lost. loom finds that interleaving in a handful of
//! executions:
//!
//! ```
//! use racelab::model::ModelKind;
//! use racelab::matrix;
//! use racelab::check::ViolationKind;
//! use racelab::tier::loom::LoomConfig;
//!
//! let pair = matrix::find(ModelKind::Counter, "none").unwrap();
//! let plan = matrix::Scale::STANDARD.plan(ModelKind::Counter, racelab::tier::Tier::Loom);
//! let found = pair.explore(&plan, &LoomConfig::bounded(None));
//! assert_eq!(found.outcome.violations[0].kind, ViolationKind::LostUpdate);
//! ```
//!
//! Which interleaving? [`explain`] records each step and prints it
//! (`racelab explain counter none`): T0 reads 0, T1 reads 0, T1 writes 1,
//! T0 writes 1, and `get()` returns 1 where 2 was due.
//!
//! ## Running each tier
//!
//! - `racelab matrix` runs every pair on every tier and prints the table
//!   (`n/a` where a pair has no form on a tier).
//! - `racelab explain <model> <strategy>` prints the failing interleaving
//!   with the fewest preemptions, and the command that replays it.
//! - `racelab rush --buyers 10 --tickets 1 --strategy flock` runs the
//!   ticket rush of docs/scenarios.md §7 with real processes; `racelab
//!   lessons` runs the other process scenarios; `racelab queue --via all`
//!   runs producers and consumers over every process queue.
//!   docs/scenarios.md tells each scenario, its command and its test.
//! - Every command exits 0 when each verdict is the expected one, 1 when
//!   one differs or the run failed at run time, 2 on bad input; the command
//!   line is the module [`cli`], whose [`cli::parse`] checks arguments
//!   without running anything.
//! - `cargo test` runs the same checks as tests: `tests/loom_*.rs` (every
//!   pair under loom, negative controls included), `tests/threads_*.rs`
//!   (scale, proptest-drawn configurations), `tests/prop_*.rs`,
//!   `tests/process_*.rs` (each test isolated by rusty-fork; the crash
//!   tests kill a lock holder with SIGKILL; `process_negative` runs every
//!   broken process strategy 100 times with `-- --ignored`;
//!   `process_queue` and `contract_queue` hold every process queue to
//!   the thread queue's invariants and its contract of put, get,
//!   task_done and join, docs/scenarios.md §3),
//!   `tests/shuttle_pairs.rs` (every pair under shuttle, with its seed), and
//!   `tests/explain_golden.rs` (the classic traces, replayed twice).

#![warn(missing_docs)]
#![warn(unsafe_op_in_unsafe_fn)]

pub mod check;
pub mod cli;
pub mod explain;
pub mod fuzzing;
pub mod lessons;
pub mod lock;
pub mod matrix;
pub mod model;
pub mod os;
pub mod process;
pub mod shard;
pub mod sync;
pub mod tier;
pub mod verify;
pub mod workload;
