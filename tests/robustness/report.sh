#!/usr/bin/env bash
# tools/robustness.py on a small world: a variant that changes nothing (a
# parameter times 1) must keep every sign, reverse nothing and repeat the
# reference run's effects exactly; the counts cover every variant; a bad arm
# or key is exit 2 with a message.
# Usage: report.sh TRUSTSIM PYTHON3 SOURCE_DIR
set -euo pipefail
trustsim="$1" python="$2" source_dir="$3"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
tool="$source_dir/tools/robustness.py"
scenario="$source_dir/tests/robustness/small.yaml"

"$python" "$tool" --trustsim "$trustsim" --scenario "$scenario" --work "$work/runs" --threads 1 \
  --seeds 1 --parameters trust.loss_unresolved,trust.gain_per_good_order --factors 1,0.5 \
  --out "$work/report.md"
report="$work/report.md"
grep -q "^# Robustness of \`small.yaml\`: arm \`odr_0.8pct\` vs baseline$" "$report" ||
  { cat "$report"; fail "no title"; }
# 1 seed, 2 parameters x 2 factors.
grep -q "^| suspensions | .* | [01] of 1 | [01] | [0-4] of 4 | [0-4] | .* |$" "$report" ||
  { cat "$report"; fail "no suspensions row with 1 seed and 4 parameter variants"; }
reference="$(grep '^| reference |' "$report" | cut -d'|' -f3- || true)"
[ -n "$reference" ] || fail "no reference row"
for key in trust.loss_unresolved trust.gain_per_good_order; do
  same="$(grep "^| \`$key\` x1 " "$report" | cut -d'|' -f3- || true)"
  [ "$same" = "$reference" ] || fail "$key x1 differs from the reference: '$same' vs '$reference'"
done
# The x0.5 variants are real changes: at least one effect differs from the reference.
changed="$(grep "^| \`trust.loss_unresolved\` x0.5 " "$report" | cut -d'|' -f3- || true)"
[ -n "$changed" ] && [ "$changed" != "$reference" ] || fail "the x0.5 variant repeats the reference"

status=0
"$python" "$tool" --trustsim "$trustsim" --scenario "$scenario" --work "$work/runs" --threads 1 \
  --seeds 0 --parameters trust.loss_unresolved --factors 1 --reuse --arm nope 2>"$work/err" ||
  status=$?
[ "$status" -eq 2 ] || fail "an unknown arm: exit $status, expected 2"
grep -q "has no arm nope" "$work/err" || fail "message: $(cat "$work/err")"
status=0
"$python" "$tool" --trustsim "$trustsim" --scenario "$scenario" --work "$work/runs" --threads 1 \
  --seeds 0 --parameters trust.no_such_key --reuse 2>"$work/err" || status=$?
[ "$status" -eq 2 ] || fail "an unknown key: exit $status, expected 2"
grep -q "has no key trust.no_such_key" "$work/err" || fail "message: $(cat "$work/err")"
echo "ok: robustness report"
