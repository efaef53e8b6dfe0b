//! Shared memory: a file in the run's private directory, mapped
//! `MAP_SHARED` (memmap2's anonymous maps are private, so useless after a
//! fork). One slot per worker: the sum's bits, then a flag stored with
//! Release, which the parent reads with Acquire before it reads the sum.

use super::{Mailbox, Partial};
use crate::os::arena::Arena;
use crate::os::mapping::map_new_file;
use crate::os::poll::poll_until;
use memmap2::MmapRaw;
use nix::unistd::Pid;
use std::io;
use std::sync::atomic::{AtomicU64, Ordering::*};
use std::time::Instant;

pub struct ShmMailbox {
    map: MmapRaw,
    workers: usize,
}

impl ShmMailbox {
    /// Slot `i`: (sum bits, ready flag).
    fn slot(&self, i: usize) -> (&AtomicU64, &AtomicU64) {
        assert!(i < self.workers, "slot {i} of {}", self.workers);
        let base = self.map.as_mut_ptr().cast::<AtomicU64>();
        // SAFETY: the mapping holds 2 * workers u64s (checked above), is page
        // aligned, lives as long as `self`, started zeroed (a valid
        // AtomicU64), and is only ever touched through these atomics.
        unsafe { (&*base.add(2 * i), &*base.add(2 * i + 1)) }
    }
}

impl Mailbox for ShmMailbox {
    fn open(arena: &Arena, workers: usize) -> io::Result<Self> {
        let bytes = 2 * workers.max(1) * std::mem::size_of::<u64>();
        Ok(ShmMailbox {
            map: map_new_file(arena, "pi.shm", bytes as u64)?,
            workers,
        })
    }

    fn send(&self, partial: Partial) -> io::Result<()> {
        let (sum, ready) = self.slot(partial.worker as usize);
        sum.store(partial.sum.to_bits(), Relaxed);
        ready.store(1, Release);
        Ok(())
    }

    fn collect(
        &mut self,
        workers: usize,
        _: &[Pid],
        deadline: Instant,
    ) -> io::Result<Vec<Partial>> {
        let mut partials = Vec::with_capacity(workers);
        for i in 0..workers {
            let (sum, ready) = self.slot(i);
            let left = deadline.saturating_duration_since(Instant::now());
            if !poll_until(left, || ready.load(Acquire) != 0) {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("worker {i} never filled its slot"),
                ));
            }
            partials.push(Partial {
                worker: i as u32,
                sum: f64::from_bits(sum.load(Relaxed)),
            });
        }
        Ok(partials)
    }
}
