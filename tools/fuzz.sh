#!/usr/bin/env bash
# Builds the libFuzzer targets (preset `fuzz`: clang, address and undefined-behaviour
# sanitizers) and fuzzes each one, or only TARGET, for MINUTES minutes (default 5).
#   bash tools/fuzz.sh [MINUTES] [TARGET]   # TARGET: fuzz_scenario or fuzz_results
#   bash tools/fuzz.sh --ci                 # CI: 60 s per target
#   TRUSTSIM_FUZZ_RAW_HDF5=1 bash tools/fuzz.sh 10 fuzz_results  # past the checksum, into HDF5
# Each target starts from its committed seed corpus (fuzz/corpus/scenario, fuzz/corpus/results)
# copied to build/fuzz/corpus-work/TARGET (the committed corpus is never modified). Crashes,
# timeouts (> 10 s per input), leaks and out-of-memory (> 2 GiB) are written to
# build/fuzz/crashes/ and make this script exit 1. Reproduce one with:
#   build/fuzz/fuzz_results build/fuzz/crashes/fuzz_results-crash-...
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=300
targets=(fuzz_scenario fuzz_results)
if [ "${1:-}" = "--ci" ]; then
  seconds="${TRUSTSIM_FUZZ_CI_SECONDS:-60}"
  shift
elif [ $# -ge 1 ]; then
  [[ "$1" =~ ^[0-9]+([.][0-9]+)?$ ]] || { echo "usage: tools/fuzz.sh [MINUTES] [TARGET] | --ci" >&2; exit 2; }
  seconds=$(awk -v m="$1" 'BEGIN { printf "%d", m * 60 }')
  shift
fi
if [ $# -ge 1 ]; then
  case "$1" in
    fuzz_scenario | fuzz_results) targets=("$1") ;;
    *) echo "tools/fuzz.sh: unknown target '$1' (fuzz_scenario or fuzz_results)" >&2; exit 2 ;;
  esac
fi

# Installs what is missing (clang, libFuzzer, libomp among the rest) and builds the preset.
bash tools/setup.sh fuzz

build=build/fuzz
mkdir -p "$build/crashes"
scratch_root=/dev/shm
[ -w "$scratch_root" ] || scratch_root="${TMPDIR:-/tmp}"
scratch="$(mktemp -d "$scratch_root/trustsim-fuzz.XXXXXX")"
trap 'rm -rf "$scratch"' EXIT

# Leaks are checked (no MPI_Init here, so Open MPI allocates nothing); UB always aborts.
export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"
export OMP_NUM_THREADS=1

# TRUSTSIM_FUZZ_RAW_HDF5=1: fuzz_results skips the file checksum, so HDF5 parses damaged bytes.
# HDF5 1.10 leaks the strings it had converted when an H5Aread of variable-length strings fails
# part way (H5T__conv_vlen); the caller never gets them, so leak checks are off in this mode.
extra=()
if [ "${TRUSTSIM_FUZZ_RAW_HDF5:-}" = 1 ]; then
  extra+=(-detect_leaks=0)
fi

status=0
for target in "${targets[@]}"; do
  case "$target" in
    fuzz_scenario) seeds=fuzz/corpus/scenario max_len=65536 ;;
    fuzz_results)
      seeds=fuzz/corpus/results
      largest=$(find "$seeds" -type f -printf '%s\n' | sort -n | tail -1)
      max_len=$(((largest + largest / 4 + 4095) / 4096 * 4096))  # the largest seed plus a quarter
      ;;
  esac
  work="$build/corpus-work/$target"
  rm -rf "$work"
  mkdir -p "$work"
  cp "$seeds"/* "$work"/
  log="$build/$target.log"
  echo "fuzz: $target for ${seconds}s (max_len $max_len, corpus $work, log $log)"
  start=$SECONDS
  rc=0
  # New inputs go to the working copy; the committed seeds are read only.
  TMPDIR="$scratch" "$build/$target" "$work" \
    -max_total_time="$seconds" -max_len="$max_len" -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$build/crashes/$target-" -print_final_stats=1 "${extra[@]}" >"$log" 2>&1 ||
    rc=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  echo "fuzz: $target: ${runs:-?} inputs, ${speed:-?} exec/s, $((SECONDS - start))s, exit $rc"
  if [ "$rc" -ne 0 ]; then
    status=1
    echo "fuzz: $target FAILED; the report:" >&2
    grep -E -A40 '^==[0-9]+==ERROR|^SUMMARY|runtime error|fuzz_(scenario|results):|Test unit written' \
      "$log" | head -80 >&2 || tail -40 "$log" >&2
  fi
done
if [ "$status" -ne 0 ]; then
  echo "fuzz: inputs that fail are in $build/crashes/" >&2
fi
exit "$status"
