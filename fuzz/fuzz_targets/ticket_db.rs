//! The ticket database file: any bytes read as a database it can write back
//! with every sale listed, or as a torn read carrying the bytes.
//! The body is `racelab::fuzzing::ticket_db::check`, which `tests/fuzz_corpus.rs`
//! also runs on every file of `fuzz/corpus/ticket_db/`. Run: `ci/fuzz.sh`.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| racelab::fuzzing::run("ticket_db", data));
