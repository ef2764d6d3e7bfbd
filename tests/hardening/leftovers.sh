#!/usr/bin/env bash
# Links and leftovers: a journal path that is a symbolic link is never followed (the link's
# target is untouched, with --force too); an empty or header-only journal left by a failure
# does not block the next run; temporary files left by a killed run are removed by the next
# run on that output (plain or --resume); output names that cannot work are refused.
source "$(dirname "$0")/../mpi/common.sh"

run() { OMP_NUM_THREADS=1 "$trustsim" run "$scenario" "${small[@]}" "$@"; }
run -o reference.h5
reference="$(digest_of reference.h5)"

expect_exit() {  # CODE WHAT PATTERN COMMAND...
  local code="$1" what="$2" pattern="$3" status=0
  shift 3
  "$@" >out.txt 2>err.txt || status=$?
  [ "$status" -eq "$code" ] || { cat err.txt; fail "$what: exit $status, expected $code"; }
  grep -q -E -- "$pattern" err.txt || { cat err.txt; fail "$what: message does not match '$pattern'"; }
}

# A symlinked journal, with and without --force.
echo "precious" >precious.txt
ln -s precious.txt s.h5.journal
expect_exit 2 "symlinked journal" "symbolic link" run -o s.h5
expect_exit 2 "symlinked journal, --force" "symbolic link" run -o s.h5 --force
expect_exit 2 "symlinked journal, --resume" "symbolic link" run -o s.h5 --resume
[ "$(cat precious.txt)" = precious ] && [ -L s.h5.journal ] || fail "the link or its target changed"
[ ! -e s.h5 ] && [ ! -e s.h5.lock ] || fail "a symlinked journal left a result or a lock"
echo "ok: a symlinked journal is never followed"

# An empty and a header-only journal (a failure before the first task finished).
: >e.h5.journal
run -o e.h5 2>e.log
grep -q "a journal without any finished task" e.log || { cat e.log; fail "empty journal: no note"; }
expect_same_digest e.h5 "$reference" "a run over an empty journal"
printf 'trustsim resume journal 2\nconfig_sha256=' >h.h5.journal
run -o h.h5 --resume
expect_same_digest h.h5 "$reference" "--resume over a header-only journal"

# A killed run's temporary result file, and its lock, are cleaned up by the next run.
TRUSTSIM_TEST_FAULT=0:write:1:kill run -o k.h5 2>/dev/null || true
touch .k.h5.tmp.999999 .k.h5.probe.999998
[ -e k.h5.lock ] || fail "the killed run left no lock (test premise)"
run -o k.h5 --resume 2>k.log
grep -q "removed 2 temporary files left by an earlier run" k.log || { cat k.log; fail "no cleanup note"; }
[ -z "$(ls -A | grep '^\.k\.h5')" ] || { ls -la; fail "leftovers of k.h5 remain"; }
[ ! -e k.h5.lock ] && [ ! -e k.h5.journal ] || fail "lock or journal left after the run"
expect_same_digest k.h5 "$reference" "resumed after a kill before the write"
touch .k.h5.tmp.12345
run -o k2.h5 2>/dev/null
[ -e .k.h5.tmp.12345 ] || fail "a run on k2.h5 removed a file of k.h5"
echo "ok: leftovers of killed runs are removed, others' are not"

# Output names: empty, too long.
expect_exit 2 "-o ''" "result file name is empty" run -o ""
long="$(printf 'x%.0s' $(seq 1 250)).h5"
expect_exit 2 "a 253-byte name" "at most 200" run -o "$long"
[ -z "$(ls -A | grep '^\.\?xxxx')" ] || fail "a long name left files"
echo "ok: output names that cannot work are refused"
