//! The corpus of user-style implementations (tests/corpus/) on loom, real
//! threads and shuttle: one row per entry, then the totals per tier. Real
//! threads run twice: as a user's check runs them (perturbed, the default),
//! and plain (`Perturb::Off`: threads as the OS schedules them), which is
//! what the threads tier did before it perturbed.
//!
//! `cargo run --release --example corpus` (`RACELAB_SEED=<n>` for another
//! draw of shuttle's schedules and of the perturbation)

#[path = "../tests/corpus/mod.rs"]
mod corpus;

use racelab::tier::threads::Perturb;
use racelab::tier::{Tier, Verdict};
use std::time::Duration;

const TIERS: [Tier; 3] = [Tier::Loom, Tier::Threads, Tier::Shuttle];

/// Per-tier counts: caught broken, false alarms on correct, inconclusive.
#[derive(Default, Clone, Copy)]
struct Tally {
    caught: usize,
    false_alarms: usize,
    inconclusive: usize,
}

impl Tally {
    fn add(&mut self, broken: bool, verdict: Option<Verdict>) {
        match verdict {
            Some(Verdict::Violated) if broken => self.caught += 1,
            Some(Verdict::Violated) => self.false_alarms += 1,
            Some(Verdict::Inconclusive) => self.inconclusive += 1,
            _ => {}
        }
    }
}

fn short(verdict: Option<Verdict>) -> &'static str {
    verdict.map_or("-", Verdict::name)
}

/// The verdict of loom and shuttle together: violated if either was.
fn either(a: Option<Verdict>, b: Option<Verdict>) -> Option<Verdict> {
    [Verdict::Violated, Verdict::Inconclusive, Verdict::Holds]
        .into_iter()
        .find(|v| a == Some(*v) || b == Some(*v))
}

fn main() {
    let entries = corpus::entries();
    let broken = entries.iter().filter(|e| e.broken).count();
    let correct = entries.len() - broken;
    let mut tallies = [Tally::default(); 5];
    let mut threads_time = [Duration::ZERO; 2];
    println!(
        "{:<34} {:<8} {:<6} {:<12} {:<12} {:<12} {:<12} {:<12} first violation",
        "entry", "kind", "broken", "loom", "threads", "plain", "shuttle", "loom|shuttle"
    );
    for entry in &entries {
        let report = (entry.check)().tiers(&TIERS).run();
        let plain_report = (entry.check)()
            .tiers(&[Tier::Threads])
            .perturb(Perturb::Off)
            .run();
        let [loom, threads, shuttle] = TIERS.map(|t| report.on(t));
        let plain = plain_report.on(Tier::Threads);
        for (time, r) in threads_time.iter_mut().zip([&report, &plain_report]) {
            *time += r
                .runs
                .iter()
                .filter(|run| run.tier == Tier::Threads)
                .map(|run| run.outcome.elapsed)
                .sum::<Duration>();
        }
        let both = either(loom, shuttle);
        for (tally, verdict) in tallies
            .iter_mut()
            .zip([loom, threads, plain, shuttle, both])
        {
            tally.add(entry.broken, verdict);
        }
        let first = report
            .kinds()
            .first()
            .map_or(String::new(), |k| k.to_string());
        let gap = entry.gap.map_or("", |_| " (gap)");
        println!(
            "{:<34} {:<8} {:<6} {:<12} {:<12} {:<12} {:<12} {:<12} {first}{gap}",
            entry.name,
            entry.kind,
            if entry.broken { "yes" } else { "no" },
            short(loom),
            short(threads),
            short(plain),
            short(shuttle),
            short(both),
        );
    }
    println!();
    for (name, t) in ["loom", "threads", "plain", "shuttle", "loom|shuttle"]
        .iter()
        .zip(tallies)
    {
        println!(
            "{name:<13} caught {}/{broken}  false alarms {}/{correct}  inconclusive {}",
            t.caught, t.false_alarms, t.inconclusive
        );
    }
    println!(
        "real threads took {:.1?} perturbed, {:.1?} plain (every entry, until caught or 20 rounds)",
        threads_time[0], threads_time[1]
    );
}
