#!/usr/bin/env bash
# The declared rust-version (Cargo.toml) builds every target. Where the
# active toolchain is that version already, this is a plain check;
# otherwise rustup installs that toolchain first (CI only: it needs the
# network). Clippy's `incompatible_msrv` lint, run by ci/lint.sh, also
# reads rust-version. Expected run time: ~1 min.
set -euxo pipefail
cd "$(dirname "$0")/.."
msrv=$(sed -n 's/^rust-version = "\(.*\)"/\1/p' Cargo.toml)
active=$(rustc --version | awk '{ print $2 }')
if [[ $active == "$msrv" || $active == "$msrv".* ]]; then
  cargo check --locked --all-targets
else
  rustup toolchain install "$msrv" --profile minimal
  cargo "+$msrv" check --locked --all-targets
fi
