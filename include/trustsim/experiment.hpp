// The experiment runner: a list of tasks (sweep point, replication), each
// running every arm of the scenario from one shared warm-up on common random
// numbers; per-task results combined in task order into the result tables
// of DESIGN.md, and paired contrasts of each candidate against the baseline.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "trustsim/day_phases.hpp"
#include "trustsim/result_file.hpp"
#include "trustsim/scenario.hpp"
#include "trustsim/table.hpp"

namespace trustsim {

struct OutcomeDefinition {
  const char* name;
  const char* unit;
  const char* description;
};

// /summary outcome columns, in order (also /lookup/metrics).
const std::vector<OutcomeDefinition>& summary_outcomes();
// /timeseries columns after task_id, arm_id, day.
const std::vector<OutcomeDefinition>& timeseries_outcomes();
// /cohort_summary columns after task_id, arm_id, cohort_id.
const std::vector<OutcomeDefinition>& cohort_outcomes();

struct ArmRun {
  std::vector<double> summary;                  // one value per summary outcome
  std::vector<std::int64_t> period_start;       // horizon day of each timeseries row
  std::vector<std::vector<double>> timeseries;  // [column][row]
  std::vector<std::vector<double>> cohorts;     // [cohort][column]
};

struct TaskRun {
  std::uint64_t task_id = 0;
  std::uint64_t point_id = 0;
  std::uint64_t replication = 0;
  std::vector<ArmRun> arms;  // in scenario arm order
  // Wall-clock timing (never part of the bit-identical tables: /timing only).
  double setup_seconds = 0;           // creating the population
  double simulate_seconds = 0;        // the day loop: warm-up and every arm's horizon
  std::int64_t orders_simulated = 0;  // all days, warm-up included
  DayPhaseSeconds phases;             // simulate_seconds by phase of the day
};

// Finished tasks by task id (ascending ids: by point, then replication).
using FinishedTasks = std::map<std::uint64_t, TaskRun>;

// Cohort labels ("tenure:new", ...) for the scenario's outputs.cohorts.
std::vector<std::string> cohort_labels(const Scenario& scenario);

// A task: one replication at one sweep point, running every arm.
struct TaskSpec {
  std::uint64_t task_id = 0;
  std::uint64_t point_id = 0;
  std::uint64_t replication = 0;
};

// Runs one task: warm-up under the baseline, then every arm over the
// horizon, forking from the one warm state (or, with independent_arms, each
// arm from its own population and warm-up). Uses OpenMP threads inside each
// day; the result does not depend on their number. `on_day` (optional) is
// told the orders of each simulated day; it may throw to abandon the task.
TaskRun run_task(const Scenario& scenario, const TaskSpec& spec,
                 const std::function<void(std::int64_t orders)>& on_day = {});

// Days one task simulates: the shared warm-up plus every arm's horizon (or,
// with independent arms, a warm-up per arm). For progress estimates.
std::int64_t days_per_task(const Scenario& scenario);

// Memory rank 0 needs for the results of `tasks` finished tasks: their records, the
// tables assembled from them and the result file's image (all three at once when the file
// is written). Counted by validation and the memory check.
std::uint64_t estimate_results_memory(const Scenario& scenario, std::uint64_t tasks);

// A task's results as bytes (between ranks, in the resume journal) and back,
// bit for bit. decode_task throws RunError on a malformed record.
std::vector<std::uint8_t> encode_task(const TaskRun& task);
TaskRun decode_task(std::span<const std::uint8_t> bytes);

struct RunMetadata {
  std::string command_line;
  std::string created_utc;
};

// The whole result file from the finished tasks. Only the replications the
// replication rule settled on are used (a resumed or sequential run may have
// finished others); tables are in task-id order.
ResultFile assemble_results(const Scenario& scenario, const FinishedTasks& finished,
                            const RunMetadata& metadata);

// Runs every task of the scenario in this process (no MPI), in task order.
// For tests, tools and benchmarks; `trustsim run` spreads tasks over ranks.
FinishedTasks run_all_tasks(const Scenario& scenario);

// SHA-256 over the tables that must be bit-identical (/runs, /summary,
// /timeseries, /cohort_summary, /analysis/contrasts), column by column.
std::string results_digest(const ResultFile& file);

// The contrasts table for the terminal (arm, metric, baseline, candidate,
// difference and 95% CI, adjusted p-value).
std::string format_contrasts(const ResultFile& file);

// What `trustsim summarize FILE` prints: the file's name, date and digest, then the
// contrasts table. InputError (exit 2) for anything that is not a complete, undamaged
// result file; nothing is returned half-built. `verify_checksum` false lets HDF5 parse a
// file whose checksum does not match (tools and fuzzing only: HDF5 1.10 can crash on
// damaged files).
std::string summarize_result_file(const std::filesystem::path& path, bool verify_checksum = true);

}  // namespace trustsim
