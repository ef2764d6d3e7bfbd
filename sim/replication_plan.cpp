// The replication rule (see include/trustsim/replication_plan.hpp).
#include "trustsim/replication_plan.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "trustsim/statistics.hpp"

namespace trustsim {

ReplicationPlan::ReplicationPlan(const Scenario& scenario) {
  const auto& set = scenario.settings;
  points_ = std::max<std::uint64_t>(scenario.points.size(), 1);
  confidence_ = set.analysis.confidence;
  const auto& precision = set.precision;
  if (precision.targets.empty()) {
    fixed_ = set.replications;
    stride_ = set.replications;
    return;
  }
  min_ = precision.min_replications;
  max_ = precision.max_replications;
  batch_ = precision.batch;
  look_ahead_ = precision.look_ahead;
  stride_ = max_;
  const auto& metrics = summary_outcomes();
  for (std::size_t i = 0; i < precision.targets.size(); ++i) {
    const auto& t = precision.targets[i];
    std::size_t metric = 0;
    while (metric < metrics.size() && t.metric != metrics[metric].name) ++metric;
    for (std::size_t a = 1; a < scenario.arms.size(); ++a)
      if (t.arm.empty() || t.arm == scenario.arms[a].name)
        targets_.push_back({i, a, metric, t.half_width, t.relative_half_width});
  }
}

std::uint64_t ReplicationPlan::look_ahead(std::uint64_t n_sol) const {
  // HRD (2010): kLimit replications up to 100, then in proportion to n.
  return n_sol <= 100 ? look_ahead_ : look_ahead_ * n_sol / 100;
}

std::vector<ReplicationPlan::Trace> ReplicationPlan::traces(std::uint64_t point, std::uint64_t n,
                                                            const FinishedTasks& finished) const {
  // Student-t critical values by count, computed once per count.
  while (critical_.size() <= n) {
    const auto m = critical_.size();
    critical_.push_back(m < 2 ? std::numeric_limits<double>::infinity()
                              : stats::student_t_critical(static_cast<double>(m - 1), confidence_));
  }
  const auto& critical = critical_;
  std::vector<Trace> out;
  for (const auto& target : targets_) {
    Trace trace;
    stats::RunningMoments diff, base;
    for (std::uint64_t m = 1; m <= n; ++m) {
      const auto& task = finished.at(task_id(point, m - 1));
      const double b = task.arms[0].summary[target.metric];
      diff.add(task.arms[target.arm].summary[target.metric] - b);
      base.add(b);
      trace.wanted.push_back(target.half_width > 0 ? target.half_width
                                                   : target.relative * std::abs(base.mean));
      // With one replication there is no interval: never met.
      trace.half_width.push_back(
          m < 2 ? critical[m] : critical[m] * std::sqrt(diff.variance() / static_cast<double>(m)));
    }
    out.push_back(std::move(trace));
  }
  return out;
}

ReplicationPlan::PointState ReplicationPlan::decide(std::uint64_t point,
                                                    const FinishedTasks& finished) const {
  PointState state;
  std::uint64_t n = sequential() ? min_ : fixed_;
  while (true) {
    state.count = n;
    for (std::uint64_t r = 0; r < n; ++r)
      if (!finished.count(task_id(point, r))) state.missing.push_back(task_id(point, r));
    if (!state.missing.empty()) return state;
    if (!sequential()) break;
    const auto trace = traces(point, n, finished);
    auto met = [&](std::uint64_t m) {
      for (const auto& t : trace)
        if (!t.met(m)) return false;
      return true;
    };
    std::uint64_t n_sol = 0;  // first count from which every target stayed met; 0: unmet at n
    for (std::uint64_t m = n; m >= min_ && met(m); --m) n_sol = m;
    if (n_sol > 0 && n >= n_sol + look_ahead(n_sol)) break;
    if (n >= max_) break;
    const std::uint64_t next = n_sol > 0 ? std::max(n + 1, n_sol + look_ahead(n_sol)) : n + batch_;
    n = std::min(next, max_);
  }
  state.decided = true;
  return state;
}

std::vector<std::uint64_t> ReplicationPlan::required(const FinishedTasks& finished) const {
  std::vector<std::uint64_t> ids;
  for (std::uint64_t p = 0; p < points_; ++p) {
    auto state = decide(p, finished);
    ids.insert(ids.end(), state.missing.begin(), state.missing.end());
  }
  return ids;
}

std::vector<std::uint64_t> ReplicationPlan::replications(const FinishedTasks& finished) const {
  std::vector<std::uint64_t> counts;
  for (std::uint64_t p = 0; p < points_; ++p) counts.push_back(decide(p, finished).count);
  return counts;
}

std::vector<PrecisionStatus> ReplicationPlan::precision_report(
    const FinishedTasks& finished) const {
  std::vector<PrecisionStatus> report;
  if (!sequential()) return report;
  for (std::uint64_t p = 0; p < points_; ++p) {
    const auto n = decide(p, finished).count;
    const auto trace = traces(p, n, finished);
    for (std::size_t i = 0; i < targets_.size(); ++i) {
      PrecisionStatus s;
      s.point_id = p;
      s.arm_id = targets_[i].arm;
      s.metric_id = targets_[i].metric;
      s.target_index = targets_[i].target_index;
      s.target_half_width = trace[i].wanted[n - 1];
      s.half_width = trace[i].half_width[n - 1];
      s.met = trace[i].met(n);
      s.replications = n;
      for (std::uint64_t m = n; m >= 1 && trace[i].met(m); --m)
        s.first_stable_met = static_cast<std::int64_t>(m);
      report.push_back(s);
    }
  }
  return report;
}

}  // namespace trustsim
