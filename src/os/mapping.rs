//! `MAP_SHARED` mappings of files in the run's arena (see
//! `process::region` for why a file and not an anonymous map).
//!
//! A file is allocated (`posix_fallocate`) before it is mapped. A file
//! only sized with `ftruncate` is sparse: on a full /dev/shm the mapping
//! succeeds, and the first touch of a page the file system cannot supply
//! kills the process with SIGBUS, with no message and no cleanup. Allocated
//! first, a full file system is an error here instead, [`NoRoom`], naming
//! the file.

use crate::os::arena::Arena;
use memmap2::MmapRaw;
use std::fs::OpenOptions;
use std::io;
use std::marker::PhantomData;
use std::path::PathBuf;

/// The file system holding the run's files had no room for a shared
/// mapping. Carried inside the `io::Error` (kind `StorageFull`); find it
/// with [`NoRoom::of`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoRoom {
    /// The file backing the mapping.
    pub path: PathBuf,
    /// The size the mapping asked for.
    pub bytes: u64,
}

impl std::fmt::Display for NoRoom {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "no room for {} bytes of shared memory at {}: the file system is full (ENOSPC)",
            self.bytes,
            self.path.display()
        )
    }
}

impl std::error::Error for NoRoom {}

impl NoRoom {
    /// The `NoRoom` inside `error`, if that is what it is.
    pub fn of(error: &io::Error) -> Option<&NoRoom> {
        error.get_ref()?.downcast_ref()
    }
}

/// Creates `name` in `arena` (it must not exist), `bytes` long, every
/// page allocated, and maps it shared. The contents start zeroed.
pub(crate) fn map_new_file(arena: &Arena, name: &str, bytes: u64) -> io::Result<MmapRaw> {
    let path = arena.file(name);
    let named = |e: io::Error| io::Error::new(e.kind(), format!("{}: {e}", path.display()));
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(named)?;
    let bytes = bytes.max(1);
    let len = libc::off_t::try_from(bytes)
        .map_err(|_| named(io::Error::new(io::ErrorKind::InvalidInput, "too large")))?;
    match nix::fcntl::posix_fallocate(&file, 0, len) {
        Ok(()) => {}
        Err(nix::errno::Errno::ENOSPC) => {
            return Err(io::Error::new(
                io::ErrorKind::StorageFull,
                NoRoom { path, bytes },
            ));
        }
        Err(e) => return Err(named(e.into())),
    }
    MmapRaw::map_raw(&file).map_err(named)
}

pub(crate) struct Mapped<T> {
    map: MmapRaw,
    _value: PhantomData<T>,
}

impl<T: Sync> Mapped<T> {
    /// # Safety
    /// All-zero bytes must be a valid `T`, and `T` must only be used
    /// through shared references (atomics, libc calls on raw pointers).
    pub(crate) unsafe fn create(arena: &Arena, name: &str) -> io::Result<Self> {
        Ok(Mapped {
            map: map_new_file(arena, name, std::mem::size_of::<T>() as u64)?,
            _value: PhantomData,
        })
    }

    pub(crate) fn get(&self) -> &T {
        // SAFETY: the mapping is size_of::<T>() bytes, page aligned, lives
        // as long as `self`, and started zeroed, which `create`'s caller
        // promised is a valid T used only through shared references.
        unsafe { &*(self.map.as_mut_ptr() as *const T) }
    }
}
