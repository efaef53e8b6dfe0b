//! Splitting a run over N machines: `racelab matrix --shard K/N` runs
//! shard K of N, a stable 1/N of the cells.
//!
//! Cell `i` of the selected list (in the matrix's own order) belongs to
//! shard `i mod N + 1`. The list depends only on racelab's version and the
//! filters given (never on the machine, the time or `--jobs`), so N
//! machines running shards 1..=N of the same command together run every
//! cell exactly once; `racelab matrix --merge` puts their reports back
//! into one table. Round-robin rather than contiguous blocks: the slow
//! loom queue cells sit together in the list, and dealing them out evens
//! the shards' run times.

use std::fmt;
use std::str::FromStr;

/// Shard `index` (1-based) of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub struct Shard {
    index: usize,
    count: usize,
}

/// Why a `K/N` shard was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShardError {
    /// Not of the form `K/N` with two whole numbers.
    Syntax(String),
    /// N is 0.
    NoShards,
    /// K is 0 or above N.
    OutOfRange {
        /// The K asked for.
        index: usize,
        /// The N asked for.
        count: usize,
    },
}

impl fmt::Display for ShardError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ShardError::Syntax(s) => write!(f, "`{s}` is not a shard: expected K/N, e.g. 1/4"),
            ShardError::NoShards => f.write_str("the number of shards must be at least 1"),
            ShardError::OutOfRange { index, count } => {
                write!(
                    f,
                    "shard {index}/{count} does not exist: K runs from 1 to {count}"
                )
            }
        }
    }
}

impl std::error::Error for ShardError {}

impl Shard {
    /// Shard `index` of `count`, both counted from 1.
    pub fn new(index: usize, count: usize) -> Result<Shard, ShardError> {
        if count == 0 {
            Err(ShardError::NoShards)
        } else if index == 0 || index > count {
            Err(ShardError::OutOfRange { index, count })
        } else {
            Ok(Shard { index, count })
        }
    }

    /// Every shard of `count`: 1/count, 2/count, ..., count/count.
    pub fn all(count: usize) -> impl Iterator<Item = Shard> {
        (1..=count).map(move |index| Shard { index, count })
    }

    /// K: which shard this is, from 1.
    pub fn index(self) -> usize {
        self.index
    }

    /// N: how many shards the run is split into.
    pub fn count(self) -> usize {
        self.count
    }

    /// Does the item at `position` (0-based) of the full list belong here?
    pub fn owns(self, position: usize) -> bool {
        position % self.count == self.index - 1
    }

    /// This shard's items of `items`, in their order.
    pub fn select<T>(self, items: impl IntoIterator<Item = T>) -> Vec<T> {
        items
            .into_iter()
            .enumerate()
            .filter(|(i, _)| self.owns(*i))
            .map(|(_, item)| item)
            .collect()
    }
}

impl FromStr for Shard {
    type Err = ShardError;

    fn from_str(s: &str) -> Result<Shard, ShardError> {
        let syntax = || ShardError::Syntax(s.to_string());
        let (k, n) = s.split_once('/').ok_or_else(syntax)?;
        let number = |t: &str| -> Result<usize, ShardError> {
            // Digits only: no sign, no spaces, no `+1`.
            if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
                return Err(syntax());
            }
            t.parse().map_err(|_| syntax())
        };
        Shard::new(number(k)?, number(n)?)
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}
