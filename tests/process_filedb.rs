//! The ticket database's writes (SCENARIOS.md pitfalls): the lessons'
//! in-place rewrite lets a reader see an empty file; a temporary file
//! renamed over the database never does. The reader is scheduled into the
//! writer's window on purpose (a handshake over shared memory), so the
//! negative control fails every run, not once in a while.

use racelab::process::arena::Arena;
use racelab::process::crew::Crew;
use racelab::process::filedb::{Db, FileDb, ReadError};
use racelab::process::region::Region;
use rusty_fork::rusty_fork_test;
use std::collections::BTreeMap;
use std::sync::atomic::Ordering::SeqCst;
use std::time::{Duration, Instant};

/// A writer rewrites the database while a reader process reads it in the
/// middle of the write. Returns what the reader got.
fn read_during_write(in_place: bool) -> Result<Db, ReadError> {
    let arena = Arena::new().unwrap();
    let region = Region::create(&arena).unwrap();
    let step = &region.shared().sequence;
    let db = FileDb::create(&arena.file("tickets.json"), 1).unwrap();
    let wait_for = |n: u32| {
        let deadline = Instant::now() + Duration::from_secs(5);
        while step.load(SeqCst) < n && Instant::now() < deadline {
            std::thread::sleep(Duration::from_micros(100));
        }
    };
    let crew = Crew::spawn(2, |i| {
        if i == 0 {
            let sold = Db {
                count: 0,
                ledger: BTreeMap::from([(0, 7)]),
            };
            let between = || {
                step.store(1, SeqCst); // the reader may go
                wait_for(2); // until it has read
            };
            if in_place {
                db.store_in_place(&sold, between).unwrap();
            } else {
                between();
                db.store(&sold).unwrap();
            }
            None
        } else {
            wait_for(1);
            let seen = db.load();
            step.store(2, SeqCst);
            Some(seen.map_err(|e| e.to_string()))
        }
    })
    .unwrap();
    let mut results = crew.collect::<Option<Result<Db, String>>>(Duration::from_secs(20));
    let seen = results.pop().unwrap().unwrap().unwrap();
    seen.map_err(ReadError::Torn)
}

rusty_fork_test! {
    #![rusty_fork(timeout_ms = 30_000)]

    #[test]
    fn in_place_rewrite_shows_a_reader_an_empty_file() {
        match read_during_write(true) {
            // The reader found the file truncated and not yet rewritten.
            Err(ReadError::Torn(seen)) => assert_eq!(seen, "torn database read: \"\""),
            other => panic!("expected a torn read, got {other:?}"),
        }
    }

    #[test]
    fn atomic_rename_never_shows_a_torn_file() {
        let seen = read_during_write(false).expect("a whole database");
        assert_eq!(seen.count, 1, "the reader saw the old, whole file");
    }
}
