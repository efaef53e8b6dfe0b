//! Check a concurrent program of your own on loom, real threads and
//! shuttle: `cargo run --example check_program`.
//!
//! The program is written against racelab's facade (`B` is the backend),
//! with its own assertions. Message passing: a writer stores the data, then
//! raises a flag; a reader that sees the flag must see the data. With
//! Release/Acquire it holds; with Relaxed the flag publishes nothing, and
//! loom (which models weak memory) finds the reader that sees the flag but
//! not the data.

use racelab::sync::{AtomicWord, Backend, Ordering};
use racelab::tier::{Tier, Verdict};
use std::sync::Arc;

/// The message-passing program, with the flag's orderings as parameters.
fn message_passing<B: Backend>(publish: Ordering, observe: Ordering) {
    let data = Arc::new(B::AtomicUsize::new(0));
    let flag = Arc::new(B::AtomicUsize::new(0));
    let writer = {
        let (data, flag) = (Arc::clone(&data), Arc::clone(&flag));
        B::spawn(move || {
            data.store(42, Ordering::Relaxed);
            flag.store(1, publish);
        })
    };
    let reader = B::spawn(move || {
        if flag.load(observe) == 1 {
            assert_eq!(
                data.load(Ordering::Relaxed),
                42,
                "saw the flag, not the data"
            );
        }
    });
    racelab::verify::join::<B, _>(writer);
    racelab::verify::join::<B, _>(reader);
}

fn release_acquire<B: Backend>() {
    message_passing::<B>(Ordering::Release, Ordering::Acquire)
}

fn relaxed<B: Backend>() {
    message_passing::<B>(Ordering::Relaxed, Ordering::Relaxed)
}

fn main() {
    let good = racelab::program!(release_acquire).run();
    println!("{good}");
    good.assert_holds();

    let bad = racelab::program!(relaxed).run();
    println!("{bad}");
    assert_eq!(bad.on(Tier::Loom), Some(Verdict::Violated));
}

#[test]
fn runs() {
    main()
}
