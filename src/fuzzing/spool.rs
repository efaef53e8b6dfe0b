//! A spool directory's reader ([`Spool`]'s get) on message files and file
//! names no producer of ours made: the files are planted in `new/`, then
//! one consumer drains the spool with non-blocking gets. Properties, for
//! both ways of claiming a file:
//!
//! - One get per planted file, in the order of the names' bytes (the
//!   order of keys): an 8-byte file gives its item, any other size
//!   [`QueueError::Corrupt`] (no item: the spool's fault, not the
//!   system's); then [`QueueError::Empty`]. Never a panic, and
//!   never a wait: every get answers at once.
//! - Nothing is left in the spool: a file is removed once claimed, even
//!   one that is not a message.
//!
//! The input is a list of entries, each a name length (one byte), the
//! name, a content length (one byte) and the content. Entries that are
//! not a file name (empty, `.`, `..`, with `/` or NUL, or repeated) are
//! skipped; any other bytes, UTF-8 or not, make a name.

use super::{Failure, ensure};
use crate::os::arena::Arena;
use crate::process::queue::spool::{Claim, ReadThenDelete, Rename, Spool, files_left, spool_dir};
use crate::process::queue::{ProcessQueue, QueueError};
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::time::Duration;

/// At most this many files are planted.
pub const MAX_FILES: usize = 16;

/// A file planted in `new/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planted {
    /// The file's name: any bytes that make a file name.
    pub name: Vec<u8>,
    /// What the file holds.
    pub content: Vec<u8>,
}

/// The files `data` describes (see the module docs), sorted by name.
pub fn planted(mut data: &[u8]) -> Vec<Planted> {
    let mut files: Vec<Planted> = Vec::new();
    let take = |data: &mut &[u8]| -> Option<Vec<u8>> {
        let (&len, rest) = data.split_first()?;
        let len = usize::from(len).min(rest.len());
        let (taken, rest) = rest.split_at(len);
        *data = rest;
        Some(taken.to_vec())
    };
    while files.len() < MAX_FILES {
        let (Some(name), Some(content)) = (take(&mut data), take(&mut data)) else {
            break;
        };
        let is_name = !name.is_empty()
            && name != b"."
            && name != b".."
            && !name.iter().any(|&b| b == b'/' || b == 0)
            && !files.iter().any(|f| f.name == name);
        if is_name {
            files.push(Planted { name, content });
        }
    }
    files.sort_by(|a, b| a.name.cmp(&b.name));
    files
}

/// Every property on the spool `data` describes, for each claim.
pub fn check(data: &[u8]) -> Result<(), Failure> {
    let files = planted(data);
    check_claim::<Rename>(&files, "Rename")?;
    check_claim::<ReadThenDelete>(&files, "ReadThenDelete")
}

/// Every property on a spool holding `files` whose consumers claim as `C`.
fn check_claim<C: Claim>(files: &[Planted], claim: &str) -> Result<(), Failure> {
    let arena = Arena::new()?;
    let spool = Spool::<C>::new(&arena, 1)?;
    let dir = spool_dir(&arena);
    for file in files {
        std::fs::write(
            dir.join("new").join(OsStr::from_bytes(&file.name)),
            &file.content,
        )?;
    }
    // One get per file and one to find the spool empty; a reader that
    // needs more has made up a message.
    let gets: Vec<_> = (0..=files.len())
        .map(|_| spool.get(Duration::ZERO))
        .collect();
    judge(files, &gets).map_err(|e| match e {
        Failure::Broken(what) => Failure::Broken(format!("{claim}: {what}")),
        setup => setup,
    })?;
    let left = files_left(&dir)?;
    ensure(left.is_empty(), || {
        format!("{claim}: left in the spool: {left:?}")
    })
}

/// Holds the gets' answers to the planted files.
pub fn judge(files: &[Planted], gets: &[Result<u64, QueueError>]) -> Result<(), Failure> {
    ensure(gets.len() == files.len() + 1, || {
        format!("{} gets for {} files", gets.len(), files.len())
    })?;
    for (i, (file, got)) in files.iter().zip(gets).enumerate() {
        let right = match <[u8; 8]>::try_from(file.content.as_slice()) {
            Ok(item) => got.as_ref() == Ok(&u64::from_le_bytes(item)),
            Err(_) => matches!(got, Err(QueueError::Corrupt(_))),
        };
        ensure(right, || {
            format!(
                "get {i}: file {:?} of {} bytes gave {got:?}",
                String::from_utf8_lossy(&file.name),
                file.content.len()
            )
        })?;
    }
    let last = &gets[files.len()];
    ensure(matches!(last, Err(QueueError::Empty)), || {
        format!("after every file, a get gave {last:?}")
    })
}
