#!/usr/bin/env bash
# Installs what is missing, builds with warnings as errors, and runs the
# whole test suite through CTest (unit, property, oracle and CLI tests).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh ci
ctest --preset ci -j "$(nproc)"
