//! A shared memory region: one file in the run's [`Arena`]
//! (under /dev/shm), mapped `MAP_SHARED` with memmap2's `MmapRaw`.
//!
//! Why a file and not `MmapMut::map_anon`: memmap2's anonymous map is
//! `MAP_PRIVATE`, so after `fork` every worker would write its own copy. A
//! `MAP_SHARED` mapping of a file is inherited by `fork` still shared: the
//! workers use the parent's mapping as is (the same address in every
//! process, which the pthread mutex and the semaphore need).
//!
//! Everything in the region is touched only through atomics or through
//! libc on raw pointers: never through `&mut`.

use crate::os::arena::Arena;
use crate::os::mapping::map_new_file;
use crate::os::window::WindowCell;
use memmap2::MmapRaw;
use std::cell::UnsafeCell;
use std::sync::atomic::Ordering::{Acquire, Release};
use std::sync::atomic::{AtomicI32, AtomicI64, AtomicU32, AtomicU64};

/// Most seats the shared office can hold.
pub const MAX_SEATS: usize = 64;

/// Words of the region no built-in strategy touches: a user's process lock
/// keeps its state there (see [`Site::words`](super::strategy::Site::words)).
pub const SPARE_WORDS: usize = 8;

/// The region's layout. A zeroed file is a valid value: every atomic is 0;
/// the mutex and the semaphore are initialised by their strategies before
/// the fork.
#[repr(C)]
pub struct RegionWords {
    /// The counter model's value.
    pub counter: AtomicI64,
    /// The shared ticket office: tickets left ...
    pub remaining: AtomicI64,
    /// ... and seat -> `buyer + 1` (0: unsold).
    pub seats: [AtomicU64; MAX_SEATS],
    /// The race window (see `os::window`).
    pub window: WindowCell,
    /// The spin lock word: 0 free, otherwise the holder's pid.
    pub spin: AtomicI32,
    /// The pid of the worker inside the critical section (crash tests).
    pub holder: AtomicI32,
    /// Searches completed (the "search during a buy" demonstration).
    pub searches: AtomicU32,
    /// A sequence number shared by every worker's printed lines.
    pub sequence: AtomicU32,
    /// Zero at the start of every run, and left to a user's process lock
    /// (racelab itself never reads or writes them).
    pub spare: [AtomicU64; SPARE_WORDS],
    /// A process-shared robust pthread mutex (see `lock::robust`).
    pub mutex: UnsafeCell<libc::pthread_mutex_t>,
    /// A process-shared POSIX semaphore (see `lock::semaphore`).
    pub sem: UnsafeCell<libc::sem_t>,
}

impl RegionWords {
    /// Fills the shared office with `capacity` seats (in the parent,
    /// before the fork).
    pub fn open_office(&self, capacity: usize) {
        assert!(
            capacity <= MAX_SEATS,
            "the shared office has {MAX_SEATS} seats at most"
        );
        self.remaining.store(capacity as i64, Release);
    }

    /// The shared office's seat -> buyer, for its first `capacity` seats.
    pub fn ledger(&self, capacity: usize) -> Vec<Option<usize>> {
        self.seats[..capacity.min(MAX_SEATS)]
            .iter()
            .map(|s| (s.load(Acquire) as usize).checked_sub(1))
            .collect()
    }
}

// SAFETY: the atomics are Sync; the mutex and the semaphore are designed to
// be used concurrently through libc on a pointer (never through `&mut`).
unsafe impl Sync for RegionWords {}

impl AsRef<WindowCell> for RegionWords {
    fn as_ref(&self) -> &WindowCell {
        &self.window
    }
}

/// The mapping; unmapped on drop (the arena removes the file).
pub struct Region {
    map: MmapRaw,
}

impl Region {
    /// Creates the region; on a full file system the error carries a
    /// [`NoRoom`](crate::os::mapping::NoRoom) naming the file.
    pub fn create(arena: &Arena) -> std::io::Result<Region> {
        let map = map_new_file(arena, "region", std::mem::size_of::<RegionWords>() as u64)?;
        Ok(Region { map })
    }

    /// The words every process that maps the region reads and writes.
    pub fn shared(&self) -> &RegionWords {
        // SAFETY: the mapping is at least size_of::<RegionWords>() bytes, page
        // aligned (enough for every field), lives as long as `self`, and
        // starts zeroed, a valid `RegionWords`; it is only accessed through
        // atomics and libc calls on raw pointers, never through `&mut`.
        unsafe { &*(self.map.as_mut_ptr() as *const RegionWords) }
    }
}
