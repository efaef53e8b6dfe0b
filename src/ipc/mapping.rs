//! A `MAP_SHARED` mapping of one file in the run's arena, holding one
//! `T` that starts zeroed (see `process::region` for why a file).

use crate::process::arena::Arena;
use memmap2::MmapRaw;
use std::fs::OpenOptions;
use std::marker::PhantomData;

pub(crate) struct Mapped<T> {
    map: MmapRaw,
    _value: PhantomData<T>,
}

impl<T: Sync> Mapped<T> {
    /// # Safety
    /// All-zero bytes must be a valid `T`, and `T` must only be used
    /// through shared references (atomics, libc calls on raw pointers).
    pub(crate) unsafe fn create(arena: &Arena, name: &str) -> std::io::Result<Self> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(arena.file(name))?;
        file.set_len(std::mem::size_of::<T>().max(1) as u64)?;
        Ok(Mapped {
            map: MmapRaw::map_raw(&file)?,
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
