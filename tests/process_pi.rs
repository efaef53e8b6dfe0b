//! docs/scenarios.md §5: ten worker processes compute pi and hand their partial
//! sums to the parent through each IPC mechanism. Every mechanism delivers
//! every partial sum exactly once, so every one gives the single-process pi
//! (to 1e-9; in fact to the last bit, as the parent adds in worker order),
//! and leaves nothing behind.

mod common;

use racelab::lessons::pi::{self, Via};
use racelab::os::arena::{base_dir, leftovers};

/// Enough terms to make every worker's slice non-trivial, few enough for a
/// debug build.
const TERMS: u64 = 200_000;

fn delivers_pi(via: Via) {
    let run = pi::pi(via, 10, TERMS).unwrap_or_else(|e| panic!("pi via {via}: {e}"));
    assert!(
        run.error <= 1e-9,
        "pi via {via}: {} is {} away",
        run.pi,
        run.error
    );
    assert_eq!(
        run.pi,
        pi::reference(10, TERMS),
        "pi via {via} differs in the last bits"
    );
    assert!(
        (run.pi - std::f64::consts::PI).abs() < 1e-5,
        "the series itself converges: {}",
        run.pi
    );
    let mine = std::process::id();
    assert!(
        leftovers(&base_dir(), Some(mine)).is_empty(),
        "files left by pi via {via}"
    );
    // POSIX queues are listed only where mqueue is mounted (/dev/mqueue);
    // elsewhere the guard's mq_unlink is all there is to check.
    assert!(
        leftovers(std::path::Path::new("/dev/mqueue"), Some(mine)).is_empty(),
        "queue left by pi via {via}"
    );
}

common::forked_tests! {
    #![rusty_fork(timeout_ms = 60_000)]

    #[test]
    fn pipe_delivers_every_partial_sum() {
        delivers_pi(Via::Pipe);
    }

    #[test]
    fn fifo_at_a_private_path_delivers_every_partial_sum() {
        delivers_pi(Via::Fifo);
    }

    #[test]
    fn message_queue_delivers_every_partial_sum() {
        delivers_pi(Via::MessageQueue);
    }

    #[test]
    fn shared_memory_delivers_every_partial_sum() {
        delivers_pi(Via::SharedMemory);
    }

    #[test]
    fn unix_socket_delivers_every_partial_sum() {
        delivers_pi(Via::UnixSocket);
    }

    #[test]
    fn tcp_on_loopback_delivers_every_partial_sum() {
        delivers_pi(Via::Tcp);
    }

    #[test]
    fn a_file_per_worker_delivers_every_partial_sum() {
        delivers_pi(Via::Files);
    }
}

#[test]
fn zero_workers_is_an_error_not_a_panic() {
    let _tidy = common::Tidy::new();
    let err = pi::pi(Via::Pipe, 0, 10).unwrap_err();
    assert!(err.to_string().contains("at least one worker"), "{err}");
}
