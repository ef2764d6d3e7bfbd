#!/usr/bin/env bash
# trustsim report in a real browser: for a four-arm run with cohorts and a
# seller panel, a grid sweep with precision targets, a Saltelli sweep with
# Sobol indices and a calibration, the HTML file references nothing outside
# itself; headless Chromium (Debian's chromium) opens it offline with no
# console message, every chart draws
# (the page's own count after load), every number of the contrasts table is
# the HDF5 file's value (exactly, in data-value; to 4 significant digits on
# screen), and a screenshot of each is kept in ARTIFACTS. Bad files: exit 2
# and no report. Usage: report.sh TRUSTSIM PYTHON3 SOURCE_DIR ARTIFACTS
set -euo pipefail
trustsim="$(realpath "$1")" python="$2" source_dir="$(realpath "$3")" artifacts="$(realpath -m "$4")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
browser="$(command -v chromium || true)"
[ -n "$browser" ] || fail "chromium is not installed (tools/setup.sh installs it for the test presets)"
mkdir -p "$artifacts"
# Headless Chromium, offline (no proxy reachable), with a profile of its own
# for each run (a profile a previous run still holds can keep the next one
# waiting). A run that times out is tried once more, afresh, and says so.
# Usage: browse NAME STDOUT STDERR CHROMIUM-ARGUMENTS...
browse() {
  local profile="$work/profile-$1" out="$2" err="$3" status
  shift 3
  for try in 1 2; do
    status=0
    timeout 90 "$browser" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
      --user-data-dir="$profile-$try" --proxy-server=127.0.0.1:9 "$@" >"$out" 2>"$err" \
      || status=$?
    [ "$status" = 124 ] || return "$status"
    echo "report.sh: chromium timed out after 90 s on $*, try $try of 2" >&2
  done
  return 124
}

"$trustsim" run "$source_dir/tests/data/every-policy-kind.yaml" --quiet -o kinds.h5 --threads 2 \
  >/dev/null 2>&1
"$trustsim" run "$source_dir/scenarios/odr-threshold-study.yaml" --quiet -o sweep.h5 \
  --set population.sellers.count=200 --set population.buyers.count=5000 --set warmup_days=30 \
  --set horizon_days=60 --set precision.min_replications=2 --set precision.max_replications=2 \
  --set precision.batch=2 --threads 2 >/dev/null 2>&1
# A Saltelli sweep (points spread over two parameters, with Sobol indices).
"$trustsim" run "$source_dir/tests/data/saltelli-small.yaml" --quiet -o saltelli.h5 --threads 2 >/dev/null 2>&1
OMP_NUM_THREADS=1 "$trustsim" calibrate "$source_dir/tests/calibration/recovery.yaml" \
  --set calibration.budget=8 -o cal.h5 --quiet >/dev/null 2>&1

for name in kinds sweep saltelli cal; do
  "$trustsim" report "$name.h5" -o "$name.html" >/dev/null || fail "report $name exited $?"
  # Self-contained: no script, style, image or font from anywhere else.
  if grep -Eio '(src|href)=["'"'"'][^"'"'"'#]+' "$name.html" | head -1 | grep -q .; then
    fail "$name.html loads something from outside: $(grep -Eio '(src|href)=["'"'"'][^"'"'"'#]+' "$name.html" | head -3)"
  fi
  # (url(#id) is an SVG's reference to its own clip path.)
  if grep -Eqi '<link|@import|url\([^#]' "$name.html"; then fail "$name.html links a resource"; fi
  # Offline: no network at all, a fresh profile, the page's script run before the DOM is dumped.
  browse "$name-dom" "$name.dom" "$name.console" --enable-logging=stderr --v=0 \
    --virtual-time-budget=5000 --dump-dom "file://$work/$name.html" \
    || fail "chromium exited $? on $name.html: $(tail -3 "$name.console")"
  if grep -q "CONSOLE" "$name.console"; then
    fail "console messages on $name.html: $(grep CONSOLE "$name.console" | head -5)"
  fi
  browse "$name-shot" /dev/null "$name.shot" --hide-scrollbars --window-size=1100,2400 \
    --screenshot="$artifacts/report-$name.png" "file://$work/$name.html" \
    || fail "chromium could not take a screenshot of $name.html (exit $?): $(tail -3 "$name.shot")"
  [ -s "$artifacts/report-$name.png" ] || fail "no screenshot of $name.html"
done

"$python" - "$work" <<'PY'
import html.parser, math, re, sys
import h5py

work = sys.argv[1]
expected_charts = {
    "kinds": ["chart-forest", "chart-series-mean_trust", "chart-series-repeat_order_share",
              "chart-series-orders",
              "chart-series-odr_defects_per_1k_orders", "chart-series-churned_buyers",
              "chart-series-suspensions", "chart-series-warnings", "chart-cohorts"],
    "sweep": ["chart-forest", "chart-series-mean_trust", "chart-cohorts", "chart-sweep"],
    "saltelli": ["chart-forest", "chart-sweep", "chart-sobol"],
    "cal": ["chart-calibration"],
}


class Dom(html.parser.HTMLParser):
    """Charts (figure ids with an svg inside), and the contrasts table's rows."""

    def __init__(self):
        super().__init__()
        self.figure = None
        self.charts = {}
        self.rows = []
        self.in_contrasts = False
        self.cell = None
        self.root = {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "html":
            self.root = a
        if tag == "figure":
            self.figure = a.get("id")
            self.charts[self.figure] = 0
        if tag == "svg" and self.figure:
            self.charts[self.figure] += 1
        if tag == "table":
            self.in_contrasts = a.get("id") == "contrasts"
        if tag == "tr" and self.in_contrasts and "data-arm" in a:
            self.rows.append({"key": (int(a["data-point"]), a["data-arm"], a["data-metric"]),
                              "cells": []})
        if tag == "td" and self.in_contrasts and self.rows:
            self.cell = [a.get("data-value"), ""]
            self.rows[-1]["cells"].append(self.cell)

    def handle_endtag(self, tag):
        if tag == "figure":
            self.figure = None
        if tag == "table":
            self.in_contrasts = False
        if tag == "td":
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell[1] += data


def text(values):
    return [v.decode() if isinstance(v, bytes) else v for v in values]


for name, charts in expected_charts.items():
    dom = Dom()
    dom.feed(open(f"{work}/{name}.dom", encoding="utf-8").read())
    drawn = dom.root.get("data-charts-drawn", "")
    count = len(dom.charts)
    assert drawn == f"{count}/{count}", f"{name}: charts drawn {drawn!r} of {count}"
    for chart in charts:
        assert dom.charts.get(chart) == 1, f"{name}: chart {chart} missing or without its svg"
    with h5py.File(f"{work}/{name}.h5", "r") as f:
        if "analysis/contrasts" not in f:
            assert not dom.rows, name
            continue
        arms = dict(zip(f["lookup/arms/arm_id"][:], text(f["lookup/arms/name"][:])))
        metrics = dict(zip(f["lookup/metrics/metric_id"][:], text(f["lookup/metrics/name"][:])))
        c = f["analysis/contrasts"]
        stored = {}
        for i in range(len(c["point_id"])):
            key = (int(c["point_id"][i]), arms[c["arm_id"][i]], metrics[c["metric_id"][i]])
            stored[key] = [float(c[col][i]) for col in
                           ("mean_baseline", "mean_arm", "mean_diff", "ci_lo", "ci_hi",
                            "p_adjusted")] + [int(c["n"][i])]
    assert len(dom.rows) == len(stored), f"{name}: {len(dom.rows)} table rows, {len(stored)} stored"
    for row in dom.rows:
        want = stored[row["key"]]
        # Cells: point, arm, metric, baseline, arm, difference, lo, hi, p, n (, precision).
        got = row["cells"][3:10]
        for (value, shown), expected in zip(got, want):
            if isinstance(expected, float) and math.isnan(expected):
                assert value == "nan" and shown == "n/a", (name, row["key"], value, shown)
                continue
            assert float(value) == expected, (name, row["key"], value, expected)
            assert math.isclose(float(shown), expected, rel_tol=5e-4, abs_tol=1e-300), \
                (name, row["key"], shown, expected)
print("ok: every report opens offline, draws every chart, and its numbers are the file's")
PY

# Bad input: exit 2, a message naming the file, no report left behind.
printf 'just some text\n' >text.h5
mkdir folder.h5
head -c 5000 kinds.h5 >truncated.h5
for bad in text.h5 folder.h5 truncated.h5 missing.h5; do
  status=0
  "$trustsim" report "$bad" -o bad.html 2>err.txt || status=$?
  [ "$status" = 2 ] || fail "report $bad exited $status, not 2"
  grep -q "$bad" err.txt || fail "report $bad: $(cat err.txt)"
  [ ! -e bad.html ] || fail "report $bad left bad.html"
done
# A Python without the report's modules (site-packages off): exit 1, one line
# that says what to install, no traceback, no report.
printf '#!/bin/sh\nexec %s -S "$@"\n' "$python" >bare-python
chmod +x bare-python
status=0
TRUSTSIM_PYTHON="$work/bare-python" "$trustsim" report kinds.h5 -o bare.html 2>err.txt || status=$?
[ "$status" = 1 ] || fail "report with a bare Python exited $status, not 1"
grep -q "python3-matplotlib" err.txt || fail "report with a bare Python: $(cat err.txt)"
if grep -q Traceback err.txt; then fail "report with a bare Python printed a traceback"; fi
[ ! -e bare.html ] || fail "report with a bare Python left bare.html"
# An existing report is not replaced without --force.
status=0
"$trustsim" report kinds.h5 -o kinds.html 2>err.txt || status=$?
[ "$status" = 2 ] || fail "an existing report was replaced (exit $status)"
echo "ok"
