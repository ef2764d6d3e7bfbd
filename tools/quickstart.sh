#!/usr/bin/env bash
# Quick start: install what is missing, build, and run the shipped default
# scenario (scenarios/quickstart.yaml). Writes quickstart.h5 in the current
# directory (replacing an earlier quickstart.h5) and prints the contrasts.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bash "$root/tools/setup.sh" release
"$root/build/release/trustsim" run "$root/scenarios/quickstart.yaml" -o quickstart.h5 --force
