#!/usr/bin/env bash
# tools/calibration_report.py turns a calibration's result file into Markdown
# (targets with source, reached value +- SE, distance; fitted parameters;
# sensitivity; the steady-state test; identification; a hand-written
# introduction), and refuses a run's result file with exit 2.
# Usage: report.sh TRUSTSIM PYTHON3 SOURCE_DIR
set -euo pipefail
trustsim="$1" python="$2" source_dir="$3"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }

OMP_NUM_THREADS=1 "$trustsim" calibrate "$source_dir/tests/calibration/recovery.yaml" \
  --set calibration.budget=8 --set 'calibration.moments[0].source=test source (AN)' \
  -o cal.h5 --quiet 2>/dev/null
printf 'Why these targets: a hand-written paragraph.\n' >intro.md
"$python" "$source_dir/tools/calibration_report.py" cal.h5 --title "Recovery" --intro intro.md \
  --out report.md
grep -q "^# Recovery$" report.md || fail "no title"
grep -q "^Why these targets: a hand-written paragraph.$" report.md || fail "no intro"
[ "$(grep -n '^Why these targets' report.md | cut -d: -f1)" -lt "$(grep -n '^## Targets' report.md |
  cut -d: -f1)" ] || fail "the intro is not before the targets"
grep -q "^## Steady state at the fit" report.md || { cat report.md; fail "no steady-state section"; }
grep -q "^| orders | .* | [0-9] of [0-9] |$" report.md || { cat report.md; fail "no orders MSER row"; }
grep -q "^| feedback | test source (AN) | 45 | 2 | " report.md || { cat report.md; fail "no feedback target row"; }
grep -q "^| \`orders.positive_feedback\` | \[0.005, 0.2\] | log | 0.015 | " report.md ||
  { cat report.md; fail "no fitted parameter row"; }
grep -q "^## Identification" report.md || fail "no identification section"

OMP_NUM_THREADS=1 "$trustsim" run "$source_dir/tests/calibration/recovery.yaml" -o run.h5 --quiet 2>/dev/null
status=0
"$python" "$source_dir/tools/calibration_report.py" run.h5 2>err.txt || status=$?
[ "$status" -eq 2 ] || fail "a run's result file: exit $status, expected 2"
grep -q "not a calibration's result file" err.txt || fail "message: $(cat err.txt)"
echo "ok: calibration report"
