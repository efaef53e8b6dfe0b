//! The `racelab explain` command line: bad input gets a clear error and
//! exit status 2 (no panic, no backtrace); `--json` prints a parseable trace.

use std::process::Command;

fn racelab(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_racelab"))
        .args(args)
        .output()
        .expect("run racelab")
}

#[test]
fn an_unknown_model_or_strategy_lists_the_valid_names_and_exits_2() {
    for args in [
        ["explain", "conter", "none"],
        ["explain", "counter", "nolock"],
    ] {
        let out = racelab(&args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("counter: mutex, spin"), "{stderr}");
        assert!(stderr.contains("queue: condvar, condvar-if"), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[test]
fn a_bad_bound_is_a_usage_error() {
    let out = racelab(&["explain", "counter", "none", "--bound", "many"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
}

#[test]
fn json_output_carries_the_trace_and_the_replay_command() {
    let out = racelab(&["explain", "tickets", "none", "--json"]);
    assert!(out.status.success());
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    assert_eq!(json["verdict"], "violated");
    assert_eq!(json["replay"], "racelab explain tickets none --bound 1");
    assert_eq!(json["threads"], serde_json::json!(["B0", "B1"]));
    let reads: Vec<&serde_json::Value> = json["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .filter(|r| r["action"] == "read")
        .collect();
    assert_eq!(reads.len(), 2);
    assert!(reads.iter().all(|r| r["value"] == 1), "{reads:?}");
}

#[test]
fn a_process_only_strategy_asked_for_a_loom_bound_is_refused_with_where_to_see_it() {
    let out = racelab(&["explain", "counter", "flock", "--bound", "2"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("runs only on real processes")
            && stderr.contains("racelab explain counter flock --tier processes")
            && stderr.contains("racelab rush --strategy flock"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn a_tier_explain_cannot_show_is_a_usage_error() {
    let out = racelab(&["explain", "counter", "none", "--tier", "threads"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("explain shows loom, shuttle or processes"),
        "{stderr}"
    );
}

#[test]
fn a_correct_pair_on_shuttle_holds_and_exits_0() {
    let out = racelab(&["explain", "counter", "mutex", "--tier", "shuttle"]);
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("holds"), "{stdout}");
}

#[test]
fn a_broken_process_only_pair_is_explained_with_each_workers_last_steps() {
    let out = racelab(&["explain", "counter", "inherited-flock"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    // The verdict is the expected one: exit 0.
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.starts_with("counter / inherited-flock on processes: violated"),
        "{stdout}"
    );
    assert!(stdout.contains("violated: lost update: "), "{stdout}");
    assert!(
        stdout.contains("no random choice: the same command reruns it"),
        "{stdout}"
    );
    // Two adders of two increments: each ring holds its whole story, and
    // both read 0 in the race window and wrote 1.
    for worker in 0..2 {
        let block = format!(
            "  worker {worker}: ended after 2 operations; 13 steps\n    started\n    \
             op 1    asks for the lock\n    op 1    has the lock\n    op 1    read 0\n    \
             op 1    waits in the race window\n    op 1    wrote 1\n"
        );
        assert!(stdout.contains(&block), "{block:?} missing: {stdout}");
    }
    assert!(
        stdout.contains("replay:   racelab explain counter inherited-flock --tier processes"),
        "{stdout}"
    );
}

#[test]
fn json_carries_every_violations_trace_and_tier_processes_explains_a_pair_loom_also_runs() {
    let out = racelab(&["explain", "queue", "shm-unlocked", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    assert_eq!(json["tier"], "processes");
    assert_eq!(json["verdict"], "violated");
    let violations = json["violations"].as_array().expect("violations");
    assert!(!violations.is_empty());
    for v in violations {
        let trace = v["trace"].as_str().expect("every violation has a trace");
        assert!(
            trace.contains("producer 0: ") && trace.contains("consumer 1: "),
            "{trace}"
        );
    }

    let out = racelab(&["explain", "tickets", "none", "--tier", "processes"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.starts_with("tickets / none on processes: violated"),
        "{stdout}"
    );
    assert!(stdout.contains("  buyer 1: "), "{stdout}");
    assert!(
        stdout.contains("(the trace above)"),
        "a round's trace is printed once: {stdout}"
    );
}

#[test]
fn a_correct_process_pair_holds_with_the_work_it_did() {
    let out = racelab(&["explain", "tickets", "flock"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.starts_with("tickets / flock on processes: holds (2 buyers, 1 ticket), "),
        "{stdout}"
    );
    assert!(stdout.contains(" in 3 rounds; expected: holds"), "{stdout}");
    assert!(!stdout.contains("violated"), "{stdout}");
}

#[test]
fn a_tier_explain_cannot_show_or_a_pair_without_that_form_is_a_usage_error() {
    for args in [
        &["explain", "counter", "none", "--tier", "threads"][..],
        &["explain", "counter", "mutex", "--tier", "processes"],
        &[
            "explain",
            "counter",
            "flock",
            "--tier",
            "processes",
            "--bound",
            "1",
        ],
    ] {
        let out = racelab(args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}
