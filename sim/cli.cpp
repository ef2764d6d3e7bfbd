// Command line: run / validate / summarize, progress display, exit codes.
#include "trustsim/cli.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <optional>
#include <sstream>

#include <fmt/format.h>
#include <omp.h>
#include <sys/resource.h>
#include <unistd.h>
#include <CLI/CLI.hpp>

#include "trustsim/errors.hpp"
#include "trustsim/experiment.hpp"
#include "trustsim/journal.hpp"
#include "trustsim/replication_plan.hpp"
#include "trustsim/result_file.hpp"
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
};

// What a journal must match to be resumed: the resolved scenario and the build.
std::string run_identity(const Scenario& scenario) {
  return fmt::format("config_sha256={}\nengine={} {}\n", sha256_hex(scenario.resolved_yaml),
                     engine_version(), git_sha());
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

// A finished task this run can have produced: its id is in the plan, and its shape is the
// scenario's. Guards the resume journal (and results from other ranks) against records
// that checksum but cannot belong to this run.
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

// Rank 0's checks before anything runs: the output may be written, no other run is live
// on it (the lock, held until the result file is in place), an existing file or journal
// is never replaced silently, and a resume matches.
ResumeJournal open_journal(const RunArgs& args, const Scenario& scenario,
                           const ReplicationPlan& plan, const std::filesystem::path& out,
                           std::optional<RunLock>& lock, FinishedTasks& finished) {
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
    auto opened = ResumeJournal::resume(
        journal, run_identity(scenario), finished,
        [&](const TaskRun& task) { check_task_belongs(scenario, plan, task); });
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
  return ResumeJournal::create(journal, run_identity(scenario));
}

// Everything a run holds between its phases (rank 0 holds the lock, the
// journal and the finished tasks).
struct RunState {
  std::string text;  // the scenario file, as rank 0 read it
  std::optional<Scenario> scenario;
  std::optional<RunLock> lock;
  std::optional<ResumeJournal> journal;
  FinishedTasks finished;
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
      run.text = read_scenario_text(args.scenario);
      run.scenario = load_scenario_text(run.text, args.scenario, options);
      run.journal.emplace(open_journal(args, *run.scenario, ReplicationPlan(*run.scenario), run.out,
                                       run.lock, run.finished));
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
      run.scenario = load_scenario_text(run.text, args.scenario, options);
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
int report_stop(const FarmOutcome& outcome, const RunState& run) {
  const auto kept = run.finished.size();
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
  for (const auto& a : file.root_attributes)
    if (const auto* text = std::get_if<std::string>(&a.value); text && a.name == "warnings") {
      std::istringstream lines(*text);
      for (std::string line; std::getline(lines, line);)
        if (!line.empty()) std::cerr << "trustsim: warning: " << line << "\n";
    }
}

// Report: the contrasts, the digest and where the time went.
void report_results(const ResultFile& file, const RunState& run, double seconds, int ranks) {
  std::cout << format_contrasts(file);
  std::string digest = "?";
  for (const auto& a : file.root_attributes)
    if (const auto* text = std::get_if<std::string>(&a.value); text && a.name == "results_digest")
      digest = *text;
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

// `trustsim run`: load, farm, write, report.
int do_run(const RunArgs& args, const std::string& command_line) {
  install_interrupt_handlers();
  MpiSession mpi;
  const FarmWorld world = mpi.world();
  const bool lead = world.rank == 0;
  if (args.threads > 0) omp_set_num_threads(args.threads);
  if (lead) warn_if_oversubscribed();
  RunState run;
  if (const int status = load_run(args, mpi, run); status != kExitOk) return status;

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
  if (outcome.exit_code != kExitOk) return report_stop(outcome, run);
  const ResultFile file = write_results(run, command_line, progress.seconds(), world.size);
  if (!args.quiet) report_results(file, run, progress.seconds(), world.size);
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
  std::cout << fmt::format(
      "{}: ok: {} arms, {}, {} sweep point{}, {} warm-up + {} horizon days, {} sellers, {} "
      "buyers; about {:.0f} MiB per rank, and {:.0f} MiB more on rank 0 for the results\n",
      path, scenario.arms.size(), replications, scenario.points.size(),
      scenario.points.size() == 1 ? "" : "s", set.warmup_days, set.horizon_days,
      set.model.population.sellers.count, set.model.population.buyers.count,
      static_cast<double>(memory.total_bytes) / (1 << 20),
      static_cast<double>(
          estimate_results_memory(scenario, ReplicationPlan(scenario).max_tasks())) /
          (1 << 20));
  return kExitOk;
}

int do_summarize(const std::string& path) {
  std::cout << summarize_result_file(path);
  return kExitOk;
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
  run_cmd->add_flag("--quiet", run.quiet, "no progress and no contrasts table");
  run_cmd->add_flag("--force", run.force,
                    "replace an existing result file (or discard an interrupted run's journal)");
  run_cmd->add_flag("--resume", run.resume,
                    "finish an interrupted run of the same scenario: only missing tasks run");

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
  auto* summarize_cmd = app.add_subcommand("summarize", "print the contrasts of a result file");
  summarize_cmd->add_option("results", summarize_path, "result file (.h5)")->required();

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
    if (*validate_cmd) {
      if (print_reference) {
        std::cout << scenario_reference_markdown();
        return kExitOk;
      }
      if (validate_path.empty()) throw InputError("validate: a scenario file is required");
      return do_validate(validate_path, validate_sets, print_resolved);
    }
    if (*summarize_cmd) return do_summarize(summarize_path);
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
