// Tests of the experiment engine around the model: the replication rule
// (fixed counts and the sequential precision procedure on an analytic case
// with known variance), task records (bit-exact round trip), the resume
// journal (torn records, refusal of another run), the experiment sections of
// a scenario (precision, sweep, analysis; their errors), sweep points, and
// common versus independent random numbers on the real model.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <boost/math/distributions/normal.hpp>

#include "policies/threshold_rule.hpp"
#include "test_directory.hpp"
#include "trustsim/errors.hpp"
#include "trustsim/experiment.hpp"
#include "trustsim/journal.hpp"
#include "trustsim/replication_plan.hpp"
#include "trustsim/result_file.hpp"
#include "trustsim/rng.hpp"
#include "trustsim/scenario.hpp"
#include "trustsim/statistics.hpp"

namespace trustsim {
namespace {

std::string quickstart_path() {
  return std::string(TRUSTSIM_SOURCE_DIR) + "/scenarios/quickstart.yaml";
}

Scenario quickstart(std::vector<std::string> sets, bool small = false) {
  LoadOptions options;
  if (small) {
    const std::vector<std::string> shrink = {"population.sellers.count=300",
                                             "population.buyers.count=5000", "warmup_days=20",
                                             "horizon_days=40"};
    sets.insert(sets.begin(), shrink.begin(), shrink.end());
  }
  options.set_overrides = std::move(sets);
  return load_scenario(quickstart_path(), options);
}

std::size_t metric_index(const std::string& name) {
  const auto& defs = summary_outcomes();
  for (std::size_t m = 0; m < defs.size(); ++m)
    if (defs[m].name == name) return m;
  throw std::invalid_argument(name);
}

// A synthetic task: baseline and candidate summaries with chosen values of
// one metric (everything else zero), for testing the rule without the model.
// The /policy_outcomes columns of a model's policies, every kind's own.
std::size_t policy_outcome_columns(const ModelParams& model) {
  const PolicySet policies(model);
  std::size_t columns = 0;
  for (std::size_t p = 0; p < policies.size(); ++p) columns += policies[p].outcome_columns().size();
  return columns;
}

TaskRun synthetic_task(const ReplicationPlan& plan, std::uint64_t id, std::size_t metric,
                       double baseline, double candidate) {
  TaskRun task;
  task.task_id = id;
  task.point_id = plan.point_of(id);
  task.replication = plan.replication_of(id);
  task.arms.resize(2);
  for (auto& arm : task.arms) arm.summary.assign(summary_outcomes().size(), 0.0);
  task.arms[0].summary[metric] = baseline;
  task.arms[1].summary[metric] = candidate;
  return task;
}

// Standard normal draw for replication r of experiment e (Philox + inversion).
double normal_draw(std::uint64_t experiment, std::uint64_t replication, std::uint64_t which) {
  rng::Stream stream({2024, experiment, 0}, replication, which, rng::Purpose::kSweepDesign, 99);
  return boost::math::quantile(boost::math::normal(), stream.uniform());
}

// ---------------------------------------------------------------------------
// Replication rule

TEST(ReplicationPlan, FixedCountsAskForEveryReplicationOfEveryPoint) {
  const auto scenario = quickstart(
      {"sweep={design: grid, parameters: [{key: trust.loss_late_delivery, values: [0.03, "
       "0.04, 0.05]}]}"},
      true);
  const ReplicationPlan plan(scenario);
  ASSERT_EQ(plan.points(), 3u);
  const auto ids = plan.required({});
  ASSERT_EQ(ids.size(), 3 * scenario.settings.replications);
  EXPECT_EQ(ids[0], plan.task_id(0, 0));
  EXPECT_EQ(plan.point_of(ids.back()), 2u);
  EXPECT_EQ(plan.replication_of(ids.back()), scenario.settings.replications - 1);
  EXPECT_EQ(plan.task_id(2, 3), 2 * scenario.settings.replications + 3);
}

// Runs the sequential rule on synthetic paired differences d ~ N(delta, sigma^2)
// until it stops; returns the final count, the final half-width and whether
// the final interval covers delta.
struct SequentialOutcome {
  std::uint64_t n;
  double half_width;
  double target_half_width;
  double baseline_mean;
  bool covers;
  bool met;
};

SequentialOutcome run_sequential(const ReplicationPlan& plan, std::uint64_t experiment,
                                 double delta, double sigma, std::size_t metric) {
  FinishedTasks finished;
  for (auto ids = plan.required(finished); !ids.empty(); ids = plan.required(finished))
    for (auto id : ids) {
      const double base = 100.0 + 5.0 * normal_draw(experiment, id, 0);
      const double diff = delta + sigma * normal_draw(experiment, id, 1);
      finished.emplace(id, synthetic_task(plan, id, metric, base, base + diff));
    }
  const auto report = plan.precision_report(finished);
  EXPECT_EQ(report.size(), 1u);
  const auto n = plan.replications(finished).at(0);
  double sum = 0, base = 0;
  for (std::uint64_t r = 0; r < n; ++r) {
    const auto& t = finished.at(plan.task_id(0, r));
    sum += t.arms[1].summary[metric] - t.arms[0].summary[metric];
    base += t.arms[0].summary[metric];
  }
  const double mean = sum / static_cast<double>(n);
  return {n,
          report[0].half_width,
          report[0].target_half_width,
          base / static_cast<double>(n),
          std::abs(mean - delta) <= report[0].half_width,
          report[0].met};
}

TEST(ReplicationPlan, SequentialRuleStopsNearTheAnalyticCountAndKeepsCoverage) {
  // Differences N(0.3, 1) and a target half-width h = 0.25 at 95%: the fixed-n
  // answer is n* = (t * sigma / h)^2 = 63.4 (t_{0.975, 62} = 1.999). The rule
  // stops at the first count from which the target held for look_ahead = 5
  // more replications.
  const auto scenario = quickstart({"precision={min_replications: 5, max_replications: 400, "
                                    "batch: 5, look_ahead: 5, targets: [{metric: gmv, "
                                    "half_width: 0.25}]}"},
                                   true);
  const ReplicationPlan plan(scenario);
  ASSERT_TRUE(plan.sequential());
  ASSERT_EQ(plan.required({}).size(), 5u);  // min_replications first
  const std::size_t gmv = metric_index("gmv");
  constexpr int kExperiments = 400;
  double n_sum = 0;
  int covered = 0;
  for (int e = 0; e < kExperiments; ++e) {
    const auto out = run_sequential(plan, e, 0.3, 1.0, gmv);
    ASSERT_TRUE(out.met) << "experiment " << e;
    ASSERT_LE(out.half_width, 0.25);  // the rule never stops with the target unmet
    n_sum += static_cast<double>(out.n);
    covered += out.covers ? 1 : 0;
  }
  // The count's spread across experiments is about sd(s^2)/sigma^2 * n* =
  // sqrt(2/62) * 63 = 11, so the mean of 400 has SE 0.6. The rule stops about
  // look_ahead = 5 replications after n*: the mean must lie within 3 (5 SE)
  // of 68.4 (measured: 68.7; without the look-ahead 64.7, which fails).
  const double mean_n = n_sum / kExperiments;
  EXPECT_NEAR(mean_n, 63.4 + 5, 3.0) << "mean final count";
  // Coverage of the final 95% interval (measured 94.5%): sequential stopping
  // can under-cover a little; with 400 experiments the binomial SE is 1.1%,
  // so >= 91% allows 3.5 SE below nominal while catching a rule that stops on
  // noise.
  EXPECT_GE(covered, static_cast<int>(0.91 * kExperiments)) << "coverage";
}

TEST(ReplicationPlan, RelativeTargetsScaleWithTheBaselineMean) {
  // relative_half_width 0.0025 of a baseline mean near 100 is h = 0.25, the
  // target above: the wanted half-width is 0.0025 x |baseline mean| at the
  // final count, it is met, and counts track the absolute rule's.
  const auto absolute = quickstart({"precision={min_replications: 5, max_replications: 400, "
                                    "targets: [{metric: gmv, half_width: 0.25}]}"},
                                   true);
  const auto relative = quickstart({"precision={min_replications: 5, max_replications: 400, "
                                    "targets: [{metric: gmv, relative_half_width: 0.0025}]}"},
                                   true);
  const std::size_t gmv = metric_index("gmv");
  for (int e = 0; e < 20; ++e) {
    const auto a = run_sequential(ReplicationPlan(absolute), e, 0.3, 1.0, gmv);
    const auto r = run_sequential(ReplicationPlan(relative), e, 0.3, 1.0, gmv);
    // The rule keeps a running (Welford) mean; this one sums: ~1e-15 apart.
    EXPECT_NEAR(r.target_half_width, 0.0025 * std::abs(r.baseline_mean), 1e-12);
    EXPECT_TRUE(r.met);
    // The baseline mean is 100 +- 5/sqrt(n) (under 1% off at n ~ 60), so h and
    // hence n differ by about 2% (a replication or two); 10 allows for a
    // first crossing that moves by one batch.
    EXPECT_NEAR(static_cast<double>(a.n), static_cast<double>(r.n), 10.0) << "experiment " << e;
  }
}

TEST(ReplicationPlan, UnreachableTargetsStopAtTheMaximumAndSaySo) {
  const auto scenario = quickstart({"precision={min_replications: 4, max_replications: 23, "
                                    "batch: 5, targets: [{metric: gmv, half_width: 0.001}]}"},
                                   true);
  const ReplicationPlan plan(scenario);
  const auto out = run_sequential(plan, 7, 0.0, 1.0, metric_index("gmv"));
  EXPECT_EQ(out.n, 23u);  // 4, 9, 14, 19, then capped at 23
  EXPECT_FALSE(out.met);
  EXPECT_GT(out.half_width, 0.001);
}

TEST(ReplicationPlan, DecisionsDependOnlyOnFinishedResults) {
  // A batch is asked for only once the previous one is complete, and a
  // partial batch (a resumed or still-running job) yields just its missing
  // tasks: the same decisions whatever order tasks finish in.
  const auto scenario = quickstart({"precision={min_replications: 6, max_replications: 50, "
                                    "batch: 4, targets: [{metric: gmv, half_width: 0.01}]}"},
                                   true);
  const ReplicationPlan plan(scenario);
  const std::size_t gmv = metric_index("gmv");
  FinishedTasks finished;
  for (std::uint64_t r : {5, 1, 3})
    finished.emplace(r, synthetic_task(plan, r, gmv, 1.0, 1.0 + normal_draw(1, r, 1)));
  EXPECT_EQ(plan.required(finished), (std::vector<std::uint64_t>{0, 2, 4}));
  for (std::uint64_t r : {0, 2, 4})
    finished.emplace(r, synthetic_task(plan, r, gmv, 1.0, 1.0 + normal_draw(1, r, 1)));
  EXPECT_EQ(plan.required(finished), (std::vector<std::uint64_t>{6, 7, 8, 9}));
}

TEST(Report, GroupsContrastsByPointAndCandidateAndNamesTheMethod) {
  // Four arms at six sweep points (the shipped policy study): each
  // candidate's block at each shown point is printed once, with the point's
  // values, whatever the order of rows in the table.
  LoadOptions options;
  options.set_overrides = {"analysis.p_adjustment=benjamini_hochberg"};
  const auto scenario = load_scenario(
      std::string(TRUSTSIM_SOURCE_DIR) + "/scenarios/odr-threshold-study.yaml", options);
  const ReplicationPlan plan(scenario);
  FinishedTasks finished;
  for (auto ids = plan.required(finished); !ids.empty(); ids = plan.required(finished))
    for (auto id : ids) {
      auto task = synthetic_task(plan, id, 0, 1.0, 2.0 + static_cast<double>(id % 5));
      task.arms.push_back(task.arms[1]);
      task.arms.push_back(task.arms[1]);
      for (std::size_t a = 0; a < task.arms.size(); ++a)  // each rule's four columns
        task.arms[a].policy_outcomes.assign(policy_outcome_columns(scenario.arms[a].model), 0.0);
      finished.emplace(id, std::move(task));
    }
  const auto text = format_contrasts(assemble_results(scenario, finished, {"t", "now"}));
  std::size_t blocks = 0;
  for (auto at = text.find(" vs baseline"); at != std::string::npos;
       at = text.find(" vs baseline", at + 1))
    ++blocks;
  EXPECT_EQ(blocks, 3u * 3u) << text;  // 3 candidates at the first 3 of 6 points
  EXPECT_NE(text.find("odr_1.5pct vs baseline (point 2: policies[0].window_days=60, "
                      "policies[0].min_orders=25"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("contrasts at 3 more sweep points"), std::string::npos);
  EXPECT_NE(text.find("p (benjamini_hochberg)"), std::string::npos);
  EXPECT_NE(text.find("benjamini_hochberg-adjusted across candidate arms"), std::string::npos);
}

// ---------------------------------------------------------------------------
// Task records and the resume journal

TaskRun sample_task() {
  TaskRun t;
  t.task_id = 42;
  t.point_id = 3;
  t.replication = 2;
  t.setup_seconds = 0.125;
  t.simulate_seconds = 1.0 / 3.0;
  t.orders_simulated = 123456789;
  t.arms.resize(2);
  for (std::size_t a = 0; a < 2; ++a) {
    t.arms[a].summary = {1.0 / 7.0, -0.0, 1e300, std::nextafter(1.0, 2.0), double(a)};
    t.arms[a].period_start = {0, 7, 14};
    t.arms[a].timeseries = {{1, 2, 3}, {0.1, 0.2, 0.3}};
    t.arms[a].cohorts = {{5, 6}, {7, 8}, {9, 10}};
    t.arms[a].policy_outcomes = {3, 0.5, double(a)};
  }
  return t;
}

TEST(TaskRecord, RoundTripIsBitExact) {
  const auto task = sample_task();
  const auto bytes = encode_task(task);
  const auto back = decode_task(bytes);
  EXPECT_EQ(encode_task(back), bytes);
  EXPECT_EQ(back.task_id, 42u);
  EXPECT_TRUE(std::signbit(back.arms[0].summary[1]));  // -0.0 survives
  EXPECT_EQ(back.arms[1].summary[3], std::nextafter(1.0, 2.0));
  EXPECT_EQ(back.arms[1].cohorts, task.arms[1].cohorts);
  EXPECT_EQ(back.arms[1].policy_outcomes, task.arms[1].policy_outcomes);
}

const Table& table_named(const ResultFile& file, const char* path) {
  for (const auto& t : file.tables)
    if (t.path() == path) return t;
  throw std::invalid_argument(path);
}

template <class T>
const std::vector<T>& column_of(const Table& t, const std::string& name) {
  for (const auto& c : t.columns())
    if (c.name == name) return std::get<std::vector<T>>(c.data);
  throw std::invalid_argument(name);
}

// /policy_outcomes counts each rule's actions: summed over a task's rules
// they are the task's /summary totals; a rule that cannot act (no seller has
// the orders it needs) is named in the file's warnings.
TEST(PolicyOutcomes, EachRulesActionsAddUpToTheSummaryAndARuleThatNeverActsIsNamed) {
  auto scenario = quickstart({"replications=2"}, true);
  ASSERT_EQ(scenario.arms.size(), 2u);                             // baseline and odr_0.8pct
  threshold_rule(scenario.arms[1].model, 2).min_orders = 1000000;  // the cancel rule
  for (auto& point : scenario.points) threshold_rule(point.arm_models[1], 2).min_orders = 1000000;
  const auto tasks = run_all_tasks(scenario);
  const auto file = assemble_results(scenario, tasks, {"test", "now"});
  const auto& lookup = table_named(file, "/lookup/policy_outcomes");
  const auto& names = column_of<std::string>(lookup, "name");
  const auto& policy_of = column_of<std::int64_t>(lookup, "policy");
  const auto& outcomes = table_named(file, "/policy_outcomes");
  const auto& task_id = column_of<std::int64_t>(outcomes, "task_id");
  const auto& arm_id = column_of<std::int64_t>(outcomes, "arm_id");
  const auto& id = column_of<std::int64_t>(outcomes, "policy_outcome_id");
  const auto& value = column_of<double>(outcomes, "value");
  const auto& summary = table_named(file, "/summary");
  ASSERT_EQ(column_of<double>(summary, "warnings").size(), 4u);  // 2 tasks x 2 arms
  double all_actions = 0;
  for (const char* action : {"warnings", "suppressions", "suspensions"}) {
    const auto& total = column_of<double>(summary, action);
    for (double t : total) all_actions += t;
    for (std::size_t row = 0; row < total.size(); ++row) {  // summary rows: task x arm
      const auto task = static_cast<std::int64_t>(row / 2),
                 arm = static_cast<std::int64_t>(row % 2);
      double by_rule = 0;
      for (std::size_t r = 0; r < value.size(); ++r)
        if (task_id[r] == task && arm_id[r] == arm && names[id[r]] == action) by_rule += value[r];
      EXPECT_EQ(by_rule, total[row]) << action << ", task " << task << ", arm " << arm;
    }
  }
  EXPECT_GT(all_actions, 0.0);  // the sums compared are not all zero
  double cancel_rule_acted = -1;
  for (std::size_t r = 0; r < value.size(); ++r)
    if (arm_id[r] == 1 && policy_of[id[r]] == 2 && names[id[r]] == Policy::kActedOn)
      cancel_rule_acted = std::max(cancel_rule_acted, value[r]);
  EXPECT_EQ(cancel_rule_acted, 0.0);
  std::string warnings;
  for (const auto& a : file.root_attributes)
    if (a.name == "warnings") warnings = std::get<std::string>(a.value);
  EXPECT_NE(warnings.find("arm 'odr_0.8pct': policies[2] (threshold_rule) acted on no seller"),
            std::string::npos)
      << warnings;
  EXPECT_EQ(warnings.find("arm 'baseline': policies[2]"), std::string::npos) << warnings;
}

// A horizon shorter than a repeat-rate window: that rate counts no buyer, reads
// 0, and the run says so; a window the horizon covers is not mentioned.
TEST(RunWarnings, AHorizonShorterThanARepeatWindowIsNamed) {
  const auto scenario = quickstart({"replications=1"}, true);  // a 40-day horizon
  const auto tasks = run_all_tasks(scenario);
  const auto file = assemble_results(scenario, tasks, {"test", "now"});
  for (double rate : column_of<double>(table_named(file, "/summary"), "repeat_rate_90d"))
    EXPECT_EQ(rate, 0.0);
  std::string warnings;
  if (const auto* a = find_attribute(file, "warnings")) warnings = std::get<std::string>(a->value);
  EXPECT_NE(warnings.find("horizon_days is 40: repeat_rate_90d counts buyers whose first horizon "
                          "order is at least 90 days before its end, so it counts none and reads "
                          "0 in every arm"),
            std::string::npos)
      << warnings;
  EXPECT_EQ(warnings.find("repeat_rate_30d"), std::string::npos) << warnings;
}

// The steady-state verdicts in the result file: each series' MSER-5
// truncation and horizon drift in /analysis/steady_state; a warning for a
// transient that outlasts the warm-up, and for a series that never settles
// only when it also drifts by more than 1% over the horizon.
TEST(SteadyState, WarnsOfALateTransientAndOfAMaterialDriftOnly) {
  const auto scenario = quickstart({"replications=1"}, true);  // 20 warm-up days
  auto tasks = run_all_tasks(scenario);
  ASSERT_EQ(tasks.size(), 1u);
  auto& task = tasks.begin()->second;
  ASSERT_EQ(task.steady_state.size(), 4u);  // orders, buyers_present, listed_sellers, mean_trust
  ASSERT_EQ(task.steady_state_drift.size(), 4u);
  for (double drift : task.steady_state_drift) EXPECT_TRUE(std::isfinite(drift));
  const auto warnings_of = [&](const FinishedTasks& finished) {
    const auto file = assemble_results(scenario, finished, {"test", "now"});
    for (const auto& a : file.root_attributes)
      if (a.name == "warnings") return std::get<std::string>(a.value);
    return std::string();
  };
  // orders: settled in the warm-up; buyers_present: never settles but creeps
  // by 0.4%; listed_sellers: never settles and falls by 5%; mean_trust:
  // settles on day 30, after the 20-day warm-up.
  task.steady_state = {10, -1, -1, 30};
  task.steady_state_drift = {0.02, 0.004, -0.05, 0.0};
  const auto warnings = warnings_of(tasks);
  EXPECT_EQ(warnings.find("'orders'"), std::string::npos) << warnings;
  EXPECT_EQ(warnings.find("'buyers_present'"), std::string::npos) << warnings;
  EXPECT_NE(warnings.find("steady state: the baseline's series 'listed_sellers' never settles in 1 "
                          "of 1 replications (MSER-5 finds no end of its transient in the first "
                          "half of warm-up + horizon) and drifts by up to -5.0% over the horizon"),
            std::string::npos)
      << warnings;
  EXPECT_NE(warnings.find("'mean_trust' settles after the warm-up in 1 of 1 replications (as late "
                          "as day 30; warm-up 20 days)"),
            std::string::npos)
      << warnings;
  const auto file = assemble_results(scenario, tasks, {"test", "now"});
  const auto& t = table_named(file, "/analysis/steady_state");
  EXPECT_EQ(column_of<double>(t, "horizon_drift"), (std::vector<double>{0.02, 0.004, -0.05, 0.0}));
  EXPECT_EQ(column_of<std::int64_t>(t, "within_warmup"), (std::vector<std::int64_t>{1, 0, 0, 0}));
  // A drift of exactly the 1% floor is not material; one just above it is.
  task.steady_state = {-1, 10, 10, 10};
  task.steady_state_drift = {0.01, 0, 0, 0};
  EXPECT_EQ(warnings_of(tasks).find("never settles"), std::string::npos) << warnings_of(tasks);
  task.steady_state_drift = {-0.0101, 0, 0, 0};
  EXPECT_NE(warnings_of(tasks).find("'orders' never settles"), std::string::npos)
      << warnings_of(tasks);
}

// Weekly periods that do not fit the horizon: the last one says how many
// days it holds, so its counts are not read as a week's.
TEST(Timeseries, APartialLastPeriodSaysHowManyDaysItHolds) {
  const auto scenario = quickstart({"replications=1"}, true);  // 40 horizon days, weekly
  const auto file = assemble_results(scenario, run_all_tasks(scenario), {"test", "now"});
  const auto& t = table_named(file, "/timeseries");
  const auto& arm = column_of<std::int64_t>(t, "arm_id");
  const auto& day = column_of<std::int64_t>(t, "day");
  const auto& days = column_of<double>(t, "period_days");
  std::vector<std::int64_t> starts;
  std::vector<double> lengths;
  for (std::size_t r = 0; r < arm.size(); ++r)
    if (arm[r] == 0) starts.push_back(day[r]), lengths.push_back(days[r]);
  EXPECT_EQ(starts, (std::vector<std::int64_t>{0, 7, 14, 21, 28, 35}));
  EXPECT_EQ(lengths, (std::vector<double>{7, 7, 7, 7, 7, 5}));
}

TEST(TaskRecord, TruncatedOrPaddedRecordsAreRejected) {
  auto bytes = encode_task(sample_task());
  auto shorter = bytes;
  shorter.resize(bytes.size() - 3);
  EXPECT_THROW(decode_task(shorter), RunError);
  bytes.push_back(0);
  EXPECT_THROW(decode_task(bytes), RunError);
}

TEST(ResumeJournal, KeepsEveryAppendedTaskAndDropsATornLastRecord) {
  const testing::TestDirectory dir("journal");
  const auto path = dir.path() / "r.h5.journal";
  {
    auto journal = ResumeJournal::create(path, "config_sha256=abc\nengine=1\n");
    for (std::uint64_t id : {4, 9, 13}) {
      auto t = sample_task();
      t.task_id = id;
      journal.append(t);
    }
  }
  FinishedTasks finished;
  ResumeJournal::resume(path, "config_sha256=abc\nengine=1\n", finished);
  ASSERT_EQ(finished.size(), 3u);
  auto expected = sample_task();
  expected.task_id = 13;
  EXPECT_EQ(encode_task(finished.at(13)), encode_task(expected));

  // A kill in the middle of an append leaves part of a record.
  std::filesystem::resize_file(path, std::filesystem::file_size(path) - 10);
  FinishedTasks after_tear;
  {
    auto journal = ResumeJournal::resume(path, "config_sha256=abc\nengine=1\n", after_tear);
    EXPECT_EQ(after_tear.size(), 2u);
    auto t = sample_task();
    t.task_id = 20;
    journal.append(t);  // appends after the last good record
  }
  FinishedTasks again;
  ResumeJournal::resume(path, "config_sha256=abc\nengine=1\n", again);
  EXPECT_EQ(again.size(), 3u);
  EXPECT_TRUE(again.count(20));
}

TEST(ResumeJournal, RefusesAnotherRunAndAMissingJournal) {
  const testing::TestDirectory dir("journal");
  const auto path = dir.path() / "r.h5.journal";
  ResumeJournal::create(path, "config_sha256=abc\nengine=1\n").append(sample_task());
  FinishedTasks finished;
  try {
    ResumeJournal::resume(path, "config_sha256=def\nengine=1\n", finished);
    FAIL() << "resumed another scenario's journal";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("config_sha256 is abc but this run's is def"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(ResumeJournal::resume(dir.path() / "none.journal", "x=1\n", finished), InputError);
}

// ---------------------------------------------------------------------------
// Scenario sections and sweep points

std::string problems_text(const std::vector<std::string>& sets) {
  try {
    quickstart(sets, true);
  } catch (const InputError& e) {
    return e.what();
  }
  return "(loaded)";
}

TEST(ExperimentSections, ReportsBadPrecisionTargets) {
  const auto text = problems_text(
      {"precision={min_replications: 9, max_replications: 5, targets: [{metric: gmvv, "
       "half_width: 1}, {metric: gmv, arm: baseline, half_width: 1, relative_half_width: "
       "0.1}, {metric: orders, arm: nope}]}"});
  EXPECT_NE(text.find("precision.min_replications: 9 is above max_replications = 5"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("precision.targets[0].metric: unknown metric 'gmvv'"), std::string::npos);
  EXPECT_NE(text.find("precision.targets[1].arm: the baseline has no difference"),
            std::string::npos);
  EXPECT_NE(text.find("precision.targets[1]: both half_width and relative_half_width"),
            std::string::npos);
  EXPECT_NE(text.find("precision.targets[2].arm: unknown arm 'nope'"), std::string::npos);
  EXPECT_NE(text.find("precision.targets[2]: no half_width or relative_half_width"),
            std::string::npos);
}

TEST(ExperimentSections, ReplicationsFromTheCommandLineConflictWithPrecision) {
  LoadOptions options;
  options.replications = 5;
  options.set_overrides = {"precision={targets: [{metric: gmv, half_width: 1}]}"};
  try {
    load_scenario(quickstart_path(), options);
    FAIL() << "loaded";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("--replications:1:1: error: replications"),
              std::string::npos)
        << e.what();
  }
}

TEST(ExperimentSections, ReportsBadSweeps) {
  auto text = problems_text(
      {"sweep={design: latin_hypercube, points: 4, parameters: [{key: seed, min: 1, max: 2}, "
       "{key: trust.initial, values: [0.5]}, {key: trust.gain_per_good_order, min: 2, max: "
       "1}, {key: trust.loss_cancelled, scale: log, min: 0, max: 1}]}"});
  EXPECT_NE(text.find("sweep.parameters[0].key: 'seed' defines the experiment"), std::string::npos)
      << text;
  EXPECT_NE(text.find("sweep.parameters[1].values: values given for a latin_hypercube"),
            std::string::npos);
  EXPECT_NE(text.find("sweep.parameters[2].max: the range [2, 1] is empty"), std::string::npos);
  EXPECT_NE(text.find("sweep.parameters[3].min: 0 on a log scale"), std::string::npos);

  // A key that does not exist is found when the points are read.
  text = problems_text({"sweep={parameters: [{key: trust.no_such_key, values: [1, 2]}]}"});
  EXPECT_NE(text.find("trust.no_such_key: no such key or list entry to override"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("(sweep point 0)"), std::string::npos) << text;
  // A value out of range at one point names that point.
  text = problems_text({"sweep={parameters: [{key: trust.initial, values: [0.5, 1.5]}]}"});
  EXPECT_NE(text.find("trust.initial: 1.5 is out of range"), std::string::npos) << text;
  EXPECT_NE(text.find("(sweep point 1)"), std::string::npos) << text;
  // The sweep applies to every arm: an arm may not set a swept key.
  text = problems_text({"sweep={parameters: [{key: policies, values: [1]}]}"});
  EXPECT_NE(text.find("arm 'odr_0.8pct' also sets"), std::string::npos) << text;
}

TEST(SweepPoints, GridVariesTheFirstParameterSlowestAndAppliesValuesToEveryArm) {
  const auto scenario =
      quickstart({"sweep={parameters: [{key: trust.initial, values: [0.6, 0.8]}, {key: "
                  "trust.loss_cancelled, values: [0.01, 0.02, 0.03]}]}"},
                 true);
  ASSERT_EQ(scenario.points.size(), 6u);
  EXPECT_EQ(scenario.points[0].values, (std::vector<double>{0.6, 0.01}));
  EXPECT_EQ(scenario.points[2].values, (std::vector<double>{0.6, 0.03}));
  EXPECT_EQ(scenario.points[3].values, (std::vector<double>{0.8, 0.01}));
  for (const auto& point : scenario.points)
    for (const auto& model : point.arm_models) {
      EXPECT_EQ(model.trust.initial, point.values[0]);
      EXPECT_EQ(model.trust.loss_cancelled, point.values[1]);
    }
  // Arms keep their own overrides at every point.
  EXPECT_NE(threshold_rule(scenario.points[4].arm_models[0], 0).threshold,
            threshold_rule(scenario.points[4].arm_models[1], 0).threshold);
}

TEST(SweepPoints, SampledDesignsMapOntoTheRangeAndRoundWholeValues) {
  const auto scenario =
      quickstart({"sweep={design: latin_hypercube, points: 8, seed: 3, parameters: [{key: "
                  "trust.loss_cancelled, min: 0.01, max: 0.1, scale: log}, {key: "
                  "'policies[0].window_days', min: 30, max: 90, whole: true}]}"},
                 true);
  ASSERT_EQ(scenario.points.size(), 8u);
  std::vector<int> strata(8, 0);
  for (const auto& point : scenario.points) {
    const double u = std::log(point.values[0] / 0.01) / std::log(10.0);  // log-uniform -> [0, 1)
    ++strata.at(static_cast<std::size_t>(u * 8));
    EXPECT_EQ(point.values[1], std::round(point.values[1]));
    EXPECT_GE(point.values[1], 30);
    EXPECT_LE(point.values[1], 90);
    EXPECT_EQ(threshold_rule(point.arm_models[1], 0).window_days, point.values[1]);
  }
  EXPECT_EQ(strata, std::vector<int>(8, 1));  // a Latin hypercube on the log scale
  const auto saltelli = quickstart(
      {"sweep={design: saltelli, points: 4, parameters: [{key: trust.initial, min: 0.6, max: "
       "0.9}, {key: trust.loss_cancelled, min: 0.01, max: 0.1}]}"},
      true);
  EXPECT_EQ(saltelli.points.size(), 4u * (2 + 2));
}

// Every scenario that ships loads (a .fitted.yaml is a fragment to include,
// not a scenario), and every one but the benchmarks (which keep the model's
// defaults to measure the engine) starts from the calibrated reference world.
TEST(ShippedScenarios, EveryScenarioInTheRepositoryLoads) {
  std::size_t count = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::string(TRUSTSIM_SOURCE_DIR) + "/scenarios")) {
    const auto name = entry.path().filename().string();
    if (entry.path().extension() != ".yaml" || name.ends_with(".fitted.yaml")) continue;
    LoadOptions options;
    options.check_memory = false;  // bench.yaml is sized for the benchmark machine
    EXPECT_NO_THROW(load_scenario(entry.path(), options)) << entry.path();
    ++count;
    if (name.starts_with("bench") || name == "reference-world.yaml" ||
        name == "calibrate-reference-world.yaml")
      continue;
    EXPECT_NE(read_scenario_text(entry.path()).find("include: reference-world.yaml"),
              std::string::npos)
        << name << " does not start from the reference world";
  }
  EXPECT_GE(count, 5u);  // quickstart, bench, the ODR study, the world and its calibration
  // The policy study's sweep: 3 windows x 2 floors, four arms at each point.
  const auto study =
      load_scenario(std::string(TRUSTSIM_SOURCE_DIR) + "/scenarios/odr-threshold-study.yaml");
  ASSERT_EQ(study.points.size(), 6u);
  EXPECT_EQ(threshold_rule(study.points[5].arm_models[3], 0).window_days, 90u);
  EXPECT_EQ(threshold_rule(study.points[5].arm_models[3], 0).min_orders, 100u);
  EXPECT_EQ(threshold_rule(study.points[5].arm_models[3], 0).threshold, 0.015);
}

// ---------------------------------------------------------------------------
// Common versus independent random numbers on the model

TEST(IndependentArms, BaselineIsUnchangedAndPairingLosesItsVarianceReduction) {
  const std::vector<std::string> sets = {"replications=8"};
  const auto crn = quickstart(sets, true);
  auto independent_sets = sets;
  independent_sets.push_back("independent_arms=true");
  const auto independent = quickstart(independent_sets, true);
  const auto crn_tasks = run_all_tasks(crn);
  const auto ind_tasks = run_all_tasks(independent);
  // Arm 0 keeps its stream key: the baseline is the same in both modes.
  for (const auto& [id, task] : crn_tasks)
    EXPECT_EQ(task.arms[0].summary, ind_tasks.at(id).arms[0].summary);
  EXPECT_NE(crn_tasks.at(0).arms[1].summary, ind_tasks.at(0).arms[1].summary);

  const auto ratio = [](const FinishedTasks& tasks, std::size_t m) {
    std::vector<double> a, b;
    for (const auto& [id, task] : tasks) {
      a.push_back(task.arms[1].summary[m]);
      b.push_back(task.arms[0].summary[m]);
    }
    return stats::paired_contrast(a, b).variance_ratio;
  };
  // Under CRN the arms share buyers, sellers and shocks: orders and GMV move
  // together, so Var(diff) is a small fraction of Var(a) + Var(b). With
  // independent arms the ratio estimates 1; with 8 replications its sampling
  // spread is wide (roughly F-distributed: 90% within [0.3, 3]), so the test
  // asks only for a CRN ratio below 0.2 and an independent one above 0.25.
  for (const char* name : {"orders", "gmv", "active_buyers"}) {
    const auto m = metric_index(name);
    EXPECT_LT(ratio(crn_tasks, m), 0.2) << name;
    EXPECT_GT(ratio(ind_tasks, m), 0.25) << name;
  }
}

}  // namespace
}  // namespace trustsim
