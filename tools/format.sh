#!/usr/bin/env bash
# Formats every C++ file with the pinned .clang-format; --check only reports
# (exit 1 if a file would change), as tools/test.sh does.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.cpp' '*.hpp' '*.cpp.in')
if [ "${1:-}" = "--check" ]; then
  clang-format --dry-run --Werror "${files[@]}"
else
  clang-format -i "${files[@]}"
fi
