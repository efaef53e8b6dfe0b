//! The scenarios racelab reproduces beyond the three models
//! (docs/scenarios.md): [`pi`] computed through every IPC mechanism (§5),
//! the process [`pitfall`]s ("Pitfalls"), and the small [`scenario`]s that
//! show what processes do not share (§1, §6, §7).

pub mod pi;
pub mod pitfall;
pub mod scenario;
