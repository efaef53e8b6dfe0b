//! The three models: each a piece of shared state with a sequential
//! specification, several implementations (one per strategy), and the
//! invariants that [`crate::check`] verifies on every tier.
//!
//! State that a strategy guards lives in atomic words read and written as
//! two separate Relaxed steps. A broken strategy is then a race *condition*
//! with defined behaviour in Rust (no undefined behaviour anywhere in
//! racelab), exactly like Python's `x += 1`: a read, then a write. A lock
//! makes the pair exclusive and, through its Acquire/Release, makes each
//! holder see the last write; the checkers prove which strategies do both.

pub mod counter;
pub mod queue;
pub mod reference;
pub mod tickets;

/// The three models, by name.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    serde::Serialize,
    serde::Deserialize,
    strum::Display,
    strum::EnumString,
    strum::IntoStaticStr,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum ModelKind {
    /// The shared counter: increments and decrements ([`counter`]).
    Counter,
    /// The ticket office: buyers racing for the last seats ([`tickets`]).
    Tickets,
    /// The bounded queue: producers and consumers ([`queue`]).
    Queue,
}

impl ModelKind {
    /// Every model: counter, tickets, queue.
    pub const ALL: [ModelKind; 3] = [ModelKind::Counter, ModelKind::Tickets, ModelKind::Queue];

    /// Its name on the command line and in reports.
    pub fn name(self) -> &'static str {
        self.into()
    }

    /// The model of that name.
    pub fn parse(name: &str) -> Option<ModelKind> {
        name.parse().ok()
    }
}
