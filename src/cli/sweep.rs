//! `racelab sweep`: removes what runs killed with SIGKILL left behind (their
//! directories under /dev/shm or the temporary directory, and message
//! queues), and only those: the owner's pid must be gone and the entry
//! yours. Every process command also does this quietly before it starts.

use racelab::process::cleanup::sweep;
use std::process::ExitCode;

pub fn run() -> ExitCode {
    let swept = sweep::sweep();
    for s in &swept {
        println!("{s}");
    }
    if swept.is_empty() {
        println!("nothing to sweep: no racelab run left anything behind");
    }
    ExitCode::SUCCESS
}
