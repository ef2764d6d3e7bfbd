#!/usr/bin/env bash
# A job killed at any moment resumes to the same result file. Kill points
# (TRUSTSIM_TEST_FAULT, see include/trustsim/task_farm.hpp), each reached on
# every run because rank 0 hands each worker a task before taking its own:
#   - rank 0 SIGKILLed as it starts its first task;
#   - rank 1 (of 2) and rank 2 (of 3) SIGKILLed as they start their first task;
#   - rank 0 SIGKILLed once 5 tasks are journaled, in a 3-rank job;
#   - rank 1 sent SIGTERM at its first task: every rank stops cleanly, exit 3;
#   - rank 0 SIGKILLed just before writing the result file (all journaled);
#   - a one-rank run stopped by SIGTERM, and a journal whose last record is
#     torn (truncated mid-record).
# Each is resumed (with another rank count where it matters) and must give the
# digest of an uninterrupted run. A resume of another scenario is refused.
source "$(dirname "$0")/common.sh"

OMP_NUM_THREADS=1 "$trustsim" run "$scenario" "${small[@]}" -o reference.h5
reference="$(digest_of reference.h5)"

killed_then_resumed() {  # NAME FAULT RANKS RESUME_RANKS EXPECTED_EXIT
  local name="$1" fault="$2" ranks="$3" resume_ranks="$4" expected="$5" status=0
  TRUSTSIM_TEST_FAULT="$fault" OMP_NUM_THREADS=1 \
    launch "$ranks" "$trustsim" run "$scenario" "${small[@]}" -o "$name.h5" \
    >"$name.log" 2>&1 || status=$?
  [ "$status" -eq "$expected" ] || { cat "$name.log"; fail "$name: exit $status, expected $expected"; }
  [ ! -e "$name.h5" ] || fail "$name: a result file was written by the interrupted run"
  [ -e "$name.h5.journal" ] || fail "$name: no journal left to resume"
  OMP_NUM_THREADS=1 launch "$resume_ranks" "$trustsim" run "$scenario" "${small[@]}" \
    -o "$name.h5" --resume
  [ ! -e "$name.h5.journal" ] || fail "$name: journal not removed after the resumed run"
  expect_same_digest "$name.h5" "$reference" "$name"
}

# mpiexec reports a rank killed by a signal as 137 (128 + SIGKILL).
killed_then_resumed rank0-first-task 0:task:1:kill 2 2 137
killed_then_resumed rank1-first-task 1:task:1:kill 2 3 137
killed_then_resumed rank2-first-task 2:task:1:kill 3 1 137
killed_then_resumed rank0-after-five 0:journal:5:kill 3 2 137
killed_then_resumed rank1-sigterm 1:task:1:term 2 3 3
killed_then_resumed rank0-before-write 0:write:1:kill 2 2 137
grep -q "interrupted" rank1-sigterm.log || fail "SIGTERM: no 'interrupted' message"

# Without a launcher, SIGTERM or SIGINT ends a one-rank run with exit 3.
status=0
TRUSTSIM_TEST_FAULT=0:task:5:term OMP_NUM_THREADS=1 \
  "$trustsim" run "$scenario" "${small[@]}" -o plain-term.h5 2>plain-term.log || status=$?
[ "$status" -eq 3 ] || fail "one-rank SIGTERM: exit $status, expected 3"
grep -q "4 finished tasks recorded" plain-term.log || { cat plain-term.log; fail "one-rank SIGTERM: message"; }
"$trustsim" run "$scenario" "${small[@]}" -o plain-term.h5 --resume
expect_same_digest plain-term.h5 "$reference" "one rank, SIGTERM, resumed"

# A torn last record (a kill in the middle of an append) is dropped.
status=0
TRUSTSIM_TEST_FAULT=0:task:7:kill "$trustsim" run "$scenario" "${small[@]}" -o torn.h5 \
  2>/dev/null || status=$?
[ "$status" -ne 0 ] || fail "torn: the run was not killed"
size=$(stat -c %s torn.h5.journal)
truncate -s $((size - 100)) torn.h5.journal
"$trustsim" run "$scenario" "${small[@]}" -o torn.h5 --resume
expect_same_digest torn.h5 "$reference" "torn journal record"

# Resuming with another scenario is refused, and the journal is kept.
status=0
TRUSTSIM_TEST_FAULT=0:task:3:kill "$trustsim" run "$scenario" "${small[@]}" -o other.h5 \
  2>/dev/null || status=$?
status=0
"$trustsim" run "$scenario" "${small[@]}" --set seed=99 -o other.h5 --resume 2>other.log ||
  status=$?
[ "$status" -eq 2 ] || fail "other scenario: exit $status, expected 2"
grep -q "belongs to a different run" other.log || { cat other.log; fail "other scenario: message"; }
[ -e other.h5.journal ] && [ ! -e other.h5 ] || fail "other scenario: journal or output changed"
echo "ok: resume of another scenario refused"
