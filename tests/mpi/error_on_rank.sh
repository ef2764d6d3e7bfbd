#!/usr/bin/env bash
# An error raised on rank 1 reaches the user once, names the rank, ends every
# rank with exit code 1 (no hang: ctest's timeout would catch one), writes no
# result file, and keeps the finished tasks for --resume. The same for rank 0
# with a worker still running, and for a 3-rank job.
source "$(dirname "$0")/common.sh"

# Each rank's first task is certain (rank 0 hands every worker one first).
for case in "1:task:1:error 2" "0:task:1:error 2" "2:task:1:error 3" "0:journal:4:error 3"; do
  set -- $case
  fault="$1" ranks="$2" rank="${1%%:*}" status=0
  TRUSTSIM_TEST_FAULT="$fault" OMP_NUM_THREADS=1 \
    launch "$ranks" "$trustsim" run "$scenario" "${small[@]}" -o err.h5 >out.log 2>err.log ||
    status=$?
  [ "$status" -eq 1 ] || { cat err.log; fail "$fault: exit $status, expected 1"; }
  count=$(grep -c "trustsim: error: rank $rank: test fault injected\|trustsim: error: test fault injected at journal" err.log || true)
  [ "$count" -eq 1 ] || { cat err.log; fail "$fault: the error was reported $count times"; }
  [ ! -e err.h5 ] || fail "$fault: a result file was written"
  [ -e err.h5.journal ] || fail "$fault: the journal was not kept"
  rm -f err.h5.journal
  echo "ok: error on rank $rank of $ranks reported once"
done
