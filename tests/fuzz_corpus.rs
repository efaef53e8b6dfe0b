//! Every fuzz target's committed corpus (`fuzz/corpus/<target>/`), replayed
//! through the same check the target runs, on the stable toolchain: CI
//! checks the readers of outside bytes without nightly or libFuzzer.
//! Files named `regression-*` pin a bug the check once found.
//!
//! The negative controls hand each judge a deliberately wrong reader's
//! answer and require it to be caught.

use racelab::fuzzing::{self, Failure, cli_args, frames, spool, ticket_db};
use racelab::process::filedb::{Db, ReadError};
use racelab::process::queue::QueueError;
use racelab::process::queue::channel::ChannelError;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Replays every file of `target`'s corpus; fails listing each file whose
/// check failed.
fn replay(target: &str) {
    let check = fuzzing::by_name(target).expect("a known target");
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("a corpus entry").path())
        .collect();
    files.sort();
    assert!(
        files.len() >= 5,
        "{target}: only {} corpus files",
        files.len()
    );
    let failed: Vec<String> = files
        .iter()
        .filter_map(|file| {
            let data = std::fs::read(file).expect("a readable corpus file");
            check(&data)
                .err()
                .map(|e| format!("{}: {e}", file.display()))
        })
        .collect();
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}

fn is_broken(result: Result<(), Failure>) -> bool {
    matches!(result, Err(Failure::Broken(_)))
}

#[test]
fn frame_reader_returns_exactly_the_frames_written_then_a_typed_end() {
    replay("frames");
}

#[test]
fn ticket_db_reader_accepts_only_what_it_can_write_back() {
    replay("ticket_db");
}

#[test]
fn spool_reader_takes_each_planted_file_once_in_key_order() {
    replay("spool");
}

#[test]
fn cli_parser_refuses_any_argument_vector_with_one_line_of_bad_input() {
    replay("cli_args");
}

#[test]
fn every_target_has_a_check() {
    for target in ["frames", "ticket_db", "spool", "cli_args"] {
        assert!(fuzzing::by_name(target).is_some(), "{target}");
    }
    assert!(fuzzing::by_name("no-such-target").is_none());
}

#[test]
fn the_reference_decoder_finds_frames_and_their_end() {
    let mut bytes = 3u32.to_le_bytes().to_vec();
    bytes.extend_from_slice(b"abc");
    assert_eq!(
        frames::decode(&bytes),
        (vec![b"abc".to_vec()], frames::End::Clean)
    );
    assert_eq!(frames::decode(&bytes[..5]).1, frames::End::Truncated);
    assert_eq!(frames::decode(&[0xff; 4]).1, frames::End::OutOfBounds);
}

#[test]
fn the_frame_judge_catches_a_reader_that_drops_splits_or_ends_wrong() {
    let mut bytes = 2u32.to_le_bytes().to_vec();
    bytes.extend_from_slice(b"ab");
    let right = [b"ab".to_vec()];
    assert!(frames::judge(&bytes, &right, &ChannelError::Closed).is_ok());
    // Dropped the frame.
    assert!(is_broken(frames::judge(&bytes, &[], &ChannelError::Closed)));
    // One read taken as one frame: the stream's pieces.
    let split = [b"a".to_vec(), b"b".to_vec()];
    assert!(is_broken(frames::judge(
        &bytes,
        &split,
        &ChannelError::Closed
    )));
    // A clean end reported as empty (a reader that would wait).
    assert!(is_broken(frames::judge(
        &bytes,
        &right,
        &ChannelError::Empty
    )));
    // A frame cut short passed off as a clean end.
    assert!(is_broken(frames::judge(
        &bytes[..3],
        &[],
        &ChannelError::Closed
    )));
}

#[test]
fn the_ticket_db_judge_catches_a_lost_sale_and_a_wrong_torn_report() {
    let text = br#"{"count":0,"ledger":{"0":1,"0":2}}"#;
    let collapsed = Db {
        count: 0,
        ledger: BTreeMap::from([(0, 2)]),
    };
    assert!(is_broken(ticket_db::judge(text, &Ok(collapsed))));
    let torn = br#"{"count":"#;
    let honest = Err(ReadError::Torn(String::from_utf8_lossy(torn).into_owned()));
    assert!(ticket_db::judge(torn, &honest).is_ok());
    let wrong = Err(ReadError::Torn(String::new()));
    assert!(is_broken(ticket_db::judge(torn, &wrong)));
}

#[test]
fn the_spool_judge_catches_a_wrong_order_a_made_up_item_and_a_short_file_read() {
    let file = |name: &[u8], item: u64| spool::Planted {
        name: name.to_vec(),
        content: item.to_le_bytes().to_vec(),
    };
    let files = [file(b"0", 10), file(b"1", 11)];
    let empty = Err(QueueError::Empty);
    assert!(spool::judge(&files, &[Ok(10), Ok(11), empty.clone()]).is_ok());
    assert!(is_broken(spool::judge(
        &files,
        &[Ok(11), Ok(10), empty.clone()]
    )));
    assert!(is_broken(spool::judge(
        &files,
        &[Ok(10), Ok(12), empty.clone()]
    )));
    assert!(is_broken(spool::judge(&files, &[Ok(10), Ok(11), Ok(0)])));
    let short = [spool::Planted {
        name: b"0".to_vec(),
        content: vec![1, 2, 3],
    }];
    assert!(
        spool::judge(
            &short,
            &[Err(QueueError::Corrupt("3 bytes".into())), empty.clone()]
        )
        .is_ok()
    );
    // A short file zero-filled into an item, not refused.
    assert!(is_broken(spool::judge(
        &short,
        &[Ok(0x030201), empty.clone()]
    )));
    // Refused, but as the system's failure, not the spool's.
    assert!(is_broken(spool::judge(
        &short,
        &[Err(QueueError::Os("3 bytes".into())), empty]
    )));
}

#[test]
fn the_spool_input_skips_what_is_not_a_file_name() {
    let entry = |name: &[u8]| [&[name.len() as u8][..], name, &[1, b'x']].concat();
    let data = [
        entry(b"b"),
        entry(b"."),
        entry(b".."),
        entry(b"a/b"),
        entry(b""),
        entry(b"a\0"),
        entry(b"b"),
        entry(b"\xff"),
    ]
    .concat();
    let names: Vec<Vec<u8>> = spool::planted(&data).into_iter().map(|f| f.name).collect();
    assert_eq!(names, vec![b"b".to_vec(), b"\xff".to_vec()]);
}

#[test]
fn the_cli_judge_catches_an_unasked_help_a_run_failure_and_a_multiline_error() {
    let args = cli_args::argv(b"matrix\0--model\0nope");
    let refused = |kind, message: &str| cli_args::Answer::Refused(kind, message.to_string());
    let bad = racelab::cli::Failure::BadInput;
    assert!(cli_args::judge(&args, &refused(bad, "invalid value `nope` for --model")).is_ok());
    let shown = cli_args::Answer::Show("Usage: racelab".into());
    assert!(is_broken(cli_args::judge(&args, &shown)));
    let run_failed = racelab::cli::Failure::RunFailed;
    assert!(is_broken(cli_args::judge(
        &args,
        &refused(run_failed, "no fork")
    )));
    assert!(is_broken(cli_args::judge(
        &args,
        &refused(bad, "error:\n  usage")
    )));
    assert!(is_broken(cli_args::judge(&args, &refused(bad, " "))));
    let long = "x".repeat(cli_args::MAX_MESSAGE + 1);
    assert!(is_broken(cli_args::judge(&args, &refused(bad, &long))));
}

#[test]
fn cli_input_splits_at_nul_after_the_program_name() {
    let args = cli_args::argv(b"rush\0--buyers\0\xff");
    let bytes: Vec<&[u8]> = args.iter().map(|a| a.as_encoded_bytes()).collect();
    assert_eq!(bytes, [&b"racelab"[..], b"rush", b"--buyers", b"\xff"]);
    assert_eq!(cli_args::argv(b"").len(), 1);
}
