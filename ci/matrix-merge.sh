#!/usr/bin/env bash
# Joins the shards' reports in target/matrix/ (from ci/matrix.sh K/N, one
# per machine) into the table one unsharded `racelab matrix` prints, and
# its exit code: 0 when every cell is as expected, 1 when any is not, 2
# when the files are not exactly the N shards of one split (one missing,
# one twice). Expected run time: the release build, then under a second.
set -euxo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked
shopt -s nullglob
reports=(target/matrix/shard-*.json)
if [[ ${#reports[@]} -eq 0 ]]; then
  echo "no shard reports in target/matrix/" >&2
  exit 2
fi
./target/release/racelab matrix --merge "${reports[@]}"
