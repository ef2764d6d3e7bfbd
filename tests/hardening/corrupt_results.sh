#!/usr/bin/env bash
# Files that are not valid results: `summarize` exits 2 with a clear message for every one,
# never a signal and never a hang (each call is bounded by timeout: 124 would be a hang).
# Bit flips at 40 spread positions (the checksum block, HDF5's superblock, object headers,
# heaps, compressed data), truncations, appended bytes, a file edited by h5py (retyped
# attributes and columns), a FIFO, a directory, an empty file and a plain HDF5 file.
source "$(dirname "$0")/../mpi/common.sh"

OMP_NUM_THREADS=1 "$trustsim" run "$scenario" "${small[@]}" -o good.h5
"$trustsim" summarize good.h5 >/dev/null || fail "a good file does not summarize"
size=$(stat -c %s good.h5)

expect_refused() {  # FILE WHAT PATTERN
  local status=0
  timeout 20 "$trustsim" summarize "$1" >out.txt 2>err.txt || status=$?
  [ "$status" -eq 2 ] || { cat err.txt; fail "$2: exit $status, expected 2"; }
  [ ! -s out.txt ] || { cat out.txt; fail "$2: printed part of a report"; }
  [ "$(wc -l <err.txt)" -eq 1 ] || { cat err.txt; fail "$2: not one line"; }
  grep -q -E "$3" err.txt || { cat err.txt; fail "$2: message does not match '$3'"; }
}

flipped=0
for i in $(seq 0 39); do
  # Positions spread over the file, and always a few in the first kilobyte.
  if [ "$i" -lt 8 ]; then offset=$((i * 97 + 13)); else offset=$(((i * 2654435761) % size)); fi
  cp good.h5 flip.h5
  byte=$(od -An -tu1 -j "$offset" -N1 flip.h5 | tr -d ' ')
  printf "$(printf '\\%03o' $((byte ^ (1 << (i % 8)))))" |
    dd of=flip.h5 bs=1 seek="$offset" conv=notrunc status=none
  expect_refused flip.h5 "bit flip at byte $offset" "cannot read results from 'flip.h5'"
  flipped=$((flipped + 1))
done
echo "ok: $flipped bit-flipped files refused with exit 2"

head -c $((size / 2)) good.h5 >half.h5
expect_refused half.h5 "truncated" "truncated, extended or was changed"
cp good.h5 longer.h5 && printf 'x' >>longer.h5
expect_refused longer.h5 "a byte appended" "truncated, extended or was changed"
: >empty.h5
expect_refused empty.h5 "empty" "the file is empty"
mkfifo fifo.h5
expect_refused fifo.h5 "a FIFO" "not a regular file"
mkdir dir.h5
expect_refused dir.h5 "a directory" "directory"
expect_refused missing.h5 "a missing file" "does not exist"
echo "ok: truncated, extended, empty, FIFO, directory and missing files refused"

# Edited with h5py (Debian's python3-h5py): the digest as an integer, a column as int64.
if /usr/bin/python3 -c "import h5py" 2>/dev/null; then
  cp good.h5 retyped.h5
  /usr/bin/python3 - <<'PY'
import h5py
with h5py.File("retyped.h5", "r+") as f:
    f.attrs["results_digest"] = 12345
    mean = f["analysis/contrasts/mean_arm"][...]
    del f["analysis/contrasts/mean_arm"]
    f["analysis/contrasts/mean_arm"] = mean.astype("int64")
PY
  expect_refused retyped.h5 "retyped by h5py" "changed after trustsim wrote it"
  /usr/bin/python3 - <<'PY'
import h5py
with h5py.File("plain.h5", "w") as f:
    f["x"] = [1, 2, 3]
PY
  expect_refused plain.h5 "a plain HDF5 file" "not a trustsim result file"
  echo "ok: files edited by another tool are refused"
fi

# Files crafted with a forged checksum, whose HDF5 structures make HDF5 1.10 itself overflow
# a buffer or leak (found by fuzzing, tests/data/crafted): HDF5 parses in a child process, so
# summarize ends with exit 0 (HDF5 read garbage without noticing) or 2, never a signal.
for crafted in "$source_dir"/tests/data/crafted/*.h5bin; do
  status=0
  timeout 60 "$trustsim" summarize "$crafted" >/dev/null 2>err.txt || status=$?
  [ "$status" -eq 0 ] || [ "$status" -eq 2 ] ||
    { cat err.txt; fail "crafted $(basename "$crafted"): exit $status, expected 0 or 2"; }
done
echo "ok: files crafted against HDF5 end without a signal"
