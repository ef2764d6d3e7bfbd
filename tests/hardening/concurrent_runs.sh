#!/usr/bin/env bash
# Two runs on one output: while run A is live, run B is refused (with --force and with
# --resume alike) with A's pid, host and start, and A's journal is not touched; once A is
# killed, its lock is taken over and A's journal resumes to the uninterrupted digest; a
# --force run with another seed then writes its own results, not a mix.
source "$(dirname "$0")/../mpi/common.sh"

OMP_NUM_THREADS=1 "$trustsim" run "$scenario" "${small[@]}" -o reference.h5
reference="$(digest_of reference.h5)"
OMP_NUM_THREADS=1 "$trustsim" run "$scenario" "${small[@]}" --set seed=7 -o seed7.h5
reference_seed7="$(digest_of seed7.h5)"

# Run A: frozen (SIGSTOP) as it starts its third task, two tasks journaled: alive, lock held.
OMP_NUM_THREADS=1 TRUSTSIM_TEST_FAULT=0:task:3:stop "$trustsim" run "$scenario" "${small[@]}" \
  -o g.h5 >a.log 2>&1 &
a_pid=$!
for _ in $(seq 1 600); do
  [ "$(cut -d" " -f3 "/proc/$a_pid/stat")" = T ] && break
  sleep 0.05
done
[ "$(cut -d" " -f3 "/proc/$a_pid/stat")" = T ] || fail "run A did not reach its third task"
[ -e g.h5.lock ] || fail "run A holds no lock"
journal_inode=$(stat -c %i g.h5.journal)
journal_bytes=$(stat -c %s g.h5.journal)

for flags in "--force" "--resume" "--resume --force" ""; do
  status=0
  # shellcheck disable=SC2086  # the flags are words
  "$trustsim" run "$scenario" "${small[@]}" --set seed=7 -o g.h5 $flags 2>b.log || status=$?
  [ "$status" -eq 2 ] || { cat b.log; fail "B ($flags): exit $status while A runs, expected 2"; }
  grep -q "a run is in progress on this output: pid $a_pid on host $(hostname)" b.log ||
    { cat b.log; fail "B ($flags): no 'in progress' message naming A"; }
  [ "$(stat -c %i g.h5.journal)" = "$journal_inode" ] &&
    [ "$(stat -c %s g.h5.journal)" = "$journal_bytes" ] || fail "B ($flags) touched A's journal"
done
echo "ok: a second run is refused while the first is live"

kill -KILL "$a_pid"
wait "$a_pid" 2>/dev/null || true
[ -e g.h5.lock ] || fail "a SIGKILLed run left no lock (test premise)"
[ ! -e g.h5 ] || fail "the killed run wrote a result file"

# A's own command, resumed: the dead run's lock is taken over, the digest is A's.
OMP_NUM_THREADS=1 "$trustsim" run "$scenario" "${small[@]}" -o g.h5 --resume 2>resume.log
grep -q "took over the lock of a run that is no longer alive (pid $a_pid" resume.log ||
  { cat resume.log; fail "no note about the stale lock"; }
[ ! -e g.h5.lock ] && [ ! -e g.h5.journal ] || fail "lock or journal left after the resumed run"
expect_same_digest g.h5 "$reference" "killed run resumed after its lock was taken over"

# The original failure: B with --force and another seed after A died mid-run.
OMP_NUM_THREADS=1 TRUSTSIM_TEST_FAULT=0:task:3:kill \
  "$trustsim" run "$scenario" "${small[@]}" -o h.h5 2>/dev/null || true
[ -e h.h5.lock ] && [ -e h.h5.journal ] || fail "the killed run left no lock or journal"
OMP_NUM_THREADS=1 "$trustsim" run "$scenario" "${small[@]}" --set seed=7 -o h.h5 --force \
  2>/dev/null
expect_same_digest h.h5 "$reference_seed7" "--force after a dead run writes only its own results"
status=0
"$trustsim" run "$scenario" "${small[@]}" -o h.h5 --resume 2>h.log || status=$?
[ "$status" -eq 2 ] || fail "resume with no journal: exit $status, expected 2"
grep -q "nothing to resume" h.log || { cat h.log; fail "resume with no journal: message"; }
expect_same_digest reference.h5 "$reference" "reference untouched"
