#!/usr/bin/env bash
# Regenerates the fuzz_results seed corpus (fuzz/corpus/results/) with the given CLI, from the
# tiny scenarios in fuzz/result-seeds/. Run it again whenever the result file format changes:
#   bash fuzz/make_result_seeds.sh build/release/trustsim
# Every seed must stay small (under 200 KB): libFuzzer mutates whole files.
set -euo pipefail
cli="$(realpath "${1:?usage: fuzz/make_result_seeds.sh CLI_PATH}")"
cd "$(dirname "$0")"
out=corpus/results
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

for scenario in result-seeds/*.yaml; do
  name="$(basename "$scenario" .yaml)"
  # Sanitizer builds of the CLI are fine here; their leak reports (Open MPI) are not.
  ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0}" OMP_NUM_THREADS=1 \
    "$cli" run "$scenario" -o "$scratch/$name.h5" --threads 1 --quiet --force
done
# Replaced only once every file was written.
rm -rf "$out"
mkdir -p "$out"
for file in "$scratch"/*.h5; do  # no .h5 suffix: .gitignore ignores *.h5
  cp "$file" "$out/$(basename "$file" .h5)"
done

# Inputs that are not result files at all.
: >"$out/empty"
printf 'not an HDF5 file\n' >"$out/text"
printf '\211HDF\r\n\032\n' >"$out/hdf5-signature-only"  # the 8-byte HDF5 signature, nothing else
head -c 600 "$out/tiny" >"$out/tiny-truncated-600"   # the header, then nothing
head -c 4096 "$out/tiny" >"$out/tiny-truncated-4k"

for f in "$out"/*; do
  size=$(stat -c %s "$f")
  if ((size >= 200000)); then
    echo "make_result_seeds: $f is $size bytes (keep seeds under 200 KB)" >&2
    exit 1
  fi
done
ls -l "$out"
