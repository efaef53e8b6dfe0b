#!/usr/bin/env bash
# Publishability: `cargo package` builds the .crate a `cargo publish` would
# upload and verifies that it compiles on its own (no file outside the
# package needed). Then the packaged crate's own tests run from the
# unpacked tarball, outside this checkout, so that a test needing a file the
# `exclude` list drops fails here. Expected run time: ~1 min for the
# package, then the test build and ~60 s of tests.
set -euxo pipefail
cd "$(dirname "$0")/.."
cargo package --locked --package racelab
version=$(cargo pkgid --package racelab | sed 's/.*[#@]//')
unpacked=$(mktemp -d)
trap 'rm -rf "$unpacked"' EXIT
tar -xzf "target/package/racelab-$version.crate" -C "$unpacked"
# The checkout's target directory: the dependencies are not built again
# (the unpacked racelab itself is: its path differs). The lock file is the
# one the package ships.
target=$PWD/target
(cd "$unpacked/racelab-$version" && CARGO_TARGET_DIR="$target" cargo test --locked)
