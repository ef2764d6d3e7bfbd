// Running tasks (see include/trustsim/experiment.hpp).
#include "trustsim/experiment.hpp"

#include <algorithm>
#include <chrono>

#include "outcomes.hpp"
#include "trustsim/marketplace.hpp"
#include "trustsim/replication_plan.hpp"

namespace trustsim {

namespace {

// One arm over the horizon, from a marketplace already warmed up; its
// /timeseries starts with the warm-up's rows when they were kept. The
// baseline also extends the steady-state series.
ArmRun run_horizon(Marketplace& market, const RunSettings& arm, const ScenarioSettings& set,
                   const std::vector<std::string>& labels, const ArmRun& warmup_rows,
                   DailySeries* series, TaskRun& task,
                   const std::function<void(std::int64_t)>& on_day) {
  const auto warmup = static_cast<std::int32_t>(set.warmup_days);
  const auto horizon = static_cast<std::int32_t>(set.horizon_days);
  market.apply_arm(arm);
  market.begin_horizon();
  market.sample_buyer_events(set.outputs.buyer_events);
  ArmAccumulator acc;
  acc.run.period_start = warmup_rows.period_start;
  acc.run.timeseries = warmup_rows.timeseries;
  acc.buyers_at_start = market.buyers_present();
  acc.panel.threshold = sample_threshold(set.outputs.seller_panel);
  for (std::int32_t d = 0; d < horizon; ++d) {
    const auto totals = market.step_day(warmup + d);
    acc.add_day(market, totals, d, set.outputs.timeseries);
    if (series) series->add(market, totals);
    task.orders_simulated += totals.orders;
    if (on_day) on_day(totals.orders);
  }
  acc.finish(market, labels, set.outputs.cohorts);
  task.phases.add(market.take_phase_seconds());
  return std::move(acc.run);
}

// The warm-up, under the baseline; returns its /timeseries rows (days < 0)
// when outputs.timeseries_warmup asks for them.
ArmRun run_warmup(Marketplace& market, const ScenarioSettings& set, DailySeries* series,
                  TaskRun& task, const std::function<void(std::int64_t)>& on_day) {
  const auto warmup = static_cast<std::int32_t>(set.warmup_days);
  ArmAccumulator rows;
  for (std::int32_t day = 0; day < warmup; ++day) {
    const auto totals = market.step_day(day);
    if (set.outputs.timeseries_warmup)
      rows.add_day(market, totals, day - warmup, set.outputs.timeseries);
    if (series) series->add(market, totals);
    task.orders_simulated += totals.orders;
    if (on_day) on_day(totals.orders);
  }
  task.phases.add(market.take_phase_seconds());
  return std::move(rows.run);
}

}  // namespace

TaskRun run_task(const Scenario& scenario, const TaskSpec& spec,
                 const std::function<void(std::int64_t)>& on_day) {
  const auto& set = scenario.settings;
  const auto& models = scenario.points.at(spec.point_id).arm_models;
  const auto warmup = static_cast<std::int32_t>(set.warmup_days);
  const auto horizon = static_cast<std::int32_t>(set.horizon_days);
  // Under common random numbers every arm has the same stream key; with
  // independent arms arm a is salted with a (the baseline's key is unchanged).
  // Every arm is judged against the reference arm's rules.
  const auto reference = ReferenceStandard::from(models.at(scenario.reference_arm()));
  auto settings_for = [&](std::uint64_t salt) {
    std::vector<RunSettings> out;
    for (const auto& model : models) {
      out.push_back(RunSettings::make(model, {set.seed, spec.replication, salt}, warmup, horizon));
      out.back().reference = reference;
    }
    return out;
  };

  using Clock = std::chrono::steady_clock;
  TaskRun task;
  task.task_id = spec.task_id;
  task.point_id = spec.point_id;
  task.replication = spec.replication;
  const auto labels = cohort_labels(scenario);
  DailySeries series;  // the baseline's, for the steady-state test
  double setup = 0;
  const auto start = Clock::now();
  if (!set.independent_arms) {
    // One warm-up under the baseline; every arm forks from it.
    const auto arm_settings = settings_for(0);
    Marketplace warm(arm_settings.front(), arm_settings);
    setup = std::chrono::duration<double>(Clock::now() - start).count();
    const auto warmup_rows = run_warmup(warm, set, &series, task, on_day);
    for (std::size_t a = 0; a < models.size(); ++a) {
      const bool last = a + 1 == models.size();
      Marketplace market = last ? std::move(warm) : warm;
      task.arms.push_back(run_horizon(market, arm_settings[a], set, labels, warmup_rows,
                                      a == 0 ? &series : nullptr, task, on_day));
    }
  } else {
    // Each arm its own population, warm-up and shocks.
    for (std::size_t a = 0; a < models.size(); ++a) {
      const auto arm_settings = settings_for(a);
      const auto created = Clock::now();
      Marketplace market(arm_settings.front(), arm_settings);
      setup += std::chrono::duration<double>(Clock::now() - created).count();
      DailySeries* baseline = a == 0 ? &series : nullptr;
      const auto warmup_rows = run_warmup(market, set, baseline, task, on_day);
      task.arms.push_back(
          run_horizon(market, arm_settings[a], set, labels, warmup_rows, baseline, task, on_day));
    }
  }
  task.steady_state = series.truncations();
  task.steady_state_drift = series.drifts(set.warmup_days);
  task.setup_seconds = setup;
  task.simulate_seconds = std::chrono::duration<double>(Clock::now() - start).count() - setup;
  return task;
}

std::int64_t days_per_task(const Scenario& scenario) {
  const auto& set = scenario.settings;
  const auto arms = static_cast<std::int64_t>(scenario.arms.size());
  const auto warmup = static_cast<std::int64_t>(set.warmup_days);
  const auto horizon = static_cast<std::int64_t>(set.horizon_days);
  return set.independent_arms ? (warmup + horizon) * arms : warmup + horizon * arms;
}

// Task results travel between ranks and into the resume journal as bytes:
// every double is copied bit for bit, so a result read back is identical.
FinishedTasks run_all_tasks(const Scenario& scenario) {
  const ReplicationPlan plan(scenario);
  FinishedTasks finished;
  for (auto ids = plan.required(finished); !ids.empty(); ids = plan.required(finished))
    for (const auto id : ids) finished.emplace(id, run_task(scenario, plan.spec(id)));
  return finished;
}

}  // namespace trustsim
