#!/usr/bin/env bash
# End-to-end benchmark on scenarios/bench.yaml (20,000 sellers, 1,000,000
# buyers, 365 days, one arm, one replication). Reports, as medians of RUNS
# runs (default 3):
#   - simulated orders per second per core (day loop, one thread);
#   - peak memory, and bytes per buyer and per seller (from runs with twice
#     the buyers and twice the sellers, arrivals included: the difference of
#     peak memory over the buyers or sellers added by the end of the run);
#   - the time ratio when buyers double at the same intensity, and when
#     purchase intensity halves (work must scale with orders).
# Usage: bash tools/bench.sh [RUNS]     (builds the release preset first)
set -euo pipefail
runs="${1:-3}"
# shellcheck source=tools/bench_common.sh
source "$(dirname "$0")/bench_common.sh"

# One run: prints "orders simulate_seconds peak_mib".
run_once() {
  "$bin" run "$root/scenarios/bench.yaml" -o "$work/bench.h5" --force --threads 1 "$@" |
    sed -n 's/^  \([0-9]*\) orders simulated: .* \([0-9.]*\) s simulating .* peak memory \([0-9.]*\) MiB.*$/\1 \2 \3/p'
}

# Rounds run the four configurations back to back, so each ratio compares
# runs made under the same load of this (shared) machine; ratios are the
# median of the per-round ratios.
configs=(base buyers2x sellers2x halfintensity)
declare -A sets=(
  [base]=""
  [buyers2x]="--set population.buyers.count=2000000 --set population.buyers.arrivals_per_day=800"
  [sellers2x]="--set population.sellers.count=40000 --set population.sellers.entry_per_day=40"
  [halfintensity]="--set population.buyers.orders_per_month_mean=0.75"
)
for round in $(seq "$runs"); do
  for c in "${configs[@]}"; do
    # shellcheck disable=SC2086
    echo "$round $(run_once ${sets[$c]})" >>"$work/$c"
  done
done
col() { cut -d' ' -f"$2" "$work/$1" | median; }
ratio() {  # median over rounds of column $3 of config $1 / config $2
  paste -d' ' "$work/$1" "$work/$2" | awk -v c="$3" '{print $(c) / $(c + 4)}' | median
}
o1=$(col base 2); s1=$(col base 3); m1=$(col base 4)
m2=$(col buyers2x 4); m3=$(col sellers2x 4)
t2=$(ratio buyers2x base 3); n2=$(ratio buyers2x base 2)
t4=$(ratio halfintensity base 3); n4=$(ratio halfintensity base 2)

# Buyers and sellers the doubled runs hold in addition by the end of the
# 365 days: the extra initial population plus the extra expected arrivals
# (400 more buyers and 20 more sellers a day), all of which stay in memory.
added_buyers=$((1000000 + 400 * 365))
added_sellers=$((20000 + 20 * 365))

awk -v o1="$o1" -v s1="$s1" -v m1="$m1" -v m2="$m2" -v m3="$m3" -v t2="$t2" -v n2="$n2" \
    -v t4="$t4" -v n4="$n4" -v runs="$runs" -v added_buyers="$added_buyers" \
    -v added_sellers="$added_sellers" 'BEGIN {
  printf "bench.yaml, 1 thread, medians of %d rounds\n", runs
  printf "  orders simulated              %d\n", o1
  printf "  day-loop time                 %.2f s\n", s1
  printf "  orders per second per core    %.3g\n", o1 / s1
  printf "  peak memory                   %.1f MiB\n", m1
  printf "  bytes per buyer (2x buyers)   %.1f\n", (m2 - m1) * 1048576 / added_buyers
  printf "  bytes per seller (2x sellers) %.0f\n", (m3 - m1) * 1048576 / added_sellers
  printf "  time ratio, 2x buyers         %.2f (orders ratio %.2f)\n", t2, n2
  printf "  time ratio, half intensity    %.2f (orders ratio %.2f)\n", t4, n4
}'
