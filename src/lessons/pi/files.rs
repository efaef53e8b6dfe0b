//! A file per worker, named after its pid, in the run's private directory.
//! Each is written under a temporary name and renamed into place, so the
//! parent never reads a half-written file: a rename is atomic.

use super::{Mailbox, Partial};
use crate::os::arena::Arena;
use crate::os::poll::{Nap, try_poll_until};
use nix::unistd::Pid;
use std::io::{self, Write};
use std::path::PathBuf;
use std::time::Instant;

pub struct FilesMailbox {
    dir: PathBuf,
}

impl Mailbox for FilesMailbox {
    fn open(arena: &Arena, _: usize) -> io::Result<Self> {
        Ok(FilesMailbox {
            dir: arena.path().to_path_buf(),
        })
    }

    fn send(&self, partial: Partial) -> io::Result<()> {
        let pid = std::process::id();
        let staging = self.dir.join(format!(".{pid}.tmp"));
        let mut file = std::fs::File::create(&staging)?;
        writeln!(file, "{} {}", partial.worker, partial.sum.to_bits())?;
        file.sync_all()?;
        std::fs::rename(&staging, self.dir.join(format!("{pid}.part")))
    }

    fn collect(
        &mut self,
        workers: usize,
        _: &[Pid],
        deadline: Instant,
    ) -> io::Result<Vec<Partial>> {
        let mut done: Vec<PathBuf> = Vec::new();
        let left = deadline.saturating_duration_since(Instant::now());
        let all_in = try_poll_until(left, Nap::GROWING, || {
            done = std::fs::read_dir(&self.dir)?
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "part"))
                .collect();
            Ok::<_, io::Error>(done.len() >= workers)
        })?;
        if !all_in {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("{} of {workers} files", done.len()),
            ));
        }
        done.iter()
            .map(|p| parse(&std::fs::read_to_string(p)?))
            .collect()
    }
}

fn parse(text: &str) -> io::Result<Partial> {
    let bad = || {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("not a partial sum: {text:?}"),
        )
    };
    let mut words = text.split_whitespace();
    let worker = words.next().and_then(|w| w.parse().ok()).ok_or_else(bad)?;
    let bits: u64 = words.next().and_then(|w| w.parse().ok()).ok_or_else(bad)?;
    Ok(Partial {
        worker,
        sum: f64::from_bits(bits),
    })
}
