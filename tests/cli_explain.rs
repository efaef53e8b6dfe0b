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
fn a_process_only_strategy_is_refused_with_where_to_see_it() {
    let out = racelab(&["explain", "counter", "flock"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("runs only on real processes")
            && stderr.contains("racelab rush --strategy flock"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn a_tier_explain_cannot_show_is_a_usage_error() {
    let out = racelab(&["explain", "counter", "none", "--tier", "threads"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("loom or shuttle"));
}

#[test]
fn a_correct_pair_on_shuttle_holds_and_exits_0() {
    let out = racelab(&["explain", "counter", "mutex", "--tier", "shuttle"]);
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("holds"), "{stdout}");
}
