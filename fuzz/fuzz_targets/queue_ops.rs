//! Every queue discipline against the reference model, on operation
//! sequences the fuzzer invents: the first byte picks the capacity (1-4),
//! then each pair of bytes is one operation. Run: `ci/fuzz.sh`.

#![no_main]

use libfuzzer_sys::fuzz_target;
use racelab::model::queue::{
    CheckOutsideLock, CondvarQueue, IfNotWhile, OneCondvar, QueueImpl, WhileLoop,
};
use racelab::model::reference::{QueueOp, first_disagreement};
use racelab::workload::probe::Probe;
use racelab::sync::Std;

fn check<Q: QueueImpl<Std, u32>>(capacity: usize, ops: &[QueueOp]) {
    let queue = Q::new(capacity, Probe::none());
    if let Some(diff) = first_disagreement(&queue, ops) {
        panic!("{}: {diff}", std::any::type_name::<Q>());
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let capacity = usize::from(first % 4) + 1;
    let ops: Vec<QueueOp> = rest
        .chunks(2)
        .map(|pair| match pair[0] % 4 {
            0 => QueueOp::TryPut(u32::from(pair.get(1).copied().unwrap_or(0))),
            1 => QueueOp::TryGet,
            2 => QueueOp::Close,
            _ => QueueOp::TaskDone,
        })
        .collect();
    check::<CondvarQueue<Std, u32, WhileLoop>>(capacity, &ops);
    check::<CondvarQueue<Std, u32, IfNotWhile>>(capacity, &ops);
    check::<CondvarQueue<Std, u32, OneCondvar>>(capacity, &ops);
    check::<CondvarQueue<Std, u32, CheckOutsideLock>>(capacity, &ops);
});
