#!/usr/bin/env python3
"""Read a trustsim HDF5 result file with h5py and pandas.

A worked example of the result-file contract (DESIGN.md, "Result file"): every
table is an HDF5 group holding one 1-D dataset per column, with the column
order in the group's ``columns`` attribute; labels live in /lookup tables and
are joined in by id.

Usage:
    python3 tools/read_results.py RESULTS.h5              # /analysis/contrasts with names
    python3 tools/read_results.py RESULTS.h5 TABLE_PATH   # any table, e.g. /summary

Needs h5py and pandas (Debian: python3-h5py python3-pandas).
"""

import sys

import h5py
import pandas as pd


def _text(value):
    """Strings come back from h5py as bytes; decode them (the file stores UTF-8)."""
    return value.decode("utf-8") if isinstance(value, bytes) else value


def read_table(h5file, path):
    """Return the table at group `path` as a DataFrame, columns in the stored order."""
    group = h5file[path]
    names = [_text(name) for name in group.attrs["columns"]]
    data = {}
    for name in names:
        dataset = group[name]
        if h5py.check_string_dtype(dataset.dtype) is not None:
            data[name] = [_text(value) for value in dataset[()]]
        else:
            data[name] = dataset[()]
    return pd.DataFrame(data, columns=names)


def write_text(text, path=None):
    """Write a report to `path`, or to standard output when no path is given."""
    if path:
        with open(path, "w") as out:
            out.write(text)
    else:
        sys.stdout.write(text)


def contrasts_with_names(h5file):
    """/analysis/contrasts with the arm and metric names joined in from /lookup."""
    contrasts = read_table(h5file, "/analysis/contrasts")
    arms = read_table(h5file, "/lookup/arms")[["arm_id", "name"]].rename(columns={"name": "arm"})
    metrics = read_table(h5file, "/lookup/metrics")[["metric_id", "name"]].rename(
        columns={"name": "metric"})
    joined = contrasts.merge(arms, on="arm_id", how="left").merge(metrics, on="metric_id",
                                                                   how="left")
    # Put the names next to the ids they label.
    first = [c for c in ("point_id", "arm_id", "arm", "metric_id", "metric") if c in joined]
    return joined[first + [c for c in joined.columns if c not in first]]


def main(argv):
    if len(argv) not in (2, 3):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    with h5py.File(argv[1], "r") as h5file:
        if _text(h5file.attrs.get("format")) != "trustsim-results":
            print(f"{argv[1]}: not a trustsim result file", file=sys.stderr)
            return 2
        table = contrasts_with_names(h5file) if len(argv) == 2 else read_table(h5file, argv[2])
    with pd.option_context("display.max_rows", 200, "display.max_columns", None,
                           "display.width", 200):
        print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
