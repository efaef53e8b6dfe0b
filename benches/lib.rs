//! Shared by the benchmarks: the thread race every counter contender runs,
//! and the side-by-side table the comparison writes.

use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

/// Runs `increment` `ops` times on each of `threads` threads released
/// together by a barrier; returns the time from the release to the last
/// join (thread creation excluded).
pub fn race<S: Sync + Send + 'static>(
    shared: Arc<S>,
    threads: usize,
    ops: u64,
    increment: fn(&S),
) -> Duration {
    let start = Arc::new(Barrier::new(threads + 1));
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let (shared, start) = (Arc::clone(&shared), Arc::clone(&start));
            std::thread::spawn(move || {
                start.wait();
                for _ in 0..ops {
                    increment(&shared);
                }
            })
        })
        .collect();
    start.wait();
    let began = Instant::now();
    for handle in handles {
        handle.join().expect("a bench thread panicked");
    }
    began.elapsed()
}

/// The median of `runs` timings of `once` (after one warm-up run): robust
/// to the odd run slowed by a neighbour on a shared machine.
pub fn median(runs: usize, mut once: impl FnMut() -> Duration) -> Duration {
    once();
    let mut times: Vec<Duration> = (0..runs.max(1)).map(|_| once()).collect();
    times.sort();
    times[times.len() / 2]
}

/// One measured contender.
#[derive(Debug, Clone, PartialEq)]
pub struct Measured {
    /// What was measured ("counter, 2 threads x 100,000 increments").
    pub workload: String,
    /// Who did it ("racelab mutex", "parking_lot::Mutex").
    pub contender: String,
    /// Operations or items per run.
    pub items: u64,
    /// Median wall time of one run.
    pub median: Duration,
}

impl Measured {
    pub fn per_second(&self) -> f64 {
        self.items as f64 / self.median.as_secs_f64()
    }
}

/// A Markdown table, one section per workload, fastest first.
pub fn table(rows: &[Measured]) -> String {
    let mut out = String::new();
    let mut workloads: Vec<&str> = Vec::new();
    for r in rows {
        if !workloads.contains(&r.workload.as_str()) {
            workloads.push(&r.workload);
        }
    }
    for workload in workloads {
        let mut group: Vec<&Measured> = rows.iter().filter(|r| r.workload == workload).collect();
        group.sort_by(|a, b| b.per_second().total_cmp(&a.per_second()));
        out.push_str(&format!(
            "\n### {workload}\n\n| contender | median per run | per second |\n|---|---:|---:|\n"
        ));
        for r in group {
            out.push_str(&format!(
                "| {} | {:.2} ms | {} |\n",
                r.contender,
                r.median.as_secs_f64() * 1e3,
                thousands(r.per_second() as u64)
            ));
        }
    }
    out
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_sorts_each_workload_fastest_first() {
        let row = |w: &str, c: &str, ms| Measured {
            workload: w.into(),
            contender: c.into(),
            items: 1000,
            median: Duration::from_millis(ms),
        };
        let text = table(&[row("a", "slow", 10), row("a", "fast", 1), row("b", "x", 2)]);
        assert!(text.find("fast").unwrap() < text.find("slow").unwrap());
        assert!(text.contains("| fast | 1.00 ms | 1,000,000 |"));
        assert!(text.contains("### b"));
    }
}
