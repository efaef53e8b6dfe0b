#!/usr/bin/env bash
# The API docs, with every rustdoc warning an error (broken intra-doc
# links, bare URLs, unclosed HTML in a doc comment). Only racelab's own
# docs (--no-deps). Expected run time: ~30 s after a build.
set -euxo pipefail
cd "$(dirname "$0")/.."
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps
