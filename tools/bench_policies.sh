#!/usr/bin/env bash
# What policy evaluation costs the day loop: scenarios/bench.yaml (20,000
# sellers, 1,000,000 buyers, a year, one thread) with no policy, with the
# four public rules (the defaults), and with every policy kind switched on
# (scenarios/bench-every-policy.yaml: rules on evidence with cohort
# thresholds, terminations and repeat ladders, a defect-count floor and an
# account-health score). Policies run in the day loop's seller phase
# (/timing sellers_seconds), beside the sellers' own day (windows, effort,
# exits), so what they cost is the seller phase's growth over the run
# without policies, as a share of the whole day loop. Rounds run the three
# configurations back to back; medians over rounds (default 5).
# Usage: bash tools/bench_policies.sh [ROUNDS]     (builds the release preset first)
set -euo pipefail
rounds="${1:-5}"
# shellcheck source=tools/bench_common.sh
source "$(dirname "$0")/bench_common.sh"

# One run: prints "simulate_seconds sellers_seconds orders".
run_once() {
  "$bin" run "$@" -o "$work/b.h5" --force --threads 1 --quiet >/dev/null 2>&1  # not the digest line
  /usr/bin/python3 - "$work/b.h5" <<'PY'
import sys
import h5py
with h5py.File(sys.argv[1], "r") as f:
    t = f["/timing"]
    print(t["simulate_seconds"][0], t["sellers_seconds"][0], t["orders_simulated"][0])
PY
}

for round in $(seq "$rounds"); do
  run_once "$root/scenarios/bench.yaml" --set 'policies=[]' >>"$work/none"
  run_once "$root/scenarios/bench.yaml" >>"$work/public"
  run_once "$root/scenarios/bench-every-policy.yaml" >>"$work/every"
done
col() { cut -d' ' -f"$2" "$work/$1" | median; }
# Per round: (seller phase of a configuration - seller phase without policies) / its day loop.
share() {
  paste -d' ' "$work/$1" "$work/none" | awk '{print ($2 - $5) / $1}' | median
}
awk -v rounds="$rounds" -v n1="$(col none 1)" -v n2="$(col none 2)" -v p1="$(col public 1)" \
    -v p2="$(col public 2)" -v e1="$(col every 1)" -v e2="$(col every 2)" \
    -v ps="$(share public)" -v es="$(share every)" -v no="$(col none 3)" \
    -v po="$(col public 3)" -v eo="$(col every 3)" 'BEGIN {
  printf "bench.yaml, 1 thread, medians of %d interleaved rounds\n", rounds
  printf "  %-22s %10s %14s %12s %24s\n", "policies", "day loop", "seller phase", "orders",
         "policy share of loop"
  printf "  %-22s %9.2fs %13.2fs %12d %24s\n", "none", n1, n2, no, "-"
  printf "  %-22s %9.2fs %13.2fs %12d %23.1f%%\n", "public rules (4)", p1, p2, po, 100 * ps
  printf "  %-22s %9.2fs %13.2fs %12d %23.1f%%\n", "every kind (6)", e1, e2, eo, 100 * es
}'
