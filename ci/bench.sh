#!/usr/bin/env bash
# The benchmarks package (benches/, its own workspace member, so the
# crate's `cargo test` and clippy never compile criterion): lint and unit
# tests, then the side-by-side comparison (racelab next to parking_lot,
# crossbeam and, when python3 is present, Python's multiprocessing), which
# writes target/bench/compare.md. `ci/bench.sh all` also runs the criterion
# benches (counter strategies, process queues; HTML report with plots in
# target/criterion/report/). Expected run time: ~2 min of build, ~1 min for
# the comparison, ~3 min more for `all`.
set -euxo pipefail
cd "$(dirname "$0")/.."
cargo clippy --package racelab-bench --all-targets -- -D warnings
cargo test --package racelab-bench
cargo bench --package racelab-bench --bench compare
if [[ ${1:-} == all ]]; then
  cargo bench --package racelab-bench --bench counter --bench process_queues
fi
