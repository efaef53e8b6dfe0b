#!/usr/bin/env bash
# `racelab matrix`, or one shard of it: `ci/matrix.sh K/N` runs shard K of
# N (a stable 1/N of the cells) and writes its JSON report to
# target/matrix/shard-K-of-N.json for ci/matrix-merge.sh; with no argument,
# the whole matrix as a table. Cells run side by side on every core
# (`--jobs`, the default). Exits 1 if a cell's verdict is not the expected
# one. Expected run time: ~2 min of release build, then ~24 s for the whole
# matrix on 2 cores (a quarter of that per shard of 4).
set -euxo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked
if [[ $# -eq 0 ]]; then
  ./target/release/racelab matrix
  exit
fi
[[ $1 =~ ^([1-9][0-9]*)/([1-9][0-9]*)$ ]] || { echo "usage: ci/matrix.sh [K/N]" >&2; exit 2; }
mkdir -p target/matrix
report="target/matrix/shard-${BASH_REMATCH[1]}-of-${BASH_REMATCH[2]}.json"
# The report is written whatever the verdicts (the exit code is kept for
# the end): the merge needs every shard's file.
status=0
./target/release/racelab matrix --shard "$1" --json >"$report" || status=$?
exit "$status"
