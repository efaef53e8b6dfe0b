//! What runs against a model: the [`probe`] a model reports to while it
//! runs (steps, race windows, condition waits) and the [`progress`] each
//! worker records, so a watchdog can tell a stuck run from a slow one.

pub mod probe;
pub mod progress;
