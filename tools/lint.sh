#!/usr/bin/env bash
# Runs clang-tidy (.clang-tidy) over the library and CLI sources using the
# release build's compile_commands.json. Slow (minutes); not part of CI.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --preset release >/dev/null
mapfile -t files < <(git ls-files 'sim/*.cpp' 'models/*.cpp')
clang-tidy -p build/release --quiet "${files[@]}"
