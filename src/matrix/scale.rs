//! Work scaled to the checker: small under loom, large on threads, larger
//! configurations under shuttle, a few forks in processes, all from this
//! one table.

use crate::model::ModelKind;
use crate::process::Store;
use crate::tier::Tier;
use crate::tier::loom::LoomConfig;
use crate::tier::processes::ProcessConfig;
use crate::tier::shuttle::{self, ShuttleConfig};
use crate::tier::threads::{self, ThreadsConfig};
use crate::workload::counter::CounterPlan;
use crate::workload::queue::{Ending, QueuePlan};
use crate::workload::tickets::TicketsPlan;
use serde::Serialize;
use std::time::Duration;

/// A configuration for one model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Plan {
    /// Adders and subtractors on one counter.
    Counter(CounterPlan),
    /// Buyers rushing for a few tickets.
    Tickets(TicketsPlan),
    /// Producers and consumers on a bounded queue.
    Queue(QueuePlan),
}

impl Plan {
    /// The model the plan is for.
    pub fn model(&self) -> ModelKind {
        match self {
            Plan::Counter(_) => ModelKind::Counter,
            Plan::Tickets(_) => ModelKind::Tickets,
            Plan::Queue(_) => ModelKind::Queue,
        }
    }
}

/// One plan per model: what a tier runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plans {
    /// The counter's plan.
    pub counter: CounterPlan,
    /// The tickets' plan.
    pub tickets: TicketsPlan,
    /// The queue's plan.
    pub queue: QueuePlan,
}

impl Plans {
    /// The plan for `model`.
    pub fn get(&self, model: ModelKind) -> Plan {
        match model {
            ModelKind::Counter => Plan::Counter(self.counter),
            ModelKind::Tickets => Plan::Tickets(self.tickets),
            ModelKind::Queue => Plan::Queue(self.queue),
        }
    }
}

/// One value per model, where a tier's configuration differs by model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PerModel<T> {
    /// The counter's value.
    pub counter: T,
    /// The tickets' value.
    pub tickets: T,
    /// The queue's value.
    pub queue: T,
}

impl<T: Copy> PerModel<T> {
    /// The value for `model`.
    pub fn get(&self, model: ModelKind) -> T {
        match model {
            ModelKind::Counter => self.counter,
            ModelKind::Tickets => self.tickets,
            ModelKind::Queue => self.queue,
        }
    }
}

/// What one tier runs: a plan per model, and how hard it pushes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TierScale<C> {
    /// The plan it runs for each model.
    pub plans: Plans,
    /// The tier's configuration (bounds, rounds, iterations).
    pub config: C,
}

/// Every tier's plans and configuration.
#[derive(Debug, Clone, Copy)]
pub struct Scale {
    /// Loom: preemption bounds per model; None: exhaustive.
    pub loom: TierScale<PerModel<Option<usize>>>,
    /// Real threads: rounds and timing per model.
    pub threads: TierScale<PerModel<ThreadsConfig>>,
    /// Shuttle: one search configuration for every model.
    pub shuttle: TierScale<ShuttleConfig>,
    /// Real processes: one configuration for every model.
    pub processes: TierScale<ProcessConfig>,
}

/// The threads tier's configuration with `rounds` rounds.
const fn threads_rounds(rounds: u32) -> ThreadsConfig {
    ThreadsConfig {
        rounds,
        hold: Duration::from_millis(300),
        stall: threads::DEFAULT_STALL,
        perturb: threads::Perturb::Off,
    }
}

impl Scale {
    /// The matrix's sizes. Loom: the smallest configurations that show every
    /// bug. Threads: enough work that a broken strategy fails in every
    /// round (a million increments, ten buyers for one ticket); rounds
    /// repeat only where one round might not show it.
    pub const STANDARD: Scale = Scale {
        loom: TierScale {
            plans: Plans {
                counter: CounterPlan {
                    adders: 1,
                    subtractors: 1,
                    ops: 1,
                },
                tickets: TicketsPlan {
                    buyers: 2,
                    tickets: 1,
                    per_buyer: 1,
                },
                queue: QueuePlan {
                    producers: 2,
                    consumers: 2,
                    items: 1,
                    capacity: 1,
                    ending: Ending::Close,
                },
            },
            config: PerModel {
                counter: None,
                tickets: None,
                queue: Some(2),
            },
        },
        threads: TierScale {
            plans: Plans {
                counter: CounterPlan {
                    adders: 2,
                    subtractors: 0,
                    ops: 1_000_000,
                },
                tickets: TicketsPlan {
                    buyers: 10,
                    tickets: 1,
                    per_buyer: 1,
                },
                queue: QueuePlan {
                    producers: 2,
                    consumers: 2,
                    items: 1_000,
                    capacity: 1,
                    ending: Ending::Close,
                },
            },
            config: PerModel {
                counter: threads_rounds(1),
                tickets: threads_rounds(1),
                queue: threads_rounds(20),
            },
        },
        // Shuttle: more threads and operations than loom can exhaust.
        shuttle: TierScale {
            plans: Plans {
                counter: CounterPlan {
                    adders: 3,
                    subtractors: 2,
                    ops: 3,
                },
                tickets: TicketsPlan {
                    buyers: 5,
                    tickets: 3,
                    per_buyer: 1,
                },
                queue: QueuePlan {
                    producers: 3,
                    consumers: 3,
                    items: 3,
                    capacity: 2,
                    ending: Ending::Close,
                },
            },
            config: ShuttleConfig {
                iterations: 1_000,
                pct_depth: 4,
                seed: shuttle::DEFAULT_SEED,
                max_steps: shuttle::DEFAULT_MAX_STEPS,
            },
        },
        // Processes: 4 workers (fork is dear, and each round forks anew);
        // the rush of docs/scenarios.md §7, 10 buyers for 1 ticket; its
        // producers and consumers of §4, 3 x 3 items, 2 consumers. A broken
        // strategy fails in the first round; the others add rounds for the
        // correct.
        processes: TierScale {
            plans: Plans {
                counter: CounterPlan {
                    adders: 4,
                    subtractors: 0,
                    ops: 500,
                },
                tickets: TicketsPlan {
                    buyers: 10,
                    tickets: 1,
                    per_buyer: 1,
                },
                queue: QueuePlan {
                    producers: 3,
                    consumers: 2,
                    items: 3,
                    capacity: 2,
                    ending: Ending::Close,
                },
            },
            config: ProcessConfig {
                rounds: 3,
                hold: Duration::from_millis(200),
                lock_within: Duration::from_secs(10),
                deadline: Duration::from_secs(30),
                work: Duration::ZERO,
                store: Store::File,
            },
        },
    };

    /// The plan `tier` runs for `model`.
    pub fn plan(&self, model: ModelKind, tier: Tier) -> Plan {
        match tier {
            Tier::Loom => self.loom.plans,
            Tier::Threads => self.threads.plans,
            Tier::Shuttle => self.shuttle.plans,
            Tier::Processes => self.processes.plans,
        }
        .get(model)
    }

    /// Loom's configuration for `model` (its preemption bound).
    pub fn loom_config(&self, model: ModelKind) -> LoomConfig {
        LoomConfig::bounded(self.loom.config.get(model))
    }

    /// The threads tier's configuration for `model`.
    pub fn threads_config(&self, model: ModelKind) -> ThreadsConfig {
        self.threads.config.get(model)
    }
}
