#!/usr/bin/env bash
# The README's test command: every tier's tests, loom included, no RUSTFLAGS.
# Expected run time: a few minutes on a 2-core machine (mostly compilation).
set -euxo pipefail
cd "$(dirname "$0")/.."
cargo test
