//! The process scenarios of docs/scenarios.md (§1, §6, §7 and the in-place
//! rewrite pitfall), as functions the tests assert on and the command line
//! prints.

use crate::os::arena::Arena;
use crate::os::crew::Crew;
use crate::os::window::Window;
use crate::process::filedb::{Db, FileDb, ReadError};
use crate::process::lock::{ProcessLock, exclusive};
use crate::process::region::Region;
use crate::process::strategy::Site;
use crate::process::tickets;
use crate::process::{ProcessConfig, Strategy};
use crate::workload::tickets::TicketsPlan;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicI64, Ordering::SeqCst};
use std::time::{Duration, Instant};

/// The global of docs/scenarios.md §1, 666 until someone sets it.
static GLOBAL: AtomicI64 = AtomicI64::new(666);

/// §1: what the parent reads after a child process set the global to 222,
/// then after a thread did. Processes do not share memory: (666, 222).
pub fn child_write_is_invisible() -> std::io::Result<(i64, i64)> {
    GLOBAL.store(666, SeqCst);
    let crew = Crew::spawn(1, |_| {
        GLOBAL.store(222, SeqCst);
        GLOBAL.load(SeqCst)
    })?;
    let child_saw = crew.collect::<i64>(Duration::from_secs(10));
    assert_eq!(child_saw, vec![Ok(222)], "the child sees its own write");
    let after_process = GLOBAL.load(SeqCst);
    std::thread::spawn(|| GLOBAL.store(222, SeqCst))
        .join()
        .expect("the thread runs");
    let after_thread = GLOBAL.load(SeqCst);
    GLOBAL.store(666, SeqCst);
    Ok((after_process, after_thread))
}

/// §6: `processes` processes each print "running", pause, then "done",
/// inside the strategy's lock. Returns the lines in the order printed.
pub fn running_done_lines(
    strategy: Strategy,
    processes: usize,
    pause: Duration,
) -> std::io::Result<Vec<String>> {
    let arena = Arena::new()?;
    let region = Region::create(&arena)?;
    let shared = region.shared();
    let lock = RefCell::new(lock_of(strategy, &Site::new(&arena, shared))?);
    // The pause is the race window: unlocked, every process is inside it
    // before any prints "done".
    let window = Window {
        parties: processes as u32,
        hold: pause,
    };
    let crew = Crew::spawn(processes, |i| -> Result<Vec<(u32, String)>, String> {
        let mut lines = Vec::new();
        let mut print = |word: &str| {
            // One shared sequence number orders the lines of all processes.
            lines.push((shared.sequence.fetch_add(1, SeqCst), format!("P{i} {word}")));
        };
        let mut lock = lock.borrow_mut();
        lock.attach().map_err(|e| e.to_string())?;
        exclusive(
            lock.as_mut(),
            Duration::from_secs(10),
            || {},
            || {
                print("running");
                window.pass(shared);
                print("done");
            },
        )
        .map_err(|e| e.to_string())?;
        Ok(lines)
    })?;
    let mut all = Vec::new();
    for result in crew.collect::<Result<Vec<(u32, String)>, String>>(Duration::from_secs(30)) {
        match result {
            Ok(Ok(lines)) => all.extend(lines),
            Ok(Err(e)) => return Err(std::io::Error::other(e)),
            Err(e) => return Err(std::io::Error::other(e.to_string())),
        }
    }
    all.sort();
    Ok(all.into_iter().map(|(_, line)| line).collect())
}

/// `strategy`'s lock, made in `site`; an error for a strategy that takes
/// none.
fn lock_of<'a>(strategy: Strategy, site: &Site<'a>) -> std::io::Result<Box<dyn ProcessLock + 'a>> {
    strategy
        .descriptor()
        .lock_in(site)?
        .ok_or_else(|| std::io::Error::other(format!("{strategy} has no lock to hold")))
}

/// True when every "running" line is followed by the same process's "done".
pub fn lines_pair_up(lines: &[String]) -> bool {
    lines.chunks(2).all(|pair| match pair {
        [running, done] => {
            running.strip_suffix(" running").is_some()
                && running.strip_suffix(" running") == done.strip_suffix(" done")
        }
        _ => false,
    })
}

/// §7: one buyer holds the lock (in its buy) until `searchers` other
/// processes have searched, or for at most `limit`. Returns how many
/// searches completed while the lock was held: all of them, when searches
/// take no lock.
pub fn searches_while_buy_holds(
    strategy: Strategy,
    searchers: usize,
    limit: Duration,
) -> std::io::Result<usize> {
    let arena = Arena::new()?;
    let region = Region::create(&arena)?;
    let shared = region.shared();
    let db = FileDb::create(&arena.file("tickets.json"), 1)?;
    let lock = RefCell::new(lock_of(strategy, &Site::new(&arena, shared))?);
    let crew = Crew::spawn(1 + searchers, |i| -> Result<usize, String> {
        let mut lock = lock.borrow_mut();
        lock.attach().map_err(|e| e.to_string())?;
        let deadline = Instant::now() + limit;
        if i == 0 {
            exclusive(
                lock.as_mut(),
                limit,
                || {},
                || {
                    shared.holder.store(std::process::id() as i32, SeqCst);
                    while (shared.searches.load(SeqCst) as usize) < searchers
                        && Instant::now() < deadline
                    {
                        std::thread::sleep(Duration::from_micros(200));
                    }
                    let seen = shared.searches.load(SeqCst) as usize;
                    shared.holder.store(0, SeqCst);
                    seen
                },
            )
            .map_err(|e| e.to_string())
        } else {
            while shared.holder.load(SeqCst) == 0 && Instant::now() < deadline {
                std::thread::sleep(Duration::from_micros(200));
            }
            // The search itself: read the database, no lock.
            db.load().map_err(|e| e.to_string())?;
            shared.searches.fetch_add(1, SeqCst);
            Ok(0)
        }
    })?;
    let results = crew.collect::<Result<usize, String>>(limit + Duration::from_secs(10));
    match results.into_iter().next() {
        Some(Ok(Ok(seen))) => Ok(seen),
        other => Err(std::io::Error::other(format!(
            "the holder failed: {other:?}"
        ))),
    }
}

/// §7, join versus lock: the same rush run two ways, timed.
#[derive(Debug, Clone)]
pub struct JoinVsLock {
    /// Each buyer process started only after the previous one was joined.
    pub joined: Duration,
    /// All buyers at once, the lock around the buy only.
    pub locked: Duration,
    /// Tickets sold the joined way.
    pub joined_sold: usize,
    /// Tickets sold the locked way.
    pub locked_sold: usize,
}

/// Runs `buyers` buyers on `tickets` tickets, where a search and a buy
/// each take `work` (the database's latency): once one process at a time,
/// each joined before the next starts (no lock needed), and once all
/// together with `strategy`'s lock around the buy only.
pub fn join_vs_lock(
    strategy: Strategy,
    buyers: usize,
    tickets: usize,
    work: Duration,
) -> std::io::Result<JoinVsLock> {
    let config = ProcessConfig {
        hold: Duration::ZERO,
        work,
        ..ProcessConfig::default()
    };
    let started = Instant::now();
    let arena = Arena::new()?;
    let region = Region::create(&arena)?;
    let db = FileDb::create(&arena.file("tickets.json"), tickets)?;
    let office = RefCell::new(Strategy::None.descriptor().office(
        &Site::new(&arena, region.shared()),
        &db,
        tickets,
    )?);
    let mut joined_sold = 0;
    for _ in 0..buyers {
        let one = TicketsPlan::rush(1, tickets);
        joined_sold += tickets::rush_in(&office, &region, &one, &config)?.sold();
    }
    let joined = started.elapsed();
    let started = Instant::now();
    let run = tickets::rush(strategy, &TicketsPlan::rush(buyers, tickets), &config)?;
    Ok(JoinVsLock {
        joined,
        locked: started.elapsed(),
        joined_sold,
        locked_sold: run.sold(),
    })
}

/// The in-place rewrite pitfall (docs/scenarios.md, "Pitfalls"): a writer
/// process rewrites the ticket database (in place, or atomically by
/// rename) while a reader process reads it in the middle of the write,
/// scheduled there by a handshake in shared memory so it happens every
/// run. Returns what the reader got: a torn (empty) read for the in-place
/// rewrite.
pub fn read_during_rewrite(in_place: bool) -> Result<Db, ReadError> {
    let arena = Arena::new().expect("setup");
    let region = Region::create(&arena).expect("setup");
    let step = &region.shared().sequence;
    let db = FileDb::create(&arena.file("tickets.json"), 1).expect("setup");
    let wait_for = |n: u32| {
        let deadline = Instant::now() + Duration::from_secs(5);
        while step.load(SeqCst) < n && Instant::now() < deadline {
            std::thread::sleep(Duration::from_micros(100));
        }
    };
    let crew = Crew::spawn(2, |i| {
        if i == 0 {
            let sold = Db {
                count: 0,
                ledger: BTreeMap::from([(0, 7)]),
            };
            let between = || {
                step.store(1, SeqCst); // the reader may go
                wait_for(2); // until it has read
            };
            if in_place {
                db.store_in_place(&sold, between).expect("setup");
            } else {
                between();
                db.store(&sold).expect("setup");
            }
            None
        } else {
            wait_for(1);
            let seen = db.load();
            step.store(2, SeqCst);
            // Torn carries the bytes the reader saw.
            Some(seen.map_err(|e| match e {
                ReadError::Torn(bytes) => bytes,
                ReadError::Io(e) => format!("(unreadable: {e})"),
            }))
        }
    })
    .expect("setup");
    let mut results = crew.collect::<Option<Result<Db, String>>>(Duration::from_secs(20));
    let seen = results
        .pop()
        .expect("setup")
        .expect("setup")
        .expect("setup");
    seen.map_err(ReadError::Torn)
}
