//! `racelab matrix --merge FILE...`: the JSON reports of shards 1..=N of
//! one `racelab matrix --shard K/N --json` command, put back together into
//! the table (or JSON) and the exit code one unsharded run would give.
//! Refused, with the reason, unless the files are exactly the N shards of
//! one split, each once, and together hold every cell exactly once.

use super::{Row, RowRecord};
use crate::shard::Shard;
use crate::tier::Tier;
use serde::Deserialize;
use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};

/// A shard's report as `racelab matrix --shard K/N --json` writes it.
#[derive(Deserialize)]
struct ShardReport {
    rows: Vec<RowRecord>,
    /// Absent in an unsharded report.
    shard: Option<ShardField>,
}

#[derive(Deserialize)]
struct ShardField {
    index: usize,
    count: usize,
    /// Cells in the whole split (all shards together).
    cells: usize,
}

/// Why the files do not merge.
#[derive(Debug)]
pub(super) enum MergeError {
    Read(PathBuf, std::io::Error),
    Parse(PathBuf, serde_json::Error),
    NotAShard(PathBuf),
    BadShard(PathBuf, crate::shard::ShardError),
    /// Shards of different splits (N or the cell count differ).
    Mixed(PathBuf, PathBuf),
    Twice(Shard),
    Missing(Shard),
    UnknownPair(PathBuf, String),
    DuplicateCell(String),
    /// The shards hold fewer cells than the split had.
    Short {
        cells: usize,
        rows: usize,
    },
}

impl fmt::Display for MergeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MergeError::Read(p, e) => write!(f, "{}: {e}", p.display()),
            MergeError::Parse(p, e) => write!(
                f,
                "{}: not a matrix report ({e}); write one with racelab matrix --shard K/N --json",
                p.display()
            ),
            MergeError::NotAShard(p) => write!(
                f,
                "{}: not a shard's report (it has no shard; run with --shard K/N --json)",
                p.display()
            ),
            MergeError::BadShard(p, e) => write!(f, "{}: {e}", p.display()),
            MergeError::Mixed(a, b) => write!(
                f,
                "{} and {} are shards of different splits (another N, or other filters)",
                a.display(),
                b.display()
            ),
            MergeError::Twice(s) => write!(f, "shard {s} is given twice"),
            MergeError::Missing(s) => write!(f, "shard {s} is missing"),
            MergeError::UnknownPair(p, cell) => write!(
                f,
                "{}: {cell} is no pair of this racelab (a report of another version?)",
                p.display()
            ),
            MergeError::DuplicateCell(cell) => write!(f, "{cell} is in two shards"),
            MergeError::Short { cells, rows } => {
                write!(f, "the shards hold {rows} of the split's {cells} cells")
            }
        }
    }
}

impl std::error::Error for MergeError {}

/// The merged rows, in the matrix's order.
pub(super) fn merge(files: &[PathBuf]) -> Result<Vec<Row>, MergeError> {
    let mut shards: BTreeMap<usize, (PathBuf, ShardReport)> = BTreeMap::new();
    let mut split: Option<(PathBuf, usize, usize)> = None;
    for path in files {
        let report = read(path)?;
        let field = report
            .shard
            .as_ref()
            .ok_or_else(|| MergeError::NotAShard(path.clone()))?;
        let shard = Shard::new(field.index, field.count)
            .map_err(|e| MergeError::BadShard(path.clone(), e))?;
        match &split {
            None => split = Some((path.clone(), field.count, field.cells)),
            Some((first, count, cells)) if (*count, *cells) != (field.count, field.cells) => {
                return Err(MergeError::Mixed(first.clone(), path.clone()));
            }
            Some(_) => {}
        }
        if shards
            .insert(shard.index(), (path.clone(), report))
            .is_some()
        {
            return Err(MergeError::Twice(shard));
        }
    }
    let Some((_, count, cells)) = split else {
        return Ok(Vec::new());
    };
    if let Some(missing) = Shard::all(count).find(|s| !shards.contains_key(&s.index())) {
        return Err(MergeError::Missing(missing));
    }
    let mut seen = HashSet::new();
    let mut rows = Vec::new();
    for (path, report) in shards.into_values() {
        for record in report.rows {
            let pair = record
                .pair()
                .ok_or_else(|| MergeError::UnknownPair(path.clone(), record.name()))?;
            if !seen.insert((pair.model, pair.strategy, record.tier())) {
                return Err(MergeError::DuplicateCell(record.name()));
            }
            rows.push((pair, record.tier(), record.outcome));
        }
    }
    if rows.len() != cells {
        return Err(MergeError::Short {
            cells,
            rows: rows.len(),
        });
    }
    // The matrix's order: pairs as `racelab list` gives them, then tiers.
    let all = crate::matrix::all();
    let order = |model, name: &str, tier: Tier| {
        let pair = all
            .iter()
            .position(|p| p.model == model && p.strategy == name);
        let tier = Tier::ALL.iter().position(|t| *t == tier);
        (pair, tier)
    };
    rows.sort_by_key(|(pair, tier, _)| order(pair.model, pair.strategy, *tier));
    Ok(rows
        .into_iter()
        .map(|(pair, tier, outcome)| Row::new(&pair, tier, outcome))
        .collect())
}

fn read(path: &Path) -> Result<ShardReport, MergeError> {
    let text = std::fs::read_to_string(path).map_err(|e| MergeError::Read(path.into(), e))?;
    serde_json::from_str(&text).map_err(|e| MergeError::Parse(path.into(), e))
}
