#!/usr/bin/env bash
# The same scenario gives bit-identical result tables without a launcher and
# under mpiexec with 1, 2 and 3 ranks (3 oversubscribes a 2-core machine),
# for 1 and 2 OpenMP threads per rank, and with 4 ranks of 1 thread; also for a sequential (precision) run
# with a sweep, where which replications run is decided while ranks work.
source "$(dirname "$0")/common.sh"

OMP_NUM_THREADS=1 "$trustsim" run "$scenario" "${small[@]}" -o plain.h5
reference="$(digest_of plain.h5)"
[ -n "$reference" ] || fail "no digest in plain.h5"
for ranks in 1 2 3; do
  for threads in 1 2; do
    OMP_NUM_THREADS=$threads launch "$ranks" "$trustsim" run "$scenario" "${small[@]}" \
      -o "r${ranks}t${threads}.h5"
    expect_same_digest "r${ranks}t${threads}.h5" "$reference" "$ranks ranks x $threads threads"
  done
done
OMP_NUM_THREADS=1 launch 4 "$trustsim" run "$scenario" "${small[@]}" -o r4t1.h5
expect_same_digest r4t1.h5 "$reference" "4 ranks x 1 thread"

# Sequential replication at two sweep points: batches are decided from
# finished results only, so the rank count cannot change them.
sequential=(--set population.buyers.count=4000 --set population.sellers.count=200
            --set warmup_days=10 --set horizon_days=30 --quiet
            --set 'sweep={design: grid, parameters: [{key: trust.loss_late_delivery, values: [0.03, 0.05]}]}'
            --set 'precision={min_replications: 4, max_replications: 24, batch: 3, look_ahead: 2, targets: [{metric: suspensions, half_width: 8}]}')
OMP_NUM_THREADS=1 "$trustsim" run "$scenario" "${sequential[@]}" -o seq1.h5
reference="$(digest_of seq1.h5)"
for ranks in 2 3; do
  OMP_NUM_THREADS=1 launch "$ranks" "$trustsim" run "$scenario" "${sequential[@]}" -o "seq$ranks.h5"
  expect_same_digest "seq$ranks.h5" "$reference" "sequential sweep on $ranks ranks"
done

# Every policy kind and option switched on at once (termination, repeat
# ladders, cohort thresholds, evidence, defect-count floor, account health).
kinds="$source_dir/tests/data/every-policy-kind.yaml"
OMP_NUM_THREADS=1 "$trustsim" run "$kinds" --quiet -o kinds1.h5
reference="$(digest_of kinds1.h5)"
for layout in "2 2" "3 1"; do
  read -r ranks threads <<<"$layout"
  OMP_NUM_THREADS=$threads launch "$ranks" "$trustsim" run "$kinds" --quiet \
    -o "kinds${ranks}x${threads}.h5"
  expect_same_digest "kinds${ranks}x${threads}.h5" "$reference" \
    "every policy kind on $ranks ranks x $threads threads"
done
