// The experiment runner: a list of tasks (sweep point, replication), each
// running every arm of the scenario from one shared warm-up on common random
// numbers (sim/experiment.cpp). The task records, result tables, outcome
// columns and the terminal report have headers of their own, included here.
#pragma once

#include <cstdint>
#include <functional>

#include "trustsim/outcome_tables.hpp"
#include "trustsim/report.hpp"
#include "trustsim/result_tables.hpp"
#include "trustsim/scenario.hpp"
#include "trustsim/task_record.hpp"

namespace trustsim {

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

// Runs every task of the scenario in this process (no MPI), in task order.
// For tests, tools and benchmarks; `trustsim run` spreads tasks over ranks.
FinishedTasks run_all_tasks(const Scenario& scenario);

}  // namespace trustsim
