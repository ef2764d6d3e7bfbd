// Command line: run / validate / summarize, progress display, exit codes.
#include "trustsim/cli.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <optional>

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
#include "trustsim/scenario.hpp"
#include "trustsim/sha256.hpp"
#include "trustsim/task_farm.hpp"
#include "trustsim/version.hpp"

namespace trustsim {
namespace {

const std::vector<std::string> kTablePaths = {"/lookup/arms",
                                              "/lookup/metrics",
                                              "/lookup/cohorts",
                                              "/runs",
                                              "/summary",
                                              "/timeseries",
                                              "/cohort_summary",
                                              "/analysis/contrasts",
                                              "/analysis/precision?",
                                              "/analysis/sobol?",
                                              "/lookup/parameters?",
                                              "/lookup/points?"};

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
};

// What a journal must match to be resumed: the resolved scenario and the build.
std::string run_identity(const Scenario& scenario) {
  return fmt::format("config_sha256={}\nengine={} {}\n", sha256_hex(scenario.resolved_yaml),
                     engine_version(), git_sha());
}

// Rank 0's checks before anything runs: the output may be written, an
// existing file or journal is never replaced silently, and a resume matches.
ResumeJournal open_journal(const RunArgs& args, const Scenario& scenario,
                           const std::filesystem::path& out, FinishedTasks& finished) {
  const auto journal = journal_path(out);
  if (args.resume) {
    auto opened = ResumeJournal::resume(journal, run_identity(scenario), finished);
    if (std::filesystem::exists(out) && !args.force)
      throw InputError(fmt::format(
          "'{}' already exists; pass --force to replace it when the resumed run completes",
          out.string()));
    return opened;
  }
  if (std::filesystem::exists(journal) && !args.force)
    throw InputError(fmt::format(
        "'{}' holds an interrupted run; pass --resume to finish it, or --force to discard it "
        "and start over",
        journal.string()));
  if (std::filesystem::exists(out) && !args.force)
    throw InputError(fmt::format(
        "'{}' already exists; pass --force to replace it or -o to write elsewhere", out.string()));
  check_output_writable(out);
  return ResumeJournal::create(journal, run_identity(scenario));
}

int do_run(const RunArgs& args, const std::string& command_line) {
  install_interrupt_handlers();
  MpiSession mpi;
  const FarmWorld world = mpi.world();
  const bool lead = world.rank == 0;
  if (args.threads > 0) omp_set_num_threads(args.threads);
  LoadOptions options;
  options.set_overrides = args.sets;
  if (args.replications > 0) options.replications = args.replications;

  // Rank 0 reads and checks everything, then sends the scenario text to the
  // other ranks, so every rank runs exactly the scenario rank 0 read.
  std::string text;
  std::optional<Scenario> scenario;
  std::optional<ResumeJournal> journal;
  FinishedTasks finished;
  std::filesystem::path out = args.output;
  if (out.empty()) out = std::filesystem::path(args.scenario).stem().string() + ".h5";
  int status = kExitOk;
  if (lead) {
    try {
      text = read_scenario_text(args.scenario);
      scenario = load_scenario_text(text, args.scenario, options);
      journal.emplace(open_journal(args, *scenario, out, finished));
    } catch (...) {
      status = classify_exception(std::current_exception()).exit_code;
      mpi.broadcast(status);
      throw;  // reported once, by rank 0
    }
  }
  mpi.broadcast(status);
  if (status != kExitOk) return status;
  mpi.broadcast(text);
  const std::string this_build = fmt::format("{} ({})", engine_version(), git_sha());
  std::string lead_build = this_build;
  mpi.broadcast(lead_build);
  FarmOutcome setup_error;
  if (!lead && lead_build != this_build) {
    setup_error = {kExitBadInput,
                   fmt::format("this rank runs trustsim {} but rank 0 runs {}: every rank must "
                               "run the same build, or results are not reproducible",
                               this_build, lead_build)};
  } else if (!lead) {
    try {
      options.check_memory = false;  // rank 0 checked; this host is the user's choice
      scenario = load_scenario_text(text, args.scenario, options);
    } catch (...) {
      setup_error = classify_exception(std::current_exception());
    }
  }

  const Scenario unloaded;  // a rank that failed to load reports the error and runs nothing
  const Scenario& loaded = scenario ? *scenario : unloaded;
  const ReplicationPlan plan(loaded);
  const auto& set = loaded.settings;
  const auto arms = loaded.arms.size();
  const std::uint64_t resumed = finished.size();
  Progress progress(lead && !args.quiet && isatty(STDERR_FILENO), plan.max_tasks() - resumed,
                    plan.sequential(), days_per_task(loaded), world.size);
  if (lead && !args.quiet) {
    std::fprintf(
        stderr, "trustsim %s: %zu arms x %s replications x %llu points, %d rank%s x %d threads\n",
        set.name.c_str(), arms,
        plan.sequential()
            ? fmt::format("{}-{}", set.precision.min_replications, set.precision.max_replications)
                  .c_str()
            : std::to_string(set.replications).c_str(),
        static_cast<unsigned long long>(plan.points()), world.size, world.size == 1 ? "" : "s",
        omp_get_max_threads());
    if (args.resume)
      std::fprintf(stderr, "  resuming: %llu finished tasks read from %s\n",
                   static_cast<unsigned long long>(resumed), journal->path().c_str());
  }

  FarmHooks hooks;
  hooks.run = [&](std::uint64_t id, const std::function<void(std::int64_t)>& on_day) {
    return run_task(*scenario, plan.spec(id), on_day);
  };
  hooks.required = [&](const FinishedTasks& done) { return plan.required(done); };
  hooks.on_finished = [&](const TaskRun& task, int ran_on) {
    journal->append(task);
    progress.task_done(task, ran_on == 0);
    test_fault_point(0, "journal", finished.size() + 1);
  };
  hooks.on_orders = [&](std::int64_t orders) { progress.own_day(orders); };
  const FarmOutcome outcome = run_farm(world, hooks, finished, setup_error);
  if (!lead) return outcome.exit_code;
  progress.finish();
  if (outcome.exit_code == kExitInterrupted) {
    std::cerr << fmt::format(
        "trustsim: interrupted: {} finished task{} recorded in {}; run the same command with "
        "--resume to finish\n",
        finished.size(), finished.size() == 1 ? "" : "s", journal->path().string());
    return kExitInterrupted;
  }
  if (outcome.exit_code != kExitOk) {
    std::cerr << "trustsim: error: " << outcome.message << "\n";
    if (!finished.empty())
      std::cerr << fmt::format("trustsim: {} finished tasks are kept in {} for --resume\n",
                               finished.size(), journal->path().string());
    return outcome.exit_code;
  }

  ResultFile file = assemble_results(*scenario, finished, {command_line, utc_now()});
  file.root_attributes.push_back({"wall_seconds", progress.seconds()});
  file.root_attributes.push_back({"ranks", static_cast<std::int64_t>(world.size)});
  file.root_attributes.push_back({"threads", static_cast<std::int64_t>(omp_get_max_threads())});
  test_fault_point(0, "write", 1);
  write_result_file(out, file);
  journal->remove();
  if (!args.quiet) {
    std::cout << format_contrasts(file);
    AttributeValue digest;
    for (const auto& a : file.root_attributes)
      if (a.name == "results_digest") digest = a.value;
    double setup = 0, simulate = 0;
    std::int64_t orders = 0;
    for (const auto& [id, t] : finished)
      setup += t.setup_seconds, simulate += t.simulate_seconds, orders += t.orders_simulated;
    std::cout << fmt::format(
        "\nwrote {}\n  results digest {}\n  {} orders simulated: {:.2f} s creating "
        "populations, {:.2f} s simulating ({:.3g} orders/s per rank on {} threads), "
        "{:.2f} s in all on {} rank{}; peak memory {:.1f} MiB (rank 0)\n",
        out.string(), std::get<std::string>(digest), orders, setup, simulate,
        simulate > 0 ? static_cast<double>(orders) / simulate : 0.0, omp_get_max_threads(),
        progress.seconds(), world.size, world.size == 1 ? "" : "s", peak_memory_mib());
  }
  return kExitOk;
}

int do_validate(const std::string& path, const std::vector<std::string>& sets, bool print) {
  LoadOptions options;
  options.set_overrides = sets;
  const Scenario scenario = load_scenario(path, options);
  if (print) {
    std::cout << scenario.resolved_yaml;
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
      "buyers; about {:.0f} MiB per rank\n",
      path, scenario.arms.size(), replications, scenario.points.size(),
      scenario.points.size() == 1 ? "" : "s", set.warmup_days, set.horizon_days,
      set.model.population.sellers.count, set.model.population.buyers.count,
      static_cast<double>(memory.total_bytes) / (1 << 20));
  return kExitOk;
}

int do_summarize(const std::string& path) {
  const ResultFile file = read_result_file(path, kTablePaths);
  for (const auto& a : file.root_attributes)
    if (a.name == "scenario_name" || a.name == "created_utc" || a.name == "results_digest")
      std::cout << fmt::format("{}: {}\n", a.name, std::get<std::string>(a.value));
  std::cout << format_contrasts(file);
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
    if (*run_cmd) return do_run(run, join_args(argc, argv));
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
