//! The fuzz targets' bodies: one check per reader of outside bytes, shared
//! by the libFuzzer targets in `fuzz/` and by `tests/fuzz_corpus.rs`, which
//! replays every committed corpus file on the stable toolchain.
//!
//! Each check feeds the bytes to the real reader and then judges what the
//! reader did against what the bytes say it must do. A reader that panics
//! fails the check by panicking; one that answers wrongly fails it with
//! [`Failure::Broken`] naming the property. Judging is kept apart from running, so
//! a test can hand a judge a deliberately wrong answer (the negative
//! controls in `tests/fuzz_corpus.rs`).
//!
//! - [`frames`]: the length-prefixed frame reader of the process queue's
//!   stream and TCP transports.
//! - [`ticket_db`]: the ticket database file.
//! - [`spool`]: message files and their names in a spool directory.
//! - [`cli_args`]: the command line's arguments ([`crate::cli::parse`]).

pub mod cli_args;
pub mod frames;
pub mod spool;
pub mod ticket_db;

/// Why a check did not pass.
#[derive(Debug)]
pub enum Failure {
    /// The reader broke a property on this input: which one, and how.
    Broken(String),
    /// The check could not run (no temporary directory, no fifo): the
    /// machine's limit, not the reader's bug.
    Setup(std::io::Error),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Broken(what) => write!(f, "broken: {what}"),
            Failure::Setup(e) => write!(f, "the check could not run: {e}"),
        }
    }
}

impl std::error::Error for Failure {}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        Failure::Setup(e)
    }
}

/// Fails with `what` unless `holds`.
pub(crate) fn ensure(holds: bool, what: impl FnOnce() -> String) -> Result<(), Failure> {
    if holds {
        Ok(())
    } else {
        Err(Failure::Broken(what()))
    }
}

/// A check: the bytes in, a pass or the reason it failed.
pub type Check = fn(&[u8]) -> Result<(), Failure>;

/// The check of a fuzz target, by the target's name (its corpus folder).
pub fn by_name(target: &str) -> Option<Check> {
    Some(match target {
        "frames" => frames::check,
        "ticket_db" => ticket_db::check,
        "spool" => spool::check,
        "cli_args" => cli_args::check,
        _ => return None,
    })
}

/// A fuzz target's whole body: runs `target`'s check on `data` and panics
/// if the reader broke a property (libFuzzer keeps the input as a crash).
/// A check that could not run is the machine's limit, not a crash: the
/// run stops with exit status 2 and the reason.
pub fn run(target: &str, data: &[u8]) {
    let check = by_name(target).unwrap_or_else(|| panic!("no fuzz target {target:?}"));
    match check(data) {
        Ok(()) => {}
        Err(Failure::Broken(what)) => panic!("{target}: {what}"),
        Err(Failure::Setup(e)) => {
            eprintln!("{target}: the check could not run: {e}");
            std::process::exit(2);
        }
    }
}
