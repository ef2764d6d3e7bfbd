// Rules scoped to cohorts of sellers and cohort-adjusted thresholds
// (threshold_rule's tenures / categories / regions and cohort_thresholds),
// checked against what must hold whatever the world:
//  1. the cohort labels a rule names are /lookup/cohorts' labels;
//  2. a threshold equal for every cohort is the plain rule, bit for bit;
//  3. a cohort threshold that can never be breached is the rule scoped to
//     the other cohorts, bit for bit;
//  4. a rule scoped to new sellers suspends no one else;
//  5. the reference standard judges each seller by its cohort's threshold.
#include <cstddef>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "arm_world.hpp"
#include "policies/threshold_rule.hpp"
#include "policy_bench.hpp"
#include "trustsim/experiment.hpp"
#include "trustsim/outcome_tables.hpp"
#include "trustsim/scenario.hpp"

namespace trustsim {
namespace {

using testing::same_outputs;

TEST(CohortRules, ARuleNamesCohortsByTheirResultLabels) {
  std::size_t labels = 0;
  for (std::size_t d = 0; d < enum_count<CohortDimension>(); ++d) {
    const auto dimension = static_cast<CohortDimension>(d);
    const auto names = dimension_labels(dimension);
    for (std::size_t v = 0; v < names.size(); ++v, ++labels) {
      const auto cohort = Cohort::parse(names[v]);
      ASSERT_TRUE(cohort.has_value()) << names[v];
      EXPECT_EQ(cohort->dimension, dimension);
      EXPECT_EQ(cohort->value, v);
    }
  }
  EXPECT_EQ(labels, 3u + 2u + 2u + 4u + 3u);  // tenure, category, region, channel, cs_provider
  for (const char* wrong : {"", "tenure", "tenure:", "heavy_bulky", "category:heavy",
                            "category:heavy_bulky ", "Category:heavy_bulky", "size:large"})
    EXPECT_FALSE(Cohort::parse(wrong).has_value()) << "'" << wrong << "'";
}

// The arm-key walk's small world (400 sellers, 180 days, every cohort
// populated) with the given arms, one replication.
TaskRun run_arms(const std::string& arms) {
  const auto yaml =
      testing::small_world("cohort-rules", 11, "outputs: {cohorts: [tenure, category]}\n", arms);
  return run_task(load_scenario_text(yaml, "cohort-rules.yaml"), TaskSpec{0, 0, 0});
}

// An arm's /cohort_summary value for a cohort label and column.
double cohort_value(const ArmRun& arm, const std::string& label, const std::string& column) {
  const Scenario labelled =
      load_scenario_text("seed: 1\noutputs: {cohorts: [tenure, category]}\n", "labels.yaml");
  const auto labels = cohort_labels(labelled);
  const auto& columns = cohort_outcomes();
  for (std::size_t l = 0; l < labels.size(); ++l)
    for (std::size_t c = 0; c < columns.size(); ++c)
      if (labels[l] == label && columns[c].name == column) return arm.cohorts.at(l).at(c);
  ADD_FAILURE() << "no cohort " << label << " column " << column;
  return 0;
}

double odr_suspensions(const ArmRun& arm) {
  return cohort_value(arm, "category:standard", "suspensions") +
         cohort_value(arm, "category:heavy_bulky", "suspensions");
}

TEST(CohortRules, AThresholdEqualForEveryCohortIsThePlainRule) {
  const auto task = run_arms(
      "  baseline: {}\n"
      "  equal_by_category:\n"
      "    policies.odr.cohort_thresholds:\n"
      "      - {cohort: 'category:standard', threshold: 0.01}\n"
      "      - {cohort: 'category:heavy_bulky', threshold: 0.01}\n"
      "  equal_by_tenure:\n"
      "    policies.odr.cohort_thresholds:\n"
      "      - {cohort: 'tenure:new', threshold: 0.01}\n"
      "      - {cohort: 'tenure:established', threshold: 0.01}\n"
      "  looser_for_heavy_bulky:\n"
      "    policies.odr.cohort_thresholds: [{cohort: 'category:heavy_bulky', threshold: 0.03}]\n");
  ASSERT_EQ(task.arms.size(), 4u);
  // The public 1% rule acts in this world (only it suspends, among the defaults) ...
  ASSERT_GT(odr_suspensions(task.arms[0]), 3.0);
  // ... and a threshold equal for every cohort (or for some, the rest keeping
  // the rule's own, which is the same) changes nothing, bit for bit.
  EXPECT_TRUE(same_outputs(task.arms[0], task.arms[1]));
  EXPECT_TRUE(same_outputs(task.arms[0], task.arms[2]));
  EXPECT_EQ(task.arms[0].policy_outcomes, task.arms[1].policy_outcomes);
  // The comparison can fail: a looser threshold for one cohort changes the run.
  EXPECT_FALSE(same_outputs(task.arms[0], task.arms[3]));
  EXPECT_LT(cohort_value(task.arms[3], "category:heavy_bulky", "suspensions"),
            cohort_value(task.arms[0], "category:heavy_bulky", "suspensions"));
}

TEST(CohortRules, AThresholdNoSellerCanBreachIsTheRuleScopedToTheOtherCohorts) {
  // The baseline's rule is the reference standard for both arms: a
  // standard-category seller breaching the ODR above 100% is impossible, and
  // the scoped rule does not judge standard-category sellers at all.
  const auto task = run_arms(
      "  baseline:\n"
      "    policies.odr.cohort_thresholds: [{cohort: 'category:standard', threshold: 1}]\n"
      "  scoped:\n"
      "    policies.odr.categories: [heavy_bulky]\n"
      "  plain:\n"
      "    policies.odr.cohort_thresholds: []\n");
  ASSERT_EQ(task.arms.size(), 3u);
  EXPECT_TRUE(same_outputs(task.arms[0], task.arms[1]));
  EXPECT_EQ(task.arms[0].policy_outcomes, task.arms[1].policy_outcomes);
  EXPECT_EQ(cohort_value(task.arms[1], "category:standard", "suspensions"), 0.0);
  EXPECT_GT(cohort_value(task.arms[1], "category:heavy_bulky", "suspensions"), 0.0);
  // The plain rule suspends standard-category sellers in the same world.
  EXPECT_GT(cohort_value(task.arms[2], "category:standard", "suspensions"), 0.0);
}

TEST(CohortRules, ARuleScopedToNewSellersSuspendsNoOneElse) {
  const auto task = run_arms(
      "  baseline: {}\n"
      "  new_only:\n"
      "    policies.odr.tenures: [new]\n");
  const auto& arm = task.arms.at(1);
  EXPECT_GT(cohort_value(arm, "tenure:new", "suspensions"), 0.0);
  EXPECT_EQ(cohort_value(arm, "tenure:established", "suspensions"), 0.0);
  EXPECT_EQ(cohort_value(arm, "tenure:veteran", "suspensions"), 0.0);
  EXPECT_GT(cohort_value(task.arms[0], "tenure:established", "suspensions") +
                cohort_value(task.arms[0], "tenure:veteran", "suspensions"),
            0.0);
}

TEST(CohortRules, TheStandardJudgesEachSellerByItsCohortsThreshold) {
  EnforcementRule rule;  // order defect rate above 1% ...
  rule.scope.channels = {Channel::kSellerFulfilled};
  rule.cohort_thresholds = {{"category:heavy_bulky", 0.03}, {"region:cross_border", 0.02}};
  const auto standard = rule.standard();
  const DsiWeights weights{};
  ExpectedRates rates;
  rates.orders = 1.0;
  rates.order_defects = 0.025;  // ... at 2.5%
  SellerCohort seller;
  seller.channel = Channel::kSellerFulfilled;
  EXPECT_DOUBLE_EQ(standard.threshold_for(seller), 0.01);
  EXPECT_TRUE(standard.breached(rates, seller, weights));
  seller.category = Category::kHeavyBulky;  // the first matching entry applies: 3%
  EXPECT_DOUBLE_EQ(standard.threshold_for(seller), 0.03);
  EXPECT_FALSE(standard.breached(rates, seller, weights));
  seller.region = Region::kCrossBorder;  // still the heavy & bulky entry, listed first
  EXPECT_DOUBLE_EQ(standard.threshold_for(seller), 0.03);
  seller.category = Category::kStandard;  // the cross-border entry: 2%
  EXPECT_TRUE(standard.breached(rates, seller, weights));
  seller.channel = Channel::kPlatformFulfilled;  // outside the rule's scope
  EXPECT_FALSE(standard.breached(rates, seller, weights));
}

// A threshold at a cohort percentile: on the bench, 20 sellers whose ODRs
// are 0%, 1%, ..., 19%. The 90th percentile by nearest rank is the 18th
// smallest rate, 17%: the rule acts on the two sellers above it. Split by
// category (sellers 0-9 standard at 0-9%, 10-19 heavy & bulky at 10-19%),
// the 80th percentile is each cohort's 8th rate, 7% and 17%.
TEST(CohortRules, APercentileThresholdActsOnTheSellersAboveTheirCohortsPercentile) {
  EnforcementRule rule;
  rule.metric = Metric::kOrderDefectRate;
  rule.window_days = 10;
  rule.threshold = 1.0;  // until the first percentile is known: no one
  rule.min_orders = 10;
  rule.ladder = {Action::kWarn};
  rule.grace_days = 100;
  rule.recompute_schedule = Schedule::kDaily;
  auto warned = [&](const EnforcementRule& r, bool by_category) {
    testing::Bench bench({"threshold_rule", r}, 20);
    if (by_category)
      for (std::size_t s = 10; s < 20; ++s) bench.sellers().category[s] = Category::kHeavyBulky;
    auto counts = [](std::size_t s) { return std::pair{100u, static_cast<std::uint32_t>(s)}; };
    bench.day_each(counts);  // day 0: empty windows, nothing to rank; the rule's own 100%
    std::vector<std::size_t> acted;
    bench.day_each(counts);  // day 1: ranked on day 0's windows
    for (std::size_t s = 0; s < 20; ++s)
      if (bench.sellers().tally[s].warnings > 0) acted.push_back(s);
    return std::pair{acted, bench.policy<ThresholdRule>().percentile_thresholds()};
  };
  auto pooled = rule;
  pooled.threshold_percentile = 90;
  const auto [all, all_thresholds] = warned(pooled, false);
  EXPECT_EQ(all, (std::vector<std::size_t>{18, 19}));
  EXPECT_DOUBLE_EQ(all_thresholds.at(0), 0.17);
  auto by_category = rule;
  by_category.threshold_percentile = 80;
  by_category.per_cohort = {CohortDimension::kCategory};
  const auto [split, split_thresholds] = warned(by_category, true);
  EXPECT_EQ(split, (std::vector<std::size_t>{8, 9, 18, 19}));
  EXPECT_DOUBLE_EQ(split_thresholds.at(0), 0.07);
  EXPECT_DOUBLE_EQ(split_thresholds.at(1), 0.17);
  // Below-rules rank from the bottom: a valid-tracking-like rate below the
  // 10th percentile (100 - 90) acts on the lowest.
  auto below = pooled;
  below.comparison = Comparison::kBelow;
  below.threshold = 0.0;
  const auto [low, low_thresholds] = warned(below, false);
  EXPECT_EQ(low, (std::vector<std::size_t>{0}));  // 0% is under the 10th percentile, 1%
  EXPECT_DOUBLE_EQ(low_thresholds.at(0), 0.01);
}

}  // namespace
}  // namespace trustsim
