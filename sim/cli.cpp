// Command line: run / validate / summarize, progress display, exit codes.
#include "trustsim/cli.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <iostream>

#include <fmt/format.h>
#include <omp.h>
#include <sys/resource.h>
#include <unistd.h>
#include <CLI/CLI.hpp>

#include "trustsim/errors.hpp"
#include "trustsim/experiment.hpp"
#include "trustsim/result_file.hpp"
#include "trustsim/scenario.hpp"
#include "trustsim/version.hpp"

namespace trustsim {
namespace {

const std::vector<std::string> kTablePaths = {
    "/lookup/arms", "/lookup/metrics", "/lookup/cohorts", "/runs",
    "/summary",     "/timeseries",     "/cohort_summary", "/analysis/contrasts"};

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

// Progress line on a terminal: work done, orders per second, time left.
class Progress {
 public:
  Progress(bool enabled, std::int64_t total_days)
      : enabled_(enabled), total_(total_days), start_(Clock::now()), last_(start_) {}

  void day_done(std::int64_t orders, std::uint64_t replication, std::uint64_t replications) {
    ++done_;
    orders_ += orders;
    if (!enabled_) return;
    const auto now = Clock::now();
    if (now - last_ < std::chrono::milliseconds(250) && done_ != total_) return;
    last_ = now;
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    const double rate = elapsed > 0 ? static_cast<double>(orders_) / elapsed : 0.0;
    const double left = done_ > 0 ? elapsed * static_cast<double>(total_ - done_) / done_ : 0.0;
    std::fprintf(stderr, "\r  replication %llu/%llu  %5.1f%%  %.2fM orders/s  ETA %d:%02d   ",
                 static_cast<unsigned long long>(replication + 1),
                 static_cast<unsigned long long>(replications), 100.0 * done_ / total_, rate / 1e6,
                 static_cast<int>(left) / 60, static_cast<int>(left) % 60);
    std::fflush(stderr);
  }
  void finish() {
    if (enabled_) std::fprintf(stderr, "\r%80s\r", "");
  }
  double seconds() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }

 private:
  using Clock = std::chrono::steady_clock;
  bool enabled_;
  std::int64_t total_;
  std::int64_t done_ = 0;
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
};

int do_run(const RunArgs& args, const std::string& command_line) {
  LoadOptions options;
  options.set_overrides = args.sets;
  if (args.replications > 0) options.replications = args.replications;
  const Scenario scenario = load_scenario(args.scenario, options);

  std::filesystem::path out = args.output;
  if (out.empty()) out = std::filesystem::path(args.scenario).stem().string() + ".h5";
  if (std::filesystem::exists(out) && !args.force)
    throw InputError(fmt::format(
        "'{}' already exists; pass --force to replace it or -o to write elsewhere", out.string()));
  check_output_writable(out);
  if (args.threads > 0) omp_set_num_threads(args.threads);

  const auto& set = scenario.settings;
  const auto days_per_task =
      static_cast<std::int64_t>(set.warmup_days + set.horizon_days * scenario.arms.size());
  Progress progress(!args.quiet && isatty(STDERR_FILENO),
                    days_per_task * static_cast<std::int64_t>(set.replications));
  if (!args.quiet)
    std::fprintf(stderr, "trustsim %s: %zu arms x %llu replications, %d threads\n",
                 set.name.c_str(), scenario.arms.size(),
                 static_cast<unsigned long long>(set.replications), omp_get_max_threads());
  std::vector<TaskRun> tasks;
  for (std::uint64_t r = 0; r < set.replications; ++r)
    tasks.push_back(run_task(
        scenario, r, [&](std::int64_t orders) { progress.day_done(orders, r, set.replications); }));
  progress.finish();

  ResultFile file = assemble_results(scenario, tasks, {command_line, utc_now()});
  file.root_attributes.push_back({"wall_seconds", progress.seconds()});
  file.root_attributes.push_back({"threads", static_cast<std::int64_t>(omp_get_max_threads())});
  write_result_file(out, file);
  if (!args.quiet) {
    std::cout << format_contrasts(file);
    double setup = 0, simulate = 0;
    std::int64_t orders = 0;
    for (const auto& t : tasks)
      setup += t.setup_seconds, simulate += t.simulate_seconds, orders += t.orders_simulated;
    std::cout << fmt::format(
        "\nwrote {}\n  results digest {}\n  {} orders simulated: {:.2f} s creating "
        "populations, {:.2f} s simulating ({:.3g} orders/s on {} threads), {:.2f} s in all; "
        "peak memory {:.1f} MiB\n",
        out.string(), results_digest(file), orders, setup, simulate,
        simulate > 0 ? static_cast<double>(orders) / simulate : 0.0, omp_get_max_threads(),
        progress.seconds(), peak_memory_mib());
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
  std::cout << fmt::format(
      "{}: ok: {} arms, {} replications, {} warm-up + {} horizon days, {} sellers, {} buyers; "
      "about {:.0f} MiB per worker\n",
      path, scenario.arms.size(), scenario.settings.replications, scenario.settings.warmup_days,
      scenario.settings.horizon_days, scenario.settings.model.population.sellers.count,
      scenario.settings.model.population.buyers.count,
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
  run_cmd->add_flag("--force", run.force, "replace an existing result file");

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
