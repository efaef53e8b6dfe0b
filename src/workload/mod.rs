//! What runs against a model: a plan and a driver per model ([`counter`],
//! [`tickets`], [`queue`]), generic over the [`Backend`](crate::sync::Backend)
//! so the same code runs under loom, on real threads and under shuttle; the
//! [`probe`] a model reports to while it runs (steps, race windows,
//! condition waits) and the [`progress`] each worker records, so a watchdog
//! can tell a stuck run from a slow one. What a run observed is checked by
//! [`crate::check`].

pub mod counter;
pub mod probe;
pub mod progress;
pub mod queue;
pub mod tickets;
