//! The `racelab` command line.

mod demo;
mod explain;
mod lessons;
mod matrix;
mod pi;
mod pitfalls;
mod quiet;
mod rush;
mod sweep;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Proves which lock strategies keep shared state correct, and shows how
/// the others fail.
#[derive(Parser)]
#[command(name = "racelab", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run every (model x strategy) pair on every tier and print the verdicts
    /// (the default command).
    Matrix(matrix::Args),
    /// List the models and strategies with their expected verdicts.
    List,
    /// The lessons' ticket rush with real processes: every buyer's search
    /// and buy, then the verdict.
    Rush(rush::Args),
    /// The lessons' process scenarios (§1, §6, §7), run and printed.
    Lessons,
    /// The lessons' racy counter on real threads: one thread adds, one
    /// subtracts; the result must be 0.
    Counter(demo::CounterArgs),
    /// The lessons' producers and consumers on real threads.
    Queue(demo::QueueArgs),
    /// Show the smallest interleaving that breaks a strategy (loom, fewest
    /// preemptions first), or prove none exists within the bound.
    Explain(explain::Args),
    /// Ten processes compute pi and hand their partial sums to the parent
    /// through an IPC mechanism (pipe, fifo, mqueue, shm, sockets, files).
    Pi(pi::Args),
    /// The lessons' IPC pitfalls, each broken form next to its fix: torn
    /// pipe writes, unframed stream reads, a 2-permit semaphore, an alarm
    /// around a fifo open, a queue with no lock, consumers never stopped.
    Pitfalls,
    /// Remove what killed runs left behind (their directories, queues).
    Sweep,
}

pub fn main() -> ExitCode {
    // `racelab list | head` should end quietly, as Unix tools do, not panic
    // in println! on a closed pipe (Rust ignores SIGPIPE by default).
    // SAFETY: first thing in main, before any thread exists; SIG_DFL runs
    // no handler code of ours.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    if let Err(e) = racelab::process::cleanup::install() {
        eprintln!("racelab: cannot clean up on signals: {e}");
    }
    let cli = Cli::parse();
    match cli.command {
        None => matrix::run(&matrix::Args::default()),
        Some(Command::Matrix(args)) => matrix::run(&args),
        Some(Command::List) => matrix::list(),
        Some(Command::Rush(args)) => rush::run(&args),
        Some(Command::Lessons) => lessons::run(),
        Some(Command::Counter(args)) => demo::counter(&args),
        Some(Command::Queue(args)) => demo::queue(&args),
        Some(Command::Explain(args)) => explain::run(&args),
        Some(Command::Pi(args)) => pi::run(&args),
        Some(Command::Pitfalls) => pitfalls::run(),
        Some(Command::Sweep) => sweep::run(),
    }
}
