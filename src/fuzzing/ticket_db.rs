//! The ticket database file ([`FileDb`]), read from bytes no writer of
//! ours wrote. Properties on every input:
//!
//! - The read answers a database or [`ReadError::Torn`] carrying exactly
//!   the bytes it saw (the evidence a torn-read report prints); never a
//!   panic.
//! - A database it accepts is one it can write: stored again
//!   ([`FileDb::store`]), the file reads back as the same count and the
//!   same ledger.
//! - It accepts a file only if the ledger it returns has every sale the
//!   file lists: a seat listed twice would otherwise collapse into one
//!   entry, and a sale vanish from the books with no error.

use super::{Failure, ensure};
use crate::os::arena::Arena;
use crate::process::filedb::{Db, FileDb, ReadError};
use serde::Deserialize;
use serde::de::{IgnoredAny, MapAccess, Visitor};

/// Every property on `data` as a database file.
pub fn check(data: &[u8]) -> Result<(), Failure> {
    let arena = Arena::new()?;
    let path = arena.file("tickets.json");
    std::fs::write(&path, data)?;
    let db = FileDb::open(&path);
    let read = db.load();
    judge(data, &read)?;
    if let Ok(first) = read {
        db.store(&first)?;
        let again = db.load();
        ensure(again.as_ref() == Ok(&first), || {
            format!("accepted {first:?}, stored it, and read back {again:?}")
        })?;
    }
    Ok(())
}

/// Holds one read of the file `data` to the first and third properties.
pub fn judge(data: &[u8], read: &Result<Db, ReadError>) -> Result<(), Failure> {
    match read {
        Ok(db) => {
            let listed = sales_listed(data);
            ensure(listed == Some(db.ledger.len()), || {
                format!(
                    "accepted a ledger of {} sales from a file that lists {listed:?}",
                    db.ledger.len()
                )
            })
        }
        Err(ReadError::Torn(seen)) => ensure(*seen == String::from_utf8_lossy(data), || {
            format!("a torn read reported {seen:?}, the file held {data:?}")
        }),
        Err(ReadError::Io(e)) => Err(Failure::Setup(std::io::Error::other(e.clone()))),
    }
}

/// How many entries the file's `ledger` object lists, duplicates
/// included (None if the file is no such object).
fn sales_listed(data: &[u8]) -> Option<usize> {
    #[derive(Deserialize)]
    struct Listed {
        ledger: Entries,
    }
    serde_json::from_slice::<Listed>(data)
        .ok()
        .map(|l| l.ledger.0)
}

/// The number of entries of a JSON object, counted as they are read.
struct Entries(usize);

impl<'de> Deserialize<'de> for Entries {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Count;
        impl<'de> Visitor<'de> for Count {
            type Value = Entries;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Entries, A::Error> {
                let mut n = 0;
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {
                    n += 1;
                }
                Ok(Entries(n))
            }
        }
        d.deserialize_map(Count)
    }
}
