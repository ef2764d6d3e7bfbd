// Tests for scenario loading (include/trustsim/scenario.hpp, sim/scenario.cpp,
// sim/param_reader.*): every class of bad input is reported as an InputProblem with the exact
// source (file label or --set argument, line, column), the key path and an "(expected ...)"
// phrase; several problems come back at once. The good path: defaults, --set overrides, arm
// overrides that change only what they name, the resolved YAML round trip and the generated
// reference.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "policies/threshold_rule.hpp"
#include "test_directory.hpp"
#include "trustsim/enums.hpp"
#include "trustsim/errors.hpp"
#include "trustsim/params.hpp"
#include "trustsim/scenario.hpp"

namespace trustsim {
namespace {

namespace fs = std::filesystem;

constexpr const char* kLabel = "test.yaml";

std::string quickstart_path() {
  return std::string(TRUSTSIM_SOURCE_DIR) + "/scenarios/quickstart.yaml";
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string describe(const std::vector<InputProblem>& problems) {
  std::string text;
  for (const auto& p : problems) text += "  " + p.format() + "\n";
  return text.empty() ? "  (none)\n" : text;
}

// Loads `yaml` expecting failure; returns the problems (empty, with a test failure, if the
// scenario loaded). Any exception other than InputError is a failure too.
std::vector<InputProblem> problems_of(const std::string& yaml, const LoadOptions& options = {}) {
  try {
    const Scenario scenario = load_scenario_text(yaml, kLabel, options);
    ADD_FAILURE() << "scenario loaded without error:\n" << yaml;
  } catch (const InputError& e) {
    EXPECT_FALSE(e.problems().empty()) << "InputError without problems: " << e.what();
    return e.problems();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected InputError, got another exception: " << e.what();
  }
  return {};
}

// Loads `yaml` expecting exactly one problem and returns it.
InputProblem only_problem(const std::string& yaml, const LoadOptions& options = {}) {
  const auto problems = problems_of(yaml, options);
  if (problems.size() != 1) {
    ADD_FAILURE() << "expected exactly one problem, got " << problems.size() << ":\n"
                  << describe(problems);
    return problems.empty() ? InputProblem{} : problems.front();
  }
  return problems.front();
}

// Checks every part of a problem. `message` and `expected` are substrings that must appear.
void expect_problem(const InputProblem& p, const std::string& file, int line, int column,
                    const std::string& key_path, const std::string& message,
                    const std::string& expected) {
  SCOPED_TRACE("problem: " + p.format());
  EXPECT_EQ(p.mark.file, file);
  EXPECT_EQ(p.mark.line, line);
  EXPECT_EQ(p.mark.column, column);
  EXPECT_EQ(p.key_path, key_path);
  EXPECT_NE(p.message.find(message), std::string::npos) << "message: " << p.message;
  EXPECT_FALSE(p.expected.empty());
  EXPECT_NE(p.expected.find(expected), std::string::npos) << "expected: " << p.expected;
  // The compiler-style line carries the same parts in the documented order.
  const std::string where =
      line > 0 ? fmt::format("{}:{}:{}: error: ", file, line, column) : file + ": error: ";
  EXPECT_TRUE(p.format().starts_with(where + (key_path.empty() ? "" : key_path + ": ")));
  EXPECT_TRUE(p.format().ends_with(" (expected " + p.expected + ")"));
}

const InputProblem* find_problem(const std::vector<InputProblem>& problems,
                                 const std::string& key_path) {
  for (const auto& p : problems)
    if (p.key_path == key_path) return &p;
  ADD_FAILURE() << "no problem at " << key_path << "; got:\n" << describe(problems);
  return nullptr;
}

// Flattens a parameter struct into "key.path" -> value text through its `visit` list, so two
// models can be compared field by field.
class Flattener {
 public:
  explicit Flattener(std::string prefix = {}) : prefix_(std::move(prefix)) {}
  std::map<std::string, std::string> values;

  template <class T>
  void value(const char* key, T& field, Bound, const char*, bool = false) {
    put(key, fmt::format("{}", field));
  }
  void flag(const char* key, bool& field, const char*) { put(key, field ? "true" : "false"); }
  void text(const char* key, std::string& field, const char*) { put(key, field); }
  template <class E>
  void choice(const char* key, E& field, const char*, bool = false) {
    put(key, std::string(enum_name(field)));
  }
  template <class E>
  void choices(const char* key, std::vector<E>& field, const char*, std::size_t = 0) {
    std::string text;
    for (auto e : field) text += std::string(enum_name(e)) + ",";
    put(key, "[" + text + "]");
  }
  template <class E>
  void shares(const char* key, Shares<E>& field, const char*) {
    for (std::size_t i = 0; i < field.size(); ++i)
      put(fmt::format("{}.{}", key, EnumNames<E>::names[i]).c_str(), fmt::format("{}", field[i]));
  }
  template <class S>
  void section(const char* key, S& field, const char*) {
    merge(path(key), field);
  }
  template <class S>
  void named(const char* key, std::vector<std::pair<std::string, S>>& field, const char*) {
    put((std::string(key) + ".size").c_str(), std::to_string(field.size()));
    for (auto& [name, item] : field) merge(path(key) + "." + name, item);
  }
  template <class S>
  void list(const char* key, std::vector<S>& field, const char*) {
    put((std::string(key) + ".size").c_str(), std::to_string(field.size()));
    for (std::size_t i = 0; i < field.size(); ++i)
      merge(fmt::format("{}[{}]", path(key), i), field[i]);
  }
  void policies(const char* key, std::vector<PolicyEntry>& field, const char*) {
    put((std::string(key) + ".size").c_str(), std::to_string(field.size()));
    for (std::size_t i = 0; i < field.size(); ++i) {
      const auto prefix = fmt::format("{}[{}]", path(key), i);
      values[prefix + ".kind"] = field[i].kind;
      if (field[i].kind == ThresholdRule::kKind)
        merge(prefix, std::any_cast<EnforcementRule&>(field[i].parameters));
    }
  }
  template <class S, std::size_t N>
  void per_enum(const char* key, std::array<S, N>& field, const char*) {
    using E = typename PerEnumKey<S>::type;
    for (std::size_t i = 0; i < N; ++i)
      merge(fmt::format("{}.{}", path(key), EnumNames<E>::names[i]), field[i]);
  }
  void numbers(const char* key, std::vector<double>& field, Bound, std::size_t, std::size_t,
               const char*) {
    std::string text;
    for (double x : field) text += fmt::format("{},", x);
    put(key, "[" + text + "]");
  }
  void threshold(Comparison& comparison, double& threshold, const char*) {
    put("comparison", std::string(enum_name(comparison)));
    put("threshold", fmt::format("{}", threshold));
  }

 private:
  std::string path(const char* key) const {
    return prefix_.empty() ? std::string(key) : prefix_ + "." + key;
  }
  void put(const char* key, std::string text) { values[path(key)] = std::move(text); }
  template <class S>
  void merge(const std::string& prefix, S& field) {
    Flattener sub(prefix);
    field.visit(sub);
    values.insert(sub.values.begin(), sub.values.end());
  }
  std::string prefix_;
};

template <class S>
std::map<std::string, std::string> flatten(S value) {
  Flattener flattener;
  value.visit(flattener);
  return flattener.values;
}

// Keys whose values differ between two flattened structs.
std::set<std::string> differing_keys(const std::map<std::string, std::string>& a,
                                     const std::map<std::string, std::string>& b) {
  std::set<std::string> keys;
  for (const auto& [key, value] : a)
    if (!b.count(key) || b.at(key) != value) keys.insert(key);
  for (const auto& [key, value] : b)
    if (!a.count(key)) keys.insert(key);
  return keys;
}

// The top-level keys of a scenario, in visit order.
struct TopLevelKeys {
  std::vector<std::string> keys;
  template <class T>
  void value(const char* key, T&, Bound, const char*, bool = false) {
    keys.push_back(key);
  }
  void flag(const char* key, bool&, const char*) { keys.push_back(key); }
  void text(const char* key, std::string&, const char*) { keys.push_back(key); }
  template <class E>
  void choice(const char* key, E&, const char*, bool = false) {
    keys.push_back(key);
  }
  template <class E>
  void choices(const char* key, std::vector<E>&, const char*, std::size_t = 0) {
    keys.push_back(key);
  }
  template <class E>
  void shares(const char* key, Shares<E>&, const char*) {
    keys.push_back(key);
  }
  template <class S>
  void section(const char* key, S&, const char*) {
    keys.push_back(key);
  }
  template <class S>
  void named(const char* key, std::vector<std::pair<std::string, S>>&, const char*) {
    keys.push_back(key);
  }
  template <class S>
  void list(const char* key, std::vector<S>&, const char*) {
    keys.push_back(key);
  }
  void policies(const char* key, std::vector<PolicyEntry>&, const char*) { keys.push_back(key); }
  template <class S, std::size_t N>
  void per_enum(const char* key, std::array<S, N>&, const char*) {
    keys.push_back(key);
  }
  void numbers(const char* key, std::vector<double>&, Bound, std::size_t, std::size_t,
               const char*) {
    keys.push_back(key);
  }
  void threshold(Comparison&, double&, const char*) {}
};

// ---------------------------------------------------------------------------------------------
// Bad input: one class per test, each pinned to file, line, column, key path and expectation.

TEST(ScenarioErrors, YamlSyntaxErrorAtTheParsersPosition) {
  // "a: b: c" is an illegal map value; yaml-cpp flags the second ':' (line 2, column 8).
  expect_problem(only_problem("seed: 1\nname: a: b\n"), kLabel, 2, 8, "", "YAML syntax",
                 "valid YAML");
  // An unclosed flow list is detected at the end of the input (line 3, column 1).
  expect_problem(only_problem("seed: 1\nhorizon_days: [1, 2\n"), kLabel, 3, 1, "", "YAML syntax",
                 "valid YAML");
  // Over-indented key inside a section.
  expect_problem(only_problem("seed: 1\ntrust:\n  initial: 0.5\n    loss_cancelled: 0.1\n"), kLabel,
                 4, 19, "", "YAML syntax", "valid YAML");
}

TEST(ScenarioErrors, DocumentThatIsNotAMapping) {
  expect_problem(only_problem("- seed\n- 1\n"), kLabel, 1, 1, "", "not a mapping", "seed");
  expect_problem(only_problem(""), kLabel, 1, 1, "", "not a mapping", "seed");
}

TEST(ScenarioErrors, UnknownTopLevelKey) {
  const auto p = only_problem("seed: 1\nhorizon: 30\n");
  expect_problem(p, kLabel, 2, 1, "horizon", "unknown key", "horizon_days");
  EXPECT_NE(p.expected.find("one of:"), std::string::npos);
  EXPECT_NE(p.expected.find("policies"), std::string::npos);
}

TEST(ScenarioErrors, UnknownNestedKey) {
  const auto p = only_problem("seed: 1\ntrust:\n  intial: 0.5\n");
  expect_problem(p, kLabel, 3, 3, "trust.intial", "unknown key", "initial");
  // Deeper: inside a list entry and inside a per-channel section.
  expect_problem(
      only_problem("seed: 1\npolicies:\n"
                   "  - {kind: threshold_rule, metric: cancel_rate, above: 0.02, windw_days: 7}\n"),
      kLabel, 3, 62, "policies[0].windw_days", "unknown key", "window_days");
  expect_problem(only_problem("seed: 1\nchannels:\n  seller_fulfilled:\n    cancl: 0.1\n"), kLabel,
                 4, 5, "channels.seller_fulfilled.cancl", "unknown key", "cancel");
}

TEST(ScenarioErrors, TextWhereANumberIsExpected) {
  expect_problem(only_problem("seed: 1\nhorizon_days: ten\n"), kLabel, 2, 15, "horizon_days",
                 "'ten'", "a whole number of days from 1 to 3650");
  expect_problem(only_problem("seed: 1\ntrust:\n  initial: high\n"), kLabel, 3, 12, "trust.initial",
                 "'high'", "a probability between 0 and 1");
  expect_problem(only_problem("seed: 0x10\n"), kLabel, 1, 7, "seed", "'0x10'",
                 "a whole number >= 0");
}

TEST(ScenarioErrors, ListWhereAMappingIsExpected) {
  expect_problem(only_problem("seed: 1\ntrust: [1, 2]\n"), kLabel, 2, 8, "trust", "a list",
                 "a mapping of keys to values");
  expect_problem(only_problem("seed: 1\npopulation:\n  sellers:\n    tenure: [0.5, 0.5]\n"), kLabel,
                 4, 13, "population.sellers.tenure", "a list",
                 "shares by name: new, established, veteran");
  expect_problem(only_problem("seed: 1\npolicies: {metric: cancel_rate}\n"), kLabel, 2, 11,
                 "policies", "a mapping", "a list of policy entries");
  // The old form names the new one.
  expect_problem(only_problem("seed: 1\npolicies:\n  enforcement: []\n"), kLabel, 3, 3, "policies",
                 "is now a list of entries", "a list of policy entries");
}

TEST(ScenarioErrors, OtherWrongTypes) {
  expect_problem(only_problem("seed: 1\nname: [a]\n"), kLabel, 2, 7, "name", "a list", "text");
  expect_problem(only_problem("seed: 1\nchannels:\n  seller_fulfilled:\n    seller_ships: yes\n"),
                 kLabel, 4, 19, "channels.seller_fulfilled.seller_ships", "'yes'", "true or false");
  expect_problem(only_problem("seed: 1\ntrust: ~\n"), kLabel, 2, 8, "trust", "null",
                 "a mapping of keys to values");
}

TEST(ScenarioErrors, ProbabilityOutOfRange) {
  expect_problem(only_problem("seed: 1\ntrust:\n  initial: 1.5\n"), kLabel, 3, 12, "trust.initial",
                 "1.5 is out of range", "a probability between 0 and 1");
  expect_problem(only_problem("seed: 1\norders:\n  cs_contact: -0.1\n"), kLabel, 3, 15,
                 "orders.cs_contact", "out of range", "a probability between 0 and 1");
}

TEST(ScenarioErrors, NegativeWindowDays) {
  expect_problem(only_problem("seed: 1\nsignals:\n  window_days: -5\n"), kLabel, 3, 16,
                 "signals.window_days", "-5 is out of range",
                 "a whole number of days from 1 to 3650");
  expect_problem(
      only_problem(
          "seed: 1\npolicies:\n"
          "  - {kind: threshold_rule, metric: cancel_rate, window_days: -7, above: 0.02}\n"),
      kLabel, 3, 62, "policies[0].window_days", "out of range",
      "a whole number of days from 1 to 3650");
}

TEST(ScenarioErrors, ZeroReplications) {
  expect_problem(only_problem("seed: 1\nreplications: 0\n"), kLabel, 2, 15, "replications",
                 "0 is out of range", "a whole number from 1 to 1000000");
}

TEST(ScenarioErrors, ThresholdOutsideZeroToOne) {
  expect_problem(only_problem("seed: 1\npolicies:\n"
                              "  - {kind: threshold_rule, metric: cancel_rate, above: 2}\n"),
                 kLabel, 3, 56, "policies[0].above", "'2'", "a rate between 0 and 1");
}

TEST(ScenarioErrors, EvidenceRulesNeedAShareALevelInsideZeroToOneAndAProperPrior) {
  expect_problem(only_problem("seed: 1\npolicies:\n"
                              "  - {kind: threshold_rule, metric: csqi, above: 0.02, "
                              "window_days: 60, evidence: posterior}\n"),
                 kLabel, 3, 82, "policies[0].evidence", "not a share of orders", "evidence: point");
  expect_problem(only_problem("seed: 1\npolicies:\n"
                              "  - {kind: threshold_rule, metric: csqi, above: 0.02, "
                              "window_days: 60, min_defects: 5}\n"),
                 kLabel, 3, 85, "policies[0].min_defects", "not a share of orders",
                 "min_defects: 0 for fqi and csqi");
  expect_problem(only_problem("seed: 1\npolicies:\n"
                              "  - {kind: threshold_rule, metric: cancel_rate, above: 0.02, "
                              "evidence: posterior, evidence_level: 1}\n"),
                 kLabel, 3, 99, "policies[0].evidence_level", "out of range",
                 "a probability strictly between 0 and 1");
  expect_problem(only_problem("seed: 1\npolicies:\n"
                              "  - {kind: threshold_rule, metric: cancel_rate, above: 0.02, "
                              "evidence: posterior, prior_alpha: 0}\n"),
                 kLabel, 3, 96, "policies[0].prior_alpha", "out of range", "a number > 0");
  expect_problem(only_problem("seed: 1\npolicies:\n"
                              "  - {kind: threshold_rule, metric: cancel_rate, above: 0.02, "
                              "evidence: bayes}\n"),
                 kLabel, 3, 72, "policies[0].evidence", "'bayes'", "binomial_test");
}

TEST(ScenarioErrors, CohortRulesNameCohortsThatExistInsideTheirScopeOnce) {
  const std::string rule =
      "seed: 1\npolicies:\n"
      "  - kind: threshold_rule\n"
      "    metric: late_shipment_rate\n"
      "    above: 0.04\n";
  // A cohort that does not exist: the list of those that do.
  expect_problem(only_problem(rule + "    cohort_thresholds:\n"
                                     "      - {cohort: 'category:oversized', threshold: 0.06}\n"),
                 kLabel, 7, 18, "policies[0].cohort_thresholds[0].cohort",
                 "'category:oversized' names no cohort", "category:heavy_bulky");
  // A cohort the rule does not cover: its threshold could never apply.
  expect_problem(only_problem(rule + "    categories: [standard]\n"
                                     "    cohort_thresholds:\n"
                                     "      - {cohort: 'category:heavy_bulky', threshold: 0.06}\n"),
                 kLabel, 8, 18, "policies[0].cohort_thresholds[0].cohort",
                 "category:heavy_bulky is outside the rule's scope", "a cohort the rule covers");
  // The same cohort twice: the second entry could never apply.
  expect_problem(only_problem(rule + "    cohort_thresholds:\n"
                                     "      - {cohort: 'tenure:new', threshold: 0.06}\n"
                                     "      - {cohort: 'tenure:new', threshold: 0.08}\n"),
                 kLabel, 8, 18, "policies[0].cohort_thresholds[1].cohort",
                 "tenure:new has a threshold already", "each cohort once");
  // A threshold outside the metric's range.
  expect_problem(only_problem(rule + "    cohort_thresholds:\n"
                                     "      - {cohort: 'tenure:new', threshold: 1.5}\n"),
                 kLabel, 7, 43, "policies[0].cohort_thresholds[0].threshold", "out of range",
                 "a probability between 0 and 1");
  // A scope value that does not exist.
  expect_problem(only_problem(rule + "    tenures: [new, ancient]\n"), kLabel, 6, 20,
                 "policies[0].tenures[1]", "'ancient'", "one of: new, established, veteran");
}

TEST(ScenarioErrors, PercentileThresholdsNeedOneDimensionAndNoCohortThresholds) {
  const std::string rule =
      "seed: 1\npolicies:\n"
      "  - kind: threshold_rule\n"
      "    metric: late_shipment_rate\n"
      "    above: 0.04\n";
  expect_problem(only_problem(rule + "    threshold_percentile: 101\n"), kLabel, 6, 27,
                 "policies[0].threshold_percentile", "101 is out of range",
                 "a percentile from 0 to 100");
  expect_problem(
      only_problem(rule + "    threshold_percentile: 95\n    per_cohort: [category, region]\n"),
      kLabel, 7, 17, "policies[0].per_cohort", "more than one dimension", "one cohort dimension");
  expect_problem(only_problem(rule + "    threshold_percentile: 95\n"
                                     "    cohort_thresholds: [{cohort: 'tenure:new', threshold: "
                                     "0.05}]\n"),
                 kLabel, 6, 27, "policies[0].threshold_percentile", "which threshold applies",
                 "not both");
  expect_problem(only_problem(rule + "    per_cohort: [category]\n"), kLabel, 6, 17,
                 "policies[0].per_cohort", "has no effect", "a threshold_percentile above 0");
  expect_problem(only_problem(rule + "    learn_prior: true\n"), kLabel, 6, 18,
                 "policies[0].learn_prior", "only the posterior rule has a prior",
                 "evidence: posterior");
}

TEST(ScenarioErrors, NonWholeCount) {
  expect_problem(only_problem("seed: 1\npopulation:\n  sellers:\n    count: 10.5\n"), kLabel, 4, 12,
                 "population.sellers.count", "10.5 is not a whole number", "a whole number >= 1");
  expect_problem(
      only_problem(
          "seed: 1\npolicies:\n"
          "  - {kind: threshold_rule, metric: cancel_rate, above: 0.02, min_orders: 2.5}\n"),
      kLabel, 3, 74, "policies[0].min_orders", "not a whole number", "a whole number >= 0");
}

TEST(ScenarioErrors, MissingSeed) {
  // The problem should point at the document (line 1, column 1 is where the top-level
  // mapping starts) and say what a seed looks like, like every other problem does.
  const auto p = only_problem("name: no-seed\nhorizon_days: 30\n");
  expect_problem(p, kLabel, 1, 1, "seed", "missing required value", "a whole number >= 0");
}

TEST(ScenarioErrors, MissingRuleMetric) {
  const auto p = only_problem("seed: 1\npolicies:\n  - {kind: threshold_rule, above: 0.02}\n");
  expect_problem(p, kLabel, 3, 5, "policies[0].metric", "missing required value",
                 "order_defect_rate");
}

TEST(ScenarioErrors, UnknownMetricInARule) {
  const auto p = only_problem(
      "seed: 1\npolicies:\n"
      "  - {kind: threshold_rule, metric: odr, above: 0.01}\n");
  expect_problem(p, kLabel, 3, 36, "policies[0].metric", "'odr'",
                 "one of: order_defect_rate, late_shipment_rate, cancel_rate");
}

TEST(ScenarioErrors, UnknownActionInALadder) {
  const auto p = only_problem(
      "seed: 1\npolicies:\n"
      "  - kind: threshold_rule\n"
      "    metric: order_defect_rate\n"
      "    above: 0.01\n"
      "    ladder: [warn, ban]\n");
  expect_problem(p, kLabel, 6, 20, "policies[0].ladder[1]", "'ban'",
                 "one of: warn, suppress_listings, suspend");
}

TEST(ScenarioErrors, LaddersClimbInOrderOfSeverity) {
  expect_problem(only_problem("seed: 1\npolicies:\n"
                              "  - {kind: threshold_rule, metric: cancel_rate, above: 0.02, "
                              "ladder: [suspend, warn]}\n"),
                 kLabel, 3, 80, "policies[0].ladder[1]", "warn follows suspend",
                 "steps in order of severity");
  expect_problem(only_problem("seed: 1\npolicies:\n"
                              "  - {kind: defect_count_rule, metric: cancel_rate, above: 0.02, "
                              "ladder: [terminate, suspend]}\n"),
                 kLabel, 3, 85, "policies[0].ladder[1]", "suspend follows terminate",
                 "terminate only last");
  expect_problem(only_problem("seed: 1\npolicies:\n"
                              "  - {kind: threshold_rule, metric: cancel_rate, above: 0.02, "
                              "ladder: [warn, suspend], repeat_ladder: [terminate, suspend]}\n"),
                 kLabel, 3, 114, "policies[0].repeat_ladder[1]", "suspend follows terminate",
                 "steps in order of severity");
  // So does a rule's own appeal.
  expect_problem(only_problem("seed: 1\npolicies:\n"
                              "  - {kind: threshold_rule, metric: cancel_rate, above: 0.02, "
                              "ladder: [warn], appeal: own}\n"),
                 kLabel, 3, 86, "policies[0].appeal", "its ladder never suspends",
                 "a ladder with a suspend step");
  // A repeat ladder applies only to sellers the rule has suspended.
  expect_problem(only_problem("seed: 1\npolicies:\n"
                              "  - {kind: threshold_rule, metric: cancel_rate, above: 0.02, "
                              "ladder: [warn], repeat_ladder: [terminate]}\n"),
                 kLabel, 3, 93, "policies[0].repeat_ladder", "never suspends",
                 "a ladder with a suspend step");
}

TEST(ScenarioErrors, AccountHealthBandsInOrderAndViolationsThatExist) {
  const std::string health = "seed: 1\npolicies:\n  - kind: account_health\n";
  expect_problem(only_problem(health + "    suspend_below: 150\n    at_risk_below: 120\n"), kLabel,
                 4, 20, "policies[0].suspend_below", "150 is above at_risk_below = 120",
                 "suspend_below <= at_risk_below <= start_score");
  expect_problem(only_problem(health + "    start_score: 150\n"), kLabel, 3, 5,
                 "policies[0].at_risk_below", "every seller would start at risk",
                 "at_risk_below <= start_score");
  expect_problem(only_problem(health + "    violations: []\n"), kLabel, 4, 17,
                 "policies[0].violations", "no violations", "at least one violation");
  expect_problem(only_problem(health + "    violations:\n"
                                       "      - {metric: refund_rate, above: 0.06, points: 50}\n"),
                 kLabel, 5, 18, "policies[0].violations[0].metric", "'refund_rate'",
                 "one of: order_defect_rate");
  expect_problem(only_problem(health + "    violations:\n"
                                       "      - {metric: cancel_rate, above: 2.5, points: 50}\n"),
                 kLabel, 5, 38, "policies[0].violations[0].above", "'2.5'",
                 "a rate between 0 and 1");
}

TEST(ScenarioErrors, EmptyLadder) {
  const auto p = only_problem(
      "seed: 1\npolicies:\n"
      "  - {kind: threshold_rule, metric: cancel_rate, above: 0.02, ladder: []}\n");
  expect_problem(p, kLabel, 3, 70, "policies[0].ladder", "a list",
                 "at least 1 of: warn, suppress_listings, suspend");
}

TEST(ScenarioErrors, UnknownChannel) {
  // As a rule's channel list entry...
  expect_problem(only_problem("seed: 1\npolicies:\n"
                              "  - kind: threshold_rule\n"
                              "    metric: cancel_rate\n"
                              "    above: 0.02\n"
                              "    channels: [seller_fulfilled, drone]\n"),
                 kLabel, 6, 34, "policies[0].channels[1]", "'drone'",
                 "one of: platform_fulfilled, seller_fulfilled, seller_fulfilled_premium, "
                 "platform_pickup");
  // ...as a key of the per-channel settings...
  expect_problem(only_problem("seed: 1\nchannels:\n  drone:\n    cancel: 0.1\n"), kLabel, 3, 3,
                 "channels.drone", "unknown name", "one of: platform_fulfilled");
  // ...and in the channel mix.
  expect_problem(only_problem("seed: 1\npopulation:\n  sellers:\n"
                              "    channel: {platform_fulfilled: 0.5, drone: 0.5}\n"),
                 kLabel, 4, 40, "population.sellers.channel.drone", "unknown name",
                 "one of: platform_fulfilled");
}

TEST(ScenarioErrors, UnknownEnumValueInOutputs) {
  expect_problem(only_problem("seed: 1\noutputs:\n  timeseries: hourly\n"), kLabel, 3, 15,
                 "outputs.timeseries", "'hourly'", "one of: daily, weekly");
}

TEST(ScenarioErrors, SharesThatDoNotSumToOne) {
  expect_problem(only_problem("seed: 1\npopulation:\n  sellers:\n"
                              "    tenure: {new: 0.5, established: 0.3, veteran: 0.3}\n"),
                 kLabel, 4, 13, "population.sellers.tenure", "sum to 1.1", "shares that sum to 1");
  expect_problem(only_problem("seed: 1\npopulation:\n  sellers:\n"
                              "    region: {domestic: 0.5}\n"),
                 kLabel, 4, 13, "population.sellers.region", "sum to 0.5", "shares that sum to 1");
}

TEST(ScenarioErrors, PersonaSharesThatDoNotSumToOne) {
  // Should point at the personas mapping (its value starts at line 5, column 7) as the
  // per-name share mixes do, not at the top of the file.
  const auto p = only_problem(
      "seed: 1\npopulation:\n  buyers:\n    personas:\n"
      "      a: {share: 0.5}\n"
      "      b: {share: 0.4}\n");
  expect_problem(p, kLabel, 5, 7, "population.buyers.personas", "sum to 0.9",
                 "shares that sum to 1");
}

// Negative, neutral and positive feedback share one draw: their sum in any
// situation must stay <= 1, and the error points at the key named.
TEST(ScenarioErrors, FeedbackProbabilitiesThatLeaveNoRoomForSilence) {
  expect_problem(only_problem("seed: 1\norders:\n  positive_feedback: 0.9\n"
                              "  neutral_feedback: 0.2\n"),
                 kLabel, 3, 22, "orders.positive_feedback", "after a good order sum to 1.1001",
                 "probabilities <= 1");
  expect_problem(only_problem("seed: 1\norders:\n  negative_feedback_if_problem: 0.99\n"
                              "  neutral_feedback_if_problem: 0.02\n"),
                 kLabel, 4, 32, "orders.neutral_feedback_if_problem",
                 "after an unresolved problem sum to 1.01", "probabilities <= 1");
}

TEST(ScenarioErrors, BothAboveAndBelowInARule) {
  const auto p = only_problem(
      "seed: 1\npolicies:\n"
      "  - kind: threshold_rule\n"
      "    metric: order_defect_rate\n"
      "    above: 0.01\n"
      "    below: 0.02\n");
  // Reported at the rule (its mapping starts at line 3, column 5).
  expect_problem(p, kLabel, 3, 5, "policies[0].above", "both 'above' and 'below' given",
                 "exactly one of 'above: RATE' or 'below: RATE'");
}

TEST(ScenarioErrors, NeitherAboveNorBelowInARule) {
  const auto p = only_problem(
      "seed: 1\npolicies:\n"
      "  - kind: threshold_rule\n"
      "    metric: order_defect_rate\n"
      "    min_orders: 10\n");
  expect_problem(p, kLabel, 3, 5, "policies[0].above", "missing threshold",
                 "exactly one of 'above: RATE' or 'below: RATE'");
}

TEST(ScenarioErrors, ArmOverridingPopulationSeedOrCalendar) {
  const auto problems = problems_of(
      "seed: 1\n"
      "arms:\n"
      "  baseline: {}\n"
      "  big:\n"
      "    population.buyers.count: 10\n"
      "  reseeded:\n"
      "    seed: 5\n"
      "  longer:\n"
      "    horizon_days: 5\n");
  ASSERT_EQ(problems.size(), 3u) << describe(problems);
  const std::string expected = "a policy, ranking, trust, channel or behaviour parameter";
  if (const auto* p = find_problem(problems, "arms.big.population.buyers.count"))
    expect_problem(*p, kLabel, 5, 5, p->key_path, "cannot differ", expected);
  if (const auto* p = find_problem(problems, "arms.reseeded.seed"))
    expect_problem(*p, kLabel, 7, 5, p->key_path, "cannot differ", expected);
  if (const auto* p = find_problem(problems, "arms.longer.horizon_days"))
    expect_problem(*p, kLabel, 9, 5, p->key_path, "cannot differ", expected);
}

TEST(ScenarioErrors, ArmOverridingARuleThatDoesNotExist) {
  // Four rules written in the file; the override names the eighth. The text is
  // loaded under another name, so without the reference world it includes.
  std::string yaml = read_text(quickstart_path());
  const std::string include = "include: reference-world.yaml\n";
  ASSERT_NE(yaml.find(include), std::string::npos);
  yaml.erase(yaml.find(include), include.size());
  const auto arm_line = "    policies.odr.above: 0.008\n";
  const auto at = yaml.find(arm_line);
  ASSERT_NE(at, std::string::npos);
  yaml.replace(at, std::string(arm_line).size(), "    policies[7].above: 0.008\n");
  int line = 1;
  for (std::size_t i = 0; i < at; ++i) line += yaml[i] == '\n';
  const auto p = only_problem(yaml);
  // The position is that of the override's value in the file.
  expect_problem(p, kLabel, line, 24, "policies[7].above", "no such key or list entry to override",
                 "policies[0].above");
}

TEST(ScenarioErrors, ArmOverridingARuleThatDoesNotExistInTheDefaults) {
  // The file writes no rules, so the four default rules apply: [7] does not exist, and that
  // is the only problem (the defaults themselves are fine).
  const auto p = only_problem(
      "seed: 1\narms:\n  baseline: {}\n  x:\n"
      "    policies[7].above: 0.5\n");
  expect_problem(p, kLabel, 5, 24, "policies[7].above", "no such key or list entry to override",
                 "policies[0].above");
}

TEST(ScenarioErrors, ArmOverridingAMisspelledKey) {
  expect_problem(only_problem("seed: 1\narms:\n  baseline: {}\n  x:\n    trust.intial: 0.5\n"),
                 kLabel, 5, 19, "trust.intial", "no such key", "a key path");
}

TEST(ScenarioErrors, ArmOverrideOutOfRange) {
  expect_problem(only_problem("seed: 1\narms:\n  baseline: {}\n  x:\n    trust.initial: 1.5\n"),
                 kLabel, 5, 20, "trust.initial", "1.5 is out of range in arm 'x'",
                 "a probability between 0 and 1");
}

TEST(ScenarioErrors, ArmsThatAreNotAMapping) {
  expect_problem(only_problem("seed: 1\narms: [a, b]\n"), kLabel, 2, 7, "arms", "a list",
                 "a mapping of arm names to overrides");
  expect_problem(only_problem("seed: 1\narms:\n  baseline: {}\n  b: 5\n"), kLabel, 4, 6, "arms.b",
                 "'5'", "a mapping of KEY.PATH: VALUE overrides");
}

TEST(ScenarioErrors, SetWithoutEquals) {
  LoadOptions options;
  options.set_overrides = {"horizon_days"};
  const auto p = only_problem("seed: 1\n", options);
  expect_problem(p, "--set 'horizon_days'", 1, 1, "", "missing '='", "--set KEY.PATH=VALUE");
  EXPECT_TRUE(p.mark.file.starts_with("--set"));
}

TEST(ScenarioErrors, SetUnknownKey) {
  LoadOptions options;
  options.set_overrides = {"trust.intial=0.5"};
  // Column 14 is where the value starts in the argument.
  expect_problem(only_problem("seed: 1\n", options), "--set 'trust.intial=0.5'", 1, 14,
                 "trust.intial", "no such key", "a key path");
}

TEST(ScenarioErrors, SetValueOutOfRange) {
  LoadOptions options;
  options.set_overrides = {"trust.initial=1.5"};
  expect_problem(only_problem("seed: 1\n", options), "--set 'trust.initial=1.5'", 1, 15,
                 "trust.initial", "1.5 is out of range", "a probability between 0 and 1");
}

TEST(ScenarioErrors, SetWrongTypeAndArms) {
  LoadOptions options;
  options.set_overrides = {"replications=many"};
  expect_problem(only_problem("seed: 1\n", options), "--set 'replications=many'", 1, 14,
                 "replications", "'many'", "a whole number from 1 to 1000000");
  options.set_overrides = {"arms.x.trust.initial=0.5"};
  expect_problem(only_problem("seed: 1\n", options), "--set 'arms.x.trust.initial=0.5'", 1, 1,
                 "arms.x.trust.initial", "cannot be changed with --set", "outside arms");
}

TEST(ScenarioErrors, SeveralProblemsAtOnce) {
  const std::string yaml =
      "seed: 1\n"                                                // 1
      "horizon_days: 0\n"                                        // 2
      "trust:\n"                                                 // 3
      "  intial: 0.5\n"                                          // 4
      "  loss_unresolved: 2\n"                                   // 5
      "policies:\n"                                              // 6
      "  # rules\n"                                              // 7
      "  - {kind: threshold_rule, metric: odr, above: 0.01}\n";  // 8
  LoadOptions options;
  options.set_overrides = {"signals.window_days=-1"};
  try {
    load_scenario_text(yaml, kLabel, options);
    FAIL() << "scenario loaded";
  } catch (const InputError& e) {
    const auto& problems = e.problems();
    ASSERT_EQ(problems.size(), 5u) << describe(problems);
    if (const auto* p = find_problem(problems, "horizon_days"))
      expect_problem(*p, kLabel, 2, 15, "horizon_days", "out of range", "days from 1 to 3650");
    if (const auto* p = find_problem(problems, "trust.intial"))
      expect_problem(*p, kLabel, 4, 3, "trust.intial", "unknown key", "initial");
    if (const auto* p = find_problem(problems, "trust.loss_unresolved"))
      expect_problem(*p, kLabel, 5, 20, "trust.loss_unresolved", "out of range", "probability");
    if (const auto* p = find_problem(problems, "policies[0].metric"))
      expect_problem(*p, kLabel, 8, 36, "policies[0].metric", "'odr'", "order_defect_rate");
    if (const auto* p = find_problem(problems, "signals.window_days"))
      expect_problem(*p, "--set 'signals.window_days=-1'", 1, 21, "signals.window_days",
                     "out of range", "days from 1 to 3650");
    // what() is one compiler-style line per problem.
    std::string expected_what;
    for (const auto& p : problems)
      expected_what += (expected_what.empty() ? "" : "\n") + p.format();
    EXPECT_EQ(std::string(e.what()), expected_what);
  }
}

TEST(ScenarioErrors, PopulationTooLargeForMemory) {
  // 4e9 sellers and buyers need terabytes whatever the machine.
  const std::string yaml =
      "seed: 1\npopulation:\n  sellers:\n    count: 4000000000\n"
      "  buyers:\n    count: 4000000000\n";
  const auto p = only_problem(yaml);
  // At the population section (its value mapping starts at line 3, column 3).
  expect_problem(p, kLabel, 3, 3, "population", "GiB", "a population that fits in memory");
  // The same scenario loads when the memory check is off.
  LoadOptions unchecked;
  unchecked.check_memory = false;
  EXPECT_EQ(load_scenario_text(yaml, kLabel, unchecked).settings.model.population.buyers.count,
            4000000000u);
}

TEST(ScenarioErrors, PopulationTooLargeSetOnTheCommandLine) {
  // The file has no population section: the problem is still an InputError naming
  // population and GiB (not an internal YAML exception).
  LoadOptions options;
  options.set_overrides = {"population.buyers.count=4000000000",
                           "population.sellers.count=4000000000"};
  const auto problems = problems_of("seed: 1\n", options);
  ASSERT_EQ(problems.size(), 1u) << describe(problems);
  EXPECT_EQ(problems[0].key_path, "population");
  EXPECT_NE(problems[0].message.find("GiB"), std::string::npos) << problems[0].format();
  EXPECT_GE(problems[0].mark.line, 1) << problems[0].format();
}

TEST(ScenarioErrors, KeyThatIsNotText) {
  // A mapping key that is itself a list is an unknown key, reported as input, not a crash.
  const auto problems = problems_of("seed: 1\n[a, b]: 2\n");
  ASSERT_EQ(problems.size(), 1u) << describe(problems);
  EXPECT_EQ(problems[0].mark.line, 2) << problems[0].format();
  EXPECT_EQ(problems[0].mark.column, 1) << problems[0].format();
}

TEST(ScenarioErrors, DuplicateKey) {
  // YAML keys are unique; a repeated key must not be silently dropped.
  const auto problems = problems_of("seed: 1\nhorizon_days: 30\nhorizon_days: 60\n");
  ASSERT_EQ(problems.size(), 1u) << describe(problems);
  EXPECT_EQ(problems[0].key_path, "horizon_days");
  EXPECT_EQ(problems[0].mark.line, 3) << problems[0].format();
  EXPECT_EQ(problems[0].mark.column, 1) << problems[0].format();
}

// An alias to a node that contains it makes yaml-cpp build a cycle, which any
// walk of the tree would follow until the stack runs out (found by
// fuzz_scenario). It is refused where the alias is, in the file or a --set.
TEST(ScenarioErrors, AnAliasThatContainsItselfIsRefused) {
  expect_problem(only_problem("seed: &s 1\n\ntrust: &t\n  baseline: *t\n  b: !!str x\n"), kLabel, 4,
                 3, "trust.baseline", "contains it (a cycle)", "an alias to a node outside itself");
  LoadOptions options;
  options.set_overrides = {"trust=&t {a: [*t]}"};
  try {
    (void)load_scenario_text("seed: 1\n", kLabel, options);
    FAIL() << "a cyclic --set value was accepted";
  } catch (const InputError& e) {
    ASSERT_EQ(e.problems().size(), 1u);
    EXPECT_EQ(e.problems()[0].key_path, "trust");
    EXPECT_NE(e.problems()[0].message.find("(a cycle)"), std::string::npos);
  }
  // Nesting far deeper than any scenario is refused, not walked.
  const std::string deep = "seed: 1\nx: " + std::string(100, '[') + std::string(100, ']') + "\n";
  const auto p = only_problem(deep);
  EXPECT_NE(p.message.find("nested more than 64 levels deep"), std::string::npos) << p.format();
  EXPECT_EQ(p.mark.line, 2) << p.format();
}

TEST(ScenarioErrors, UnreadableFile) {
  const fs::path missing =
      fs::temp_directory_path() / ("trustsim_no_such_" + std::to_string(::getpid()) + ".yaml");
  try {
    load_scenario(missing);
    FAIL() << "loaded a missing file";
  } catch (const InputError& e) {
    EXPECT_TRUE(e.problems().empty());
    EXPECT_NE(std::string(e.what()).find(missing.string()), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("no such file"), std::string::npos) << e.what();
  }
  EXPECT_THROW(load_scenario(fs::temp_directory_path()), InputError);
}

TEST(ScenarioErrors, FileLabelIsThePath) {
  const fs::path file =
      fs::temp_directory_path() / ("trustsim_scenario_" + std::to_string(::getpid()) + ".yaml");
  std::ofstream(file, std::ios::binary) << "seed: 1\ntrust:\n  initial: 7\n";
  const std::vector<InputProblem> problems = [&] {
    try {
      load_scenario(file);
    } catch (const InputError& e) {
      return e.problems();
    }
    return std::vector<InputProblem>{};
  }();
  fs::remove(file);
  ASSERT_EQ(problems.size(), 1u) << describe(problems);
  expect_problem(problems[0], file.string(), 3, 12, "trust.initial", "out of range", "probability");
}

// ---------------------------------------------------------------------------------------------
// The good path.

TEST(ScenarioLoad, DefaultsAppliedWhenKeysAreAbsent) {
  const Scenario scenario = load_scenario_text("seed: 42\n", kLabel);
  ScenarioSettings expected;
  expected.seed = 42;
  EXPECT_EQ(flatten(scenario.settings), flatten(expected));
  EXPECT_EQ(scenario.settings.warmup_days, 90u);
  EXPECT_EQ(scenario.settings.horizon_days, 365u);
  EXPECT_EQ(scenario.settings.replications, 10u);
  EXPECT_EQ(scenario.settings.model.trust.initial, 0.85);
  EXPECT_EQ(scenario.settings.model.policies.size(), 4u);
  EXPECT_EQ(scenario.source_file, kLabel);
}

TEST(ScenarioLoad, PartialSectionKeepsOtherDefaults) {
  const Scenario scenario = load_scenario_text(
      "seed: 1\ntrust:\n  initial: 0.6\nchannels:\n"
      "  seller_fulfilled: {cancel: 0.02}\n",
      kLabel);
  ScenarioSettings expected;
  expected.seed = 1;
  const auto diff = differing_keys(flatten(scenario.settings), flatten(expected));
  EXPECT_EQ(diff, (std::set<std::string>{"trust.initial", "channels.seller_fulfilled.cancel"}));
  EXPECT_EQ(scenario.settings.model.trust.initial, 0.6);
  EXPECT_EQ(scenario.settings.model.channels[idx(Channel::kSellerFulfilled)].cancel, 0.02);
}

TEST(ScenarioLoad, LargeSeedIsKeptExactly) {
  // Seeds are whole numbers up to 1.8e19; 2^53 + 1 is not representable as a double.
  const Scenario scenario = load_scenario_text("seed: 9007199254740993\n", kLabel);
  EXPECT_EQ(scenario.settings.seed, 9007199254740993u);
}

TEST(ScenarioLoad, QuickstartLoads) {
  const Scenario scenario = load_scenario(quickstart_path());
  EXPECT_EQ(scenario.source_file, quickstart_path());
  EXPECT_EQ(scenario.settings.name, "quickstart-tighten-odr");
  EXPECT_EQ(scenario.settings.seed, 20261122u);
  ASSERT_EQ(scenario.arms.size(), 2u);
  EXPECT_EQ(scenario.arms[0].name, "baseline");
  EXPECT_EQ(scenario.arms[1].name, "odr_0.8pct");
}

TEST(ScenarioLoad, SetOverridesAValue) {
  LoadOptions options;
  options.set_overrides = {"horizon_days=30", "trust.initial=0.7", "policies[1].min_orders=10",
                           "seller_behaviour.appeal_days=7"};
  const Scenario scenario = load_scenario(quickstart_path(), options);
  const Scenario plain = load_scenario(quickstart_path());
  EXPECT_EQ(scenario.settings.horizon_days, 30u);
  for (std::size_t a = 0; a < scenario.arms.size(); ++a) {
    SCOPED_TRACE("arm " + scenario.arms[a].name);
    // --set applies to every arm and changes only what it names.
    const auto diff = differing_keys(flatten(scenario.arms[a].model), flatten(plain.arms[a].model));
    EXPECT_EQ(diff, (std::set<std::string>{"trust.initial", "policies[1].min_orders",
                                           "seller_behaviour.appeal_days"}));
    EXPECT_EQ(scenario.arms[a].model.trust.initial, 0.7);
    EXPECT_EQ(threshold_rule(scenario.arms[a].model, 1).min_orders, 10u);
    EXPECT_EQ(scenario.arms[a].model.seller_behaviour.appeal_days, 7u);
  }
  // The resolved scenario records the overridden values.
  EXPECT_NE(scenario.resolved_yaml.find("horizon_days: 30\n"), std::string::npos);
}

TEST(ScenarioLoad, SetOverridesAListAndAnEnum) {
  LoadOptions options;
  options.set_overrides = {"policies[0].ladder=[warn, suppress_listings, suspend]",
                           "ranking.signal=none"};
  const Scenario scenario = load_scenario(quickstart_path(), options);
  EXPECT_EQ(threshold_rule(scenario.settings.model, 0).ladder,
            (std::vector<Action>{Action::kWarn, Action::kSuppressListings, Action::kSuspend}));
  EXPECT_EQ(scenario.settings.model.ranking.signal, RankingSignal::kNone);
}

TEST(ScenarioLoad, SetOverridesADefaultListEntry) {
  // The file writes no rules: the override applies to the first of the four default rules.
  LoadOptions options;
  options.set_overrides = {"policies[0].above=0.008"};
  const Scenario scenario = load_scenario_text("seed: 1\n", kLabel, options);
  ASSERT_EQ(scenario.settings.model.policies.size(), 4u);
  EXPECT_EQ(threshold_rule(scenario.settings.model, 0).threshold, 0.008);
}

TEST(ScenarioLoad, SetOverridesADefaultPersona) {
  // The file writes no personas: the override changes one field of a default persona.
  LoadOptions options;
  options.set_overrides = {"population.buyers.personas.convenience.speed=0.5"};
  const Scenario scenario = load_scenario_text("seed: 1\n", kLabel, options);
  ScenarioSettings expected;
  expected.seed = 1;
  EXPECT_EQ(differing_keys(flatten(scenario.settings), flatten(expected)),
            std::set<std::string>{"population.buyers.personas.convenience.speed"});
}

TEST(ScenarioLoad, ReplicationsOption) {
  LoadOptions options;
  options.replications = 3;
  const Scenario scenario = load_scenario(quickstart_path(), options);
  EXPECT_EQ(scenario.settings.replications, 3u);
  EXPECT_NE(scenario.resolved_yaml.find("replications: 3\n"), std::string::npos);
}

TEST(ScenarioArms, OverridesChangeOnlyWhatTheyName) {
  const Scenario scenario = load_scenario(quickstart_path());
  ASSERT_EQ(scenario.arms.size(), 2u);
  const auto baseline = flatten(scenario.arms[0].model);
  const auto candidate = flatten(scenario.arms[1].model);
  EXPECT_EQ(differing_keys(baseline, candidate), std::set<std::string>{"policies[0].threshold"});
  EXPECT_EQ(threshold_rule(scenario.arms[0].model, 0).threshold, 0.01);
  EXPECT_EQ(threshold_rule(scenario.arms[1].model, 0).threshold, 0.008);
  EXPECT_EQ(threshold_rule(scenario.arms[1].model, 0).comparison, Comparison::kAbove);
  EXPECT_TRUE(scenario.arms[0].overrides.empty());
  EXPECT_EQ(scenario.arms[1].overrides, std::vector<std::string>{"policies.odr.above=0.008"});
  // The settings carry the baseline arm's model.
  EXPECT_EQ(flatten(scenario.settings.model), baseline);
}

TEST(ScenarioArms, SeveralOverridesInOneArm) {
  const Scenario scenario = load_scenario_text(
      "seed: 1\n"
      "arms:\n"
      "  baseline:\n"
      "  strict:\n"
      "    trust.initial: 0.5\n"
      "    ranking.weight_signal: 40\n"
      "    channels.seller_fulfilled.cancel: 0.005\n",
      kLabel);
  ASSERT_EQ(scenario.arms.size(), 2u);
  EXPECT_EQ(differing_keys(flatten(scenario.arms[0].model), flatten(scenario.arms[1].model)),
            (std::set<std::string>{"trust.initial", "ranking.weight_signal",
                                   "channels.seller_fulfilled.cancel"}));
  EXPECT_EQ(scenario.arms[1].model.ranking.weight_signal, 40.0);
}

TEST(ScenarioArms, AbsentArmsGiveOneBaselineArm) {
  const Scenario scenario = load_scenario_text("seed: 1\ntrust:\n  initial: 0.6\n", kLabel);
  ASSERT_EQ(scenario.arms.size(), 1u);
  EXPECT_EQ(scenario.arms[0].name, "baseline");
  EXPECT_TRUE(scenario.arms[0].overrides.empty());
  EXPECT_EQ(flatten(scenario.arms[0].model), flatten(scenario.settings.model));
  EXPECT_EQ(scenario.arms[0].model.trust.initial, 0.6);
}

TEST(ScenarioArms, ArmOrderFollowsTheFile) {
  const Scenario scenario = load_scenario_text(
      "seed: 1\narms:\n  zeta: {}\n  alpha: {trust.initial: 0.5}\n  mid: {}\n", kLabel);
  ASSERT_EQ(scenario.arms.size(), 3u);
  EXPECT_EQ(scenario.arms[0].name, "zeta");
  EXPECT_EQ(scenario.arms[1].name, "alpha");
  EXPECT_EQ(scenario.arms[2].name, "mid");
}

TEST(ScenarioResolved, RoundTripsQuickstart) {
  LoadOptions options;
  options.set_overrides = {"population.buyers.count=2000", "horizon_days=30"};
  const Scenario first = load_scenario(quickstart_path(), options);
  const Scenario second = load_scenario_text(first.resolved_yaml, "resolved.yaml");
  EXPECT_EQ(second.resolved_yaml, first.resolved_yaml);
  ASSERT_EQ(second.arms.size(), first.arms.size());
  for (std::size_t a = 0; a < first.arms.size(); ++a) {
    EXPECT_EQ(second.arms[a].name, first.arms[a].name);
    EXPECT_EQ(flatten(second.arms[a].model), flatten(first.arms[a].model));
  }
  EXPECT_EQ(flatten(second.settings), flatten(first.settings));
}

TEST(ScenarioResolved, RoundTripsAMinimalScenario) {
  const Scenario first = load_scenario_text("seed: 7\nname: tiny\n", kLabel);
  const Scenario second = load_scenario_text(first.resolved_yaml, "resolved.yaml");
  EXPECT_EQ(second.resolved_yaml, first.resolved_yaml);
  EXPECT_EQ(flatten(second.settings), flatten(first.settings));
  ASSERT_EQ(second.arms.size(), 1u);
  EXPECT_EQ(second.arms[0].name, "baseline");
}

TEST(ScenarioResolved, ContainsEveryKeyWithItsValue) {
  const Scenario scenario = load_scenario_text("seed: 7\n", kLabel);
  const std::string resolved = "\n" + scenario.resolved_yaml;
  TopLevelKeys top;
  ScenarioSettings settings;
  settings.visit(top);
  for (const auto& key : top.keys)
    EXPECT_NE(resolved.find("\n" + key + ":"), std::string::npos) << key << " missing from:\n"
                                                                  << scenario.resolved_yaml;
  EXPECT_NE(scenario.resolved_yaml.find("\narms:"), std::string::npos);
  EXPECT_NE(scenario.resolved_yaml.find("seed: 7\n"), std::string::npos);
}

TEST(ScenarioReference, ListsEveryTopLevelSection) {
  const std::string md = scenario_reference_markdown();
  TopLevelKeys top;
  ScenarioSettings settings;
  settings.visit(top);
  ASSERT_GE(top.keys.size(), 10u);
  for (const auto& key : top.keys)
    EXPECT_NE(md.find("| `" + key), std::string::npos) << "no row for " << key;
  // Some leaves, including per-enum and list entries, and the required marker.
  for (const char* row :
       {"| `seed` | (required)", "| `trust.initial` |", "| `channels.seller_fulfilled.cancel` |",
        "| `policies[i].metric` |", "| `population.buyers.personas.NAME.share` |"})
    EXPECT_NE(md.find(row), std::string::npos) << "no row " << row;
  EXPECT_NE(md.find("arms"), std::string::npos);
}

}  // namespace
}  // namespace trustsim

namespace trustsim {
namespace {

// The calibration section: each class of mistake names the entry's key path
// and what was expected, at the entry's position (before any simulation).
TEST(ScenarioErrors, CalibrationSectionMistakes) {
  const std::string param = "{key: orders.positive_feedback, min: 0.01, max: 0.1}";
  const std::string moment = "{name: a, outcome: orders, target: 1, tolerance: 1}";
  auto with_moments = [&](const std::string& moments) {
    return "seed: 1\ncalibration:\n  parameters: [" + param + "]\n  moments:\n" + moments;
  };
  auto with_parameter = [&](const std::string& p) {
    return "seed: 1\ncalibration:\n  parameters:\n    - " + p + "\n  moments: [" + moment + "]\n";
  };
  expect_problem(
      only_problem(with_moments("    - {name: a, outcome: order, target: 1, tolerance: 1}\n")),
      kLabel, 5, 7, "calibration.moments[0].outcome", "unknown /summary column 'order'",
      "cancellations_per_1k_orders");
  expect_problem(only_problem(with_moments("    - " + moment +
                                           "\n    - {name: r, numerator: a, denominator: b, "
                                           "fit: false}\n")),
                 kLabel, 6, 7, "calibration.moments[1].denominator", "'b' is not the name",
                 "the name of an outcome");
  expect_problem(only_problem(with_moments("    - {name: a, outcome: orders, target: 1}\n")),
                 kLabel, 5, 7, "calibration.moments[0].tolerance", "for a fitted moment",
                 "a tolerance > 0");
  expect_problem(
      only_problem(with_moments(
          "    - {name: a, outcome: orders, series: orders, target: 1, tolerance: 1}\n")),
      kLabel, 5, 7, "calibration.moments[0]", "more than one thing to measure", "exactly one of");
  expect_problem(
      only_problem(with_parameter("{key: orders.positive_feedback, min: 0.1, max: 0.1}")), kLabel,
      4, 7, "calibration.parameters[0].max", "the range [0.1, 0.1] is empty", "min < max");
  expect_problem(
      only_problem(with_parameter("{key: orders.positive_feedback, min: 0, max: 0.1, scale: log}")),
      kLabel, 4, 7, "calibration.parameters[0].min", "0 on a log scale", "min > 0");
  expect_problem(only_problem(with_parameter(
                     "{key: orders.positive_feedback, min: 0.01, max: 0.1, start: 0.5}")),
                 kLabel, 4, 67, "calibration.parameters[0].start", "0.5 is outside [0.01, 0.1]",
                 "a start within [min, max]");
  expect_problem(only_problem(with_parameter("{key: seed, min: 1, max: 10}")), kLabel, 4, 7,
                 "calibration.parameters[0].key", "cannot be calibrated",
                 "a marketplace or policy parameter");
  expect_problem(
      only_problem(with_parameter("{key: orders.positive_feedbak, min: 0.01, max: 0.1}")), kLabel,
      4, 7, "calibration.parameters[0].key", "is not a numeric model key", "a key path");
  // A bound the key itself does not allow is refused now, not mid-search.
  expect_problem(only_problem(with_parameter(
                     "{key: orders.positive_feedback, min: 0.01, max: 1.5, start: 0.05}")),
                 kLabel, 4, 7, "orders.positive_feedback",
                 "1.5 is out of range (calibration.parameters[0].max = 1.5)", "a probability");
  expect_problem(only_problem("seed: 1\nsweep:\n  parameters: [{key: orders.cs_contact, values: "
                              "[0.1]}]\ncalibration:\n  parameters: [" +
                              param + "]\n  moments: [" + moment + "]\n"),
                 kLabel, 5, 3, "calibration", "a calibration and a sweep", "one or the other");
  expect_problem(only_problem("seed: 1\ncalibration:\n  parameters: [" + param + "]\n"), kLabel, 3,
                 3, "calibration", "parameters without moments", "both");
}

}  // namespace
}  // namespace trustsim

namespace trustsim {
namespace {

void write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path) << text;
}

// `include:` lays a scenario on the files it names: maps merge key by key,
// lists and values are replaced, and the result is the scenario written out
// whole (its resolved form is identical, bit for bit).
TEST(ScenarioInclude, IncludedFilesLieBeneathTheScenario) {
  testing::TestDirectory dir("include");
  write_file(dir.path() / "world.yaml",
             "population:\n  sellers: {count: 300, entry_per_day: 0.5}\n"
             "  buyers: {count: 4000}\n"
             "trust: {initial: 0.8, loss_cancelled: 0.07}\n"
             "policies:\n  - {kind: threshold_rule, metric: cancel_rate, above: 0.02}\n");
  write_file(dir.path() / "horizon.yaml", "horizon_days: 30\nwarmup_days: 5\n");
  write_file(dir.path() / "study.yaml",
             "include: [world.yaml, horizon.yaml]\nseed: 4\n"
             "trust: {initial: 0.9}\npopulation:\n  buyers: {count: 5000}\n");
  const auto included = load_scenario(dir.path() / "study.yaml");
  const auto flat = load_scenario_text(
      "seed: 4\nhorizon_days: 30\nwarmup_days: 5\n"
      "population:\n  sellers: {count: 300, entry_per_day: 0.5}\n  buyers: {count: 5000}\n"
      "trust: {initial: 0.9, loss_cancelled: 0.07}\n"
      "policies:\n  - {kind: threshold_rule, metric: cancel_rate, above: 0.02}\n",
      "flat.yaml");
  EXPECT_EQ(included.resolved_yaml, flat.resolved_yaml);
  EXPECT_EQ(included.settings.model.population.buyers.count, 5000u);  // the scenario's own
  EXPECT_EQ(included.settings.model.trust.loss_cancelled, 0.07);      // the world's, merged
  // The self-contained text (what other ranks load) is the same scenario.
  const auto text = read_scenario_text(dir.path() / "study.yaml");
  const auto whole = self_contained_text(text, (dir.path() / "study.yaml").string());
  EXPECT_EQ(whole.find("include"), std::string::npos);
  EXPECT_EQ(load_scenario_text(whole, "elsewhere/study.yaml").resolved_yaml, flat.resolved_yaml);
  // Without includes the text is passed on untouched.
  EXPECT_EQ(self_contained_text("seed: 1\n", "x.yaml"), "seed: 1\n");
}

TEST(ScenarioInclude, ProblemsNameTheFileTheyAreIn) {
  testing::TestDirectory dir("include");
  const auto study = dir.path() / "study.yaml";
  const auto world = (dir.path() / "world.yaml").lexically_normal().string();
  write_file(world, "population:\n  sellers: {count: 300}\ntrust:\n  intial: 0.8\n");
  write_file(study, "seed: 1\ninclude: world.yaml\n");
  auto problem_of = [&]() -> InputProblem {
    try {
      load_scenario(study);
    } catch (const InputError& e) {
      if (e.problems().size() == 1) return e.problems().front();
      ADD_FAILURE() << e.what();
    }
    ADD_FAILURE() << "no problem reported";
    return {};
  };
  // An unknown key inside the included file: its file, line and column.
  expect_problem(problem_of(), world, 4, 3, "trust.intial", "unknown key", "initial");
  // A missing file, a cycle and a value that is not a path: at the include.
  write_file(study, "seed: 1\ninclude: [missing.yaml]\n");
  auto p = problem_of();
  expect_problem(p, study.string(), 2, 11, "include", "no such file", "a readable scenario file");
  write_file(world, "include: study.yaml\n");
  write_file(study, "seed: 1\ninclude: world.yaml\n");
  p = problem_of();
  expect_problem(p, world, 1, 10, "include", "an include cycle", "do not include each other");
  write_file(study, "seed: 1\ninclude: {file: world.yaml}\n");
  expect_problem(problem_of(), study.string(), 2, 10, "include", "got a mapping",
                 "a scenario file path");
}

}  // namespace
}  // namespace trustsim
