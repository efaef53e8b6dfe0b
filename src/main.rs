//! The `racelab` command. See `racelab --help`, and [`racelab::cli`].

fn main() -> std::process::ExitCode {
    racelab::cli::main()
}
