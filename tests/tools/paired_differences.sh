#!/usr/bin/env bash
# tools/paired_differences.py against the engine: read against the
# baseline, its paired differences and 95% intervals are the run's own
# contrasts (/analysis/contrasts, Student-t on paired differences), to the
# 6 significant digits it prints; against another arm, the difference
# between two arms is the difference of their contrasts; a bad arm or file
# is a one-line error with a nonzero exit, never a traceback.
# Usage: paired_differences.sh TRUSTSIM PYTHON3 SOURCE_DIR
set -euo pipefail
trustsim="$1" python="$2" source_dir="$3"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
tool="$source_dir/tools/paired_differences.py"

"$trustsim" run "$source_dir/tests/robustness/small.yaml" --replications 4 --quiet \
  -o "$work/r.h5" 2>/dev/null
"$python" "$tool" "$work/r.h5" --against baseline --columns suspensions,gmv,mean_trust \
  >"$work/vs_baseline.txt"
"$python" "$tool" "$work/r.h5" --against odr_0.8pct --columns suspensions,gmv,mean_trust \
  >"$work/vs_candidate.txt"
"$python" - "$work" "$source_dir/tools" <<'PY'
import math, re, sys
work, tools = sys.argv[1], sys.argv[2]
sys.path.insert(0, tools)
import h5py
from trustsim_results import read_table

def parsed(path):
    """{(arm, column): (arm mean, difference, lo, hi)} from the tool's output."""
    out, arm = {}, None
    for line in open(path):
        m = re.match(r"^(\S+) \(n = (\d+) paired replications\)$", line)
        if m:
            arm = m.group(1)
            continue
        m = re.match(r"^  (\S+)\s+(\S+)\s+(\S+) \[(\S+), (\S+)\]$", line)
        if m:
            out[(arm, m.group(1))] = tuple(float(x) for x in m.groups()[1:])
    return out

def close(a, b, what):
    if not math.isclose(a, b, rel_tol=1e-5, abs_tol=1e-9):
        sys.exit(f"FAIL: {what}: tool {a} vs engine {b}")

with h5py.File(f"{work}/r.h5", "r") as f:
    contrasts = read_table(f, "/analysis/contrasts")
    metrics = read_table(f, "/lookup/metrics")
names = dict(zip(metrics["metric_id"], metrics["name"]))
contrasts["metric"] = contrasts["metric_id"].map(names)
tool = parsed(f"{work}/vs_baseline.txt")
checked = 0
for column in ["suspensions", "gmv", "mean_trust"]:
    row = contrasts[(contrasts["arm_id"] == 1) & (contrasts["metric"] == column)].iloc[0]
    mean, diff, lo, hi = tool[("odr_0.8pct", column)]
    close(mean, row["mean_arm"], f"{column} arm mean")
    close(diff, row["mean_diff"], f"{column} difference")
    close(lo, row["ci_lo"], f"{column} interval low")
    close(hi, row["ci_hi"], f"{column} interval high")
    checked += 1
    # Against the candidate, the baseline's difference is the contrast negated.
    mean_b, diff_b, lo_b, hi_b = parsed(f"{work}/vs_candidate.txt")[("baseline", column)]
    close(diff_b, -row["mean_diff"], f"{column} reversed difference")
    close(lo_b, -row["ci_hi"], f"{column} reversed interval")
if checked != 3:
    sys.exit("FAIL: not every column checked")
PY

out="$("$python" "$tool" "$work/r.h5" --against nobody 2>&1)" && fail "an unknown arm was accepted"
grep -q "no arm 'nobody'; arms: baseline, odr_0.8pct" <<<"$out" || fail "unclear message: $out"
out="$("$python" "$tool" "$work/missing.h5" --against baseline 2>&1)" && fail "a missing file was accepted"
grep -q "not a readable trustsim result file" <<<"$out" || fail "unclear message: $out"
grep -q "Traceback" <<<"$out" && fail "a traceback: $out"
echo "paired_differences: ok"
