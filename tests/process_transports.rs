//! What is specific to the kernel transports used as queues
//! (`process::queue::channel`), beyond the contract every process queue meets
//! (tests/contract_queue.rs): where a fifo lives, why a consumer must
//! drop its write end, and that frames survive what the kernel does to
//! them (split across reads and writes, or kept whole by seqpacket).

mod common;

use racelab::os::arena::{Arena, base_dir, leftovers};
use racelab::os::crew::Crew;
use racelab::os::poll::poll_until;
use racelab::process::queue::channel::ChannelQueue;
use racelab::process::queue::{FOREVER, ProcessQueue, Role, Via};
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::time::Duration;

fn nothing_left_behind() {
    assert!(leftovers(&base_dir(), Some(std::process::id())).is_empty());
}

/// Frame `n` of producer `p`: `size` bytes, all equal to one tag.
fn tag(p: usize, n: usize) -> u8 {
    (p * 16 + n + 1) as u8
}

/// Two producer processes each send two frames of `size` bytes at once;
/// two consumer processes each receive two. Every frame must arrive whole:
/// its length, and not one byte of another frame inside it.
fn big_frames_arrive_whole(via: Via, size_in_buffers: usize) {
    let arena = Arena::new().unwrap();
    let q = ChannelQueue::open(&arena, via).unwrap();
    let chan = q.channel();
    let size = size_in_buffers * chan.send_buffer().unwrap();
    let crew = Crew::spawn(4, |i| -> Result<Vec<(u8, usize, bool)>, String> {
        if i < 2 {
            q.enter(Role::Producer);
            for n in 0..2 {
                let frame = vec![tag(i, n); size];
                chan.send(&frame, FOREVER).map_err(|e| format!("{e:?}"))?;
            }
            Ok(Vec::new())
        } else {
            q.enter(Role::Consumer);
            (0..2)
                .map(|_| {
                    let frame = chan.recv(FOREVER).map_err(|e| format!("{e:?}"))?;
                    let first = frame.first().copied().unwrap_or(0);
                    Ok((first, frame.len(), frame.iter().all(|&b| b == first)))
                })
                .collect()
        }
    })
    .unwrap();
    let mut tags = Vec::new();
    for result in crew.collect::<Result<Vec<(u8, usize, bool)>, String>>(FOREVER + FOREVER) {
        for (first, len, uniform) in result.unwrap().unwrap() {
            assert_eq!(
                len, size,
                "{via}: a frame of {size} bytes came out as {len}"
            );
            assert!(
                uniform,
                "{via}: frame {first} has another frame's bytes inside"
            );
            tags.push(first);
        }
    }
    tags.sort_unstable();
    assert_eq!(tags, [tag(0, 0), tag(0, 1), tag(1, 0), tag(1, 1)], "{via}");
    drop(q);
    drop(arena);
    nothing_left_behind();
}

common::forked_tests! {
    #![rusty_fork(timeout_ms = 120_000)]

    #[test]
    fn the_fifo_lives_in_the_runs_private_directory_and_goes_with_it() {
        let arena = Arena::new().unwrap();
        let q = ChannelQueue::open(&arena, Via::Fifo).unwrap();
        let path = q.channel().path().expect("a fifo has a path").to_path_buf();
        assert_eq!(path.parent(), Some(arena.path()), "not at a fixed /tmp path");
        let meta = std::fs::metadata(&path).unwrap();
        assert!(meta.file_type().is_fifo());
        assert_eq!(meta.permissions().mode() & 0o777, 0o600, "only its owner may open it");
        assert_eq!(
            std::fs::metadata(arena.path()).unwrap().permissions().mode() & 0o777,
            0o700
        );
        drop(q);
        drop(arena);
        assert!(!path.exists(), "{} outlived its run", path.display());
        nothing_left_behind();
    }

    /// The lessons' pitfall on the bare pipe: a consumer that keeps the
    /// write end it inherited never reads end-of-file, however closed the
    /// queue is; once it drops it, it does. The queue itself does not
    /// depend on end-of-file alone: its get also reports closed once the
    /// queue is closed, no put is under way and nothing is left unread.
    #[test]
    fn a_pipe_consumer_that_keeps_its_write_end_never_sees_end_of_file() {
        let arena = Arena::new().unwrap();
        let q = ChannelQueue::open(&arena, Via::Pipe).unwrap();
        q.put(7, FOREVER).unwrap();
        // The worker skips `enter` at first: it keeps the write end it
        // inherited, as the lessons' consumers did.
        let mut crew = Crew::spawn(1, |_| {
            let drained = q.get(FOREVER);
            poll_until(FOREVER, || q.ledger().is_closed());
            let bare = q.channel().recv(Duration::from_millis(300)).map(drop);
            let queue = q.get(FOREVER);
            q.enter(Role::Consumer);
            let eof = q.channel().recv(FOREVER).map(drop);
            format!("{drained:?} {bare:?} {queue:?} {eof:?}")
        })
        .unwrap();
        crew.start();
        q.close().unwrap();
        let result = crew.collect::<String>(FOREVER + FOREVER).remove(0).unwrap();
        assert_eq!(
            result, "Ok(7) Err(Empty) Err(Closed) Err(Closed)",
            "the bare pipe: no end-of-file while its own write end is open; the queue: closed"
        );
    }

    #[test]
    fn frames_larger_than_the_unix_socket_buffer_arrive_whole() {
        big_frames_arrive_whole(Via::UnixStream, 8);
    }

    #[test]
    fn frames_larger_than_the_tcp_send_buffer_arrive_whole() {
        big_frames_arrive_whole(Via::Tcp, 2);
    }

    #[test]
    fn seqpacket_keeps_message_boundaries_with_no_prefix_and_no_lock() {
        let arena = Arena::new().unwrap();
        let q = ChannelQueue::open(&arena, Via::Seqpacket).unwrap();
        let chan = q.channel();
        let sizes = [1, 3, 1000, 5, 40_000, 8];
        for (i, &n) in sizes.iter().enumerate() {
            chan.send(&vec![i as u8; n], FOREVER).unwrap();
        }
        // Queued back to back, still read one message per recv.
        for (i, &n) in sizes.iter().enumerate() {
            assert_eq!(chan.recv(Duration::ZERO).unwrap(), vec![i as u8; n]);
        }
    }
}
