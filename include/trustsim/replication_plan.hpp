// Which replications an experiment runs: a fixed number per sweep point, or,
// with precision targets, batches added until every target's confidence
// interval is narrow enough (Hoad, Robinson & Davies 2010: the
// confidence-interval rule with a look-ahead).
//
// Every decision is a pure function of the finished tasks' results, so any
// number of ranks, any order of completion and a resumed run all reach the
// same replication counts and the same result file.
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "trustsim/experiment.hpp"
#include "trustsim/scenario.hpp"

namespace trustsim {

// One precision target of one candidate arm at one sweep point.
struct PrecisionStatus {
  std::uint64_t point_id = 0;
  std::size_t arm_id = 0;
  std::size_t metric_id = 0;
  std::size_t target_index = 0;        // in settings.precision.targets
  double target_half_width = 0;        // absolute, at the final count
  double half_width = 0;               // achieved at the final count
  bool met = false;                    // at the final count
  std::uint64_t replications = 0;      // the point's final count
  std::int64_t first_stable_met = -1;  // HRD N_sol: first count from which it stayed met
};

class ReplicationPlan {
 public:
  explicit ReplicationPlan(const Scenario& scenario);

  // Task ids: point * stride + replication, stride = the most replications
  // any point may run; ascending ids order tasks by point, then replication.
  std::uint64_t task_id(std::uint64_t point, std::uint64_t replication) const {
    return point * stride_ + replication;
  }
  std::uint64_t point_of(std::uint64_t task_id) const { return task_id / stride_; }
  std::uint64_t replication_of(std::uint64_t task_id) const { return task_id % stride_; }
  TaskSpec spec(std::uint64_t task_id) const {
    return {task_id, point_of(task_id), replication_of(task_id)};
  }
  std::uint64_t points() const { return points_; }

  // Task ids the rule needs that are not finished yet (ascending); empty
  // when every point is decided.
  std::vector<std::uint64_t> required(const FinishedTasks& finished) const;

  // Final replication count of each point (call when required() is empty).
  std::vector<std::uint64_t> replications(const FinishedTasks& finished) const;

  // Most tasks the experiment can run (for progress estimates).
  std::uint64_t max_tasks() const { return points_ * stride_; }

  // Each target at each point at its final count (empty without targets).
  std::vector<PrecisionStatus> precision_report(const FinishedTasks& finished) const;

  bool sequential() const { return !targets_.empty(); }

 private:
  struct Target {
    std::size_t target_index, arm, metric;
    double half_width, relative;
  };
  struct PointState {
    std::uint64_t count = 0;  // replications the rule asks for so far
    bool decided = false;
    std::vector<std::uint64_t> missing;
  };
  PointState decide(std::uint64_t point, const FinishedTasks& finished) const;
  // One target's achieved and wanted half-widths with the first m
  // replications, for m = 1..n (index m - 1).
  struct Trace {
    std::vector<double> half_width, wanted;
    bool met(std::uint64_t m) const { return half_width[m - 1] <= wanted[m - 1]; }
  };
  std::vector<Trace> traces(std::uint64_t point, std::uint64_t n,
                            const FinishedTasks& finished) const;
  std::uint64_t look_ahead(std::uint64_t n_sol) const;

  std::uint64_t points_ = 1;
  std::uint64_t stride_ = 1;
  std::uint64_t fixed_ = 0;  // replications when there are no targets
  std::uint64_t min_ = 0, max_ = 0, batch_ = 1, look_ahead_ = 0;
  double confidence_ = 0.95;
  std::vector<Target> targets_;
  mutable std::vector<double> critical_;  // cache: t critical value by count
};

}  // namespace trustsim
