//! `racelab rush` and `racelab lessons`: the lessons' ticket rush with real
//! processes, reproduced from the command line, and clear errors (exit 2,
//! no panic) on bad input.

mod common;

use common::racelab;
use std::process::Output;

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn rush_without_a_lock_sells_the_one_ticket_to_all_ten() {
    let _tidy = common::Tidy::new();
    let out = racelab(&[
        "rush",
        "--buyers",
        "10",
        "--tickets",
        "1",
        "--strategy",
        "none",
    ]);
    let text = stdout(&out);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("sold 10 of 1 ticket(s)"), "{text}");
    assert!(text.contains("oversold: sold 10 tickets of 1"), "{text}");
    assert_eq!(text.matches(": searched, 1 left").count(), 10, "{text}");
}

#[test]
fn rush_under_flock_sells_exactly_one() {
    let _tidy = common::Tidy::new();
    let out = racelab(&[
        "rush",
        "--buyers",
        "10",
        "--tickets",
        "1",
        "--strategy",
        "flock",
    ]);
    let text = stdout(&out);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("sold 1 of 1 ticket(s)"), "{text}");
    assert_eq!(text.matches(": sold out").count(), 9, "{text}");
    assert!(text.contains("verdict: holds"), "{text}");
}

#[test]
fn bad_rush_input_is_a_clear_error() {
    let _tidy = common::Tidy::new();
    for args in [
        &["rush", "--strategy", "hope"][..],
        &["rush", "--strategy", "flock", "--buyers", "0"],
        &["rush", "--strategy", "flock", "--tickets", "-1"],
        &["rush", "--strategy", "flock", "--store", "disk"],
        &["rush", "--strategy", "atomic", "--tickets", "500"],
        &["rush"],
    ] {
        let out = racelab(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !stderr.is_empty() && !stderr.contains("panicked"),
            "{args:?}: {stderr}"
        );
    }
}

#[test]
fn lessons_show_the_process_scenarios() {
    let _tidy = common::Tidy::new();
    let out = racelab(&["lessons"]);
    let text = stdout(&out);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("the parent reads 666"), "{text}");
    assert!(text.contains("none: 10 of 10 bought"), "{text}");
    assert!(text.contains("flock: 1 of 10 bought (holds)"), "{text}");
    assert!(text.contains("(pairs stay together)"), "{text}");
}

#[test]
fn queue_via_every_process_queue_is_as_expected() {
    let _tidy = common::Tidy::new();
    let out = racelab(&["queue", "--via", "all", "--ending", "close", "--wait", "1"]);
    let text = stdout(&out);
    assert!(out.status.success(), "{text}");
    for via in racelab::process::queue::Via::ALL {
        let row = text
            .lines()
            .find(|l| l.split_whitespace().next() == Some(via.name()))
            .unwrap_or_else(|| panic!("no row for {via}: {text}"));
        match via.breaks_with() {
            None => assert!(row.ends_with("holds"), "{row}"),
            Some(kind) => assert!(row.contains(&format!("{kind}: ")), "{row}"),
        }
    }
}

#[test]
fn queue_via_one_queue_prints_what_each_consumer_received() {
    let _tidy = common::Tidy::new();
    let out = racelab(&["queue", "--via", "shm-semaphores", "--ending", "sentinels"]);
    let text = stdout(&out);
    assert!(out.status.success(), "{text}");
    let received: usize = text
        .lines()
        .filter_map(|l| l.strip_prefix("consumer "))
        .filter_map(|l| {
            l.split_whitespace()
                .nth(2)?
                .trim_end_matches(':')
                .parse::<usize>()
                .ok()
        })
        .sum();
    assert_eq!(received, 9, "{text}");
    assert!(text.contains("verdict: holds"), "{text}");
}

#[test]
fn queue_via_consumers_never_stopped_are_reported_waiting() {
    let _tidy = common::Tidy::new();
    let out = racelab(&[
        "queue", "--via", "shm", "--ending", "never", "--wait", "0.3",
    ]);
    let text = stdout(&out);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("2 of 2 consumers still waiting"), "{text}");
}

#[test]
fn bad_queue_input_is_a_clear_error() {
    let _tidy = common::Tidy::new();
    for args in [
        &["queue", "--via", "carrier-pigeon"][..],
        &["queue", "--via", "shm", "--wait", "-1"],
        &["queue", "--via", "shm", "--wait", "nan"],
        &["queue", "--via", "shm", "--capacity", "0"],
        &["queue", "--via", "shm", "--capacity", "65"],
        &["queue", "--via", "shm", "--producers", "70"],
        &[
            "queue",
            "--via",
            "shm",
            "--producers",
            "18446744073709551615",
        ],
        &["queue", "--via", "shm", "--items", "5000000000"],
        &["queue", "--via", "shm", "--wait", "1e19"],
        &["queue", "--via", "shm", "--wait", "inf"],
        &["queue", "--items", "5000000000"],
    ] {
        let out = racelab(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !stderr.is_empty() && !stderr.contains("panicked"),
            "{args:?}: {stderr}"
        );
    }
}
