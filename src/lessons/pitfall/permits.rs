//! The semaphore of docs/scenarios.md §5 limiting concurrent database
//! writers to 2: it bounds concurrency, it is not mutual exclusion
//! (docs/scenarios.md "Pitfalls").
//!
//! Each writer takes a permit, counts itself inside, and stays until as
//! many writers as there are permits are inside with it (or no writer is
//! left outside to come in, or `hold` passes): so with 2 permits two writers
//! are inside together every run, and a third never gets in while they
//! wait for it. With 1 permit the same writers never overlap.

use super::{DEADLINE, worker_error};
use crate::os::arena::Arena;
use crate::os::crew::Crew;
use crate::os::mapping::Mapped;
use crate::os::semaphore::Semaphore;
use serde::Serialize;
use std::io;
use std::sync::atomic::{AtomicU32, Ordering::SeqCst};
use std::time::{Duration, Instant};

#[repr(C)]
struct Room {
    sem: Semaphore,
    inside: AtomicU32,
    most: AtomicU32,
    entered: AtomicU32,
    /// Entries that found another writer already inside.
    overlapping: AtomicU32,
    /// Writers that made all their entries.
    done: AtomicU32,
}

/// What the writers saw inside the semaphore.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PermitReport {
    /// The semaphore's permits.
    pub permits: u32,
    /// Writer processes that ran.
    pub writers: usize,
    /// Entries made, by all writers together.
    pub entries: u32,
    /// Most writers inside at once.
    pub most_inside: u32,
    /// Entries made while another writer was inside.
    pub overlapping: u32,
}

/// `writers` processes each enter `rounds` times through a process-shared
/// semaphore of `permits` permits.
pub fn writers(
    permits: u32,
    writers: usize,
    rounds: u32,
    hold: Duration,
) -> io::Result<PermitReport> {
    if permits == 0 || writers == 0 || rounds == 0 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "need at least one permit, one writer and one round",
        ));
    }
    let arena = Arena::new()?;
    // SAFETY: zeroed atomics are valid; the semaphore is initialised below
    // before any use and only used through libc on its pointer.
    let room = unsafe { Mapped::<Room>::create(&arena, "permits")? };
    let room = room_init(room, permits)?;
    let crew = Crew::spawn(writers, |_| -> Result<(), String> {
        let room = room.get();
        let entered = (0..rounds).try_for_each(|_| enter(room, permits, writers as u32, hold));
        room.done.fetch_add(1, SeqCst);
        entered
    })?;
    for result in crew.collect::<Result<(), String>>(DEADLINE) {
        result
            .map_err(|f| worker_error("writer", f))?
            .map_err(io::Error::other)?;
    }
    let r = room.get();
    Ok(PermitReport {
        permits,
        writers,
        entries: r.entered.load(SeqCst),
        most_inside: r.most.load(SeqCst),
        overlapping: r.overlapping.load(SeqCst),
    })
}

fn room_init(room: Mapped<Room>, permits: u32) -> io::Result<Mapped<Room>> {
    // SAFETY: the semaphore lives in the shared mapping, nobody uses it
    // before the fork.
    unsafe { room.get().sem.init(permits)? };
    Ok(room)
}

fn enter(room: &Room, permits: u32, writers: u32, hold: Duration) -> Result<(), String> {
    let permit = match room.sem.lock(DEADLINE) {
        Ok(Some(permit)) => permit,
        Ok(None) => return Err(format!("sem_timedwait: no permit within {DEADLINE:?}")),
        Err(e) => return Err(format!("sem_timedwait: {e}")),
    };
    let now_inside = room.inside.fetch_add(1, SeqCst) + 1;
    room.entered.fetch_add(1, SeqCst);
    room.most.fetch_max(now_inside, SeqCst);
    if now_inside > 1 {
        room.overlapping.fetch_add(1, SeqCst);
    }
    // Stay until the room is as full as the permits allow, so a broken
    // bound or a missing overlap cannot hide behind scheduling; stop early
    // when no writer is left outside to come in (`hold` is only a bound).
    let until = Instant::now() + hold;
    while room.inside.load(SeqCst) < permits
        && writers - room.done.load(SeqCst) > room.inside.load(SeqCst)
        && Instant::now() < until
    {
        std::thread::sleep(Duration::from_micros(50));
    }
    room.inside.fetch_sub(1, SeqCst);
    drop(permit);
    Ok(())
}
