//! `racelab sweep`: removes what runs killed with SIGKILL left behind (their
//! directories under /dev/shm or the temporary directory, and message
//! queues), and only those: the owner's pid must be gone and the entry
//! yours. Every process command also does this quietly before it starts.

use super::{CliError, Finish, Out};
use crate::os::cleanup::sweep;

pub fn run(out: &mut Out) -> Result<Finish, CliError> {
    let swept = sweep::sweep();
    for s in &swept {
        writeln!(out, "{s}")?;
    }
    if swept.is_empty() {
        writeln!(out, "nothing to sweep: no racelab run left anything behind")?;
    }
    Ok(Finish::AsExpected)
}
