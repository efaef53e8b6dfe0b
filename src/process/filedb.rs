//! The ticket database of docs/scenarios.md §7: a JSON file,
//! `{"count": 1, "ledger": {}}`, with the sale ledger (seat -> buyer)
//! beside the remaining count.
//!
//! Two ways to write it:
//! - [`FileDb::store`]: atomically, a temporary file in the same directory
//!   renamed over the database. `rename` replaces the name in one step: a
//!   reader opens either the old file or the new one, never half of one.
//! - [`FileDb::store_in_place`]: the scenario's own way, truncate and
//!   rewrite the file itself (a pitfall, docs/scenarios.md "Pitfalls").
//!   Between the truncate and the write a reader sees an empty (or torn)
//!   file: the negative control in `tests/process_filedb.rs`.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The database's contents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Db {
    /// Tickets left.
    pub count: i64,
    /// Seat -> buyer. A file that lists a seat twice does not parse: read
    /// into a map, the second sale would replace the first with no error.
    #[serde(deserialize_with = "each_seat_once")]
    pub ledger: BTreeMap<usize, usize>,
}

fn each_seat_once<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<BTreeMap<usize, usize>, D::Error> {
    struct Seats;
    impl<'de> serde::de::Visitor<'de> for Seats {
        type Value = BTreeMap<usize, usize>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a map of seat to buyer")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut map: A,
        ) -> Result<Self::Value, A::Error> {
            let mut ledger = BTreeMap::new();
            while let Some((seat, buyer)) = map.next_entry()? {
                if ledger.insert(seat, buyer).is_some() {
                    return Err(serde::de::Error::custom(format_args!(
                        "seat {seat} listed twice"
                    )));
                }
            }
            Ok(ledger)
        }
    }
    d.deserialize_map(Seats)
}

/// Why a read failed: the bytes seen, if they did not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    /// The file could not be read; the I/O error, in words.
    Io(String),
    /// Empty or half-written (what a reader gets from an in-place
    /// rewrite), or not a database at all.
    Torn(String),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Io(e) => write!(f, "cannot read the database: {e}"),
            ReadError::Torn(seen) => write!(f, "torn database read: {seen:?}"),
        }
    }
}

/// A database file at a path.
#[derive(Debug, Clone)]
pub struct FileDb {
    path: PathBuf,
}

impl FileDb {
    /// Creates the database with `tickets` tickets and an empty ledger.
    pub fn create(path: &Path, tickets: usize) -> std::io::Result<FileDb> {
        let db = FileDb {
            path: path.to_path_buf(),
        };
        db.store(&Db {
            count: tickets as i64,
            ledger: BTreeMap::new(),
        })?;
        Ok(db)
    }

    /// The database at `path`, as it is.
    pub fn open(path: &Path) -> FileDb {
        FileDb {
            path: path.to_path_buf(),
        }
    }

    /// Where the database lives.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads and parses the database, as one read of the whole file.
    pub fn load(&self) -> Result<Db, ReadError> {
        let bytes = std::fs::read(&self.path).map_err(|e| ReadError::Io(e.to_string()))?;
        serde_json::from_slice(&bytes)
            .map_err(|_| ReadError::Torn(String::from_utf8_lossy(&bytes).into_owned()))
    }

    /// Writes atomically: temporary file in the same directory (same file
    /// system, so rename is atomic), then rename over the database.
    pub fn store(&self, db: &Db) -> std::io::Result<()> {
        let dir = self.path.parent().unwrap_or(Path::new("."));
        let mut tmp = tempfile::Builder::new()
            .prefix(crate::os::arena::PREFIX)
            .tempfile_in(dir)?;
        serde_json::to_writer(&mut tmp, db)?;
        tmp.flush()?;
        tmp.persist(&self.path).map_err(|e| e.error)?;
        Ok(())
    }

    /// The in-place rewrite (the pitfall): truncate, then write. `between`
    /// runs after the truncate, before the write (the window a reader falls
    /// in).
    pub fn store_in_place(&self, db: &Db, between: impl FnOnce()) -> std::io::Result<()> {
        let mut file = std::fs::File::create(&self.path)?;
        between();
        serde_json::to_writer(&mut file, db)?;
        file.flush()
    }

    /// Brings the count back in line with the ledger after a holder died
    /// mid-sale (the robust mutex's repair step).
    pub fn repair(&self, capacity: usize) -> Result<(), ReadError> {
        let mut db = self.load()?;
        let expected = capacity as i64 - db.ledger.len() as i64;
        if db.count != expected {
            db.count = expected;
            self.store(&db).map_err(|e| ReadError::Io(e.to_string()))?;
        }
        Ok(())
    }
}
