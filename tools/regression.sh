#!/usr/bin/env bash
# The regression references (tests/regression): checks every case's results digest, or with
# --update rewrites tests/regression/digests.txt after a change that is meant to alter results
# (say so in the commit). Builds the release preset first.
#   bash tools/regression.sh [--update]
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh release >/dev/null
bash tests/regression/check.sh build/release/trustsim . "${1:-}"
