//! `racelab matrix --shard K/N`, `--merge` and `--jobs`: for N = 1..4 the
//! shards run every cell exactly once and merge to the unsharded report
//! and exit code; a doctored shard's mismatch survives the merge (exit 1);
//! files that are not exactly the N shards of one split are refused
//! (exit 2, with the reason, no panic); `--jobs 2` gives the verdicts of
//! `--jobs 1`.

mod common;
use common::{racelab, text};

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Output;

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}{}", text(&out.stdout), text(&out.stderr)))
}

/// `model/strategy/tier` of each row.
fn cells(report: &Value) -> Vec<String> {
    report["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| format!("{}/{}/{}", r["model"], r["strategy"], r["tier"]))
        .collect()
}

/// The rows without their wall time, the one field that differs run to run.
fn timeless(report: &Value) -> Vec<Value> {
    let mut rows = report["rows"].as_array().expect("rows").clone();
    for row in &mut rows {
        row.as_object_mut().expect("a row").remove("elapsed");
    }
    rows
}

fn write(dir: &Path, name: &str, value: &Value) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_vec(value).unwrap()).unwrap();
    path
}

fn merge(files: &[PathBuf], json: bool) -> Output {
    let mut args = vec!["matrix".to_string()];
    if json {
        args.push("--json".into());
    }
    args.push("--merge".into());
    args.extend(files.iter().map(|f| f.display().to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    racelab(&args)
}

/// The shards of `filter` split N ways, as files in `dir`.
fn shard_files(dir: &Path, filter: &[&str], n: usize) -> Vec<PathBuf> {
    (1..=n)
        .map(|k| {
            let shard = format!("{k}/{n}");
            let mut args = vec!["matrix", "--json", "--shard", &shard];
            args.extend_from_slice(filter);
            let out = racelab(&args);
            assert!(
                matches!(out.status.code(), Some(0 | 1)),
                "{}",
                text(&out.stderr)
            );
            let report = json(&out);
            assert_eq!(report["shard"]["index"], k);
            assert_eq!(report["shard"]["count"], n);
            write(dir, &format!("shard-{k}-of-{n}.json"), &report)
        })
        .collect()
}

#[test]
fn shards_of_1_to_4_cover_every_cell_once_and_merge_to_the_unsharded_report() {
    let dir = tempfile::tempdir().unwrap();
    // Loom cells (deterministic, milliseconds each), and a pair on every
    // tier, its n/a cells included.
    for filter in [
        &["--model", "counter", "--tier", "loom"][..],
        &["--model", "counter", "--strategy", "mutex"][..],
    ] {
        let whole = racelab(&[&["matrix", "--json"][..], filter].concat());
        let expected = json(&whole);
        let table = racelab(&[&["matrix"][..], filter].concat());
        let summary = |out: &Output| {
            text(&out.stdout)
                .lines()
                .find(|l| l.contains(" cells: "))
                .map(str::to_string)
        };
        for n in 1..=4 {
            let files = shard_files(dir.path(), filter, n);
            let mut all: Vec<String> = Vec::new();
            for f in &files {
                let report: Value = serde_json::from_slice(&std::fs::read(f).unwrap()).unwrap();
                assert_eq!(report["shard"]["cells"], cells(&expected).len());
                all.extend(cells(&report));
            }
            let mut unique = all.clone();
            unique.sort();
            unique.dedup();
            assert_eq!(unique.len(), all.len(), "a cell in two shards: {all:?}");
            let mut wanted = cells(&expected);
            wanted.sort();
            assert_eq!(unique, wanted, "N = {n}");

            let merged = merge(&files, true);
            assert_eq!(merged.status.code(), whole.status.code(), "N = {n}");
            let merged_report = json(&merged);
            assert_eq!(timeless(&merged_report), timeless(&expected), "N = {n}");
            assert_eq!(merged_report["mismatches"], expected["mismatches"]);
            let merged_table = merge(&files, false);
            assert_eq!(merged_table.status.code(), table.status.code());
            assert_eq!(summary(&merged_table), summary(&table), "N = {n}");
        }
    }
}

#[test]
fn a_mismatch_in_one_shard_makes_the_merge_exit_1() {
    // Negative control: doctor shard 1's `none` row into a clean run; the
    // merge must call it a mismatch, as the unsharded run would.
    let dir = tempfile::tempdir().unwrap();
    let filter = ["--model", "counter", "--tier", "loom"];
    let files = shard_files(dir.path(), &filter, 2);
    let mut doctored = false;
    for f in &files {
        let mut report: Value = serde_json::from_slice(&std::fs::read(f).unwrap()).unwrap();
        for row in report["rows"].as_array_mut().unwrap() {
            if row["strategy"] == "none" {
                row["violations"] = Value::Array(Vec::new());
                doctored = true;
            }
        }
        std::fs::write(f, serde_json::to_vec(&report).unwrap()).unwrap();
    }
    assert!(doctored);
    let out = merge(&files, false);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("MISMATCH counter/none on loom"), "{stdout}");
    assert!(stdout.contains("1 mismatched"), "{stdout}");
}

#[test]
fn files_that_are_not_the_shards_of_one_split_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let filter = ["--model", "counter", "--tier", "loom"];
    let two = shard_files(d, &filter, 2);
    let three = shard_files(d, &filter, 3);
    let read =
        |p: &PathBuf| -> Value { serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap() };
    let unsharded = write(
        d,
        "whole.json",
        &json(&racelab(&[
            "matrix", "--json", "--model", "counter", "--tier", "loom",
        ])),
    );
    let not_json = d.join("notes.txt");
    std::fs::write(&not_json, "counter none loom").unwrap();
    let mut unknown = read(&two[0]);
    unknown["rows"][0]["strategy"] = "no-such-lock".into();
    let unknown = write(d, "unknown.json", &unknown);
    let mut short = read(&two[0]);
    short["rows"].as_array_mut().unwrap().pop();
    let short = write(d, "short.json", &short);
    let mut dup = read(&two[1]);
    let first = read(&two[0])["rows"][0].clone();
    dup["rows"].as_array_mut().unwrap()[0] = first;
    let dup = write(d, "dup.json", &dup);
    let mut zero = read(&two[0]);
    zero["shard"]["index"] = 0.into();
    let zero = write(d, "zero.json", &zero);
    let mut bad_kind = read(&two[0]);
    bad_kind["rows"][0]["violations"] =
        serde_json::json!([{ "kind": "gremlins", "evidence": "?" }]);
    let bad_kind = write(d, "bad-kind.json", &bad_kind);
    let cases: Vec<(Vec<PathBuf>, &str)> = vec![
        (vec![two[0].clone()], "shard 2/2 is missing"),
        (vec![two[0].clone(), two[0].clone()], "given twice"),
        (vec![two[0].clone(), three[1].clone()], "different splits"),
        (vec![unsharded.clone()], "not a shard's report"),
        (vec![not_json.clone()], "not a matrix report"),
        (vec![d.join("absent.json")], "No such file"),
        (vec![unknown, two[1].clone()], "no pair of this racelab"),
        (vec![short, two[1].clone()], "the shards hold"),
        (vec![two[0].clone(), dup], "in two shards"),
        (vec![zero, two[1].clone()], "does not exist"),
        (vec![bad_kind, two[1].clone()], "not a matrix report"),
    ];
    let count = cases.len();
    for (files, reason) in cases {
        let out = merge(&files, false);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{files:?}: {stderr}");
        assert!(stderr.contains(reason), "{files:?}: {stderr}");
        assert!(!stderr.contains("panicked at"), "{stderr}");
        assert!(out.stdout.is_empty(), "{}", text(&out.stdout));
    }
    assert_eq!(count, 11);
}

#[test]
fn bad_shard_jobs_and_merge_arguments_are_clear_errors() {
    for args in [
        &["matrix", "--shard", "0/3"][..],
        &["matrix", "--shard", "4/3"],
        &["matrix", "--shard", "1/0"],
        &["matrix", "--shard", "a/b"],
        &["matrix", "--shard", "3"],
        &["matrix", "--shard", "-1/2"],
        &["matrix", "--jobs", "0"],
        &["matrix", "--jobs", "-1"],
        &["matrix", "--jobs", "many"],
        &["matrix", "--jobs", "100000"],
        &["matrix", "--merge"],
        &["matrix", "--merge", "x.json", "--shard", "1/2"],
        &["matrix", "--merge", "x.json", "--tier", "loom"],
    ] {
        let out = racelab(args);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked at"), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}

#[test]
fn a_shard_past_the_last_cell_is_empty_and_clean() {
    // Five shards of four cells: shard 5 has none, and says so with 0 rows.
    let out = racelab(&[
        "matrix",
        "--json",
        "--shard",
        "5/5",
        "--model",
        "counter",
        "--strategy",
        "mutex",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let report = json(&out);
    assert_eq!(report["rows"].as_array().unwrap().len(), 0);
    assert_eq!(report["shard"]["cells"], 4);
}

/// `model/strategy/tier -> (verdict, first violation, ok)` of a report:
/// what the table's observed column shows. (What a broken queue does after
/// its first violation varies from run to run.)
fn verdicts(report: &Value) -> Vec<(String, bool, Value, Value, Value)> {
    report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                format!("{}/{}/{}", r["model"], r["strategy"], r["tier"]),
                r["violations"].as_array().unwrap().is_empty(),
                r["violations"][0]["kind"].clone(),
                r["inconclusive"].clone(),
                r["ok"].clone(),
            )
        })
        .collect()
}

#[test]
fn jobs_2_gives_the_verdicts_of_jobs_1_in_the_same_order() {
    // Real threads and forked processes with race windows (broken
    // strategies and queues included), and loom: side by side, each cell
    // in its own process, nothing changes. (Not the counter on threads: 2
    // million operations a cell, too slow for a test in debug.)
    for filter in [
        &["--model", "tickets", "--tier", "threads"][..],
        &["--model", "queue", "--tier", "processes"][..],
        &["--model", "tickets", "--tier", "loom"][..],
    ] {
        let one = racelab(&[&["matrix", "--json", "--jobs", "1"][..], filter].concat());
        let two = racelab(&[&["matrix", "--json", "--jobs", "2"][..], filter].concat());
        assert_eq!(one.status.code(), Some(0), "{}", text(&one.stdout));
        assert_eq!(two.status.code(), Some(0), "{}", text(&two.stdout));
        assert_eq!(verdicts(&json(&one)), verdicts(&json(&two)));
    }
}
