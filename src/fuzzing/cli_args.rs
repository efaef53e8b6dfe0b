//! The command line's parser ([`cli::parse`]) on argument vectors no user
//! typed. The input is split at NUL bytes into arguments (any bytes, UTF-8
//! or not), after the program name. `parse` only parses and checks: it
//! runs nothing, so it can be called on anything. Properties:
//!
//! - It answers: a command to run, a text to show, or a refusal; never a
//!   panic.
//! - A refusal is bad input (exit status 2), never a run-time failure:
//!   nothing ran. Its message is one line, not empty, and bounded
//!   whatever the arguments' length.
//! - Help or version text is shown only when asked for (`help`, or an
//!   option spelling `-h`, `--help`, `-V` or `--version`).
//! - The same arguments parse the same way twice.

use super::{Failure, ensure};
use crate::cli::{self, Invocation};
use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;

/// At most this many arguments are made from one input.
pub const MAX_ARGS: usize = 64;

/// The longest error message, in characters, whatever the arguments: the
/// CLI cuts what it echoes.
pub const MAX_MESSAGE: usize = 2048;

/// `data` as an argument vector: the program name, then the bytes split
/// at NUL (at most [`MAX_ARGS`] arguments).
pub fn argv(data: &[u8]) -> Vec<OsString> {
    let mut args = vec![OsString::from("racelab")];
    if !data.is_empty() {
        args.extend(
            data.split(|&b| b == 0)
                .take(MAX_ARGS)
                .map(|arg| OsString::from_vec(arg.to_vec())),
        );
    }
    args
}

/// Every property on the argument vector `data` makes.
pub fn check(data: &[u8]) -> Result<(), Failure> {
    let args = argv(data);
    let first = Answer::of(cli::parse(args.clone()));
    let second = Answer::of(cli::parse(args.clone()));
    ensure(first == second, || {
        format!("{args:?} parsed as {first:?}, then as {second:?}")
    })?;
    judge(&args, &first)
}

/// What a parse answered, in a form that can be compared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// A command to run (which is not compared: only that there is one).
    Run,
    /// Help or version text to show.
    Show(String),
    /// A refusal: its kind and its one-line message.
    Refused(cli::Failure, String),
}

impl Answer {
    /// The comparable form of what [`cli::parse`] returned.
    pub fn of(parsed: Result<Invocation, cli::CliError>) -> Answer {
        match parsed {
            Ok(Invocation::Run(_)) => Answer::Run,
            Ok(Invocation::Show(text)) => Answer::Show(text),
            Err(e) => Answer::Refused(e.kind(), e.message().to_string()),
        }
    }
}

/// Holds one parse of `args` to the properties.
pub fn judge(args: &[OsString], answer: &Answer) -> Result<(), Failure> {
    match answer {
        Answer::Run => Ok(()),
        Answer::Show(_) => ensure(args.iter().skip(1).any(asks_for_text), || {
            format!("{args:?} showed help or version text, which no argument asked for")
        }),
        Answer::Refused(kind, message) => {
            ensure(*kind == cli::Failure::BadInput, || {
                format!("{args:?} refused as {kind:?}: {message}")
            })?;
            ensure(!message.trim().is_empty(), || {
                format!("{args:?} refused with no message")
            })?;
            ensure(!message.contains(['\n', '\r']), || {
                format!("{args:?} refused with more than one line: {message:?}")
            })?;
            ensure(message.chars().count() <= MAX_MESSAGE, || {
                format!(
                    "{args:?} refused with a message of {} characters",
                    message.chars().count()
                )
            })
        }
    }
}

/// `help`, or an option that may spell a help or version flag (`-h` and
/// `-V` also inside a cluster of short flags).
fn asks_for_text(arg: &OsString) -> bool {
    let arg = arg.as_encoded_bytes();
    arg == b"help"
        || arg.starts_with(b"--help")
        || arg.starts_with(b"--version")
        || (arg.starts_with(b"-")
            && !arg.starts_with(b"--")
            && (arg.contains(&b'h') || arg.contains(&b'V')))
}
