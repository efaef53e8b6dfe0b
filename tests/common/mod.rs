//! Helpers shared by the test files: pairs and verdicts, seeded proptest
//! runners, the racelab binary run from outside ([`live`]), and the guard
//! that makes each process test answer for its own leftovers ([`tidy`]).
#![allow(dead_code)] // each test file uses a different part

pub mod live;
pub mod tidy;

#[allow(unused_imports)] // not every test file has process tests
pub use tidy::Tidy;

use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use racelab::check::{Violation, ViolationKind};
use racelab::matrix::{self, Pair, Plan};
use racelab::model::ModelKind;
use racelab::tier::Outcome;
use racelab::tier::loom::LoomConfig;
use racelab::tier::threads::ThreadsConfig;
use std::time::Duration;

pub fn pair(model: ModelKind, strategy: &str) -> Pair {
    matrix::find(model, strategy).unwrap_or_else(|| panic!("no pair {model}/{strategy}"))
}

fn describe(violations: &[Violation]) -> String {
    let lines: Vec<String> = violations.iter().map(ToString::to_string).collect();
    lines.join("; ")
}

/// Asserts every invariant held and the search was complete.
pub fn assert_holds(what: &str, outcome: &Outcome) {
    assert!(
        outcome.violations.is_empty(),
        "{what}: expected to hold, found {}",
        describe(&outcome.violations)
    );
    assert!(
        outcome.inconclusive.is_none(),
        "{what}: inconclusive: {}",
        outcome
            .inconclusive
            .as_ref()
            .map_or(String::new(), ToString::to_string)
    );
    println!("{what}: holds, {} in {:.2?}", outcome.work, outcome.elapsed);
}

/// Asserts the run was caught with a violation of `kind`.
pub fn assert_caught(what: &str, outcome: &Outcome, kind: ViolationKind) {
    assert!(
        outcome.violations.iter().any(|v| v.kind == kind),
        "{what}: expected a {kind}, found [{}] after {}",
        describe(&outcome.violations),
        outcome.work
    );
    println!(
        "{what}: caught, {} after {}",
        describe(&outcome.violations),
        outcome.work
    );
}

/// Explores `model/strategy` under loom with `plan` at `bound`.
pub fn loom(model: ModelKind, strategy: &str, plan: Plan, bound: Option<usize>) -> Outcome {
    pair(model, strategy)
        .explore(&plan, &LoomConfig::bounded(bound))
        .outcome
}

/// A threads-tier configuration for tests: a shorter hold than the
/// matrix's (a correct lock pays it once per round).
pub fn threads_config(rounds: u32) -> ThreadsConfig {
    ThreadsConfig {
        rounds,
        hold: Duration::from_millis(100),
        ..ThreadsConfig::default()
    }
}

/// A proptest runner whose seed is printed, and taken from `RACELAB_SEED`
/// when set, so any failure can be replayed exactly.
pub fn seeded_runner(cases: u32) -> TestRunner {
    let seed: u64 = match std::env::var("RACELAB_SEED") {
        Ok(text) => text.parse().expect("RACELAB_SEED must be a u64"),
        Err(_) => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64),
    };
    println!("proptest seed {seed} (replay: RACELAB_SEED={seed} cargo test)");
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let config = Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    };
    TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &bytes))
}

/// Runs the `racelab` binary with `args` and waits for it; the run must
/// leave no entry behind ([`tidy::after_run`]).
pub fn racelab<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> std::process::Output {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_racelab"));
    command.args(args);
    output(command)
}

/// `command.output()` for a racelab command: stdin empty, stdout and
/// stderr captured; the run must leave no entry behind
/// ([`tidy::after_run`]).
pub fn output(mut command: std::process::Command) -> std::process::Output {
    use std::process::Stdio;
    let what = format!("{:?}", command.get_args().collect::<Vec<_>>());
    let since = std::time::SystemTime::now();
    let child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run the racelab binary");
    let pid = child.id();
    let output = child.wait_with_output().expect("run the racelab binary");
    tidy::after_run(pid, since, &what);
    output
}

/// Bytes a command printed, as text.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// rusty-fork's `rusty_fork_test!` (each test in a process of its own),
/// with a [`Tidy`] guard at the top of every test: each answers for its
/// own leftovers.
#[allow(unused_macros)] // not every test file has process tests
macro_rules! forked_tests {
    (#![rusty_fork(timeout_ms = $timeout:expr)]
     $($(#[$meta:meta])* fn $name:ident() $body:block)*) => {
        ::rusty_fork::rusty_fork_test! {
            #![rusty_fork(timeout_ms = $timeout)]
            $(
                $(#[$meta])*
                fn $name() {
                    let _tidy = $crate::common::Tidy::new();
                    $body
                }
            )*
        }
    };
    ($($(#[$meta:meta])* fn $name:ident() $body:block)*) => {
        $crate::common::forked_tests! {
            #![rusty_fork(timeout_ms = 0)]
            $($(#[$meta])* fn $name() $body)*
        }
    };
}
#[allow(unused_imports)]
pub(crate) use forked_tests;
