//! The command line's one error path: a typed [`CliError`] whose kind
//! decides the exit status (bad input 2, a run-time failure 1), printed as
//! one line `racelab: ...` or, with `--json`, as a JSON object.

use clap::error::{ContextKind, ContextValue, ErrorKind};
use std::fmt;

/// What went wrong, as far as the exit status is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// The arguments are wrong; nothing was run. Exit status 2.
    BadInput,
    /// The arguments were fine but the run could not be done or finished
    /// (a thread, a fork, a file, a mapping refused; the report could not
    /// be written). Exit status 1.
    RunFailed,
    /// The reader of the report went away (a closed pipe): not an error to
    /// print. The command ends as a Unix tool does, by SIGPIPE.
    ReaderGone,
}

impl Failure {
    /// The name the JSON error object carries.
    pub fn name(self) -> &'static str {
        match self {
            Failure::BadInput => "bad-input",
            Failure::RunFailed => "run-failed",
            Failure::ReaderGone => "reader-gone",
        }
    }

    /// The exit status it ends the command with: 2 for bad input, else 1.
    pub fn exit_code(self) -> u8 {
        match self {
            Failure::BadInput => 2,
            Failure::RunFailed | Failure::ReaderGone => 1,
        }
    }
}

/// An error of the `racelab` command, with the one line that explains it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CliError {
    kind: Failure,
    message: String,
}

/// Echoed values are cut to this many characters: a megabyte argument
/// does not make a megabyte error line.
const ECHO: usize = 64;

/// The whole message is cut to this many characters.
const LINE: usize = 2000;

impl CliError {
    /// Wrong arguments, nothing run (exit status 2); `message` made one line.
    pub fn bad_input(message: impl Into<String>) -> CliError {
        CliError {
            kind: Failure::BadInput,
            message: one_line(&message.into()),
        }
    }

    /// A run that could not be done or finished (exit status 1); `message`
    /// made one line.
    pub fn run_failed(message: impl Into<String>) -> CliError {
        CliError {
            kind: Failure::RunFailed,
            message: one_line(&message.into()),
        }
    }

    /// The report's reader went away: the command ends quietly.
    pub fn reader_gone() -> CliError {
        CliError {
            kind: Failure::ReaderGone,
            message: "the reader of the report went away".to_string(),
        }
    }

    /// What went wrong, as far as the exit status is concerned.
    pub fn kind(&self) -> Failure {
        self.kind
    }

    /// The one line that explains it (without the `racelab: ` prefix).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// `{"error": {"kind": "bad-input", "message": "..."}}`.
    pub fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "error": { "kind": self.kind.name(), "message": self.message }
        })
    }

    /// One line from clap's error, naming the argument and what it takes.
    /// clap's own rendering spans several lines (usage, tips); the parts
    /// that say what was wrong are in its context.
    pub fn from_clap(mut error: clap::Error) -> CliError {
        let arg = match error.get(ContextKind::InvalidArg) {
            Some(ContextValue::String(arg)) => Some(arg.clone()),
            _ => None,
        };
        let value = match error.get(ContextKind::InvalidValue) {
            Some(ContextValue::String(value)) => Some(echo(value)),
            _ => None,
        };
        let message = match (error.kind(), arg, value) {
            (ErrorKind::ValueValidation, Some(arg), Some(value)) => {
                let why = std::error::Error::source(&error)
                    .map_or_else(|| "refused".to_string(), |e| e.to_string());
                format!("invalid value `{value}` for {arg}: {why}")
            }
            (ErrorKind::InvalidValue, Some(arg), Some(value)) if value.is_empty() => {
                format!("a value is required for {arg}")
            }
            (ErrorKind::InvalidValue, Some(arg), Some(value)) => {
                let valid = match error.get(ContextKind::ValidValue) {
                    Some(ContextValue::Strings(valid)) => {
                        format!("expected one of: {}", valid.join(", "))
                    }
                    _ => "refused".to_string(),
                };
                format!("invalid value `{value}` for {arg}: {valid}")
            }
            _ => {
                // The rest (unknown arguments and subcommands, missing
                // ones, repeated ones): clap's first paragraph and its
                // suggestion, without the usage block.
                error.remove(ContextKind::Usage);
                let text = error.render().to_string();
                let text = text.strip_prefix("error: ").unwrap_or(&text);
                text.split("\n\n")
                    .filter(|part| !part.starts_with("For more information"))
                    .collect::<Vec<_>>()
                    .join("; ")
            }
        };
        CliError::bad_input(message)
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CliError {}

/// `value`, cut to [`ECHO`] characters.
fn echo(value: &str) -> String {
    cut(value, ECHO)
}

fn cut(text: &str, most: usize) -> String {
    match text.char_indices().nth(most) {
        Some((at, _)) => format!("{}...", &text[..at]),
        None => text.to_string(),
    }
}

/// Collapses line breaks and runs of blanks, and cuts to [`LINE`]: the
/// error is one line whatever it quotes.
fn one_line(text: &str) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    cut(&words.join(" "), LINE)
}
