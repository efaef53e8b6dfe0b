#!/usr/bin/env bash
# The test suite under cargo-nextest with the CI profile of
# .config/nextest.toml (no fail-fast, no retries, test groups for the
# forking and the loom tests), then the doctests, which nextest does not
# run. `ci/nextest.sh K/N` runs only partition K of N (`--partition
# hash:K/N`: each test lands in one partition by the hash of its name, so
# the N machines of a CI fleet together run every test exactly once); the
# doctests run in partition 1. Installs cargo-nextest if it is missing
# (~3 min). Expected run time: the build, then ~60 s of tests on 2 cores.
set -euxo pipefail
cd "$(dirname "$0")/.."
command -v cargo-nextest >/dev/null || cargo install cargo-nextest --locked
partition=${1:-}
if [[ -n $partition ]]; then
  [[ $partition =~ ^[1-9][0-9]*/[1-9][0-9]*$ ]] || { echo "usage: ci/nextest.sh [K/N]" >&2; exit 2; }
  cargo nextest run --profile ci --partition "hash:$partition"
else
  cargo nextest run --profile ci
fi
if [[ -z $partition || ${partition%/*} == 1 ]]; then
  cargo test --doc
fi
