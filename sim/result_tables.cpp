// The result file's tables (see include/trustsim/result_tables.hpp).
#include "trustsim/result_tables.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <set>
#include <span>
#include <type_traits>

#include <fmt/format.h>

#include "outcomes.hpp"
#include "trustsim/errors.hpp"
#include "trustsim/marketplace.hpp"
#include "trustsim/replication_plan.hpp"
#include "trustsim/sha256.hpp"
#include "trustsim/statistics.hpp"
#include "trustsim/sweep_design.hpp"
#include "trustsim/version.hpp"

namespace trustsim {

namespace {
// A policy outcome's value in the record, and its row of /policy_outcomes (4 keys, a value).
constexpr std::uint64_t kPolicyOutcomeBytes = sizeof(double) + 5 * 8;

// A baseline series that never settles by MSER-5 is worth a warning only
// when it also moves by more than this share of its mean over the horizon: a
// third of the steady-state criterion of calibration-targets.md (3%).
constexpr double kMaterialHorizonDrift = 0.01;
// One outcome column of one policy entry of one arm (/lookup/policy_outcomes).
struct PolicyOutcome {
  std::size_t arm = 0, policy = 0;
  std::string kind;
  OutcomeDefinition definition;
};

// Every arm's policy entries' outcome columns, in arm, policy and column
// order: the order of each ArmRun's policy_outcomes.
std::vector<PolicyOutcome> policy_outcome_columns(const Scenario& scenario) {
  std::vector<PolicyOutcome> out;
  for (std::size_t a = 0; a < scenario.arms.size(); ++a) {
    const PolicySet policies(scenario.arms[a].model);
    for (std::size_t i = 0; i < policies.size(); ++i)
      for (auto& d : policies[i].outcome_columns())
        out.push_back({a, i, std::string(policies[i].kind()), std::move(d)});
  }
  return out;
}

// The most policy outcome columns any arm has.
std::uint64_t policy_columns_per_arm(const std::vector<PolicyOutcome>& columns) {
  std::map<std::size_t, std::uint64_t> per_arm;
  std::uint64_t most = 0;
  for (const auto& c : columns) most = std::max(most, ++per_arm[c.arm]);
  return most;
}
}  // namespace

namespace {

// The microdata panels of one arm run, from the expected population: weekly
// rows of the sampled sellers, and the sampled buyers' orders (+50% for the
// spread of intensity and of who is drawn).
std::uint64_t panel_bytes_per_arm(const Scenario& scenario) {
  const auto& set = scenario.settings;
  const auto& pop = set.model.population;
  const double days = static_cast<double>(set.warmup_days + set.horizon_days);
  const double horizon = static_cast<double>(set.horizon_days);
  double bytes = 0;
  if (set.outputs.seller_panel > 0) {
    const double sellers =
        static_cast<double>(pop.sellers.count) + pop.sellers.entry_per_day * days;
    bytes += 1.5 * set.outputs.seller_panel * sellers * std::ceil(horizon / 7.0) *
             static_cast<double>(seller_panel_columns().size() + 2) * sizeof(double);
  }
  if (set.outputs.buyer_events > 0) {
    const double buyers =
        static_cast<double>(pop.buyers.count) + pop.buyers.arrivals_per_day * days;
    const double orders = buyers * pop.buyers.orders_per_month_mean * 12.0 / 365.0 * horizon;
    bytes += 1.5 * set.outputs.buyer_events * orders *
             (static_cast<double>(buyer_event_columns().size() + 2) * sizeof(double) +
              sizeof(BuyerEvent));
  }
  return static_cast<std::uint64_t>(std::min(bytes, 1.8e18));
}

}  // namespace

std::uint64_t estimate_results_memory(const Scenario& scenario, std::uint64_t tasks) {
  const auto& set = scenario.settings;
  const std::uint64_t step = set.outputs.timeseries == TimeseriesStep::kDaily ? 1 : 7;
  const std::uint64_t periods = (set.horizon_days + step - 1) / step;
  const std::uint64_t cohorts = cohort_labels(scenario).size();
  constexpr std::uint64_t kVector = 3 * sizeof(void*) + 16;  // a vector and its allocation
  const std::uint64_t per_arm =
      summary_outcomes().size() * sizeof(double) + kVector +
      periods * (timeseries_outcomes().size() + 1) * sizeof(double) +
      (timeseries_outcomes().size() + 2) * kVector +
      cohorts * (cohort_outcomes().size() * sizeof(double) + kVector) + kVector +
      kPolicyOutcomeBytes * policy_columns_per_arm(policy_outcome_columns(scenario)) +
      sizeof(ArmRun);
  const std::uint64_t per_task =
      scenario.arms.size() * (per_arm + panel_bytes_per_arm(scenario)) + sizeof(TaskRun) + 64;
  // The finished records, the tables assembled from them, and the file's image (written
  // from memory) are each about this size, and all three live at once when writing.
  const double total = 3.0 * static_cast<double>(per_task) * static_cast<double>(tasks);
  return static_cast<std::uint64_t>(std::min(total, 1.8e19));
}

namespace {

using TaskList = std::vector<const TaskRun*>;

Table lookup_arms(const Scenario& scenario) {
  Table t(table_path::kArms);
  auto& id = t.add_int("arm_id");
  for (std::size_t a = 0; a < scenario.arms.size(); ++a) id.push_back(static_cast<std::int64_t>(a));
  auto& name = t.add_text("name");
  for (const auto& arm : scenario.arms) name.push_back(arm.name);
  auto& overrides = t.add_text("overrides", "", "KEY.PATH=VALUE changes against the scenario");
  for (const auto& arm : scenario.arms) {
    std::string text;
    for (const auto& o : arm.overrides) text += (text.empty() ? "" : "; ") + o;
    overrides.push_back(text);
  }
  return t;
}

Table lookup_metrics() {
  Table t(table_path::kMetrics);
  const auto& defs = summary_outcomes();
  auto& id = t.add_int("metric_id");
  for (std::size_t m = 0; m < defs.size(); ++m) id.push_back(static_cast<std::int64_t>(m));
  auto& name = t.add_text("name");
  for (const auto& d : defs) name.push_back(d.name);
  auto& unit = t.add_text("unit");
  for (const auto& d : defs) unit.push_back(d.unit);
  auto& description = t.add_text("description");
  for (const auto& d : defs) description.push_back(d.description);
  return t;
}

Table lookup_cohorts(const Scenario& scenario) {
  Table t(table_path::kCohorts);
  const auto labels = cohort_labels(scenario);
  auto& id = t.add_int("cohort_id");
  for (std::size_t c = 0; c < labels.size(); ++c) id.push_back(static_cast<std::int64_t>(c));
  auto& name = t.add_text("name");
  for (const auto& l : labels) name.push_back(l);
  return t;
}

// Columns that identify a row: filled together so every table stays aligned.
struct RowKeys {
  std::vector<std::int64_t> task, point, replication, arm, extra;
  void add(const TaskRun* t, std::size_t arm_id) {
    task.push_back(static_cast<std::int64_t>(t->task_id));
    point.push_back(static_cast<std::int64_t>(t->point_id));
    replication.push_back(static_cast<std::int64_t>(t->replication));
    arm.push_back(static_cast<std::int64_t>(arm_id));
  }
};

void add_outcome_columns(Table& t, const std::vector<OutcomeDefinition>& defs,
                         std::vector<std::vector<double>>& columns) {
  for (std::size_t m = 0; m < defs.size(); ++m)
    t.add_real(defs[m].name, defs[m].unit, defs[m].description) = std::move(columns[m]);
}

void add_keys(Table& t, RowKeys& keys, const char* extra_name, bool with_point) {
  t.add_int("task_id") = std::move(keys.task);
  if (with_point) {
    t.add_int("point_id") = std::move(keys.point);
    t.add_int("replication") = std::move(keys.replication);
  }
  t.add_int("arm_id") = std::move(keys.arm);
  if (extra_name) t.add_int(extra_name) = std::move(keys.extra);
}

Table runs_table(const TaskList& tasks) {
  Table t(table_path::kRuns);
  RowKeys k;
  std::vector<std::string> status;
  std::vector<std::int64_t> orders;
  for (const auto* task : tasks)
    for (std::size_t a = 0; a < task->arms.size(); ++a) {
      k.add(task, a);
      status.push_back("complete");
      orders.push_back(static_cast<std::int64_t>(task->arms[a].summary.front()));
    }
  add_keys(t, k, nullptr, true);
  t.add_text("status") = std::move(status);
  t.add_int("orders", "orders") = std::move(orders);
  return t;
}

Table summary_table(const TaskList& tasks) {
  Table t(table_path::kSummary);
  RowKeys k;
  const auto& defs = summary_outcomes();
  std::vector<std::vector<double>> columns(defs.size());
  for (const auto* task : tasks)
    for (std::size_t a = 0; a < task->arms.size(); ++a) {
      k.add(task, a);
      for (std::size_t m = 0; m < defs.size(); ++m) columns[m].push_back(task->arms[a].summary[m]);
    }
  add_keys(t, k, nullptr, true);
  add_outcome_columns(t, defs, columns);
  return t;
}

Table timeseries_table(const TaskList& tasks) {
  Table t(table_path::kTimeseries);
  RowKeys k;
  const auto& defs = timeseries_outcomes();
  std::vector<std::vector<double>> columns(defs.size());
  for (const auto* task : tasks)
    for (std::size_t a = 0; a < task->arms.size(); ++a) {
      const auto& run = task->arms[a];
      for (std::size_t row = 0; row < run.period_start.size(); ++row) {
        k.add(task, a);
        k.extra.push_back(run.period_start[row]);
        for (std::size_t c = 0; c < defs.size(); ++c) columns[c].push_back(run.timeseries[c][row]);
      }
    }
  add_keys(t, k, "day", false);
  add_outcome_columns(t, defs, columns);
  return t;
}

Table cohort_table(const TaskList& tasks) {
  Table t(table_path::kCohortSummary);
  RowKeys k;
  const auto& defs = cohort_outcomes();
  std::vector<std::vector<double>> columns(defs.size());
  for (const auto* task : tasks)
    for (std::size_t a = 0; a < task->arms.size(); ++a)
      for (std::size_t c = 0; c < task->arms[a].cohorts.size(); ++c) {
        k.add(task, a);
        k.extra.push_back(static_cast<std::int64_t>(c));
        for (std::size_t m = 0; m < defs.size(); ++m)
          columns[m].push_back(task->arms[a].cohorts[c][m]);
      }
  add_keys(t, k, "cohort_id", false);
  add_outcome_columns(t, defs, columns);
  return t;
}

// A microdata panel: rows of every arm run, keyed by task and arm. Columns
// that count or name things are written as integers, the rest as reals.
Table panel_table(const char* path, const std::vector<OutcomeDefinition>& defs,
                  const TaskList& tasks, std::vector<std::vector<double>> ArmRun::*panel) {
  static const std::set<std::string> kWhole = {"id",   "week", "day",    "index",
                                               "enum", "0/1",  "orders", "actions"};
  Table t(path);
  RowKeys k;
  std::vector<std::vector<double>> columns(defs.size());
  for (const auto* task : tasks)
    for (std::size_t a = 0; a < task->arms.size(); ++a) {
      const auto& rows = task->arms[a].*panel;
      if (rows.empty()) continue;
      for (std::size_t r = 0; r < rows.front().size(); ++r) k.add(task, a);
      for (std::size_t c = 0; c < defs.size(); ++c)
        columns[c].insert(columns[c].end(), rows[c].begin(), rows[c].end());
    }
  add_keys(t, k, nullptr, false);
  for (std::size_t c = 0; c < defs.size(); ++c) {
    if (!kWhole.contains(defs[c].unit)) {
      t.add_real(defs[c].name, defs[c].unit, defs[c].description) = std::move(columns[c]);
      continue;
    }
    auto& whole = t.add_int(defs[c].name, defs[c].unit, defs[c].description);
    for (double v : columns[c]) whole.push_back(static_cast<std::int64_t>(v));
  }
  return t;
}

Table lookup_policy_outcomes(const std::vector<PolicyOutcome>& columns) {
  // Columns are filled first and moved in: a table's earlier columns may
  // move when it gains one.
  std::vector<std::int64_t> id, arm, policy;
  std::vector<std::string> kind, name, unit, description;
  for (std::size_t c = 0; c < columns.size(); ++c) {
    id.push_back(static_cast<std::int64_t>(c));
    arm.push_back(static_cast<std::int64_t>(columns[c].arm));
    policy.push_back(static_cast<std::int64_t>(columns[c].policy));
    kind.push_back(columns[c].kind);
    name.push_back(columns[c].definition.name);
    unit.push_back(columns[c].definition.unit);
    description.push_back(columns[c].definition.description);
  }
  Table t(table_path::kPolicyOutcomesLookup);
  t.add_int("policy_outcome_id") = std::move(id);
  t.add_int("arm_id") = std::move(arm);
  t.add_int("policy", "", "the entry's place in the arm's policies list") = std::move(policy);
  t.add_text("kind") = std::move(kind);
  t.add_text("name") = std::move(name);
  t.add_text("unit") = std::move(unit);
  t.add_text("description") = std::move(description);
  return t;
}

// Long form: one row per task, arm and policy outcome column.
Table policy_outcomes_table(const Scenario& scenario, const std::vector<PolicyOutcome>& columns,
                            const TaskList& tasks) {
  Table t(table_path::kPolicyOutcomes);
  std::vector<std::size_t> first(scenario.arms.size() + 1, columns.size());
  for (std::size_t c = columns.size(); c-- > 0;) first[columns[c].arm] = c;
  for (std::size_t a = scenario.arms.size(); a-- > 0;) first[a] = std::min(first[a], first[a + 1]);
  RowKeys k;
  std::vector<double> value;
  for (const auto* task : tasks)
    for (std::size_t a = 0; a < task->arms.size(); ++a) {
      const auto& values = task->arms[a].policy_outcomes;
      if (values.size() != first[a + 1] - first[a])
        throw RunError("a task's policy outcomes do not match the arm's policies");
      for (std::size_t c = 0; c < values.size(); ++c) {
        k.add(task, a);
        k.extra.push_back(static_cast<std::int64_t>(first[a] + c));
        value.push_back(values[c]);
      }
    }
  add_keys(t, k, "policy_outcome_id", false);
  t.add_real("value", "", "the outcome over the horizon (unit in /lookup/policy_outcomes)") =
      std::move(value);
  return t;
}

// Where the baseline's initial transient ends, per task and series (MSER-5).
Table steady_state_table(const Scenario& scenario, const TaskList& tasks) {
  Table t(table_path::kSteadyState);
  RowKeys k;
  std::vector<std::string> series;
  std::vector<std::int64_t> truncation, within;
  std::vector<double> drift;
  const auto warmup = static_cast<std::int64_t>(scenario.settings.warmup_days);
  for (const auto* task : tasks)
    for (std::size_t i = 0; i < task->steady_state.size(); ++i) {
      k.add(task, 0);
      series.push_back(steady_state_series()[i]);
      truncation.push_back(task->steady_state[i]);
      within.push_back(task->steady_state[i] >= 0 && task->steady_state[i] <= warmup ? 1 : 0);
      drift.push_back(task->steady_state_drift[i]);
    }
  t.add_int("task_id") = std::move(k.task);
  t.add_int("point_id") = std::move(k.point);
  t.add_int("replication") = std::move(k.replication);
  t.add_text("series", "",
             "the baseline's daily series: orders, buyers present, listed sellers, mean trust") =
      std::move(series);
  t.add_int("truncation_day", "day",
            "MSER-5: the day (from the start of the warm-up) where the initial transient ends; "
            "-1: no steady state (the minimum falls in the second half of warm-up + horizon)") =
      std::move(truncation);
  t.add_int("within_warmup", "0/1", "the transient ends within the warm-up") = std::move(within);
  t.add_real("horizon_drift", "share",
             "the series' change over the horizon: least-squares line on the daily values, its "
             "last day minus its first over the mean") = std::move(drift);
  return t;
}

// What the steady-state test says about the warm-up: a series whose
// transient outlasts the warm-up in any task, or that never settles and
// drifts materially over the horizon. MSER-5 is scale-free: on a nearly
// noiseless series (mean trust over tens of thousands of buyers) it finds no
// end to a creep of a few tenths of a percent a year, which moves no
// estimate; such a series is recorded in /analysis/steady_state (truncation
// -1, its horizon_drift) without a warning.
std::vector<std::string> steady_state_warnings(const Scenario& scenario, const TaskList& tasks) {
  const auto warmup = static_cast<std::int64_t>(scenario.settings.warmup_days);
  std::vector<std::string> warnings;
  for (std::size_t i = 0; i < steady_state_series().size(); ++i) {
    std::size_t none = 0, late = 0, all = 0;
    std::int64_t latest = 0;
    double largest_drift = 0;  // among the replications that never settle
    for (const auto* task : tasks) {
      if (i >= task->steady_state.size()) continue;
      const auto d = task->steady_state[i];
      const double drift = task->steady_state_drift[i];
      all += 1;
      if (d < 0 && !(std::abs(drift) <= kMaterialHorizonDrift)) {
        none += 1;
        if (!(std::abs(drift) <= std::abs(largest_drift))) largest_drift = drift;
      }
      if (d > warmup) late += 1, latest = std::max(latest, d);
    }
    const char* name = steady_state_series()[i];
    if (none > 0)
      warnings.push_back(fmt::format(
          "steady state: the baseline's series '{}' never settles in {} of {} replications (MSER-5 "
          "finds no end of its transient in the first half of warm-up + horizon) and drifts by "
          "up to {:+.1f}% over the horizon",
          name, none, all, 100.0 * largest_drift));
    if (late > 0)
      warnings.push_back(
          fmt::format("steady state: the baseline's series '{}' settles after the warm-up in {} of "
                      "{} replications "
                      "(as late as day {}; warm-up {} days): lengthen warmup_days",
                      name, late, all, latest, warmup));
  }
  return warnings;
}

// What the run should say about itself: each policy entry of an arm that
// acted on no seller in any replication (its parameters cannot have changed
// that arm's results through it).
std::vector<std::string> policy_warnings(const Scenario& scenario,
                                         const std::vector<PolicyOutcome>& columns,
                                         const TaskList& tasks) {
  std::vector<double> acted(columns.size(), 0.0);
  for (const auto* task : tasks) {
    std::size_t c = 0;
    for (const auto& arm : task->arms)
      for (double v : arm.policy_outcomes) acted[c++] += v;
  }
  std::vector<std::string> warnings;
  for (std::size_t c = 0; c < columns.size(); ++c) {
    if (columns[c].definition.name != Policy::kActedOn || acted[c] != 0.0) continue;
    const auto& arm = scenario.arms[columns[c].arm];
    warnings.push_back(fmt::format(
        "arm '{}': policies[{}] ({}) acted on no seller in any replication: it had no effect "
        "in this arm{}",
        arm.name, columns[c].policy, columns[c].kind,
        columns[c].arm == 0 ? "" : ", and what the arm changes in it is not tested"));
  }
  return warnings;
}

// Outcomes a horizon too short to measure: a repeat rate over W days counts
// buyers whose first horizon order leaves W days before the horizon ends.
std::vector<std::string> horizon_warnings(const Scenario& scenario) {
  std::vector<std::string> warnings;
  const auto horizon = scenario.settings.horizon_days;
  for (const std::uint64_t window : {30, 90})
    if (horizon < window)
      warnings.push_back(fmt::format(
          "horizon_days is {}: repeat_rate_{}d counts buyers whose first horizon order is at "
          "least {} days before its end, so it counts none and reads 0 in every arm (a horizon "
          "of {} days or more measures it)",
          horizon, window, window, window));
  return warnings;
}

// Tasks of each sweep point, in task order.
std::vector<TaskList> tasks_by_point(const Scenario& scenario, const TaskList& tasks) {
  std::vector<TaskList> by_point(scenario.points.size());
  for (const auto* task : tasks) by_point.at(task->point_id).push_back(task);
  return by_point;
}

// Paired contrasts per (point, candidate arm, metric); p-values adjusted
// across the candidate arms of each metric at each point (the family is
// "which candidates move this outcome").
Table contrasts_table(const Scenario& scenario, const std::vector<TaskList>& by_point) {
  Table t(table_path::kContrasts);
  const auto& defs = summary_outcomes();
  const auto& analysis = scenario.settings.analysis;
  std::vector<std::int64_t> point, arm_id, metric_id, n;
  std::vector<double> mean_arm, mean_base, diff, se, lo, hi, p, p_adj, ratio;
  const std::size_t arms = scenario.arms.size();
  for (std::size_t pt = 0; pt < by_point.size(); ++pt) {
    for (std::size_t m = 0; m < defs.size(); ++m) {
      std::vector<double> family;
      for (std::size_t a = 1; a < arms; ++a) {
        std::vector<double> xs, bs;
        for (const auto* task : by_point[pt]) {
          xs.push_back(task->arms[a].summary[m]);
          bs.push_back(task->arms[0].summary[m]);
        }
        const auto c = stats::paired_contrast(xs, bs, analysis.confidence);
        point.push_back(static_cast<std::int64_t>(pt));
        arm_id.push_back(static_cast<std::int64_t>(a));
        metric_id.push_back(static_cast<std::int64_t>(m));
        n.push_back(static_cast<std::int64_t>(c.n));
        mean_arm.push_back(c.mean_arm);
        mean_base.push_back(c.mean_baseline);
        diff.push_back(c.mean_diff);
        se.push_back(c.se);
        lo.push_back(c.ci_lo);
        hi.push_back(c.ci_hi);
        p.push_back(c.p_value);
        ratio.push_back(c.variance_ratio);
        family.push_back(c.p_value);
      }
      const auto adjusted = stats::adjust_p_values(family, analysis.p_adjustment);
      p_adj.insert(p_adj.end(), adjusted.begin(), adjusted.end());
    }
  }
  const auto level = fmt::format("{:g}% Student-t confidence interval", 100 * analysis.confidence);
  t.add_int("point_id") = std::move(point);
  t.add_int("arm_id") = std::move(arm_id);
  t.add_int("metric_id") = std::move(metric_id);
  t.add_int("n", "replications") = std::move(n);
  t.add_real("mean_arm") = std::move(mean_arm);
  t.add_real("mean_baseline") = std::move(mean_base);
  t.add_real("mean_diff", "", "mean of paired differences arm - baseline") = std::move(diff);
  t.add_real("se", "", "standard error of mean_diff") = std::move(se);
  t.add_real("ci_lo", "", level) = std::move(lo);
  t.add_real("ci_hi", "", level) = std::move(hi);
  t.add_real("p_value", "", "two-sided paired t-test") = std::move(p);
  t.add_real("p_adjusted", "",
             fmt::format("{}-adjusted across candidate arms, per metric and point",
                         enum_name(analysis.p_adjustment))) = std::move(p_adj);
  t.add_real("variance_ratio", "",
             "Var(arm - baseline) / (Var(arm) + Var(baseline)): below 1 by what common random "
             "numbers save; about 1 with independent arms") = std::move(ratio);
  return t;
}

// Precision targets at each point's final replication count.
Table precision_table(const std::vector<PrecisionStatus>& report) {
  Table t(table_path::kPrecision);
  std::vector<std::int64_t> point, arm, metric, target, met, n, stable;
  std::vector<double> wanted, achieved;
  for (const auto& s : report) {
    point.push_back(static_cast<std::int64_t>(s.point_id));
    arm.push_back(static_cast<std::int64_t>(s.arm_id));
    metric.push_back(static_cast<std::int64_t>(s.metric_id));
    target.push_back(static_cast<std::int64_t>(s.target_index));
    wanted.push_back(s.target_half_width);
    achieved.push_back(s.half_width);
    met.push_back(s.met ? 1 : 0);
    n.push_back(static_cast<std::int64_t>(s.replications));
    stable.push_back(s.first_stable_met);
  }
  t.add_int("point_id") = std::move(point);
  t.add_int("arm_id") = std::move(arm);
  t.add_int("metric_id") = std::move(metric);
  t.add_int("target", "", "index in precision.targets") = std::move(target);
  t.add_real("target_half_width", "", "wanted CI half-width of mean_diff (absolute)") =
      std::move(wanted);
  t.add_real("half_width", "", "achieved CI half-width of mean_diff") = std::move(achieved);
  t.add_int("met", "", "1 if half_width <= target_half_width") = std::move(met);
  t.add_int("replications", "replications", "the point's final replication count") = std::move(n);
  t.add_int("met_since", "replications",
            "count from which the target stayed met (-1: unmet at the end)") = std::move(stable);
  return t;
}

// The swept parameters and each point's values.
Table lookup_parameters(const SweepParams& sweep) {
  std::vector<std::int64_t> id;
  std::vector<std::string> key, scale;
  std::vector<double> lo, hi;
  const bool grid = sweep.design == SweepDesign::kGrid;
  for (std::size_t i = 0; i < sweep.parameters.size(); ++i) {
    const auto& p = sweep.parameters[i];
    id.push_back(static_cast<std::int64_t>(i));
    key.push_back(p.key);
    lo.push_back(grid ? *std::min_element(p.values.begin(), p.values.end()) : p.min);
    hi.push_back(grid ? *std::max_element(p.values.begin(), p.values.end()) : p.max);
    scale.push_back(grid ? "values" : std::string(enum_name(p.scale)));
  }
  // Columns are added after they are filled: adding one may move the others.
  Table t(table_path::kParameters);
  t.add_int("parameter_id") = std::move(id);
  t.add_text("key") = std::move(key);
  t.add_real("min") = std::move(lo);
  t.add_real("max") = std::move(hi);
  t.add_text("scale", "", "linear or log for sampled designs; values for a grid") =
      std::move(scale);
  return t;
}

Table lookup_points(const Scenario& scenario) {
  Table t(table_path::kPoints);
  std::vector<std::int64_t> id;
  for (std::size_t pt = 0; pt < scenario.points.size(); ++pt)
    id.push_back(static_cast<std::int64_t>(pt));
  t.add_int("point_id") = std::move(id);
  const auto& params = scenario.settings.sweep.parameters;
  for (std::size_t i = 0; i < params.size(); ++i) {
    std::vector<double> column;
    for (const auto& point : scenario.points) column.push_back(point.values[i]);
    t.add_real(params[i].key, "", "value at each point") = std::move(column);
  }
  return t;
}

// First-order and total Sobol indices of each arm's replication-mean
// outcomes over a Saltelli design, with bootstrap intervals.
Table sobol_table(const Scenario& scenario, const std::vector<TaskList>& by_point) {
  Table t(table_path::kSobol);
  const auto& sweep = scenario.settings.sweep;
  const auto& defs = summary_outcomes();
  const std::size_t k = sweep.parameters.size();
  constexpr std::size_t kResamples = 1000;
  std::vector<std::int64_t> arm_id, metric_id, parameter_id;
  std::vector<double> s1, s1_lo, s1_hi, st, st_lo, st_hi, variance;
  for (std::size_t a = 0; a < scenario.arms.size(); ++a)
    for (std::size_t m = 0; m < defs.size(); ++m) {
      std::vector<double> outputs;
      for (const auto& tasks : by_point) {
        double sum = 0;
        for (const auto* task : tasks) sum += task->arms[a].summary[m];
        outputs.push_back(tasks.empty() ? 0.0 : sum / static_cast<double>(tasks.size()));
      }
      const auto indices = design::sobol_indices(outputs, sweep.points, k, kResamples,
                                                 scenario.settings.analysis.confidence, sweep.seed);
      for (std::size_t i = 0; i < k; ++i) {
        arm_id.push_back(static_cast<std::int64_t>(a));
        metric_id.push_back(static_cast<std::int64_t>(m));
        parameter_id.push_back(static_cast<std::int64_t>(i));
        s1.push_back(indices.first_order[i].estimate);
        s1_lo.push_back(indices.first_order[i].ci_lo);
        s1_hi.push_back(indices.first_order[i].ci_hi);
        st.push_back(indices.total_order[i].estimate);
        st_lo.push_back(indices.total_order[i].ci_lo);
        st_hi.push_back(indices.total_order[i].ci_hi);
        variance.push_back(indices.variance);
      }
    }
  t.add_int("arm_id") = std::move(arm_id);
  t.add_int("metric_id") = std::move(metric_id);
  t.add_int("parameter_id") = std::move(parameter_id);
  t.add_real("first_order", "", "S_i (Saltelli 2010)") = std::move(s1);
  t.add_real("first_order_lo", "", "bootstrap percentile interval") = std::move(s1_lo);
  t.add_real("first_order_hi", "", "bootstrap percentile interval") = std::move(s1_hi);
  t.add_real("total_order", "", "ST_i (Jansen 1999)") = std::move(st);
  t.add_real("total_order_lo", "", "bootstrap percentile interval") = std::move(st_lo);
  t.add_real("total_order_hi", "", "bootstrap percentile interval") = std::move(st_hi);
  t.add_real("output_variance", "", "variance of the replication-mean outcome over the design") =
      std::move(variance);
  return t;
}

// Wall-clock figures: machine-dependent, kept out of the results digest.
Table timing_table(const TaskList& tasks) {
  Table t(table_path::kTiming);
  std::vector<std::int64_t> id, orders;
  std::vector<double> setup, simulate;
  for (const auto* task : tasks) {
    id.push_back(static_cast<std::int64_t>(task->task_id));
    orders.push_back(task->orders_simulated);
    setup.push_back(task->setup_seconds);
    simulate.push_back(task->simulate_seconds);
  }
  t.add_int("task_id") = std::move(id);
  t.add_int("orders_simulated", "orders", "all simulated days, warm-up included") =
      std::move(orders);
  t.add_real("setup_seconds", "s", "creating the population") = std::move(setup);
  t.add_real("simulate_seconds", "s", "day loop: warm-up and all arms") = std::move(simulate);
  for (std::size_t phase = 0; phase < kDayPhaseCount; ++phase) {
    std::vector<double> seconds;
    for (const auto* task : tasks) seconds.push_back(task->phases.seconds[phase]);
    t.add_real(fmt::format("{}_seconds", kDayPhaseNames[phase]), "s",
               fmt::format("day loop, {} phase", kDayPhaseNames[phase])) = std::move(seconds);
  }
  return t;
}

}  // namespace

ResultFile assemble_results(const Scenario& scenario, const FinishedTasks& finished,
                            const RunMetadata& metadata) {
  const ReplicationPlan plan(scenario);
  if (!plan.required(finished).empty())
    throw RunError("assemble_results: the experiment is not complete (tasks are missing)");
  const auto counts = plan.replications(finished);
  TaskList tasks;
  for (const auto& [id, task] : finished)
    if (task.replication < counts.at(task.point_id)) tasks.push_back(&task);
  const auto by_point = tasks_by_point(scenario, tasks);
  const auto& set = scenario.settings;
  const bool swept = !set.sweep.parameters.empty();

  ResultFile file;
  file.scenario_yaml = scenario.resolved_yaml;
  file.tables.push_back(lookup_arms(scenario));
  file.tables.push_back(lookup_metrics());
  file.tables.push_back(lookup_cohorts(scenario));
  const auto policy_columns = policy_outcome_columns(scenario);
  file.tables.push_back(lookup_policy_outcomes(policy_columns));
  if (swept) {
    file.tables.push_back(lookup_parameters(set.sweep));
    file.tables.push_back(lookup_points(scenario));
  }
  file.tables.push_back(runs_table(tasks));
  file.tables.push_back(summary_table(tasks));
  file.tables.push_back(timeseries_table(tasks));
  file.tables.push_back(cohort_table(tasks));
  file.tables.push_back(policy_outcomes_table(scenario, policy_columns, tasks));
  if (set.outputs.seller_panel > 0)
    file.tables.push_back(panel_table(table_path::kSellerPanel, seller_panel_columns(), tasks,
                                      &ArmRun::seller_panel));
  if (set.outputs.buyer_events > 0)
    file.tables.push_back(
        panel_table(table_path::kBuyerEvents, buyer_event_columns(), tasks, &ArmRun::buyer_events));
  file.tables.push_back(contrasts_table(scenario, by_point));
  file.tables.push_back(steady_state_table(scenario, tasks));
  const auto precision = plan.precision_report(finished);
  if (plan.sequential()) file.tables.push_back(precision_table(precision));
  if (swept && set.sweep.design == SweepDesign::kSaltelli)
    file.tables.push_back(sobol_table(scenario, by_point));
  file.tables.push_back(timing_table(tasks));
  std::int64_t targets_met = 0;
  for (const auto& p : precision) targets_met += p.met ? 1 : 0;
  file.root_attributes = {
      {"format", std::string("trustsim-results")},
      {"schema_version", kResultSchemaVersion},
      {"engine_version", std::string(engine_version())},
      {"git_sha", std::string(git_sha())},
      {"created_utc", metadata.created_utc},
      {"command_line", metadata.command_line},
      {"scenario_name", scenario.settings.name},
      {"master_seed", std::to_string(scenario.settings.seed)},
      {"config_sha256", sha256_hex(scenario.resolved_yaml)},
      {"rng", std::string("Random123 Philox4x64-10; key (master_seed, replication); counter "
                          "(entity, day, purpose | substream << 16, block)")},
      {"replications", static_cast<std::int64_t>(*std::max_element(counts.begin(), counts.end()))},
      {"warmup_days", static_cast<std::int64_t>(scenario.settings.warmup_days)},
      {"horizon_days", static_cast<std::int64_t>(scenario.settings.horizon_days)},
      {"points", static_cast<std::int64_t>(scenario.points.size())},
      {"independent_arms", static_cast<std::int64_t>(set.independent_arms ? 1 : 0)},
      {"p_adjustment", std::string(enum_name(set.analysis.p_adjustment))},
      {"confidence", set.analysis.confidence},
  };
  if (plan.sequential()) {
    file.root_attributes.push_back(
        {"precision_targets", static_cast<std::int64_t>(precision.size())});
    file.root_attributes.push_back({"precision_targets_met", targets_met});
  }
  std::string warnings;
  for (const auto& w : policy_warnings(scenario, policy_columns, tasks)) warnings += w + "\n";
  for (const auto& w : steady_state_warnings(scenario, tasks)) warnings += w + "\n";
  for (const auto& w : horizon_warnings(scenario)) warnings += w + "\n";
  file.root_attributes.push_back({"warnings", warnings});
  file.root_attributes.push_back({"results_digest", results_digest(file)});
  return file;
}

namespace {

// One table into a digest: its path, then each column's name and values.
void hash_table(Sha256& h, const Table& table) {
  h.update(table.path());
  for (const auto& col : table.columns()) {
    h.update(col.name);
    std::visit(
        [&h](const auto& values) {
          using T = typename std::decay_t<decltype(values)>::value_type;
          if constexpr (std::is_same_v<T, std::string>) {
            for (const auto& v : values) h.update(v.data(), v.size() + 1);
          } else {
            h.update(values.data(), values.size() * sizeof(T));
          }
        },
        col.data);
  }
}

}  // namespace

std::string results_digest(const ResultFile& file) {
  Sha256 h;
  for (const auto& table : file.tables)
    if (in_results_digest(table.path())) hash_table(h, table);
  return h.hex();
}

bool in_results_digest(std::string_view path) {
  return !path.starts_with("/lookup") && path != table_path::kTiming;
}

std::string table_digest(const Table& table) {
  Sha256 h;
  hash_table(h, table);
  return h.hex();
}

void check_schema_version(const ResultFile& file, const std::string& path) {
  const auto* a = find_attribute(file, "schema_version");
  if (!a)
    throw InputError(fmt::format(
        "cannot read results from '{}': it has no schema_version attribute (not a trustsim "
        "result file?)",
        path));
  const auto* version = std::get_if<std::int64_t>(&a->value);
  if (version && *version == kResultSchemaVersion) return;
  throw InputError(fmt::format(
      "cannot read results from '{}': its schema_version is {}; this trustsim {} reads "
      "version {} (rerun the scenario in /config/scenario with this engine, or read it with "
      "the engine that wrote it: attribute engine_version)",
      path, version ? std::to_string(*version) : std::string("not an integer"), engine_version(),
      kResultSchemaVersion));
}

}  // namespace trustsim
