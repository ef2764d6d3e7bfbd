#!/usr/bin/env bash
# Parallel scaling benchmark (not a test). Three measurements, each the median
# of ROUNDS rounds whose configurations run back to back (this machine may be
# shared: ratios are taken within a round):
#   ranks   - MPI ranks 1, 2, 4, ... up to RANKS, one OpenMP thread each, on
#             64 replications of scenarios/quickstart.yaml (64 tasks);
#             efficiency = T(1) / (ranks x T(ranks)), on the wall time of the
#             whole mpiexec command ("ranks") and on the run's own wall time
#             from reading the scenario to the result file ("in-run", the
#             wall_seconds attribute: without mpiexec's start-up);
#   threads - OpenMP threads 1, 2, 4, ... up to THREADS in one rank on
#             scenarios/bench.yaml (one task: 1M buyers, 365 days);
#             efficiency = T(1) / (threads x T(threads)) of the day loop,
#             then the loop's phases (from /timing): seconds, share of the
#             one-thread loop, and speedup at THREADS;
#   warmup  - quickstart (2 arms, 90-day warm-up) with the shared warm-up
#             against independent_arms (each arm simulates its own warm-up).
# Usage: bash tools/bench_scaling.sh [ROUNDS] [RANKS] [THREADS]
#   defaults: 3 rounds, ranks and threads up to nproc. Builds the release preset.
set -euo pipefail
rounds="${1:-3}"
max_ranks="${2:-$(nproc)}"
max_threads="${3:-$(nproc)}"
# shellcheck source=tools/bench_common.sh
source "$(dirname "$0")/bench_common.sh"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mpiexec="${MPIEXEC:-mpiexec}"

now() { date +%s.%N; }
calc() { awk "BEGIN { print $* }"; }
powers() { local n=1; while [ "$n" -le "$1" ]; do echo "$n"; n=$((n * 2)); done; }

# Wall seconds of mpiexec -n RANKS on 64 quickstart tasks.
time_ranks() {
  local start bind=(--bind-to core --map-by core)
  [ "$1" -le "$(nproc)" ] || bind=(--oversubscribe --bind-to none)
  start=$(now)
  OMP_NUM_THREADS=1 "$mpiexec" -n "$1" "${bind[@]}" \
    "$bin" run scenarios/quickstart.yaml --replications 64 --threads 1 --quiet --force \
    -o "$work/ranks.h5" >/dev/null  # --quiet still prints the digest line
  calc "$(now) - $start"
  h5_value -a /wall_seconds "$work/ranks.h5" >>"$work/in-run.$1"
}

phases=(arrivals calendar shopping sellers offer_tables)
# A number stored in the result file (dataset or attribute path).
h5_value() { h5dump "$1" "$2" "$3" | sed -n 's/^ *(0): \([0-9-][0-9.e+-]*\)$/\1/p' | head -n 1; }

# Day-loop seconds of bench.yaml on THREADS threads; each phase's seconds
# (from /timing) go to $work/phase.THREADS.NAME.
time_threads() {
  OMP_PROC_BIND=spread OMP_PLACES=cores "$bin" run scenarios/bench.yaml --threads "$1" \
    --force -o "$work/threads.h5" |
    sed -n 's/.* \([0-9.]*\) s simulating .*/\1/p'
  for phase in "${phases[@]}"; do
    h5_value -d "/timing/${phase}_seconds" "$work/threads.h5" >>"$work/phase.$1.$phase"
  done
}

# Day-loop seconds of quickstart (10 replications, 1 thread), shared or separate warm-ups.
time_warmup() {
  "$bin" run scenarios/quickstart.yaml --threads 1 --force -o "$work/warmup.h5" "$@" |
    sed -n 's/.* \([0-9.]*\) s creating populations, \([0-9.]*\) s simulating .*/\1 \2/p' |
    awk '{print $1 + $2}'
}

echo "rounds: $rounds; ranks up to $max_ranks; threads up to $max_threads; $(nproc) cores"
for round in $(seq "$rounds"); do
  for r in $(powers "$max_ranks"); do echo "$(time_ranks "$r")" >>"$work/ranks.$r"; done
  for t in $(powers "$max_threads"); do echo "$(time_threads "$t")" >>"$work/threads.$t"; done
  echo "$(time_warmup)" >>"$work/warmup.shared"
  echo "$(time_warmup --set independent_arms=true)" >>"$work/warmup.separate"
  echo "round $round done" >&2
done

report() {  # KIND UNIT
  local t1 tn
  t1=$(median <"$work/$1.1")
  printf '%-8s %6s %10s %8s %11s\n' "$1" "$2" "seconds" "speedup" "efficiency"
  for n in $(powers "$3"); do
    tn=$(median <"$work/$1.$n")
    printf '%-8s %6d %10.2f %8.2f %10.0f%%\n' "" "$n" "$tn" "$(calc "$t1 / $tn")" \
      "$(calc "100 * $t1 / ($n * $tn)")"
  done
}
report ranks ranks "$max_ranks"
report in-run ranks "$max_ranks"
report threads thread "$max_threads"
# Where the day loop's time goes, by phase (medians): a phase whose speedup
# lags holds the whole loop back (Amdahl).
printf '%-13s' "phase"
for t in $(powers "$max_threads"); do printf ' %7s' "${t}t s"; done
printf ' %8s %8s\n' "share@1" "speedup"
for phase in "${phases[@]}"; do
  printf '%-13s' "$phase"
  for t in $(powers "$max_threads"); do printf ' %7.3f' "$(median <"$work/phase.$t.$phase")"; done
  p1=$(median <"$work/phase.1.$phase")
  pn=$(median <"$work/phase.$(powers "$max_threads" | tail -1).$phase")
  printf ' %7.1f%% %8.2f\n' "$(calc "100 * $p1 / $(median <"$work/threads.1")")" \
    "$(calc "$p1 / ($pn > 0 ? $pn : 1e-9)")"
done
shared=$(median <"$work/warmup.shared")
separate=$(median <"$work/warmup.separate")
printf 'warm-up  shared %.2f s, per arm %.2f s: sharing saves %.0f%%\n' "$shared" "$separate" \
  "$(calc "100 * (1 - $shared / $separate)")"
