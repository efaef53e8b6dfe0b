#!/usr/bin/env bash
# Fuzzes every target in fuzz/ for SECONDS_PER_TARGET seconds each (default
# 60) with libFuzzer (cargo-fuzz), on the stable toolchain. Not part of
# .ci/run: coverage fuzzing is open-ended; run it locally or on a schedule.
# CI checks the targets anyway: `cargo test --test fuzz_corpus` replays the
# committed corpus (fuzz/corpus/<target>/) through the same checks.
# Usage: ci/fuzz.sh [target...]   (default: every target)
# Expected run time: ~2 min to install cargo-fuzz once; the instrumented
# build took 26 min the first time and 7 after a change to racelab (2 shared
# cores); then SECONDS_PER_TARGET each.
set -euxo pipefail
cd "$(dirname "$0")/.."
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
# cargo-fuzz passes unstable flags (-Zsanitizer=address, sancov passes):
# RUSTC_BOOTSTRAP=1 lets the stable compiler take them, no nightly needed.
export RUSTC_BOOTSTRAP=1
# -a: debug assertions, so an integer overflow panics as in `cargo test`.
cargo fuzz build -a
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(cargo fuzz list)
fi
bin_dir=fuzz/target/$(rustc -vV | sed -n "s/^host: //p")/release
status=0
for target in "${targets[@]}"; do
  # New inputs go to a scratch corpus (fuzz/target is ignored by git); the
  # committed corpus only seeds the run. Minimise by hand into it:
  #   "$bin_dir/$target" -merge=1 fuzz/corpus/$target fuzz/target/corpus/$target
  # Crashes are written to fuzz/artifacts/<target>/.
  scratch=fuzz/target/corpus/$target
  artifacts=fuzz/artifacts/$target/
  mkdir -p "$scratch" "fuzz/corpus/$target" "$artifacts"
  dict=()
  if [ -f "fuzz/dict/$target.dict" ]; then dict=("-dict=fuzz/dict/$target.dict"); fi
  # The binary is run directly, not through `cargo fuzz run`, to know its
  # pid: a crash aborts it before its temporary directories are dropped,
  # and they are named for it (racelab-<pid>-...), so they are removed here.
  # -timeout=10: a reader that waits 10 s on one input is a hang, a crash.
  "$bin_dir/$target" "${dict[@]}" -max_total_time="${SECONDS_PER_TARGET:-60}" \
    -timeout=10 -artifact_prefix="$artifacts" -print_final_stats=1 \
    "$scratch" "fuzz/corpus/$target" &
  pid=$!
  wait "$pid" || status=$?
  rm -rf /dev/shm/racelab-"$pid"-* "${TMPDIR:-/tmp}"/racelab-"$pid"-*
  [ "$status" -eq 0 ] || break
done
exit "$status"
