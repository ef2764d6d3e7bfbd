#!/usr/bin/env bash
# Installs what is missing, builds with warnings as errors, and runs the
# whole test suite through CTest (unit, property, oracle and CLI tests),
# after checking that every C++ file is formatted; then the same suite under
# the address and undefined-behaviour sanitizers (preset debug), then a short
# fuzzing run of each libFuzzer target (tools/fuzz.sh --ci). One timing line
# per stage.
set -euo pipefail
cd "$(dirname "$0")/.."

stage_start=$SECONDS
stage() {  # prints how long the stage that just finished took
  echo "test: $1: $((SECONDS - stage_start)) s"
  stage_start=$SECONDS
}

bash tools/setup.sh ci
bash tools/format.sh --check  # the pinned .clang-format (clang-format 14)
ctest --preset ci -j "$(nproc)"
stage "ci build and tests"

# -O0 with sanitizers; the test preset sets ASAN_OPTIONS=detect_leaks=0 (Open MPI's
# own allocations are never freed) and UBSAN_OPTIONS=halt_on_error=1 (UB fails the test).
cmake --preset debug >/dev/null
cmake --build --preset debug -j "$(nproc)"
stage "sanitizer build (debug)"
# The digests and the validation experiments are checked above, at -O2.
ctest --preset debug -j "$(nproc)" -LE "regression|validation"
stage "sanitizer tests (debug)"

bash tools/fuzz.sh --ci
stage "fuzzing (fuzz preset build and 60 s per target)"
echo "test: total: $SECONDS s"
