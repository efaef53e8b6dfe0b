//! The trace as text: one column per thread, one row per step.
//!
//! Everything printed here is deterministic (no wall time), so the golden
//! tests compare it byte for byte; the CLI adds the time on a line of its own.

use super::{Explanation, Verdict};
use crate::check::thousands;
use crate::matrix::Plan;
use std::fmt::Write;

/// The whole report for one pair.
pub fn text(e: &Explanation) -> String {
    let mut out = String::new();
    let plan = describe_plan(&e.plan);
    match e.verdict {
        Verdict::Violated => {
            let first = &e.violations[0];
            let _ = writeln!(
                out,
                "{} / {}: {} ({plan}), found at preemption bound {} after {} executions\n",
                e.model,
                e.strategy,
                first.kind,
                e.bound,
                thousands(e.executions)
            );
            out.push_str(&table(e));
            out.push('\n');
            if e.weak_memory {
                out.push_str(
                    "no interleaving of whole steps breaks it: the failure needs a stale read (weak memory)\n",
                );
            }
            for v in &e.violations {
                let _ = writeln!(out, "violated: {v}");
            }
            if let Some(lesson) = &e.lesson {
                out.push_str(&wrap("lesson:   ", lesson, 78));
            }
            let _ = writeln!(out, "replay:   {}", e.replay);
        }
        Verdict::Holds => {
            let _ = writeln!(
                out,
                "{} / {}: holds ({plan}): no failing interleaving within preemption bound {}, {} executions explored",
                e.model,
                e.strategy,
                e.bound,
                thousands(e.executions)
            );
            let _ = writeln!(out, "rerun:    {}", e.replay);
        }
        // The checker stopped on its own limit: no claim either way, and no
        // lesson (there is no failure to learn from).
        Verdict::Inconclusive => {
            let why = e
                .inconclusive
                .as_ref()
                .map_or("the search did not finish".to_string(), ToString::to_string);
            let _ = writeln!(
                out,
                "{} / {}: inconclusive ({why}) ({plan}): the search stopped at preemption bound {} after {} executions, with no failure found",
                e.model,
                e.strategy,
                e.bound,
                thousands(e.executions)
            );
            let _ = writeln!(out, "rerun:    {}", e.replay);
        }
    }
    out
}

/// "2 threads x 1 increment", "2 buyers, 1 ticket", ...
pub fn describe_plan(plan: &Plan) -> String {
    match plan {
        Plan::Counter(c) => {
            let mut parts = Vec::new();
            if c.adders > 0 {
                parts.push(format!("{} x increment", c.adders));
            }
            if c.subtractors > 0 {
                parts.push(format!("{} x decrement", c.subtractors));
            }
            format!("{}, {} op each", parts.join(" + "), c.ops)
        }
        Plan::Tickets(t) => format!(
            "{} buyers, {} ticket{}",
            t.buyers,
            t.tickets,
            plural(t.tickets)
        ),
        Plan::Queue(q) => format!(
            "{} producer{} x {} item{}, {} consumer{}, capacity {}",
            q.producers,
            plural(q.producers),
            q.items,
            plural(q.items),
            q.consumers,
            plural(q.consumers),
            q.capacity
        ),
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// The step table.
pub fn table(e: &Explanation) -> String {
    grid(&e.threads, &e.rows)
}

/// The step table of `rows`, one column per thread of `threads` (in that
/// order), one row per step: loom's explain and the shuttle tier's traces.
pub fn grid(threads: &[String], rows: &[super::Row]) -> String {
    let step_width = rows.len().to_string().len().max(1);
    let mut widths: Vec<usize> = threads.iter().map(|t| t.len()).collect();
    for row in rows {
        if let Some(col) = threads.iter().position(|t| *t == row.thread) {
            widths[col] = widths[col].max(row.text.chars().count());
        }
    }
    let mut out = String::new();
    let line = |out: &mut String, first: &str, cells: &[&str]| {
        let mut s = format!("{first:>step_width$}");
        for (cell, width) in cells.iter().zip(&widths) {
            let _ = write!(s, "  {cell:<width$}");
        }
        out.push_str(s.trim_end());
        out.push('\n');
    };
    let header: Vec<&str> = threads.iter().map(String::as_str).collect();
    line(&mut out, "#", &header);
    let rules: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    let rules: Vec<&str> = rules.iter().map(String::as_str).collect();
    line(&mut out, &"-".repeat(step_width), &rules);
    for (i, row) in rows.iter().enumerate() {
        let cells: Vec<&str> = threads
            .iter()
            .map(|t| {
                if *t == row.thread {
                    row.text.as_str()
                } else {
                    ""
                }
            })
            .collect();
        line(&mut out, &(i + 1).to_string(), &cells);
    }
    out
}

/// `text` after `head`, wrapped at `width` columns, continuation lines
/// indented under the first word.
fn wrap(head: &str, text: &str, width: usize) -> String {
    let indent = " ".repeat(head.len());
    let mut out = String::new();
    let mut line = head.to_string();
    for word in text.split_whitespace() {
        if line.len() > indent.len() && line.len() + 1 + word.len() > width {
            out.push_str(line.trim_end());
            out.push('\n');
            line = indent.clone();
        }
        if line.len() > indent.len() {
            line.push(' ');
        }
        line.push_str(word);
    }
    out.push_str(&line);
    out.push('\n');
    out
}
