//! Private by construction: a stranger on this machine cannot feed a run.
//!
//! `pi --via tcp` listens on a loopback port any local user may connect
//! to, and `pi --via unix-socket` on a socket file any process of this
//! user may open. A stranger connects before the workers are done: one
//! stays silent (a run that read it would wait for it until its deadline),
//! one sends a bogus partial sum for worker 0 (a run that took it would
//! print a wrong pi, as the did: 3.0). The run must close both
//! unread and still print the right pi.
//!
//! That the run really met the strangers, and did not finish first, is
//! checked too: the silent stranger's connection is closed cleanly
//! (end-of-file), which only an accept followed by a close gives; a
//! listener closed with the connection still waiting resets it instead.

mod common;

use common::live::{self, Live, racelab};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

/// A bogus partial sum: worker 0, a million (encoded as the run's
/// records: 4 bytes of worker index, 8 of the sum's bits, little-endian).
fn bogus_record() -> [u8; 12] {
    let mut bytes = [0u8; 12];
    bytes[4..].copy_from_slice(&1e6f64.to_bits().to_le_bytes());
    bytes
}

/// The inodes of the sockets process `pid` holds.
fn socket_inodes(pid: u32) -> Vec<String> {
    let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
        return Vec::new();
    };
    fds.filter_map(Result::ok)
        .filter_map(|fd| std::fs::read_link(fd.path()).ok())
        .filter_map(|l| {
            let l = l.to_string_lossy().into_owned();
            Some(l.strip_prefix("socket:[")?.strip_suffix(']')?.to_string())
        })
        .collect()
}

/// The loopback port process `pid` listens on, from /proc/net/tcp.
fn listening_port(pid: u32) -> Option<u16> {
    let inodes = socket_inodes(pid);
    let table = std::fs::read_to_string("/proc/net/tcp").ok()?;
    table.lines().skip(1).find_map(|line| {
        let f: Vec<&str> = line.split_whitespace().collect();
        // local_address is f[1] ("0100007F:PORT"), st f[3] (0A: LISTEN),
        // inode f[9].
        let listening = f.get(3) == Some(&"0A");
        let ours = f.get(9).is_some_and(|i| inodes.iter().any(|x| x == i));
        if listening && ours {
            u16::from_str_radix(f[1].rsplit(':').next()?, 16).ok()
        } else {
            None
        }
    })
}

/// Polls `find` until it gives a value (bounded).
fn wait_for<T>(what: &str, mut find: impl FnMut() -> Option<T>) -> T {
    let started = Instant::now();
    loop {
        if let Some(v) = find() {
            return v;
        }
        assert!(started.elapsed() < live::PATIENCE, "never found {what}");
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Starts pi through `via` with sums that take the workers a while.
fn start_pi(via: &str, terms: u64) -> Live {
    let mut command = racelab();
    command
        .args(["pi", "--via", via, "--workers", "2", "--terms"])
        .arg(terms.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    Live::spawn(command)
}

/// What became of a stranger's connection once the run ended.
#[derive(Debug, PartialEq)]
enum Met {
    /// Accepted and closed unread: end-of-file.
    ClosedUnread,
    /// Never accepted: reset when the listener closed.
    NeverAccepted,
    Other(String),
}

fn fate(mut stream: impl Read) -> Met {
    let mut byte = [0u8; 1];
    match stream.read(&mut byte) {
        Ok(0) => Met::ClosedUnread,
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => Met::NeverAccepted,
        other => Met::Other(format!("{other:?}")),
    }
}

/// Runs pi through `via` with two strangers connecting through
/// `connect`; returns the run's stdout and what the silent stranger met.
fn pi_with_strangers<S: Read + Write>(
    via: &str,
    terms: u64,
    connect: impl Fn(&Live) -> Option<S>,
) -> (String, Met) {
    let mut live = start_pi(via, terms);
    let silent = wait_for("the run's listener", || connect(&live));
    let mut bogus = connect(&live).expect("a second connection");
    // The run may already have closed it: what counts is the pi it prints.
    let _ = bogus.write_all(&bogus_record());
    let status = live.wait();
    let mut stdout = String::new();
    live.child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    let stderr = live.stderr();
    assert!(status.success(), "{via}: {stdout}{stderr}");
    (stdout, fate(silent))
}

fn assert_right_pi(via: &str, stdout: &str) {
    let row = stdout
        .lines()
        .find(|l| l.starts_with(via))
        .unwrap_or_else(|| panic!("no {via} row in {stdout}"));
    let pi: f64 = row.split_whitespace().nth(1).unwrap().parse().unwrap();
    assert!((pi - std::f64::consts::PI).abs() < 1e-6, "{row}");
}

/// Tries with more terms while the run finished before it met the
/// strangers (a heavily loaded machine), at most three times.
fn check_strangers<S: Read + Write>(via: &str, connect: impl Fn(&Live) -> Option<S> + Copy) {
    let mut terms = 100_000_000;
    for _ in 0..3 {
        let (stdout, met) = pi_with_strangers(via, terms, connect);
        assert_right_pi(via, &stdout);
        match met {
            Met::ClosedUnread => return,
            Met::NeverAccepted => terms *= 4,
            Met::Other(what) => panic!("{via}: the silent stranger got {what}"),
        }
    }
    panic!("{via}: the run never met the strangers (it always finished first)");
}

#[test]
fn a_stranger_on_the_tcp_port_cannot_change_pi() {
    let _tidy = common::Tidy::new();
    check_strangers("tcp", |live| {
        let port = listening_port(live.pid())?;
        TcpStream::connect(SocketAddr::from(([127, 0, 0, 1], port))).ok()
    });
}

#[test]
fn a_stranger_on_the_unix_socket_cannot_change_pi() {
    let _tidy = common::Tidy::new();
    check_strangers("unix-socket", |live| {
        let dir: PathBuf = live.dirs().into_iter().next()?;
        UnixStream::connect(dir.join("pi.sock")).ok()
    });
}
