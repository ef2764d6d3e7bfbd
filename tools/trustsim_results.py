#!/usr/bin/env python3
"""Load a trustsim result file into pandas, labels joined: one line away.

    import sys; sys.path.insert(0, "tools")          # or PYTHONPATH=tools
    import trustsim_results as tr

    results = tr.open_results("quickstart.h5")        # checked: a complete trustsim file
    results.tables()                                  # ['/analysis/contrasts', '/summary', ...]
    summary = results.table("/summary")               # long: one row per task, arm and metric
    contrasts = results.table("analysis/contrasts")   # arm and metric names beside the ids
    wide = results.table("/summary", long=False)      # one column per metric, labels joined
    results.attrs["results_digest"], results.scenario # provenance, the resolved scenario

    tr.load("quickstart.h5", "/timeseries")           # the same in one call

Long format: every column that says which row it is (ids, replication, day,
week, seller, series) stays, with what the lookups call each id joined
beside it:
- arm_id -> arm, metric_id -> metric (and unit), cohort_id -> cohort;
- point_id -> the swept parameters' values, one column per parameter;
- parameter_id -> parameter (the swept key, in /analysis/sobol);
- task_id -> point_id and replication (and the parameters) where the table
  lacks them;
- policy_outcome_id -> policy (its index), policy_kind, policy_name, outcome.
A table that already has one row per metric or policy outcome
(/analysis/contrasts, /policy_outcomes) keeps its values as columns; any
other table's measured columns become rows of `metric` and `value`.

The file is checked before h5py reads it: the checksum block trustsim writes
(a truncated or changed file is refused), the format and the schema version.
Every refusal is a ResultFileError with a message naming the file; as a
command, it prints that message and exits 2:

    python3 tools/trustsim_results.py RESULTS.h5 [TABLE] [--wide] [--csv]

Needs h5py and pandas (Debian: python3-h5py python3-pandas).
"""

import argparse
import hashlib
import os
import sys

import h5py
import pandas as pd

SCHEMA_VERSION = 2  # the result file layout this module reads (kResultSchemaVersion)
_USER_BLOCK = 512
_CHECKSUM_HEADER = b"trustsim results checksum 1\n"
# Columns that say which row a row is, not what was measured there.
_KEY_COLUMNS = {"replication", "day", "week", "seller", "buyer", "series", "policy"}


class ResultFileError(Exception):
    """A file that is not a complete trustsim result file this module can read."""


def _text(value):
    """Strings come back from h5py as bytes; decode them (the file stores UTF-8)."""
    return value.decode("utf-8") if isinstance(value, bytes) else value


def _is_key(column):
    return column.endswith("_id") or column in _KEY_COLUMNS


def check_file(path):
    """Raise ResultFileError unless `path` is a whole, unchanged trustsim result file."""
    if os.path.isdir(path):
        raise ResultFileError(f"cannot read results from '{path}': it is a directory")
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as error:
        raise ResultFileError(f"cannot read results from '{path}': {error.strerror}") from None
    if not data.startswith(_CHECKSUM_HEADER):
        raise ResultFileError(f"cannot read results from '{path}': not a trustsim result file")
    block = data[:_USER_BLOCK].split(b"\0", 1)[0].decode("ascii", "replace")
    fields = dict(line.split("=", 1) for line in block.splitlines()[1:] if "=" in line)
    body = data[_USER_BLOCK:]
    if str(len(body)) != fields.get("bytes"):
        raise ResultFileError(
            f"cannot read results from '{path}': the file is truncated or was changed after "
            f"trustsim wrote it ({len(body)} bytes follow its checksum block, which says "
            f"{fields.get('bytes')})")
    if hashlib.sha256(body).hexdigest() != fields.get("sha256"):
        raise ResultFileError(
            f"cannot read results from '{path}': its checksum does not match: the file was "
            f"damaged or changed after trustsim wrote it")


def read_table(h5file, path):
    """The table at group `path` as stored: a DataFrame, columns in the stored order."""
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


class Results:
    """An open result file: its tables with labels joined, its provenance and scenario."""

    def __init__(self, path):
        self.path = path
        check_file(path)
        try:
            self._file = h5py.File(path, "r")
        except OSError as error:
            raise ResultFileError(f"cannot read results from '{path}': {error}") from None
        self.attrs = {key: _text(value) for key, value in self._file.attrs.items()}
        if self.attrs.get("format") != "trustsim-results":
            self.close()
            raise ResultFileError(f"cannot read results from '{path}': not a trustsim result file")
        version = self.attrs.get("schema_version")
        if version != SCHEMA_VERSION:
            self.close()
            raise ResultFileError(
                f"cannot read results from '{path}': its schema_version is {version}; this "
                f"module reads version {SCHEMA_VERSION}")
        self.scenario = _text(self._file["/config/scenario"][()])
        self._cache = {}

    def close(self):
        self._file.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def tables(self):
        """Every table's path, in name order."""
        paths = []

        def visit(name, obj):
            if isinstance(obj, h5py.Group) and "columns" in obj.attrs:
                paths.append("/" + name)
        self._file.visititems(visit)
        return sorted(paths)

    def raw(self, path):
        """A table exactly as stored (ids, no labels)."""
        path = "/" + path.strip("/")
        if path not in self._cache:
            if path not in self.tables():
                raise ResultFileError(
                    f"'{self.path}' has no table {path} (it has: {', '.join(self.tables())})")
            self._cache[path] = read_table(self._file, path)
        return self._cache[path]

    def _has(self, path):
        return "/" + path.strip("/") in self.tables()

    def _labels(self, frame):
        """`frame` with what the lookups call each id joined beside it."""
        out = self._joined(frame)
        # Each id's labels right after it; then the rest in the stored order.
        beside = {"task_id": ["point_id", "replication"], "arm_id": ["arm"],
                  "cohort_id": ["cohort"], "metric_id": ["metric", "unit"],
                  "parameter_id": ["parameter"],
                  "policy_outcome_id": ["policy", "policy_kind", "outcome", "unit"]}
        if "point_id" in out and self._has("/lookup/points"):
            beside["point_id"] = [c for c in self.raw("/lookup/points").columns if c != "point_id"]
        order = []
        for column in frame.columns:
            for c in [column] + beside.get(column, []):
                if c in out and c not in order:
                    order.append(c)
        return out[order + [c for c in out.columns if c not in order]]

    def _joined(self, frame):
        out = frame
        if "task_id" in out and self._has("/runs") and not (
                "point_id" in out and "replication" in out):
            tasks = self.raw("/runs")[["task_id", "point_id", "replication"]].drop_duplicates()
            out = out.merge(tasks, on="task_id", how="left")
        if "point_id" in out and self._has("/lookup/points"):
            points = self.raw("/lookup/points")
            out = out.merge(points, on="point_id", how="left")
        for id_column, lookup, label in (("arm_id", "/lookup/arms", "arm"),
                                         ("cohort_id", "/lookup/cohorts", "cohort")):
            if id_column in out and self._has(lookup):
                names = self.raw(lookup)[[id_column, "name"]].rename(columns={"name": label})
                out = out.merge(names, on=id_column, how="left")
        if "metric_id" in out and self._has("/lookup/metrics"):
            metrics = self.raw("/lookup/metrics")[["metric_id", "name", "unit"]].rename(
                columns={"name": "metric"})
            out = out.merge(metrics, on="metric_id", how="left")
        if "parameter_id" in out and self._has("/lookup/parameters"):
            keys = self.raw("/lookup/parameters")[["parameter_id", "key"]].rename(
                columns={"key": "parameter"})
            out = out.merge(keys, on="parameter_id", how="left")
        if "policy_outcome_id" in out and self._has("/lookup/policy_outcomes"):
            outcomes = self.raw("/lookup/policy_outcomes")[
                ["policy_outcome_id", "policy", "kind", "name", "unit"]].rename(
                    columns={"kind": "policy_kind", "name": "outcome"})
            out = out.merge(outcomes, on="policy_outcome_id", how="left")
        return out

    def table(self, path, long=True):
        """A table with labels joined; long (one measured value per row) unless long=False."""
        frame = self.raw(path)
        keys = [c for c in frame.columns if _is_key(c) or frame[c].dtype == object]
        measured = [c for c in frame.columns if c not in keys]
        already_long = "metric_id" in frame or "policy_outcome_id" in frame
        if long and measured and not already_long and not path.strip("/").startswith("lookup"):
            frame = frame.melt(id_vars=keys, value_vars=measured, var_name="metric",
                               value_name="value")
            if self._has("/lookup/metrics"):
                units = self.raw("/lookup/metrics")[["name", "unit"]].rename(
                    columns={"name": "metric"})
                frame = frame.merge(units, on="metric", how="left")
        if path.strip("/").startswith("lookup"):
            return frame  # the labels themselves
        return self._labels(frame)


def open_results(path):
    """Open and check a result file (a Results; use it in a `with` block or close() it)."""
    return Results(path)


def load(path, table, long=True):
    """One table of a result file as a DataFrame with labels joined (see Results.table)."""
    with Results(path) as results:
        return results.table(table, long=long)


def contrasts_with_names(h5file):
    """/analysis/contrasts with the arm and metric names beside their ids (an open h5py file)."""
    contrasts = read_table(h5file, "/analysis/contrasts")
    arms = read_table(h5file, "/lookup/arms")[["arm_id", "name"]].rename(columns={"name": "arm"})
    metrics = read_table(h5file, "/lookup/metrics")[["metric_id", "name"]].rename(
        columns={"name": "metric"})
    joined = contrasts.merge(arms, on="arm_id", how="left").merge(metrics, on="metric_id",
                                                                   how="left")
    first = [c for c in ("point_id", "arm_id", "arm", "metric_id", "metric") if c in joined]
    return joined[first + [c for c in joined.columns if c not in first]]


def main(argv):
    parser = argparse.ArgumentParser(
        description="Print a table of a trustsim result file, labels joined.")
    parser.add_argument("results", help="result file (.h5)")
    parser.add_argument("table", nargs="?", default="/analysis/contrasts",
                        help="table path (default /analysis/contrasts)")
    parser.add_argument("--wide", action="store_true", help="one column per measured value")
    parser.add_argument("--csv", action="store_true", help="CSV on standard output")
    args = parser.parse_args(argv[1:])
    try:
        frame = load(args.results, args.table, long=not args.wide)
    except ResultFileError as error:
        print(f"trustsim_results: error: {error}", file=sys.stderr)
        return 2
    if args.csv:
        frame.to_csv(sys.stdout, index=False)
    else:
        with pd.option_context("display.max_rows", 200, "display.max_columns", None,
                               "display.width", 200):
            print(frame)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
