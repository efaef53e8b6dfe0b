#!/usr/bin/env bash
# Lints: clippy on every target with warnings as errors, and rustfmt.
# Expected run time: under a minute after a build.
set -euxo pipefail
cd "$(dirname "$0")/.."
cargo fmt --all -- --check
cargo clippy --all-targets -- -D warnings
