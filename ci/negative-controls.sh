#!/usr/bin/env bash
# Runs the threads-tier negative controls (broken strategies) N times
# (default 100) and counts the runs in which each was caught. A broken
# strategy must be caught in every run. Expected run time: ~1 s per run.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-100}
cargo build --release --quiet
# Broken strategies that real threads must catch (not the "either" ones,
# which only loom decides).
broken=$(./target/release/racelab list | grep -v 'threads: either' | awk '$3 == "broken" { print $1 "/" $2 }')
declare -A caught
for pair in $broken; do caught[$pair]=0; done
for i in $(seq 1 "$runs"); do
  for pair in $broken; do
    model=${pair%/*}; strategy=${pair#*/}
    report=$(./target/release/racelab matrix --tier threads --model "$model" --strategy "$strategy" --json || true)
    if grep -q '"violations": \[$' <<<"$report"; then
      caught[$pair]=$((caught[$pair] + 1))
    fi
  done
done
for pair in $broken; do
  printf '%-28s caught in %d of %d runs\n' "$pair" "${caught[$pair]}" "$runs"
done
