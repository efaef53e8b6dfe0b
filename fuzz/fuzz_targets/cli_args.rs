//! The command line's parser on any argument vector (the input split at
//! NUL): a command, a text asked for, or a one-line bad-input refusal.
//! The body is `racelab::fuzzing::cli_args::check`, which
//! `tests/fuzz_corpus.rs` also runs on every file of `fuzz/corpus/cli_args/`.
//! Run: `ci/fuzz.sh`.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| racelab::fuzzing::run("cli_args", data));
