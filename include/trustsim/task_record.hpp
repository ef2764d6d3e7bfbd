// A task's results (one replication at one sweep point, every arm) and their
// exact byte form, which travels between ranks and into the resume journal
// (sim/task_record.cpp).
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <vector>

#include "trustsim/day_phases.hpp"

namespace trustsim {

// A task: one replication at one sweep point, running every arm.
struct TaskSpec {
  std::uint64_t task_id = 0;
  std::uint64_t point_id = 0;
  std::uint64_t replication = 0;
};

struct ArmRun {
  std::vector<double> summary;                    // one value per summary outcome
  std::vector<std::int64_t> period_start;         // horizon day of each timeseries row
  std::vector<std::vector<double>> timeseries;    // [column][row]
  std::vector<std::vector<double>> cohorts;       // [cohort][column]
  std::vector<double> policy_outcomes;            // each policy's columns, in policy order
  std::vector<std::vector<double>> seller_panel;  // [column][row]; empty unless sampled
  std::vector<std::vector<double>> buyer_events;  // [column][row]; empty unless sampled
};

struct TaskRun {
  std::uint64_t task_id = 0;
  std::uint64_t point_id = 0;
  std::uint64_t replication = 0;
  std::vector<ArmRun> arms;  // in scenario arm order
  // Where MSER-5 puts the end of the initial transient of each steady-state
  // series of the baseline (steady_state_series(), days from the start of
  // the warm-up; -1: no steady state within the run).
  std::vector<std::int64_t> steady_state;
  // Each of those series' relative trend over the horizon (least squares on
  // the daily values; -0.01: the fitted line falls by 1% of the mean).
  std::vector<double> steady_state_drift;
  // Wall-clock timing (never part of the bit-identical tables: /timing only).
  double setup_seconds = 0;           // creating the population
  double simulate_seconds = 0;        // the day loop: warm-up and every arm's horizon
  std::int64_t orders_simulated = 0;  // all days, warm-up included
  DayPhaseSeconds phases;             // simulate_seconds by phase of the day
};

// Finished tasks by task id (ascending ids: by point, then replication).
using FinishedTasks = std::map<std::uint64_t, TaskRun>;

// A task's results as bytes (between ranks, in the resume journal) and back,
// bit for bit. decode_task throws RunError on a malformed record.
std::vector<std::uint8_t> encode_task(const TaskRun& task);
TaskRun decode_task(std::span<const std::uint8_t> bytes);

}  // namespace trustsim
