// Calibration by the simulated method of moments (`trustsim calibrate`,
// docs/calibration.md): the parameters of a scenario's calibration section
// are searched with CMA-ES so that the baseline's moments (outcomes, series,
// cohort cells, panel means, ratios) come as close as their tolerances ask to
// their targets.
//
// The search is a sequence of batches, each a list of candidate points whose
// replications are tasks for the task farm: the start, the CMA-ES
// generations, a final evaluation (the search's mean and its best candidate,
// with more replications) and the central differences of the local
// sensitivity around the fitted point. `Calibration` decides each batch from
// the results of the ones before and nothing else, so a search gives the
// same batches, and the same bits, on any number of ranks and threads, and a
// resumed search (its tasks read back from the journal) replays exactly.
// Every candidate runs replications 0, 1, ...: common random numbers, so
// two candidates differ by their parameters, not by their luck.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "trustsim/cmaes.hpp"
#include "trustsim/scenario.hpp"
#include "trustsim/table.hpp"
#include "trustsim/task_record.hpp"

namespace trustsim {

// The calibration's moments of one replication of the baseline arm, in
// calibration.moments order (a ratio from the same replication's parts).
std::vector<double> replication_moments(const Scenario& scenario, const ArmRun& baseline);

// Moments over a candidate's replications.
struct MomentStats {
  std::vector<double> mean;
  std::vector<double> se;        // standard error of the mean (0 with one replication)
  std::vector<double> variance;  // across replications
  std::uint64_t replications = 0;
};
MomentStats moment_stats(const std::vector<std::vector<double>>& by_replication);

// A parameter's value at a unit coordinate of its range (log-uniform on a log
// scale), and back.
double natural_value(const CalibrationParameter& p, double unit);
double unit_value(const CalibrationParameter& p, double natural);

enum class CalibrationStage : std::uint8_t { kStart, kSearch, kFinal, kSensitivity };
const char* stage_name(CalibrationStage stage);

// Candidate points to evaluate, each with `replications` tasks: point k's
// replication r is task first_task + k * replications + r.
struct CalibrationBatch {
  CalibrationStage stage = CalibrationStage::kStart;
  std::uint64_t generation = 0;  // search generation, from 0 (other stages: 0)
  std::uint64_t first_task = 0;
  std::uint64_t replications = 0;
  std::vector<std::vector<double>> points;  // natural values, in calibration.parameters order
};

// One candidate's evaluation: its moments, or why it could not run (a value
// the model refuses; the search then ranks it last).
struct CandidateResult {
  std::string problem;  // empty: feasible
  MomentStats moments;
};

struct HistoryRow {
  CalibrationStage stage;
  std::uint64_t generation;
  std::uint64_t candidate;
  std::vector<double> values;   // natural
  double loss;                  // +inf when infeasible or a moment is not a number
  std::vector<double> moments;  // means (NaN when infeasible)
  std::string problem;
};

class Calibration {
 public:
  // `params` with every start resolved (load_scenario does it).
  explicit Calibration(const CalibrationParams& params);

  // The batch to evaluate next; empty when the calibration is complete.
  const std::optional<CalibrationBatch>& pending() const { return pending_; }
  // The pending batch's results, one per point in order.
  void tell(const std::vector<CandidateResult>& results);

  // The weighted squared distance of `m` to the targets (+inf if a fitted
  // moment is not a number).
  double loss(const MomentStats& m) const;

  const CalibrationParams& params() const { return params_; }
  const std::vector<HistoryRow>& history() const { return history_; }
  const std::vector<double>& weights() const { return weights_; }
  std::uint64_t evaluations() const { return evaluations_; }
  std::uint64_t generations() const { return generations_; }
  bool converged() const { return converged_; }
  // After the final stage: the fitted values (natural), their moments and loss.
  const std::vector<double>& fitted() const { return fitted_; }
  const MomentStats& fitted_moments() const { return fitted_moments_; }
  double fitted_loss() const { return fitted_loss_; }
  const char* fitted_from() const { return fitted_from_; }
  // The fitted point's place in the final batch.
  std::size_t fitted_candidate() const { return fitted_candidate_; }
  // After the sensitivity stage: d moment / d parameter in natural units,
  // [moment][parameter], and the same in tolerance units per tenth of the
  // parameter's (scaled) range (NaN for moments without a tolerance).
  const std::vector<std::vector<double>>& sensitivity() const { return sensitivity_; }
  const std::vector<std::vector<double>>& standardised_sensitivity() const { return standardised_; }
  // Parameters the fitted targets do not identify, in words (one per line).
  const std::vector<std::string>& identification_notes() const { return notes_; }

 private:
  void start_search();
  void next_generation();
  void start_final();
  void start_sensitivity();
  void finish_sensitivity(const std::vector<CandidateResult>& results);
  void record(const CandidateResult& r, std::size_t k);
  std::vector<double> natural(const std::vector<double>& unit) const;
  std::vector<double> unit(const std::vector<double>& natural) const;
  void set_pending(CalibrationStage stage, std::vector<std::vector<double>> points,
                   std::uint64_t replications);

  CalibrationParams params_;
  std::vector<double> weights_;
  std::optional<Cmaes> search_;
  std::optional<CalibrationBatch> pending_;
  std::uint64_t next_task_ = 0;
  std::uint64_t evaluations_ = 0;
  std::uint64_t generations_ = 0;
  bool converged_ = false;
  std::vector<HistoryRow> history_;
  std::vector<double> fitted_;
  MomentStats fitted_moments_;
  double fitted_loss_ = 0;
  const char* fitted_from_ = "start";
  std::size_t fitted_candidate_ = 0;
  std::vector<std::vector<double>> sensitivity_, standardised_;
  std::vector<std::string> notes_;
};

// A batch as text and back, bit for bit (rank 0 sends each batch to the
// other ranks). decode_batch throws std::invalid_argument on malformed text.
std::string encode_batch(const CalibrationBatch& batch);
CalibrationBatch decode_batch(const std::string& text);

// The scenario a calibration runs: its baseline arm alone (candidate arms and
// precision targets concern policies, not the world being fitted).
Scenario calibration_world(Scenario scenario);

// The world of a batch: the calibration world (read from `text` with `sets`,
// as the run's scenario was) with one point per candidate, whose baseline
// model has the candidate's values. problems[k] says why candidate k cannot
// run (a value the model refuses); its point is then the base model.
struct BatchWorld {
  Scenario scenario;
  std::vector<std::string> problems;
};
BatchWorld batch_world(const Scenario& base, const std::string& text, const std::string& label,
                       const std::vector<std::string>& sets, const CalibrationBatch& batch);

// A batch's results from its tasks: `task(id, k, r)` gives candidate k's
// replication r, task `id` (candidates that cannot run have none).
std::vector<CandidateResult> batch_results(
    const Scenario& base, const CalibrationBatch& batch, const BatchWorld& world,
    const std::function<const TaskRun&(std::uint64_t id, std::size_t k, std::uint64_t r)>& task);

// A whole calibration in this process, its tasks one after another (threads
// inside each; no MPI, no journal): for tests and tools. `base` is the
// calibration world read from `text` with `sets`.
Calibration calibrate_in_process(const Scenario& base, const std::string& text,
                                 const std::string& label, const std::vector<std::string>& sets);

// The result file's /calibration tables: parameters (range, start, fitted),
// moments (target, tolerance, weight, simulated mean +- SE, standardised
// distance), history (every candidate), sensitivity (long form), notes.
std::vector<Table> calibration_tables(const Calibration& calibration);

// The fitted values as a YAML fragment to include, headed by where they came
// from. Laid over the calibration's scenario (`text`, self-contained, read
// with `sets`), it must give the calibrated world: each fitted key is written
// at its value, nested as in a scenario, and a key inside a container the
// reader takes whole (a named map such as population.buyers.personas, whose
// presence replaces the default entries; a list such as policies) is widened
// to that container, copied from the calibrated world's resolved scenario.
// Every key's form is checked by loading, and so is the whole fragment:
// RunError if it does not reproduce the world.
std::string calibration_fragment(const Calibration& calibration, const std::string& provenance,
                                 const std::string& text, const std::string& label,
                                 const std::vector<std::string>& sets);

// The moment table for the terminal.
std::string format_moment_table(const Calibration& calibration);

}  // namespace trustsim
