//! Hostile input to every subcommand, so that none of issue 9 comes back:
//! every number has a range, stated in `--help` and enforced before any
//! work; bad input is exit status 2 with one line naming the argument (and
//! its range), never a panic; a report that cannot be written is exit
//! status 1 (full disk) or a quiet end by SIGPIPE (closed pipe).
//!
//! The bulk goes through the library's `racelab::cli::parse` (no process,
//! no work: fast); the exit statuses and streams through the built binary.
//! Each test prints how many hostile inputs it tried (`--nocapture`).

mod common;
use common::{racelab, text};

use proptest::prelude::*;
use racelab::cli::{self, CliError, Failure, Invocation};
use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Command, Output, Stdio};

/// Arguments that make each subcommand valid, so that a test changes one
/// argument at a time (a repeated option takes its last value).
fn bases(sub: &str) -> Vec<Vec<&'static str>> {
    match sub {
        "explain" => vec![vec!["counter", "none"]],
        "rush" => vec![vec!["--strategy", "flock"]],
        "queue" => vec![vec!["--producers", "1"], vec!["--via", "shm"]],
        _ => vec![vec![]],
    }
}

/// Value-taking arguments that are names looked up in a table, not numbers.
const NAMES: [&str; 7] = [
    "strategy", "via", "model", "tier", "store", "ending", "shard",
];

/// Value-taking arguments that are file paths (read at run time, and a bad
/// one refused then: `tests/cli_shard.rs`).
const PATHS: [&str; 1] = ["merge"];

/// One numeric argument and the range its help states.
#[derive(Debug)]
struct Ranged {
    sub: String,
    long: String,
    lo: String,
    hi: String,
}

impl Ranged {
    /// Fractions allowed: the help writes the range as `0.0 to 3600.0`.
    fn fractional(&self) -> bool {
        self.lo.contains('.')
    }

    /// Does the stated range admit `value`? (The oracle the parser must
    /// agree with.)
    fn admits(&self, value: &OsStr) -> bool {
        let Some(value) = value.to_str() else {
            return false;
        };
        if self.fractional() {
            let (lo, hi): (f64, f64) = (self.lo.parse().unwrap(), self.hi.parse().unwrap());
            value
                .parse::<f64>()
                .is_ok_and(|v| v.is_finite() && lo <= v && v <= hi)
        } else {
            let (lo, hi): (u128, u128) = (self.lo.parse().unwrap(), self.hi.parse().unwrap());
            value
                .parse::<u64>()
                .is_ok_and(|v| lo <= u128::from(v) && u128::from(v) <= hi)
        }
    }
}

/// The `(LOW to HIGH` a help text states, if it states one.
fn stated_range(help: &str) -> Option<(String, String)> {
    let number = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit() || c == '.');
    help.split('(').skip(1).find_map(|part| {
        let mut words = part.split([' ', ')', ';', ':']);
        let (lo, to, hi) = (words.next()?, words.next()?, words.next()?);
        (number(lo) && to == "to" && number(hi)).then(|| (lo.to_string(), hi.to_string()))
    })
}

/// Every value-taking argument of every subcommand: the numeric ones with
/// their stated range, and the names.
fn arguments() -> (Vec<Ranged>, Vec<(String, String)>) {
    let mut ranged = Vec::new();
    let mut names = Vec::new();
    for sub in cli::command().get_subcommands() {
        for arg in sub.get_arguments() {
            if !arg.get_action().takes_values() {
                continue;
            }
            let id = arg.get_id().to_string();
            let help = arg.get_help().map(|h| h.to_string()).unwrap_or_default();
            if PATHS.contains(&id.as_str()) {
                continue;
            }
            match (stated_range(&help), arg.get_long()) {
                (Some((lo, hi)), Some(long)) => ranged.push(Ranged {
                    sub: sub.get_name().to_string(),
                    long: format!("--{long}"),
                    lo,
                    hi,
                }),
                _ => {
                    assert!(
                        NAMES.contains(&id.as_str()),
                        "{} {id}: a value-taking argument that is not a name must state its \
                         range in its help, as (LOW to HIGH): {help:?}",
                        sub.get_name()
                    );
                    names.push((sub.get_name().to_string(), id));
                }
            }
        }
    }
    (ranged, names)
}

fn parse(sub: &str, args: &[OsString]) -> Result<Invocation, CliError> {
    let mut argv: Vec<OsString> = vec!["racelab".into(), sub.into()];
    argv.extend(args.iter().cloned());
    cli::parse(argv)
}

fn os(args: &[&str]) -> Vec<OsString> {
    args.iter().map(OsString::from).collect()
}

/// The error `parse` must give: bad input, one line, no panic text.
fn refused(sub: &str, args: &[OsString]) -> CliError {
    match parse(sub, args) {
        Ok(_) => panic!("{sub} {args:?} was accepted"),
        Err(e) => {
            assert_eq!(e.kind(), Failure::BadInput, "{sub} {args:?}: {e}");
            let m = e.message();
            assert!(
                !m.is_empty() && !m.contains('\n') && m.len() <= 2100,
                "{sub} {args:?}: not one line: {m:?}"
            );
            assert!(!m.contains("panicked"), "{sub} {args:?}: {m}");
            e
        }
    }
}

fn accepted(sub: &str, args: &[OsString]) {
    if let Err(e) = parse(sub, args) {
        panic!("{sub} {args:?} was refused: {e}");
    }
}

/// Numbers a careless parser chokes on.
fn hostile_numbers() -> Vec<OsString> {
    let mut values: Vec<OsString> = [
        "18446744073709551615", // u64::MAX
        "18446744073709551616", // 2^64
        "9223372036854775807",  // i64::MAX
        "9223372036854775808",
        "4294967296", // 2^32
        "340282366920938463463374607431768211456",
        "-1",
        "-0",
        "0",
        "-9223372036854775808",
        "NaN",
        "nan",
        "inf",
        "-inf",
        "infinity",
        "1e400",
        "-1e400",
        "1e-400",
        "1.5",
        "0.000001",
        "1e3",
        "0x10",
        "+",
        "-",
        " 1",
        "1 ",
        "",
        "١٢",
        "--json",
        "three",
    ]
    .map(OsString::from)
    .to_vec();
    values.push(OsString::from("9".repeat(100_000)));
    values.push(OsString::from_vec(vec![b'1', 0xff, 0xfe]));
    values.push(OsString::from_vec(vec![0x80]));
    values
}

#[test]
fn every_number_states_its_range_in_help_and_the_issues_arguments_have_one() {
    let (ranged, names) = arguments();
    let has = |sub: &str, long: &str| ranged.iter().any(|r| r.sub == sub && r.long == long);
    for (sub, long) in [
        ("counter", "--adders"),
        ("counter", "--subtractors"),
        ("counter", "--ops"),
        ("queue", "--producers"),
        ("queue", "--consumers"),
        ("queue", "--capacity"),
        ("queue", "--items"),
        ("queue", "--wait"),
        ("explain", "--bound"),
        ("rush", "--buyers"),
        ("rush", "--tickets"),
        ("rush", "--hold-ms"),
        ("pi", "--workers"),
        ("pi", "--terms"),
        ("matrix", "--seed"),
    ] {
        assert!(has(sub, long), "{sub} {long} states no range: {ranged:?}");
    }
    println!(
        "{} numeric arguments with a stated range, {} names",
        ranged.len(),
        names.len()
    );
}

#[test]
fn each_stated_range_is_the_range_enforced() {
    let (ranged, _) = arguments();
    let mut tried = 0;
    for r in &ranged {
        let base: Vec<OsString> = os(&bases(&r.sub)[0]);
        let with = |value: &str| {
            let mut args = base.clone();
            args.extend(os(&[&r.long, value]));
            args
        };
        let (below, above) = if r.fractional() {
            let hi: f64 = r.hi.parse().unwrap();
            ("-0.001".to_string(), format!("{}", hi + 0.001))
        } else {
            let (lo, hi): (u128, u128) = (r.lo.parse().unwrap(), r.hi.parse().unwrap());
            let below = lo
                .checked_sub(1)
                .map_or("-1".to_string(), |b| b.to_string());
            (below, (hi + 1).to_string())
        };
        accepted(&r.sub, &with(&r.lo));
        accepted(&r.sub, &with(&r.hi));
        for outside in [below, above] {
            let e = refused(&r.sub, &with(&outside));
            let range = format!("from {} to {}", r.lo, r.hi);
            assert!(
                e.message().contains(&r.long) && e.message().contains(&range),
                "{} {} {outside}: the error must name the argument and its range ({range}): {e}",
                r.sub,
                r.long
            );
        }
        tried += 4;
    }
    println!("{tried} boundary values tried");
}

#[test]
fn hostile_numbers_are_refused_naming_the_argument_and_its_range() {
    let (ranged, _) = arguments();
    let mut tried = 0;
    for r in &ranged {
        for base in bases(&r.sub) {
            for value in hostile_numbers() {
                if r.admits(&value) {
                    continue;
                }
                // Both spellings: `--ops VALUE` and `--ops=VALUE`.
                let mut joined = OsString::from(format!("{}=", r.long));
                joined.push(&value);
                for tail in [vec![OsString::from(&r.long), value.clone()], vec![joined]] {
                    let mut args = os(&base);
                    args.extend(tail);
                    let e = refused(&r.sub, &args);
                    let range = format!("from {} to {}", r.lo, r.hi);
                    assert!(
                        e.message().contains(&r.long) && e.message().contains(&range),
                        "{} {args:?}: {e}",
                        r.sub
                    );
                    tried += 1;
                }
            }
        }
    }
    assert!(tried > 500, "{tried}");
    println!("{tried} hostile numbers tried");
}

#[test]
fn hostile_names_are_refused_naming_the_argument() {
    let (_, names) = arguments();
    let hostile: Vec<OsString> = vec![
        OsString::from(""),
        OsString::from("nope"),
        OsString::from("x".repeat(1_000_000)),
        OsString::from_vec(vec![0xff, 0xfe, 0xfd]),
        OsString::from("counter\0"),
        OsString::from("-1"),
        OsString::from("../../etc/passwd"),
    ];
    let mut tried = 0;
    for (sub, id) in &names {
        for base in bases(sub) {
            for value in &hostile {
                let mut args = os(&base);
                let positional = sub == "explain" && (id == "model" || id == "strategy");
                if positional && value == "-1" {
                    // A word that starts with a hyphen where a positional
                    // is due reads as an unknown flag, and is refused as one.
                    continue;
                }
                if positional {
                    // explain MODEL STRATEGY: replace one of the two.
                    args = match id.as_str() {
                        "model" => vec![value.clone(), "none".into()],
                        _ => vec!["counter".into(), value.clone()],
                    };
                } else {
                    args.push(format!("--{id}").into());
                    args.push(value.clone());
                }
                let e = refused(sub, &args);
                assert!(
                    e.message().to_lowercase().contains(id.as_str()),
                    "{sub} {id} {:?}: the error must name the argument: {e}",
                    value.as_bytes().get(..20)
                );
                tried += 1;
            }
        }
    }
    println!("{tried} hostile names tried");
}

#[test]
fn unknown_flags_subcommands_and_stray_words_are_refused() {
    let subs: Vec<String> = cli::command()
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    let stray: Vec<OsString> = vec![
        OsString::from("--bogus"),
        OsString::from("--bogus=1"),
        OsString::from("-Z"),
        OsString::from("---"),
        OsString::from(format!("--{}", "y".repeat(100_000))),
        OsString::from_vec(b"--\xff\xfe".to_vec()),
        OsString::from_vec(b"\xff".to_vec()),
        OsString::from("extra"),
    ];
    let mut tried = 0;
    for sub in &subs {
        for base in bases(sub) {
            for word in &stray {
                let mut args = os(&base);
                args.push(word.clone());
                refused(sub, &args);
                tried += 1;
            }
        }
    }
    for top in [
        OsString::from("frobnicate"),
        OsString::from(""),
        OsString::from_vec(b"\xffmatrix".to_vec()),
        OsString::from("--bogus"),
        OsString::from("z".repeat(1_000_000)),
    ] {
        match cli::parse([OsString::from("racelab"), top.clone()]) {
            Ok(_) => panic!("{:?} accepted", top.as_bytes().get(..20)),
            Err(e) => assert_eq!(e.kind(), Failure::BadInput, "{e}"),
        }
        tried += 1;
    }
    // Flags of one subcommand given to another.
    for (sub, flag) in [
        ("list", "--json"),
        ("lessons", "--via"),
        ("pitfalls", "--ops"),
    ] {
        refused(sub, &os(&[flag]));
        tried += 1;
    }
    println!("{tried} stray arguments tried");
}

#[test]
fn combinations_a_run_cannot_take_are_refused_before_any_work() {
    let mut tried = 0;
    for (sub, args, names) in [
        (
            "counter",
            vec!["--adders", "0", "--subtractors", "0"],
            "--adders",
        ),
        (
            "queue",
            vec!["--via", "shm", "--producers", "40", "--consumers", "40"],
            "--producers",
        ),
        (
            "queue",
            vec!["--producers", "64", "--items", "1000000"],
            "--items",
        ),
        (
            "rush",
            vec!["--strategy", "atomic", "--tickets", "1000"],
            "--tickets",
        ),
        (
            "explain",
            vec!["counter", "flock", "--bound", "1"],
            "processes",
        ),
        (
            "matrix",
            vec!["--model", "counter", "--strategy", "condvar"],
            "--strategy",
        ),
    ] {
        let e = refused(sub, &os(&args));
        assert!(e.message().contains(names), "{sub} {args:?}: {e}");
        tried += 1;
    }
    println!("{tried} combinations tried");
}

#[test]
fn help_and_version_are_shown_not_errors_and_help_documents_the_exit_status() {
    let command = cli::command();
    let mut helps = vec![vec!["racelab", "--help"], vec!["racelab", "help"]];
    for sub in command.get_subcommands() {
        helps.push(vec!["racelab", sub.get_name(), "--help"]);
    }
    for argv in &helps {
        match cli::parse(argv.iter().copied()) {
            Ok(Invocation::Show(text)) => assert!(
                text.contains("Exit status: 0")
                    && text.contains("1 a verdict differs")
                    && text.contains("2 bad input"),
                "{argv:?}: {text}"
            ),
            _ => panic!("{argv:?}: no help"),
        }
    }
    assert!(matches!(
        cli::parse(["racelab", "--version"]),
        Ok(Invocation::Show(_))
    ));
}

/// A word of a random command line: subcommands, flags, and values, good
/// and hostile, from every argument's vocabulary.
fn word() -> impl Strategy<Value = OsString> {
    let mut vocabulary: Vec<OsString> = [
        "matrix",
        "list",
        "rush",
        "lessons",
        "counter",
        "queue",
        "explain",
        "pi",
        "pitfalls",
        "help",
        "--help",
        "--json",
        "--model",
        "--strategy",
        "--tier",
        "--seed",
        "--bound",
        "--buyers",
        "--tickets",
        "--hold-ms",
        "--store",
        "--adders",
        "--subtractors",
        "--ops",
        "--producers",
        "--items",
        "--consumers",
        "--capacity",
        "--ending",
        "--via",
        "--wait",
        "--workers",
        "--terms",
        "--compare-join",
        "counter",
        "tickets",
        "none",
        "mutex",
        "flock",
        "shm",
        "all",
        "never",
        "close",
        "loom",
        "1",
        "2",
        "64",
        "--",
        "-",
        "=",
    ]
    .map(OsString::from)
    .to_vec();
    vocabulary.extend(hostile_numbers());
    prop_oneof![
        4 => proptest::sample::select(vocabulary),
        1 => proptest::collection::vec(any::<u8>(), 0..12).prop_map(OsString::from_vec),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Whatever the words, parsing ends: with work to do, text to show, or
    /// one line of bad input; never a panic.
    #[test]
    fn parse_never_panics_on_random_argument_vectors(
        words in proptest::collection::vec(word(), 0..7)
    ) {
        let mut argv = vec![OsString::from("racelab")];
        argv.extend(words);
        if let Err(e) = cli::parse(argv) {
            prop_assert_eq!(e.kind(), Failure::BadInput);
            prop_assert!(!e.message().is_empty() && !e.message().contains('\n'));
        }
    }
}

// ---- The binary: exit statuses and streams. ----

/// Exit status 2, nothing on stdout, one line `racelab: ...` on stderr.
fn assert_bad_input(args: &[&OsStr], out: &Output) {
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(out.stdout.is_empty(), "{args:?}: {}", text(&out.stdout));
    assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
    assert!(stderr.starts_with("racelab: "), "{args:?}: {stderr}");
    for noise in ["panicked", "RUST_BACKTRACE", "stack backtrace"] {
        assert!(!stderr.contains(noise), "{args:?}: {stderr}");
    }
}

#[test]
fn the_binary_exits_2_with_one_line_on_the_issues_inputs() {
    let huge = "7".repeat(100_000);
    let not_utf8 = OsString::from_vec(vec![0xff, 0xfe]);
    let cases: Vec<Vec<&OsStr>> = vec![
        vec!["explain", "counter", "none", "--bound", "4294967296"],
        vec![
            "explain",
            "counter",
            "none",
            "--bound",
            "18446744073709551616",
        ],
        vec!["explain", "counter", "none", "--bound", "256"],
        vec!["counter", "--adders", "9223372036854775807"],
        vec!["counter", "--ops", "18446744073709551615"],
        vec!["queue", "--capacity", "18446744073709551615"],
        vec!["queue", "--producers", "18446744073709551615"],
        vec!["queue", "--via", "shm", "--wait", "nan"],
        vec!["queue", "--wait", "1e400"],
        vec!["rush", "--strategy", "flock", "--buyers", "-1"],
        vec!["pi", "--terms", "0"],
        vec!["pi", "--workers", &huge],
        vec!["matrix", "--seed", "18446744073709551616"],
        vec!["matrix", "--tier", "inf"],
        vec!["list", "--bogus"],
        vec!["lessons", ""],
        vec!["pitfalls", "--seed", "1"],
        vec!["counter", "--strategy", ""],
    ]
    .into_iter()
    .map(|args| args.into_iter().map(OsStr::new).collect())
    .collect();
    let mut tried = 0;
    for args in &cases {
        assert_bad_input(args, &racelab(args));
        tried += 1;
    }
    for args in [
        vec![OsStr::new("counter"), OsStr::new("--ops"), &not_utf8],
        vec![OsStr::new("explain"), &not_utf8, OsStr::new("none")],
        vec![&not_utf8],
    ] {
        assert_bad_input(&args, &racelab(&args));
        tried += 1;
    }
    println!("{tried} hostile command lines run");
}

#[test]
fn with_json_every_error_is_a_json_object_on_stdout() {
    let mut tried = 0;
    for (args, code, kind) in [
        (
            &["matrix", "--json", "--model", "stack"][..],
            2,
            "bad-input",
        ),
        (&["matrix", "--json", "--bogus"], 2, "bad-input"),
        (&["matrix", "--json", "--seed", "-1"], 2, "bad-input"),
        (&["explain", "--json", "counter", "nolock"], 2, "bad-input"),
        (
            &["explain", "counter", "none", "--json", "--bound", "999"],
            2,
            "bad-input",
        ),
        (&["pi", "--json", "--workers", "0"], 2, "bad-input"),
        (&["pi", "--json", "--via", "smoke-signals"], 2, "bad-input"),
    ] {
        let args: Vec<&OsStr> = args.iter().map(OsStr::new).collect();
        let out = racelab(&args);
        assert_eq!(out.status.code(), Some(code), "{args:?}");
        let json: serde_json::Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{args:?}: {e}: {}", text(&out.stdout)));
        assert_eq!(json["error"]["kind"], kind, "{json}");
        assert!(
            json["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty())
        );
        assert!(!text(&out.stderr).contains("panicked"));
        tried += 1;
    }
    println!("{tried} JSON error paths tried");
}

/// Runs racelab with stdout on `stdout`.
fn racelab_to(args: &[&str], stdout: impl Into<Stdio>) -> Output {
    Command::new(env!("CARGO_BIN_EXE_racelab"))
        .args(args)
        .stdout(stdout)
        .stderr(Stdio::piped())
        .output()
        .expect("run the racelab binary")
}

const REPORTS: [&[&str]; 5] = [
    &["list"],
    &["matrix", "--model", "counter", "--tier", "loom"],
    &["matrix", "--model", "counter", "--tier", "loom", "--json"],
    &["explain", "counter", "none"],
    &["--help"],
];

#[test]
fn a_full_disk_is_an_error_with_exit_status_1() {
    for args in REPORTS {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .expect("/dev/full");
        let out = racelab_to(args, full);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(
            stderr.starts_with("racelab: cannot write the report: No space left on device"),
            "{args:?}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
    println!("{} reports written to a full disk", REPORTS.len());
}

#[test]
fn a_closed_pipe_ends_quietly_by_sigpipe() {
    for args in REPORTS {
        // The read end is closed before racelab starts: its first write
        // meets a pipe with no reader, every time.
        let (reader, writer) = std::io::pipe().expect("a pipe");
        drop(reader);
        let out = racelab_to(args, writer);
        assert_eq!(
            out.status.signal(),
            Some(libc::SIGPIPE),
            "{args:?}: {:?} {}",
            out.status,
            text(&out.stderr)
        );
        assert!(out.stderr.is_empty(), "{args:?}: {}", text(&out.stderr));
    }
    println!("{} reports written to a closed pipe", REPORTS.len());
}

/// Runs racelab with `resource` limited to `limit`.
fn racelab_limited(args: &[&str], resource: libc::__rlimit_resource_t, limit: u64) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_racelab"));
    command.args(args);
    // SAFETY: setrlimit is async-signal-safe; nothing else runs between
    // fork and exec.
    unsafe {
        command.pre_exec(move || {
            let limit = libc::rlimit {
                rlim_cur: limit,
                rlim_max: limit,
            };
            if libc::setrlimit(resource, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    common::output(command)
}

/// Exit status 1, one line `racelab: {start}...` on stderr, no panic.
/// Lines in which the run reports sweeping what an earlier run killed by
/// SIGKILL left behind (another test's) are not this run's error.
fn assert_run_failed(out: &Output, start: &str) {
    let stderr: String = text(&out.stderr)
        .lines()
        .filter(|line| !line.starts_with("racelab: removed "))
        .map(|line| format!("{line}\n"))
        .collect();
    assert_eq!(out.status.code(), Some(1), "{:?}: {stderr}", out.status);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with(start), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn a_thread_that_cannot_be_spawned_is_a_run_time_error_not_a_panic() {
    // Every thread racelab spawns asks for a 4 EiB stack, more than the
    // address space: the first spawn fails, before any thread holds memory
    // (a limit on the address space instead would starve the error path
    // too, some runs).
    let out = Command::new(env!("CARGO_BIN_EXE_racelab"))
        .args(["counter", "--strategy", "mutex", "--ops", "1"])
        .env("RUST_MIN_STACK", (1u64 << 62).to_string())
        .output()
        .expect("run the racelab binary");
    // The run could not be set up: inconclusive with the reason, never
    // holds or violated; exit 1.
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("inconclusive: setup failed: failed to spawn thread"),
        "{stdout}"
    );
    assert!(!stdout.contains("violated"), "{stdout}");
    assert!(!text(&out.stderr).contains("panicked"));
}

#[test]
fn a_process_queue_the_system_refuses_is_a_run_time_error_not_bad_input() {
    // Eight descriptors: the pipe queue cannot be made.
    let out = racelab_limited(
        &["queue", "--via", "pipe", "--ending", "close"],
        libc::RLIMIT_NOFILE,
        8,
    );
    // The run could not decide: the verdict says inconclusive and why
    // (no descriptors), never holds or violated; exit 1.
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("inconclusive: setup failed") && stdout.contains("os error 24"),
        "{stdout}"
    );
    assert!(!text(&out.stderr).contains("panicked"));
    // With --json, the same failure is a JSON object on stdout.
    let out = racelab_limited(
        &["pi", "--json", "--via", "pipe", "--terms", "1000"],
        libc::RLIMIT_NOFILE,
        8,
    );
    assert_run_failed(&out, "racelab: pi via pipe failed: ");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("a JSON error");
    assert_eq!(json["error"]["kind"], "run-failed", "{json}");
}
