#!/usr/bin/env bash
# trustsim calibrate gives the same search, bit for bit, on 1, 2 and 3 ranks
# and 1 and 2 threads (result file digest, which covers every candidate of the
# history, and the fitted-values fragment), and a search killed mid-way
# resumes to the same result: rank 0 killed once 20 tasks are journaled (2
# ranks, resumed on 3), rank 1 stopped by SIGTERM (exit 3, resumed on 1), rank
# 0 killed just before writing. A run's journal is not a calibration's.
source "$(dirname "$0")/common.sh"
calibration="$source_dir/tests/calibration/recovery.yaml"
# A shorter search than the recovery test's: the start, 4 generations, final, sensitivity.
short=(--set calibration.budget=25)

OMP_NUM_THREADS=1 "$trustsim" calibrate "$calibration" "${short[@]}" -o reference.h5 --quiet
reference="$(digest_of reference.h5)"
[ -s reference.fitted.yaml ] || fail "no fitted-values fragment beside the result file"

same_search() {  # NAME: NAME.h5 and NAME.fitted.yaml match the reference
  expect_same_digest "$1.h5" "$reference" "$1"
  cmp -s reference.fitted.yaml "$1.fitted.yaml" || fail "$1: the fragment differs"
}

OMP_NUM_THREADS=2 "$trustsim" calibrate "$calibration" "${short[@]}" -o one-rank-two-threads.h5 --quiet
same_search one-rank-two-threads
OMP_NUM_THREADS=1 launch 2 "$trustsim" calibrate "$calibration" "${short[@]}" -o two-ranks.h5 --quiet
same_search two-ranks
OMP_NUM_THREADS=2 launch 3 "$trustsim" calibrate "$calibration" "${short[@]}" -o three-ranks.h5 --quiet
same_search three-ranks

killed_then_resumed() {  # NAME FAULT RANKS RESUME_RANKS EXPECTED_EXIT
  local name="$1" fault="$2" ranks="$3" resume_ranks="$4" expected="$5" status=0
  TRUSTSIM_TEST_FAULT="$fault" OMP_NUM_THREADS=1 \
    launch "$ranks" "$trustsim" calibrate "$calibration" "${short[@]}" -o "$name.h5" --quiet \
    >"$name.log" 2>&1 || status=$?
  [ "$status" -eq "$expected" ] || { cat "$name.log"; fail "$name: exit $status, expected $expected"; }
  [ ! -e "$name.h5" ] || fail "$name: a result file was written by the interrupted search"
  [ ! -e "$name.fitted.yaml" ] || fail "$name: a fragment was written by the interrupted search"
  [ -e "$name.h5.journal" ] || fail "$name: no journal left to resume"
  OMP_NUM_THREADS=1 launch "$resume_ranks" "$trustsim" calibrate "$calibration" "${short[@]}" -o "$name.h5" \
    --quiet --resume
  [ ! -e "$name.h5.journal" ] || fail "$name: journal not removed after the resumed search"
  same_search "$name"
}

# mpiexec reports a rank killed by a signal as 137 (128 + SIGKILL).
killed_then_resumed rank0-after-twenty 0:journal:20:kill 2 3 137
killed_then_resumed rank1-sigterm 1:task:5:term 2 1 3
killed_then_resumed rank0-before-write 0:write:1:kill 2 2 137

# The journal of an interrupted `run` of the same file cannot resume a calibration.
status=0
TRUSTSIM_TEST_FAULT=0:task:2:term OMP_NUM_THREADS=1 \
  "$trustsim" run "$calibration" "${short[@]}" -o mixed.h5 --quiet 2>/dev/null || status=$?
[ "$status" -eq 3 ] || fail "run to interrupt: exit $status, expected 3"
status=0
"$trustsim" calibrate "$calibration" "${short[@]}" -o mixed.h5 --quiet --resume 2>mixed.log || status=$?
[ "$status" -eq 2 ] || { cat mixed.log; fail "calibrate --resume of a run's journal: exit $status, expected 2"; }
echo "ok: a run's journal is refused by calibrate --resume"
