//! A row of a matrix report, read back from its JSON: by `--jobs` from
//! each cell's process, by `--merge` from each shard's file. Only what was
//! observed is read; the expected verdict, the match and the replay are
//! this racelab's to decide again.

use crate::matrix::Pair;
use crate::model::ModelKind;
use crate::tier::{Outcome, Tier};
use serde::Deserialize;

#[derive(Deserialize)]
pub(super) struct RowRecord {
    model: ModelKind,
    strategy: String,
    tier: Tier,
    #[serde(flatten)]
    pub(super) outcome: Outcome,
}

impl RowRecord {
    pub(super) fn is(&self, pair: &Pair, tier: Tier) -> bool {
        self.model == pair.model && self.strategy == pair.strategy && self.tier == tier
    }

    /// The pair this row is about, if this racelab knows it.
    pub(super) fn pair(&self) -> Option<Pair> {
        crate::matrix::find(self.model, &self.strategy)
    }

    pub(super) fn tier(&self) -> Tier {
        self.tier
    }

    /// `model/strategy on tier`, for messages.
    pub(super) fn name(&self) -> String {
        format!("{}/{} on {}", self.model, self.strategy, self.tier)
    }
}
