#!/usr/bin/env bash
# Installs what is missing, builds with warnings as errors, and runs the
# whole test suite through CTest (unit, property, oracle and CLI tests),
# after checking that every C++ file is formatted.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh ci
bash tools/format.sh --check  # the pinned .clang-format (clang-format 14)
ctest --preset ci -j "$(nproc)"
