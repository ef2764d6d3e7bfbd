#!/usr/bin/env bash
# Runs every case in cases.txt and compares its results digest with digests.txt; names
# each case whose digest changed. With --update, writes the new digests instead.
#   bash tests/regression/check.sh TRUSTSIM_BINARY SOURCE_DIR [--update]
set -euo pipefail
trustsim="$(realpath "$1")"
source_dir="$(realpath "$2")"
update="${3:-}"
here="$source_dir/tests/regression"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

declare -A expected=()
if [ -f "$here/digests.txt" ]; then
  while read -r name digest; do
    [[ -z "$name" || "$name" == \#* ]] || expected["$name"]="$digest"
  done <"$here/digests.txt"
fi

failed=()
new="# Expected results digests of tests/regression/cases.txt (bash tools/regression.sh --update)"
while read -r name scenario args; do
  [[ -z "$name" || "$name" == \#* ]] && continue
  # shellcheck disable=SC2086  # the arguments are words
  OMP_NUM_THREADS=2 "$trustsim" run "$source_dir/$scenario" $args -o "$work/$name.h5" --quiet
  digest="$(h5dump -a /results_digest "$work/$name.h5" | sed -n 's/.*(0): "\([0-9a-f]*\)".*/\1/p')"
  new+=$'\n'"$name $digest"
  if [ "$update" = --update ]; then
    echo "$name $digest"
  elif [ "${expected[$name]:-}" != "$digest" ]; then
    echo "CHANGED: $name: digest $digest, expected ${expected[$name]:-(none recorded)}" >&2
    failed+=("$name")
  else
    echo "ok: $name $digest"
  fi
done <"$here/cases.txt"

if [ "$update" = --update ]; then
  printf '%s\n' "$new" >"$here/digests.txt"
  echo "wrote $here/digests.txt"
elif ((${#failed[@]})); then
  echo "results changed for: ${failed[*]}. If the change is meant to alter results, say so" \
    "in the commit and run: bash tools/regression.sh --update" >&2
  exit 1
fi
