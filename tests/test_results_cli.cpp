// End-to-end tests of the commands that read result files: `compare` (exit 0
// when two runs agree, 1 when they differ, 2 on bad input; rows matched by
// meaning; tolerances), `summarize` with a selection and each format, and
// reproducing a run from the scenario its result file embeds.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "cli_fixture.hpp"
#include "trustsim/result_file.hpp"
#include "trustsim/result_tables.hpp"

namespace trustsim {
namespace {

namespace fs = std::filesystem;
using namespace cli_testing;  // NOLINT(google-build-using-namespace): the fixture

class ResultsCliTest : public CliTest {
 protected:
  // A small quickstart run (two arms, two replications) into `name`.
  void run_small(const std::string& name, const std::string& extra = "") {
    const auto r = run("run " + quickstart() + " -o " + name + " --quiet " + kSmall + " " + extra);
    ASSERT_EQ(r.code, 0) << describe(r);
  }
  ResultFile read(const std::string& name) const {
    return read_result_file(work_ / name, {kEveryTable});
  }
  void write(const std::string& name, const ResultFile& file) const {
    write_result_file(work_ / name, file);
  }
};

Table& table(ResultFile& file, const std::string& path) {
  for (auto& t : file.tables)
    if (t.path() == path) return t;
  throw std::runtime_error("no table " + path);
}

std::vector<double>& reals(Table& t, const std::string& name) {
  for (auto& c : t.columns())
    if (c.name == name) return std::get<std::vector<double>>(c.data);
  throw std::runtime_error("no column " + name);
}

// Every column of `t` with its rows in reverse order.
void reverse_rows(Table& t) {
  for (auto& c : t.columns())
    std::visit([](auto& values) { std::reverse(values.begin(), values.end()); }, c.data);
}

// ---------------------------------------------------------------------------------------------
// compare

TEST_F(ResultsCliTest, TwoRunsOfTheSameScenarioAgreeTableByTable) {
  run_small("a.h5");
  run_small("b.h5");
  const auto r = run("compare a.h5 b.h5");
  EXPECT_EQ(r.code, 0) << describe(r);
  EXPECT_TRUE(contains(r.out, "scenarios: the same")) << describe(r);
  EXPECT_TRUE(contains(r.out, "the runs agree")) << describe(r);
  for (const char* path : {"/summary", "/timeseries", "/analysis/contrasts", "/lookup/arms"})
    EXPECT_TRUE(contains(r.out, "\n" + std::string(path) + " ")) << path << describe(r);
  EXPECT_FALSE(contains(r.out, "/timing")) << "wall-clock times are not results";
  EXPECT_FALSE(contains(r.out, "DIFFER")) << describe(r);
}

// The same results in another row order, with the arms numbered the other way
// round everywhere, agree: rows are matched by their labels, not positions.
TEST_F(ResultsCliTest, ReorderedRowsAndRenumberedArmsAgree) {
  run_small("a.h5");
  ResultFile file = read("a.h5");
  for (auto& t : file.tables) {
    for (auto& c : t.columns())
      if (c.name == "arm_id")
        for (auto& id : std::get<std::vector<std::int64_t>>(c.data)) id = 1 - id;
    reverse_rows(t);
  }
  write("reordered.h5", file);
  const auto r = run("compare a.h5 reordered.h5");
  EXPECT_EQ(r.code, 0) << describe(r);
  EXPECT_TRUE(contains(r.out, "the same values in another row order")) << describe(r);
  EXPECT_TRUE(contains(r.out, "the runs agree")) << describe(r);
}

// One value changed by a relative 1e-12: bit for bit it differs (and the
// listing names the table, row, column and both values); within rtol 1e-9
// it agrees; within 1e-15 it does not. A change of 1e-3 differs at 1e-9.
TEST_F(ResultsCliTest, APerturbedValueDiffersUnlessWithinTheTolerance) {
  run_small("a.h5");
  ResultFile file = read("a.h5");
  auto& gmv = reals(table(file, "/summary"), "gmv");
  const double original = gmv[1];
  gmv[1] = original * (1 + 1e-12);
  ASSERT_NE(gmv[1], original);
  write("tiny.h5", file);
  gmv[1] = original * (1 + 1e-3);
  write("large.h5", file);

  const auto exact = run("compare a.h5 tiny.h5");
  EXPECT_EQ(exact.code, 1) << describe(exact);
  EXPECT_TRUE(contains(exact.out, "the runs DIFFER in 1 of")) << describe(exact);
  EXPECT_TRUE(contains(exact.out, "/summary [point=0, replication=0, arm='odr_0.8pct'] gmv: " +
                                      fmt::format("{} vs {}", original, original * (1 + 1e-12))))
      << describe(exact);
  const auto loose = run("compare a.h5 tiny.h5 --rtol 1e-9");
  EXPECT_EQ(loose.code, 0) << describe(loose);
  EXPECT_TRUE(contains(loose.out, "within tolerance (largest |diff|")) << describe(loose);
  EXPECT_EQ(run("compare a.h5 tiny.h5 --rtol 1e-15").code, 1);
  EXPECT_EQ(run("compare a.h5 large.h5 --rtol 1e-9").code, 1);
  // An absolute tolerance above the change agrees too.
  EXPECT_EQ(run(fmt::format("compare a.h5 large.h5 --atol {}", original * 2e-3)).code, 0);
}

// Weekly and daily time series: the digest moves although /summary does not.
// compare says which table differs, and agrees on the tables named.
TEST_F(ResultsCliTest, OnlyTheNamedTablesAreCompared) {
  run_small("weekly.h5");
  run_small("daily.h5", "--set outputs.timeseries=daily");
  const auto all = run("compare weekly.h5 daily.h5");
  EXPECT_EQ(all.code, 1) << describe(all);
  EXPECT_TRUE(contains(all.out, "scenarios: DIFFERENT")) << describe(all);
  EXPECT_TRUE(contains(all.out, "the runs DIFFER in 1 of")) << describe(all);
  EXPECT_TRUE(contains(all.out, ": /timeseries\n")) << describe(all);
  const auto named = run("compare weekly.h5 daily.h5 --tables summary,/analysis/contrasts");
  EXPECT_EQ(named.code, 0) << describe(named);
  EXPECT_TRUE(contains(named.out, "the runs agree: 2 tables compared")) << describe(named);
}

TEST_F(ResultsCliTest, ATableOrColumnInOneFileOnlyIsADifference) {
  run_small("a.h5");
  ResultFile file = read("a.h5");
  file.tables.erase(std::remove_if(file.tables.begin(), file.tables.end(),
                                   [](const Table& t) { return t.path() == "/cohort_summary"; }),
                    file.tables.end());
  table(file, "/summary").add_real("extra") = std::vector<double>(table(file, "/summary").rows());
  write("b.h5", file);
  const auto r = run("compare a.h5 b.h5");
  EXPECT_EQ(r.code, 1) << describe(r);
  EXPECT_TRUE(contains(r.out, "/cohort_summary: the table is only in A")) << describe(r);
  EXPECT_TRUE(contains(r.out, "column 'extra' is only in B")) << describe(r);
}

// Anything but two complete result files of this schema: exit 2, a message
// naming the file, nothing on stdout, no traceback.
TEST_F(ResultsCliTest, CompareAndSummarizeRefuseWhatIsNotAResultFile) {
  run_small("a.h5");
  write_text(work_ / "notes.h5", "just some text\n");
  fs::create_directories(work_ / "folder.h5");
  const auto bytes = file_bytes(work_ / "a.h5");
  write_text(work_ / "truncated.h5", bytes.substr(0, bytes.size() / 2));
  ResultFile other = read("a.h5");
  for (auto& a : other.root_attributes)
    if (a.name == "schema_version") a.value = std::int64_t{99};
  write("schema99.h5", other);
  for (const std::string bad :
       {"missing.h5", "notes.h5", "folder.h5", "truncated.h5", "schema99.h5"}) {
    for (const std::string command : {"compare a.h5 " + bad, "compare " + bad + " a.h5",
                                      "summarize " + bad, "summarize --format json " + bad}) {
      const auto r = run(command);
      EXPECT_EQ(r.code, 2) << command << "\n" << describe(r);
      EXPECT_TRUE(r.out.empty()) << command << "\n" << describe(r);
      EXPECT_TRUE(r.err.starts_with("trustsim: error: ")) << command << "\n" << describe(r);
      EXPECT_TRUE(contains(r.err, bad)) << command << "\n" << describe(r);
    }
  }
  const auto schema = run("compare a.h5 schema99.h5");
  EXPECT_TRUE(contains(schema.err, "schema_version is 99")) << describe(schema);
  const auto table_name = run("compare a.h5 a.h5 --tables nonsense");
  EXPECT_EQ(table_name.code, 2) << describe(table_name);
  EXPECT_TRUE(contains(table_name.err, "table 'nonsense' is in neither file"))
      << describe(table_name);
  EXPECT_EQ(run("compare a.h5 a.h5 --rtol -1").code, 2);
  EXPECT_EQ(run("compare a.h5").code, 2);
}

// ---------------------------------------------------------------------------------------------
// summarize

// The contrasts as /analysis/contrasts holds them, keyed "arm|metric".
std::map<std::string, std::vector<double>> stored_contrasts(const ResultFile& file) {
  std::map<std::int64_t, std::string> arms, metrics;
  for (const auto& t : file.tables) {
    if (t.path() == "/lookup/arms" || t.path() == "/lookup/metrics") {
      const auto& ids = std::get<std::vector<std::int64_t>>(t.columns()[0].data);
      const auto& names = std::get<std::vector<std::string>>(t.find("name")->data);
      for (std::size_t i = 0; i < ids.size(); ++i)
        (t.path() == "/lookup/arms" ? arms : metrics)[ids[i]] = names[i];
    }
  }
  std::map<std::string, std::vector<double>> out;
  for (const auto& t : file.tables) {
    if (t.path() != "/analysis/contrasts") continue;
    const auto& arm = std::get<std::vector<std::int64_t>>(t.find("arm_id")->data);
    const auto& metric = std::get<std::vector<std::int64_t>>(t.find("metric_id")->data);
    for (std::size_t i = 0; i < arm.size(); ++i)
      for (const char* column : {"mean_baseline", "mean_arm", "mean_diff", "ci_lo", "ci_hi"})
        out[arms[arm[i]] + "|" + metrics[metric[i]]].push_back(
            std::get<std::vector<double>>(t.find(column)->data)[i]);
  }
  return out;
}

std::vector<std::string> csv_fields(const std::string& line) {
  std::vector<std::string> fields(1);
  for (const char c : line) {
    if (c == ',')
      fields.emplace_back();
    else
      fields.back().push_back(c);
  }
  return fields;
}

TEST_F(ResultsCliTest, SummarizeWritesTheSelectedContrastsInEachFormat) {
  run_small("a.h5");
  const auto stored = stored_contrasts(read("a.h5"));
  const std::string select = "--metrics gmv,mean_trust,suspensions --arms odr_0.8pct";

  const auto csv = run("summarize a.h5 --format csv " + select);
  ASSERT_EQ(csv.code, 0) << describe(csv);
  const auto lines = lines_of(csv.out);
  ASSERT_EQ(lines.size(), 4u) << csv.out;  // a header and the three metrics
  const auto header = csv_fields(lines[0]);
  const auto at = [&](const char* name) {
    return static_cast<std::size_t>(std::find(header.begin(), header.end(), name) - header.begin());
  };
  for (std::size_t k = 1; k < lines.size(); ++k) {
    const auto f = csv_fields(lines[k]);
    ASSERT_EQ(f.size(), header.size()) << lines[k];
    EXPECT_EQ(f[at("arm")], "odr_0.8pct");
    EXPECT_EQ(f[at("baseline")], "baseline");
    const auto& want = stored.at("odr_0.8pct|" + f[at("metric")]);
    // Numbers in full: the text reads back to the stored double exactly.
    EXPECT_EQ(std::stod(f[at("mean_baseline")]), want[0]) << lines[k];
    EXPECT_EQ(std::stod(f[at("mean_arm")]), want[1]) << lines[k];
    EXPECT_EQ(std::stod(f[at("difference")]), want[2]) << lines[k];
    EXPECT_EQ(std::stod(f[at("ci_lo")]), want[3]) << lines[k];
    EXPECT_EQ(std::stod(f[at("ci_hi")]), want[4]) << lines[k];
  }

  const auto json = run("summarize a.h5 --format json " + select);
  ASSERT_EQ(json.code, 0) << describe(json);
  const YAML::Node doc = YAML::Load(json.out);  // JSON is YAML
  EXPECT_EQ(doc["scenario_name"].as<std::string>(), "quickstart-tighten-odr");
  EXPECT_TRUE(doc["paired"].as<bool>());
  ASSERT_EQ(doc["contrasts"].size(), 3u);
  for (const auto& c : doc["contrasts"]) {
    const auto& want = stored.at("odr_0.8pct|" + c["metric"].as<std::string>());
    EXPECT_EQ(c["difference"].as<double>(), want[2]);
    EXPECT_EQ(c["n"].as<int>(), 2);
  }

  const auto markdown = run("summarize a.h5 --format markdown " + select);
  ASSERT_EQ(markdown.code, 0) << describe(markdown);
  const auto rows = lines_of(markdown.out);
  ASSERT_EQ(rows.size(), 5u) << markdown.out;  // header, rule, three metrics
  EXPECT_TRUE(rows[0].starts_with("| point | arm | metric | baseline |")) << rows[0];
  EXPECT_TRUE(contains(rows[2], "| odr_0.8pct | gmv |")) << rows[2];

  const auto text = run("summarize a.h5 --metrics suspensions");
  ASSERT_EQ(text.code, 0) << describe(text);
  EXPECT_TRUE(contains(text.out, "\n  suspensions ")) << describe(text);
  EXPECT_FALSE(contains(text.out, "\n  gmv ")) << describe(text);
}

// One arm: no contrast. The csv is its header alone and the json an empty list
// (this crashed: the header was taken from a first row that does not exist).
TEST_F(ResultsCliTest, SummarizeOfASingleArmRunHasNoContrastRows) {
  write_text(work_ / "one.yaml", "seed: 3\n");
  const auto r = run(std::string("run one.yaml -o one.h5 --quiet ") + kSmall);
  ASSERT_EQ(r.code, 0) << describe(r);
  const auto csv = run("summarize one.h5 --format csv");
  ASSERT_EQ(csv.code, 0) << describe(csv);
  EXPECT_EQ(lines_of(csv.out).size(), 1u) << csv.out;
  EXPECT_TRUE(csv.out.starts_with("point_id,point,arm,baseline,metric,")) << csv.out;
  const auto json = run("summarize one.h5 --format json");
  ASSERT_EQ(json.code, 0) << describe(json);
  EXPECT_EQ(YAML::Load(json.out)["contrasts"].size(), 0u) << json.out;
}

TEST_F(ResultsCliTest, SummarizeRefusesASelectionTheFileDoesNotHave) {
  run_small("a.h5");
  const auto metric = run("summarize a.h5 --metrics gmv,not_a_metric");
  EXPECT_EQ(metric.code, 2) << describe(metric);
  EXPECT_TRUE(contains(metric.err, "no metric 'not_a_metric' in the file (it has "))
      << describe(metric);
  const auto baseline = run("summarize a.h5 --arms baseline");
  EXPECT_EQ(baseline.code, 2) << describe(baseline);
  EXPECT_TRUE(contains(baseline.err, "'baseline' is the baseline")) << describe(baseline);
  EXPECT_EQ(run("summarize a.h5 --points 7").code, 2);
  EXPECT_EQ(run("summarize a.h5 --format xml").code, 2);
}

// The scenario a result file embeds re-runs it bit for bit: the same digest,
// and compare finds every table identical.
TEST_F(ResultsCliTest, ReRunningTheEmbeddedScenarioReproducesTheResults) {
  run_small("original.h5", "--set policies[0].above=0.009");
  const auto scenario = run("summarize original.h5 --scenario");
  ASSERT_EQ(scenario.code, 0) << describe(scenario);
  write_text(work_ / "embedded.yaml", scenario.out);
  const auto again = run("run embedded.yaml -o again.h5 --quiet --threads 2");
  ASSERT_EQ(again.code, 0) << describe(again);
  const auto digest = [](const ResultFile& f) {
    for (const auto& a : f.root_attributes)
      if (a.name == "results_digest") return std::get<std::string>(a.value);
    return std::string();
  };
  EXPECT_EQ(digest(read("again.h5")), digest(read("original.h5")));
  const auto r = run("compare original.h5 again.h5");
  EXPECT_EQ(r.code, 0) << describe(r);
  EXPECT_TRUE(contains(r.out, "scenarios: the same")) << describe(r);
}

}  // namespace
}  // namespace trustsim
