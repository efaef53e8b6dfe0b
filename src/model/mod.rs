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
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum ModelKind {
    Counter,
    Tickets,
    Queue,
}

impl ModelKind {
    pub const ALL: [ModelKind; 3] = [ModelKind::Counter, ModelKind::Tickets, ModelKind::Queue];

    pub fn name(self) -> &'static str {
        match self {
            ModelKind::Counter => "counter",
            ModelKind::Tickets => "tickets",
            ModelKind::Queue => "queue",
        }
    }

    pub fn parse(name: &str) -> Option<ModelKind> {
        ModelKind::ALL.into_iter().find(|m| m.name() == name)
    }
}

impl std::fmt::Display for ModelKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
