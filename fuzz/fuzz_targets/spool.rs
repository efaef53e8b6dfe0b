//! A spool directory's reader on planted message files and names: one get
//! per file in key order, an item or a typed error, nothing left behind.
//! The body is `racelab::fuzzing::spool::check`, which `tests/fuzz_corpus.rs`
//! also runs on every file of `fuzz/corpus/spool/`. Run: `ci/fuzz.sh`.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| racelab::fuzzing::run("spool", data));
