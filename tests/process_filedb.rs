//! The ticket database's writes (docs/scenarios.md, "Pitfalls"): the lessons'
//! in-place rewrite lets a reader see an empty file; a temporary file
//! renamed over the database never does. The reader is scheduled into the
//! writer's window on purpose (a handshake over shared memory), so the
//! negative control fails every run, not once in a while.

mod common;

use racelab::lessons::scenario;
use racelab::process::filedb::ReadError;

common::forked_tests! {
    #![rusty_fork(timeout_ms = 30_000)]

    #[test]
    fn in_place_rewrite_shows_a_reader_an_empty_file() {
        match scenario::read_during_rewrite(true) {
            // The reader found the file truncated and not yet rewritten.
            Err(ReadError::Torn(seen)) => assert_eq!(seen, ""),
            other => panic!("expected a torn read, got {other:?}"),
        }
    }

    #[test]
    fn atomic_rename_never_shows_a_torn_file() {
        let seen = scenario::read_during_rewrite(false).expect("a whole database");
        assert_eq!(seen.count, 1, "the reader saw the old, whole file");
    }
}
