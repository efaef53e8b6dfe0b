//! The queue contract (tests/contract/mod.rs: Python's `queue.Queue` /
//! `JoinableQueue` test suite, plus close), run from here over every
//! queue racelab has: the thread queue in each discipline, and every
//! process queue (`Via::ALL`) in a process of its own (rusty-fork), its
//! other parties forked workers.
//!
//! The broken queues meet it too (a sequential contract cannot see a
//! race); their negative controls run where the races are: loom_queue,
//! threads_queue, process_queue.

mod common;
mod contract;

use contract::contract;

/// The thread queue, one test per discipline.
mod threads {
    use super::contract;
    use super::contract::threads::Threads;
    use racelab::model::queue::{CheckOutsideLock, IfNotWhile, OneCondvar, WhileLoop};

    #[test]
    fn condvar_queue_meets_the_contract() {
        contract(&Threads::<WhileLoop>::new());
    }

    #[test]
    fn broken_if_queue_meets_the_sequential_contract() {
        contract(&Threads::<IfNotWhile>::new());
    }

    #[test]
    fn broken_one_condvar_queue_meets_the_sequential_contract() {
        contract(&Threads::<OneCondvar>::new());
    }

    #[test]
    fn broken_unlocked_capacity_queue_meets_the_sequential_contract() {
        contract(&Threads::<CheckOutsideLock>::new());
    }
}

/// Every process queue, one test each, in a process of its own; each
/// answers for its own leftovers (common::tidy).
mod processes {
    use super::contract::contract;
    use super::contract::processes::{Processes, timeouts_in_seconds_are_checked_and_lose_nothing};
    use racelab::process::queue::Via;

    /// The contract, then the timeouts Python gives in seconds. A broken
    /// queue's test says so in its name.
    fn meets_the_contract(via: Via, test: &str) {
        assert_eq!(
            via.breaks_with().is_some(),
            test.starts_with("broken_"),
            "{test}: {via} is named for the wrong kind"
        );
        contract(&Processes(via));
        timeouts_in_seconds_are_checked_and_lose_nothing(via);
    }

    /// One forked test per queue, and the list of the queues tested.
    macro_rules! each_queue {
        ($($test:ident => $via:expr,)*) => {
            const TESTED: &[Via] = &[$($via),*];

            crate::common::forked_tests! {
                #![rusty_fork(timeout_ms = 120_000)]
                $(
                    #[test]
                    fn $test() {
                        meets_the_contract($via, stringify!($test))
                    }
                )*
            }
        };
    }

    each_queue! {
        shm_meets_the_contract => Via::Shm,
        shm_semaphores_meets_the_contract => Via::ShmSemaphores,
        manager_meets_the_contract => Via::Manager,
        mqueue_meets_the_contract => Via::MessageQueue,
        spool_meets_the_contract => Via::Spool,
        pipe_meets_the_contract => Via::Pipe,
        fifo_meets_the_contract => Via::Fifo,
        unix_stream_meets_the_contract => Via::UnixStream,
        unix_seqpacket_meets_the_contract => Via::Seqpacket,
        tcp_meets_the_contract => Via::Tcp,
        broken_shm_unlocked_meets_the_sequential_contract => Via::ShmUnlocked,
        broken_shm_if_meets_the_sequential_contract => Via::ShmIf,
        broken_spool_no_rename_meets_the_sequential_contract => Via::SpoolInPlace,
        broken_pipe_large_meets_the_sequential_contract => Via::PipeLarge,
        broken_unix_stream_unframed_meets_the_sequential_contract => Via::StreamUnframed,
    }

    #[test]
    fn every_process_queue_has_its_test() {
        let mut tested = TESTED.to_vec();
        let mut all = Via::ALL.to_vec();
        tested.sort_by_key(|v| v.name());
        all.sort_by_key(|v| v.name());
        assert_eq!(tested, all);
    }
}
