//! The `racelab` command: the matrix's verdicts, its JSON, its exit codes,
//! and clear errors (no panic, no backtrace) on bad input.

mod common;
use common::{racelab, text};

#[test]
fn matrix_catches_every_broken_counter_strategy_and_exits_zero() {
    let out = racelab(&["matrix", "--model", "counter", "--tier", "loom"]);
    let stdout = text(&out.stdout);
    assert!(
        out.status.success(),
        "exit {:?}\n{stdout}{}",
        out.status,
        text(&out.stderr)
    );
    for strategy in ["none", "spin-relaxed", "semaphore-2", "split-lock"] {
        let row = stdout
            .lines()
            .find(|l| l.split_whitespace().nth(1) == Some(strategy))
            .expect("a row");
        assert!(
            row.contains("lost update  ") || row.contains("lost update "),
            "{row}"
        );
    }
    assert!(stdout.contains("0 mismatched"), "{stdout}");
}

#[test]
fn matrix_json_has_one_matching_row_per_pair() {
    let out = racelab(&["matrix", "--model", "tickets", "--tier", "loom", "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    let rows = report["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 10);
    assert!(rows.iter().all(|r| r["ok"] == true), "{report:#}");
    let none = rows
        .iter()
        .find(|r| r["strategy"] == "none")
        .expect("the none row");
    assert_eq!(none["violations"][0]["kind"], "oversold");
    assert_eq!(report["mismatches"], 0);
}

#[test]
fn unknown_model_is_a_clear_error() {
    let out = racelab(&["matrix", "--model", "stack"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("unknown model `stack`"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn unknown_strategy_lists_the_known_ones() {
    let out = racelab(&["matrix", "--strategy", "hope"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("no pair matches") && stderr.contains("counter/mutex"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn list_names_every_strategy_with_its_verdicts() {
    let out = racelab(&["list"]);
    assert!(out.status.success());
    let stdout = text(&out.stdout);
    assert_eq!(stdout.lines().count(), racelab::matrix::all().len());
    assert!(
        stdout.contains("one-condvar") && stdout.contains("deadlock"),
        "{stdout}"
    );
}

#[test]
fn counter_without_a_lock_reproduces_the_lessons_lost_updates() {
    let out = racelab(&["counter", "--strategy", "none", "--ops", "200000"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("verdict: lost update: final"), "{stdout}");
}

#[test]
fn counter_with_a_mutex_ends_at_zero() {
    let out = racelab(&["counter", "--strategy", "mutex", "--ops", "200000"]);
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("expected result 0") && stdout.contains("verdict: holds"),
        "{stdout}"
    );
}

#[test]
fn queue_consumers_never_told_to_stop_are_reported_hanging() {
    let out = racelab(&["queue", "--ending", "never"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("verdict: deadlock: the consumers were never told to stop"),
        "{stdout}"
    );
    assert!(stdout.contains("C1 waits on not_empty"), "{stdout}");
}

#[test]
fn queue_with_one_sentinel_per_consumer_finishes() {
    for ending in ["sentinels", "close"] {
        let out = racelab(&["queue", "--ending", ending]);
        let stdout = text(&out.stdout);
        assert!(stdout.contains("verdict: holds"), "{ending}: {stdout}");
    }
}

#[test]
fn bad_demo_input_is_a_clear_error() {
    for args in [
        &["queue", "--capacity", "0"][..],
        &["counter", "--strategy", "nope"],
        &["counter", "--ops", "-3"],
    ] {
        let out = racelab(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = text(&out.stderr);
        assert!(
            !stderr.is_empty() && !stderr.contains("panicked"),
            "{args:?}: {stderr}"
        );
    }
}
