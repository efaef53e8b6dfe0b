//! `racelab::shard`: for any list and any number of shards, shards 1..=N
//! partition it (every item in exactly one shard, in its order), the
//! shards' sizes differ by at most one, and a shard reads back from what
//! it prints. Bad `K/N` text is refused with the reason.

mod common;

use proptest::prelude::*;
use racelab::shard::{Shard, ShardError};

#[test]
fn shards_partition_any_list_each_item_exactly_once() {
    let mut runner = common::seeded_runner(256);
    runner
        .run(&(0usize..400, 1usize..=16), |(len, count)| {
            let items: Vec<usize> = (0..len).collect();
            let mut seen = vec![0u32; len];
            let mut sizes = Vec::new();
            for shard in Shard::all(count) {
                let mine = shard.select(items.iter().copied());
                prop_assert!(mine.windows(2).all(|w| w[0] < w[1]), "order kept");
                for &i in &mine {
                    prop_assert!(shard.owns(i));
                    seen[i] += 1;
                }
                sizes.push(mine.len());
                prop_assert_eq!(shard.to_string().parse::<Shard>(), Ok(shard));
            }
            prop_assert!(seen.iter().all(|&n| n == 1), "{:?}", seen);
            let (min, max) = (sizes.iter().min(), sizes.iter().max());
            prop_assert!(max.unwrap() - min.unwrap() <= 1, "{:?}", sizes);
            Ok(())
        })
        .unwrap();
}

#[test]
fn a_shard_is_stable_whoever_asks() {
    // The same list and the same K/N give the same cells: what makes N
    // machines agree without talking to each other.
    let items: Vec<u32> = (0..212).collect();
    let shard: Shard = "3/4".parse().unwrap();
    assert_eq!(shard.select(items.clone()), shard.select(items));
}

#[test]
fn bad_shards_are_refused_with_the_reason() {
    for text in [
        "", "3", "a/b", "1/", "/2", "-1/2", "+1/2", "1 /2", "1/2/3", "1.0/2",
    ] {
        assert!(
            matches!(text.parse::<Shard>(), Err(ShardError::Syntax(_))),
            "{text:?}"
        );
    }
    assert_eq!("1/0".parse::<Shard>(), Err(ShardError::NoShards));
    assert_eq!(
        "0/3".parse::<Shard>(),
        Err(ShardError::OutOfRange { index: 0, count: 3 })
    );
    assert_eq!(
        "4/3".parse::<Shard>(),
        Err(ShardError::OutOfRange { index: 4, count: 3 })
    );
    assert!(
        "99999999999999999999999/2"
            .parse::<Shard>()
            .unwrap_err()
            .to_string()
            .contains("not a shard")
    );
}
