// A task's results as exact bytes (see include/trustsim/task_record.hpp).
#include "trustsim/task_record.hpp"

#include <cstring>
#include <type_traits>

#include "byte_codec.hpp"
#include "trustsim/errors.hpp"

namespace trustsim {

namespace {

constexpr std::uint32_t kTaskRecordVersion = 6;

}  // namespace

std::vector<std::uint8_t> encode_task(const TaskRun& task) {
  ByteWriter w;
  w.put(kTaskRecordVersion);
  w.put(task.task_id);
  w.put(task.point_id);
  w.put(task.replication);
  w.put(task.setup_seconds);
  w.put(task.simulate_seconds);
  w.put(task.orders_simulated);
  w.put(task.phases.seconds);
  w.put_vector(task.steady_state);
  w.put_vector(task.steady_state_drift);
  w.put<std::uint64_t>(task.arms.size());
  for (const auto& arm : task.arms) {
    w.put_vector(arm.summary);
    w.put_vector(arm.period_start);
    w.put<std::uint64_t>(arm.timeseries.size());
    for (const auto& column : arm.timeseries) w.put_vector(column);
    w.put<std::uint64_t>(arm.cohorts.size());
    for (const auto& row : arm.cohorts) w.put_vector(row);
    w.put_vector(arm.policy_outcomes);
    for (const auto* panel : {&arm.seller_panel, &arm.buyer_events}) {
      w.put<std::uint64_t>(panel->size());
      for (const auto& column : *panel) w.put_vector(column);
    }
  }
  return std::move(w.bytes);
}

TaskRun decode_task(std::span<const std::uint8_t> bytes) {
  ByteReader r(bytes);
  if (r.get<std::uint32_t>() != kTaskRecordVersion)
    throw RunError("task record has an unknown layout version");
  TaskRun task;
  task.task_id = r.get<std::uint64_t>();
  task.point_id = r.get<std::uint64_t>();
  task.replication = r.get<std::uint64_t>();
  task.setup_seconds = r.get<double>();
  task.simulate_seconds = r.get<double>();
  task.orders_simulated = r.get<std::int64_t>();
  task.phases.seconds = r.get<decltype(task.phases.seconds)>();
  task.steady_state = r.get_vector<std::int64_t>();
  task.steady_state_drift = r.get_vector<double>();
  task.arms.resize(r.get_count(sizeof(std::uint64_t)));
  for (auto& arm : task.arms) {
    arm.summary = r.get_vector<double>();
    arm.period_start = r.get_vector<std::int64_t>();
    arm.timeseries.resize(r.get_count(sizeof(std::uint64_t)));
    for (auto& column : arm.timeseries) column = r.get_vector<double>();
    arm.cohorts.resize(r.get_count(sizeof(std::uint64_t)));
    for (auto& row : arm.cohorts) row = r.get_vector<double>();
    arm.policy_outcomes = r.get_vector<double>();
    for (auto* panel : {&arm.seller_panel, &arm.buyer_events}) {
      panel->resize(r.get_count(sizeof(std::uint64_t)));
      for (auto& column : *panel) column = r.get_vector<double>();
    }
  }
  if (!r.done()) throw RunError("task record has trailing bytes");
  return task;
}

}  // namespace trustsim
