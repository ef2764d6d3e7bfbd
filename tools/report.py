#!/usr/bin/env python3
"""One self-contained HTML report of a trustsim result file (`trustsim report`).

    python3 tools/report.py RESULTS.h5 -o report.html

The report reads the tables a user can read (tools/trustsim_results.py) and
draws its charts with matplotlib as inline SVG: it opens offline, with no
script, font or style fetched at view time. Sections, each where the file
has what it needs:
- the scenario, its arms and the run's provenance (seed, config hash, engine
  version, results digest) and the warnings the run raised;
- the headline effects in words, then every contrast (each candidate against
  the baseline: difference, confidence interval, adjusted p, precision);
- forest plots of the effects by metric and candidate;
- fan charts over time (mean and 50% / 90% bands across replications) of
  trust, repeat purchase, orders, defects, churn and enforcement per arm,
  and of each candidate's paired difference to the baseline;
- per-cohort suspensions and false positives (fairness), and what
  enforcement cost each cohort;
- for sweeps: each outcome's response over the swept parameters, and Sobol
  indices where the design has them;
- for calibrations: the moment table and the search history.

Numbers in tables carry their exact value in a data-value attribute (the
browser test compares them with the HDF5 file). Exit 2 for a file that is
not a complete trustsim result file, with a one-line message.
"""

import argparse
import html
import io
import math
import os
import sys

try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import trustsim_results as tr
except ImportError as missing:  # the machine, not the file: exit 1, one line
    sys.exit(f"trustsim report: {sys.executable} has no module {missing.name!r}: install "
             "Debian's python3-matplotlib, python3-h5py and python3-pandas "
             "(bash tools/setup.sh does), or set TRUSTSIM_PYTHON to a Python that has them")

# Outcomes a decision document leads with, in this order (those the file has).
HEADLINE = ["orders", "gmv", "mean_trust", "repeat_rate_90d", "buyer_churn_rate",
            "odr_defects_per_1k_orders", "defects_per_1k_orders", "suspensions",
            "false_positive_suspensions", "wrongful_exits", "seller_exits"]
# Series drawn over time (the /timeseries columns), with a title each.
# Counts are divided by the period's days (the last period may be shorter).
SERIES = [("mean_trust", "Mean buyer trust", False),
          ("repeat_order_share", "Share of orders from returning buyers (30 days)", False),
          ("orders", "Orders a day", True),
          ("odr_defects_per_1k_orders", "Seller-charged order defects per 1,000 orders", False),
          ("churned_buyers", "Buyers lost to churn a day", True),
          ("suspensions", "Suspensions a day", True), ("warnings", "Warnings a day", True)]
COHORT_COSTS = ["suspensions", "false_positive_suspensions", "terminations", "wrongful_exits",
                "wrongly_suspended_seller_days", "gmv_lost_wrongly_suspended",
                "false_negative_sellers"]
COLOURS = ["#1b6ca8", "#d1495b", "#66a182", "#edae49", "#8d6a9f", "#00798c", "#5c5c5c"]

plt.rcParams.update({"svg.fonttype": "none", "svg.hashsalt": "trustsim-report",
                     "font.size": 9, "axes.spines.top": False, "axes.spines.right": False,
                     "figure.dpi": 96})


def number(x):
    """Four significant digits, as the terminal table prints them."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    a = abs(x)
    if a != 0 and (a >= 1e7 or a < 1e-3):
        return f"{x:.3e}"
    if a >= 1000:
        return f"{x:.0f}"
    return f"{x:.4g}"


def cell(x, css=""):
    """A table cell: text for people, the exact value for tools."""
    if isinstance(x, (int, np.integer)):
        return f'<td class="num{css}" data-value="{int(x)}">{int(x)}</td>'
    if isinstance(x, (float, np.floating)):
        x = float(x)
        return f'<td class="num{css}" data-value="{repr(x)}">{number(x)}</td>'
    return f"<td>{html.escape(str(x))}</td>"


def svg_of(fig):
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight")
    plt.close(fig)
    text = buffer.getvalue()
    return text[text.index("<svg"):]


def figure(chart_id, kind, title, fig, note=""):
    caption = html.escape(title) + (f" <span class=note>{html.escape(note)}</span>" if note else "")
    return (f'<figure class="chart" id="{chart_id}" data-chart="{kind}">{svg_of(fig)}'
            f"<figcaption>{caption}</figcaption></figure>\n")


class Report:
    def __init__(self, path):
        self.results = tr.open_results(path)
        self.path = path
        self.attrs = self.results.attrs
        self.tables = set(self.results.tables())
        self.arms = self.results.raw("/lookup/arms") if "/lookup/arms" in self.tables else None
        self.arm_names = dict(zip(self.arms["arm_id"], self.arms["name"])) if self.arms is not None else {}
        self.baseline = self.arm_names.get(0, "baseline")
        self.charts = []

    def has(self, path):
        return path in self.tables

    # --- sections -------------------------------------------------------------------------

    def provenance(self):
        a = self.attrs
        rows = [("result file", os.path.basename(self.path)), ("created (UTC)", a.get("created_utc")),
                ("engine", f"{a.get('engine_version')} ({a.get('git_sha')})"),
                ("master seed", a.get("master_seed")), ("config SHA-256", a.get("config_sha256")),
                ("results digest", a.get("results_digest")),
                ("replications", a.get("replications")),
                ("warm-up + horizon days", f"{a.get('warmup_days')} + {a.get('horizon_days')}"),
                ("sweep points", a.get("points")),
                ("arms", "independent" if a.get("independent_arms") else
                 "paired (common random numbers)"),
                ("p-value adjustment", a.get("p_adjustment")),
                ("confidence", a.get("confidence")), ("command", a.get("command_line"))]
        out = '<table class="meta" id="provenance">'
        for key, value in rows:
            out += f"<tr><th>{html.escape(key)}</th><td><code>{html.escape(str(value))}</code></td></tr>"
        out += "</table>\n"
        if self.arms is not None:
            out += "<h3>Arms</h3><table id=arms><tr><th>arm</th><th>what it changes</th></tr>"
            for _, row in self.arms.iterrows():
                what = row["overrides"] or "(the baseline)" if "overrides" in row else ""
                out += f"<tr><td>{html.escape(row['name'])}</td><td><code>{html.escape(what)}</code></td></tr>"
            out += "</table>\n"
        warnings = [w for w in str(a.get("warnings", "")).splitlines() if w.strip()]
        out += "<h3>Warnings the run raised</h3>"
        if warnings:
            out += '<ul class="warnings">' + "".join(
                f"<li>{html.escape(w)}</li>" for w in warnings) + "</ul>\n"
        else:
            out += "<p>None.</p>\n"
        return out

    def contrasts(self):
        if not self.has("/analysis/contrasts"):
            return None
        c = self.results.table("/analysis/contrasts")
        if self.has("/analysis/precision"):
            p = self.results.raw("/analysis/precision")
            c = c.merge(p[["point_id", "arm_id", "metric_id", "target_half_width", "half_width",
                           "met"]], on=["point_id", "arm_id", "metric_id"], how="left")
        return c

    def reading(self, c):
        """The headline effects in words, at the first point: clear effects (adjusted p below
        0.05) one by one, then those whose unadjusted interval excludes zero but which do not
        survive the adjustment, then the outcomes with no detectable change."""
        level = f"{100 * float(self.attrs.get('confidence', 0.95)):g}%"
        first = c[c["point_id"] == c["point_id"].min()]
        out = "<ul class=reading>"
        for arm in first["arm"].unique():
            clear, suggestive, none = [], [], []
            for metric in HEADLINE:
                rows = first[(first["arm"] == arm) & (first["metric"] == metric)]
                if rows.empty:
                    continue
                r = rows.iloc[0]
                diff, lo, hi, base, p = (r["mean_diff"], r["ci_lo"], r["ci_hi"],
                                         r["mean_baseline"], r["p_adjusted"])
                if math.isnan(lo):
                    none.append(f"<i>{metric}</i> (one replication: no interval)")
                    continue
                relative = f" ({diff / base:+.1%} of the baseline's {number(base)})" if base else ""
                effect = (f"{'raises' if diff > 0 else 'lowers'} <i>{metric}</i> by "
                          f"{number(abs(diff))}{relative}, {level} CI [{number(lo)}, "
                          f"{number(hi)}]")
                if not math.isnan(p) and p < 0.05:
                    clear.append(f"{effect}, adjusted p {p:.3g}")
                elif lo > 0 or hi < 0:
                    suggestive.append(f"{effect} (adjusted p {p:.3g}: not below 0.05 once the "
                                      f"candidates are compared together)")
                else:
                    none.append(f"<i>{metric}</i>")
            name = f"<b>{html.escape(arm)}</b>"
            if clear:
                out += f"<li>{name} " + "; ".join(clear) + ".</li>"
            if suggestive:
                out += f"<li>{name}, suggestive only: " + "; ".join(suggestive) + ".</li>"
            if none:
                out += f"<li>{name}: no detectable change in " + ", ".join(none) + ".</li>"
        return out + "</ul>\n"

    def contrasts_table(self, c):
        level = f"{100 * float(self.attrs.get('confidence', 0.95)):g}% CI"
        precision = "target_half_width" in c
        out = ('<table class="contrasts" id="contrasts"><tr><th>point</th><th>arm</th>'
               f"<th>metric</th><th>{html.escape(self.baseline)}</th><th>arm</th>"
               f"<th>difference</th><th colspan=2>{level}</th><th>p ({html.escape(str(self.attrs.get('p_adjustment')))})</th>"
               "<th>n</th>" + ("<th>half-width (target)</th>" if precision else "") + "</tr>\n")
        for _, r in c.iterrows():
            significant = not math.isnan(r["p_adjusted"]) and r["p_adjusted"] < 0.05
            css = " sig" if significant else ""
            out += (f'<tr data-point="{int(r["point_id"])}" data-arm="{html.escape(r["arm"])}" '
                    f'data-metric="{html.escape(r["metric"])}">' + cell(int(r["point_id"]))
                    + cell(r["arm"]) + cell(r["metric"]) + cell(r["mean_baseline"])
                    + cell(r["mean_arm"]) + cell(r["mean_diff"], css) + cell(r["ci_lo"])
                    + cell(r["ci_hi"]) + cell(r["p_adjusted"], css) + cell(int(r["n"])))
            if precision:
                met = "" if math.isnan(r["half_width"]) else ("met" if r["met"] else "NOT MET")
                out += (f"<td>{number(r['half_width'])} ({number(r['target_half_width'])}) "
                        f"{met}</td>")
            out += "</tr>\n"
        return out + "</table>\n"

    def forest(self, c):
        first = c[c["point_id"] == c["point_id"].min()]
        metrics = [m for m in HEADLINE if m in set(first["metric"])]
        if not metrics:
            return ""
        arms = list(first["arm"].unique())
        cols = min(3, len(metrics))
        rows = math.ceil(len(metrics) / cols)
        fig, axes = plt.subplots(rows, cols, figsize=(3.3 * cols, 0.5 + (0.35 * len(arms) + 0.8) * rows),
                                 squeeze=False)
        for k, metric in enumerate(metrics):
            ax = axes[k // cols][k % cols]
            part = first[first["metric"] == metric].set_index("arm").reindex(arms)
            y = np.arange(len(arms))[::-1]
            diff = part["mean_diff"].to_numpy(dtype=float)
            lo, hi = part["ci_lo"].to_numpy(dtype=float), part["ci_hi"].to_numpy(dtype=float)
            err = np.vstack([diff - lo, hi - diff])
            err = np.where(np.isnan(err), 0, err)
            ax.errorbar(diff, y, xerr=err, fmt="o", color=COLOURS[0], capsize=3, ms=4)
            ax.axvline(0, color="#888", lw=0.8, ls="--")
            ax.set_yticks(y, arms)
            ax.set_title(metric, fontsize=9)
        for k in range(len(metrics), rows * cols):
            axes[k // cols][k % cols].axis("off")
        fig.tight_layout()
        return figure("chart-forest", "forest",
                      f"Effects against {self.baseline} (difference, "
                      f"{100 * float(self.attrs.get('confidence', 0.95)):g}% CI), first sweep point",
                      fig)

    def fan(self, ax, days, values, colour, label):
        """Mean and 50% / 90% bands across replications (rows of `values`)."""
        mean = np.nanmean(values, axis=0)
        for q, alpha in ((5, 0.15), (25, 0.3)):
            ax.fill_between(days, np.nanpercentile(values, q, axis=0),
                            np.nanpercentile(values, 100 - q, axis=0), color=colour, alpha=alpha,
                            lw=0)
        ax.plot(days, mean, color=colour, lw=1.4, label=label)

    def time_series(self):
        if not self.has("/timeseries"):
            return ""
        ts = self.results.table("/timeseries", long=False)
        ts = ts[(ts["point_id"] == ts["point_id"].min()) & (ts["day"] >= 0)]
        arms = list(dict.fromkeys(ts["arm"]))
        out = ""
        for column, title, per_day in SERIES:
            if column not in ts:
                continue
            values = ts[column] / ts["period_days"] if per_day else ts[column]
            wide = ts.assign(value=values).pivot_table(index=["arm", "replication"],
                                                       columns="day", values="value")
            days = wide.columns.to_numpy()
            fig, (left, right) = plt.subplots(1, 2, figsize=(9.5, 2.8))
            for k, arm in enumerate(arms):
                self.fan(left, days, wide.loc[arm].to_numpy(), COLOURS[k % len(COLOURS)], arm)
            left.set_title(f"{title}: each arm", fontsize=9)
            left.set_xlabel("horizon day")
            left.legend(fontsize=7, frameon=False)
            base = wide.loc[arms[0]]
            for k, arm in enumerate(arms[1:], start=1):
                diff = wide.loc[arm].reindex(base.index) - base
                self.fan(right, days, diff.to_numpy(), COLOURS[k % len(COLOURS)], arm)
            right.axhline(0, color="#888", lw=0.8, ls="--")
            right.set_title(f"paired difference to {arms[0]}", fontsize=9)
            right.set_xlabel("horizon day")
            fig.tight_layout()
            out += figure(f"chart-series-{column}", "fan", title, fig,
                          "mean across replications; bands hold 50% and 90% of them")
        return out

    def cohorts(self):
        if not self.has("/cohort_summary"):
            return ""
        cs = self.results.table("/cohort_summary", long=False)
        cs = cs[cs["point_id"] == cs["point_id"].min()]
        means = cs.groupby(["arm", "cohort"], sort=False).mean(numeric_only=True)
        arms = list(dict.fromkeys(cs["arm"]))
        cohorts = list(dict.fromkeys(cs["cohort"]))
        fig, axes = plt.subplots(1, 2, figsize=(9.5, 0.6 + 0.28 * len(cohorts) * max(1, len(arms) / 2)),
                                 sharey=True)
        height = 0.8 / len(arms)
        y = np.arange(len(cohorts))[::-1]
        for ax, column, title in ((axes[0], "suspensions", "suspensions"),
                                  (axes[1], "false_positive_suspensions",
                                   "false-positive suspensions")):
            for k, arm in enumerate(arms):
                values = means.loc[arm].reindex(cohorts)[column].to_numpy(dtype=float)
                ax.barh(y - k * height, values, height, color=COLOURS[k % len(COLOURS)], label=arm)
            ax.set_title(title + " per replication", fontsize=9)
        axes[0].set_yticks(y - height * (len(arms) - 1) / 2, cohorts)
        axes[1].legend(fontsize=7, frameon=False)
        fig.tight_layout()
        out = figure("chart-cohorts", "cohort-bars", "Who enforcement falls on, by seller cohort", fig,
                     "means over replications; a seller is in one cohort of each dimension")
        present = [c for c in COHORT_COSTS if c in means]
        out += ('<table class="costs" id="cohort-costs"><tr><th>arm</th><th>cohort</th>'
                + "".join(f"<th>{html.escape(c)}</th>" for c in present) + "</tr>\n")
        for arm in arms:
            for cohort in cohorts:
                row = means.loc[(arm, cohort)]
                out += (f"<tr>{cell(arm)}{cell(cohort)}"
                        + "".join(cell(float(row[c])) for c in present) + "</tr>\n")
        return out + "</table>\n"

    def sweep(self):
        if not self.has("/lookup/points") or int(self.attrs.get("points", 1)) < 2:
            return ""
        points = self.results.raw("/lookup/points")
        parameters = [c for c in points.columns if c != "point_id"]
        summary = self.results.table("/summary", long=False)
        metrics = [m for m in HEADLINE if m in summary]
        arms = list(dict.fromkeys(summary["arm"]))
        x_name = parameters[0]
        # A grid: one line per value of the other parameters. Any other design (points
        # spread over the space): each point's mean, unjoined, against the first parameter.
        grid = all(points[p].nunique() <= 4 for p in parameters[1:])
        others = parameters[1:] if grid else []
        cols = min(3, len(metrics))
        rows = math.ceil(len(metrics) / cols)
        fig, axes = plt.subplots(rows, cols, figsize=(3.3 * cols, 2.4 * rows), squeeze=False)
        groups = summary.groupby(["arm"] + others + [x_name], sort=True) if others else \
            summary.groupby(["arm", x_name], sort=True)
        styles = ["-", "--", ":", "-."]
        for k, metric in enumerate(metrics):
            ax = axes[k // cols][k % cols]
            stats = groups[metric].agg(["mean", "sem"]).reset_index()
            for a, arm in enumerate(arms):
                part = stats[stats["arm"] == arm]
                # One line per value of the other swept parameters (style), per arm (colour).
                lines = part.groupby(others[0] if len(others) == 1 else others) if others else \
                    [((), part)]
                for s, (key, line) in enumerate(lines):
                    values = key if isinstance(key, tuple) else (key,)
                    label = arm + "".join(f", {o}={v:g}" for o, v in zip(others, values))
                    ax.errorbar(line[x_name], line["mean"], yerr=1.96 * line["sem"].fillna(0),
                                marker="o", ms=3, capsize=2, color=COLOURS[a % len(COLOURS)],
                                ls=styles[s % len(styles)] if grid else "none", label=label)
            ax.set_title(metric, fontsize=9)
            ax.set_xlabel(x_name, fontsize=8)
        for k in range(len(metrics), rows * cols):
            axes[k // cols][k % cols].axis("off")
        handles, labels = axes[0][0].get_legend_handles_labels()
        fig.tight_layout(rect=(0, 0.04 + 0.015 * len(labels) / 3, 1, 1))
        fig.legend(handles, labels, loc="lower center", ncol=3, fontsize=7, frameon=False)
        out = figure("chart-sweep", "response", "Response over the swept parameters", fig,
                     "mean over replications ± 1.96 standard errors" +
                     ("" if grid else f"; each sweep point against {x_name}, the others varying"))
        if self.has("/analysis/sobol"):
            sobol = self.results.table("/analysis/sobol")
            sobol = sobol[sobol["metric"].isin(HEADLINE)]  # "parameter": the swept key, joined
            arms = list(dict.fromkeys(sobol["arm"]))
            metrics = list(dict.fromkeys(sobol["metric"]))
            fig, axes = plt.subplots(len(arms), 1, figsize=(9.5, 1 + 1.8 * len(arms)), squeeze=False)
            for a, arm in enumerate(arms):
                ax = axes[a][0]
                part = sobol[sobol["arm"] == arm]
                params = list(dict.fromkeys(part["parameter"]))
                width = 0.8 / len(params)
                for p, param in enumerate(params):
                    rows_p = part[part["parameter"] == param].set_index("metric").reindex(metrics)
                    x = np.arange(len(metrics)) + p * width
                    ax.bar(x, rows_p["total_order"], width, color=COLOURS[p % len(COLOURS)],
                           alpha=0.45)
                    ax.bar(x, rows_p["first_order"], width, color=COLOURS[p % len(COLOURS)],
                           label=param)
                ax.set_xticks(np.arange(len(metrics)) + width * (len(params) - 1) / 2, metrics,
                              rotation=20, fontsize=7)
                ax.set_title(arm, fontsize=9)
                ax.legend(fontsize=7, frameon=False)
            fig.tight_layout()
            out += figure("chart-sobol", "sobol", "Sobol indices: first order (solid), total (pale)",
                          fig)
        return out

    def calibration(self):
        if not self.has("/calibration/moments"):
            return ""
        m = self.results.raw("/calibration/moments")
        out = '<table id="moments"><tr>' + "".join(
            f"<th>{c}</th>" for c in ("moment", "fitted", "target", "tolerance", "simulated", "se",
                                       "distance", "source")) + "</tr>\n"
        for _, r in m.iterrows():
            out += ("<tr>" + cell(r["moment"]) + cell(int(r["fitted"])) + cell(r["target"])
                    + cell(r["tolerance"]) + cell(r["simulated"]) + cell(r["se"])
                    + cell(r["distance"]) + cell(r["source"]) + "</tr>\n")
        out += "</table>\n"
        if self.has("/calibration/history"):
            h = self.results.raw("/calibration/history")
            h = h[np.isfinite(h["loss"])]
            fig, ax = plt.subplots(figsize=(6, 2.6))
            ax.scatter(np.arange(len(h)), h["loss"], s=6, color=COLOURS[0], label="candidate")
            ax.plot(np.arange(len(h)), np.minimum.accumulate(h["loss"].to_numpy()), color=COLOURS[1],
                    label="best so far")
            ax.set_yscale("log")
            ax.set_xlabel("candidate, in the order run")
            ax.set_ylabel("loss")
            ax.legend(fontsize=7, frameon=False)
            out += figure("chart-calibration", "history", "Calibration search history", fig)
        return out

    def html(self):
        name = self.attrs.get("scenario_name", "trustsim results")
        body = f"<h1>{html.escape(str(name))}</h1>\n"
        body += "<h2>Scenario and provenance</h2>\n" + self.provenance()
        c = self.contrasts()
        if c is not None and len(c):
            body += "<h2>What the candidates do</h2>\n" + self.reading(c)
            body += "<h2>Effects</h2>\n" + self.forest(c)
            body += "<h3>Every contrast</h3>\n" + self.contrasts_table(c)
        elif c is not None:
            body += f"<h2>Effects</h2><p>Only one arm ('{html.escape(self.baseline)}'): there is no candidate to compare.</p>\n"
        series = self.time_series()
        if series:
            body += "<h2>Over time</h2>\n" + series
        cohorts = self.cohorts()
        if cohorts:
            body += "<h2>Fairness: cohorts of sellers</h2>\n" + cohorts
        sweep = self.sweep()
        if sweep:
            body += "<h2>Sweep</h2>\n" + sweep
        calibration = self.calibration()
        if calibration:
            body += "<h2>Calibration</h2>\n" + calibration
        scenario = html.escape(self.results.scenario)
        body += f"<h2>Resolved scenario</h2>\n<details><summary>{len(self.results.scenario.splitlines())} lines: re-run it with <code>trustsim run</code> to reproduce these results</summary><pre id=scenario>{scenario}</pre></details>\n"
        return PAGE.format(title=html.escape(str(name)), body=body)


PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="generator" content="trustsim report">
<title>{title}: trustsim report</title>
<style>
body {{ font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 1000px; color: #222; padding: 0 1em; }}
h1 {{ font-size: 1.6em; }} h2 {{ border-bottom: 1px solid #ccc; margin-top: 2em; }}
table {{ border-collapse: collapse; margin: 0.5em 0 1em; font-size: 12px; }}
th, td {{ border-bottom: 1px solid #e3e3e3; padding: 2px 8px; text-align: left; vertical-align: top; }}
td.num {{ text-align: right; font-variant-numeric: tabular-nums; }}
table.costs, table.contrasts {{ display: block; overflow-x: auto; }}
td.sig {{ font-weight: bold; }}
table.meta th {{ width: 12em; color: #555; font-weight: normal; }}
code {{ font-size: 12px; overflow-wrap: anywhere; }}
figure.chart {{ margin: 1em 0; }} figure.chart svg {{ max-width: 100%; height: auto; }}
figcaption {{ color: #444; font-size: 12px; }} .note {{ color: #777; }}
ul.warnings li {{ color: #8a4b00; }}
pre {{ background: #f6f6f6; padding: 1em; overflow-x: auto; font-size: 11px; }}
</style></head>
<body>
{body}
<footer><p class=note>Written by trustsim's report (tools/report.py) from the result file's own tables.</p></footer>
<script>
// The page needs no script; this one only says, once the page has loaded, how many
// charts drew (the browser test reads it) and complains about any that did not.
window.addEventListener("load", function () {{
  var figures = document.querySelectorAll("figure.chart"), drawn = 0;
  figures.forEach(function (f) {{
    var svg = f.querySelector("svg");
    if (svg && svg.getBBox().width > 0) drawn += 1;
    else console.error("chart " + f.id + " did not draw");
  }});
  document.documentElement.setAttribute("data-charts-drawn", drawn + "/" + figures.length);
}});
</script>
</body></html>
"""


def main(argv):
    parser = argparse.ArgumentParser(description="A self-contained HTML report of a result file.")
    parser.add_argument("results", help="result file (.h5)")
    parser.add_argument("-o", "--output", required=True, help="the HTML file to write")
    args = parser.parse_args(argv[1:])
    try:
        report = Report(args.results)
        text = report.html()
    except tr.ResultFileError as error:
        print(f"trustsim: error: {error}", file=sys.stderr)
        return 2
    except Exception as error:  # a table the report cannot draw: one line, never a traceback
        print(f"trustsim: error: report: cannot draw '{args.results}': "
              f"{type(error).__name__}: {error}", file=sys.stderr)
        return 1
    with open(args.output, "w", encoding="utf-8") as out:
        out.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
