#!/usr/bin/env bash
# End-to-end benchmark on scenarios/bench.yaml (20,000 sellers, 1,000,000
# buyers, 365 days, one arm, one replication). Reports, as medians of RUNS
# runs (default 3):
#   - simulated orders per second per core (day loop, one thread);
#   - peak memory, and bytes per buyer and per seller (from runs with twice
#     the buyers and twice the sellers: the difference of peak memory);
#   - the time ratio when buyers double at the same intensity, and when
#     purchase intensity halves (work must scale with orders).
# Usage: bash tools/bench.sh [RUNS]     (builds the release preset first)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
runs="${1:-3}"
cd "$root"
cmake --preset release >/dev/null && cmake --build --preset release >/dev/null
bin="$root/build/release/trustsim"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# One run: prints "orders simulate_seconds peak_mib".
run_once() {
  "$bin" run "$root/scenarios/bench.yaml" -o "$work/bench.h5" --force --threads 1 "$@" |
    sed -n 's/^  \([0-9]*\) orders simulated: .* \([0-9.]*\) s simulating .* peak memory \([0-9.]*\) MiB$/\1 \2 \3/p'
}
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# measure LABEL [--set ...]: medians of orders, seconds and peak MiB over the runs.
measure() {
  local label="$1"; shift
  : >"$work/$label"
  for _ in $(seq "$runs"); do run_once "$@" >>"$work/$label"; done
  local orders secs mib
  orders=$(cut -d' ' -f1 "$work/$label" | median)
  secs=$(cut -d' ' -f2 "$work/$label" | median)
  mib=$(cut -d' ' -f3 "$work/$label" | median)
  echo "$orders $secs $mib"
}

read -r o1 s1 m1 < <(measure base)
read -r o2 s2 m2 < <(measure buyers2x --set population.buyers.count=2000000 --set population.buyers.arrivals_per_day=800)
read -r o3 s3 m3 < <(measure sellers2x --set population.sellers.count=40000 --set population.sellers.entry_per_day=40)
read -r o4 s4 m4 < <(measure halfintensity --set population.buyers.orders_per_month_mean=0.75)

awk -v o1="$o1" -v s1="$s1" -v m1="$m1" -v o2="$o2" -v s2="$s2" -v m2="$m2" \
    -v m3="$m3" -v o4="$o4" -v s4="$s4" -v runs="$runs" 'BEGIN {
  printf "bench.yaml, 1 thread, medians of %d runs\n", runs
  printf "  orders simulated              %d\n", o1
  printf "  day-loop time                 %.2f s\n", s1
  printf "  orders per second per core    %.3g\n", o1 / s1
  printf "  peak memory                   %.1f MiB\n", m1
  printf "  bytes per buyer (2x buyers)   %.1f\n", (m2 - m1) * 1048576 / 1000000
  printf "  bytes per seller (2x sellers) %.0f\n", (m3 - m1) * 1048576 / 20000
  printf "  time ratio, 2x buyers         %.2f (orders ratio %.2f)\n", s2 / s1, o2 / o1
  printf "  time ratio, half intensity    %.2f (orders ratio %.2f)\n", s4 / s1, o4 / o1
}'
