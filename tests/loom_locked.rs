//! Loom: `Locked<B, L, T>`, the lock_api-style guarded data. A correct lock
//! guarding a plain (non-atomic) cell is race-free in every interleaving;
//! the Relaxed spin lock guarding it is a data race, which loom reports as
//! a "Causality violation" at once.

use racelab::check::ViolationKind;
use racelab::check::{Violation, ViolationKind::DataRace};
use racelab::lock::{Lock, Locked, RelaxedSpinLock, SpinLock, TicketLock};
use racelab::sync::{Backend, Loom};
use racelab::tier::loom::{LoomConfig, explore};
use std::sync::Arc;

/// Two threads push onto a `Vec` behind the lock; both pushes must land.
fn two_pushes(locked: Locked<Loom, impl Lock<Loom>, Vec<usize>>) -> Result<(), Vec<Violation>> {
    let locked = Arc::new(locked);
    let other = Arc::clone(&locked);
    let handle = Loom::spawn(move || other.with(|v| v.push(1)));
    locked.with(|v| v.push(0));
    Loom::join(handle).unwrap();
    match locked.with(|v| v.len()) {
        2 => Ok(()),
        n => Err(vec![Violation::new(
            ViolationKind::LostUpdate,
            format!("{n} of 2 pushes landed"),
        )]),
    }
}

#[test]
fn spin_lock_makes_plain_data_race_free() {
    let found = explore(
        &LoomConfig::bounded(None),
        |i| format!("T{i}"),
        |_| two_pushes(Locked::<Loom, SpinLock<Loom>, _>::new(Vec::new())),
    );
    assert!(
        found.outcome.violations.is_empty(),
        "{:?}",
        found.outcome.violations
    );
}

#[test]
fn ticket_lock_makes_plain_data_race_free() {
    let found = explore(
        &LoomConfig::bounded(None),
        |i| format!("T{i}"),
        |_| two_pushes(Locked::<Loom, TicketLock<Loom>, _>::new(Vec::new())),
    );
    assert!(
        found.outcome.violations.is_empty(),
        "{:?}",
        found.outcome.violations
    );
}

#[test]
fn relaxed_spin_lock_on_plain_data_is_a_data_race() {
    let found = explore(
        &LoomConfig::bounded(None),
        |i| format!("T{i}"),
        |_| {
            // SAFETY: loom's cell tracks every access and panics on a race
            // instead of letting it happen; that panic is what we assert.
            let locked =
                unsafe { Locked::<Loom, RelaxedSpinLock<Loom>, _>::new_unchecked(Vec::new()) };
            two_pushes(locked)
        },
    );
    let kinds: Vec<ViolationKind> = found.outcome.violations.iter().map(|v| v.kind).collect();
    assert_eq!(kinds, [DataRace], "{:?}", found.outcome.violations);
}
