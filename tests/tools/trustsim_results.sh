#!/usr/bin/env bash
# tools/trustsim_results.py, the importable loader: every table of four
# result files (a grid sweep with precision targets; every policy kind with
# seller and buyer panels; a Saltelli sweep with Sobol indices; a
# calibration) loads long and wide, with every id's label
# joined (none missing), and the long values are the stored values, row for
# row; bad files are a ResultFileError (exit 2 as a command), never a
# traceback. With R and r-cran-hdf5r installed, the R example in
# tools/examples prints the same contrasts. Usage: trustsim_results.sh TRUSTSIM PYTHON3 SOURCE_DIR
set -euo pipefail
trustsim="$1" python="$2" source_dir="$3"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$trustsim" run "$source_dir/scenarios/odr-threshold-study.yaml" --quiet -o "$work/sweep.h5" \
  --set population.sellers.count=200 --set population.buyers.count=5000 --set warmup_days=30 \
  --set horizon_days=60 --set precision.min_replications=2 --set precision.max_replications=2 \
  --set precision.batch=2 --threads 2 >/dev/null 2>&1
"$trustsim" run "$source_dir/tests/data/every-policy-kind.yaml" --quiet -o "$work/kinds.h5" \
  --set outputs.buyer_events=0.05 --threads 2 >/dev/null 2>&1

"$trustsim" run "$source_dir/tests/data/saltelli-small.yaml" --quiet -o "$work/saltelli.h5" --threads 2 >/dev/null 2>&1
OMP_NUM_THREADS=1 "$trustsim" calibrate "$source_dir/tests/calibration/recovery.yaml" \
  --set calibration.budget=8 -o "$work/cal.h5" --quiet >/dev/null 2>&1

PYTHONPATH="$source_dir/tools" "$python" - "$work" <<'PY'
import hashlib, os, sys
import h5py
import numpy as np
import trustsim_results as tr

work = sys.argv[1]
seen = set()
for name in ("sweep.h5", "kinds.h5", "saltelli.h5", "cal.h5"):
    with tr.open_results(os.path.join(work, name)) as results:
        assert results.attrs["format"] == "trustsim-results"
        assert "policies:" in results.scenario
        for path in results.tables():
            seen.add(path)
            raw = results.raw(path)
            wide = results.table(path, long=False)
            long = results.table(path)
            assert len(wide) == len(raw), (name, path, len(wide), len(raw))
            # Every id has its label, and no label is missing.
            for id_column, label in (("arm_id", "arm"), ("cohort_id", "cohort"),
                                     ("metric_id", "metric"), ("parameter_id", "parameter"),
                                     ("policy_outcome_id", "outcome")):
                if id_column in raw and not path.startswith("/lookup"):
                    assert label in long and long[label].notna().all(), (name, path, label)
            if "task_id" in raw and "/runs" in results.tables():
                assert long["replication"].notna().all(), (name, path)
            if "point_id" in raw and "/lookup/points" in results.tables():
                swept = [c for c in results.raw("/lookup/points").columns if c != "point_id"]
                assert swept and all(long[c].notna().all() for c in swept), (name, path)
            # Long holds each stored value once, in the stored row order per metric.
            if "metric" in long and "value" in long and "metric_id" not in raw:
                for column in raw.columns:
                    if column in long["metric"].values:
                        got = long.loc[long["metric"] == column, "value"].to_numpy(dtype=float)
                        want = raw[column].to_numpy(dtype=float)
                        assert np.array_equal(got, want, equal_nan=True), (name, path, column)
        contrasts = results.table("analysis/contrasts")
        assert {"arm", "metric", "unit", "mean_diff"} <= set(contrasts.columns)
for table in ("/summary", "/timeseries", "/cohort_summary", "/runs", "/policy_outcomes",
              "/panels/sellers", "/panels/buyer_events", "/analysis/contrasts",
              "/analysis/precision", "/lookup/points", "/lookup/parameters", "/analysis/sobol",
              "/calibration/moments", "/calibration/history", "/calibration/parameters"):
    assert table in seen, f"no file had {table}: the test does not cover it"

# Bad files: a clear ResultFileError each.
good = os.path.join(work, "kinds.h5")
data = open(good, "rb").read()
open(os.path.join(work, "truncated.h5"), "wb").write(data[: len(data) // 2])
open(os.path.join(work, "text.h5"), "wb").write(b"just some text\n")
with h5py.File(os.path.join(work, "plain.h5"), "w") as f:
    f.attrs["format"] = "something else"
# Another schema version, with a checksum block that matches (as a future trustsim would write).
with open(os.path.join(work, "body.h5"), "wb") as f:
    f.write(data)
with h5py.File(os.path.join(work, "body.h5"), "r+") as f:
    f.attrs["schema_version"] = 99
changed = open(os.path.join(work, "body.h5"), "rb").read()[512:]
block = (f"trustsim results checksum 1\nsha256={hashlib.sha256(changed).hexdigest()}\n"
         f"bytes={len(changed)}\n").encode().ljust(512, b"\0")
open(os.path.join(work, "schema99.h5"), "wb").write(block + changed)
expected = {"truncated.h5": "truncated", "text.h5": "not a trustsim result file",
            "plain.h5": "not a trustsim result file", "schema99.h5": "schema_version is 99",
            "missing.h5": "No such file", "": "is a directory"}
for name, words in expected.items():
    try:
        tr.load(os.path.join(work, name), "/summary")
    except tr.ResultFileError as error:
        assert words in str(error), (name, str(error))
    else:
        raise AssertionError(f"{name} was read")
try:
    tr.load(good, "/no/such/table")
except tr.ResultFileError as error:
    assert "has no table /no/such/table" in str(error), str(error)
print("ok: every table loads with labels joined; bad files refused")
PY

# As a command: a table, and exit 2 with one line for a bad file.
PYTHONPATH="$source_dir/tools" "$python" "$source_dir/tools/trustsim_results.py" "$work/kinds.h5" \
  /summary --csv >"$work/summary.csv"
head -1 "$work/summary.csv" | grep -q '^task_id,point_id,replication,arm_id,arm,metric,value,unit$' \
  || fail "CSV header: $(head -1 "$work/summary.csv")"
status=0
"$python" "$source_dir/tools/trustsim_results.py" "$work/truncated.h5" 2>"$work/err" || status=$?
[ "$status" = 2 ] || fail "a truncated file exits $status, not 2"
[ "$(wc -l <"$work/err")" = 1 ] && grep -q "truncated" "$work/err" || fail "message: $(cat "$work/err")"

# The R example, where R and hdf5r are installed.
if command -v Rscript >/dev/null && Rscript -e 'library(hdf5r)' >/dev/null 2>&1; then
  Rscript "$source_dir/tools/examples/read_results.R" "$work/kinds.h5" >"$work/r.csv"
  "$trustsim" summarize "$work/kinds.h5" --format csv >"$work/engine.csv"
  "$python" - "$work" <<'PY'
import sys
import numpy as np
import pandas as pd
work = sys.argv[1]
r = pd.read_csv(f"{work}/r.csv")
engine = pd.read_csv(f"{work}/engine.csv")
assert len(r) == len(engine), (len(r), len(engine))
for column in ("mean_baseline", "mean_arm", "ci_lo", "ci_hi", "p_adjusted"):
    # CSV text both ways: R prints 15 significant digits, the engine the shortest exact form.
    assert np.allclose(r[column], engine[column], rtol=1e-13, atol=0, equal_nan=True), column
assert list(r["arm"]) == list(engine["arm"]) and list(r["metric"]) == list(engine["metric"])
print("ok: the R example reads the same contrasts")
PY
else
  echo "R with hdf5r not installed: the R example is not checked"
fi
echo "ok"
