// Tasks and result tables (see include/trustsim/experiment.hpp).
#include "trustsim/experiment.hpp"

#include <chrono>
#include <cmath>

#include <fmt/format.h>

#include "outcomes.hpp"
#include "trustsim/marketplace.hpp"
#include "trustsim/sha256.hpp"
#include "trustsim/statistics.hpp"
#include "trustsim/version.hpp"

namespace trustsim {

inline constexpr std::int64_t kSchemaVersion = 1;

TaskRun run_task(const Scenario& scenario, std::uint64_t replication,
                 const std::function<void(std::int64_t)>& on_day) {
  const auto& set = scenario.settings;
  const rng::StreamKey key{set.seed, replication, 0};
  const auto warmup = static_cast<std::int32_t>(set.warmup_days);
  const auto horizon = static_cast<std::int32_t>(set.horizon_days);
  std::vector<RunSettings> arm_settings;
  for (const auto& arm : scenario.arms)
    arm_settings.push_back(RunSettings::make(arm.model, key, warmup, horizon));

  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  TaskRun task;
  // One warm-up under the baseline; every arm forks from it.
  Marketplace warm(arm_settings.front(), arm_settings);
  const auto created = Clock::now();
  for (std::int32_t day = 0; day < warmup; ++day) {
    const auto totals = warm.step_day(day);
    task.orders_simulated += totals.orders;
    if (on_day) on_day(totals.orders);
  }

  task.task_id = replication;
  task.replication = replication;
  const auto labels = cohort_labels(scenario);
  for (std::size_t a = 0; a < scenario.arms.size(); ++a) {
    const bool last = a + 1 == scenario.arms.size();
    Marketplace market = last ? std::move(warm) : warm;
    market.apply_arm(arm_settings[a]);
    market.begin_horizon();
    ArmAccumulator acc;
    acc.buyers_at_start = market.buyers_present();
    for (std::int32_t d = 0; d < horizon; ++d) {
      const auto totals = market.step_day(warmup + d);
      acc.add_day(market, totals, d, set.outputs.timeseries);
      task.orders_simulated += totals.orders;
      if (on_day) on_day(totals.orders);
    }
    acc.finish(market, labels, set.outputs.cohorts);
    task.arms.push_back(std::move(acc.run));
  }
  task.setup_seconds = std::chrono::duration<double>(created - start).count();
  task.simulate_seconds = std::chrono::duration<double>(Clock::now() - created).count();
  return task;
}

namespace {

Table lookup_arms(const Scenario& scenario) {
  Table t("/lookup/arms");
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
  Table t("/lookup/metrics");
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
  Table t("/lookup/cohorts");
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
  void add(const TaskRun& t, std::size_t arm_id) {
    task.push_back(static_cast<std::int64_t>(t.task_id));
    point.push_back(static_cast<std::int64_t>(t.point_id));
    replication.push_back(static_cast<std::int64_t>(t.replication));
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

Table runs_table(const std::vector<TaskRun>& tasks) {
  Table t("/runs");
  RowKeys k;
  std::vector<std::string> status;
  std::vector<std::int64_t> orders;
  for (const auto& task : tasks)
    for (std::size_t a = 0; a < task.arms.size(); ++a) {
      k.add(task, a);
      status.push_back("complete");
      orders.push_back(static_cast<std::int64_t>(task.arms[a].summary.front()));
    }
  add_keys(t, k, nullptr, true);
  t.add_text("status") = std::move(status);
  t.add_int("orders", "orders") = std::move(orders);
  return t;
}

Table summary_table(const std::vector<TaskRun>& tasks) {
  Table t("/summary");
  RowKeys k;
  const auto& defs = summary_outcomes();
  std::vector<std::vector<double>> columns(defs.size());
  for (const auto& task : tasks)
    for (std::size_t a = 0; a < task.arms.size(); ++a) {
      k.add(task, a);
      for (std::size_t m = 0; m < defs.size(); ++m) columns[m].push_back(task.arms[a].summary[m]);
    }
  add_keys(t, k, nullptr, true);
  add_outcome_columns(t, defs, columns);
  return t;
}

Table timeseries_table(const std::vector<TaskRun>& tasks) {
  Table t("/timeseries");
  RowKeys k;
  const auto& defs = timeseries_outcomes();
  std::vector<std::vector<double>> columns(defs.size());
  for (const auto& task : tasks)
    for (std::size_t a = 0; a < task.arms.size(); ++a) {
      const auto& run = task.arms[a];
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

Table cohort_table(const std::vector<TaskRun>& tasks) {
  Table t("/cohort_summary");
  RowKeys k;
  const auto& defs = cohort_outcomes();
  std::vector<std::vector<double>> columns(defs.size());
  for (const auto& task : tasks)
    for (std::size_t a = 0; a < task.arms.size(); ++a)
      for (std::size_t c = 0; c < task.arms[a].cohorts.size(); ++c) {
        k.add(task, a);
        k.extra.push_back(static_cast<std::int64_t>(c));
        for (std::size_t m = 0; m < defs.size(); ++m)
          columns[m].push_back(task.arms[a].cohorts[c][m]);
      }
  add_keys(t, k, "cohort_id", false);
  add_outcome_columns(t, defs, columns);
  return t;
}

// Paired contrasts per (point, candidate arm, metric); p-values Holm-adjusted
// across the candidate arms of each metric (the family is "which candidates
// move this outcome").
Table contrasts_table(const Scenario& scenario, const std::vector<TaskRun>& tasks) {
  Table t("/analysis/contrasts");
  const auto& defs = summary_outcomes();
  std::vector<std::int64_t> point, arm_id, metric_id, n;
  std::vector<double> mean_arm, mean_base, diff, se, lo, hi, p, p_adj;
  const std::size_t arms = scenario.arms.size();
  std::uint64_t max_point = 0;
  for (const auto& task : tasks) max_point = std::max(max_point, task.point_id);
  for (std::uint64_t pt = 0; pt <= max_point && !tasks.empty(); ++pt) {
    for (std::size_t m = 0; m < defs.size(); ++m) {
      std::vector<double> family;
      for (std::size_t a = 1; a < arms; ++a) {
        std::vector<double> xs, bs;
        for (const auto& task : tasks)
          if (task.point_id == pt) {
            xs.push_back(task.arms[a].summary[m]);
            bs.push_back(task.arms[0].summary[m]);
          }
        const auto c = stats::paired_contrast(xs, bs);
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
        family.push_back(c.p_value);
      }
      const auto adjusted = stats::holm_adjust(family);
      p_adj.insert(p_adj.end(), adjusted.begin(), adjusted.end());
    }
  }
  t.add_int("point_id") = std::move(point);
  t.add_int("arm_id") = std::move(arm_id);
  t.add_int("metric_id") = std::move(metric_id);
  t.add_int("n", "replications") = std::move(n);
  t.add_real("mean_arm") = std::move(mean_arm);
  t.add_real("mean_baseline") = std::move(mean_base);
  t.add_real("mean_diff", "", "mean of paired differences arm - baseline") = std::move(diff);
  t.add_real("se", "", "standard error of mean_diff") = std::move(se);
  t.add_real("ci_lo", "", "95% Student-t confidence interval") = std::move(lo);
  t.add_real("ci_hi", "", "95% Student-t confidence interval") = std::move(hi);
  t.add_real("p_value", "", "two-sided paired t-test") = std::move(p);
  t.add_real("p_adjusted", "", "Holm-adjusted across candidate arms, per metric") =
      std::move(p_adj);
  return t;
}

// Wall-clock figures: machine-dependent, kept out of the results digest.
Table timing_table(const std::vector<TaskRun>& tasks) {
  Table t("/timing");
  std::vector<std::int64_t> id, orders;
  std::vector<double> setup, simulate;
  for (const auto& task : tasks) {
    id.push_back(static_cast<std::int64_t>(task.task_id));
    orders.push_back(task.orders_simulated);
    setup.push_back(task.setup_seconds);
    simulate.push_back(task.simulate_seconds);
  }
  t.add_int("task_id") = std::move(id);
  t.add_int("orders_simulated", "orders", "all simulated days, warm-up included") =
      std::move(orders);
  t.add_real("setup_seconds", "s", "creating the population") = std::move(setup);
  t.add_real("simulate_seconds", "s", "day loop: warm-up and all arms") = std::move(simulate);
  return t;
}

}  // namespace

ResultFile assemble_results(const Scenario& scenario, const std::vector<TaskRun>& tasks,
                            const RunMetadata& metadata) {
  ResultFile file;
  file.scenario_yaml = scenario.resolved_yaml;
  file.tables.push_back(lookup_arms(scenario));
  file.tables.push_back(lookup_metrics());
  file.tables.push_back(lookup_cohorts(scenario));
  file.tables.push_back(runs_table(tasks));
  file.tables.push_back(summary_table(tasks));
  file.tables.push_back(timeseries_table(tasks));
  file.tables.push_back(cohort_table(tasks));
  file.tables.push_back(contrasts_table(scenario, tasks));
  file.tables.push_back(timing_table(tasks));
  file.root_attributes = {
      {"format", std::string("trustsim-results")},
      {"schema_version", kSchemaVersion},
      {"engine_version", std::string(engine_version())},
      {"git_sha", std::string(git_sha())},
      {"created_utc", metadata.created_utc},
      {"command_line", metadata.command_line},
      {"scenario_name", scenario.settings.name},
      {"master_seed", std::to_string(scenario.settings.seed)},
      {"config_sha256", sha256_hex(scenario.resolved_yaml)},
      {"rng", std::string("Random123 Philox4x64-10; key (master_seed, replication); counter "
                          "(entity, day, purpose | substream << 16, block)")},
      {"replications", static_cast<std::int64_t>(scenario.settings.replications)},
      {"warmup_days", static_cast<std::int64_t>(scenario.settings.warmup_days)},
      {"horizon_days", static_cast<std::int64_t>(scenario.settings.horizon_days)},
  };
  file.root_attributes.push_back({"results_digest", results_digest(file)});
  return file;
}

std::string results_digest(const ResultFile& file) {
  Sha256 h;
  for (const auto& table : file.tables) {
    if (table.path().starts_with("/lookup") || table.path() == "/timing") continue;
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
  return h.hex();
}

}  // namespace trustsim
