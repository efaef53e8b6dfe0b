#!/usr/bin/env bash
# Fuzzes every target in fuzz/ for SECONDS seconds each (default 60) with
# libFuzzer (cargo-fuzz, nightly toolchain). Not part of .ci/run: coverage
# fuzzing is open-ended; run it locally or on a schedule.
# Expected run time: ~2 min to install cargo-fuzz once, then SECONDS each.
set -euxo pipefail
cd "$(dirname "$0")/.."
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
for target in $(cargo +nightly fuzz list); do
  cargo +nightly fuzz run "$target" -- -max_total_time="${SECONDS_PER_TARGET:-60}"
done
