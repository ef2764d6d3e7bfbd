#!/usr/bin/env python3
"""How robust is a scenario's headline contrast? Re-run it with other seeds and
with each behavioural parameter at half and at one and a half times its value,
and report which effects keep their sign.

Usage:
    python3 tools/robustness.py --trustsim build/release/trustsim \\
        [--scenario scenarios/quickstart.yaml] [--arm odr_0.8pct] \\
        [--work DIR] [--threads 2] [--seeds 4] [--parameters KEY,...] [--factors 0.5,1.5]
        [--reuse] [--out docs/robustness.md]

Each variant is a full `trustsim run` of the scenario with one `--set`: the
scenario's own seed plus 1..SEEDS, or one parameter of BEHAVIOUR (or of
--parameters) scaled by each of --factors (its value read from the reference
run's resolved scenario). An effect
"keeps its sign" in a variant when the variant's mean paired difference has
the reference run's sign; it "reverses" when the variant's 95% interval lies
wholly on the other side of zero. `--reuse` keeps result files already in the
work folder (same variant, same file name). Exit code 2 on bad input.

Needs h5py, pandas and PyYAML (Debian: python3-h5py python3-pandas python3-yaml).
"""

import argparse
import math
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import h5py  # noqa: E402
import yaml  # noqa: E402

from trustsim_results import _text, contrasts_with_names, write_text  # noqa: E402

# Behavioural parameters: how buyers and sellers react, which nothing public
# pins (docs/calibration.md, "Parameters left free"). Keys of the scenario;
# persona weights are given per persona.
BEHAVIOUR = [
    "trust.gain_per_good_order",
    "trust.loss_late_delivery",
    "trust.loss_not_as_described",
    "trust.loss_cancelled",
    "trust.loss_no_response_24h",
    "trust.loss_unresolved",
    "trust.intensity_elasticity",
    "trust.churn_hazard_low_trust",
    "population.buyers.return_rate",
    "population.buyers.personas.price_sensitive.rating",
    "population.buyers.personas.speed_sensitive.rating",
    "population.buyers.personas.convenience.rating",
    "choice.outside_weight",
    "orders.claim_if_unresolved",
    "orders.chargeback_if_unresolved",
    "seller_behaviour.effort_efficacy",
    "seller_behaviour.effort_after_warning",
    "seller_behaviour.effort_after_lost_sales",
    "seller_behaviour.appeal_probability",
    "seller_behaviour.reinstatement_probability",
    "seller_behaviour.exit_hazard_no_sales",
    "seller_behaviour.exit_hazard",
    # Fitted, but the enforcement outcomes lean on them: who is there to catch.
    "population.sellers.quality.problem_share",
    "population.sellers.quality.problem_shift",
    "seller_behaviour.decline_hazard",
    "seller_behaviour.decline_shift",
]

# The headline outcomes of a policy question (DESIGN.md's summary metrics).
HEADLINE = [
    "mean_trust", "repeat_rate_90d", "orders", "gmv", "buyer_churn_rate",
    "odr_defects_per_1k_orders", "defects_per_1k_orders", "suspensions",
    "false_positive_suspensions", "seller_exits",
]

class Failure(Exception):
    pass


def lookup(tree, key):
    node = tree
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            raise Failure(f"the resolved scenario has no key {key}")
        node = node[part]
    if isinstance(node, bool) or not isinstance(node, (int, float)):
        raise Failure(f"{key} is not a number in the resolved scenario")
    return float(node)


def run(trustsim, scenario, path, threads, sets, reuse):
    if reuse and os.path.exists(path):
        return
    command = [trustsim, "run", scenario, "-o", path, "--force", "--quiet",
               "--threads", str(threads)]
    for s in sets:
        command += ["--set", s]
    done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if done.returncode != 0:
        raise Failure(f"{' '.join(command)} exited {done.returncode}: {done.stderr.strip()}")


def effects(path, arm):
    with h5py.File(path, "r") as f:
        table = contrasts_with_names(f)
        config = yaml.safe_load(_text(f["/config/scenario"][()]))
        seed = int(f.attrs["master_seed"])
    table = table[table["arm"] == arm]
    if table.empty:
        raise Failure(f"{path} has no arm {arm}")
    rows = {r.metric: (r.mean_diff, r.ci_lo, r.ci_hi, r.mean_baseline) for r in table.itertuples()}
    return rows, config, seed


def sign(x):
    return 0 if x == 0 or math.isnan(x) else (1 if x > 0 else -1)


def fmt(x):
    return f"{x:.4g}"


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trustsim", required=True)
    parser.add_argument("--scenario", default="scenarios/quickstart.yaml")
    parser.add_argument("--arm", default="odr_0.8pct")
    parser.add_argument("--work", default="robustness-work")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seeds", type=int, default=4)
    parser.add_argument("--parameters", help="comma-separated keys instead of BEHAVIOUR")
    parser.add_argument("--factors", default="0.5,1.5", help="comma-separated multipliers")
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--out")
    args = parser.parse_args(argv[1:])
    try:
        keys = args.parameters.split(",") if args.parameters else BEHAVIOUR
        factors = [float(f) for f in args.factors.split(",")]
        os.makedirs(args.work, exist_ok=True)
        reference = os.path.join(args.work, "reference.h5")
        run(args.trustsim, args.scenario, reference, args.threads, [], args.reuse)
        base, config, seed = effects(reference, args.arm)
        variants = []  # (label, kind, path)
        for k in range(1, args.seeds + 1):
            path = os.path.join(args.work, f"seed{k}.h5")
            run(args.trustsim, args.scenario, path, args.threads, [f"seed={seed + k}"], args.reuse)
            variants.append((f"seed {seed + k}", "seed", path))
        for key in keys:
            value = lookup(config, key)
            for factor in factors:
                path = os.path.join(args.work, f"{key}x{factor}.h5")
                run(args.trustsim, args.scenario, path, args.threads,
                    [f"{key}={value * factor!r}"], args.reuse)
                variants.append((f"`{key}` x{factor:g} ({fmt(value * factor)})", "parameter", path))
        measured = [(label, kind, effects(path, args.arm)[0]) for label, kind, path in variants]
    except (Failure, OSError, KeyError, ValueError) as error:
        print(f"robustness: error: {error}", file=sys.stderr)
        return 2

    lines = [f"# Robustness of `{os.path.basename(args.scenario)}`: arm `{args.arm}` vs baseline",
             "",
             f"Generated by `python3 tools/robustness.py --scenario {args.scenario} --arm {args.arm} "
             f"--seeds {args.seeds}"
             + (f" --parameters {args.parameters}" if args.parameters else "")
             + (f" --factors {args.factors}" if args.factors != "0.5,1.5" else "")
             + "`; do not edit by hand. Each variant is a full run of the "
             "scenario (its replications, common random numbers between the arms) with one "
             f"change: the master seed ({args.seeds} others), or one of {len(keys)} "
             f"behavioural parameters at x{' or x'.join(f'{f:g}' for f in factors)}. An "
             "effect *keeps its sign* when the "
             "variant's mean paired difference has the reference run's sign; it *reverses* when "
             "the variant's 95% interval lies wholly on the other side of zero. An effect whose "
             "reference interval spans zero has no sign to keep: about half its variants keep "
             "it by chance, and at 95% intervals about one variant in forty 'reverses' it by "
             "chance too.", "",
             "| outcome | reference effect [95% CI] | seeds: sign kept | seeds: reversed | "
             "parameters: sign kept | parameters: reversed | smallest - largest effect |",
             "|---|---|---|---|---|---|---|"]
    fragile = []
    for metric in HEADLINE:
        if metric not in base:
            continue
        d, lo, hi, _ = base[metric]
        s = sign(d)
        counts = {}
        for kind in ("seed", "parameter"):
            rows = [(label, m[metric]) for label, k, m in measured if k == kind and metric in m]
            kept = sum(1 for _, r in rows if sign(r[0]) == s)
            reversed_ = [label for label, r in rows if (r[2] < 0 if s > 0 else r[1] > 0)]
            counts[kind] = (kept, len(rows), reversed_)
            if kind == "parameter":
                fragile += [(metric, label) for label in reversed_]
        values = [m[metric][0] for _, _, m in measured if metric in m] + [d]
        significant = "" if (lo > 0 or hi < 0) else " (CI spans 0)"
        lines.append(
            f"| {metric} | {fmt(d)} [{fmt(lo)}, {fmt(hi)}]{significant} | "
            f"{counts['seed'][0]} of {counts['seed'][1]} | {len(counts['seed'][2])} | "
            f"{counts['parameter'][0]} of {counts['parameter'][1]} | "
            f"{len(counts['parameter'][2])} | {fmt(min(values))} - {fmt(max(values))} |")
    lines += ["", "## Reversals", ""]
    if fragile:
        lines += [f"- {metric}: {label}" for metric, label in fragile]
    else:
        lines.append("No variant's interval lies on the other side of zero from the reference.")
    lines += ["", "## Every variant", "",
              "Mean paired difference (arm - baseline) per variant; * marks a 95% interval that "
              "excludes 0.", "",
              "| variant | " + " | ".join(m for m in HEADLINE if m in base) + " |",
              "|---|" + "---|" * sum(1 for m in HEADLINE if m in base)]
    for label, _, m in [("reference", "", base)] + measured:
        cells = []
        for metric in HEADLINE:
            if metric not in base:
                continue
            d, lo, hi, _ = m[metric]
            cells.append(fmt(d) + ("*" if lo > 0 or hi < 0 else ""))
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    text = "\n".join(lines) + "\n"
    write_text(text, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
