//! A corpus of implementations written as a racelab user would write them,
//! with only the public API: the facade ([`racelab::sync`]), the model
//! traits, [`racelab::lock::RawLock`] and the `verify` macros. Most are
//! broken in ways racelab's own strategies are not; each states the bug it
//! has (or that it has none) and the violations a catching tier may report.
//!
//! One file per kind of thing a user brings: `locks`, `counters`,
//! `offices`, `queues`, `programs`, and `crowds` (programs with more threads
//! than loom holds). `tests/corpus.rs` runs it as tests;
//! `examples/corpus.rs` prints the per-tier table.

#![allow(dead_code)] // each user of the corpus reads only part of an Entry

use racelab::check::ViolationKind;
use racelab::sync::Backend;
use racelab::verify::Check;
use std::sync::Arc;

pub mod counters;
pub mod crowds;
pub mod locks;
pub mod offices;
pub mod programs;
pub mod queues;

/// One implementation of the corpus and the verdict it must get.
pub struct Entry {
    /// Its name (a test is named after it).
    pub name: &'static str,
    /// `lock`, `counter`, `office`, `queue` or `program`.
    pub kind: &'static str,
    /// Whether it has a bug.
    pub broken: bool,
    /// One line: what a user got wrong (or why it is correct).
    pub bug: &'static str,
    /// The kinds a catching tier may report (empty for a correct one).
    pub expect: &'static [ViolationKind],
    /// Why racelab cannot judge it right yet, and what it would need (None:
    /// it must). On a broken entry: why no tier catches it; on a correct
    /// one: which tier raises a false alarm (the others must not).
    pub gap: Option<&'static str>,
    /// Makes its check.
    pub check: fn() -> Check,
}

/// Spawns `f(i)` on `n` facade threads and joins them all: the
/// programs' way of starting a crowd.
pub fn each<B: Backend>(n: usize, f: impl Fn(usize) + Send + Sync + 'static) {
    let f = Arc::new(f);
    let handles: Vec<_> = (0..n)
        .map(|i| {
            let f = Arc::clone(&f);
            B::spawn(move || f(i))
        })
        .collect();
    for h in handles {
        racelab::verify::join::<B, ()>(h);
    }
}

/// Every entry, kind by kind.
pub fn entries() -> Vec<Entry> {
    let mut all = locks::entries();
    all.extend(counters::entries());
    all.extend(offices::entries());
    all.extend(queues::entries());
    all.extend(programs::entries());
    all.extend(crowds::entries());
    all
}

/// The entry named `name`.
pub fn entry(name: &str) -> Entry {
    entries()
        .into_iter()
        .find(|e| e.name == name)
        .unwrap_or_else(|| panic!("no corpus entry named {name}"))
}

/// A correct entry.
pub const fn correct(
    name: &'static str,
    kind: &'static str,
    why: &'static str,
    check: fn() -> Check,
) -> Entry {
    Entry {
        name,
        kind,
        broken: false,
        bug: why,
        expect: &[],
        gap: None,
        check,
    }
}

/// A broken entry racelab must catch with one of `expect`.
pub const fn broken(
    name: &'static str,
    kind: &'static str,
    bug: &'static str,
    expect: &'static [ViolationKind],
    check: fn() -> Check,
) -> Entry {
    Entry {
        name,
        kind,
        broken: true,
        bug,
        expect,
        gap: None,
        check,
    }
}

impl Entry {
    /// The same entry, marked as one racelab cannot catch yet.
    pub const fn gap(self, why: &'static str) -> Entry {
        Entry {
            gap: Some(why),
            ..self
        }
    }
}
