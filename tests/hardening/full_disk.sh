#!/usr/bin/env bash
# A file system that fills up during the final write: exit 1 (no signal), a clear message,
# the journal kept, no temporary file left, an existing result file untouched; the run then
# resumes once there is room. Uses a small tmpfs when this user may mount one (root in a
# container), else an injected write failure: a file-size limit (ulimit -f) that the result
# file exceeds and the journal does not (EFBIG instead of ENOSPC; the same code path).
source "$(dirname "$0")/../mpi/common.sh"
base=("${small[@]:0:8}" --quiet)  # the small scenario without its --replications
trap 'umount "$work/disk" 2>/dev/null || true; rm -rf "$work"' EXIT

run_small() { OMP_NUM_THREADS=1 "$trustsim" run "$scenario" "${base[@]}" --replications 2 "$@"; }
run_small -o reference.h5
reference="$(digest_of reference.h5)"
size=$(stat -c %s reference.h5)

mkdir disk
tmpfs=0
if mount -t tmpfs -o size=$((size * 3 / 5)) tmpfs disk 2>/dev/null; then
  tmpfs=1
  echo "full disk simulated by a small tmpfs (ENOSPC)"
else
  echo "full disk simulated by a file-size limit, ulimit -f (EFBIG: no permission to mount)"
fi

write_full() {  # ARGS...: the small run into disk/, which has room for the journal only
  if ((tmpfs)); then
    run_small "$@"
  else  # SIGXFSZ ignored, so the write fails with EFBIG instead of killing the process
    (ulimit -f $((size * 3 / 5 / 1024)); trap '' XFSZ; run_small "$@")
  fi
}

status=0
write_full -o disk/r.h5 2>full.log || status=$?
[ "$status" -eq 1 ] || { cat full.log; fail "full disk: exit $status, expected 1"; }
grep -q -E "No space left on device|File too large" full.log ||
  { cat full.log; fail "full disk: message does not say why"; }
grep -q -- "--resume" full.log || { cat full.log; fail "full disk: message does not say how to resume"; }
[ "$(wc -l <full.log)" -eq 1 ] || { cat full.log; fail "full disk: more than one line"; }
[ -e disk/r.h5.journal ] || fail "full disk: the journal was lost"
[ ! -e disk/r.h5 ] || fail "full disk: a result file was left"
[ -z "$(ls -A disk | grep -v '^r.h5.journal$')" ] || { ls -la disk; fail "full disk: leftovers"; }
echo "ok: a full disk at the final write is exit 1 with the journal kept"

# Under mpirun the same failure is exit 1 too.
if ((tmpfs)); then
  status=0
  OMP_NUM_THREADS=1 launch 2 "$trustsim" run "$scenario" "${base[@]}" --replications 2 \
    -o disk/m.h5 2>mpi.log || status=$?
  [ "$status" -eq 1 ] || { cat mpi.log; fail "full disk under mpirun: exit $status, expected 1"; }
  rm -f disk/m.h5.journal
  echo "ok: under mpirun too"
fi

# Room again: the resumed run writes the uninterrupted result.
((tmpfs == 0)) || mount -o remount,size=$((size * 4)) disk
run_small -o disk/r.h5 --resume
expect_same_digest disk/r.h5 "$reference" "resumed after the disk had room again"

# An existing result file survives a failed replacement.
if ((tmpfs)); then
  mount -o remount,size=$((size * 8 / 5)) disk
  status=0
  run_small -o disk/r.h5 --force --set seed=5 2>/dev/null || status=$?
  [ "$status" -eq 1 ] || fail "replacement on a full disk: exit $status, expected 1"
  expect_same_digest disk/r.h5 "$reference" "the existing file survives a failed replacement"
fi
