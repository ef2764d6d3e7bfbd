// Tasks spread over processes: a dynamic task farm over MPI ranks. Rank 0
// hands out task ids on request (run times differ by policy and sweep
// point), runs tasks itself between requests, collects every result and
// alone decides what runs next. With one rank no MPI call is made.
//
// This module and sim/task_farm.cpp are the only MPI code; the model and the
// rest of the engine never see it.
#pragma once

#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "trustsim/replication_plan.hpp"

namespace trustsim {

// This process's place in the job.
struct FarmWorld {
  int rank = 0;
  int size = 1;
};

// MPI for the lifetime of a `run`: initialised with threads funnelled
// through the main thread (OpenMP threads never call MPI). A plain launch
// without mpirun is a one-rank job.
class MpiSession {
 public:
  MpiSession();
  ~MpiSession();
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;
  FarmWorld world() const { return world_; }
  // Rank 0's value on every rank.
  void broadcast(int& value) const;
  void broadcast(std::string& text) const;

 private:
  FarmWorld world_;
};

struct FarmHooks {
  // Every rank: runs one task, calling `on_day` after each simulated day.
  std::function<TaskRun(std::uint64_t task_id, const std::function<void(std::int64_t)>& on_day)>
      run;
  // Rank 0: the task ids still needed given those finished (empty: done).
  std::function<std::vector<std::uint64_t>(const FinishedTasks&)> required;
  // Rank 0: a task has finished on rank `ran_on` (journal it, show
  // progress) before it is added to the finished set. May throw RunError
  // (the run then stops).
  std::function<void(const TaskRun&, int ran_on)> on_finished;
  // Rank 0: orders of each day rank 0 simulates itself (progress).
  std::function<void(std::int64_t)> on_orders;
};

struct FarmOutcome {
  int exit_code = 0;    // ExitCode
  std::string message;  // the error that ended the run, naming its rank; empty otherwise
};

// Runs every required task. On rank 0 results land in `finished` (which may
// hold a resumed run's tasks already); other ranks return when told to stop.
// An error on any rank, or SIGINT/SIGTERM on any rank, stops every rank
// cleanly: tasks already finished stay in `finished`, and every rank returns
// the same exit code. `setup_error` (code, message) reports a rank that could
// not prepare to run; it stops the job like an error in a task.
FarmOutcome run_farm(const FarmWorld& world, const FarmHooks& hooks, FinishedTasks& finished,
                     const FarmOutcome& setup_error = {});

// SIGINT and SIGTERM set a flag that the farm checks after every simulated
// day; the run then stops with exit code 3, keeping the journal for --resume.
void install_interrupt_handlers();
bool interrupt_requested();

// Thrown inside a task when the run is stopping.
class TaskAbandoned : public std::runtime_error {
 public:
  TaskAbandoned() : std::runtime_error("task abandoned") {}
};

// The exit code and message for an exception caught while running.
FarmOutcome classify_exception(std::exception_ptr error);

// Test hook: TRUSTSIM_TEST_FAULT="RANK:EVENT:COUNT:ACTION" makes rank RANK,
// at the COUNT-th EVENT ("task": starting its own COUNT-th task; "journal":
// rank 0 has journaled COUNT tasks from any rank; "write": writing the result
// file), kill itself (ACTION "kill": SIGKILL), send itself SIGTERM
// ("term") or SIGSTOP ("stop": it stays alive, frozen, until killed or
// continued) or throw a RunError ("error"). Used by the MPI and resume tests
// to stop a job at chosen points; does nothing when the variable is unset.
void test_fault_point(int rank, std::string_view event, std::uint64_t count);

}  // namespace trustsim
