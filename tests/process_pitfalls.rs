//! The lessons' IPC pitfalls, each shown failing every run next to its fix
//! (docs/scenarios.md, "Pitfalls", and §5's semaphore and signal). Every test
//! runs in its own process with a timeout; every worker has a deadline.

mod common;

use racelab::lessons::pitfall::alarm::{OpenOutcome, open_fifo_with_alarm};
use racelab::lessons::pitfall::framing::{Reading, stream_messages};
use racelab::lessons::pitfall::permits;
use racelab::lessons::pitfall::tear::{CAPACITY, PIPE_BUF, pipe_writers};
use racelab::os::arena::{base_dir, leftovers};
use std::time::Duration;

const WRITERS: usize = 4;
const MESSAGES: usize = 8;

fn nothing_left_behind() {
    assert!(leftovers(&base_dir(), Some(std::process::id())).is_empty());
}

common::forked_tests! {
    #![rusty_fork(timeout_ms = 60_000)]

    #[test]
    fn writes_larger_than_pipe_buf_from_several_writers_tear() {
        let size = 4 * CAPACITY;
        let r = pipe_writers(WRITERS, MESSAGES, size).unwrap();
        assert_eq!(r.chunks, WRITERS * MESSAGES);
        assert!(r.torn > 0, "no message torn: {r:?}");
    }

    #[test]
    fn writes_up_to_pipe_buf_never_tear() {
        let r = pipe_writers(WRITERS, 4 * MESSAGES, PIPE_BUF).unwrap();
        assert_eq!(r.torn, 0, "{r:?}");
        assert_eq!(r.intact_per_writer, vec![4 * MESSAGES; WRITERS]);
    }

    #[test]
    fn one_read_of_a_stream_socket_is_not_one_message() {
        let sent: [&[u8]; 2] = [b"hello", b"world"];
        let got = stream_messages(Reading::OneReadPerMessage, &sent).unwrap();
        assert_eq!(got, vec![b"helloworld".to_vec()], "the two messages arrive glued");
    }

    #[test]
    fn length_framing_keeps_every_message() {
        let sent: [&[u8]; 4] = [b"hello", b"", b"world", &[7u8; 3000]];
        let got = stream_messages(Reading::LengthFramed, &sent).unwrap();
        assert_eq!(got, sent.map(<[u8]>::to_vec).to_vec());
    }

    #[test]
    fn two_permits_bound_writers_to_two_but_do_not_exclude() {
        let r = permits::writers(2, 4, 3, Duration::from_secs(5)).unwrap();
        assert_eq!(r.entries, 12);
        assert_eq!(r.most_inside, 2, "the bound: {r:?}");
        assert!(r.overlapping > 0, "two writers inside at once: {r:?}");
        nothing_left_behind();
    }

    #[test]
    fn the_same_wait_lets_three_in_with_three_permits() {
        // Control for the bound: the writers' wait would show a third.
        let r = permits::writers(3, 4, 3, Duration::from_secs(5)).unwrap();
        assert_eq!(r.most_inside, 3, "{r:?}");
        nothing_left_behind();
    }

    #[test]
    fn one_permit_excludes() {
        let r = permits::writers(1, 4, 3, Duration::from_secs(5)).unwrap();
        assert_eq!((r.most_inside, r.overlapping), (1, 0), "{r:?}");
        nothing_left_behind();
    }

    #[test]
    fn an_alarm_interrupts_a_fifo_open_with_no_writer() {
        let r = open_fifo_with_alarm(1, false).unwrap();
        assert_eq!(r.outcome, OpenOutcome::Interrupted, "{r:?}");
        nothing_left_behind();
    }

    #[test]
    fn racelab_pitfalls_shows_every_pitfall_as_the_lessons_say() {
        let out = common::racelab(&["pitfalls"]);
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{text}");
        assert_eq!(text.lines().filter(|l| l.starts_with("ok ")).count(), 8, "{text}");
    }

    #[test]
    fn with_a_writer_the_fifo_opens_before_the_alarm() {
        let r = open_fifo_with_alarm(5, true).unwrap();
        assert_eq!(r.outcome, OpenOutcome::Opened, "{r:?}");
        nothing_left_behind();
    }
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    let _tidy = common::Tidy::new();
    assert!(pipe_writers(0, 1, 1).is_err());
    assert!(permits::writers(0, 1, 1, Duration::ZERO).is_err());
    assert!(open_fifo_with_alarm(0, false).is_err());
}

common::forked_tests! {
    #![rusty_fork(timeout_ms = 600_000)]

    /// Every negative control, 100 runs: caught in every one. Ignored by
    /// default; `cargo test --test process_pitfalls -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn every_pitfall_is_caught_in_100_runs() {
        const RUNS: usize = 100;
        let (mut torn, mut fewest_torn) = (0, usize::MAX);
        let (mut glued, mut bounded, mut alarmed) = (0, 0, 0);
        for _ in 0..RUNS {
            let r = pipe_writers(WRITERS, MESSAGES, 4 * CAPACITY).unwrap();
            torn += usize::from(r.torn > 0);
            fewest_torn = fewest_torn.min(r.torn);
            let sent: [&[u8]; 2] = [b"hello", b"world"];
            let got = stream_messages(Reading::OneReadPerMessage, &sent).unwrap();
            glued += usize::from(got.len() != 2);
            let p = permits::writers(2, 4, 3, Duration::from_secs(5)).unwrap();
            bounded += usize::from(p.most_inside == 2 && p.overlapping > 0);
        }
        for _ in 0..10 {
            let a = open_fifo_with_alarm(1, false).unwrap();
            alarmed += usize::from(a.outcome == OpenOutcome::Interrupted);
        }
        println!("torn pipe: {torn}/{RUNS} (fewest torn chunks in a run: {fewest_torn})");
        println!("glued socket reads: {glued}/{RUNS}");
        println!("2 permits: bound 2 and overlap: {bounded}/{RUNS}");
        println!("alarm interrupted the fifo open: {alarmed}/10");
        assert_eq!((torn, glued, bounded, alarmed), (RUNS, RUNS, RUNS, 10));
        nothing_left_behind();
    }
}
