#!/usr/bin/env python3
"""Paired differences of /summary outcomes against any arm of a result file.

The run's own contrasts (/analysis/contrasts, `trustsim summarize`) compare
each candidate with the baseline. A study often needs another comparator:
`scenarios/odr-tradeoff.yaml` reads each ODR threshold against the arm
without an ODR rule, which gives what each threshold prevents and costs.
This prints, for every other arm, the mean of the arm, and the mean paired
difference (arm minus comparator, over the replications both ran, paired by
task) with its 95% Student-t interval. No adjustment for multiple arms.

Usage:
    python3 tools/paired_differences.py RESULTS.h5 --against ARM [--columns A,B,...]

Needs h5py, numpy and pandas (Debian: python3-h5py python3-numpy python3-pandas).
"""

import argparse
import math
import sys

import h5py

from trustsim_results import read_table

DEFAULT_COLUMNS = ["defects_per_1k_orders", "false_positive_suspensions", "suspensions",
                   "wrongful_exits", "gmv_lost_wrongly_suspended", "mean_trust", "orders", "gmv"]


def t_central(t, df):
    """P(|T| < t) for Student's t with a whole number df of degrees of freedom, in
    closed form (Abramowitz & Stegun 26.7.3-4)."""
    theta = math.atan(t / math.sqrt(df))
    c2 = math.cos(theta) ** 2
    if df % 2 == 0:
        term, total = 1.0, 1.0
        for k in range(1, df // 2):
            term *= c2 * (2 * k - 1) / (2 * k)
            total += term
        return math.sin(theta) * total
    if df == 1:
        return 2 * theta / math.pi
    term = total = math.cos(theta)
    for k in range(1, (df - 1) // 2):
        term *= c2 * (2 * k) / (2 * k + 1)
        total += term
    return 2 / math.pi * (theta + math.sin(theta) * total)


def t975(df):
    """The 97.5% quantile of Student's t: P(|T| < q) = 0.95, by bisection."""
    lo, hi = 0.0, 1000.0
    for _ in range(200):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if t_central(mid, df) < 0.95 else (lo, mid)
    return (lo + hi) / 2


def paired(values, reference):
    """Mean and 95% half-width of the paired differences (nan half-width for one pair)."""
    d = [a - b for a, b in zip(values, reference)]
    n = len(d)
    mean = sum(d) / n
    if n < 2:
        return mean, float("nan")
    sd = math.sqrt(sum((x - mean) ** 2 for x in d) / (n - 1))
    return mean, t975(n - 1) * sd / math.sqrt(n)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results")
    parser.add_argument("--against", required=True, help="the comparator arm's name")
    parser.add_argument("--columns", default=",".join(DEFAULT_COLUMNS),
                        help="comma-separated /summary columns")
    args = parser.parse_args()
    try:
        with h5py.File(args.results, "r") as f:
            summary = read_table(f, "/summary")
            runs = read_table(f, "/runs")
            arms = read_table(f, "/lookup/arms")
    except (OSError, KeyError) as e:
        sys.exit(f"paired_differences: {args.results}: not a readable trustsim result file ({e})")
    names = dict(zip(arms["arm_id"], arms["name"]))
    ids = {name: arm for arm, name in names.items()}
    if args.against not in ids:
        sys.exit(f"paired_differences: no arm '{args.against}'; arms: {', '.join(ids)}")
    columns = args.columns.split(",")
    missing = [c for c in columns if c not in summary.columns]
    if missing:
        sys.exit(f"paired_differences: no /summary column {', '.join(missing)}")
    # Completed runs only, paired by task (point and replication).
    done = runs[runs["status"] == "complete"][["task_id", "arm_id"]]
    table = summary.merge(done, on=["task_id", "arm_id"])
    base = table[table["arm_id"] == ids[args.against]].set_index("task_id")
    print(f"each arm against {args.against}: arm mean, paired difference [95% t interval]")
    for arm, name in names.items():
        if arm == ids[args.against]:
            continue
        mine = table[table["arm_id"] == arm].set_index("task_id")
        tasks = sorted(set(mine.index) & set(base.index))
        print(f"\n{name} (n = {len(tasks)} paired replications)")
        if not tasks:
            continue
        for c in columns:
            x = [mine.at[t, c] for t in tasks]
            mean, half = paired(x, [base.at[t, c] for t in tasks])
            print(f"  {c:<32} {sum(x) / len(x):>12.6g} {mean:>+12.6g} "
                  f"[{mean - half:.6g}, {mean + half:.6g}]")


if __name__ == "__main__":
    main()
