//! The `racelab` command line, as a library so that tests and fuzzers can
//! drive it: [`parse`] reads an argument vector and checks every value
//! against its stated range without doing any work; [`Command::run`] does
//! the work; [`main`] is the binary.
//!
//! Exit status, one meaning each: 0 every verdict was the expected one;
//! 1 a verdict differs, or the run failed at run time (a thread, fork, file
//! or mapping refused, the report could not be written); 2 bad input
//! (nothing was run). Errors are one line on stderr, `racelab: ...`; with
//! `--json` also a JSON object on stdout,
//! `{"error": {"kind": "bad-input" | "run-failed", "message": ...}}`.

mod demo;
mod error;
mod explain;
mod lessons;
mod matrix;
mod out;
mod pi;
mod pitfalls;
mod quiet;
mod range;
mod rush;
mod sweep;

pub use error::{CliError, Failure};
pub use out::Out;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use std::ffi::OsString;
use std::io::Write;
use std::process::ExitCode;

/// What the exit status means, in every command's `--help`.
const EXIT_STATUS: &str = "Exit status: 0 every verdict as expected; 1 a verdict differs, or the \
run failed at run time (thread, fork, file, mapping, writing the report); 2 bad input (nothing \
was run). Errors print one line `racelab: ...` on stderr, and with --json a JSON object \
{\"error\": {\"kind\": \"bad-input\" | \"run-failed\", \"message\": ...}} on stdout.";

/// Proves which lock strategies keep shared state correct, and shows how
/// the others fail.
#[derive(Parser)]
#[command(name = "racelab", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

/// A subcommand, its arguments parsed and checked.
#[derive(Subcommand)]
pub enum Command {
    /// Run every (model x strategy) pair on every tier and print the verdicts
    /// (the default command).
    Matrix(matrix::Args),
    /// List the models and strategies with their expected verdicts.
    List,
    /// The ticket rush with real processes (docs/scenarios.md §7): every
    /// buyer's search and buy, then the verdict.
    Rush(rush::Args),
    /// The process scenarios of docs/scenarios.md (§1, §6, §7), run and printed.
    Lessons,
    /// The racy counter on real threads (docs/scenarios.md §2): one thread
    /// adds, one subtracts; the result must be 0.
    Counter(demo::CounterArgs),
    /// Producers and consumers on real threads (docs/scenarios.md §4).
    Queue(demo::QueueArgs),
    /// Show the smallest interleaving that breaks a strategy (loom, fewest
    /// preemptions first), or prove none exists within the bound.
    Explain(explain::Args),
    /// Ten processes compute pi and hand their partial sums to the parent
    /// through an IPC mechanism (pipe, fifo, mqueue, shm, sockets, files).
    Pi(pi::Args),
    /// The IPC pitfalls (docs/scenarios.md, "Pitfalls"), each broken form
    /// next to its fix: torn pipe writes, unframed stream reads, a 2-permit
    /// semaphore, an alarm around a fifo open, a queue with no lock,
    /// consumers never stopped.
    Pitfalls,
    /// Remove what killed runs left behind (their directories, queues).
    Sweep,
}

/// What [`parse`] found to do.
pub enum Invocation {
    /// Run this command.
    Run(Command),
    /// Print this text (`--help`, `--version`) and exit 0.
    Show(String),
}

/// How a run ended, when it ran to its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finish {
    /// Every verdict was the expected one. Exit status 0.
    AsExpected,
    /// A verdict differs from the expected one. Exit status 1.
    Differs,
}

impl Finish {
    /// [`Finish::AsExpected`] if `as_expected`, else [`Finish::Differs`].
    pub fn from_expected(as_expected: bool) -> Finish {
        if as_expected {
            Finish::AsExpected
        } else {
            Finish::Differs
        }
    }
}

/// The clap command, with what every subcommand shares: the exit status
/// in its help, and a repeated option taking its last value. Its help
/// texts state every range (see the parsers in `range.rs`).
pub fn command() -> clap::Command {
    Cli::command()
        .after_help(EXIT_STATUS)
        .args_override_self(true)
        .mut_subcommands(|sub| sub.after_help(EXIT_STATUS).args_override_self(true))
}

/// Parses `args` (the program name first) and checks every value: ranges,
/// names, and the combinations a run needs. Does no work, so a fuzzer can
/// call it on any argument vector.
pub fn parse<I, T>(args: I) -> Result<Invocation, CliError>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let matches = match command().try_get_matches_from(args) {
        Ok(matches) => matches,
        Err(e) => {
            return match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
                    Ok(Invocation::Show(e.render().to_string()))
                }
                _ => Err(CliError::from_clap(e)),
            };
        }
    };
    let cli = Cli::from_arg_matches(&matches).map_err(CliError::from_clap)?;
    let command = cli
        .command
        .unwrap_or_else(|| Command::Matrix(matrix::Args::default()));
    command.validate()?;
    Ok(Invocation::Run(command))
}

impl Command {
    /// Did the user ask for JSON?
    pub fn json(&self) -> bool {
        match self {
            Command::Matrix(args) => args.json,
            Command::Explain(args) => args.json,
            Command::Pi(args) => args.json,
            Command::List
            | Command::Rush(_)
            | Command::Lessons
            | Command::Counter(_)
            | Command::Queue(_)
            | Command::Pitfalls
            | Command::Sweep => false,
        }
    }

    /// The checks clap's value parsers cannot make alone: names looked up
    /// in the tables, and combinations of values.
    fn validate(&self) -> Result<(), CliError> {
        match self {
            Command::Matrix(args) => matrix::selected(args).map(drop),
            Command::Rush(args) => args.validate(),
            Command::Counter(args) => args.validate(),
            Command::Queue(args) => args.validate(),
            Command::Explain(args) => args.validate().map(drop),
            Command::Pi(args) => args.validate().map(drop),
            Command::List | Command::Lessons | Command::Pitfalls | Command::Sweep => Ok(()),
        }
    }

    /// Runs the command, its report to `out`.
    pub fn run(&self, out: &mut Out) -> Result<Finish, CliError> {
        match self {
            Command::Matrix(args) => matrix::run(args, out),
            Command::List => matrix::list(out),
            Command::Rush(args) => rush::run(args, out),
            Command::Lessons => lessons::run(out),
            Command::Counter(args) => demo::counter(args, out),
            Command::Queue(args) => demo::queue(args, out),
            Command::Explain(args) => explain::run(args, out),
            Command::Pi(args) => pi::run(args, out),
            Command::Pitfalls => pitfalls::run(out),
            Command::Sweep => sweep::run(out),
        }
    }
}

/// The `racelab` binary.
pub fn main() -> ExitCode {
    silence_panics();
    // The binary, not the library, takes over SIGINT/SIGTERM/SIGHUP: a run
    // interrupted removes its files, queues and workers before it exits.
    if let Err(e) = crate::os::cleanup::install() {
        eprintln!("racelab: cannot clean up on signals: {e}");
    }
    let args: Vec<OsString> = std::env::args_os().collect();
    // Known before parsing, so that clap's own errors answer in JSON too.
    let mut json = args.iter().skip(1).any(|a| a == "--json");
    let mut out = Out::stdout();
    let result = match parse(&args) {
        Ok(Invocation::Show(text)) => write!(out, "{text}").map(|()| Finish::AsExpected),
        Ok(Invocation::Run(command)) => {
            json = command.json();
            run_caught(&command, &mut out)
        }
        Err(e) => Err(e),
    };
    let result = result.and_then(|finish| out.flush().map(|()| finish));
    match result {
        Ok(Finish::AsExpected) => ExitCode::SUCCESS,
        Ok(Finish::Differs) => ExitCode::FAILURE,
        Err(e) => report(&e, json, &mut out),
    }
}

/// Runs `command`; a panic (a library limit reached from here, a thread
/// that could not be spawned) becomes a run-time failure, not a backtrace.
fn run_caught(command: &Command, out: &mut Out) -> Result<Finish, CliError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| command.run(out))).unwrap_or_else(
        |payload| {
            let why = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic with no message".to_string());
            Err(CliError::run_failed(format!("the run failed: {why}")))
        },
    )
}

/// Prints `e` (one line on stderr; with `--json` an object on stdout) and
/// returns its exit status. A reader that went away gets no message: the
/// command ends by SIGPIPE, as a Unix tool would have, now that every
/// run's clean-up is done.
fn report(e: &CliError, json: bool, out: &mut Out) -> ExitCode {
    if e.kind() == Failure::ReaderGone {
        // SAFETY: restores SIGPIPE's default action and raises it; no
        // handler code of ours runs, and every run has ended.
        unsafe {
            libc::signal(libc::SIGPIPE, libc::SIG_DFL);
            libc::raise(libc::SIGPIPE);
        }
        return ExitCode::from(e.kind().exit_code());
    }
    if json {
        // Nothing more can be said if stdout refuses this too; the line on
        // stderr still says it.
        let _ = writeln!(out, "{}", e.json()).and_then(|()| out.flush());
    }
    let _ = writeln!(std::io::stderr(), "racelab: {e}");
    ExitCode::from(e.kind().exit_code())
}

/// Broken strategies panic on purpose (loom reports through panics, a
/// broken queue pops from empty) and the runs keep the message as
/// evidence; an unexpected panic becomes a [`CliError`] in [`main`]. The
/// default hook's printout would only be noise either way.
pub(crate) fn silence_panics() {
    std::panic::set_hook(Box::new(|_| {}));
}
