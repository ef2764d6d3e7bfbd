// Keys an arm sets take effect, and arms edit the policies list by name.
// (The walk over every key an arm may set is a validation test:
// tests/validation/test_arm_keys_walk.cpp.) Also: one reference standard for
// false positives and negatives across arms.
#include <algorithm>

#include <gtest/gtest.h>

#include <fmt/format.h>

#include "arm_world.hpp"
#include "policies/threshold_rule.hpp"
#include "trustsim/errors.hpp"
#include "trustsim/experiment.hpp"
#include "trustsim/scenario.hpp"

namespace trustsim {
namespace {

using testing::ArmKey;
using testing::same_outputs;
using testing::scenario_with_arm;

// Keys copied into each seller when it is created (its order profile) act
// from an arm's first horizon day: the profile is made again when arms fork.
TEST(ArmKeys, OrderProfileKeysActWhenAnArmSetsThem) {
  for (const ArmKey key : {ArmKey{"channels.seller_fulfilled.cancel", "0.3"},
                           ArmKey{"channels.platform_fulfilled.late_delivery", "0.3"},
                           ArmKey{"orders.not_as_described", "0.2"},
                           ArmKey{"cs_providers.outsourced.response_24h", "0.1"},
                           ArmKey{"categories.heavy_bulky.damage_multiplier", "20"}}) {
    const auto scenario = load_scenario_text(scenario_with_arm(key), "walk.yaml");
    const auto task = run_task(scenario, TaskSpec{0, 0, 0});
    EXPECT_FALSE(same_outputs(task.arms[0], task.arms[1])) << key.path;
  }
}

// Arms edit the policies list by entry name: a key of an entry, a whole
// entry replaced, entries removed and added, without restating the list.
std::string scenario_with_arms(const std::string& arms) {
  return "name: arm-edits\nseed: 1\nwarmup_days: 10\nhorizon_days: 20\nreplications: 1\n"
         "population: {sellers: {count: 50}, buyers: {count: 500}}\narms:\n  baseline: {}\n" +
         arms;
}

std::vector<std::string> names_of(const ModelParams& model) {
  std::vector<std::string> names;
  for (const auto& e : model.policies) names.push_back(e.name + ":" + e.kind);
  return names;
}

TEST(ArmEdits, ArmsSetReplaceRemoveAndAddPolicyEntriesByName) {
  const auto scenario = load_scenario_text(
      scenario_with_arms(
          "  by_name: {policies.odr.above: 0.008}\n"
          "  by_index: {'policies[0].above': 0.008}\n"
          "  no_lsr: {policies-: late_shipment}\n"
          "  floor: {policies+: {kind: defect_count_rule, name: ebay, metric: order_defect_rate, "
          "above: 0.03}}\n"
          "  cancel_count: {policies.cancel: {kind: defect_count_rule, metric: "
          "cancel_rate, above: 0.05}, policies.odr.min_orders: 80}\n"),
      "edits.yaml");
  ASSERT_EQ(scenario.arms.size(), 6u);
  const auto& base = scenario.arms[0].model;
  EXPECT_EQ(names_of(base),
            (std::vector<std::string>{"odr:threshold_rule", "late_shipment:threshold_rule",
                                      "cancel:threshold_rule", "valid_tracking:threshold_rule"}));
  EXPECT_EQ(threshold_rule(scenario.arms[1].model, 0).threshold, 0.008);
  EXPECT_EQ(arm_differences(scenario).find("(no difference)"), std::string::npos);
  // A key by name and by place are the same key.
  EXPECT_EQ(threshold_rule(scenario.arms[2].model, 0).threshold, 0.008);
  EXPECT_EQ(names_of(scenario.arms[3].model),
            (std::vector<std::string>{"odr:threshold_rule", "cancel:threshold_rule",
                                      "valid_tracking:threshold_rule"}));
  EXPECT_EQ(names_of(scenario.arms[4].model).back(), "ebay:defect_count_rule");
  EXPECT_EQ(scenario.arms[4].model.policies.size(), 5u);
  const auto& replaced = scenario.arms[5].model;
  EXPECT_EQ(names_of(replaced)[2], "cancel:defect_count_rule");
  EXPECT_EQ(threshold_rule(replaced, 0).min_orders, 80u);
  // validate --print shows what each arm resolves to against the baseline.
  const auto shown = arm_differences(scenario);
  EXPECT_NE(shown.find("# arm 'by_name' resolves to the baseline with:\n#   policies.odr.above: "
                       "0.0080000000000000002\n"),
            std::string::npos)
      << shown;
  EXPECT_NE(shown.find("#   policies.ebay: {kind: defect_count_rule, name: ebay"),
            std::string::npos)
      << shown;
  EXPECT_NE(shown.find("#   policies.late_shipment: (removed)"), std::string::npos) << shown;
  // Every edited arm runs.
  const auto task = run_task(scenario, TaskSpec{0, 0, 0});
  EXPECT_EQ(task.arms.size(), 6u);
}

TEST(ArmEdits, EditsNamingNoEntryOrANameTwiceAreRefused) {
  const std::pair<const char*, const char*> cases[] = {
      {"  x: {policies.nope.above: 0.008}\n", "no policy entry is named 'nope'"},
      {"  x: {policies-: [cancel, nope]}\n", "no policy entry is named 'nope'"},
      {"  x: {policies.nope: {kind: threshold_rule, metric: cancel_rate}}\n",
       "no policy entry is named 'nope'"},
      {"  x: {policies+: {kind: threshold_rule, name: odr, metric: cancel_rate}}\n",
       "an entry named 'odr' is already in the list"},
      {"  x: {policies+: {kind: no_such_kind}}\n", "got 'no_such_kind'"},
  };
  for (const auto& [arm, message] : cases) {
    try {
      load_scenario_text(scenario_with_arms(arm), "edits.yaml");
      ADD_FAILURE() << "accepted: " << arm;
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find(message), std::string::npos) << arm << e.what();
      EXPECT_NE(std::string(e.what()).find("edits.yaml:"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("arms.x.policies"), std::string::npos) << e.what();
    }
  }
}

// False positives and negatives are judged against one reference standard
// for every arm. Judging changes no simulated path, only the count: against a
// looser standard (ODR 5% instead of 1%) the same suspensions include at least
// as many of sellers who meet it, and at least as few unacted sellers breach it.
TEST(ReferenceStandard, ArmsAreJudgedAgainstTheNamedArmsRules) {
  const std::string arms = "  loose: {policies.odr.above: 0.05}\n";
  auto text = scenario_with_arms(arms);
  text.replace(text.find("horizon_days: 20"), 16, "horizon_days: 120");
  text.replace(text.find("{count: 50}"), 11, "{count: 300}");
  text.replace(text.find("{count: 500}"), 12, "{count: 9000}");
  const auto strict = load_scenario_text(text, "reference.yaml");
  const auto loose = load_scenario_text("reference_standard: loose\n" + text, "reference.yaml");
  EXPECT_EQ(strict.reference_arm(), 0u);
  EXPECT_EQ(loose.reference_arm(), 1u);
  const auto a = run_task(strict, TaskSpec{0, 0, 0});
  const auto b = run_task(loose, TaskSpec{0, 0, 0});
  const auto& defs = summary_outcomes();
  auto at = [&](const char* name) {
    for (std::size_t m = 0; m < defs.size(); ++m)
      if (defs[m].name == name) return m;
    throw std::invalid_argument(name);
  };
  const auto fp = at("false_positive_suspensions"), fn = at("false_negative_sellers");
  // What the judgement counts: the wrongful actions and what they cost, and
  // the declines that cross the standard.
  const std::vector<std::size_t> judged{fp,
                                        fn,
                                        at("false_positive_terminations"),
                                        at("wrongful_exits"),
                                        at("wrongly_suspended_seller_days"),
                                        at("gmv_lost_wrongly_suspended"),
                                        at("declined_breachers"),
                                        at("declined_breachers_acted_on"),
                                        at("detection_delay_days")};
  for (std::size_t arm = 0; arm < 2; ++arm) {
    for (std::size_t m = 0; m < defs.size(); ++m)
      if (std::find(judged.begin(), judged.end(), m) == judged.end())
        EXPECT_EQ(a.arms[arm].summary[m], b.arms[arm].summary[m]) << defs[m].name;
    EXPECT_LE(a.arms[arm].summary[fp], b.arms[arm].summary[fp]);
    EXPECT_GE(a.arms[arm].summary[fn], b.arms[arm].summary[fn]);
    // More suspensions are wrongful under the looser standard, each costing the same.
    for (const char* cost :
         {"wrongful_exits", "wrongly_suspended_seller_days", "gmv_lost_wrongly_suspended"})
      EXPECT_LE(a.arms[arm].summary[at(cost)], b.arms[arm].summary[at(cost)]) << cost;
  }
  // The baseline's suspensions: some are of sellers between 1% and 5%.
  EXPECT_LT(a.arms[0].summary[fp], b.arms[0].summary[fp]);
  EXPECT_GT(a.arms[0].summary[at("suspensions")], 0.0);
}

TEST(ReferenceStandard, MustNameAnArm) {
  try {
    load_scenario_text("reference_standard: nope\n" + scenario_with_arms(""), "reference.yaml");
    ADD_FAILURE() << "accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("reference_standard: no arm is named 'nope'"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace trustsim
