//! The lessons racelab reproduces beyond the three models (see
//! `docs/scenarios.md`): [`pi`] computed through every IPC mechanism,
//! the process [`pitfall`]s, and the small [`scenario`]s that show what
//! processes do not share.

pub mod pi;
pub mod pitfall;
pub mod scenario;
