#!/usr/bin/env bash
# Every broken process strategy (none, semaphore-2, inherited-flock) on the
# counter and the ticket rush, plus the in-place rewrite's torn read, 100
# runs each: each must be caught every run. `--ignored` selects this long
# test; `--nocapture` prints the counts. Expected run time: about a minute.
set -euxo pipefail
cd "$(dirname "$0")/.."
cargo test --test process_negative -- --ignored --nocapture
