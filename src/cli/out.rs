//! Where reports go. Every line a command prints goes through [`Out`],
//! whose write errors become [`CliError`]s: a reader that went away (a
//! closed pipe) ends the command quietly, a full disk is an error with
//! exit status 1; neither panics, and neither is lost silently (as
//! `println!` would panic, and `let _ = writeln!` would exit 0).

use super::error::CliError;
use std::fmt;
use std::io::{self, Write};

/// A report's writer. `writeln!(out, ...)?` works as on any writer, with
/// a [`CliError`] for the `?`.
pub struct Out {
    sink: Box<dyn Write>,
}

impl Out {
    /// Standard output. Not locked across a run: a run forks, and a child
    /// must not inherit a held lock.
    pub fn stdout() -> Out {
        Out::new(io::stdout())
    }

    /// A report written to `sink` (a test's buffer, a file).
    pub fn new(sink: impl Write + 'static) -> Out {
        Out {
            sink: Box::new(sink),
        }
    }

    /// Writes formatted text, as [`Write::write_fmt`]; the target of
    /// `write!` and `writeln!`.
    pub fn write_fmt(&mut self, args: fmt::Arguments<'_>) -> Result<(), CliError> {
        self.sink.write_fmt(args).map_err(refused)
    }

    /// Flushes what is buffered, so that a write error is seen here and not
    /// lost at exit.
    pub fn flush(&mut self) -> Result<(), CliError> {
        self.sink.flush().map_err(refused)
    }
}

fn refused(e: io::Error) -> CliError {
    if e.kind() == io::ErrorKind::BrokenPipe {
        CliError::reader_gone()
    } else {
        CliError::run_failed(format!("cannot write the report: {e}"))
    }
}
