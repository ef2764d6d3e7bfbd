// End-to-end tests of the `trustsim` command line (contract in DESIGN.md): each test runs the
// built executable (TRUSTSIM_CLI) in a fresh temporary directory through the shell, with
// stdout and stderr captured to files, and checks exit codes (0 ok, 2 bad input), messages
// (compiler-style scenario problems on stderr) and what is left on disk (no result file after
// bad input, no replacement without --force). Runs use a small population so each takes well
// under a second.
#include <gtest/gtest.h>

#include <fmt/format.h>
#include <hdf5.h>
#include <sys/wait.h>
#include <unistd.h>
#include "cli_fixture.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "trustsim/experiment.hpp"
#include "trustsim/journal.hpp"
#include "trustsim/result_file.hpp"
#include "trustsim/scenario.hpp"
#include "trustsim/sha256.hpp"
#include "trustsim/version.hpp"

namespace trustsim {
namespace {

namespace fs = std::filesystem;
using namespace cli_testing;  // NOLINT(google-build-using-namespace): the fixture

// ---------------------------------------------------------------------------------------------
// Usage.

TEST_F(CliTest, Version) {
  const auto r = run("--version");
  EXPECT_EQ(r.code, 0) << describe(r);
  EXPECT_TRUE(r.out.starts_with("trustsim " + std::string(engine_version()))) << describe(r);
}

TEST_F(CliTest, Help) {
  const auto r = run("--help");
  EXPECT_EQ(r.code, 0) << describe(r);
  for (const char* word : {"run", "validate", "summarize", "--version"})
    EXPECT_TRUE(contains(r.out, word)) << word << "\n" << describe(r);
}

TEST_F(CliTest, NoSubcommandIsBadInput) {
  const auto r = run("");
  EXPECT_EQ(r.code, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, "subcommand")) << describe(r);
}

TEST_F(CliTest, UnknownOptionIsBadInput) {
  auto r = run("--bogus");
  EXPECT_EQ(r.code, 2) << describe(r);
  EXPECT_FALSE(r.err.empty()) << describe(r);  // CLI11 may complain of the subcommand first
  r = run("run " + quickstart() + " --bogus");
  EXPECT_EQ(r.code, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, "--bogus")) << describe(r);
  EXPECT_TRUE(work_entries().empty());
}

TEST_F(CliTest, BadOptionValuesAreBadInput) {
  EXPECT_EQ(run("run " + quickstart() + " --replications 0").code, 2);
  EXPECT_EQ(run("run " + quickstart() + " --threads many").code, 2);
  EXPECT_EQ(run("run").code, 2);        // no scenario
  EXPECT_EQ(run("summarize").code, 2);  // no result file
  EXPECT_EQ(run("validate").code, 2);   // no scenario
  EXPECT_TRUE(work_entries().empty());
}

// ---------------------------------------------------------------------------------------------
// validate.

TEST_F(CliTest, ValidateQuickstart) {
  const auto r = run("validate " + quickstart());
  EXPECT_EQ(r.code, 0) << describe(r);
  EXPECT_TRUE(contains(r.out, "ok: 2 arms")) << describe(r);
  EXPECT_TRUE(work_entries().empty());
}

TEST_F(CliTest, ValidateBrokenScenarioReportsEachProblemInCompilerStyle) {
  write_text(work_ / "broken.yaml",
             "seed: 1\n"
             "trust:\n"
             "  intial: 0.5\n"
             "  loss_unresolved: 1.5\n");
  const auto r = run("validate broken.yaml");
  EXPECT_EQ(r.code, 2) << describe(r);
  EXPECT_TRUE(r.out.empty()) << describe(r);
  const auto lines = lines_of(r.err);
  ASSERT_EQ(lines.size(), 2u) << describe(r);
  bool unknown = false, range = false;
  for (const auto& line : lines) {
    if (line.starts_with("broken.yaml:3:3: error: trust.intial: unknown key (expected one of: "))
      unknown = true;
    if (line ==
        "broken.yaml:4:20: error: trust.loss_unresolved: 1.5 is out of range "
        "(expected a probability between 0 and 1)")
      range = true;
  }
  EXPECT_TRUE(unknown) << describe(r);
  EXPECT_TRUE(range) << describe(r);
}

TEST_F(CliTest, ValidateReportsSetProblems) {
  const auto r = run("validate " + quickstart() + " --set trust.initial=2");
  EXPECT_EQ(r.code, 2) << describe(r);
  EXPECT_EQ(r.err,
            "--set 'trust.initial=2':1:15: error: trust.initial: 2 is out of range "
            "(expected a probability between 0 and 1)\n")
      << describe(r);
}

TEST_F(CliTest, ValidateMissingScenarioFile) {
  const auto r = run("validate no_such.yaml");
  EXPECT_EQ(r.code, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, "no_such.yaml")) << describe(r);
}

TEST_F(CliTest, ValidatePopulationTooLargeForMemory) {
  // From a scenario with a population section...
  auto r = run("validate " + quickstart() +
               " --set population.buyers.count=4000000000 population.sellers.count=4000000000");
  EXPECT_EQ(r.code, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, "error: population: ")) << describe(r);
  EXPECT_TRUE(contains(r.err, "GiB")) << describe(r);
  // ...and from one without.
  write_text(work_ / "minimal.yaml", "seed: 1\n");
  r =
      run("validate minimal.yaml"
          " --set population.buyers.count=4000000000 population.sellers.count=4000000000");
  EXPECT_EQ(r.code, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, "population")) << describe(r);
  EXPECT_TRUE(contains(r.err, "GiB")) << describe(r);
}

TEST_F(CliTest, ValidatePrintAndReference) {
  auto r = run("validate " + quickstart() + " --print");
  EXPECT_EQ(r.code, 0) << describe(r);
  EXPECT_TRUE(r.out.starts_with("name: \"quickstart-tighten-odr\"\n")) << describe(r);
  EXPECT_TRUE(contains(r.out, "\narms:\n")) << describe(r);
  r = run("validate --reference");
  EXPECT_EQ(r.code, 0) << describe(r);
  EXPECT_TRUE(r.out.starts_with("# Scenario reference")) << describe(r);
}

// ---------------------------------------------------------------------------------------------
// run.

TEST_F(CliTest, RunBadScenarioCreatesNoResultFile) {
  write_text(work_ / "bad.yaml", "seed: 1\nreplications: 0\n");
  auto r = run("run bad.yaml -o results.h5");
  EXPECT_EQ(r.code, 2) << describe(r);
  EXPECT_TRUE(r.err.starts_with("bad.yaml:2:15: error: replications: ")) << describe(r);
  EXPECT_EQ(work_entries(), std::set<std::string>{"bad.yaml"});
  // Default output name too (bad.h5), and a bad --set on a good scenario.
  r = run("run bad.yaml");
  EXPECT_EQ(r.code, 2) << describe(r);
  r = run("run " + quickstart() + " -o results.h5 --set trust.intial=0.5");
  EXPECT_EQ(r.code, 2) << describe(r);
  EXPECT_TRUE(r.err.starts_with("--set 'trust.intial=0.5':1:14: error: trust.intial: "))
      << describe(r);
  EXPECT_EQ(work_entries(), std::set<std::string>{"bad.yaml"});
}

TEST_F(CliTest, RunBadScenarioLeavesAnExistingFileAlone) {
  write_text(work_ / "bad.yaml", "seed: 1\ntrust: [1]\n");
  write_text(work_ / "results.h5", "earlier results\n");
  const auto r = run("run bad.yaml -o results.h5 --force");
  EXPECT_EQ(r.code, 2) << describe(r);
  EXPECT_EQ(file_bytes(work_ / "results.h5"), "earlier results\n");
  EXPECT_EQ(work_entries(), (std::set<std::string>{"bad.yaml", "results.h5"}));
}

TEST_F(CliTest, RunToAMissingDirectoryFailsBeforeSimulating) {
  // Full-size quickstart: if it started simulating, the banner would appear on stderr.
  const auto r = run("run " + quickstart() + " -o missing_dir/results.h5");
  EXPECT_EQ(r.code, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, "cannot write results to 'missing_dir/results.h5'")) << describe(r);
  EXPECT_TRUE(contains(r.err, "'missing_dir' does not exist")) << describe(r);
  EXPECT_FALSE(contains(r.err, " arms x ")) << "simulation started\n" << describe(r);
  EXPECT_TRUE(r.out.empty()) << describe(r);
  EXPECT_TRUE(work_entries().empty());
}

TEST_F(CliTest, RunRefusesToReplaceWithoutForce) {
  const std::string before = "precious bytes\n\x01\x02";
  write_text(work_ / "results.h5", before);
  auto r = run("run " + quickstart() + " -o results.h5 " + kSmall);
  EXPECT_EQ(r.code, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, "'results.h5' already exists")) << describe(r);
  EXPECT_TRUE(contains(r.err, "--force")) << describe(r);
  EXPECT_FALSE(contains(r.err, " arms x ")) << "simulation started\n" << describe(r);
  EXPECT_EQ(file_bytes(work_ / "results.h5"), before);
  EXPECT_EQ(work_entries(), std::set<std::string>{"results.h5"});

  r = run("run " + quickstart() + " -o results.h5 --force " + kSmall);
  EXPECT_EQ(r.code, 0) << describe(r);
  EXPECT_TRUE(is_result_file(file_bytes(work_ / "results.h5")));
  EXPECT_EQ(work_entries(), std::set<std::string>{"results.h5"});  // no temporaries left
  EXPECT_EQ(run("summarize results.h5").code, 0);
}

TEST_F(CliTest, RunThenSummarize) {
  const auto r = run("run " + quickstart() + " -o results.h5 " + kSmall);
  ASSERT_EQ(r.code, 0) << describe(r);
  EXPECT_EQ(work_entries(), std::set<std::string>{"results.h5"});
  EXPECT_TRUE(is_result_file(file_bytes(work_ / "results.h5")));
  // The contrasts table: the candidate arm against the baseline, metric names, 95% CI.
  EXPECT_TRUE(contains(r.out, "odr_0.8pct vs baseline")) << describe(r);
  EXPECT_TRUE(contains(r.out, "n = 2 paired replications")) << describe(r);
  EXPECT_TRUE(contains(r.out, "95% CI")) << describe(r);
  for (const char* metric : {"orders", "gmv", "mean_trust", "suspensions",
                             "false_positive_suspensions", "odr_defects_per_1k_orders"})
    EXPECT_TRUE(contains(r.out, "\n  " + std::string(metric) + " ")) << metric;
  EXPECT_TRUE(contains(r.out, "\nwrote results.h5\n")) << describe(r);
  EXPECT_FALSE(contains(r.out, "n/a (needs >= 2 replications)")) << describe(r);

  const auto s = run("summarize results.h5");
  ASSERT_EQ(s.code, 0) << describe(s);
  EXPECT_TRUE(contains(s.out, "scenario_name: quickstart-tighten-odr")) << describe(s);
  // The same table as the run printed, character for character.
  const std::string table = r.out.substr(0, r.out.find("\nwrote "));
  ASSERT_FALSE(table.empty());
  EXPECT_TRUE(contains(s.out, table)) << "run:\n" << r.out << "\nsummarize:\n" << s.out;
}

TEST_F(CliTest, RunDefaultOutputName) {
  // The quickstart and the reference world it includes, beside each other.
  const auto scenarios = fs::path(TRUSTSIM_SOURCE_DIR) / "scenarios";
  fs::copy_file(scenarios / "quickstart.yaml", work_ / "study.yaml");
  for (const char* name : {"reference-world.yaml", "reference-world.fitted.yaml"})
    fs::copy_file(scenarios / name, work_ / name);
  const auto r = run(std::string("run study.yaml --quiet ") + kSmall);
  EXPECT_EQ(r.code, 0) << describe(r);
  EXPECT_EQ(work_entries(), (std::set<std::string>{"study.yaml", "study.h5", "reference-world.yaml",
                                                   "reference-world.fitted.yaml"}));
}

TEST_F(CliTest, QuietPrintsOnlyTheDigestLine) {
  const auto r = run("run " + quickstart() + " -o results.h5 --quiet " + kSmall);
  EXPECT_EQ(r.code, 0) << describe(r);
  // One line for CI logs: the digest the file records, and the file.
  const auto digest = read_result_file(work_ / "results.h5", {}).root_attributes;
  std::string recorded;
  for (const auto& a : digest)
    if (a.name == "results_digest") recorded = std::get<std::string>(a.value);
  ASSERT_EQ(recorded.size(), 64u);
  EXPECT_EQ(r.out, "results digest " + recorded + "  results.h5\n") << describe(r);
  // Warnings about the results still reach stderr (here: the small world's
  // late-shipment rule acts on no one); nothing else does.
  std::istringstream err(r.err);
  for (std::string line; std::getline(err, line);)
    EXPECT_TRUE(line.starts_with("trustsim: warning: ")) << describe(r);
  EXPECT_TRUE(is_result_file(file_bytes(work_ / "results.h5")));
}

TEST_F(CliTest, SingleArmRunSaysThereIsNothingToCompare) {
  write_text(work_ / "one.yaml", "seed: 3\n");
  const auto r = run(std::string("run one.yaml -o one.h5 ") + kSmall);
  EXPECT_EQ(r.code, 0) << describe(r);
  EXPECT_TRUE(contains(r.out, "Only one arm ('baseline')")) << describe(r);
}

// ---------------------------------------------------------------------------------------------
// summarize.

TEST_F(CliTest, SummarizeMissingFile) {
  const auto r = run("summarize nothing_here.h5");
  EXPECT_EQ(r.code, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, "nothing_here.h5")) << describe(r);
  EXPECT_TRUE(contains(r.err, "does not exist")) << describe(r);
  EXPECT_TRUE(work_entries().empty());
}

TEST_F(CliTest, SummarizeFileThatIsNotHdf5) {
  write_text(work_ / "notes.h5", "just some text\n");
  const auto r = run("summarize notes.h5");
  EXPECT_EQ(r.code, 2) << describe(r);
  EXPECT_TRUE(r.err.starts_with("trustsim: error: ")) << describe(r);
  EXPECT_TRUE(contains(r.err, "notes.h5")) << describe(r);
  EXPECT_TRUE(r.out.empty()) << describe(r);
  EXPECT_EQ(file_bytes(work_ / "notes.h5"), "just some text\n");
}

TEST_F(CliTest, SummarizeHdf5FileThatIsNotAResultFile) {
  const hid_t file =
      H5Fcreate((work_ / "other.h5").c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  ASSERT_GE(file, 0);
  H5Fclose(file);
  const auto r = run("summarize other.h5");
  EXPECT_EQ(r.code, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, "other.h5")) << describe(r);
}

TEST_F(CliTest, SummarizeADirectory) {
  fs::create_directories(work_ / "folder.h5");
  const auto r = run("summarize folder.h5");
  EXPECT_EQ(r.code, 2) << describe(r);
}

// ---------------------------------------------------------------------------------------------
// Hardening: crafted journals, design limits, names and text that cannot be stored.

// A journal for `scenario_args` as the CLI would write it, with the given tasks in it.
void write_journal(const fs::path& work, const std::string& scenario_path,
                   const std::vector<std::string>& sets, const std::vector<TaskRun>& tasks) {
  LoadOptions options;
  options.set_overrides = sets;
  const Scenario scenario = load_scenario(scenario_path, options);
  const std::string identity =
      fmt::format("config_sha256={}\nengine={} {}\n", sha256_hex(scenario.resolved_yaml),
                  engine_version(), git_sha());
  auto journal = ResumeJournal::create(work / "results.h5.journal", identity);
  for (const auto& task : tasks) journal.append(task);
}

TEST_F(CliTest, ResumeRefusesRecordsThatChecksumButCannotBelongToTheRun) {
  const std::string scenario = std::string(TRUSTSIM_SOURCE_DIR) + "/scenarios/quickstart.yaml";
  const std::vector<std::string> sets = {"population.buyers.count=1000",
                                         "population.sellers.count=50", "horizon_days=20",
                                         "warmup_days=5", "replications=2"};
  const std::string args =
      "run " + quickstart() +
      " --threads 1 --set population.buyers.count=1000 population.sellers.count=50 "
      "horizon_days=20 warmup_days=5 replications=2 -o results.h5 --resume";
  // A real task of this run, taken from the library, to build records around.
  LoadOptions options;
  options.set_overrides = sets;
  const Scenario loaded = load_scenario(scenario, options);
  const TaskRun real = run_task(loaded, {1, 0, 1});

  TaskRun beyond = real;
  beyond.task_id = 1000000;
  write_journal(work_, scenario, sets, {beyond});
  auto r = run(args);
  EXPECT_EQ(r.code, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, "record 1")) << describe(r);
  EXPECT_TRUE(contains(r.err, "beyond the experiment")) << describe(r);

  write_journal(work_, scenario, sets, {real, real});
  r = run(args);
  EXPECT_EQ(r.code, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, "repeats task 1")) << describe(r);

  TaskRun wrong_shape = real;
  wrong_shape.arms.pop_back();
  write_journal(work_, scenario, sets, {wrong_shape});
  r = run(args);
  EXPECT_EQ(r.code, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, "it has 1 arms, the scenario 2")) << describe(r);
  EXPECT_FALSE(fs::exists(work_ / "results.h5"));
  EXPECT_TRUE(fs::exists(work_ / "results.h5.journal"));  // kept for the user to look at

  // The genuine record resumes: only task 0 runs.
  write_journal(work_, scenario, sets, {real});
  r = run(args);
  EXPECT_EQ(r.code, 0) << describe(r);
  EXPECT_FALSE(fs::exists(work_ / "results.h5.journal"));
}

TEST_F(CliTest, DesignsBeyondTheLimitsAreRefusedQuickly) {
  const std::string grid = quickstart() +
                           " --set 'sweep={design: grid, parameters: [{key: trust.initial, values: "
                           "[0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.97, 0.99, 0.991, 0.992]}, {key: "
                           "trust.loss_cancelled, values: [0.01, 0.02, 0.03, 0.04, 0.05, 0.06, "
                           "0.07, 0.08, 0.09, 0.1]}, {key: trust.loss_unresolved, values: [0.01, "
                           "0.02, 0.03, 0.04, 0.05, 0.06, 0.07, 0.08, 0.09, 0.1]}, {key: "
                           "trust.loss_late_delivery, values: [0.01, 0.02, 0.03, 0.04, 0.05, "
                           "0.06, 0.07, 0.08, 0.09, 0.1, 0.11]}]}'";
  auto r = run("validate " + grid);  // 11,000 points: one more than allowed
  EXPECT_EQ(r.code, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, "more than 10000 points")) << describe(r);

  r = run("validate " + quickstart() +
          " --set 'sweep={design: saltelli, points: 100000000, parameters: [{key: "
          "trust.initial, min: 0.5, max: 0.9}]}'");
  EXPECT_EQ(r.code, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, "sweep.points")) << describe(r);

  r = run("validate " + quickstart() +
          " --set 'sweep={design: saltelli, points: 4000, parameters: [{key: trust.initial, "
          "min: 0.5, max: 0.9}]}'");
  EXPECT_EQ(r.code, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, "4000 base samples x (1 parameters + 2) = 12000 points"))
      << describe(r);

  r = run("validate " + quickstart() + " --set replications=1000000");
  EXPECT_EQ(r.code, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, "for the results of up to 1000000 tasks")) << describe(r);
}

TEST_F(CliTest, DuplicatePersonasArmsAndCohortsAreRefused) {
  write_text(work_ / "dup.yaml",
             "population:\n  buyers:\n    personas:\n      a: {share: 0.5, price: 1, speed: 1}\n"
             "      a: {share: 0.5, price: 2, speed: 1}\n"
             "outputs:\n  cohorts: [tenure, region, tenure]\n"
             "arms:\n  baseline: {}\n  baseline: {}\n");
  const auto r = run("validate dup.yaml");
  EXPECT_EQ(r.code, 2) << describe(r);
  EXPECT_TRUE(contains(r.err,
                       "dup.yaml:5:7: error: population.buyers.personas.a: this key "
                       "appears twice"))
      << describe(r);
  EXPECT_TRUE(contains(r.err, "dup.yaml:10:3: error: arms.baseline: this key appears twice"))
      << describe(r);
  write_text(work_ / "dup2.yaml", "outputs:\n  cohorts: [tenure, region, tenure]\n");
  const auto r2 = run("validate dup2.yaml");
  EXPECT_EQ(r2.code, 2) << describe(r2);
  EXPECT_TRUE(contains(r2.err, "outputs.cohorts[2]: 'tenure' is listed twice")) << describe(r2);
}

TEST_F(CliTest, ProblemsInsideAStructuredSetPointAtTheSet) {
  const auto r = run("validate " + quickstart() +
                     " --set 'population.sellers.channel={platform_fulfilled: 1, drone: 2}'");
  EXPECT_EQ(r.code, 2) << describe(r);
  EXPECT_TRUE(contains(r.err,
                       "--set 'population.sellers.channel={platform_fulfilled: 1, drone: "
                       "2}':1:52: error: population.sellers.channel.drone"))
      << describe(r);
  EXPECT_FALSE(contains(r.err, "quickstart.yaml")) << describe(r);
}

TEST_F(CliTest, EveryProblemIsOneLine) {
  // The shell is sh: printf makes the newline inside the value.
  const auto r =
      run("validate " + quickstart() + " --set \"$(printf 'ranking.signal=\"fqi\\nspeed\"')\"");
  EXPECT_EQ(r.code, 2) << describe(r);
  EXPECT_EQ(lines_of(r.err).size(), 1u) << describe(r);
  EXPECT_TRUE(contains(r.err, "fqi\\nspeed")) << describe(r);
}

TEST_F(CliTest, TextThatIsNotUtf8) {
  write_text(work_ / "latin1.yaml", "name: caf\xE9\n");
  auto r = run("validate latin1.yaml");
  EXPECT_EQ(r.code, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, "latin1.yaml:1:10: error: byte 0xE9 is not UTF-8 text"))
      << describe(r);
  // A result file named in Latin-1: the command line is stored with the byte escaped.
  r = run("run " + quickstart() + " " + kSmall + " -o \"$(printf 'r\\351.h5')\" --quiet");
  ASSERT_EQ(r.code, 0) << describe(r);
  const ResultFile file = read_result_file(work_ / "r\xE9.h5", {});
  for (const auto& a : file.root_attributes)
    if (a.name == "command_line")
      EXPECT_TRUE(contains(std::get<std::string>(a.value), "r\\xE9.h5"));
}

TEST_F(CliTest, OversubscribedThreadsAreWarnedAbout) {
  const int cores = static_cast<int>(std::thread::hardware_concurrency());
  const auto r = run("run " + quickstart() + " " + std::string(kSmall).substr(12) + " --threads " +
                     std::to_string(4 * cores) + " --quiet -o r.h5");
  EXPECT_EQ(r.code, 0) << describe(r);
  EXPECT_TRUE(contains(r.err, "warning: " + std::to_string(4 * cores) + " threads on"))
      << describe(r);
}

}  // namespace
}  // namespace trustsim
