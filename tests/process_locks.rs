//! Lock semantics the strategies rely on, shown directly: the classic
//! fcntl lock's close-any-descriptor trap (and the OFD lock without it),
//! and flock on an inherited descriptor excluding nobody.

mod common;

use racelab::os::arena::Arena;
use racelab::os::crew::Crew;
use racelab::process::lock::{FlockLock, InheritedFlock, ProcessLock, RecordLock};
use racelab::process::region::Region;
use std::sync::atomic::Ordering::SeqCst;
use std::time::{Duration, Instant};

/// Holds `lock` in one process, then (optionally) opens and closes another
/// descriptor of the same file; returns whether a second process can take
/// the lock meanwhile.
fn second_process_gets_in(
    mut lock: impl ProcessLock,
    file: &std::path::Path,
    close_other: bool,
) -> bool {
    lock.attach().expect("attach");
    lock.acquire(Duration::from_secs(1))
        .expect("the first holder takes it");
    if close_other {
        // Read the file through another descriptor and close it, as code
        // reading the database under the lock would.
        drop(std::fs::read(file).expect("read"));
    }
    let crew = Crew::spawn(1, |_| {
        let mut again = RecordLock::classic(file.to_path_buf()).expect("lock file");
        again.attach().expect("attach");
        again.acquire(Duration::from_millis(200)).is_ok()
    })
    .expect("fork");
    let got_in = crew
        .collect::<bool>(Duration::from_secs(10))
        .pop()
        .expect("one")
        .expect("probe ran");
    lock.release();
    got_in
}

common::forked_tests! {
    #![rusty_fork(timeout_ms = 30_000)]

    #[test]
    fn fcntl_lock_excludes_another_process() {
        let arena = Arena::new().unwrap();
        let path = arena.file("lock");
        assert!(!second_process_gets_in(RecordLock::classic(path.clone()).unwrap(), &path, false));
    }

    /// The trap: closing *any* descriptor of the file drops a classic
    /// record lock, so the second process walks in.
    #[test]
    fn fcntl_lock_is_dropped_by_closing_any_descriptor() {
        let arena = Arena::new().unwrap();
        let path = arena.file("lock");
        assert!(second_process_gets_in(RecordLock::classic(path.clone()).unwrap(), &path, true));
    }

    /// An OFD lock belongs to its open file description: the same close
    /// leaves it held.
    #[test]
    fn ofd_lock_survives_closing_another_descriptor() {
        let arena = Arena::new().unwrap();
        let path = arena.file("lock");
        assert!(!second_process_gets_in(RecordLock::ofd(path.clone()).unwrap(), &path, true));
    }

    /// Two workers that inherited one descriptor both "hold" the flock at once.
    #[test]
    fn inherited_flock_descriptor_excludes_nobody() {
        let arena = Arena::new().unwrap();
        let lock = std::cell::RefCell::new(InheritedFlock::new(arena.file("lock")).unwrap());
        let crew = Crew::spawn(2, |_| lock.borrow_mut().acquire(Duration::from_millis(200)).is_ok()).unwrap();
        let results = crew.collect::<bool>(Duration::from_secs(10));
        assert_eq!(results, vec![Ok(true), Ok(true)]);
    }

    /// The same two workers opening the file themselves: one is kept out
    /// while the other holds it.
    #[test]
    fn flock_on_own_descriptors_excludes() {
        let arena = Arena::new().unwrap();
        let region = Region::create(&arena).unwrap();
        let attempts = &region.shared().searches;
        let lock = std::cell::RefCell::new(FlockLock::new(arena.file("lock")).unwrap());
        let crew = Crew::spawn(2, |_| {
            let mut lock = lock.borrow_mut();
            lock.attach().unwrap();
            let took = lock.acquire(Duration::from_millis(300)).is_ok();
            attempts.fetch_add(1, SeqCst);
            // The holder keeps it until both have tried (bounded).
            let deadline = Instant::now() + Duration::from_secs(5);
            while took && attempts.load(SeqCst) < 2 && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(1));
            }
            took
        })
        .unwrap();
        let mut results: Vec<bool> = crew.collect::<bool>(Duration::from_secs(10)).into_iter().map(Result::unwrap).collect();
        results.sort();
        assert_eq!(results, vec![false, true]);
    }
}
