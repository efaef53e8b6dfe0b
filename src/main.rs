//! The `racelab` command. See `racelab --help`.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
