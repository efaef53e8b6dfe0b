//! The check of a process lock or a process queue of your own: the
//! processes tier's workloads (forked workers; the counter, the ticket
//! rush, producers and consumers) and, for a lock, a holder killed with
//! SIGKILL.

use super::check::Check;
use super::model::{CHECK_SCALE, StandardPlan};
use crate::process::queue::{ProcessQueueImpl, queue_form};
use crate::process::{ProcessLockImpl, kill_check, lock_form};
use crate::tier::{Tier, processes};
use crate::workload::counter::CounterPlan;
use crate::workload::queue::QueuePlan;
use crate::workload::tickets::TicketsPlan;

/// The check of process lock `L`: the counter and the ticket rush in
/// forked workers around it, and what becomes of it when its holder is
/// killed (released or recovered: holds; held for ever: a hang).
pub fn lock<L: ProcessLockImpl>() -> Check {
    let form = lock_form::<L>();
    let counter = CounterPlan::at(&CHECK_SCALE, Tier::Processes);
    let tickets = TicketsPlan::at(&CHECK_SCALE, Tier::Processes);
    Check::new(format!("process lock {}", L::NAME))
        .plan("counter", Tier::Processes, move |s| {
            processes::run(form, &counter, &s.processes)
        })
        .plan("tickets", Tier::Processes, move |s| {
            processes::run(form, &tickets, &s.processes)
        })
        .plan("kill -9", Tier::Processes, move |_| kill_check(form))
}

/// The check of process queue `Q`: producers and consumers in forked
/// workers, every item once, in order, join and close as the thread queue.
pub fn queue<Q: ProcessQueueImpl>() -> Check {
    let form = queue_form::<Q>();
    let plan = QueuePlan::at(&CHECK_SCALE, Tier::Processes);
    Check::new(format!("process queue {}", Q::NAME)).plan("queue", Tier::Processes, move |s| {
        processes::run(form, &plan, &s.processes)
    })
}
