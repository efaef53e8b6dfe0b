#!/usr/bin/env bash
# Every broken process strategy (none, semaphore-2, inherited-flock) on the
# counter and the ticket rush, plus the in-place rewrite's torn read, 100
# runs each: each must be caught every run. `--ignored` selects this long
# test; `--nocapture` prints the counts. Expected run time: about a minute.
set -euxo pipefail
cd "$(dirname "$0")/.."
cargo test --test process_negative -- --ignored --nocapture
# Every process queue, 100 runs each: the correct ones clean, the broken
# ones (shm-unlocked, shm-if, spool-no-rename, pipe-large,
# unix-stream-unframed) caught, every run. About 40 s in release.
cargo test --release --test process_queue -- --ignored --nocapture
