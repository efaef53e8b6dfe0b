//! The length-prefixed frame reader of the stream and TCP queues: any bytes
//! read back as exactly the frames they hold, then a typed end; frames cut
//! from the bytes round-trip through the real writer.
//! The body is `racelab::fuzzing::frames::check`, which `tests/fuzz_corpus.rs`
//! also runs on every file of `fuzz/corpus/frames/`. Run: `ci/fuzz.sh`.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| racelab::fuzzing::run("frames", data));
