// Command line: run / validate / summarize, progress display, exit codes.
#include "trustsim/cli.hpp"

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>

#include <fmt/format.h>
#include <omp.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <CLI/CLI.hpp>

#include "trustsim/calibration.hpp"
#include "trustsim/compare.hpp"
#include "trustsim/errors.hpp"
#include "trustsim/experiment.hpp"
#include "trustsim/journal.hpp"
#include "trustsim/replication_plan.hpp"
#include "trustsim/report.hpp"
#include "trustsim/result_file.hpp"
#include "trustsim/result_tables.hpp"
#include "trustsim/run_lock.hpp"
#include "trustsim/scenario.hpp"
#include "trustsim/sha256.hpp"
#include "trustsim/task_farm.hpp"
#include "trustsim/text.hpp"
#include "trustsim/version.hpp"

namespace trustsim {
namespace {

std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

double peak_memory_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

std::string join_args(int argc, char** argv) {
  std::string text;
  for (int i = 0; i < argc; ++i) text += (i ? " " : "") + std::string(argv[i]);
  return text;
}

// Progress line on a terminal: tasks done, orders per second, time left.
// Rank 0's own tasks advance it day by day; other ranks' tasks when they finish.
class Progress {
 public:
  Progress(bool enabled, std::uint64_t tasks, bool at_most, std::int64_t days_per_task, int ranks)
      : enabled_(enabled),
        tasks_(tasks),
        at_most_(at_most),
        days_per_task_(days_per_task),
        ranks_(ranks),
        start_(Clock::now()),
        last_(start_) {}

  void own_day(std::int64_t orders) {
    ++own_days_;
    orders_ += orders;
    draw(false);
  }
  void task_done(const TaskRun& task, bool own) {
    ++done_;
    if (!own) {
      orders_ += task.orders_simulated;
      other_days_ += days_per_task_;
    }
    draw(true);
  }
  void finish() {
    if (enabled_) std::fprintf(stderr, "\r%90s\r", "");
  }
  double seconds() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }
  std::uint64_t tasks_done() const { return done_; }

 private:
  using Clock = std::chrono::steady_clock;
  void draw(bool force) {
    if (!enabled_) return;
    const auto now = Clock::now();
    if (!force && now - last_ < std::chrono::milliseconds(250)) return;
    last_ = now;
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    const double rate = elapsed > 0 ? static_cast<double>(orders_) / elapsed : 0.0;
    const double total_days = static_cast<double>(tasks_) * static_cast<double>(days_per_task_);
    const double fraction =
        total_days > 0 ? std::min(1.0, static_cast<double>(own_days_ + other_days_) / total_days)
                       : 0.0;
    const double left = fraction > 0 ? elapsed * (1.0 - fraction) / fraction : 0.0;
    std::fprintf(
        stderr, "\r  tasks %llu/%llu on %d rank%s  %5.1f%%  %.2fM orders/s  ETA %d:%02d%s   ",
        static_cast<unsigned long long>(done_), static_cast<unsigned long long>(tasks_), ranks_,
        ranks_ == 1 ? "" : "s", 100.0 * fraction, rate / 1e6, static_cast<int>(left) / 60,
        static_cast<int>(left) % 60, at_most_ ? " (at most)" : "");
    std::fflush(stderr);
  }
  bool enabled_;
  std::uint64_t tasks_;
  bool at_most_;
  std::int64_t days_per_task_;
  int ranks_;
  std::uint64_t done_ = 0;
  std::int64_t own_days_ = 0, other_days_ = 0;
  std::int64_t orders_ = 0;
  Clock::time_point start_, last_;
};

struct RunArgs {
  std::string scenario;
  std::string output;
  std::vector<std::string> sets;
  std::uint64_t replications = 0;
  int threads = 0;
  bool quiet = false;
  bool force = false;
  bool resume = false;
  bool output_given = false;
  bool calibrate = false;  // `trustsim calibrate`: the calibration search, not the experiment
  std::string fragment;    // calibrate: where the fitted values go as YAML
};

// What a journal must match to be resumed: the command, the resolved scenario and the build.
std::string run_identity(const Scenario& scenario, bool calibrate) {
  return fmt::format("{}config_sha256={}\nengine={} {}\n", calibrate ? "command=calibrate\n" : "",
                     sha256_hex(scenario.resolved_yaml), engine_version(), git_sha());
}

// Longest result-file name: the journal, lock and temporary files beside it add up to 27
// bytes to it, and file systems allow 255.
constexpr std::size_t kMaxOutputName = 200;

// The output path as given: not empty, a name a file system takes with room for the files
// beside it.
std::filesystem::path checked_output(const RunArgs& args) {
  if (args.output_given && args.output.empty())
    throw InputError("-o: the result file name is empty (omit -o for SCENARIO_STEM.h5)");
  std::filesystem::path out = args.output;
  if (out.empty()) out = std::filesystem::path(args.scenario).stem().string() + ".h5";
  const auto name = out.filename().string();
  if (name.empty() || name == "." || name == "..")
    throw InputError(
        fmt::format("-o '{}': names a directory, not a result file", one_line(args.output)));
  if (name.size() > kMaxOutputName)
    throw InputError(fmt::format(
        "-o: the result file name is {} bytes long; at most {} (the journal and temporary "
        "files beside it add to it, and file systems allow 255)",
        name.size(), kMaxOutputName));
  return out;
}

// Removes what killed runs on `out` left beside it: temporary result files, write probes,
// staged journals. Only called while holding the run lock, so none belongs to a live run.
// Staged lock files may belong to a run taking the lock right now: only old ones go.
std::size_t remove_leftovers(const std::filesystem::path& out) {
  namespace fs = std::filesystem;
  const fs::path directory = out.parent_path().empty() ? fs::path(".") : out.parent_path();
  const std::string name = out.filename().string();
  const std::vector<std::string> prefixes = {"." + name + ".tmp.", "." + name + ".probe.",
                                             "." + name + ".journal."};
  const std::string staged_lock = "." + name + ".lock.";
  std::size_t removed = 0;
  std::error_code error;
  for (fs::directory_iterator it(directory, error), end; !error && it != end; it.increment(error)) {
    const auto entry_name = it->path().filename().string();
    bool leftover = false;
    for (const auto& prefix : prefixes) leftover = leftover || entry_name.starts_with(prefix);
    if (entry_name.starts_with(staged_lock)) {
      std::error_code age_error;
      const auto age =
          fs::file_time_type::clock::now() - fs::last_write_time(it->path(), age_error);
      leftover = !age_error && age > std::chrono::minutes(10);
    }
    std::error_code ignored;
    if (leftover && !it->is_directory(ignored) && fs::remove(it->path(), ignored)) ++removed;
  }
  return removed;
}

// A finished task with the scenario's shape: its arms and this build's table
// columns. Guards the resume journal (and results from other ranks) against
// records that checksum but cannot belong to this run.
void check_task_shape(const Scenario& scenario, const TaskRun& task) {
  const auto refuse = [&](const std::string& why) {
    throw InputError(fmt::format("task {}: {}", task.task_id, why));
  };
  if (task.arms.size() != scenario.arms.size())
    refuse(fmt::format("it has {} arms, the scenario {}", task.arms.size(), scenario.arms.size()));
  const auto cohorts = cohort_labels(scenario).size();
  for (const auto& arm : task.arms) {
    if (arm.summary.size() != summary_outcomes().size() ||
        arm.timeseries.size() != timeseries_outcomes().size() || arm.cohorts.size() != cohorts)
      refuse("its tables do not have this build's columns");
    for (const auto& column : arm.timeseries)
      if (column.size() != arm.period_start.size()) refuse("its time series are ragged");
    for (const auto& row : arm.cohorts)
      if (row.size() != cohort_outcomes().size()) refuse("its cohort rows are ragged");
  }
}

// A finished task this run can have produced: its id is in the plan, and its shape is the
// scenario's.
void check_task_belongs(const Scenario& scenario, const ReplicationPlan& plan,
                        const TaskRun& task) {
  const auto refuse = [&](const std::string& why) {
    throw InputError(fmt::format("task {}: {}", task.task_id, why));
  };
  if (plan.point_of(task.task_id) >= plan.points())
    refuse(fmt::format("its id is beyond the experiment's {} task ids", plan.max_tasks()));
  if (task.point_id != plan.point_of(task.task_id) ||
      task.replication != plan.replication_of(task.task_id))
    refuse(
        fmt::format("it says point {} replication {}, but its id means point {} "
                    "replication {}",
                    task.point_id, task.replication, plan.point_of(task.task_id),
                    plan.replication_of(task.task_id)));
  check_task_shape(scenario, task);
}

// Rank 0's checks before anything runs: the output may be written, no other run is live
// on it (the lock, held until the result file is in place), an existing file or journal
// is never replaced silently, and a resume matches.
ResumeJournal open_journal(const RunArgs& args, const Scenario& scenario,
                           const std::function<void(const TaskRun&)>& check,
                           const std::filesystem::path& out, std::optional<RunLock>& lock,
                           FinishedTasks& finished) {
  const auto journal = journal_path(out);
  check_output_writable(out);
  lock.emplace(RunLock::acquire(out, utc_now()));
  // Notes on what was done to files beside the output are printed even with --quiet.
  if (!lock->took_over_from().run_id.empty())
    std::fprintf(stderr,
                 "trustsim: note: took over the lock of a run that is no longer alive (%s)\n",
                 lock->took_over_from().describe().c_str());
  const auto leftovers = remove_leftovers(out);
  if (leftovers > 0)
    std::fprintf(stderr, "trustsim: note: removed %zu temporary file%s left by an earlier run\n",
                 leftovers, leftovers == 1 ? "" : "s");
  const JournalState state = inspect_journal(journal);
  if (state.symlink) refuse_linked_journal(journal);
  if (state.exists && !state.regular)
    throw InputError(
        fmt::format("'{}' is not a regular file: remove it or write the results elsewhere with -o",
                    journal.string()));
  if (args.resume) {
    auto opened =
        ResumeJournal::resume(journal, run_identity(scenario, args.calibrate), finished, check);
    if (std::filesystem::exists(out) && !args.force)
      throw InputError(fmt::format(
          "'{}' already exists; pass --force to replace it when the resumed run completes",
          out.string()));
    return opened;
  }
  if (state.records > 0 && !args.force)
    throw InputError(fmt::format(
        "'{}' holds an interrupted run ({} finished task{}); pass --resume to finish it, or "
        "--force to discard it and start over",
        journal.string(), state.records, state.records == 1 ? "" : "s"));
  if (std::filesystem::exists(out) && !args.force)
    throw InputError(fmt::format(
        "'{}' already exists; pass --force to replace it or -o to write elsewhere", out.string()));
  if (state.exists && state.records == 0)
    std::fprintf(stderr, "trustsim: note: replacing '%s', a journal without any finished task\n",
                 journal.c_str());
  return ResumeJournal::create(journal, run_identity(scenario, args.calibrate));
}

// Everything a run holds between its phases (rank 0 holds the lock, the
// journal and the finished tasks).
struct RunState {
  std::string text;  // the scenario file, as rank 0 read it
  std::optional<Scenario> scenario;
  std::optional<RunLock> lock;
  std::optional<ResumeJournal> journal;
  FinishedTasks finished;
  std::uint64_t journal_records = 0;  // tasks in the journal (resumed ones included)
  std::filesystem::path out;
  FarmOutcome setup_error;  // a rank that could not prepare to run
};

void warn_if_oversubscribed() {
  if (omp_get_max_threads() > omp_get_num_procs())
    std::fprintf(stderr,
                 "trustsim: warning: %d threads on %d available core%s: oversubscribed threads "
                 "make the run much slower (results are the same); use --threads %d or fewer\n",
                 omp_get_max_threads(), omp_get_num_procs(), omp_get_num_procs() == 1 ? "" : "s",
                 omp_get_num_procs());
}

// Where calibrate writes the fitted values: --fragment, or beside the result
// file as STEM.fitted.yaml.
std::filesystem::path fragment_path(const RunArgs& args, const std::filesystem::path& out) {
  if (!args.fragment.empty()) return args.fragment;
  auto path = out;
  return path.replace_extension(".fitted.yaml");
}

// The fragment is never replaced silently, and its directory must take it.
void check_fragment_writable(const RunArgs& args, const std::filesystem::path& out) {
  const auto path = fragment_path(args, out);
  if (std::filesystem::exists(path) && !args.force)
    throw InputError(fmt::format(
        "'{}' already exists; pass --force to replace it or --fragment to write elsewhere",
        path.string()));
  check_output_writable(path);
}

// The scenario as the command runs it: calibrate runs the calibration world
// (the baseline arm alone) and needs a calibration section.
Scenario load_for(const RunArgs& args, const std::string& text, const LoadOptions& options) {
  Scenario scenario = load_scenario_text(text, args.scenario, options);
  if (!args.calibrate) return scenario;
  if (scenario.settings.calibration.parameters.empty())
    throw InputError(
        fmt::format("{}: no calibration section: calibrate needs calibration.parameters and "
                    "calibration.moments (docs/calibration.md)",
                    args.scenario));
  return calibration_world(std::move(scenario));
}

// Load: rank 0 reads and checks everything (output, scenario, lock, journal),
// then sends the scenario text to the other ranks, so every rank runs exactly
// the scenario rank 0 read. Returns rank 0's exit status: not kExitOk stops
// every rank (rank 0 rethrows its error to be reported once).
int load_run(const RunArgs& args, const MpiSession& mpi, RunState& run) {
  const bool lead = mpi.world().rank == 0;
  LoadOptions options;
  options.set_overrides = args.sets;
  if (args.replications > 0) options.replications = args.replications;
  int status = kExitOk;
  if (lead) {
    try {
      run.out = checked_output(args);
      if (args.calibrate) check_fragment_writable(args, run.out);
      run.text = read_scenario_text(args.scenario);
      run.scenario = load_for(args, run.text, options);
      // What the other ranks (and calibration candidates) load: one document,
      // included files merged in, so no rank needs to see them.
      run.text = self_contained_text(run.text, args.scenario);
      const Scenario& scenario = *run.scenario;
      const ReplicationPlan plan(scenario);
      const auto check = [&](const TaskRun& task) {
        // A calibration's task ids are checked batch by batch, as the search reaches them.
        if (args.calibrate)
          check_task_shape(scenario, task);
        else
          check_task_belongs(scenario, plan, task);
      };
      run.journal.emplace(open_journal(args, scenario, check, run.out, run.lock, run.finished));
      run.journal_records = run.finished.size();
    } catch (...) {
      status = classify_exception(std::current_exception()).exit_code;
      mpi.broadcast(status);
      throw;  // reported once, by rank 0
    }
  }
  mpi.broadcast(status);
  if (status != kExitOk) return status;
  mpi.broadcast(run.text);
  const std::string this_build = fmt::format("{} ({})", engine_version(), git_sha());
  std::string lead_build = this_build;
  mpi.broadcast(lead_build);
  if (!lead && lead_build != this_build) {
    run.setup_error = {kExitBadInput,
                       fmt::format("this rank runs trustsim {} but rank 0 runs {}: every rank "
                                   "must run the same build, or results are not reproducible",
                                   this_build, lead_build)};
  } else if (!lead) {
    try {
      options.check_memory = false;  // rank 0 checked; this host is the user's choice
      run.scenario = load_for(args, run.text, options);
    } catch (...) {
      run.setup_error = classify_exception(std::current_exception());
    }
  }
  return kExitOk;
}

void announce(const RunArgs& args, const RunState& run, const ReplicationPlan& plan, int ranks) {
  const auto& set = run.scenario->settings;
  std::fprintf(
      stderr, "trustsim %s: %zu arms x %s replications x %llu points, %d rank%s x %d threads\n",
      set.name.c_str(), run.scenario->arms.size(),
      plan.sequential()
          ? fmt::format("{}-{}", set.precision.min_replications, set.precision.max_replications)
                .c_str()
          : std::to_string(set.replications).c_str(),
      static_cast<unsigned long long>(plan.points()), ranks, ranks == 1 ? "" : "s",
      omp_get_max_threads());
  if (args.resume)
    std::fprintf(stderr, "  resuming: %llu finished tasks read from %s\n",
                 static_cast<unsigned long long>(run.finished.size()), run.journal->path().c_str());
}

// Farm: every rank runs tasks; rank 0 checks, journals and counts each result.
FarmOutcome farm(const FarmWorld& world, RunState& run, const Scenario& loaded,
                 const ReplicationPlan& plan, Progress& progress) {
  FarmHooks hooks;
  hooks.run = [&](std::uint64_t id, const std::function<void(std::int64_t)>& on_day) {
    return run_task(*run.scenario, plan.spec(id), on_day);
  };
  hooks.required = [&](const FinishedTasks& done) { return plan.required(done); };
  hooks.on_finished = [&](const TaskRun& task, int ran_on) {
    try {
      check_task_belongs(loaded, plan, task);
    } catch (const InputError& e) {
      throw RunError(
          fmt::format("rank {} sent a result this run cannot have: {}", ran_on, e.what()));
    }
    run.journal->append(task);
    progress.task_done(task, ran_on == 0);
    test_fault_point(0, "journal", run.finished.size() + 1);
  };
  hooks.on_orders = [&](std::int64_t orders) { progress.own_day(orders); };
  return run_farm(world, hooks, run.finished, run.setup_error);
}

// Rank 0 after a farm that did not finish: what is kept and how to go on.
int report_stop(const FarmOutcome& outcome, const RunState& run, std::uint64_t kept) {
  const auto journal = run.journal->path().string();
  if (outcome.exit_code == kExitInterrupted) {
    std::cerr << fmt::format(
        "trustsim: interrupted: {} finished task{} recorded in {}; run the same command with "
        "--resume to finish\n",
        kept, kept == 1 ? "" : "s", journal);
    return kExitInterrupted;
  }
  std::cerr << "trustsim: error: " << outcome.message << "\n";
  if (kept > 0)
    std::cerr << fmt::format("trustsim: {} finished tasks are kept in {} for --resume\n", kept,
                             journal);
  return outcome.exit_code;
}

// Write: the result file, once the lock is confirmed still this run's; then
// the journal and the lock go.
ResultFile write_results(RunState& run, const std::string& command_line, double seconds,
                         int ranks) {
  ResultFile file = assemble_results(*run.scenario, run.finished, {command_line, utc_now()});
  file.root_attributes.push_back({"wall_seconds", seconds});
  file.root_attributes.push_back({"ranks", static_cast<std::int64_t>(ranks)});
  file.root_attributes.push_back({"threads", static_cast<std::int64_t>(omp_get_max_threads())});
  test_fault_point(0, "write", 1);
  try {
    run.lock->check_held();
    write_result_file(run.out, file);
  } catch (const RunError& e) {
    throw RunError(
        fmt::format("{}; the {} finished tasks are kept in {}: run the same command "
                    "with --resume to write the result file once this is fixed",
                    e.what(), run.finished.size(), run.journal->path().string()));
  }
  run.journal->remove();
  run.lock->release();
  return file;
}

// The warnings the result file records (one per line), on stderr, quiet or not.
void report_warnings(const ResultFile& file) {
  std::istringstream lines(attribute_or<std::string>(file, "warnings", ""));
  for (std::string line; std::getline(lines, line);)
    if (!line.empty()) std::cerr << "trustsim: warning: " << line << "\n";
}

// Report: the contrasts, the digest and where the time went.
// The results digest the file records.
std::string results_digest_of(const ResultFile& file) {
  return attribute_or<std::string>(file, "results_digest", "?");
}

void report_results(const ResultFile& file, const RunState& run, double seconds, int ranks) {
  std::cout << format_contrasts(file);
  const std::string digest = results_digest_of(file);
  double setup = 0, simulate = 0;
  std::int64_t orders = 0;
  for (const auto& [id, t] : run.finished)
    setup += t.setup_seconds, simulate += t.simulate_seconds, orders += t.orders_simulated;
  std::cout << fmt::format(
      "\nwrote {}\n  results digest {}\n  {} orders simulated: {:.2f} s creating "
      "populations, {:.2f} s simulating ({:.3g} orders/s per rank on {} threads), "
      "{:.2f} s in all on {} rank{}; peak memory {:.1f} MiB (rank 0)\n",
      run.out.string(), digest, orders, setup, simulate,
      simulate > 0 ? static_cast<double>(orders) / simulate : 0.0, omp_get_max_threads(), seconds,
      ranks, ranks == 1 ? "" : "s", peak_memory_mib());
}

// What run and calibrate do once MPI is up: threads, and the scenario loaded
// on every rank (rank 0's exit status; not kExitOk stops every rank).
int prepare(const RunArgs& args, const MpiSession& mpi, RunState& run) {
  if (args.threads > 0) omp_set_num_threads(args.threads);
  if (mpi.world().rank == 0) warn_if_oversubscribed();
  return load_run(args, mpi, run);
}

// `trustsim run`: load, farm, write, report.
int do_run(const RunArgs& args, const std::string& command_line) {
  install_interrupt_handlers();
  MpiSession mpi;
  const FarmWorld world = mpi.world();
  const bool lead = world.rank == 0;
  RunState run;
  if (const int status = prepare(args, mpi, run); status != kExitOk) return status;

  const Scenario unloaded;  // a rank that failed to load reports the error and runs nothing
  const Scenario& loaded = run.scenario ? *run.scenario : unloaded;
  const ReplicationPlan plan(loaded);
  Progress progress(lead && !args.quiet && isatty(STDERR_FILENO),
                    plan.max_tasks() - run.finished.size(), plan.sequential(),
                    days_per_task(loaded), world.size);
  if (lead && !args.quiet) announce(args, run, plan, world.size);
  const FarmOutcome outcome = farm(world, run, loaded, plan, progress);
  if (!lead) return outcome.exit_code;
  progress.finish();
  if (outcome.exit_code != kExitOk) return report_stop(outcome, run, run.finished.size());
  const ResultFile file = write_results(run, command_line, progress.seconds(), world.size);
  if (args.quiet)
    std::cout << fmt::format("results digest {}  {}\n", results_digest_of(file), run.out.string());
  else
    report_results(file, run, progress.seconds(), world.size);
  report_warnings(file);
  return kExitOk;
}

// One line per calibration batch on stderr: where the search stands.
void report_batch(const Calibration& c, const CalibrationBatch& batch, double seconds) {
  double best = std::numeric_limits<double>::infinity();
  std::size_t failed = 0;
  const auto& history = c.history();
  const auto rows = batch.stage == CalibrationStage::kSensitivity ? 0 : batch.points.size();
  for (std::size_t k = history.size() - rows; k < history.size(); ++k) {
    best = std::min(best, history[k].loss);
    failed += history[k].problem.empty() ? 0 : 1;
  }
  const std::string where = batch.stage == CalibrationStage::kSearch
                                ? fmt::format("generation {}", batch.generation + 1)
                                : std::string(stage_name(batch.stage));
  std::string line =
      fmt::format("  {:<14} {:>3} candidate{} x {} replications", where, batch.points.size(),
                  batch.points.size() == 1 ? " " : "s", batch.replications);
  if (rows > 0) line += fmt::format("  best loss {:.4g}", best);
  if (failed > 0) line += fmt::format("  ({} could not run)", failed);
  std::cerr << line << fmt::format("  [{:.0f} s]\n", seconds);
}

// Rank 0: a batch's results from its finished tasks (checked to be the
// batch's), which then leave memory; the final batch's are moved to `kept`.
std::vector<CandidateResult> collect_batch(const Scenario& scenario, const CalibrationBatch& batch,
                                           const BatchWorld& world, FinishedTasks& finished,
                                           FinishedTasks& kept) {
  auto results = batch_results(
      scenario, batch, world,
      [&](std::uint64_t id, std::size_t k, std::uint64_t r) -> const TaskRun& {
        const auto it = finished.find(id);
        if (it == finished.end()) throw RunError(fmt::format("calibration task {} is missing", id));
        if (it->second.point_id != k || it->second.replication != r)
          throw InputError(fmt::format(
              "task {}: it says candidate {} replication {}, but this calibration's task {} is "
              "candidate {} replication {} of its {} batch: the journal is not this "
              "calibration's",
              id, it->second.point_id, it->second.replication, id, k, r, stage_name(batch.stage)));
        return it->second;
      });
  const auto end = batch.first_task + batch.points.size() * batch.replications;
  for (auto it = finished.lower_bound(batch.first_task); it != finished.end() && it->first < end;) {
    if (batch.stage == CalibrationStage::kFinal) kept[it->first] = std::move(it->second);
    it = finished.erase(it);
  }
  return results;
}

// The result file of a calibration: the calibrated world's own tables (the
// fitted point's final replications, as `run` writes a one-arm run) and the
// /calibration tables.
ResultFile calibration_results(const RunArgs& args, const RunState& run, const Calibration& c,
                               std::uint64_t final_first_task, FinishedTasks& kept,
                               const std::string& command_line) {
  LoadOptions options;
  options.set_overrides = args.sets;
  const auto& params = c.params().parameters;
  for (std::size_t j = 0; j < params.size(); ++j)
    options.set_overrides.push_back(fmt::format("{}={:.17g}", params[j].key, c.fitted()[j]));
  options.check_memory = false;
  Scenario fitted = calibration_world(load_scenario_text(run.text, args.scenario, options));
  const auto reps = c.fitted_moments().replications;
  fitted.settings.replications = reps;
  FinishedTasks tasks;
  for (std::uint64_t r = 0; r < reps; ++r) {
    auto task = std::move(kept.at(final_first_task + c.fitted_candidate() * reps + r));
    task.task_id = r;
    task.point_id = 0;
    tasks.emplace(r, std::move(task));
  }
  ResultFile file = assemble_results(fitted, tasks, {command_line, utc_now()});
  for (auto& table : calibration_tables(c)) file.tables.push_back(std::move(table));
  std::erase_if(file.root_attributes,
                [](const Attribute& a) { return a.name == "results_digest"; });
  file.root_attributes.push_back({"command", std::string("calibrate")});
  file.root_attributes.push_back(
      {"calibration_evaluations", static_cast<std::int64_t>(c.evaluations())});
  file.root_attributes.push_back({"calibration_loss", c.fitted_loss()});
  file.root_attributes.push_back({"results_digest", results_digest(file)});
  return file;
}

// Writes `text` to `path` by a temporary name and a rename: whole or not at all.
void write_text_atomically(const std::filesystem::path& path, const std::string& text) {
  auto temporary = path;
  temporary += fmt::format(".tmp.{}", getpid());
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) {
      std::error_code ignored;
      std::filesystem::remove(temporary, ignored);
      throw RunError(fmt::format("cannot write '{}'", temporary.string()));
    }
  }
  std::error_code error;
  std::filesystem::rename(temporary, path, error);
  if (error) {
    std::filesystem::remove(temporary, error);
    throw RunError(fmt::format("cannot write '{}'", path.string()));
  }
}

// `trustsim calibrate`: rank 0 steps the search; each batch runs as tasks on
// every rank; the result file and the fragment are written at the end.
int do_calibrate(const RunArgs& args, const std::string& command_line) {
  install_interrupt_handlers();
  MpiSession mpi;
  const FarmWorld world = mpi.world();
  const bool lead = world.rank == 0;
  RunState run;
  if (const int status = prepare(args, mpi, run); status != kExitOk) return status;
  const Scenario unloaded;
  const Scenario& base = run.scenario ? *run.scenario : unloaded;
  std::optional<Calibration> calibration;
  if (lead) {
    calibration.emplace(base.settings.calibration);
    if (!args.quiet) {
      const auto& c = base.settings.calibration;
      std::cerr << fmt::format(
          "trustsim calibrate {}: {} parameters, {} moments, budget {} candidates x {} "
          "replications, {} rank{} x {} threads\n",
          base.settings.name, c.parameters.size(), c.moments.size(), c.budget, c.replications,
          world.size, world.size == 1 ? "" : "s", omp_get_max_threads());
      if (args.resume)
        std::cerr << fmt::format("  resuming: {} finished tasks read from {}\n",
                                 run.finished.size(), run.journal->path().string());
    }
  }
  const auto started = std::chrono::steady_clock::now();
  auto seconds = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  };
  FinishedTasks kept;
  std::uint64_t final_first_task = 0;
  std::optional<CalibrationBatch> ran;  // rank 0: the batch the last farm ran
  BatchWorld ran_world;
  for (;;) {
    // Rank 0 tells the batch it ran and sends the next; a failure on the way is
    // sent too ("!"), so no rank waits for a batch that never comes.
    std::string text;
    std::exception_ptr failure;
    if (lead) {
      try {
        if (ran) {
          if (ran->stage == CalibrationStage::kFinal) final_first_task = ran->first_task;
          calibration->tell(collect_batch(base, *ran, ran_world, run.finished, kept));
          if (!args.quiet) report_batch(*calibration, *ran, seconds());
        }
        if (calibration->pending()) text = encode_batch(*calibration->pending());
      } catch (...) {
        failure = std::current_exception();
        text = "!";
      }
    }
    mpi.broadcast(text);
    if (text == "!") {
      if (lead) std::rethrow_exception(failure);
      return kExitRunFailure;
    }
    if (text.empty()) break;
    const CalibrationBatch batch = decode_batch(text);
    BatchWorld batch_run =
        run.scenario ? batch_world(base, run.text, args.scenario, args.sets, batch) : BatchWorld{};
    FarmHooks hooks;
    hooks.run = [&](std::uint64_t id, const std::function<void(std::int64_t)>& on_day) {
      const auto offset = id - batch.first_task;
      return run_task(batch_run.scenario,
                      {id, offset / batch.replications, offset % batch.replications}, on_day);
    };
    hooks.required = [&](const FinishedTasks& done) {
      std::vector<std::uint64_t> ids;
      for (std::size_t k = 0; k < batch.points.size(); ++k)
        if (batch_run.problems[k].empty())
          for (std::uint64_t r = 0; r < batch.replications; ++r) {
            const auto id = batch.first_task + k * batch.replications + r;
            if (!done.count(id)) ids.push_back(id);
          }
      return ids;
    };
    hooks.on_finished = [&](const TaskRun& task, int ran_on) {
      try {
        check_task_shape(batch_run.scenario, task);
      } catch (const InputError& e) {
        throw RunError(
            fmt::format("rank {} sent a result this run cannot have: {}", ran_on, e.what()));
      }
      run.journal->append(task);
      ++run.journal_records;
      test_fault_point(0, "journal", run.journal_records);
    };
    hooks.on_orders = [](std::int64_t) {};
    const FarmOutcome outcome = run_farm(world, hooks, run.finished, run.setup_error);
    if (outcome.exit_code != kExitOk)
      return lead ? report_stop(outcome, run, run.journal_records) : outcome.exit_code;
    if (lead) {
      ran = batch;
      ran_world = std::move(batch_run);
    }
  }
  if (!lead) return kExitOk;
  const ResultFile file =
      calibration_results(args, run, *calibration, final_first_task, kept, command_line);
  test_fault_point(0, "write", 1);
  const auto fragment = fragment_path(args, run.out);
  try {
    run.lock->check_held();
    write_result_file(run.out, file);
    write_text_atomically(fragment, calibration_fragment(*calibration,
                                                         fmt::format("{}, {} {}", args.scenario,
                                                                     engine_version(), git_sha()),
                                                         run.text, args.scenario, args.sets));
  } catch (const RunError& e) {
    throw RunError(fmt::format(
        "{}; the finished tasks are kept in {}: run the same command with --resume once this "
        "is fixed",
        e.what(), run.journal->path().string()));
  }
  run.journal->remove();
  run.lock->release();
  if (!args.quiet) {
    std::cout << format_moment_table(*calibration);
    std::cout << fmt::format("\nwrote {} and {}\n  results digest {}\n  {:.1f} s\n",
                             run.out.string(), fragment.string(), results_digest_of(file),
                             seconds());
  }
  report_warnings(file);
  return kExitOk;
}

int do_validate(const std::string& path, const std::vector<std::string>& sets, bool print) {
  LoadOptions options;
  options.set_overrides = sets;
  const Scenario scenario = load_scenario(path, options);
  if (print) {
    std::cout << scenario.resolved_yaml << arm_differences(scenario);
    return kExitOk;
  }
  const auto memory = estimate_memory(scenario);
  const auto& set = scenario.settings;
  const std::string replications =
      set.precision.targets.empty()
          ? fmt::format("{} replications", set.replications)
          : fmt::format("{} to {} replications (precision targets)", set.precision.min_replications,
                        set.precision.max_replications);
  const auto plural = [](std::size_t n, const char* noun) {
    return fmt::format("{} {}{}", n, noun, n == 1 ? "" : "s");
  };
  // A scenario without a sweep has one point, which is not worth a word.
  const std::string sweep = scenario.points.size() > 1
                                ? ", " + plural(scenario.points.size(), "sweep point")
                                : std::string();
  std::cout << fmt::format(
      "{}: ok: {}, {}{}, {} warm-up + {} horizon days, {} sellers, {} "
      "buyers; about {:.0f} MiB per rank, and {:.0f} MiB more on rank 0 for the results\n",
      path, plural(scenario.arms.size(), "arm"), replications, sweep, set.warmup_days,
      set.horizon_days, set.model.population.sellers.count, set.model.population.buyers.count,
      static_cast<double>(memory.total_bytes) / (1 << 20),
      static_cast<double>(
          estimate_results_memory(scenario, ReplicationPlan(scenario).max_tasks())) /
          (1 << 20));
  if (const auto& c = set.calibration; !c.parameters.empty())
    std::cout << fmt::format(
        "  calibration: {} parameters to {} moments, at most {} candidates x {} replications "
        "(trustsim calibrate)\n",
        c.parameters.size(), c.moments.size(), c.budget, c.replications);
  return kExitOk;
}

int do_summarize(const std::string& path, const SummaryOptions& options) {
  std::cout << summarize_result_file(path, options);
  return kExitOk;
}

// `trustsim report RESULTS -o REPORT.html`: the file is checked here (exit 2
// for anything that is not a complete result file of this schema), then
// tools/report.py draws the report into a hidden file beside the target,
// renamed into place only when complete: a failed report leaves nothing and
// replaces nothing. An existing report is replaced only with --force.
struct ReportArgs {
  std::string results, output;
  bool force = false;
};

int do_report(ReportArgs args) {
  namespace fs = std::filesystem;
  const ResultFile file = read_result_file(args.results, {});
  check_schema_version(file, args.results);
  if (args.output.empty()) args.output = fs::path(args.results).stem().string() + ".html";
  const fs::path out(args.output);
  if (fs::exists(out) && !args.force)
    throw InputError(
        fmt::format("report: '{}' already exists (--force replaces it)", out.string()));
  check_output_writable(out);
  const char* tools_env = std::getenv("TRUSTSIM_TOOLS_DIR");
  const fs::path script =
      fs::path(tools_env && *tools_env ? tools_env : TRUSTSIM_TOOLS_DIR) / "report.py";
  if (!fs::is_regular_file(script))
    throw RunError(
        fmt::format("report: {} is missing (set TRUSTSIM_TOOLS_DIR to the tools/ "
                    "folder of a trustsim checkout)",
                    script.string()));
  const char* python_env = std::getenv("TRUSTSIM_PYTHON");
  const std::string python = python_env && *python_env        ? python_env
                             : fs::exists("/usr/bin/python3") ? "/usr/bin/python3"
                                                              : "python3";
  const fs::path partial =
      (out.parent_path().empty() ? fs::path(".") : out.parent_path()) /
      fmt::format(".{}.partial.{}", out.filename().string(), static_cast<long>(::getpid()));
  std::vector<std::string> words = {python, script.string(), args.results, "-o", partial.string()};
  std::vector<char*> argv;
  for (auto& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  std::fflush(nullptr);
  const pid_t child = ::fork();
  if (child < 0)
    throw RunError(fmt::format("report: cannot start {}: {}", python, std::strerror(errno)));
  if (child == 0) {
    ::execvp(argv[0], argv.data());
    std::fprintf(stderr, "trustsim: error: report: cannot run %s: %s\n", argv[0],
                 std::strerror(errno));
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  std::error_code ignored;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    fs::remove(partial, ignored);
    if (WIFEXITED(status) && WEXITSTATUS(status) == kExitBadInput) return kExitBadInput;
    std::cerr << fmt::format("trustsim: error: report: {} failed ({}); no report written\n",
                             script.string(),
                             WIFEXITED(status) ? fmt::format("exit {}", WEXITSTATUS(status))
                                               : fmt::format("signal {}", WTERMSIG(status)));
    return kExitRunFailure;
  }
  fs::rename(partial, out);
  std::cout << fmt::format("wrote {}\n", out.string());
  return kExitOk;
}

// `trustsim compare A B`: 0 when the runs agree, 1 when they differ, 2 for
// anything else (bad input, or a failure reading): 1 means only "differ".
int do_compare(const std::string& a, const std::string& b, const CompareOptions& options) {
  try {
    const auto result = compare_result_files(a, b, options);
    std::cout << result.text;
    return result.agree ? kExitOk : 1;
  } catch (const InputError& e) {
    std::cerr << "trustsim: error: " << e.what() << "\n";
  } catch (const std::exception& e) {
    std::cerr << "trustsim: error: compare: " << e.what() << "\n";
  }
  return kExitBadInput;
}

}  // namespace

int cli_main(int argc, char** argv) {
  CLI::App app{"trustsim: marketplace seller-performance policy experiments"};
  app.require_subcommand(1);
  app.set_version_flag("--version", fmt::format("trustsim {} ({})", engine_version(), git_sha()));

  RunArgs run;
  auto* run_cmd = app.add_subcommand("run", "run an experiment and write its result file");
  run_cmd->add_option("scenario", run.scenario, "scenario YAML")->required();
  run_cmd->add_option("-o,--output", run.output, "result file (default: SCENARIO_STEM.h5)");
  run_cmd->add_option("--set", run.sets, "override a scenario value: KEY.PATH=VALUE")->take_all();
  run_cmd->add_option("--replications", run.replications, "replications (overrides the file)")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1000000}));
  run_cmd->add_option("--threads", run.threads, "OpenMP threads (default: OMP_NUM_THREADS)")
      ->check(CLI::Range(1, 4096));
  run_cmd->add_flag("--quiet", run.quiet,
                    "no progress and no contrasts table: one line, the results digest and the "
                    "result file");
  run_cmd->add_flag("--force", run.force,
                    "replace an existing result file (or discard an interrupted run's journal)");
  run_cmd->add_flag("--resume", run.resume,
                    "finish an interrupted run of the same scenario: only missing tasks run");

  RunArgs calibrate;
  calibrate.calibrate = true;
  auto* calibrate_cmd = app.add_subcommand(
      "calibrate",
      "fit the scenario's calibration.parameters to calibration.moments (simulated method of "
      "moments, CMA-ES); writes a result file and the fitted values as YAML");
  calibrate_cmd
      ->add_option("scenario", calibrate.scenario, "scenario YAML with a calibration section")
      ->required();
  calibrate_cmd->add_option("-o,--output", calibrate.output,
                            "result file (default: SCENARIO_STEM.h5)");
  calibrate_cmd->add_option("--fragment", calibrate.fragment,
                            "fitted values as YAML (default: beside the result file, "
                            "STEM.fitted.yaml)");
  calibrate_cmd->add_option("--set", calibrate.sets, "override a scenario value: KEY.PATH=VALUE")
      ->take_all();
  calibrate_cmd
      ->add_option("--threads", calibrate.threads, "OpenMP threads (default: OMP_NUM_THREADS)")
      ->check(CLI::Range(1, 4096));
  calibrate_cmd->add_flag("--quiet", calibrate.quiet, "no progress and no moment table");
  calibrate_cmd->add_flag("--force", calibrate.force,
                          "replace existing output files (or discard an interrupted search)");
  calibrate_cmd->add_flag("--resume", calibrate.resume,
                          "finish an interrupted calibration: finished tasks are not run again");

  std::string validate_path;
  std::vector<std::string> validate_sets;
  bool print_resolved = false, print_reference = false;
  auto* validate_cmd = app.add_subcommand("validate", "check a scenario without running it");
  validate_cmd->add_option("scenario", validate_path, "scenario YAML");
  validate_cmd->add_option("--set", validate_sets, "override a value: KEY.PATH=VALUE")->take_all();
  validate_cmd->add_flag("--print", print_resolved,
                         "print the fully resolved scenario (every default filled in)");
  validate_cmd->add_flag("--reference", print_reference,
                         "print the Markdown reference of every scenario key and exit");

  std::string summarize_path;
  SummaryOptions summary;
  auto* summarize_cmd = app.add_subcommand("summarize", "print the contrasts of a result file");
  summarize_cmd->add_option("results", summarize_path, "result file (.h5)")->required();
  summarize_cmd->add_option("--metrics", summary.metrics, "only these metrics (comma-separated)")
      ->delimiter(',');
  summarize_cmd->add_option("--arms", summary.arms, "only these candidate arms (comma-separated)")
      ->delimiter(',');
  summarize_cmd
      ->add_option("--points", summary.points,
                   "only these sweep points, by point_id (comma-separated; the text table shows "
                   "the first 3 without)")
      ->delimiter(',');
  summarize_cmd
      ->add_option("--format", summary.format,
                   "text (the terminal table), csv or json (every column, numbers in full) or "
                   "markdown (for a document)")
      ->transform(CLI::CheckedTransformer(
          std::map<std::string, SummaryFormat>{{"text", SummaryFormat::kText},
                                               {"csv", SummaryFormat::kCsv},
                                               {"markdown", SummaryFormat::kMarkdown},
                                               {"json", SummaryFormat::kJson}},
          CLI::ignore_case));
  summarize_cmd->add_flag("--scenario", summary.scenario,
                          "print the resolved scenario the file embeds (trustsim run it to "
                          "reproduce the file's results bit for bit)");

  ReportArgs report;
  auto* report_cmd = app.add_subcommand(
      "report", "write a self-contained HTML report of a result file (charts, tables, provenance)");
  report_cmd->add_option("results", report.results, "result file (.h5)")->required();
  report_cmd->add_option("-o,--output", report.output,
                         "the HTML file (default: RESULTS_STEM.html in the current directory)");
  report_cmd->add_flag("--force", report.force, "replace an existing report");

  std::string compare_a, compare_b;
  CompareOptions compare;
  auto* compare_cmd = app.add_subcommand(
      "compare",
      "compare two result files table by table: exit 0 when they agree, 1 when they differ, 2 "
      "on bad input");
  compare_cmd->add_option("reference", compare_a, "result file (.h5) to compare against")
      ->required();
  compare_cmd->add_option("results", compare_b, "result file (.h5)")->required();
  compare_cmd
      ->add_option("--rtol", compare.rtol,
                   "numbers agree when |b - a| <= atol + rtol * |a| (default 0: bit for bit)")
      ->check(CLI::NonNegativeNumber);
  compare_cmd->add_option("--atol", compare.atol, "absolute tolerance (default 0)")
      ->check(CLI::NonNegativeNumber);
  compare_cmd
      ->add_option("--tables", compare.tables,
                   "only these tables (comma-separated, e.g. summary,analysis/contrasts; default: "
                   "every table but /timing)")
      ->delimiter(',');
  compare_cmd->add_option("--max-differences", compare.max_listed,
                          "differing values listed (default 20)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kExitOk : kExitBadInput;
  }

  try {
    if (*run_cmd) {
      run.output_given = run_cmd->count("--output") > 0;
      return do_run(run, join_args(argc, argv));
    }
    if (*calibrate_cmd) {
      calibrate.output_given = calibrate_cmd->count("--output") > 0;
      return do_calibrate(calibrate, join_args(argc, argv));
    }
    if (*validate_cmd) {
      if (print_reference) {
        std::cout << scenario_reference_markdown();
        return kExitOk;
      }
      if (validate_path.empty()) throw InputError("validate: a scenario file is required");
      return do_validate(validate_path, validate_sets, print_resolved);
    }
    if (*summarize_cmd) return do_summarize(summarize_path, summary);
    if (*compare_cmd) return do_compare(compare_a, compare_b, compare);
    if (*report_cmd) return do_report(report);
  } catch (const InputError& e) {
    // Scenario problems are already in compiler style; other input errors get a prefix.
    std::cerr << (e.problems().empty() ? "trustsim: error: " : "") << e.what() << "\n";
    return kExitBadInput;
  } catch (const RunError& e) {
    std::cerr << "trustsim: error: " << e.what() << "\n";
    return kExitRunFailure;
  } catch (const std::bad_alloc&) {
    std::cerr << "trustsim: error: out of memory\n";
    return kExitRunFailure;
  } catch (const std::exception& e) {
    std::cerr << "trustsim: internal error: " << e.what() << "\n";
    return kExitRunFailure;
  }
  return kExitBadInput;
}

}  // namespace trustsim
